"""A probe, not shipped: does the checker's support for a why-question's premise tell SQuAD 2.0's
answerable why-questions from its unanswerable ones?

Rules fixed before the first run (2026-11-30 22:58):
* why-question: starts with "why" or "how come" (case-insensitive);
* premise claim: the question without "why"/"how come", a leading auxiliary and the "?";
* passages: bm25s top-5 paragraphs, query = the question, over all paragraphs of the split's articles
  (fit = the 9 fit articles of evals/splits.toml, report = the 9 report articles);
* scores: HeuristicChecker (no embedder) support, LearnedChecker (checker_model.json) probability;
* threshold: the 5th percentile of the fit articles' answerable why-questions' scores (refuse below it);
* success (decided before): on the report articles, >= 30% of unanswerable why-questions caught with <= 10%
  of answerable ones refused. Otherwise the idea is dropped.
Result (evals/results/premise_probe.md): not met, so no premise check was built.

    python -m evals.measure_premise [--out evals/results/premise_probe.md]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import bm25s
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import splits  # noqa: E402
from evals.data import data_root  # noqa: E402
from rag.verify import HeuristicChecker, LearnedChecker  # noqa: E402

WHY = re.compile(r"^\s*(?:why|how\s+come)\b\s*", re.I)
AUX = re.compile(r"^(?:does|do|did|is|are|was|were|has|have|had|can|could|will|would|should|must|might|may)\b\s*", re.I)


def claim(q):
    c = WHY.sub("", q, count=1)
    c = AUX.sub("", c, count=1)
    return c.strip().rstrip("?").strip()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Premise check probe on SQuAD 2.0 why-questions")
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "premise_probe.md")
    args = ap.parse_args(argv)
    data = data_root() / "squad2-dev"
    qs = [json.loads(line) for line in open(data / "questions.jsonl")]
    ps = [json.loads(line) for line in open(data / "passages.jsonl")]
    lines = ["# Premise check probe: SQuAD 2.0 why-questions", "", "Regenerate: `python -m evals.measure_premise` (rules in its docstring, fixed before the first run).", "",
             "| checker | threshold (5th pct. of fit answerable) | articles | answerable refused | unanswerable caught |", "|---|---:|---|---:|---:|"]
    heur = HeuristicChecker()
    learned = LearnedChecker()
    out = {}
    for split in ("fit", "report"):
        arts = splits.fit_articles() if split == "fit" else splits.report_articles()
        P = [p for p in ps if p["article"] in arts]
        ret = bm25s.BM25()
        ret.index(bm25s.tokenize([p["text"] for p in P], stopwords="en", show_progress=False), show_progress=False)
        rows = []
        for q in qs:
            if q["article"] not in arts or not WHY.match(q["question"]):
                continue
            idx, _ = ret.retrieve(bm25s.tokenize([q["question"]], stopwords="en", show_progress=False), k=5, show_progress=False)
            texts = [P[i]["text"] for i in idx[0]]
            c = claim(q["question"])
            rows.append({"q": q["question"], "claim": c, "answerable": q["answerable"],
                         "heur": heur.check(c, texts).support, "learned": learned.check(c, texts).support})
        out[split] = rows
    for key in ("heur", "learned"):
        fit = out["fit"]
        tau = float(np.percentile([r[key] for r in fit if r["answerable"]], 5))
        for split, rows in out.items():
            a = [r for r in rows if r["answerable"]]; u = [r for r in rows if not r["answerable"]]
            fr = sum(r[key] < tau for r in a); rc = sum(r[key] < tau for r in u)
            lines.append(f"| {key} | {tau:.3f} | {split} | {fr}/{len(a)} | {rc}/{len(u)} |")
    lines += ["", "Goal set before the run: report articles >= 30% caught with <= 10% refused. Not met: no premise check was built."]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
