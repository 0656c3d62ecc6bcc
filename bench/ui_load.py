"""Load benchmark for the chat UI: N concurrent gradio_client clients for D seconds.

    python bench/ui_load.py                       # spawns `rag ui` on seeds/ in a temp data dir
    python bench/ui_load.py --url http://127.0.0.1:7860/ --clients 20 --duration 60

Each client has its own session and asks questions about the seed article in a
loop through the `/chat` endpoint (the same function the browser uses), starting
a new chat every few questions. Reports requests done, errors (goal: 0) and
p50/p95/max latency, plus the single-client latency measured first in the same
run, so the concurrent numbers read as a ratio to an unloaded server.
A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _load import QUESTIONS, ROOT, free_port, percentile as pct, run_clients, stop, wait_up


def spawn_app(concurrency: int | None) -> tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]:
    """Start `rag ui --ingest seeds` in a temp data dir; return (process, url, tmpdir)."""
    tmp = tempfile.TemporaryDirectory(prefix="rag-ui-load-")
    port = free_port()
    env = {**os.environ, "RAG_DATA_DIR": tmp.name, "RAG_MODE": "extractive", "GRADIO_ANALYTICS_ENABLED": "False"}
    if concurrency:
        env["RAG_UI_CONCURRENCY"] = str(concurrency)
    log = open(Path(tmp.name) / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "ui", "--port", str(port), "--ingest", str(ROOT / "seeds")],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    wait_up(proc, up, tmp, "the app")
    return proc, url, tmp


def ask(client, question: str, k: int) -> float:
    t = time.perf_counter()
    _, _, _, answer = client.predict(question, "extractive", k, False, api_name="/chat")
    if not isinstance(answer, dict) or "answer" not in answer:
        raise RuntimeError(f"unexpected response: {answer!r:.200}")
    return time.perf_counter() - t


def run(url: str, clients: int, duration: float, k: int, new_chat_every: int, auth: tuple[str, str] | None) -> dict:
    from gradio_client import Client

    def client():
        return Client(url, verbose=False, auth=auth)

    # Baseline: one client, sequential, same questions.
    solo = client()
    ask(solo, QUESTIONS[0], k)  # warm-up (first query builds the BM25 index)
    baseline = [ask(solo, q, k) for q in QUESTIONS * 2]

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(i: int, ready):
        rng = random.Random(i)
        try:
            c = client()
        except Exception as e:  # connection-level failure counts as an error
            with lock:
                errors.append(f"connect: {type(e).__name__}: {e}")
            ready()
            return
        stop_at = ready()
        n = 0
        while time.time() < stop_at:
            try:
                dt = ask(c, rng.choice(QUESTIONS), k)
                with lock:
                    latencies.append(dt)
            except Exception as e:
                with lock:
                    errors.append(f"{type(e).__name__}: {str(e)[:200]}")
            n += 1
            if new_chat_every and n % new_chat_every == 0:
                try:
                    c.predict(api_name="/new_chat")
                except Exception as e:
                    with lock:
                        errors.append(f"new_chat {type(e).__name__}: {str(e)[:200]}")

    wall = run_clients(clients, duration, worker)
    return {
        "url": url,
        "clients": clients,
        "duration_s": duration,
        "wall_s": round(wall, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "throughput_rps": round(len(latencies) / wall, 2) if wall else None,
        "latency_s": {
            "p50": round(pct(latencies, 0.50), 3),
            "p95": round(pct(latencies, 0.95), 3),
            "max": round(max(latencies), 3) if latencies else None,
            "mean": round(statistics.fmean(latencies), 3) if latencies else None,
        },
        "baseline_single_client_s": {"p50": round(pct(baseline, 0.5), 3), "p95": round(pct(baseline, 0.95), 3), "n": len(baseline)},
        "p50_ratio_vs_single_client": round(pct(latencies, 0.5) / pct(baseline, 0.5), 1) if latencies else None,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="an app that is already running (default: spawn `rag ui` on seeds/ in a temp dir)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--new-chat-every", type=int, default=5, help="start a new chat after this many questions (0: never)")
    ap.add_argument("--concurrency", type=int, help="RAG_UI_CONCURRENCY for a spawned app (default: the Settings default)")
    ap.add_argument("--auth", help="user:password when the app has RAG_UI_AUTH set")
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = ap.parse_args(argv)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None

    proc = tmp = None
    url = args.url
    if not url:
        proc, url, tmp = spawn_app(args.concurrency)
    try:
        result = run(url, args.clients, args.duration, args.k, args.new_chat_every, auth)
    finally:
        if proc is not None:
            stop(proc, tmp)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat, base = result["latency_s"], result["baseline_single_client_s"]
    print(f"{result['clients']} clients x {result['duration_s']:g} s against {result['url']}")
    print(f"  requests done   {result['requests']}  ({result['throughput_rps']} req/s)")
    print(f"  errors          {result['errors']}" + (f"  e.g. {result['error_samples'][0]}" if result["errors"] else ""))
    print(f"  latency         p50 {lat['p50']} s · p95 {lat['p95']} s · max {lat['max']} s")
    print(f"  single client   p50 {base['p50']} s · p95 {base['p95']} s  (p50 ratio under load: {result['p50_ratio_vs_single_client']}x)")


if __name__ == "__main__":
    main()
