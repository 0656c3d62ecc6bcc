"""How OpenMP's wait policy moves the span reader's time: the shipped PASSIVE against short spinning.

    python bench/threads.py [--questions 40] [--pause 0.3] [--spins 3000,10000]

rag/minilm.py sets OMP_WAIT_POLICY=PASSIVE before torch is imported: idle OpenMP threads sleep at
once, because spinning ones made a short query 5-8x slower whenever another process wanted the CPU.
The price is a futex wake-up for every parallel region of a forward pass (~300 per question).
GOMP_SPINCOUNT=N (libgomp, which torch's Linux wheels use) spins N times before sleeping instead.

Each configuration runs in its own process (libgomp reads its environment when torch loads): the
span reader (torch, the default precision) reads the same 40 SQuAD 2.0 dev questions, each with its gold
passage and 4 other passages of the same article (about 900 wordpieces, as bench/query.py's answers).
Timed per question, p50: back to back; after an untimed pause (a user asking); and both again with a
busy neighbour (one process spinning on one of the cores). Ratios are against PASSIVE in the same run.
Left out: the rest of the answer path (bench/query.py), several threads of one process asking at once.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, statistics, sys, time
import torch  # libgomp reads OMP_WAIT_POLICY / GOMP_SPINCOUNT now
sys.path.insert(0, sys.argv[1])
from rag.pipeline import resolve_precision
from rag.reader import load_span_reader
items, pause = json.loads(open(sys.argv[2]).read()), float(sys.argv[3])
reader = load_span_reader(backend="torch", precision=resolve_precision("auto", "torch"))
for q, ps in items[:5]:
    reader.read(q, ps)
out = {}
for name, wait in (("back_to_back", 0.0), ("paused", pause)):
    xs = []
    for q, ps in items:
        time.sleep(wait)
        t = time.perf_counter()
        reader.read(q, ps)
        xs.append((time.perf_counter() - t) * 1000)
    out[name] = statistics.median(xs)
out["precision"] = reader.precision
print(json.dumps(out))
"""


def questions(n: int, seed: int) -> list[tuple[str, list[str]]]:
    from evals.data import data_root

    d = data_root() / "squad2-dev"
    passages = [json.loads(x) for x in (d / "passages.jsonl").read_text().splitlines()]
    by_article: dict[str, list[dict]] = {}
    for p in passages:
        by_article.setdefault(p["article"], []).append(p)
    text = {p["passage_id"]: p for p in passages}
    qs = [json.loads(x) for x in (d / "questions.jsonl").read_text().splitlines()]
    rnd = random.Random(seed)
    rnd.shuffle(qs)
    out = []
    for q in qs[:n]:
        gold = text[q["passage_id"]]
        others = [p["text"] for p in by_article[gold["article"]] if p["passage_id"] != gold["passage_id"]]
        out.append((q["question"], [gold["text"], *rnd.sample(others, min(4, len(others)))]))
    return out


def run(env_extra: dict, items_file: Path, pause: float) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS")} | env_extra
    r = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(items_file), str(pause)], env=env, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"child failed: {r.stderr[-800:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--pause", type=float, default=0.3)
    ap.add_argument("--spins", default="3000,10000")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import tempfile

    items_file = Path(tempfile.mkdtemp(prefix="rag-bench-threads-")) / "items.json"
    items_file.write_text(json.dumps(questions(a.questions, a.seed)))
    configs = [("OMP_WAIT_POLICY=PASSIVE (shipped)", {"OMP_WAIT_POLICY": "PASSIVE"})]
    configs += [(f"GOMP_SPINCOUNT={n}", {"GOMP_SPINCOUNT": str(n)}) for n in a.spins.split(",")]
    configs += [("libgomp's default (300,000 spins)", {})]
    rows = {}
    for busy in (False, True):
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            time.sleep(0.5 if busy else 0)
            for name, env in configs:
                rows[(name, busy)] = run(env, items_file, a.pause)
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
    base = {busy: rows[(configs[0][0], busy)] for busy in (False, True)}
    prec = base[False]["precision"]
    lines = [f"# bench/threads.py: the span reader ({prec}) on {a.questions} questions x 5 passages, p50 ms per question", "",
             "| OpenMP wait | back to back | ratio | after a {p} s pause | ratio | busy neighbour, back to back | ratio | busy, after a pause | ratio |".format(p=a.pause),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, _ in configs:
        cells = []
        for busy in (False, True):
            for k in ("back_to_back", "paused"):
                v = rows[(name, busy)][k]
                cells += [f"{v:.1f}", f"{v / base[busy][k]:.2f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", f"Busy neighbour: one process spinning on one of the {os.cpu_count()} CPUs. Load average at the end: {os.getloadavg()[0]:.1f}."]
    print("\n".join(lines))
    print(json.dumps({f"{n} | {'busy' if b else 'quiet'}": v for (n, b), v in rows.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
