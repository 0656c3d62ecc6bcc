"""Warm extractive `Pipeline.ask` of two checkouts in one process, alternating: the ratio of their p50s.

    python bench/ab_ask.py --old DIR [--work DIR] [--queries 60]

DIR is a checkout (e.g. `git archive 70afd62 | tar -x -C DIR`). Its `rag` package is copied to a temporary folder as
`rag_old` (its `from rag...` / `import rag...` lines rewritten), so both versions load side by side and answer the same
SQuAD dev questions over bench/query.py's kept index (--work), one after the other, the order alternating per
question: both see the same load, which absolute timings from different runs on a shared machine do not. Prints both
p50/p95, the ratios, and how many answers were the same (Answer.to_dict() without timings).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_IMPORT = re.compile(r"\b(from|import) rag\b")


def load_old(checkout: Path, dest: Path):
    """`checkout`'s rag package, importable as rag_old."""
    shutil.copytree(checkout / "rag", dest / "rag_old", ignore=shutil.ignore_patterns("__pycache__"))
    for f in (dest / "rag_old").rglob("*.py"):
        f.write_text(_IMPORT.sub(r"\1 rag_old", f.read_text()))
    sys.path.insert(0, str(dest))
    return importlib.import_module("rag_old.pipeline"), importlib.import_module("rag_old.settings")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=ROOT / ".cache/bench-query")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    from bench.query import DATA, pct
    from rag.pipeline import build
    from rag.settings import Settings

    old_pipeline, old_settings = load_old(a.old.resolve(), Path(tempfile.mkdtemp(prefix="rag-ab-")))
    kw = dict(data_dir=a.work / "data", collection="bench", mode="extractive")
    pipes = {"old": old_pipeline.build(old_settings.Settings(**kw)), "new": build(Settings(**kw))}

    qs = list(dict.fromkeys(json.loads(line)["question"] for line in (DATA / "questions.jsonl").read_text().splitlines()))
    random.Random(a.seed).shuffle(qs)
    warm, ask = qs[:5], qs[5 : 5 + a.queries]  # bench/query.py's warm-up, then its retrieval questions
    for q in warm:
        for p in pipes.values():
            p.ask(q)
    times: dict[str, list[float]] = {"old": [], "new": []}
    same = 0
    for i, q in enumerate(ask):
        got = {}
        for name in (("old", "new") if i % 2 else ("new", "old")):
            t0 = time.perf_counter()
            ans = pipes[name].ask(q)
            times[name].append((time.perf_counter() - t0) * 1000)
            d = ans.to_dict()
            d.pop("timings_ms")
            got[name] = json.dumps(d, sort_keys=True)
        same += got["old"] == got["new"]
    o, n = times["old"], times["new"]
    print(f"# bench/ab_ask.py: {len(ask)} questions, {a.old} (old) against {ROOT} (new), alternating\n")
    print("| code | p50 ms | p95 ms |\n|---|---:|---:|")
    print(f"| old | {statistics.median(o):.1f} | {pct(o, 0.95):.1f} |\n| new | {statistics.median(n):.1f} | {pct(n, 0.95):.1f} |")
    print(f"| **ratio new / old** | {statistics.median(n) / statistics.median(o):.3f} | {pct(n, 0.95) / pct(o, 0.95):.3f} |\n")
    print(f"Per-question ratio new/old: median {statistics.median(x / y for x, y in zip(n, o)):.3f}. "
          f"Identical answers (JSON, timings aside): {same} of {len(ask)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
