"""Which signals separate answerable from unanswerable questions, and does calibrating on articles the
reader never saw help? A measurement for the reader issue; it ships nothing.

    python -m evals.measure_refusal_features [--n 600] [--cache FILE]

On SQuAD 2.0 dev (all 18 articles indexed with the default settings) a seeded sample of n answerable and n
unanswerable questions is retrieved, and the 12 best sentences of the lexical shortlist are scored with
every signal at once: MiniLM cosine, key-term coverage, and the shipped reader with and without the
neighbour sentences. Logistic refusal models over several feature sets are then fitted on one of two
fitting sets and all reported on the same 5 articles:

* FIT: the 9 fitting articles of evals/splits.toml (what train/refusal.py uses). The reader was trained on
  them, so its scores there are optimistic;
* CAL: 4 of the 9 reported articles (seeded), which neither the reader nor anything else saw. The other 5
  (REPORT) are reported.

For each model: AUC on REPORT, and the share of unanswerables refused at the threshold that keeps false
refusals at or below 5% on the fitting set (as train/refusal.py chooses it), with the false refusals it
then gives on REPORT. Results: evals/results/refusal_features.md and .json.
Left out: non-linear models, the extractive answer's correctness, RGB and seeds (their own suites).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, contains_answer, load_squad, split_by_article, squad_pipeline

NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][\w'’-]*|\d[\d,.]*)")
SETS = {
    "retrieval + lexical (the shipped reader-off model's features)": ("top_dense", "best_cos", "best_lex", "best_ctx", "best_both", "margin",
                                                                     "q_missing", "q_missing_top", "typed", "type_hit", "q_terms"),
    "the shipped reader model's features (reader with context)": ("top_dense", "best_lex", "best_ctx", "q_missing", "q_missing_top", "typed",
                                                                  "type_hit", "q_terms", "reader_max", "reader_logit", "reader_gap", "reader_top3"),
}
READER_NC = ("rnc_max", "rnc_logit", "rnc_top3", "lex_at_reader", "ctx_at_reader", "cos_at_reader", "best_mix", "type_at_reader", "rctx_logit")
NAMES = ("has_names", "name_missing", "name_missing_best")
BASE = SETS["retrieval + lexical (the shipped reader-off model's features)"]
SETS |= {
    "retrieval + lexical + names/numbers of the question missing": BASE + NAMES,
    "retrieval + lexical + reader (no context) + cosine of its sentence": BASE + READER_NC,
    "all of the above": BASE + READER_NC + NAMES,
}
SINGLE = ("top_dense", "best_cos", "best_lex", "rnc_logit", "rctx_logit", "name_missing")


def collect(n: int, seed: int, work: Path) -> list[dict]:
    from rag.answer import SENTENCE_WEIGHTS, rank_sentences
    from rag.reader import load_reader
    from rag.refusal import refusal_features
    from rag.settings import Settings

    d = Settings()
    qs, _ = load_squad(DEFAULT_DATA)
    rng = random.Random(seed)
    sample = rng.sample([q for q in qs if q.answerable], n) + rng.sample([q for q in qs if not q.answerable], n)
    pipe = squad_pipeline(work)
    reader = load_reader()
    rows = []
    for i, q in enumerate(sample):
        if i % 100 == 0:
            print(f"  {i}/{len(sample)}", file=sys.stderr, flush=True)
        hits = pipe.retrieve(q.question, d.k)
        ranked = rank_sentences(q.question, pipe.embedder.embed_query(q.question), hits, pipe.embedder, prefilter=12,
                                weights=SENTENCE_WEIGHTS, reader=reader, embed=True)
        nc = reader.answers(q.question, [c.text for c in ranked])
        rows.append({"article": q.article, "answerable": q.answerable, "question": q.question,
                     "features": refusal_features(q.question, hits, ranked), "hits": [h.chunk.text for h in hits],
                     "cands": [dict(c.features) | {"reader_nc": float(p), "src": c.source} for c, p in zip(ranked, nc)],
                     "gold": [bool(q.answerable and contains_answer(c.text, list(q.answers))) for c in ranked]})
    return rows


def derived(r: dict) -> dict[str, float]:
    """The collected refusal features plus the candidates tried here."""
    from rag.refusal import _logit
    from rag.retrieval import tokenize
    from rag.text import stem

    f = dict(r["features"])
    names = {stem(t) for m in NAME.finditer(r["question"].strip()) for t in tokenize(m.group(0))}
    terms = lambda text: {stem(t) for t in tokenize(text)}  # noqa: E731
    found = set().union(*map(terms, r["hits"])) if r["hits"] else set()
    f["has_names"] = float(bool(names))
    f["name_missing"] = sum(t not in found for t in names) / len(names) if names else 0.0
    c = r["cands"]
    if not c:
        return f | {k: 0.0 for k in READER_NC + ("name_missing_best",)} | {"rnc_logit": _logit(0), "rctx_logit": _logit(0)}
    rn = [x["reader_nc"] for x in c]
    b = c[int(np.argmax(rn))]
    best_src = terms(r["hits"][b["src"] - 1])
    f["name_missing_best"] = sum(t not in best_src for t in names) / len(names) if names else 0.0
    f |= {"rnc_max": max(rn), "rnc_logit": _logit(max(rn)), "rctx_logit": _logit(max(x["reader"] for x in c)),
          "rnc_top3": float(np.mean(sorted(rn)[-3:])), "lex_at_reader": b["lex"], "ctx_at_reader": b["ctx"], "cos_at_reader": b["cos"],
          "best_mix": max((x["reader_nc"] + x["lex"] + x["cos"]) / 3 for x in c), "type_at_reader": b["type"]}
    return f


def main(argv=None) -> int:
    from sklearn.linear_model import LogisticRegression

    from train.refusal import auc

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=None, help="collected rows (JSON): reused when present, written otherwise")
    ap.add_argument("--out", type=Path, default=RESULTS / "refusal_features.md")
    a = ap.parse_args(argv)
    if a.cache and a.cache.exists():
        rows = json.loads(a.cache.read_text())
    else:
        rows = collect(a.n, a.seed, Path(tempfile.mkdtemp(prefix="rag-reffeat-")))
        if a.cache:
            a.cache.write_text(json.dumps(rows))
    for r in rows:
        r["F"] = derived(r)
    _, rep_rows, fit_arts = split_by_article(rows, 0)
    rep_arts = sorted({r["article"] for r in rep_rows})
    random.Random(a.seed + 1).shuffle(rep_arts)
    cal_arts, report_arts = set(rep_arts[:4]), set(rep_arts[4:])
    fitting = {"FIT": [r for r in rows if r["article"] in fit_arts], "CAL": [r for r in rows if r["article"] in cal_arts]}
    report = [r for r in rows if r["article"] in report_arts]
    y = np.array([r["answerable"] for r in report])

    def model(train, feats):
        X = np.array([[r["F"][f] for f in feats] for r in train])
        mu, sd = X.mean(0), X.std(0)
        sd[sd == 0] = 1
        m = LogisticRegression(max_iter=3000, random_state=a.seed).fit((X - mu) / sd, [r["answerable"] for r in train])
        return lambda rs: m.predict_proba((np.array([[r["F"][f] for f in feats] for r in rs]) - mu) / sd)[:, 1]

    def threshold(p, rs):
        ans = np.array([r["answerable"] for r in rs])
        ok = [t for t in np.arange(0.02, 0.96, 0.005) if (p[ans] < t).mean() <= 0.05]
        return max(ok) if ok else 0.02

    out = {"command": f"python -m evals.measure_refusal_features --n {a.n} --seed {a.seed}", "fit_articles": sorted(fit_arts),
           "cal_articles": sorted(cal_arts), "report_articles": sorted(report_arts), "n_report": len(report), "models": [], "single": {}}
    lines = ["# Refusal signals, and calibration on articles the reader never saw", "",
             f"`{out['command']}`: SQuAD 2.0 dev, {a.n} answerable + {a.n} unanswerable questions (seed {a.seed}), default retrieval, "
             "the 12 best sentences of the lexical shortlist scored by every signal. All numbers are on the "
             f"{len(report)} questions of 5 reported articles ({', '.join(sorted(report_arts))}), which nothing was fitted on.", "",
             f"FIT = the 9 fitting articles ({len(fitting['FIT'])} questions; the reader was trained on them). "
             f"CAL = 4 other reported articles ({len(fitting['CAL'])} questions: {', '.join(sorted(cal_arts))}), unseen by the reader. "
             "*refused* and *false refusals* are at the threshold that keeps false refusals at or below 5% on the fitting set.", "",
             "| features | fitted on | AUC | refused unanswerable | false refusals |", "|---|---|---:|---:|---:|"]
    for name, feats in SETS.items():
        for fs, train in fitting.items():
            pr = model(train, feats)
            p_fit, p_rep = pr(train), pr(report)
            t = threshold(p_fit, train)
            res = {"features": name, "fitted_on": fs, "n_fit": len(train), "auc": round(auc(p_rep, y), 4), "threshold": round(float(t), 3),
                   "refused_unanswerable": round(float((p_rep[~y] < t).mean()), 4), "false_refusals": round(float((p_rep[y] < t).mean()), 4)}
            out["models"].append(res)
            lines.append(f"| {name} | {fs} | {res['auc']:.3f} | {res['refused_unanswerable']:.3f} | {res['false_refusals']:.3f} |")
    lines += ["", "Single signals (AUC on the reported articles; for *name_missing* lower means answerable):", ""]
    for f in SINGLE:
        v = np.array([r["F"][f] for r in report])
        out["single"][f] = round(auc(-v if "missing" in f else v, y), 4)
        lines.append(f"- `{f}`: {out['single'][f]:.3f}")
    # The numbers rule of the pipeline (rag.refusal.unmet_numbers): chosen on FIT, reported everywhere.
    from rag.refusal import unmet_numbers
    from rag.types import Chunk, ScoredChunk

    def as_hits(r):
        return [ScoredChunk(Chunk(id=str(i), source="", root="", title="", start=0, end=len(t), text=t, doc_sha256="", n_chunks=1), 0.0)
                for i, t in enumerate(r["hits"])]

    lines += ["", "## The numbers rule", "",
              "`rag.refusal.unmet_numbers`: refuse when a number of the question appears in no retrieved passage. "
              "It is applied after the refusal model, whatever its estimate.", "",
              "| articles | answerable refused (false refusals) | unanswerable refused |", "|---|---:|---:|"]
    out["numbers_rule"] = {}
    for part, rs in (("FIT (where the rule was chosen)", fitting["FIT"]), ("CAL + REPORT (never looked at)", fitting["CAL"] + report)):
        ans = [r for r in rs if r["answerable"]]
        una = [r for r in rs if not r["answerable"]]
        fa, fu = sum(bool(unmet_numbers(r["question"], as_hits(r))) for r in ans), sum(bool(unmet_numbers(r["question"], as_hits(r))) for r in una)
        out["numbers_rule"][part.split()[0]] = {"false_refusals": [fa, len(ans)], "refused_unanswerable": [fu, len(una)]}
        lines.append(f"| {part} | {fa}/{len(ans)} | {fu}/{len(una)} |")
    lines.append("")
    a.out.write_text("\n".join(lines))
    a.out.with_suffix(".json").write_text(json.dumps(out, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
