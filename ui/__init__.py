"""The Gradio chat UI over the rag pipeline (see ui/app.py).

Modules: app (layout, events, launch), render (answer and source HTML),
uploads (sanitised, size-limited uploads), feedback (JSONL thumbs),
sessions (conversations persisted per browser).
"""

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # must precede any gradio import
