"""Dense retrieval is exact below `exact_dense_max` chunks: a product over the embeddings kept in the local
index (rag/bm25index.py), so two builds of the same documents rank alike, where Chroma's HNSW graph need not."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rag.bm25index import BM25Index
from rag.pipeline import build
from rag.settings import Settings

from tests.unit.test_hybrid_fetch import QUESTIONS, _pipe


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def _brute(ids, vecs, q, k):
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    s = unit @ (q / np.linalg.norm(q))
    return sorted(((ids[i], float(s[i])) for i in range(len(ids))), key=lambda x: (-x[1], x[0]))[:k]


def test_dense_search_is_the_brute_force_cosine_top_k_over_live_rows_whatever_the_segmentation(tmp_path):
    ids = [f"c{i:04d}" for i in range(300)]
    vecs = _vectors(300)
    ix = BM25Index(tmp_path / "ix")
    for s in range(0, 300, 37):  # uneven batches: several segments, and merges of them
        ix.add(ids[s : s + 37], [f"d{i // 3}" for i in range(s, min(s + 37, 300))], [["w"]] * len(ids[s : s + 37]), vecs[s : s + 37])
    gone = set(random.Random(0).sample(ids, 40))
    assert ix.remove(ids=gone) == 40
    live = [i for i in range(300) if ids[i] not in gone]
    for q in _vectors(5, seed=1):
        got = ix.dense_search(q, 10)
        want = _brute([ids[i] for i in live], vecs[live], q, 10)
        assert [i for i, _ in got] == [i for i, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-6)
    assert ix.has_vectors and len(ix.snapshot().segs) < 9  # merged segments kept their vectors


def test_a_segment_written_without_vectors_turns_dense_search_off(tmp_path):
    ix = BM25Index(tmp_path / "ix")
    ix.add(["a", "b"], ["d", "d"], [["x"], ["y"]], _vectors(2))
    assert ix.dense_search(_vectors(1)[0], 1) is not None
    ix.add(["c"], ["e"], [["z"]])  # an old writer (or an index from before vectors)
    assert not ix.has_vectors and ix.dense_search(_vectors(1)[0], 1) is None


def test_two_builds_of_the_same_documents_give_the_same_dense_ranking(tmp_path):
    runs = []
    for n in (1, 2):
        (tmp_path / f"build{n}").mkdir()
        pipe = _pipe(tmp_path / f"build{n}")
        where = {c.id: (c.source, c.start) for c in pipe.store.all_chunks()}  # ids name the folder, which differs
        runs.append([[(where[i], s) for i, s in pipe.retriever.dense.ranked_ids(q, 20)] for q in QUESTIONS])
    assert runs[0] == runs[1]  # the same chunks in the same order, and the same cosines to the bit
    assert all(len(r) == 20 for r in runs[0])


def test_the_exact_ranking_is_chromas_cosine_ranking_where_the_graph_finds_every_neighbour(tmp_path):
    pipe = _pipe(tmp_path)  # 60 chunks: HNSW's search at ef 100 visits them all
    dense = pipe.retriever.dense
    for q in QUESTIONS:
        exact = dense.ranked_ids(q, 10)
        hnsw = pipe.store.query_ids(pipe.embedder.embed_query(q), 10)
        assert [s for _, s in exact] == pytest.approx([s for _, s in hnsw], abs=1e-6)
        cut = exact[-1][1] + 1e-6  # ties (the hash embedder makes some) may come in another order
        assert {i for i, s in exact if s > cut} == {i for i, s in hnsw if s > cut}


def test_above_exact_dense_max_the_graph_answers(tmp_path, monkeypatch):
    pipe = _pipe(tmp_path, exact_dense_max=10)
    assert pipe.store.count() > 10
    calls = []
    real = pipe.store.query_ids
    monkeypatch.setattr(pipe.store, "query_ids", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    assert pipe.retrieve("When was the lighthouse built?", 5)[0].chunk.source == "lighthouse.txt"
    assert calls == [1]


def test_an_index_built_before_vectors_is_rebuilt_once_with_them(tmp_path):
    pipe = _pipe(tmp_path)
    ix = pipe.store.lexical
    want = pipe.retriever.dense.ranked_ids("When was the lighthouse built?", 10)
    with ix.lock():  # what an index written before this change holds: the same postings, no vectors
        chunks = pipe.store.all_chunks()
        ix.clear()
        from rag.retrieval import index_chunks

        index_chunks(ix, chunks)
    assert not ix.has_vectors
    fresh = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", chunk_size=48, chunk_overlap=0))
    got = fresh.retriever.dense.ranked_ids("When was the lighthouse built?", 10)
    # the vectors now come back from Chroma, which may have normalised them: the same within a float32 rounding
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
    cut = want[-1][1] + 1e-6
    assert {i for i, s in got if s > cut} == {i for i, s in want if s > cut}
    assert fresh.store.lexical.has_vectors and fresh.store.lexical.live == pipe.store.count()
