"""What the load benchmarks share (bench/ui_load.py, bench/api_load.py): the seed-article questions,
spawning a server on a free loopback port and waiting for it, stopping it by PID, the clients'
start barrier, and percentiles. Left out: the clients themselves (gradio_client vs httpx)."""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

from rag.procs import free_port, stop as _stop, wait_until_up  # noqa: F401  (free_port: re-exported for the benchmarks)

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Who proposed the new 2030 strategic concept?",
    "Where did the representatives of the 30 members gather?",
    "Which countries are named among the main causes of concern?",
    "What threats is the alliance increasingly confronted by?",
    "What did the joint communiqué say about strengthening NATO?",
    "Who won the 2018 FIFA World Cup?",  # unanswerable: exercises the refusal path
]


def wait_up(proc: subprocess.Popen, up: Callable[[], bool], tmp: tempfile.TemporaryDirectory, what: str, timeout_s: float = 300) -> None:
    """Poll `up()` (True once the server answers; it handles its own connection errors) until it is;
    exits with the server's log (tmp/server.log) when the process dies, and after `timeout_s`."""
    why = wait_until_up(proc, up, timeout_s, what, Path(tmp.name) / "server.log", every_s=0.5)
    if why:
        _stop(proc)
        raise SystemExit(why)


def stop(proc: subprocess.Popen, tmp: tempfile.TemporaryDirectory) -> None:
    """Stop the server started here, by its PID, and remove its temp data dir."""
    _stop(proc, timeout_s=20)
    tmp.cleanup()


def run_clients(clients: int, duration: float, worker: Callable[[int, Callable[[], float]], None]) -> float:
    """Run worker(i, ready) on `clients` threads. Each calls ready() once it is set up: that waits for
    all of them and returns the time (time.time()) to stop at, the same for all. Returns the wall time
    from the release to the end of the last worker."""
    t0 = [0.0]

    def go():  # runs once, before any waiting thread is released, so no worker reads t0 unset
        t0[0] = time.time()

    start = threading.Barrier(clients + 1, action=go)

    def ready() -> float:
        start.wait()
        return t0[0] + duration

    threads = [threading.Thread(target=worker, args=(i, ready), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    return time.time() - t0[0]


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-quantile (nan for no values)."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
