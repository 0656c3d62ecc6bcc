"""Measure the `openai` backend on a real llama.cpp server (SmolLM2-135M) over the seed article.

    .venv/bin/python -m evals.measure_llm [--out evals/results/llm.json] [--base-url URL]

Starts `python -m llama_cpp.server` on a free loopback port (unless --base-url is given),
asks the questions below with the refusal gate on (the product's default) and off (every
question reaches the model), and reports per-answer latency and how often verification
removed sentences. Needs `make local`. Left out: other models, GPU, concurrency.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

QUESTIONS = [
    "Who proposed the new 2030 strategic concept?",
    "Where did the representatives of the NATO members gather?",
    "On what date did the NATO representatives meet in Brussels?",
    "How many members does the bloc have?",
    "Which countries did NATO name among the main causes of their concerns?",
    "What other priorities did the members list besides Russia and China?",
    "Which proposal from Moscow did the members of the bloc reject?",
    "Who abandoned the INF Treaty and when?",
    "Under what condition would NATO return to business as usual with Russia?",
    "What kinds of threats is the alliance increasingly confronted by?",
]
UNANSWERABLE = [
    "What percentage of GDP did NATO members agree to spend on defence?",
    "Who will host the next NATO summit?",
]


def start_server(model: str) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "4096", "--n_threads", "2", "--model_alias", "smollm2", "--seed", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/models", timeout=2).close()
            return proc, url
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    proc.terminate()
    raise SystemExit("llama_cpp.server did not start; run `make local` first")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def run(base_url: str, gate: bool) -> list[dict]:
    from rag.pipeline import build
    from rag.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        kw = {} if gate else {"refusal_threshold": 0.0}
        p = build(Settings(data_dir=tmp, mode="openai", openai_base_url=base_url, openai_model="smollm2", **kw))
        p.ingest([ROOT / "seeds"])
        p.ask(QUESTIONS[0])  # warm-up: model weights and the embedder
        rows = []
        for q in QUESTIONS + UNANSWERABLE:
            a = p.ask(q)
            rows.append({
                "question": q,
                "answerable": q in QUESTIONS,
                "answer": a.answer,
                "refused": a.refused,
                "reached_model": a.timings_ms.get("generate", 0) > 0,
                "sentences": len(a.sentences),
                "removed_sentences": a.removed_sentences,
                "removed_citations": list(a.removed_citations),
                "unsupported": [s.text for s in a.sentences if not s.supported],
                "refusal_score": a.refusal_score,  # P(answerable); the default gate refuses below 0.5
                "generate_ms": a.timings_ms.get("generate", 0.0),
                "total_ms": a.timings_ms["total"],
            })
        return rows


def summary(rows: list[dict]) -> dict:
    gen = [r for r in rows if r["reached_model"]]
    return {
        "questions": len(rows),
        "reached_model": len(gen),
        "latency_p50_ms": round(statistics.median([r["total_ms"] for r in gen]), 1) if gen else None,
        "latency_p95_ms": round(pct([r["total_ms"] for r in gen], 0.95), 1) if gen else None,
        "generate_p50_ms": round(statistics.median([r["generate_ms"] for r in gen]), 1) if gen else None,
        "answers_with_removed_sentences": sum(r["removed_sentences"] > 0 for r in gen),
        "sentences": sum(r["sentences"] for r in gen),
        "sentences_removed": sum(r["removed_sentences"] for r in gen),
        "answers_with_removed_citation_numbers": sum(bool(r["removed_citations"]) for r in gen),
        "refused_answerable": sum(r["refused"] for r in rows if r["answerable"]),
        "refused_unanswerable": sum(r["refused"] for r in rows if not r["answerable"]),
        "gate_would_refuse_answerable": sum((r["refusal_score"] or 0) < 0.5 for r in rows if r["answerable"]),
        "gate_would_refuse_unanswerable": sum((r["refusal_score"] or 0) < 0.5 for r in rows if not r["answerable"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url")
    ap.add_argument("--quick", action="store_true", help="only with the refusal gate off (every question reaches the model)")
    ap.add_argument("--out", default=str(ROOT / "evals" / "results" / "llm.json"))
    args = ap.parse_args()
    proc = None
    if args.base_url:
        url = args.base_url
    else:
        from rag.answer import smollm2_path

        proc, url = start_server(smollm2_path())
    try:
        result = {}
        for name, gate in (("gate_off", False),) if args.quick else (("gate_on", True), ("gate_off", False)):
            rows = run(url, gate)
            result[name] = {"summary": summary(rows), "rows": rows}
            print(name, json.dumps(result[name]["summary"], indent=1))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
