"""`--workers 2` with the packaged MiniLM: same chunks as the serial ingest, vectors equal within
float rounding (the workers batch other texts together, so padding and summation order differ),
and the same answers from hybrid retrieval. Real embedded Chroma, real spawned workers."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.pipeline import build
from rag.settings import Settings

pytestmark = pytest.mark.integration

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_two_workers_match_serial_minilm(tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    shutil.copy(ARTICLES / "Normans.txt", src / "Normans.txt")
    shutil.copy(SEEDS / "000_e7591c0407e77bf5.txt", src / "seed.txt")
    (src / "notes.md").write_text("# Notes\n\nThe alliance has 30 members.\n")
    (src / "empty.txt").write_bytes(b"")
    serial = build(Settings(data_dir=tmp_path / "serial", embedder="minilm"))
    parallel = build(Settings(data_dir=tmp_path / "parallel", embedder="minilm", ingest_workers=2))
    r1, r2 = serial.ingest([src]), parallel.ingest([src])
    d1, d2 = r1.to_dict(), r2.to_dict()
    d1.pop("elapsed_s"), d2.pop("elapsed_s")
    assert d1 == d2 and r2.total_chunks > 10 and [f.source for f in r2.failed] == ["empty.txt"]

    c1 = {c.id: c for c in serial.store.all_chunks()}
    c2 = {c.id: c for c in parallel.store.all_chunks()}
    assert c1 == c2
    ids = sorted(c1)
    v1, v2 = serial.store.vectors(ids), parallel.store.vectors(ids)
    a, b = np.stack([v1[i] for i in ids]), np.stack([v2[i] for i in ids])
    assert np.abs(a - b).max() < 1e-4, np.abs(a - b).max()
    assert (a * b).sum(1).min() > 0.99999
    for q in ("Who proposed the 2030 strategic concept?", "Who were the Normans?"):
        h1, h2 = serial.retrieve(q, 5), parallel.retrieve(q, 5)
        assert [h.chunk.id for h in h1] == [h.chunk.id for h in h2]
