"""Is the span refusal model short of fitting data? Fit it on a third of the fitting half and on all of it.

    python train/refusal.py --span --n 1500 --seed 0 --cache rows.json --out /tmp/refusal1500.md   # ~13 min: collect
    python -m evals.measure_refusal_size --cache rows.json                                        # seconds: fit and report

The shipped model (rag/refusal_span_model.json) was fitted with `--n 500`: about 500 questions of the 9
fitting articles. Here the same features are collected for 1,500 answerable + 1,500 unanswerable questions;
the articles split as train/refusal.py splits them (seed 0), and every number is on the other half's
questions. A: five seeded thirds of the fitting half (the shipped sample size); B: the whole fitting half.
Each model's threshold is chosen on its own fitting rows (at most 5% false refusals), as --write does.
Results: evals/results/refusal_size.md and .json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.measure_retrieval import RESULTS, split_by_article  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="rows collected by train/refusal.py --span --cache")
    ap.add_argument("--out", type=Path, default=RESULTS / "refusal_size.md")
    a = ap.parse_args(argv)
    from rag.refusal import SPAN_MODEL_FEATURES, SPAN_MODEL_PATH
    from rag.settings import Settings
    from train.refusal import auc, choose_threshold, fit, mark_correct, predict, tradeoff

    rows = json.loads(a.cache.read_text())
    mark_correct(rows, "span", Settings().max_answer_sentences)  # as train/refusal.py scores them
    train, test, _ = split_by_article(rows, 0)
    y = np.array([r["answerable"] for r in test])

    def measure(name, model, threshold, n_fit):
        p = predict(model, test)
        t = tradeoff(p, test, threshold)
        return {"model": name, "n_fit": n_fit, "threshold": threshold, "auc": round(auc(p, y), 4),
                "refused_unanswerable": round(t["refuse_unans"], 4), "false_refusals": round(t["false_refusal"], 4),
                "answered_correct": round(t["answered_correct"], 4)}

    out = []
    shipped = json.loads(SPAN_MODEL_PATH.read_text())
    n_shipped = re.search(r"(\d+) questions", shipped.get("trained_on", ""))
    out.append(measure("shipped (rag/refusal_span_model.json, --n 500)", shipped, shipped["threshold"], int(n_shipped.group(1)) if n_shipped else None))
    for s in range(5):
        sub = random.Random(s).sample(train, len(train) // 3)
        m = fit(sub, SPAN_MODEL_FEATURES, 0)
        out.append(measure(f"A: a third of the fitting half, seed {s}", m, choose_threshold(predict(m, sub), sub, 0.05), len(sub)))
    m = fit(train, SPAN_MODEL_FEATURES, 0)
    out.append(measure("B: the whole fitting half", m, choose_threshold(predict(m, train), train, 0.05), len(train)))
    res = {"command": f"python -m evals.measure_refusal_size --cache {a.cache.name}", "n_rows": len(rows), "n_test": len(test),
           "n_test_answerable": int(y.sum()), "rows": out}
    a.out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
    a.out.write_text(
        "# Span refusal model: fitting-set size\n\n"
        f"`python train/refusal.py --span --n 1500 --seed 0 --cache {a.cache.name}`, then `{res['command']}`. "
        f"Every number is on the {len(test)} questions of the other half's articles ({int(y.sum())} answerable).\n\n"
        "| model | fitted on | threshold | AUC | unanswerables refused | false refusals | answered & correct |\n|---|---:|---:|---:|---:|---:|---:|\n"
        + "".join(f"| {r['model']} | {r['n_fit'] or '?'} | {r['threshold']:.2f} | {r['auc']:.3f} | {r['refused_unanswerable']:.3f} | {r['false_refusals']:.3f} | {r['answered_correct']:.3f} |\n" for r in out))
    print(a.out.read_text())


if __name__ == "__main__":
    main()
