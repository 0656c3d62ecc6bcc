"""Many writers, one Chroma server: three `rag ingest` processes at once (two on different folders,
one on a folder another is already ingesting). Every file ends up once, complete, with no
duplicate or orphan chunk, and the shared BM25 index holds exactly Chroma's chunks."""

from __future__ import annotations

import json
import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import RAG_BIN

pytestmark = pytest.mark.integration

WORDS = "harbour lighthouse copper mining flood river bridge castle trade wool salt grain tax church army".split()


def _folder(path: Path, prefix: str, n: int, seed: int) -> None:
    r = random.Random(seed)
    path.mkdir(parents=True)
    for i in range(n):
        paras = [" ".join(r.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(r.randint(2, 8))]
        (path / f"{prefix}{i:02d}.txt").write_text(f"{prefix} document {i} unique{prefix}{i:02d}.\n\n" + "\n\n".join(paras))


def test_three_concurrent_ingests_against_one_server(chroma_server, rag_env, tmp_path):
    host, port, _ = chroma_server
    a, b = tmp_path / "A", tmp_path / "B"
    _folder(a, "a", 12, 1)
    _folder(b, "b", 12, 2)
    env = {**rag_env, "RAG_CHROMA_HOST": host, "RAG_CHROMA_PORT": str(port), "RAG_CHUNK_SIZE": "64", "RAG_CHUNK_OVERLAP": "8"}
    procs = [subprocess.Popen([str(RAG_BIN), "ingest", str(p), "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in (a, b, a)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-2000:]

    from rag.pipeline import build
    from rag.settings import Settings

    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", chroma_host=host, chroma_port=port,
                          chunk_size=64, chunk_overlap=8))
    got = pipe.store.collection.get(include=["metadatas"])
    ids, mds = got["ids"], got["metadatas"]
    assert len(ids) == len(set(ids))
    per_doc = Counter((m["root"], m["source"]) for m in mds)
    files = {(str(a.resolve()), f.name) for f in a.iterdir()} | {(str(b.resolve()), f.name) for f in b.iterdir()}
    assert set(per_doc) == files  # every file, nothing else (no orphan chunk of an unknown file)
    states = pipe.store.doc_states()
    assert all(s.complete for s in states.values()), [s for s in states.values() if not s.complete]
    # No chunk from a second copy of a file: every (document, start) appears once.
    spans = Counter((m["root"], m["source"], m["start"]) for m in mds)
    assert max(spans.values()) == 1

    # BM25: the index the three writers shared holds exactly Chroma's chunks, and serves them.
    live = sorted(x.decode() for x in pipe.store.lexical.live_ids().tolist())
    assert live == sorted(ids)
    for name in ("a03", "b07"):
        hits = pipe.retriever.sparse.retrieve(f"unique{name}", 1)
        assert hits and hits[0].chunk.source == f"{name}.txt"

    # Re-running is a no-op: everything is recognised as unchanged.
    res = subprocess.run([str(RAG_BIN), "ingest", str(a), str(b), "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and json.loads(res.stdout)["chunks_added"] == 0
