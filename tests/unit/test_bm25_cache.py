"""The BM25 index is saved beside the Chroma index and reused by the next process,
but only while it describes exactly the chunks in the store."""

from __future__ import annotations

from rag.pipeline import build
from rag.settings import Settings


def _pipe(tmp_path):
    return build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive"))


def test_next_process_loads_the_saved_index_instead_of_reading_every_chunk(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The Marrow Island lighthouse was built in 1871 by the harbour board.\n")
    (docs / "b.txt").write_text("Copper mining on the island stopped in 1923 after a flood.\n")
    first = _pipe(tmp_path)
    first.ingest([docs])
    assert first.retriever.sparse.retrieve("lighthouse built", 1)[0].chunk.source == "a.txt"
    assert (tmp_path / "data" / "bm25" / "docs" / "signature.json").exists()

    second = _pipe(tmp_path)  # a fresh pipeline, as in a new `rag ask`
    calls = []
    real = second.store.all_chunks
    monkeypatch.setattr(second.store, "all_chunks", lambda: calls.append(1) or real())
    hit = second.retriever.sparse.retrieve("copper mining flood", 1)[0]
    assert hit.chunk.source == "b.txt" and hit.chunk.text.startswith("Copper mining")
    assert calls == []  # served from the saved index

    # Another process changes a file: the saved index no longer matches and is rebuilt.
    (docs / "b.txt").write_text("Tin mining on the island stopped in 1931 after a fire.\n")
    _pipe(tmp_path).ingest([docs])
    third = _pipe(tmp_path)
    hits = third.retriever.sparse.retrieve("tin mining fire", 1)
    assert hits and hits[0].chunk.text.startswith("Tin mining")
    assert third.retriever.sparse.retrieve("copper", 1) == []


def test_a_corrupt_cache_is_rebuilt_not_fatal(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The Marrow Island lighthouse was built in 1871 by the harbour board.\n")
    _pipe(tmp_path).ingest([docs])
    _pipe(tmp_path).retriever.sparse.retrieve("lighthouse", 1)
    (tmp_path / "data" / "bm25" / "docs" / "chunks.json").write_text("{not json")
    hits = _pipe(tmp_path).retriever.sparse.retrieve("lighthouse", 1)
    assert hits and hits[0].chunk.source == "a.txt"
