"""Fit the low-confidence cut of an answer: the P(answerable) below which an answered question is more often answered
wrong than right. Written into the refusal model's JSON as `caution`; the pipeline marks an answer below it
`confidence: "low"` and the CLI, the UI and the API say so.

    python train/confidence.py --report DIR/realdocs/report.json --model rag/refusal_span_model.json [--write]

The refusal model refuses below its threshold, chosen so that few answerable questions are refused. Between that
threshold and a higher P(answerable) the answers are mostly wrong on the manuals: a user should see that, rather
than an answer shown with the same confidence as any other. The steps:

  1. Read a `rag eval realdocs` report (its cases: P(answerable) as `refusal_score`, refused or not, right or not).
  2. Keep the answered questions (follow-ups too) of the calibration parts, CALIBRATION_PARTS: the first five blind parts
     (evals.realdocs.BLIND_PARTS), which the refusal model never saw, so their P(answerable) is what a new user's
     manual gets. (On the parts the refusal model was fitted on, its P(answerable) is optimistic: there 74% of the
     answers are right, and no cut where right answers fall below half exists.) An answer is
     right as `rag eval` counts it (evals.runner.answered_right): the question is answerable and the answer holds a
     gold answer, or it is a false premise and the answer quotes the correction; every other answer is wrong (an
     out-of-scope question answered is wrong).
  3. Fit P(right | answer) = sigmoid(a + b * logit(p)) by logistic regression (one feature, numpy, no penalty).
  4. The cut is the p where that estimate crosses 0.5, rounded to 2 decimals, and never below the refusal threshold.
  5. Report on the other blind parts, REPORTED_PARTS, which neither the refusal model nor the cut saw: how often
     the answers on each side of the cut are right, and the share of wrong answers that are marked. The fitting parts
     are shown too, in sample for the refusal model.

The fit is deterministic (Newton's method from zero): the same report gives the same cut.
Left out: a cut per part or per kind of document, more than two levels of confidence, and any feature besides p.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python train/confidence.py` from a checkout

from evals.realdocs import BLIND_PARTS  # noqa: E402
from evals.runner import answered_right as right  # noqa: E402
from rag.refusal import _logit  # noqa: E402

CALIBRATION_PARTS = BLIND_PARTS[:5]  # manuals6 .. manuals10: the cut is fitted here
REPORTED_PARTS = BLIND_PARTS[5:]  # manuals11 onwards: reported, never fitted on


def fit_cut(ps: list[float], ys: list[bool], floor: float = 0.0, steps: int = 50) -> tuple[float, float, float]:
    """(cut, a, b): logistic regression of y on logit(p) by Newton's method; the cut is where it predicts 0.5."""
    x = np.array([_logit(p) for p in ps])
    X = np.stack([np.ones_like(x), x], 1)
    y = np.array(ys, dtype=float)
    w = np.zeros(2)
    for _ in range(steps):
        q = 1 / (1 + np.exp(-(X @ w)))
        h = X.T @ (X * (q * (1 - q))[:, None]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, X.T @ (y - q))
        w += step
        if np.abs(step).max() < 1e-10:
            break
    a, b = float(w[0]), float(w[1])
    if b <= 0:  # p says nothing about being right: no cut
        return floor, a, b
    cut = 1 / (1 + math.exp(a / b))  # a + b * logit(cut) = 0
    return max(round(cut, 2), floor), a, b


def bands(cases: list[dict], cut: float) -> dict:
    """How often the answers on each side of the cut are right, and the share of the wrong ones marked low."""
    low = [right(c) for c in cases if c["refusal_score"] < cut]
    high = [right(c) for c in cases if c["refusal_score"] >= cut]
    wrong = sum(not r for r in low + high)
    return {"answered": len(low) + len(high), "low": len(low), "low_right": round(sum(low) / len(low), 3) if low else None,
            "high": len(high), "high_right": round(sum(high) / len(high), 3) if high else None,
            "wrong_marked": round(sum(not r for r in low) / wrong, 3) if wrong else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", type=Path, required=True, help="a `rag eval realdocs --out DIR` report: DIR/realdocs/report.json")
    ap.add_argument("--model", type=Path, required=True, help="the refusal model JSON the report's run used (its `caution` is written)")
    ap.add_argument("--out", type=Path, default=None, help="results .json/.md (default: evals/results/confidence_<model stem>)")
    ap.add_argument("--write", action="store_true", help="store the cut in --model as `caution`")
    a = ap.parse_args(argv)

    report = json.loads(a.report.read_text())
    model = json.loads(a.model.read_text())
    threshold = float(model.get("threshold", 0.26))
    answered = [c for c in report["cases"] if not c["refused"] and c.get("refusal_score") is not None]
    fitting = [c for c in answered if c.get("group") not in BLIND_PARTS]
    cal = [c for c in answered if c.get("group") in CALIBRATION_PARTS]
    rep = [c for c in answered if c.get("group") in REPORTED_PARTS]
    cut, a0, b0 = fit_cut([c["refusal_score"] for c in cal], [right(c) for c in cal], floor=threshold)
    res = {"command": f"python train/confidence.py --report REPORT --model {a.model.name}", "reader": report.get("reader"),
           "stamp": report.get("stamp"), "refusal_threshold": threshold, "caution": cut, "fit": {"a": round(a0, 4), "b": round(b0, 4)},
           "calibration_parts": bands(cal, cut), "reported_parts": bands(rep, cut), "fitting_parts_in_sample": bands(fitting, cut),
           "calibration_parts_names": list(CALIBRATION_PARTS), "reported_parts_names": list(REPORTED_PARTS)}
    out = a.out or ROOT / "evals" / "results" / f"confidence_{a.model.stem}"
    out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
    lines = [f"# Low-confidence cut for `{a.model.name}`", "",
             f"`{res['command']}` (train/confidence.py). Answers with P(answerable) below **{cut}** are marked low confidence "
             f"(refused below {threshold}). Fitted on the answered questions of the realdocs parts {', '.join(CALIBRATION_PARTS)}; "
             f"reported on {', '.join(REPORTED_PARTS)}, which neither the cut nor the refusal model saw.", "",
             "| parts | answered | marked low | right when low | right when high | wrong answers marked |", "|---|---:|---:|---:|---:|---:|"]
    for name in ("reported_parts", "calibration_parts", "fitting_parts_in_sample"):
        r = res[name]
        lines.append(f"| {name.replace('_', ' ')} | {r['answered']} | {r['low']} | {r['low_right']} | {r['high_right']} | {r['wrong_marked']} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if a.write:
        model["caution"] = cut
        stamp = report.get("stamp") or {}
        model["caution_script"] = (f"python train/confidence.py --report REPORT --model {a.model.name} --write "
                                   f"(REPORT: `rag eval realdocs` at {stamp.get('commit')}, {stamp.get('date')})")
        a.model.write_text(json.dumps(model, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
