"""Nothing phones home: no model hub, no Chroma ONNX download, no telemetry, no NLTK/tiktoken fetch.

* In-process (fast): Chroma's default embedding function and its ONNX model are booby-trapped
  while we ingest and answer with the hash embedder.
* Subprocess (integration): a sitecustomize.py on PYTHONPATH records and refuses every socket
  connection and DNS lookup that isn't loopback, then the real `rag ingest` + `rag ask` run with
  the real MiniLM and the hub variables pointing at an invalid host. Attempts are logged to a
  file, so a library that swallows the error (telemetry does) still fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
RAG_BIN = Path(sys.executable).parent / "rag"
QUESTION = "Who proposed the 2030 strategic concept?"


def test_chroma_default_embedder_is_never_used(settings, monkeypatch):
    import chromadb.api.types as ct
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    from rag.pipeline import build

    used = []

    def trap(name):
        def f(*a, **k):
            used.append(name)
            raise AssertionError(f"{name} was called: Chroma would download its ONNX model")

        return f

    monkeypatch.setattr(ct.DefaultEmbeddingFunction, "__init__", trap("DefaultEmbeddingFunction()"))
    def call(self, input):  # Chroma checks this signature when it opens a collection (get_collection)
        trap("DefaultEmbeddingFunction.__call__")()

    monkeypatch.setattr(ct.DefaultEmbeddingFunction, "__call__", call)
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "__init__", trap("ONNXMiniLM_L6_V2()"))
    monkeypatch.setattr(ONNXMiniLM_L6_V2, "_download_model_if_not_exists", trap("ONNX download"))

    pipe = build(settings)
    pipe.ingest([SEEDS])
    ans = pipe.ask(QUESTION)
    pipe.info()
    assert "Stoltenberg" in ans.answer
    assert used == []


def test_nltk_and_tiktoken_variables_are_not_set_by_us():
    """Setting either sends llama-index to the internet (see STACK.md); the package must not."""
    import rag.chunking  # noqa: F401
    import rag.embeddings  # noqa: F401
    import rag.store  # noqa: F401

    assert "NLTK_DATA" not in os.environ and "TIKTOKEN_CACHE_DIR" not in os.environ


GUARD = r'''
import os, socket

_LOG = os.environ["NET_GUARD_LOG"]
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def _note(what):
    with open(_LOG, "a") as f:
        f.write(what + "\n")


def _is_loopback(host):
    host = str(host)
    return host in _LOOPBACK or host.startswith("127.")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        _note(f"connect {address}")
        raise OSError(f"network disabled by test: {address}")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        _note(f"connect_ex {address}")
        return 111
    return _connect_ex(self, address)


def getaddrinfo(host, *a, **k):
    if host is not None and not _is_loopback(host.decode() if isinstance(host, bytes) else host):
        _note(f"getaddrinfo {host}")
        raise socket.gaierror(f"network disabled by test: {host}")
    return _getaddrinfo(host, *a, **k)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
'''


@pytest.mark.integration
@pytest.mark.parametrize("embedder", ["minilm", "minilm-bf16"])
def test_real_cli_makes_no_network_connection(tmp_path, embedder):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    log.write_text("")
    # The caller's environment must not be what keeps us offline: drop the offline switches
    # and point every hub at a host that doesn't exist.
    drop = ("RAG_", "OPENAI_", "HF_", "TRANSFORMERS_", "ANONYMIZED_TELEMETRY", "NLTK_DATA", "TIKTOKEN_CACHE_DIR", "GRADIO_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        PYTHONPATH=os.pathsep.join([str(guard), str(SEEDS.parent)]),  # the guard, and this checkout's code
        NET_GUARD_LOG=str(log),
        RAG_DATA_DIR=str(tmp_path / "data"),
        RAG_MODE="extractive",
        RAG_EMBEDDER=embedder,
        HF_ENDPOINT="http://hub.invalid",
        HTTP_PROXY="http://proxy.invalid:1",
        HTTPS_PROXY="http://proxy.invalid:1",
        XDG_CACHE_HOME=str(tmp_path / "cache"),  # an empty cache: nothing to fall back on
    )

    def rag(*args):
        res = subprocess.run([str(RAG_BIN), *args], env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, f"rag {args[0]} failed:\n{res.stderr[-3000:]}"
        return res

    check = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('example.com', 80), timeout=1)"],
                           env=env, capture_output=True, text=True)
    assert check.returncode != 0 and "getaddrinfo example.com" in log.read_text(), "the guard is not active"
    log.write_text("")

    rag("ingest", str(SEEDS))
    ans = json.loads(rag("ask", QUESTION, "--json").stdout)
    assert not ans["refused"] and "Stoltenberg" in ans["answer"]
    rag("info")
    assert log.read_text() == "", f"network attempts:\n{log.read_text()}"
    assert not (tmp_path / "cache" / "chroma").exists(), "Chroma's ONNX model cache was created"
