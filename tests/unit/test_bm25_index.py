"""The segmented on-disk BM25 index: same scores as bm25s whatever the segmentation, incremental
adds and deletes that touch only new files, and memory-mapped loading."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rag.bm25index import BM25Index
from rag.retrieval import tokenize

WORDS = "river castle king army trade bridge church harbour mining flood copper tin salt wool ship war peace law tax grain".split()


def corpus(n: int, seed: int = 0) -> list[tuple[str, str, list[str]]]:
    r = random.Random(seed)
    return [(f"c{i:05d}", f"d{i // 3:04d}", [r.choice(WORDS) for _ in range(r.randint(3, 30))]) for i in range(n)]


def bm25s_scores(docs, query):
    import bm25s

    m = bm25s.BM25()
    m.index([d for _, _, d in docs], show_progress=False)
    s = m.get_scores(query)
    return {docs[i][0]: float(s[i]) for i in range(len(docs)) if s[i] > 0}


def add(ix, docs):
    ix.add([d[0] for d in docs], [d[1] for d in docs], [d[2] for d in docs])


@pytest.mark.parametrize("batches", [1, 7])
def test_scores_match_bm25s_whatever_the_segmentation(tmp_path, batches):
    docs = corpus(300)
    ix = BM25Index(tmp_path / "ix")
    step = -(-len(docs) // batches)
    for i in range(0, len(docs), step):
        add(ix, docs[i : i + step])
    for q in (["castle", "king"], ["copper", "copper", "flood"], ["salt"], ["unknownword"]):
        want = bm25s_scores(docs, q)
        got = dict(ix.search(q, 300))
        assert got.keys() == want.keys()
        assert all(abs(got[k] - want[k]) < 1e-4 for k in want), q


def test_deletes_and_re_adds_equal_a_fresh_build(tmp_path):
    docs = corpus(400, seed=1)
    ix = BM25Index(tmp_path / "ix")
    for i in range(0, 400, 50):  # 8 segments: tiered merges happen on the way
        add(ix, docs[i : i + 50])
    assert len(ix.snapshot().segs) < 8
    gone_docs = {f"d{i:04d}" for i in range(0, 130, 2)}
    removed = ix.remove(docs=gone_docs)
    kept = [d for d in docs if d[1] not in gone_docs]
    assert removed == len(docs) - len(kept) and ix.live == len(kept)
    assert add(ix, docs[:10]) is None and ix.live == len(kept) + sum(d[1] in gone_docs for d in docs[:10])
    kept_plus = kept + [d for d in docs[:10] if d[1] in gone_docs]
    for q in (["river", "bridge"], ["war", "peace", "tax"]):
        want, got = bm25s_scores(kept_plus, q), dict(ix.search(q, 400))
        assert got.keys() == want.keys() and all(abs(got[k] - want[k]) < 1e-4 for k in want)
    # Re-adding live ids is a no-op, so a writer and a repairing reader can't duplicate rows.
    assert ix.add([d[0] for d in kept[:5]], [d[1] for d in kept[:5]], [d[2] for d in kept[:5]]) == 0


def test_an_add_writes_one_small_segment_and_never_rewrites_the_others(tmp_path):
    ix = BM25Index(tmp_path / "ix")
    add(ix, corpus(2000))
    before = {str(p): p.stat().st_mtime_ns for p in (tmp_path / "ix").rglob("*.npy")}
    add(ix, [("new1", "dnew", tokenize("The Marrow Island lighthouse was built in 1871"))])
    after = {str(p): p.stat().st_mtime_ns for p in (tmp_path / "ix").rglob("*.npy")}
    assert all(after.get(k) == v for k, v in before.items())  # old files untouched
    assert len(ix.snapshot().segs) == 2
    assert ix.search(tokenize("lighthouse"), 1)[0][0] == "new1"


def test_a_second_reader_loads_memory_mapped_and_sees_new_versions(tmp_path):
    a, b = BM25Index(tmp_path / "ix"), BM25Index(tmp_path / "ix")
    add(a, corpus(100))
    seg = b.snapshot().segs[0]
    assert isinstance(seg.rows, np.memmap) and b.live == 100
    a.remove(ids=["c00001"])
    assert b.live == 99 and "c00001" not in {i for i, _ in b.search(list(WORDS), 100)}
