"""Fast unit tests of the harness plumbing: gold matching, threshold checks, judge data loading, suites."""

from __future__ import annotations

import json

import pytest

from evals import report, runner, suites
from evals.data import data_root
from evals.judges import load_begin, load_sets, load_wice
from rag.errors import UsageError
from rag.types import Chunk

DATA = data_root()


def needs(name: str):
    """The public data sets live outside the repo (evals/data.py); without them these tests can't run."""
    return pytest.mark.skipif(not (DATA / name).is_dir(), reason=f"{DATA / name} is missing: set RAG_EVAL_DATA")


def chunk(source="a.txt", start=0, end=100, text="x"):
    return Chunk(id="c", source=source, root="r", title="t", start=start, end=end, text=text, doc_sha256="", n_chunks=1)


def test_relevant_by_span_overlap_quote_and_source():
    case = suites.Case(id="1", question="q", index="main", answerable=True, gold_spans=(("a.txt", 50, 250),))
    assert runner.relevant(case, chunk(start=0, end=100))  # 50 of 100 chunk chars overlap the gold passage
    assert not runner.relevant(case, chunk(start=0, end=60))  # 10 chars: a neighbour, not the passage
    assert not runner.relevant(case, chunk(source="b.txt", start=50, end=250))
    quoted = suites.Case(id="2", question="q", index="main", answerable=True, evidence=("gathered in Brussels",))
    assert runner.relevant(quoted, chunk(text="They have  GATHERED in Brussels, on 14 June."))
    assert not runner.relevant(quoted, chunk(text="They met in Paris."))
    whole = suites.Case(id="3", question="q", index="x", answerable=True, gold_sources=("p01.txt",))
    assert runner.relevant(whole, chunk(source="p01.txt")) and not runner.relevant(whole, chunk(source="p02.txt"))


def test_thresholds_min_max_and_undefined():
    th = {"s": {"min": {"a": 0.5, "u": 0.1}, "max": {"b": 0.2}}}
    checks = {c["metric"]: c for c in report.check_thresholds("s", {"a": 0.4, "b": 0.2, "u": None}, th)}
    assert not checks["a"]["ok"] and checks["b"]["ok"] and checks["u"]["ok"]
    assert report.check_thresholds("other", {"a": 0.0}, th) == []


def test_checked_in_thresholds_name_real_metrics():
    from evals.cli import _thresholds

    th = _thresholds()
    known = set(report.METRIC_ORDER)
    for suite in ("seeds", "squad2", "rgb"):
        for op in ("min", "max"):
            assert set(th.get(suite, {}).get(op, {})) <= known, (suite, op)


def test_seeds_dataset_is_well_formed():
    s = suites.seeds()
    text = (suites.REPO / "seeds" / "000_e7591c0407e77bf5.txt").read_text()
    kinds = {c.kind for c in s.cases}
    assert len(s.cases) >= 30 and {"answerable", "paraphrase", "unanswerable", "false_premise", "followup"} <= kinds
    assert len({c.id for c in s.cases}) == len(s.cases)
    for c in s.cases:
        assert all(q in text for q in c.evidence), c.id  # gold quotes are verbatim from the article
        assert c.answerable == bool(c.answers), c.id
        if c.kind == "followup":
            assert c.history
    assert len(suites.seeds(limit=5).cases) == 5


@needs("squad2-dev")
def test_squad2_sample_is_seeded_and_half_unanswerable():
    a, b = suites.squad2(limit=40, seed=3), suites.squad2(limit=40, seed=3)
    assert [c.id for c in a.cases] == [c.id for c in b.cases]
    assert [c.id for c in suites.squad2(limit=40, seed=4).cases] != [c.id for c in a.cases]
    assert sum(not c.answerable for c in a.cases) == 20
    assert all(c.gold_spans for c in a.cases if c.answerable)


def test_squad2_bad_data_dir_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="articles/"):
        suites.squad2(data=tmp_path)


@needs("rgb-en-dev")
def test_rgb_builds_three_conditions_per_record(tmp_path):
    s = suites.rgb(cache=tmp_path)
    by = {c.id: c for c in s.cases}
    assert len(s.cases) == 150 and len(s.indexes) == 150
    pos, neg, cf = by["0-positive"], by["0-negative"], by["0-counterfactual"]
    assert pos.answers == ("Tampa, Florida",) and pos.answerable and pos.gold_sources
    assert not neg.answerable and not neg.gold_sources
    assert cf.answers == ("Glendale, Arizona",) and cf.must_not == ("Tampa, Florida",)
    files = sorted(p.name for p in s.indexes["0-negative"][0].iterdir())
    assert len(files) == 7  # record 0 has 7 negative passages


def test_begin_labels_and_split(tmp_path):
    f = tmp_path / "b.tsv"
    rows = [("m", "wow", "k1", "msg", "r1", "Fully attributable"), ("m", "wow", "k1", "msg", "r2", "Generic"),
            ("m", "wow", "k2", "msg", "r3", "Not fully attributable")]
    f.write_text("model_name\tdata_source\tknowledge\tmessage\tresponse\tbegin_label\n" + "\n".join("\t".join(r) for r in rows) + "\n")
    exs = load_begin(f)
    assert [e.label for e in exs] == [True, False, False]
    assert exs[0].split == exs[1].split  # same knowledge passage -> same side of the split
    sets = load_sets(begin=[f], wice=[])
    assert sum(len(v) for v in sets.values()) == 3  # a given file is used whole


def test_wice_max_over_rows_and_partial_is_unsupported(tmp_path):
    f = tmp_path / "w.jsonl"
    rows = [{"label": "partially_supported", "claim": "c1", "evidence": ["e1"], "meta": {"id": "a"}},
            {"label": "supported", "claim": "c1", "evidence": ["e2"], "meta": {"id": "a"}},
            {"label": "partially_supported", "claim": "c2", "evidence": ["e3"], "meta": {"id": "b"}}]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    exs = {e.id: e for e in load_wice(f)}
    assert exs["a"].label and exs["a"].evidence == (("e1",), ("e2",))
    assert not exs["b"].label


@needs("wice-dev")
@needs("begin-dev")
def test_default_judge_sets_are_test_split_only():
    sets = load_sets()
    assert {"wice", "begin/wow", "begin/cmu", "begin/tc"} <= set(sets)
    assert all(e.split == "test" for exs in sets.values() for e in exs)
    n = sum(len(v) for v in sets.values())
    assert 0.2 * 1578 < n < 0.4 * 1578


class _Judge:
    """A Checker-shaped fake: supported when every word of the claim is in some passage."""

    def check(self, claim, passages):
        from rag.verify import Verdict

        words = {w.strip(".,'").lower() for w in claim.split()}
        ok = any(words <= {w.strip(".,'").lower() for w in p.split()} for p in passages)
        return Verdict(float(ok), ok, "")


def test_false_premise_is_refused_or_corrected_never_a_word_match():
    case = suites.Case(id="f", question="Why did China propose it?", index="main", answerable=False, kind="false_premise",
                       rebuttal=("Stoltenberg",), premise="China proposed it")
    judge = runner.Judged(_Judge())
    assert runner.premise_verdict(case, True, [], judge)["handled"]  # refused
    corr = runner.premise_verdict(case, False, ["It was proposed by Stoltenberg."], judge)
    assert corr["corrected"] and corr["handled"] and not corr["affirming"]
    # The correcting word is there, but another shown sentence affirms the premise: not handled.
    both = runner.premise_verdict(case, False, ["Stoltenberg spoke.", "China proposed it"], judge)
    assert not both["corrected"] and both["affirming"] == ["China proposed it"]
    # No correcting fact: an on-topic quote is not a correction.
    assert not runner.premise_verdict(case, False, ["NATO adopted a concept."], judge)["handled"]
    # A shown sentence that states the written rebuttal corrects the premise, whatever a word-overlap judge says of it.
    config = suites.Case(id="g", question="Why does each worktree get its own config?", index="main", answerable=False,
                         kind="false_premise", premise="each worktree gets its own config file",
                         rebuttal=("the config file is shared across all worktrees",))
    quoted = runner.premise_verdict(config, False, ["By default, the config file is shared across all worktrees; each worktree gets its own config file only if asked."], judge)
    assert quoted["corrected"] and quoted["handled"] and not quoted["affirming"]
    assert not runner.premise_verdict(config, False, ["Worktrees exist.", "each worktree gets its own config file"], judge)["handled"]
    # A negated sentence does not affirm an un-negated premise, though every premise word is in it; an un-negated one still does.
    quota = suites.Case(id="h", question="Which setting caps the cache's disk use?", index="main", answerable=False, kind="false_premise",
                        premise="the module limits its disk space", rebuttal=("makes no attempt to regulate the disk space",))
    shown = ["The module makes no attempt to regulate the disk space.", "The module does not itself check, so the module limits its disk space never."]
    neg = runner.premise_verdict(quota, False, shown, judge)
    assert neg["corrected"] and neg["handled"] and not neg["affirming"]
    aff = runner.premise_verdict(quota, False, [shown[0], "In short the module limits its disk space."], judge)
    assert not aff["handled"] and aff["affirming"] == ["In short the module limits its disk space."]
    plain = suites.Case(id="u", question="q", index="main", answerable=False, kind="unanswerable")
    assert runner.premise_verdict(plain, False, ["x"], judge) is None


def test_refusal_metrics_count_real_refusals_only():
    rec = lambda kind, answerable, refused, handled=None: {  # noqa: E731
        "kind": kind, "answerable": answerable, "refused": refused, "correct": None, "token_f1": None, "gold_rank": None,
        "has_gold": False, "verdicts": [], "timings": {},
        "premise": None if handled is None else {"handled": handled, "refused": refused, "corrected": handled and not refused, "affirming": []}}
    records = [rec("false_premise", False, False, True), rec("false_premise", False, True, True),
               rec("false_premise", False, False, False), rec("unanswerable", False, True), rec("answerable", True, False)]
    m, _ = runner.score(records, 5)
    assert m["refusal_recall"] == 0.5  # 2 real refusals of 4 unanswerables: the correction is not a refusal
    assert m["premise_handled"] == round(2 / 3, 4)
    assert m["false_refusal_rate"] == 0.0


def test_a_suite_with_parts_is_gated_per_part_too():
    """realdocs' spreadsheet questions (group "sheets") must not loosen the gates of its manuals."""
    rec = lambda group, correct, refused=False: {  # noqa: E731
        "group": group, "kind": "answerable", "answerable": True, "refused": refused, "correct": correct, "token_f1": float(correct),
        "gold_rank": None, "has_gold": False, "verdicts": [], "timings": {}, "premise": None}
    records = [rec("manuals", True)] * 9 + [rec("manuals", False)] + [rec("sheets", False, True)] * 3 + [rec("sheets", True)]
    th = {"realdocs": {"min": {"answer_contains": 0.6}}, "realdocs-manuals": {"min": {"answer_contains": 0.95}},
          "realdocs-sheets": {"max": {"false_refusal_rate": 0.8}}}
    parts = runner.score_parts("realdocs", records, 5, th)
    assert set(parts) == {"manuals", "sheets"} and parts["manuals"]["n_cases"] == 10
    assert parts["manuals"]["metrics"]["answer_contains"] == 0.9 and parts["sheets"]["metrics"]["false_refusal_rate"] == 0.75
    assert [c["ok"] for c in parts["manuals"]["checks"]] == [False], "0.9 < 0.95: the manuals' own gate fails"
    assert [c["ok"] for c in parts["sheets"]["checks"]] == [True]
    assert runner.score_parts("seeds", [rec("", True)], 5, th) == {}, "a suite of one part has none"


def test_first_sentence_contains_does_not_credit_a_later_sentence():
    """answer_contains credits an answer whose third quoted sentence holds the reference; the first sentence must, here."""
    rec = lambda sentences, refused=False, must_not=(): {  # noqa: E731
        "kind": "answerable", "answerable": True, "refused": refused, "answers": ["Dominic Thiem"], "must_not": list(must_not),
        "correct": (not refused) and any("Thiem" in s for s in sentences) and not any(m in " ".join(sentences) for m in must_not),
        "token_f1": 0.0, "gold_rank": None, "has_gold": False, "timings": {}, "premise": None,
        "verdicts": [{"text": s, "judge_supported": True, "judge_per_citation": [True]} for s in sentences]}
    records = [rec(["Dominic Thiem won the 2020 U.S. Open."]),
               rec(["Medvedev reached the 2019 final.", "Osaka won in 2018.", "2020: Dominic Thiem (Austria)."]),
               rec(["Dominic Thiem won."], refused=True),
               rec(["Dominic Thiem beat Zverev, not Murray."], must_not=["Murray"])]
    assert [runner.first_sentence_correct(r) for r in records] == [True, False, False, False]
    m, _ = runner.score(records, 5)
    assert m["answer_contains"] == 0.5 and m["first_sentence_contains"] == 0.25


def test_the_stamp_names_the_commit_the_run_started_on(monkeypatch):
    """A commit made while a long `rag eval` runs is not the code that ran: every report of the run names the first."""
    import subprocess

    import evals.cli as C

    heads = iter(["aaaaaaaaaaaa", "", "bbbbbbbbbbbb", ""])  # rev-parse, status (clean), then another HEAD later

    def fake_run(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 0, stdout=next(heads, "") + "\n", stderr="")

    monkeypatch.setattr(C, "_COMMIT", [])
    monkeypatch.setattr(subprocess, "run", fake_run)
    assert C.stamp(["seeds"])["commit"] == "aaaaaaaaaaaa"
    assert C.stamp(["seeds"])["commit"] == "aaaaaaaaaaaa"
