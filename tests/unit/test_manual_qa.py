"""train/manual_qa.py: the written questions are checked against their passages, split by page, and become span examples."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from train import manual_qa as M  # noqa: E402

FIX = ROOT / "tests" / "fixtures" / "manual-qa" / "manual_qa.jsonl"


def test_examples_are_exact_spans_split_by_page():
    train, held = M.examples(FIX)
    assert len(train) == 2 and len(held) == 2
    (q, passage, span), (_, _, none) = train
    assert passage[span[0] : span[1]] == "sqlite3_busy_timeout()" and none is None
    assert held[0][1][held[0][2][0] : held[0][2][1]] == "By default, ensure_ascii is true"
    assert M.held_out(json.loads(FIX.read_text().splitlines()[2])["source"])


def test_check_joins_passages_and_names_each_problem(tmp_path, capsys):
    chunks = tmp_path / "chunks.jsonl"
    chunks.write_text(json.dumps({"id": "g-000", "group": "g", "source": "/doc/a.html", "section": "A", "passage": "The limit is 64 bytes."}) + "\n")
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join([
        json.dumps({"id": "g-000", "question": "What is the limit?", "answer": "64 bytes"}),
        json.dumps({"id": "g-000", "question": "What is the default?", "answer": ""}),
        json.dumps({"id": "g-000", "question": "How big?", "answer": "65 bytes"}),
        "{not json",
    ]) + "\n")
    rows = M.check([str(qa)])
    out = capsys.readouterr().out
    assert [r["answer"] for r in rows] == ["64 bytes", ""]
    assert rows[0]["passage"] == "The limit is 64 bytes." and rows[0]["source"] == "/doc/a.html"
    assert "'65 bytes' is not an exact substring" in out and ":4: not JSON" in out and "2 records ok (1 answerable, 1 not), 2 bad" in out


def test_suite_pages_are_never_sampled():
    """Every realdocs page of a publisher the questions come from is excluded (evals/realdocs.py DOCS)."""
    from evals.realdocs import DOCS

    suite = {path for _, path, _ in DOCS}
    for g in M.GROUPS:
        assert not suite & set(M.pages(g))
    assert {p for p in suite if p.startswith((M.SQLITE, M.PYTHON, M.APACHE))} <= M.EXCLUDED
