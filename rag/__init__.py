"""Grounded question answering over your own documents, with verified citations.

Public API (what `ui/` and `evals/` may import):

    from rag import Settings, build_pipeline, Answer, RagError
    pipe = build_pipeline(Settings())
    pipe.ingest(["seeds"]);  pipe.ask("Who proposed the 2030 concept?")

Stages, one module each: loaders -> chunking -> embeddings -> store -> retrieval
-> answer -> verify -> cite, wired together in pipeline.py.
"""

import os

# The MiniLM forward pass (rag/minilm.py) runs on numpy's OpenBLAS. Its query-time matrices are
# small, and OpenBLAS threads that spin while another process holds the CPU made them 3x slower
# on this shared 2-core machine, so one thread unless the user says otherwise. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rag.errors import RagError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Answer, Chunk, Citation, Document, ScoredChunk, Sentence  # noqa: E402

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "RagError",
    "ScoredChunk",
    "Sentence",
    "Settings",
    "build_pipeline",
]


def build_pipeline(settings: Settings | None = None, **overrides):
    """Build the wired pipeline; imports heavy modules lazily."""
    from rag.pipeline import build

    return build(settings or Settings(), **overrides)
