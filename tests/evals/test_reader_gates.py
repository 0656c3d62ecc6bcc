"""evals/reader_gates.py: the shares it reports, on hand-made cases."""

from evals.reader_gates import handled, share, slim


def _case(kind, refused, premise=None):
    return {"id": kind, "kind": kind, "answerable": kind == "answerable", "refused": refused, "premise": premise}


CASES = [
    _case("answerable", False), _case("answerable", True),
    _case("unanswerable", True), _case("unanswerable", False), _case("unanswerable", False),
    _case("false_premise", False, {"refused": False, "corrected": True, "affirming": [], "handled": True}),  # answered by its rebuttal
    _case("false_premise", True, {"refused": True, "corrected": False, "affirming": [], "handled": True}),
    _case("false_premise", False, {"refused": False, "corrected": False, "affirming": ["x"], "handled": False}),
    _case("false_premise", False),  # no stated premise: not counted by `handled`
]


def test_share_counts_real_refusals_only():
    assert share(CASES, ("unanswerable", "false_premise"), True) == (2 / 7, 2, 7)
    assert share(CASES, ("unanswerable",), True) == (1 / 3, 1, 3)
    assert share(CASES, ("answerable",), True) == (0.5, 1, 2)


def test_handled_counts_refused_or_corrected_false_premises():
    assert handled(CASES) == (2 / 3, 2, 3)
    assert handled([c for c in CASES if c["kind"] != "false_premise"]) == (None, 0, 0)


def test_slim_keeps_the_premise_verdict():
    rep = slim({"metrics": {}, "cases": [dict(CASES[5], notes="dropped")]})
    assert rep["cases"][0]["premise"]["handled"] is True and "notes" not in rep["cases"][0]
