"""Grounded question answering over your own documents, with verified citations.

Public API (what `ui/` and `evals/` may import):

    from rag import Settings, build_pipeline, Answer, RagError
    pipe = build_pipeline(Settings())
    pipe.ingest(["seeds"]);  pipe.ask("Who proposed the 2030 concept?")

Stages, one module each: loaders -> chunking -> embeddings -> store -> retrieval
-> answer -> verify -> cite, wired together in pipeline.py.
"""

from rag.errors import RagError
from rag.settings import Settings
from rag.types import Answer, Chunk, Citation, Document, ScoredChunk, Sentence

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
