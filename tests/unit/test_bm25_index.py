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


def test_a_reader_sees_a_new_manifest_even_when_its_file_stamp_repeats(tmp_path):
    # The manifest is replaced by rename; a rewrite within one clock tick can get the same size,
    # mtime and (freed, reused) inode as the one a reader cached. Made deterministic here: the
    # new text is written into the old inode (kept alive by a hard link) with the old mtime.
    import os

    a, b = BM25Index(tmp_path / "ix"), BM25Index(tmp_path / "ix")
    first = [(f"x{i:03d}", "dx", ["river", "castle"]) for i in range(10)]
    add(a, first)
    assert b.search(["river"], 1)[0][0].startswith("x")
    mf = tmp_path / "ix" / "manifest.json"
    old = mf.stat()
    os.link(mf, tmp_path / "pin")  # the old inode stays alive
    a.clear()
    add(a, [(f"y{i:03d}", "dy", ["river", "castle"]) for i in range(10)])
    new_text = mf.read_bytes()
    assert len(new_text) == old.st_size  # same n, same version width, same name length
    with open(tmp_path / "pin", "r+b") as fh:
        fh.write(new_text)
    os.utime(tmp_path / "pin", ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(tmp_path / "pin", mf)
    now = mf.stat()
    assert (now.st_mtime_ns, now.st_size, now.st_ino) == (old.st_mtime_ns, old.st_size, old.st_ino)
    assert b.search(["river"], 1)[0][0].startswith("y") and b.live == 10
