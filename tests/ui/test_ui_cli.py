"""`rag ui` as a user starts it: a subprocess on a free port, with a guard that records and
refuses every non-loopback connection, proving that start-up and a question phone nowhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

GUARD = '''
import socket, os
_connect = socket.socket.connect
def _guarded(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or self.family == socket.AF_UNIX):
        with open(os.environ["NET_GUARD_LOG"], "a") as f:
            f.write(f"{host}\\n")
        raise OSError(f"blocked non-loopback connection to {host}")
    return _connect(self, address)
socket.socket.connect = _guarded
'''


@pytest.mark.slow
def test_rag_ui_serves_on_loopback_and_never_phones_home(tmp_path, live_server):
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "blocked.txt"
    env = {**os.environ, "PYTHONPATH": str(guard_dir), "NET_GUARD_LOG": str(log), "RAG_DATA_DIR": str(tmp_path / "not-this-one"),
           "RAG_EMBEDDER": "hash", "RAG_MODE": "extractive"}
    env.pop("GRADIO_ANALYTICS_ENABLED", None)  # the app must turn analytics off by itself

    def argv(port):
        return [sys.executable, "-m", "rag.cli", "ui", "--port", port, "--ingest", ROOT / "seeds", "--data-dir", tmp_path / "data"]

    with live_server(argv, "/config", tmp_path / "server.log", env=env, timeout_s=150, name="rag ui", cwd=ROOT) as port:
        url = f"http://127.0.0.1:{port}/"
        from gradio_client import Client

        _, _, _, answer = Client(url, verbose=False).predict("Who proposed the new 2030 strategic concept?", "extractive", 5, False,
                                                             api_name="/chat")
        assert answer["citations"] and "Stoltenberg" in answer["answer"]
        # Bound to loopback only: every listening socket on this port has local address 127.0.0.1.
        listeners = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
        assert listeners and all(a.startswith("0100007F:") for a in listeners), listeners
        v6 = Path("/proc/net/tcp6")
        if v6.exists():
            assert not [line for line in v6.read_text().splitlines()[1:]
                        if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"]
    assert not log.exists() or log.read_text() == "", f"non-loopback connections attempted: {log.read_text()}"
    assert (tmp_path / "data" / "ui_secret").stat().st_mode & 0o077 == 0  # the browser-state key is private
    assert (tmp_path / "data" / "chroma").is_dir() and not (tmp_path / "not-this-one").exists()  # --data-dir wins
