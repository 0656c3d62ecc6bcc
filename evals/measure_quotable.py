"""What an extractive answer may quote: two rules measured on SQuAD 2.0 dev, one shipped, one not.

    python -m evals.measure_quotable [--others 300] [--seed 0] [--work DIR]

* **No questions** (shipped, `rag.answer.is_question` in `ExtractiveAnswerer.select`): a sentence that asks
  ("What is the location and date for the Super Bowl in 2022?", an RGB answer) is never quoted.
* **The number window** (tried, not shipped): a number the question asks about (`rag.refusal.asked_numbers`)
  must be stated in the quoted sentence, the sentence before it, or its chunk's title or section path;
  sentences that don't are skipped, and the question is refused when none is left. `unmet_numbers` (shipped)
  checks the retrieved passages only.

All 18 articles are indexed with the default settings and the default (span) reader. Every question that
names an exact number, plus a seeded sample of the others, goes through the extractive pipeline's decision:
the pipeline's own refusal first (`Pipeline.refusal_note`: the model, the numbers and the names rules), then the answer with and without each rule. Counts are split
by evals/splits.toml (the rules are fixed, not fitted; FIT and REPORT are shown apart anyway).
Results: evals/results/quotable.md and .json. Seeds, realdocs and RGB: their own suites (`rag eval`).
Left out: the LLM modes (the rules apply to extractive quoting only).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, contains_answer, load_squad, squad_pipeline
from evals.splits import fit_articles, report_articles


def states_asked_numbers(question: str, hits, c) -> bool:
    """The number window: the sentence, the one before it, or the chunk's title/section states every asked number."""
    from rag.blocks import chunk_section_at
    from rag.refusal import unmet_numbers
    from rag.text import sentence_spans
    from rag.types import ScoredChunk

    chunk = hits[c.source - 1].chunk
    prev = max((a for a, b in sentence_spans(chunk.text) if b <= c.start), default=c.start)
    window = " ".join((chunk.title, chunk_section_at(chunk, c.start), chunk.text[prev : c.end]))
    return not unmet_numbers(question, [ScoredChunk(replace(chunk, text=window), 0.0)])


def run(others: int, seed: int, work: Path) -> list[dict]:
    from rag.answer import is_question
    from rag.refusal import _EXACT_NUMBER
    from rag.settings import Settings

    d = Settings()
    qs, _ = load_squad(DEFAULT_DATA)
    numbered = [q for q in qs if _EXACT_NUMBER.search(q.question)]
    rest = [q for q in qs if not _EXACT_NUMBER.search(q.question)]
    sample = numbered + random.Random(seed).sample(rest, others)
    pipe = squad_pipeline(work)
    answerer = pipe.answerer("extractive")
    text = lambda ranked: answerer.compose(answerer.select(ranked))  # noqa: E731
    rows = []
    for i, q in enumerate(sample):
        if i % 100 == 0:
            print(f"  {i}/{len(sample)}", file=sys.stderr, flush=True)
        a = pipe.assess(q.question, d.k)
        refused = pipe.refusal_note(q.question, a) is not None
        window = [] if refused else [c for c in a.ranked if states_asked_numbers(q.question, a.hits, c)]
        shipped, tried = ("", "") if refused else (text(a.ranked), text(window))
        ok = lambda t: bool(q.answerable and t and contains_answer(t, list(q.answers)))  # noqa: E731
        rows.append({"article": q.article, "question": q.question, "answerable": q.answerable, "numbered": bool(_EXACT_NUMBER.search(q.question)),
                     "question_on_top": bool(a.ranked) and not refused and is_question(a.ranked[0].text),
                     "refused": refused or not shipped, "refused_window": refused or not tried, "changed_window": shipped != tried,
                     "contains": ok(shipped), "contains_window": ok(tried)})
    return rows


def table(rows: list[dict]) -> list[str]:
    out = ["| questions | answerable | refused: shipped → number window | answer contains gold: shipped → number window | "
           "unanswerable | refused: shipped → number window | answer changed by the window | a question ranked first |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, sel in (("name a number", lambda r: r["numbered"]), ("sample of the others", lambda r: not r["numbered"])):
        rs = [r for r in rows if sel(r)]
        ans, una = [r for r in rs if r["answerable"]], [r for r in rs if not r["answerable"]]
        c = lambda xs, k: sum(r[k] for r in xs)  # noqa: E731
        out.append(f"| {name} | {len(ans)} | {c(ans, 'refused')} → {c(ans, 'refused_window')} | {c(ans, 'contains')} → {c(ans, 'contains_window')} | "
                   f"{len(una)} | {c(una, 'refused')} → {c(una, 'refused_window')} | {c(rs, 'changed_window')} | {c(rs, 'question_on_top')} |")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--others", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None, help="index folder, reused when it holds the articles (default: a new temp dir)")
    ap.add_argument("--out", type=Path, default=RESULTS / "quotable.md")
    a = ap.parse_args(argv)
    rows = run(a.others, a.seed, a.work or Path(tempfile.mkdtemp(prefix="rag-quotable-")))
    cmd = f"python -m evals.measure_quotable --others {a.others} --seed {a.seed}"
    lines = ["# What an extractive answer may quote: no questions (shipped), the number window (tried)", "", f"`{cmd}`", "",
             "SQuAD 2.0 dev, default settings (span reader); counts of questions. *shipped*: the pipeline as it is (questions "
             "never quoted); *number window*: the same, quoting only sentences that state the question's numbers in themselves, "
             "the sentence before, or their title or section path (refused when none does).", ""]
    for name, arts in (("FIT articles", fit_articles()), ("REPORT articles", report_articles())):
        lines += [f"## {name}", ""] + table([r for r in rows if r["article"] in arts]) + [""]
    text = "\n".join(lines)
    print(text)
    a.out.write_text(text + "\n")
    flagged = [r for r in rows if r["changed_window"] or r["question_on_top"]]  # where a rule changed something
    a.out.with_suffix(".json").write_text(json.dumps({"command": cmd, "questions": len(rows), "flagged": flagged}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
