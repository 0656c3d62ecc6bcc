"""Shared fixtures for the whole suite.

* Every test runs with RAG_DATA_DIR in its own tmp dir and without any other RAG_* or
  OPENAI_API_KEY / OPENAI_BASE_URL variable from the caller's shell (autouse), so a test
  can never touch ~/.local/share/rag or reach a real endpoint by accident.
* RAG_READER=off there and in `rag_env`: most tests run the hash embedder, whose vectors mean
  nothing to the span reader's refusal model, and test other parts. The default (the span
  reader) is tested where it is chosen on purpose (tests/integration/test_span_reader_*.py,
  tests/unit/test_span_reader_use.py) and by the eval gates (make eval-gate), which run it.
* `settings`: Settings over the deterministic hash embedder, data in tmp_path/"data".
  Fast; use it for everything that doesn't need real semantics.
* `real_settings`: the same with the packaged MiniLM (integration tests only).
* `pipeline` / `real_pipeline`: build(settings) / build(real_settings), nothing ingested.
* `rag_env`: an environment dict for a `.venv/bin/rag` subprocess (hash embedder, same data dir).
* `run_rag(*args, env=None)`: run the real CLI in a subprocess, return CompletedProcess (text).
* `counting_embedder`: a fresh CountingEmbedder, the hash embedder that counts the texts it
  embeds (re-embedding checks); pass it as build(settings, embedder=...).
* `seeds_dir`, `squad_articles`: paths of seeds/ and the shared squad2-dev articles.
* `free_port()`: a free 127.0.0.1 port. `live_server(argv_for_port, health, log, ...)`: a context
  manager that starts a server subprocess on a free port, waits until GET health answers 200
  (fails the test with the server's log if it exits or times out), yields the port and stops
  the process by its PID.
Test modules don't import this file (it isn't a package); they use the fixtures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SQUAD_ARTICLES = Path(__file__).resolve().parent / "fixtures" / "squad2-articles"
RAG_BIN = Path(sys.executable).parent / "rag"

# The packaged MiniLM is a local folder: never ask a hub about it.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ["RAG_READER"] = "off"  # module-scoped fixtures are built before the autouse one below runs


class CountingEmbedder:
    """HashEmbedder that records how many texts went through embed_documents."""

    def __init__(self, name: str = "hash-bow-64", dim: int = 64):
        from rag.embeddings import HashEmbedder

        self._inner = HashEmbedder(dim)
        self.name, self.dim = name, dim
        self.embedded = 0
        self.calls = 0

    def embed_documents(self, texts):
        self.calls += 1
        self.embedded += len(texts)
        return self._inner.embed_documents(texts)

    def embed_query(self, text):
        return self._inner.embed_query(text)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("RAG_") or key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RAG_READER", "off")


@pytest.fixture
def settings(tmp_path):
    from rag.settings import Settings

    return Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive")


@pytest.fixture
def real_settings(tmp_path):
    from rag.settings import Settings

    return Settings(data_dir=tmp_path / "data", embedder="minilm", mode="extractive")


@pytest.fixture
def pipeline(settings):
    from rag.pipeline import build

    return build(settings)


@pytest.fixture
def real_pipeline(real_settings):
    from rag.pipeline import build

    return build(real_settings)


@pytest.fixture
def pipeline_over(tmp_path):
    """`pipeline_over({"a.txt": text, ...}, **settings)`: the default pipeline (real MiniLM; the reader
    off, as everywhere in the tests) over those files, ingested."""

    def make(files: dict[str, str], **kw):
        from rag.pipeline import build
        from rag.settings import Settings

        docs = tmp_path / "docs"
        docs.mkdir(exist_ok=True)
        for name, text in files.items():
            (docs / name).write_text(text)
        p = build(Settings(data_dir=tmp_path / "index", **{"reader": "off", **kw}))
        p.ingest([docs])
        return p

    return make


@pytest.fixture
def counting_embedder():
    return CountingEmbedder()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def squad_articles() -> Path:
    if not SQUAD_ARTICLES.is_dir():
        pytest.skip(f"{SQUAD_ARTICLES} is missing (the shared squad2-dev data set)")
    return SQUAD_ARTICLES


@pytest.fixture
def rag_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp_path / "data"), RAG_EMBEDDER="hash", RAG_MODE="extractive", RAG_READER="off")
    return env


@pytest.fixture
def run_rag(rag_env):
    def run(*args: str, env: dict | None = None, timeout: float = 180, cwd: Path = ROOT) -> subprocess.CompletedProcess:
        return subprocess.run([str(RAG_BIN), *map(str, args)], env=env or rag_env, cwd=cwd, capture_output=True, text=True, timeout=timeout)

    return run


from rag.procs import free_port as _free_port, http_ok, stop as _stop, wait_until_up  # noqa: E402


@contextmanager
def _live_server(argv_for_port, health: str, log: Path, env: dict | None = None, timeout_s: float = 60, name: str | None = None, **popen):
    port = _free_port()
    argv = [str(a) for a in argv_for_port(port)]
    name = name or Path(argv[0]).name
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True, **popen)
    try:
        why = wait_until_up(proc, http_ok(f"http://127.0.0.1:{port}{health}"), timeout_s, f"{name} ({health})", log)
        if why:
            pytest.fail(why)
        yield port
    finally:
        _stop(proc)  # only the process started here, by its PID


@pytest.fixture(scope="session")
def free_port():
    return _free_port


@pytest.fixture(scope="session")
def live_server():
    return _live_server
