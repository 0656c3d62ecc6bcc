"""evals/splits.toml: nothing is reported on data that something was fitted or tuned on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import splits, suites
from evals.data import data_root

ROOT = Path(__file__).resolve().parents[2]
SQUAD = data_root() / "squad2-dev"
needs_squad = pytest.mark.skipif(not SQUAD.is_dir(), reason=f"{SQUAD} is missing: set RAG_EVAL_DATA")


def test_no_reported_number_comes_from_a_fitting_split():
    assert splits.leaks() == []
    # The check itself can fail: a fitted thing that saw the report half is a leak.
    assert splits.overlap("squad2-dev:report", "squad2-dev:report")
    assert splits.overlap("seeds:report", "seeds:report") and not splits.overlap("squad2-dev:fit", "squad2-dev:report")
    assert not splits.overlap("squad11-extra:fit", "squad2-dev:fit")


def test_squad2_halves_are_disjoint():
    fit, rep = splits.fit_articles(), splits.report_articles()
    assert fit and rep and not (fit & rep)


@needs_squad
def test_squad2_halves_are_split_by_article_seed_0():
    from evals.measure_retrieval import split_by_article

    rows = [json.loads(line) for line in (SQUAD / "questions.jsonl").read_text().splitlines()]
    _, test, train_arts = split_by_article(rows, 0)
    assert splits.fit_articles() == frozenset(train_arts)
    assert splits.report_articles() == frozenset(r["article"] for r in test)
    assert splits.fit_articles() | splits.report_articles() == {p.name for p in (SQUAD / "articles").glob("*.txt")}


@needs_squad
def test_squad2_suite_samples_reportable_articles_only():
    by_id = {json.loads(line)["id"]: json.loads(line)["article"] for line in (SQUAD / "questions.jsonl").read_text().splitlines()}
    cases = suites.squad2(limit=300, seed=0).cases
    assert {by_id[c.id] for c in cases} <= splits.report_articles()
    # ...and the recorded results were measured that way too.
    res = ROOT / "evals" / "results" / "squad2.json"
    if res.exists():
        ids = json.loads(res.read_text()).get("ids", [])
        assert ids and {by_id[i] for i in ids} <= splits.report_articles()
