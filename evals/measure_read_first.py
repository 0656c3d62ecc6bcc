"""Read-first: how many passages the span reader can skip, and what that changes, from train/refusal.py's rows.

    python train/refusal.py --span --n 500 --seed 0 --cache rows.json     # ~10 min: collect (every passage read)
    python -m evals.measure_read_first --cache rows.json                  # seconds

The reader reads each passage on its own (no attention across passages), so reading the first 3 of the 5 retrieved
passages and the other 2 only when none of the 3 holds a span beating "no answer" by a margin gives exactly the reads
of a full pass for the passages it reads. (Commit 9a70ff0 had this at run time, `rag.answer.read_first` behind
RAG_READER_FIRST_PASSAGES; it cost RGB 8 points of answer contains and saved 7% of the warm p50, so it was removed:
evals/results/read_first_suites.md, bench_read_first.md.) From every answerable question's stored sentence
features this script replays that: the sentences of the skipped passages score -SPAN_CLIP, as in the pipeline, the
answer is composed again (at most 3 sentences within 0.85 of the best, the shipped weights), and the refusal model
sees the span features of what was read. For each margin: the questions that stop after the first passages, the
composed answers that change, "answer contains" and the refusal decisions that flip, on the fitting half (where the
margin is chosen: the smallest on the grid that changes at most 1% of answers and flips no refusal) and on the other.
Unanswerable questions carry no sentence features in the rows; the suites measure them (`rag eval`). Results:
evals/results/read_first.md and .json.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.measure_extractive import rescore, select  # noqa: E402
from evals.measure_retrieval import split_by_article  # noqa: E402

RESULTS = ROOT / "evals" / "results"
GRID = (0.0, 0.5, 1.0, 2.0, 3.0)


def replay(row: dict, first: int, margin: float | None) -> tuple[dict, bool]:
    """The row as read-first would have scored it, and whether it stopped after the first passages."""
    by_src: dict[int, float] = {}
    for c in row["cands"]:
        by_src[c["src"]] = max(c["f"]["span"], by_src.get(c["src"], c["f"]["span"]))
    read_first = [v for s, v in by_src.items() if s <= first]
    if margin is None or not read_first or max(read_first) <= margin or row["n_sources"] <= first:
        return row, False
    from rag.answer import SPAN_CLIP
    from rag.refusal import span_features

    out = copy.deepcopy(row)
    for c in out["cands"]:
        if c["src"] > first:
            c["f"]["span"] = -SPAN_CLIP
    out["features"] = row["features"] | span_features({s: (v if s <= first else -SPAN_CLIP) for s, v in by_src.items()})
    return out, True


def measure(rows: list[dict], first: int, margin: float | None, model=None) -> dict:
    """Replay `rows` at `margin` (None: every passage read) under the shipped sentence weights and `model`
    (default: the shipped span refusal model)."""
    from rag.answer import SPAN_SENTENCE_WEIGHTS
    from rag.refusal import SPAN_MODEL_PATH, RefusalModel

    model = model or RefusalModel.load(SPAN_MODEL_PATH)
    stopped = changed = contains = flips = 0
    for r in rows:
        new, stop = replay(r, first, margin)
        before = select(rescore(r, SPAN_SENTENCE_WEIGHTS, 0), 3, 0.85)
        after = select(rescore(new, SPAN_SENTENCE_WEIGHTS, 0), 3, 0.85)
        stopped += stop
        changed += [(c["src"], c["start"]) for c in before] != [(c["src"], c["start"]) for c in after]
        contains += any(c["gold"] for c in after)
        flips += (model.p_answerable(r["features"]) < model.threshold) != (model.p_answerable(new["features"]) < model.threshold)
    n = len(rows) or 1
    return {"n": len(rows), "stopped": stopped, "changed": changed, "contains": round(contains / n, 4), "refusal_flips": flips}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="rows written by train/refusal.py --span --cache")
    ap.add_argument("--first", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "read_first.md")
    a = ap.parse_args(argv)
    rows = [r for r in json.loads(a.cache.read_text()) if r["answerable"] and "cands" in r and not r.get("absent")]
    fit, test, _ = split_by_article(rows, a.seed)
    from rag.refusal import SPAN_MODEL_PATH, RefusalModel

    model = RefusalModel.load(SPAN_MODEL_PATH)
    res = {str(mg): {"fit": measure(fit, a.first, mg, model), "test": measure(test, a.first, mg, model)} for mg in (None, *GRID)}
    ok = [mg for mg in GRID if res[str(mg)]["fit"]["changed"] <= 0.01 * len(fit) and res[str(mg)]["fit"]["refusal_flips"] == 0]
    chosen = min(ok) if ok else None
    lines = ["# Read-first: the span reader reads the first passages, the others only when those hold no confident answer", "",
             f"`python -m evals.measure_read_first --cache rows.json` on the rows of `python train/refusal.py --span --n 500 --seed 0` "
             f"(every passage read; replayed as commit 9a70ff0's `rag.answer.read_first` ran, with {a.first} passages first). Answerable questions only; "
             f"the margin is chosen on the fitting half ({len(fit)} questions) and reported on the other ({len(test)}).", "",
             "| margin | half | stopped after the first passages | composed answers changed | answer contains | refusal decisions flipped |",
             "|---|---|---:|---:|---:|---:|"]
    for mg in (None, *GRID):
        for half in ("fit", "test"):
            r = res[str(mg)][half]
            name = "every passage (before)" if mg is None else f"{mg:+.1f}" + (" **(chosen)**" if mg == chosen else "")
            lines.append(f"| {name} | {half} | {r['stopped']}/{r['n']} | {r['changed']} | {r['contains']:.3f} | {r['refusal_flips']} |")
    lines += ["", f"Chosen on the fitting half: {chosen} (the smallest margin on the grid that changes at most 1% of its answers "
              "and flips no refusal). In the suites and the benchmark: read_first_suites.md, bench_read_first.md.", ""]
    a.out.write_text("\n".join(lines))
    a.out.with_suffix(".json").write_text(json.dumps({"command": "python -m evals.measure_read_first --cache rows.json", "first": a.first,
                                                       "chosen": chosen, "results": res}, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
