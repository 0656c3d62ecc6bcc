"""Load benchmark for `rag serve`: N concurrent clients for D seconds on /v1/chat/completions.

    python bench/api_load.py                                  # spawns `rag serve` on seeds/ in a temp data dir
    python bench/api_load.py --clients 20 --duration 60 --out evals/results/api_load
    python bench/api_load.py --url http://127.0.0.1:8000 --api-key KEY

Half the clients stream (`stream: true`, SSE read to `data: [DONE]`), half don't; each asks the
seed-article questions in a loop, and every third question is a follow-up carrying the previous
turn in `messages`. Reports requests, errors (goal: 0), p50/p95/max latency per kind (time to the
last byte), time to the first streamed byte, and the single-client p50 measured first in the same
run, so the concurrent numbers read as a ratio to an unloaded server. A streamed response counts
as an error unless its deltas reassemble into a non-empty answer and it ends with [DONE].
Each question gets a unique suffix ("... Request 3.17") so the server's query-embedding cache
can't answer it from memory (`--repeat-questions` turns that off and measures the cached path).
A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _load import QUESTIONS, ROOT, free_port, percentile, run_clients, stop, wait_up

FOLLOW_UP = "And when was it adopted?"


def spawn_server(key: str, concurrency: int | None):
    tmp = tempfile.TemporaryDirectory(prefix="rag-api-load-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=tmp.name, RAG_MODE="extractive", RAG_API_KEY=key)
    if concurrency:
        env["RAG_API_CONCURRENCY"] = str(concurrency)
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(ROOT / "seeds")], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = open(Path(tmp.name) / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(url + "/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_up(proc, up, tmp, "rag serve")
    return proc, url, tmp


def body(messages, stream: bool) -> dict:
    return {"model": "rag", "messages": messages, "stream": stream}


def call(client: httpx.Client, messages: list[dict], stream: bool) -> tuple[float, float | None, str]:
    """One request; returns (seconds to the last byte, seconds to the first content delta, answer text)."""
    t = time.perf_counter()
    if not stream:
        r = client.post("/v1/chat/completions", json=body(messages, False))
        r.raise_for_status()
        text = r.json()["choices"][0]["message"]["content"]
        if not text:
            raise RuntimeError("empty answer")
        return time.perf_counter() - t, None, text
    first, parts, done = None, [], False
    with client.stream("POST", "/v1/chat/completions", json=body(messages, True)) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            data = line[6:]
            if data == "[DONE]":
                done = True
                break
            ev = json.loads(data)
            if "error" in ev:
                raise RuntimeError(f"stream error: {ev['error'].get('message')}")
            piece = ev["choices"][0]["delta"].get("content")
            if piece:
                first = first if first is not None else time.perf_counter() - t
                parts.append(piece)
    if not done or not parts:
        raise RuntimeError("stream ended without [DONE] or without text")
    return time.perf_counter() - t, first, "".join(parts)


def pct(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 3) if values else None


def run(url: str, key: str, clients: int, duration: float, unique: bool = True) -> dict:
    headers = {"Authorization": f"Bearer {key}"}

    def client() -> httpx.Client:
        return httpx.Client(base_url=url, headers=headers, timeout=300)

    def variant(q: str, tag: str) -> str:
        return f"{q} Request {tag}." if unique else q

    solo = client()
    call(solo, [{"role": "user", "content": QUESTIONS[0]}], False)  # warm-up
    base = {"plain": [], "stream": []}
    for j, q in enumerate(QUESTIONS * 2):
        for kind in ("plain", "stream"):
            base[kind].append(call(solo, [{"role": "user", "content": variant(q, f"0.{j}{kind[0]}")}], kind == "stream")[0])
    solo.close()

    lat = {"plain": [], "stream": []}
    ttfb: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(i: int, ready):
        rng = random.Random(i)
        kind = "stream" if i % 2 else "plain"
        c = client()
        stop_at = ready()
        n, prev = 0, None
        while time.time() < stop_at:
            n += 1
            if prev and n % 3 == 0:
                messages = [{"role": "user", "content": prev[0]}, {"role": "assistant", "content": prev[1]},
                            {"role": "user", "content": FOLLOW_UP}]
            else:
                messages = [{"role": "user", "content": variant(rng.choice(QUESTIONS), f"{i + 1}.{n}")}]
            try:
                dt, first, text = call(c, messages, kind == "stream")
                with lock:
                    lat[kind].append(dt)
                    if first is not None:
                        ttfb.append(first)
                prev = (messages[-1]["content"], text)
            except Exception as e:  # noqa: BLE001 - counted and sampled
                with lock:
                    errors.append(f"{kind}: {type(e).__name__}: {str(e)[:200]}")
        c.close()

    wall = run_clients(clients, duration, worker)
    every = lat["plain"] + lat["stream"]
    base_all = base["plain"] + base["stream"]
    return {
        "url": url,
        "clients": clients,
        "unique_questions": unique,
        "streaming_clients": clients // 2,
        "duration_s": duration,
        "wall_s": round(wall, 1),
        "requests": len(every),
        "requests_streaming": len(lat["stream"]),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "throughput_rps": round(len(every) / wall, 2) if wall else None,
        "latency_s": {"p50": pct(every, 0.5), "p95": pct(every, 0.95), "max": round(max(every), 3) if every else None,
                      "mean": round(statistics.fmean(every), 3) if every else None},
        "latency_plain_s": {"p50": pct(lat["plain"], 0.5), "p95": pct(lat["plain"], 0.95)},
        "latency_stream_s": {"p50": pct(lat["stream"], 0.5), "p95": pct(lat["stream"], 0.95),
                             "first_delta_p50": pct(ttfb, 0.5)},
        "single_client_s": {"p50": pct(base_all, 0.5), "p95": pct(base_all, 0.95), "n": len(base_all),
                            "plain_p50": pct(base["plain"], 0.5), "stream_p50": pct(base["stream"], 0.5)},
        "p50_ratio_vs_single_client": round(pct(every, 0.5) / pct(base_all, 0.5), 1) if every else None,
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
    }


def markdown(r: dict, command: str, note: str) -> str:
    lat, solo = r["latency_s"], r["single_client_s"]
    lines = [
        "# API load: concurrent clients on /v1/chat/completions",
        "",
        f"`{command}`",
        "",
        f"{r['clients']} clients ({r['streaming_clients']} streaming) for {r['duration_s']:g} s against `rag serve` "
        "(extractive, seeds/ indexed, MiniLM); every third question a follow-up through `messages`; "
        + ("every question made unique so no cache answers it." if r["unique_questions"] else "questions repeat (cached path)."),
        "",
        "| | value |",
        "|---|---:|",
        f"| requests | {r['requests']} ({r['requests_streaming']} streamed) |",
        f"| errors | **{r['errors']}** |",
        f"| throughput | {r['throughput_rps']} req/s |",
        f"| p50 / p95 latency, all | {lat['p50']} s / {lat['p95']} s |",
        f"| p50 / p95, non-streaming | {r['latency_plain_s']['p50']} s / {r['latency_plain_s']['p95']} s |",
        f"| p50 / p95, streaming (last byte) | {r['latency_stream_s']['p50']} s / {r['latency_stream_s']['p95']} s |",
        f"| p50 time to the first streamed text | {r['latency_stream_s']['first_delta_p50']} s |",
        f"| single client p50 / p95 (same run, before the load) | {solo['p50']} s / {solo['p95']} s |",
        f"| p50 ratio, loaded ÷ single client | {r['p50_ratio_vs_single_client']} |",
        f"| load average at the end | {r['load_average_at_end']} |",
        "",
    ]
    if note:
        lines += [note, ""]
    if r["error_samples"]:
        lines += ["Errors (samples):", ""] + [f"- {e}" for e in r["error_samples"]] + [""]
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running `rag serve` (default: spawn one on seeds/ in a temp dir)")
    ap.add_argument("--api-key", help="the server's RAG_API_KEY (with --url)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--concurrency", type=int, help="RAG_API_CONCURRENCY for a spawned server")
    ap.add_argument("--repeat-questions", action="store_true", help="ask the same questions verbatim (measures the cached path)")
    ap.add_argument("--out", help="write OUT.json and OUT.md (e.g. evals/results/api_load)")
    ap.add_argument("--note", default="", help="a line for the markdown report (e.g. the machine's load)")
    args = ap.parse_args(argv)

    key = args.api_key or secrets.token_hex(16)
    proc = tmp = None
    url = args.url
    if not url:
        proc, url, tmp = spawn_server(key, args.concurrency)
    try:
        result = run(url, key, args.clients, args.duration, unique=not args.repeat_questions)
    finally:
        if proc is not None:
            stop(proc, tmp)
    if not args.url:
        result["url"] = "spawned rag serve"
    command = "python bench/api_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(json.dumps({**result, "command": command, "note": args.note}, indent=2) + "\n")
        out.with_suffix(".md").write_text(markdown(result, command, args.note))
    print(markdown(result, command, args.note))


if __name__ == "__main__":
    main()
