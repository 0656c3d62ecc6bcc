"""Child servers on loopback: a free port, waiting until one answers, stopping it by PID.

Shared by the test fixtures (tests/conftest.py `live_server`), the generated suite's llama.cpp
server (evals/llama_server.py) and the load benchmarks (bench/_load.py). Each caller turns a
failure into its own kind of error (pytest.fail, ConfigError, SystemExit), so `wait_until_up`
returns the reason instead of raising. Left out: anything but HTTP health checks on 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Callable


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str) -> Callable[[], bool]:
    """A probe: True once GET `url` answers 200."""

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    return probe


def wait_until_up(proc: subprocess.Popen, up: Callable[[], bool], timeout_s: float, name: str, log: Path | None = None,
                  every_s: float = 0.25) -> str | None:
    """Poll `up()` until it is True (returns None), the process exits, or `timeout_s` passes;
    then returns why, with the end of the server's log when there is one."""
    tail = lambda: f":\n{log.read_text(errors='replace')[-3000:]}" if log is not None and log.exists() else ""  # noqa: E731
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            return f"{name} exited with {proc.returncode}{tail()}"
        if up():
            return None
        if time.monotonic() > deadline:
            return f"{name} did not come up within {timeout_s:g} s{tail()}"
        time.sleep(every_s)


def stop(proc: subprocess.Popen, timeout_s: float = 15) -> None:
    """Stop a process started here, by its PID: terminate, then kill after `timeout_s`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
