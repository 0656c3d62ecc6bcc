"""Hybrid retrieval fuses chunk ids first and reads only the fused top k from the store
(rag/retrieval.py HybridRetriever._by_ids): the same hits as fusing fully read runs, one read."""

from __future__ import annotations

import pytest

from rag.pipeline import build
from rag.retrieval import fill_dense_scores
from rag.settings import Settings

TOPICS = [
    ("lighthouse", "The Marrow Island lighthouse was built in {y} by the harbour board of the northern port."),
    ("copper", "Copper mining on the island stopped in {y} after a flood filled the lower galleries."),
    ("ferry", "A ferry to the mainland has run twice a day since {y}, weather permitting."),
    ("school", "The island school opened in {y} with eleven pupils and one teacher."),
    ("church", "The stone church was rebuilt in {y} after a storm took its roof."),
]
QUESTIONS = ["When was the lighthouse built?", "Why did copper mining stop?", "How often does the ferry run?",
             "How many pupils did the school have?", "What happened to the church roof?", "harbour board flood",
             "Which teacher ran the school?", "storm damage 1880"]


def _pipe(tmp_path, **kw):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for n, (name, text) in enumerate(TOPICS):
        (docs / f"{name}.txt").write_text("\n\n".join(text.format(y=1850 + 7 * n + i) + f" Note {i} of the {name} records." for i in range(12)))
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", chunk_size=48, chunk_overlap=0, **kw))
    pipe.ingest([docs])
    return pipe


def _key(hits):
    return [(h.chunk.id, h.chunk.text, h.chunk.source, h.chunk.start, round(h.score, 9), round(h.dense, 6), h.bm25) for h in hits]


@pytest.mark.parametrize("fusion", ["score", "rrf"])
def test_the_fast_path_gives_the_hits_of_fusing_fully_read_runs(tmp_path, fusion):
    pipe = _pipe(tmp_path, fusion=fusion, candidates=8)
    h = pipe.retriever
    assert pipe.store.count() > 3 * h.candidates  # enough chunks that the runs differ
    bm25_only = 0
    for q in QUESTIONS:
        fast = pipe.retrieve(q, 5)
        n = max(5, h.candidates)
        full = fill_dense_scores(h.fuse(h.dense.retrieve(q, n), h.sparse.retrieve(q, n), 5), pipe.embedder.embed_query(q), pipe.embedder, pipe.store)
        assert _key(fast) == _key(full), q
        bm25_only += sum(x.chunk.id not in {d.chunk.id for d in h.dense.retrieve(q, n)} for x in fast)
    assert bm25_only > 0  # the cosine of a BM25-only hit was computed from its stored vector, and matched


def test_the_fast_path_reads_the_store_once_per_question(tmp_path, monkeypatch):
    pipe = _pipe(tmp_path)
    calls = []
    for name in ("query", "get_chunks", "vectors", "chunks_with_vectors", "query_ids"):
        real = getattr(pipe.store, name)
        monkeypatch.setattr(pipe.store, name, lambda *a, real=real, name=name, **kw: calls.append(name) or real(*a, **kw))
    hits = pipe.retrieve("When was the lighthouse built?", 5)
    assert len(hits) == 5 and "lighthouse" in hits[0].chunk.text
    # the dense run is exact, over the local index's vectors: no Chroma query; then no texts of the 2 x 20
    # candidates, and no second read for cosines
    assert calls == ["chunks_with_vectors"]


def test_a_bm25_hit_whose_chunk_was_deleted_elsewhere_is_never_returned_and_the_index_is_repaired(tmp_path):
    pipe = _pipe(tmp_path)
    sparse = pipe.retriever.sparse
    sparse.recheck_s = 3600  # inside the window: the index is not re-counted, so it still lists the deleted chunks
    assert pipe.retrieve("When was the lighthouse built?", 5)[0].chunk.source == "lighthouse.txt"
    coll = pipe.store.collection
    coll.delete(ids=coll.get(where={"source": "lighthouse.txt"}, include=[])["ids"])  # straight to Chroma, past the BM25 index
    hits = pipe.retrieve("lighthouse built harbour board", 5)
    assert hits and all(h.chunk.source != "lighthouse.txt" for h in hits)
    assert sorted(x.decode() for x in pipe.store.lexical.live_ids().tolist()) == sorted(pipe.store.ids())  # repaired
    assert _key(pipe.retrieve("lighthouse built harbour board", 5)) == _key(hits)  # and the fast path serves again


def test_a_passage_found_twice_word_for_word_takes_one_of_the_k_places(tmp_path):
    pipe = _pipe(tmp_path)
    copy = tmp_path / "copy"  # the same file in a second folder, as people have them (Downloads and Documents)
    copy.mkdir()
    (copy / "lighthouse.txt").write_text((tmp_path / "docs" / "lighthouse.txt").read_text())
    pipe.ingest([copy])
    q = "When was the lighthouse built?"
    h = pipe.retriever
    n = max(5, h.candidates)
    raw = h._fuse((h.dense.ranked_ids(q, n), h.sparse.ranked_ids(q, n)), 5)
    texts = [c.text for c in pipe.store.get_chunks([e["id"] for e in raw])]
    assert len(set(texts)) < len(texts), "without the check the two copies take places of their own"
    for hits in (pipe.retrieve(q, 5), h.fuse(h.dense.retrieve(q, n), h.sparse.retrieve(q, n), 5)):  # fast path, full path
        assert len(hits) == 5 and len({" ".join(x.chunk.text.split()) for x in hits}) == 5
        assert "lighthouse" in hits[0].chunk.text
    assert _key(pipe.retrieve(q, 5)) == _key(fill_dense_scores(h.fuse(h.dense.retrieve(q, n), h.sparse.retrieve(q, n), 5),
                                                                pipe.embedder.embed_query(q), pipe.embedder, pipe.store))


def test_a_passage_with_nothing_quotable_takes_a_place_only_when_no_quotable_one_is_left(tmp_path):
    """A chunk of code, headings or contents lines stays searchable, but never pushes prose out of the k passages."""
    pipe = _pipe(tmp_path)
    extra = tmp_path / "extra"
    extra.mkdir()
    code = "\n".join(f"lighthouse_built --year {1850 + i} --lighthouse harbour" for i in range(6))
    (extra / "scripts.md").write_text(f"# Lighthouse scripts\n\n```\n{code}\n```\n")
    pipe.ingest([extra])
    q = "lighthouse built lighthouse harbour year"
    h = pipe.retriever
    n = max(5, h.candidates)
    raw = h._fuse((h.dense.ranked_ids(q, n), h.sparse.ranked_ids(q, n)), 5)
    code_ids = {c.id for c in pipe.store.all_chunks() if c.source == "scripts.md"}
    assert code_ids & {e["id"] for e in raw}, "the code chunk must rank in the fused top 5 for this test to mean anything"
    for hits in (pipe.retrieve(q, 5), h.fuse(h.dense.retrieve(q, n), h.sparse.retrieve(q, n), 5)):  # fast path, full path
        assert len(hits) == 5 and not {x.chunk.id for x in hits} & code_ids
    # With more places than quotable passages, it still comes back (searchable), after every quotable one.
    wide = pipe.retrieve(q, pipe.store.count())
    at = [i for i, x in enumerate(wide) if x.chunk.id in code_ids]
    assert at and min(at) >= len(wide) - len(code_ids)
    assert _key(wide) == _key(fill_dense_scores(h.fuse(h.dense.retrieve(q, max(pipe.store.count(), h.candidates)), h.sparse.retrieve(q, max(pipe.store.count(), h.candidates)), pipe.store.count()),
                                                pipe.embedder.embed_query(q), pipe.embedder, pipe.store))
