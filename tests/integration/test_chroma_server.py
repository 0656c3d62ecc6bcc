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
