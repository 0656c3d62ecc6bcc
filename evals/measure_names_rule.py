"""The names rule (`rag.refusal.unmet_names`): which form of "a name of the question that no retrieved
passage contains" refuses unanswerable questions without refusing answerable ones?

    python -m evals.measure_names_rule [--work DIR]

SQuAD 2.0 dev, all 18 articles indexed with the default settings, every question retrieved with the
default hybrid retrieval (k=5). Three forms of the rule are applied to the retrieved passages; the form
was chosen on the FIT articles of evals/splits.toml, and REPORT shows what it does on articles nobody
looked at. A question refused by the rule is refused whatever the refusal model says, so a false refusal
here is a false refusal of the pipeline. Results: evals/results/names_rule.md and .json.
Left out: the refusals the model makes anyway (the rule's effect on the suites is in their results).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, load_squad, squad_pipeline
from evals.splits import fit_articles, report_articles

_CAPITALISED = re.compile(r"(?<![\w-])[A-Z][\w.-]*")


def capitalised_missing(question: str, hits, fuzzy: bool) -> list[str]:
    """Form (a)/(b): any capitalised word after the first (not a stopword) that no passage contains, matched
    as the shipped form matches; (b) also accepts a passage word one edit (or one swap) away, for 5+ letters."""
    from rag.refusal import _mentions, _name_key
    from rag.text import STOPWORDS

    words = [m.group(0).rstrip(".-") for m in _CAPITALISED.finditer(question) if m.start() > 0]
    words = [w for w in words if len(w) >= 3 and w.lower() not in STOPWORDS]
    text = _name_key(" ".join(h.chunk.text + " " + h.chunk.title for h in hits))
    vocab = set(re.findall(r"[a-z0-9]+", text)) if fuzzy else set()
    out = []
    for w in words:
        f = _name_key(w)
        if _mentions(text, f) or (fuzzy and len(f) >= 5 and any(_one_edit(f, v) for v in vocab if abs(len(v) - len(f)) <= 1)):
            continue
        out.append(w)
    return out


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        d = [i for i in range(len(a)) if a[i] != b[i]]
        return len(d) == 1 or (len(d) == 2 and d[1] == d[0] + 1 and a[d[0]] == b[d[1]] and a[d[1]] == b[d[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def main(argv=None) -> int:
    from rag.refusal import unmet_names
    from rag.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=None, help="index folder, reused when it holds the articles (default: a new temp dir)")
    ap.add_argument("--out", type=Path, default=RESULTS / "names_rule.md")
    a = ap.parse_args(argv)
    d = Settings()
    qs, _ = load_squad(DEFAULT_DATA)
    pipe = squad_pipeline(a.work, "rag-names-")
    forms = {
        "(a) any capitalised word after the first": lambda q, h: capitalised_missing(q, h, fuzzy=False),
        "(b) as (a), one typo allowed (5+ letters)": lambda q, h: capitalised_missing(q, h, fuzzy=True),
        "(c) distinctive names only: a capital after the first letter": lambda q, h: unmet_names(q, h, spelled_out=False),
        "(d) as (c), an acronym also met by its words spelled out (shipped)": unmet_names,
    }
    rows = []
    for i, q in enumerate(qs):
        if i % 500 == 0:
            print(f"  {i}/{len(qs)}", file=sys.stderr, flush=True)
        hits = pipe.retrieve(q.question, d.k)
        rows.append({"article": q.article, "question": q.question, "answerable": q.answerable,
                     "missing": {name: f(q.question, hits) for name, f in forms.items()}})
    cmd = "python -m evals.measure_names_rule"
    lines = ["# The names rule: refuse when a name of the question is in no retrieved passage", "", f"`{cmd}`", "",
             f"SQuAD 2.0 dev, all {len(qs)} questions, default hybrid retrieval (k={d.k}). Forms (a)-(c) were chosen among on FIT with REPORT unseen. "
             "(d) was added later (2026-11-30) and decided on FIT by a rule fixed before its run (ship it if it drops at least as many "
             "false refusals as true refusals); REPORT was printed beside FIT in that run.", "",
             "| form | articles | answerable refused (false refusals) | unanswerable refused |", "|---|---|---:|---:|"]
    for name in forms:
        for split, arts in (("FIT", fit_articles()), ("REPORT", report_articles())):
            rs = [r for r in rows if r["article"] in arts]
            ans, una = [r for r in rs if r["answerable"]], [r for r in rs if not r["answerable"]]
            fa, fu = sum(bool(r["missing"][name]) for r in ans), sum(bool(r["missing"][name]) for r in una)
            lines.append(f"| {name} | {split} | {fa}/{len(ans)} ({fa / len(ans):.3f}) | {fu}/{len(una)} ({fu / len(una):.3f}) |")
    shipped = list(forms)[-1]
    fit_fa = [(r["question"], r["missing"][shipped]) for r in rows if r["article"] in fit_articles() and r["answerable"] and r["missing"][shipped]]
    lines += ["", "The shipped form's false refusals on FIT:", ""] + [f"- {q} (missing: {', '.join(m)})" for q, m in fit_fa]
    c, d4 = list(forms)[2], list(forms)[3]
    moved = [r for r in rows if bool(r["missing"][c]) != bool(r["missing"][d4])]
    lines += ["", "Questions (c) refuses and (d) does not (the acronym is spelled out in a retrieved passage):", ""] + [
        f"- {'FIT' if r['article'] in fit_articles() else 'REPORT'}, {'answerable' if r['answerable'] else 'unanswerable'}: {r['question']} "
        f"(missing for (c): {', '.join(r['missing'][c])})" for r in moved]
    text = "\n".join(lines)
    print(text)
    a.out.write_text(text + "\n")
    flagged = [r for r in rows if any(r["missing"].values())]  # the questions some form refuses (the others: counts only)
    a.out.with_suffix(".json").write_text(json.dumps({"command": cmd, "questions": len(rows), "flagged": flagged}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
