"""Document -> Chunks with exact character spans.

llama-index's SentenceSplitter decides the boundaries (sentence-aware, token-sized);
we then locate each piece in the original text so that
`chunk.text == document.text[chunk.start:chunk.end]` holds by construction,
which is what lets a citation point at the exact passage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from rag.types import Chunk, Document


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def chunk_id(doc: Document, i: int) -> str:
    # Deterministic ids make re-adding a file an idempotent upsert.
    return hashlib.sha1(f"{doc.root}\x00{doc.source}\x00{doc.sha256}\x00{i}".encode()).hexdigest()[:20]


def _locate(text: str, piece: str, cursor: int) -> tuple[int, int]:
    """Find `piece` in `text` at or after roughly `cursor`; tolerate whitespace normalisation."""
    at = text.find(piece, cursor)
    if at < 0:
        at = text.find(piece)
    if at >= 0:
        return at, at + len(piece)
    # The splitter may have changed whitespace: anchor on the head and tail words.
    head, tail = piece[:40].strip(), piece[-40:].strip()
    start = text.find(head, cursor)
    if start < 0:
        start = max(0, text.find(head)) if text.find(head) >= 0 else cursor
    end = text.find(tail, start)
    end = end + len(tail) if end >= 0 else min(len(text), start + len(piece))
    return start, max(end, start + 1)


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    pieces = [p for p in _splitter(chunk_size, chunk_overlap).split_text(doc.text) if p.strip()]
    spans, cursor = [], 0
    for piece in pieces:
        start, end = _locate(doc.text, piece, cursor)
        spans.append((start, end))
        # Overlap means the next chunk may start before this one ends.
        cursor = start + 1
    return [
        Chunk(
            id=chunk_id(doc, i),
            source=doc.source,
            root=doc.root,
            title=doc.title,
            start=s,
            end=e,
            text=doc.text[s:e],
            doc_sha256=doc.sha256,
            n_chunks=len(spans),
            page=doc.page_at(s),
        )
        for i, (s, e) in enumerate(spans)
    ]
