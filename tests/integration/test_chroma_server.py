"""Client/server: a real `chroma run` on a free loopback port (the `chroma_server` fixture of
tests/integration/conftest.py); ingest and ask go through HttpClient."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "Who proposed the 2030 strategic concept?"


def test_ingest_and_ask_against_a_chroma_server(chroma_server, run_rag, rag_env, tmp_path):
    host, port, db = chroma_server
    env = {**rag_env, "RAG_CHROMA_HOST": host, "RAG_CHROMA_PORT": str(port)}

    res = run_rag("ask", QUESTION, env=env)
    assert res.returncode == 1 and "run `rag ingest` first" in res.stderr

    res = run_rag("ingest", SEEDS, "--json", env=env)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["indexed"] == ["000_e7591c0407e77bf5.txt"] and report["total_chunks"] >= 3
    res = run_rag("ingest", SEEDS, "--json", env=env)
    assert json.loads(res.stdout)["unchanged"] == ["000_e7591c0407e77bf5.txt"] and json.loads(res.stdout)["chunks_added"] == 0

    res = run_rag("info", "--json", env=env)
    info = json.loads(res.stdout)
    assert info["store"] == f"chroma server http://{host}:{port}" and info["chunks"] == report["total_chunks"] and info["documents"] == 1

    res = run_rag("ask", QUESTION, "--json", env=env)
    assert res.returncode == 0, res.stderr
    ans = json.loads(res.stdout)
    assert not ans["refused"] and "Stoltenberg" in ans["answer"]
    assert ans["citations"][0]["source"] == "000_e7591c0407e77bf5.txt"

    # Everything lives on the server: nothing was written to the embedded store.
    assert not (tmp_path / "data" / "chroma").exists()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    coll = client.get_collection("docs", embedding_function=None)
    assert coll.count() == report["total_chunks"]
    assert coll.metadata["embed_model"] == "hash-bow-64" and coll.metadata["embed_dim"] == 64
    assert db.is_dir()


def test_two_processes_share_the_server(chroma_server, tmp_path):
    """The reason for the server: a second process sees the first one's writes at once."""
    from rag.pipeline import build
    from rag.settings import Settings

    host, port, _ = chroma_server
    s = Settings(data_dir=tmp_path / "data", embedder="hash", chroma_host=host, chroma_port=port)
    writer, reader = build(s), build(s)
    writer.ingest([SEEDS])
    assert reader.info()["chunks"] == writer.info()["chunks"] > 0
    hits = reader.retrieve(QUESTION, 3)
    assert hits and hits[0].chunk.source == "000_e7591c0407e77bf5.txt"


def test_an_embedded_index_moved_behind_chroma_run_keeps_its_bm25_index(tmp_path, live_server, monkeypatch):
    """The BM25 folder is keyed by Chroma's collection id, the same through a server on the same files:
    no rebuild from the server's chunks (~6 min at 1M chunks when it was keyed by host and port)."""
    import os
    import sys

    from rag.pipeline import build
    from rag.settings import Settings

    data = tmp_path / "data"
    embedded = build(Settings(data_dir=data, embedder="hash", mode="extractive"))
    embedded.ingest([SEEDS])
    cid, n = str(embedded.store.collection.id), embedded.store.count()
    del embedded
    chroma = Path(sys.executable).parent / "chroma"
    with live_server(lambda port: [chroma, "run", "--path", data / "chroma", "--host", "127.0.0.1", "--port", port], "/api/v2/heartbeat",
                     tmp_path / "chroma.log", env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}, name="chroma run") as port:
        served = build(Settings(data_dir=data, embedder="hash", mode="extractive", chroma_host="127.0.0.1", chroma_port=port))
        repairs = []
        real_sync = served.retriever.sparse.sync
        monkeypatch.setattr(served.retriever.sparse, "sync", lambda: repairs.append(1) or real_sync())
        hits = served.retriever.sparse.retrieve("strategic concept Stoltenberg", 3)
        assert hits and "Stoltenberg" in " ".join(h.chunk.text for h in hits)
        assert repairs == [] and served.store.count() == n
        assert served.store.lexical.path.parent.name == cid

        # A data dir from before collection ids kept the embedded index's BM25 under bm25/<collection>: adopted too.
        (data / "bm25" / cid).rename(data / "bm25" / "docs")
        later = build(Settings(data_dir=data, embedder="hash", mode="extractive", chroma_host="127.0.0.1", chroma_port=port))
        real_sync = later.retriever.sparse.sync
        monkeypatch.setattr(later.retriever.sparse, "sync", lambda: repairs.append(1) or real_sync())
        assert later.retriever.sparse.retrieve("strategic concept Stoltenberg", 3) and repairs == []
        assert later.store.lexical.path.parent.name == cid and not (data / "bm25" / "docs").exists()
