"""Do features of the sentence the span reader answers from (`rag.refusal.SPAN_SENTENCE_FEATURES`) improve the span
refusal model? A measurement; it ships nothing. Rule and results: evals/results/refusal_span_sentence.md.

    python train/refusal.py --span --n 500 --seed 0 --absent 500 --realdocs --cache ROWS.json --out /tmp/r.md
    python -m evals.measure_span_sentence ROWS.json

The first command collects every question's features (it also rewrites evals/results/extractive_span.*: restore them
with git). The rows fitted on are the shipped model's: SQuAD's fitting half and the realdocs fitting parts, pooled.
Each candidate (the shipped 11 features, plus one or all of the new ones) gets a 5-fold cross-validated AUC on those
rows, folds by SQuAD article or realdocs part (seed 0); the rule chooses on that alone. Then, for the record, each is
fitted on all of them and scored on SQuAD's test half and the realdocs blind parts.
Left out: thresholds and the pipeline's answers (a candidate that won would go through `rag eval`, as the rule says).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from evals.measure_retrieval import RESULTS, split_by_article
from rag.refusal import SPAN_MODEL_FEATURES, SPAN_SENTENCE_FEATURES
from rag.settings import Settings
from train.refusal import auc, fit, mark_correct, predict, split_realdocs


def folds(rows: list[dict], k: int = 5, seed: int = 0) -> dict[str, int]:
    groups = sorted({r["article"] for r in rows})
    random.Random(seed).shuffle(groups)
    return {g: i % k for i, g in enumerate(groups)}


def cv_auc(rows: list[dict], features: tuple[str, ...], k: int = 5) -> np.ndarray:
    """Out-of-fold P(answerable) of every row."""
    fold, p = folds(rows, k), np.zeros(len(rows))
    for f in range(k):
        idx = [i for i, r in enumerate(rows) if fold[r["article"]] == f]
        p[idx] = predict(fit([r for r in rows if fold[r["article"]] != f], features, 0), [rows[i] for i in idx])
    return p


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, help="the --cache file of train/refusal.py (its .realdocs.json sits beside it)")
    ap.add_argument("--out", type=Path, default=RESULTS / "refusal_span_sentence.json")
    a = ap.parse_args(argv)
    rows = json.loads(a.rows.read_text())
    real = json.loads(a.rows.with_suffix(".realdocs.json").read_text())
    mark_correct(rows, "span", Settings().max_answer_sentences)
    train, test, _ = split_by_article([r for r in rows if not r.get("absent")], 0)
    real_fit, real_held = split_realdocs(real)
    pool = train + real_fit
    y = np.array([r["answerable"] for r in pool])
    sq = np.array([not r["article"].startswith("realdocs:") for r in pool])
    yt, yh = (np.array([r["answerable"] for r in rs]) for rs in (test, real_held))
    cands = {"shipped 11": SPAN_MODEL_FEATURES, "+ all four": SPAN_MODEL_FEATURES + SPAN_SENTENCE_FEATURES}
    cands |= {f"+ {f}": SPAN_MODEL_FEATURES + (f,) for f in SPAN_SENTENCE_FEATURES}
    res = {}
    for name, feats in cands.items():
        p = cv_auc(pool, feats)
        m = fit(pool, feats, 0)
        res[name] = {"cv_auc": round(auc(p, y), 4), "cv_auc_squad": round(auc(p[sq], y[sq]), 4), "cv_auc_realdocs": round(auc(p[~sq], y[~sq]), 4),
                     "heldout_squad_test_auc": round(auc(predict(m, test), yt), 4), "heldout_realdocs_blind_auc": round(auc(predict(m, real_held), yh), 4)}
        print(name, res[name])
    alone = {f: round(auc(np.array([r["features"].get(f, 0.0) for r in pool]), y), 4) for f in SPAN_SENTENCE_FEATURES + ("span_max", "best_lex")}
    best = max(res, key=lambda n: res[n]["cv_auc"])
    chosen = best if res[best]["cv_auc"] > res["shipped 11"]["cv_auc"] else None
    print("alone, on the fitting rows:", alone, "\nchosen:", chosen)
    a.out.write_text(json.dumps({"command": f"python -m evals.measure_span_sentence {a.rows.name}", "n_fit": len(pool), "n_squad_test": len(test),
                                 "n_realdocs_blind": len(real_held), "candidates": res, "alone_auc_fitting_rows": alone, "chosen": chosen}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
