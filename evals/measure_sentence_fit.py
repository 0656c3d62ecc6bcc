"""Could the span reader's sentence scoring do better? Refit SPAN_SENTENCE_WEIGHTS on 3x the questions, with more features or a ranking objective.

    python train/refusal.py --span --n 1500 --seed 0 --cache rows.json --out /tmp/refusal1500.md   # ~13 min: collect
    python -m evals.measure_sentence_fit --cache rows.json                                        # seconds: fit and report

The shipped weights (rag/answer.py SPAN_SENTENCE_WEIGHTS) were fitted by train/refusal.py --span on ~230
answerable questions, pointwise (logistic regression of "this sentence holds a gold answer"). Here every
answerable question of the cache's fitting half (articles split as train/refusal.py splits them, seed 0)
fits, and every number is on the other half's questions:
  * pointwise, the shipped features (span, lex, ctx, rank, type), refitted;
  * pointwise plus one derived feature: the sentence's span score relative to the question's best
    (`span_rel`), exp of that (`span_soft`), its passage's best span (`src_span`), span > 0 (`span_pos`),
    lex relative to the best (`lex_rel`);
  * pairwise (within a question, a gold sentence against each non-gold one; no intercept), which fits
    the ranking the answer is composed from rather than a probability.
Answers are composed as the pipeline does (at most 3 sentences within 0.85 of the best score).
Results: evals/results/sentence_fit.md and .json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.measure_retrieval import RESULTS, split_by_article  # noqa: E402

BASE = ("span", "lex", "ctx", "rank", "type")
DERIVED = ("span_rel", "span_soft", "src_span", "span_pos", "lex_rel")


def derive(rows: list[dict]) -> None:
    """Add the derived features to every candidate, in place (each from the question's own candidates)."""
    for r in rows:
        best_span = max(c["f"]["span"] for c in r["cands"])
        best_lex = max(c["f"]["lex"] for c in r["cands"])
        by_src: dict[int, float] = {}
        for c in r["cands"]:
            by_src[c["src"]] = max(by_src.get(c["src"], -np.inf), c["f"]["span"])
        for c in r["cands"]:
            f = c["f"]
            f.update(span_rel=f["span"] - best_span, span_soft=float(np.exp(f["span"] - best_span)), src_span=by_src[c["src"]],
                     span_pos=float(f["span"] > 0), lex_rel=f["lex"] - best_lex)


def fit_pairwise(rows: list[dict], feats: tuple[str, ...], seed: int = 0) -> dict:
    """Logistic regression on feature differences (gold minus non-gold, signs flipped at random), no intercept."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    X, y = [], []
    for r in rows:
        gold = [c for c in r["cands"] if c["gold"]]
        other = [c for c in r["cands"] if not c["gold"]]
        for g in gold:
            for o in other:
                d = np.array([g["f"][f] - o["f"][f] for f in feats])
                flip = rng.random() < 0.5
                X.append(-d if flip else d)
                y.append(0 if flip else 1)
    m = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False).fit(np.array(X), np.array(y))
    coef = m.coef_[0]
    scale = 1.0 / (abs(coef).sum() or 1.0)
    return {f: round(float(c * scale), 3) for f, c in zip(feats, coef)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, required=True, help="rows collected by train/refusal.py --span --cache")
    ap.add_argument("--out", type=Path, default=RESULTS / "sentence_fit.md")
    a = ap.parse_args(argv)
    from evals.measure_extractive import evaluate, fit
    from rag.answer import SPAN_SENTENCE_WEIGHTS
    from rag.settings import Settings

    rows = json.loads(a.cache.read_text())
    train, test, _ = split_by_article(rows, 0)
    train = [r for r in train if r["answerable"] and r.get("cands")]
    test = [r for r in test if r["answerable"] and r.get("cands")]
    derive(train)
    derive(test)
    sel = dict(prefilter=0, max_sentences=Settings().max_answer_sentences, keep_ratio=0.85)

    configs = [("shipped SPAN_SENTENCE_WEIGHTS", dict(SPAN_SENTENCE_WEIGHTS)), ("pointwise, refitted", fit(train, 0, BASE))]
    configs += [(f"pointwise + {d}", fit(train, 0, BASE + (d,))) for d in DERIVED]
    configs += [("pairwise", fit_pairwise(train, BASE)), ("pairwise + span_rel, src_span", fit_pairwise(train, BASE + ("span_rel", "src_span")))]
    out = []
    for name, w in configs:
        t, f = evaluate(test, w, **sel), evaluate(train, w, **sel)
        out.append({"scoring": name, "weights": w, "test": {k: round(v, 4) for k, v in t.items()},
                    "fit_half": {k: round(v, 4) for k, v in f.items()}})
    shipped = out[0]["test"]["contains"]
    lines = ["# The span reader's sentence scoring, refitted on three times the questions", "",
             f"`python -m evals.measure_sentence_fit --cache rows.json` (rows: `python train/refusal.py --span --n 1500 --seed 0 --cache rows.json`). "
             f"Fitted on the {len(train)} answerable questions of the fitting articles; **every number is on the other "
             f"{len(test)} questions** ({len({r['article'] for r in test})} articles). *contains*: the composed answer holds a gold answer; "
             "*top1*: the best sentence does; *oracle*: some candidate does.", "",
             "| scoring | contains | vs shipped | top1 | oracle | words | fitting half: contains |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in out:
        t = r["test"]
        lines.append(f"| {r['scoring']} | {t['contains']:.3f} | {t['contains'] - shipped:+.3f} | {t['top1']:.3f} | {t['oracle']:.3f} | {t['words']:.1f} | {r['fit_half']['contains']:.3f} |")
    lines += ["", "Weights:", ""] + [f"- {r['scoring']}: `{json.dumps(r['weights'])}`" for r in out] + [""]
    a.out.write_text("\n".join(lines))
    a.out.with_suffix(".json").write_text(json.dumps({"command": "python -m evals.measure_sentence_fit --cache rows.json", "n_fit": len(train),
                                                      "n_test": len(test), "rows": out}, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
