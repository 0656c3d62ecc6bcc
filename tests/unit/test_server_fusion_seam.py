"""The retriever seam past one machine: a backend that fuses hybrid retrieval server-side
(distributed Chroma's Collection.search) takes the query; a store that can't (embedded Chroma,
tested for real here) raises NotImplementedError once and the local BM25 + fusion answers."""

from __future__ import annotations

import numpy as np

from rag.pipeline import build
from rag.retrieval import ServerFusedRetriever
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk


class FakeServerBackend:
    """Same Protocol as Store.hybrid_search; records what it was asked."""

    def __init__(self, supported: bool):
        self.supported, self.calls = supported, []

    def hybrid_search(self, query, vector, k, dense_weight):
        self.calls.append((query, np.asarray(vector).shape, k, dense_weight))
        if not self.supported:
            raise NotImplementedError("local Chroma")
        c = Chunk("srv-1", "server.txt", "/srv", "server", 0, 5, "fused", "sha", 1)
        return [ScoredChunk(c, 0.9)]


class CountingLocal:
    def __init__(self):
        self.calls = 0

    def retrieve(self, query, k):
        self.calls += 1
        return []


class Emb:
    name, dim = "e", 3

    def embed_query(self, text):
        return np.ones(3, np.float32)


def test_a_backend_that_fuses_server_side_takes_the_query():
    backend, local = FakeServerBackend(True), CountingLocal()
    r = ServerFusedRetriever(backend, Emb(), local, dense_weight=0.4)
    hits = r.retrieve("who built it", 5)
    assert [h.chunk.id for h in hits] == ["srv-1"] and r.server_side is True
    assert backend.calls == [("who built it", (3,), 5, 0.4)] and local.calls == 0


def test_a_backend_without_it_falls_back_once_and_stays_local():
    backend, local = FakeServerBackend(False), CountingLocal()
    r = ServerFusedRetriever(backend, Emb(), local, dense_weight=0.4)
    r.retrieve("q1", 5)
    r.retrieve("q2", 5)
    assert len(backend.calls) == 1 and local.calls == 2 and r.server_side is False


def test_embedded_chroma_really_raises_and_the_pipeline_answers_locally(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The Marrow Island lighthouse was built in 1871 by the harbour board.\n")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", server_fusion=True))
    pipe.ingest([docs])
    assert isinstance(pipe.retriever, ServerFusedRetriever)
    hits = pipe.retrieve("When was the lighthouse built?", 3)
    assert hits and hits[0].chunk.source == "a.txt"
    assert pipe.retriever.server_side is False  # Collection.search is not implemented locally
