"""evals/rgb_audit.py: the audit file's integrity, kappa, and the gate split."""

import json

import pytest

from evals import rgb_audit
from evals.data import data_root

RGB = data_root() / "rgb-en-dev" / "en_fact.jsonl"
STRICT = {"answers": 0, "partial": 1, "lacks": 2}


def test_every_snippet_has_two_labels_and_the_stricter_one_wins_a_disagreement():
    audit = rgb_audit.load()
    assert [r["id"] for r in audit["records"]] == list(range(50))
    for rec in audit["records"]:
        assert [p["i"] for p in rec["passages"]] == list(range(len(rec["passages"])))
        for p in rec["passages"]:
            assert {p["A"], p["B"], p["final"]} <= set(rgb_audit.LABELS)
            assert p["final"] == (p["A"] if p["A"] == p["B"] else max(p["A"], p["B"], key=STRICT.get))
            assert ("evidence" in p) == (p["final"] != "lacks")
    assert "text" not in json.dumps(audit["records"])  # indices and spans only: no RGB text in the repository


@pytest.mark.skipif(not RGB.exists(), reason=f"{RGB} is missing: set RAG_EVAL_DATA")
def test_evidence_spans_lie_inside_their_snippets():
    recs = [json.loads(x) for x in RGB.read_text().splitlines() if x.strip()]
    audit = rgb_audit.load()
    for rec in audit["records"]:
        negs = recs[rec["id"]]["negative"]
        assert len(negs) == len(rec["passages"])
        for p in rec["passages"]:
            for a, b in p.get("evidence", []):
                assert 0 <= a < b <= len(negs[p["i"]]) and negs[p["i"]][a:b].strip()
    ev = rgb_audit.evidence_texts(audit, RGB)
    assert sorted(ev, key=int) == [k for k, v in rgb_audit.record_verdicts(audit).items() if v == "answers"]


def test_kappa():
    assert rgb_audit.kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert rgb_audit.kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0
    assert rgb_audit.kappa(["a", "a", "a", "b"], ["a", "a", "b", "b"]) == pytest.approx(0.5)


def test_split_gate_counts_by_the_records_verdict():
    audit = {"records": [
        {"id": 0, "passages": [{"i": 0, "A": "lacks", "B": "lacks", "final": "lacks"}]},
        {"id": 1, "passages": [{"i": 0, "A": "partial", "B": "lacks", "final": "lacks"}, {"i": 1, "A": "answers", "B": "answers", "final": "answers"}]},
        {"id": 2, "passages": [{"i": 0, "A": "partial", "B": "partial", "final": "partial"}]},
    ]}
    verdicts = rgb_audit.record_verdicts(audit)
    assert verdicts == {"0": "lacks", "1": "answers", "2": "partial"}
    report = {"cases": [
        {"id": "0-negative", "kind": "negative", "refused": True, "answer": "I couldn't find this in the documents."},
        {"id": "1-negative", "kind": "negative", "refused": False, "answer": "Barty  wins the 2021\\nWimbledon. [1]".replace("\\n", "\n")},
        {"id": "2-negative", "kind": "negative", "refused": False, "answer": "It came out in May. [1]"},
        {"id": "0-positive", "kind": "positive", "refused": False, "answer": "x"},
    ]}
    rows = {w: (k, n) for w, k, n in rgb_audit.split_gate(report, verdicts, {"1": ["Barty wins the 2021 Wimbledon"]})}
    assert rows["all negatives: refused"] == (1, 3)
    assert rows["lacks: refused"] == (1, 1) and rows["partial: refused"] == (0, 1) and rows["answers: refused"] == (0, 1)
    assert rows["answers: answered, quoting an answering snippet's evidence"] == (1, 1)  # whitespace aside
    rows = {w: (k, n) for w, k, n in rgb_audit.split_gate(report, verdicts, {"1": ["Halep wins"]})}
    assert rows["answers: answered, quoting an answering snippet's evidence"] == (0, 1)
