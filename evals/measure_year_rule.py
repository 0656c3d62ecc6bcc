"""The year and count rules: an extractive answer to "In what year ...?" must state a year, and one to
"How many ...?" a number the question does not give, else the pipeline refuses.

    python -m evals.measure_year_rule [--rule year|count] [--work DIR]

SQuAD 2.0 dev, all 18 articles indexed with the default settings; every question that asks for a year
(`rag.answer.asks_year`), or a count (`asks_count`), is assessed as the pipeline does it (retrieval, the span reader's sentence
ranking, the refusal model and the numbers and names rules), and the extractive answer is picked.
Two decisions are compared on the same run: as before, and with the rule (refuse when no picked
sentence `states_year` / `states_count`). FIT and REPORT are the article halves of evals/splits.toml.
Results: evals/results/year_rule.md and count_rule.md, and their .json.
Also measured and not shipped (2026-12-01): `--rule quoted_names` (every distinctive name of the question in the
quoted sentences or their passages' title and section) and `--rule passage_names` (... in their passages); the rule
fixed before the runs, at most 1 added false refusal per 3 added refusals on FIT, failed for both (+11 for +21, +2 for +3).
`--rule version` (2026-12-01: "which version / release" must be answered by a sentence with a number the question does
not give) applies to no SQuAD 2.0 dev question, and to 1 of squad11-extra's 4,557: it was decided on realdocs
(README, the version rule).
Left out: questions that ask "when" (a date without a year can answer them), LLM modes (their answers
are generated, then verified sentence by sentence).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, load_squad, squad_pipeline
from evals.splits import fit_articles, report_articles


def contains(text: str, golds) -> bool:
    t = " ".join(text.lower().split())
    return any(" ".join(g.lower().split()) in t for g in golds)


def rules():
    from rag.answer import QUOTE_RULES, asks_throughout
    from rag.refusal import distinct_names, unmentioned

    def quoted_names(scope: str):
        """Every distinctive name of the question is in the quoted sentences, or in the title or section path of
        their passages ("sentence"), or in their whole passages ("passage")."""
        def meets(picked, q, hits):
            raw = []
            for c in picked:
                ch = hits[c.source - 1].chunk
                raw += [c.text, ch.title, ch.section or "", ch.source] if scope == "sentence" else [ch.text, ch.title, ch.source]
            return not unmentioned(distinct_names(q), " ".join(raw))
        return meets

    def shipped(name: str):  # the pipeline's own rule (Pipeline.quote_note), so that this measures its decision
        rule = next(r for r in QUOTE_RULES if r.name == name)
        return lambda q: asks_throughout(rule, q), lambda picked, q, hits: any(rule.states(c.text, q) for c in picked)

    return {  # name -> (the questions it applies to, do the picked sentences meet it, the title of the report, whom it applies to)
        "year": (*shipped("year"), "a quoted answer to \"what year\" must state a year", "ask for a year"),
        "count": (*shipped("count"), "a quoted answer to \"how many\" must state a number the question does not give", "ask for a count"),
        "version": (*shipped("version"), "a quoted answer to \"which version\" or \"which release\" must state a number the question does not give",
                    "ask for a version or release"),
        "quoted_names": (lambda q: bool(distinct_names(q)), quoted_names("sentence"),
                         "the quoted sentences, or their passages' title and section, name every distinctive name of the question",
                         "name something distinctive (a capital after the first letter: NATO, SQLite)"),
        "passage_names": (lambda q: bool(distinct_names(q)), quoted_names("passage"),
                          "the quoted sentences' passages name every distinctive name of the question",
                          "name something distinctive (a capital after the first letter: NATO, SQLite)"),
    }


def main(argv=None) -> int:
    from rag.settings import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=None, help="index folder, reused when it holds the articles (default: a new temp dir)")
    ap.add_argument("--rule", choices=("year", "count", "version", "quoted_names", "passage_names"), default="year")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/<rule>_rule.md")
    a = ap.parse_args(argv)
    asks, meets, title, applies = rules()[a.rule]
    out = a.out or RESULTS / f"{a.rule}_rule.md"
    command = "python -m evals.measure_year_rule" + (f" --rule {a.rule}" if a.rule != "year" else "")
    d = Settings()
    qs, _ = load_squad(DEFAULT_DATA)
    qs = [q for q in qs if asks(q.question)]
    pipe = squad_pipeline(a.work, "rag-year-")
    extractive = pipe.answerer("extractive")

    # 1. Each question as the pipeline decides it today, and whether the rule would refuse the answer.
    rows = []
    for q in qs:
        got = pipe.assess(q.question)
        refused = pipe.refusal_note(q.question, got) is not None
        picked = [] if refused else extractive.select(got.ranked)
        refused = refused or not picked
        answer = extractive.compose(picked)
        rows.append({"article": q.article, "question": q.question, "answerable": q.answerable, "refused": refused,
                     "rule_refuses": not refused and not meets(picked, q.question, got.hits),
                     "contains_gold": not refused and contains(answer, q.answers), "answer": answer})

    # 2. The two decisions, per article half.
    lines = [f"# The {a.rule} rule: {title}", "", f"`{command}`", "",
             f"SQuAD 2.0 dev, the {len(qs)} questions that {applies}, pipeline defaults (k={d.k}, span reader).", "",
             "| articles | decision | answerable: refused | answerable: answer contains gold | unanswerable: refused |", "|---|---|---:|---:|---:|"]
    summary = {}
    for split, arts in (("FIT", fit_articles()), ("REPORT", report_articles())):
        ans = [r for r in rows if r["article"] in arts and r["answerable"]]
        una = [r for r in rows if r["article"] in arts and not r["answerable"]]
        for name, rule in (("before", False), ("with the rule", True)):
            fa = sum(r["refused"] or (rule and r["rule_refuses"]) for r in ans)
            ok = sum(r["contains_gold"] and not (rule and r["rule_refuses"]) for r in ans)
            ru = sum(r["refused"] or (rule and r["rule_refuses"]) for r in una)
            lines.append(f"| {split} | {name} | {fa}/{len(ans)} | {ok}/{len(ans)} | {ru}/{len(una)} |")
            summary[f"{split}/{name}"] = {"answerable": len(ans), "answerable_refused": fa, "contains_gold": ok, "unanswerable": len(una), "unanswerable_refused": ru}
    caught = [r for r in rows if r["rule_refuses"]]
    lines += ["", f"The rule refuses {len(caught)} answers; the answerable among them:", ""]
    lines += [f"- {r['question']} → {r['answer'][:160]}" for r in caught if r["answerable"]] or ["- none"]
    text = "\n".join(lines)
    print(text)
    out.write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps({"command": command, "summary": summary, "refused_by_rule": caught}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
