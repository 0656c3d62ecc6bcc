"""The `generated` suite's llama.cpp server: the pinned model file is checked, the server binds
loopback on a free port and is stopped by the suite. The suite itself is gated in `make eval-gate`."""

from __future__ import annotations

import urllib.request

import pytest

from evals import llama_server
from rag.errors import ConfigError


def test_a_model_file_other_than_the_pinned_one_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr("rag.answer.smollm2_path", lambda: str(fake))
    with pytest.raises(ConfigError, match="sha256"):
        llama_server.pinned_model()


@pytest.mark.integration
@pytest.mark.slow
def test_server_starts_on_loopback_and_is_stopped():
    reason = llama_server.missing()
    if reason:
        pytest.skip(reason)
    with llama_server.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/models", timeout=5) as r:
            assert r.status == 200 and b"smollm2" in r.read()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/models", timeout=2)
