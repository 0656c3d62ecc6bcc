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


def test_the_blind_realdocs_parts_get_a_row_of_their_own(tmp_path, monkeypatch):
    import json

    from evals import reader_gates
    from evals.realdocs import BLIND_PARTS

    monkeypatch.setattr(reader_gates, "RESULTS", tmp_path)  # the copies it writes go here, not to evals/results
    cases = [dict(_case("answerable", refused), id=f"{g}-{n}", group=g, correct=not refused)
             for n, (g, refused) in enumerate([("manuals", True), ("manuals6", True), ("manuals6", False), ("manuals10", False)])]
    cases.append(dict(_case("unanswerable", True), id="u", group="manuals7"))
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"metrics": {}, "cases": cases}))
    assert reader_gates.main(["--realdocs", str(report), "--tag", "t", "--out", str(tmp_path / "g.md")]) == 0
    rows = {r["measure"]: r["value"] for r in json.loads((tmp_path / "g.json").read_text())}
    blind = f"realdocs blind parts ({', '.join(p for p in BLIND_PARTS if p in ('manuals6', 'manuals7', 'manuals10'))})"
    assert rows[f"{blind}: answerable falsely refused (1/3)"] == 1 / 3  # manuals' refusal is not a blind part's
    assert rows[f"{blind}: out-of-scope + false-premise refused (1/1)"] == 1.0
    assert rows["realdocs: answerable falsely refused (2/4)"] == 0.5
