"""Client/server: a real `chroma run` on a free loopback port; ingest and ask go through HttpClient."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "Who proposed the 2030 strategic concept?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """Start `chroma run`, wait for its heartbeat, yield (host, port, path), stop it by PID."""
    port, path = free_port(), tmp_path / "server-db"
    log = tmp_path / "chroma.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma run gave no heartbeat within 60 s: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield "127.0.0.1", port, path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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
