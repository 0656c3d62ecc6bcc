"""Spaced questions and the BM25 retriever's background count: does the count still cost the user time?

    python bench/quiet_check.py [--work .cache/bench-query] [--rounds 20] [--count-ms 88.6]

At 1M chunks against a `chroma run` server, `Store.count()` costs 88.6 ms of CPU, and a user who asks every
few seconds finds the BM25 consistency window passed on every question (rag/retrieval.py BM25Retriever).
Building a 1M index takes ~50 minutes, so this bench emulates that cost on bench/query.py's ~10k-chunk index:
`Store.count` first burns --count-ms of CPU in C with the GIL released (sha256 over a 1 MB buffer, calibrated
at start), as the server's own thread would, then counts for real.

One process, the MiniLM query embedder and the default span reader, the same kind of questions; four
conditions interleaved round by round, each question asked once:
  * back to back: no pause (the count then overlaps some question whatever is done);
  * spaced, counting at once (QUIET_S = 0: the behaviour before 2026-11-30): the count starts with the question;
  * spaced, counting after a quiet spell (the shipped QUIET_S);
  * spaced, never counting (the floor: what a pause alone costs, OMP threads asleep and caches cold).
Spaced = bench/query.py's pause (RECHECK_S + 0.2 s) before each question. Written: evals/results/bench_quiet_check.md/.json.
Left out: a real 1M index (bench/scale.py --sizes 1000000 --server measures the shipped behaviour there).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.data import data_root  # noqa: E402

_BUF = b"x" * (1 << 20)


def burner(ms: float):
    """A function that burns about `ms` of one core's CPU with the GIL released."""
    t = time.perf_counter()
    for _ in range(40):
        hashlib.sha256(_BUF).digest()
    per = (time.perf_counter() - t) / 40
    n = max(1, round(ms / 1000 / per))

    def burn() -> None:
        for _ in range(n):
            hashlib.sha256(_BUF).digest()

    return burn


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench-query", help="bench/query.py's --work dir (built if missing)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--count-ms", type=float, default=88.6, help="CPU time one Store.count costs (88.6 ms: 1M chunks, chroma run server)")
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "bench_quiet_check.md")
    a = ap.parse_args(argv)

    from bench.query import main as build_query_bench, spaced_pause_s

    if not (a.work / "data").is_dir():
        build_query_bench(["--work", str(a.work), "--queries", "5", "--cold", "0", "--spaced", "0"])

    import rag.store as store_mod
    from rag.embeddings import MiniLMEmbedder
    from rag.pipeline import build, model_backend
    from rag.retrieval import BM25Retriever
    from rag.settings import Settings

    burn, real_count, counts = burner(a.count_ms), store_mod.Store.count, []

    def slow_count(self) -> int:
        t = time.perf_counter()
        burn()
        counts.append((time.perf_counter() - t) * 1000)
        return real_count(self)

    store_mod.Store.count = slow_count
    settings = Settings(data_dir=a.work / "data", collection="bench", mode="extractive")
    pipe = build(settings, embedder=MiniLMEmbedder(backend=model_backend(settings, reader=False)))
    sparse = pipe.retriever.sparse
    qs = list(dict.fromkeys(json.loads(x)["question"] for x in (data_root() / "squad2-dev" / "questions.jsonl").read_text().splitlines()))
    random.Random(1).shuffle(qs)
    for q in qs[:5]:
        pipe.ask(q)

    shipped_quiet, pause = BM25Retriever.QUIET_S, spaced_pause_s()
    conds = {  # name -> (pause before the question, QUIET_S, recheck window)
        "back to back": (0.0, shipped_quiet, BM25Retriever.RECHECK_S),
        "spaced, counting at once (QUIET_S = 0, before)": (pause, 0.0, BM25Retriever.RECHECK_S),
        f"spaced, counting after {shipped_quiet} s quiet (shipped)": (pause, shipped_quiet, BM25Retriever.RECHECK_S),
        "spaced, never counting (floor)": (pause, shipped_quiet, 1e9),
    }
    times: dict[str, list[float]] = {c: [] for c in conds}
    i = 5
    for _ in range(a.rounds):
        for c, (wait, quiet, window) in conds.items():
            sparse.QUIET_S, sparse.recheck_s = quiet, window
            if sparse._checker is not None:
                sparse._checker.join(30)  # the previous condition's count never spills into this one's question
            time.sleep(wait)
            t0 = time.perf_counter()
            pipe.ask(qs[i])
            times[c].append((time.perf_counter() - t0) * 1000)
            i += 1

    p50 = {c: statistics.median(v) for c, v in times.items()}
    names = list(conds)
    before, shipped, floor = p50[names[1]], p50[names[2]], p50[names[3]]
    lines = [
        "# BM25's background count and spaced questions",
        "",
        f"`python bench/quiet_check.py --rounds {a.rounds} --count-ms {a.count_ms}`: {pipe.store.count()} chunks (bench/query.py's index), "
        f"`Store.count` made to burn {a.count_ms} ms of CPU first (measured: median {statistics.median(counts):.1f} ms over {len(counts)} counts), "
        f"the default span reader; {a.rounds} questions per condition, interleaved; spaced = {pause:.1f} s before each question.",
        "",
        "| condition | warm answer p50 (ms) | p90 (ms) |",
        "|---|---:|---:|",
    ]
    for c, v in times.items():
        lines.append(f"| {c} | {p50[c]:.1f} | {sorted(v)[int(0.9 * (len(v) - 1))]:.1f} |")
    lines += ["", f"Spaced, shipped ÷ before: **{shipped / before:.2f}** ({shipped:.1f} vs {before:.1f} ms); shipped ÷ never counting: "
              f"**{shipped / floor:.2f}**. What remains above back to back is the pause itself (threads asleep, caches cold).", ""]
    a.out.write_text("\n".join(lines))
    a.out.with_suffix(".json").write_text(json.dumps({"rounds": a.rounds, "count_ms": a.count_ms, "pause_s": pause, "quiet_s": shipped_quiet,
                                                      "p50_ms": {c: round(v, 1) for c, v in p50.items()},
                                                      "ratio_shipped_over_before": round(shipped / before, 3), "ratio_shipped_over_floor": round(shipped / floor, 3),
                                                      "count_ms_measured": round(statistics.median(counts), 1)}, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
