"""Choose the margin above which the span reader's answer phrase is marked in an answer, and report it held out.

    RAG_KEY_PHRASE_MARGIN=-100 rag eval seeds squad2 realdocs --out OUT   # every answer keeps its phrase, with its margin
    python -m evals.measure_key_phrase OUT [--write]

An extractive answer quotes whole sentences; the span reader also knows which words of a sentence answer the
question ("... gathered in Brussels on **14 June** to discuss ..."). Marking them helps only if they are right, so:
  * a phrase is *right* when it holds a reference answer or overlaps one with token F1 >= 0.5 (evals.runner.key_phrase);
  * only answered, answerable questions with a reference count (a wrong answer's phrase is wrong too);
  * the rule, set before any number was looked at: the lowest margin (grid 0, 0.5, ..., 12) at which at least 80%
    of the phrases shown are right on the realdocs parts the refusal model was fitted on (train/refusal.py
    REALDOCS_FIT_PARTS); it is shipped (rag.settings.KEY_PHRASE_MARGIN) only if held out (the realdocs blind parts,
    SQuAD 2.0's held-out articles of `rag eval squad2`, the seeds) at least 70% of the phrases shown are right in each.
Left out: a phrase in a table row (the row is shown with its column names; the reader read it relabelled), and
answers written by a model (openai, local), which have no span reader's phrase.
Results: evals/results/key_phrase.md and .json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.measure_retrieval import RESULTS  # noqa: E402
from evals.realdocs import BLIND_PARTS  # noqa: E402
from train.refusal import REALDOCS_FIT_PARTS as FIT_PARTS  # noqa: E402

GRID = [x / 2 for x in range(0, 25)]
TARGET, HELD_OUT_FLOOR = 0.80, 0.70


def answered(report: Path, parts=None) -> list[dict]:
    """Answered answerable cases with a reference answer: {id, margin, right, key} (margin None: no phrase found)."""
    cases = json.loads(report.read_text())["cases"]
    out = []
    for c in cases:
        if parts is not None and c.get("group") not in parts:
            continue
        if c["correct"] is None or c["refused"]:
            continue
        out.append({"id": c["id"], "margin": c.get("short_answer_margin"), "right": bool(c.get("key_right")), "key": c.get("short_answer", "")})
    return out


def at(rows: list[dict], t: float) -> dict:
    shown = [r for r in rows if r["margin"] is not None and r["margin"] >= t]
    right = sum(r["right"] for r in shown)
    return {"answered": len(rows), "shown": len(shown), "right": right,
            "coverage": round(len(shown) / len(rows), 3) if rows else None, "precision": round(right / len(shown), 3) if shown else None}


def choose(rows: list[dict]) -> float | None:
    ok = [t for t in GRID if (p := at(rows, t)["precision"]) is not None and p >= TARGET]
    return min(ok) if ok else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the --out directory of the rag eval run")
    ap.add_argument("--write", action="store_true", help="write evals/results/key_phrase.md and .json")
    a = ap.parse_args(argv)
    fit = answered(a.out / "realdocs" / "report.json", FIT_PARTS)
    held = {"realdocs blind parts": answered(a.out / "realdocs" / "report.json", BLIND_PARTS),
            "squad2 (held-out articles)": answered(a.out / "squad2" / "report.json"),
            "seeds": answered(a.out / "seeds" / "report.json")}
    t = choose(fit)
    lines = ["# The answer phrase: when the span reader's phrase is marked", "",
             f"`python -m evals.measure_key_phrase OUT` over `RAG_KEY_PHRASE_MARGIN=-100 rag eval seeds squad2 realdocs --out OUT`. "
             "Counted: answered, answerable questions with a reference. *shown*: the answer marks a phrase at this margin; "
             "*right*: it holds a reference answer or overlaps one with token F1 >= 0.5.", "",
             f"Rule (module docstring): the lowest margin with >= {TARGET:.0%} right on the fitting parts; shipped if >= {HELD_OUT_FLOOR:.0%} right on each held-out set.", "",
             f"**Chosen on the fitting parts: {t}**", "",
             "| set | margin | answered | shown | coverage | right | precision |", "|---|---:|---:|---:|---:|---:|---:|"]
    res = {"chosen": t, "sets": {}}
    for name, rows in [("realdocs fitting parts", fit), *held.items()]:
        res["sets"][name] = {}
        for m in sorted({0.0, 2.0, 4.0, 6.0} | ({t} if t is not None else set())):
            r = at(rows, m)
            res["sets"][name][str(m)] = r
            mark = " **(chosen)**" if m == t else ""
            lines.append(f"| {name} | {m}{mark} | {r['answered']} | {r['shown']} | {r['coverage']} | {r['right']} | {r['precision']} |")
    ships = t is not None and all((at(rows, t)["precision"] or 0) >= HELD_OUT_FLOOR for rows in held.values())
    res["ships"] = ships
    lines += ["", f"Held out at the chosen margin: {'every set >= ' + format(HELD_OUT_FLOOR, '.0%') + ' right: shipped' if ships else 'below the floor: not shipped'}.", ""]
    text = "\n".join(lines)
    print(text)
    if a.write:
        (RESULTS / "key_phrase.md").write_text(text)
        (RESULTS / "key_phrase.json").write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
