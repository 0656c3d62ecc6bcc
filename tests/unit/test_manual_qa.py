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


def test_contents_like_passages_are_not_sampled():
    """A page's contents (bare names, one per line) is not prose to ask about; a definition list with prose is."""
    assert M.contents_like("Error\n\nsetlocale()\n\nlocaleconv()\n\nLC_CTYPE\n\nCODESET")
    assert not M.contents_like("setlocale(category): Modifies the locale setting for the category.\n\nLC_CTYPE\n\nThe locale category for the character type functions.")


def test_a_second_set_skips_the_pages_of_the_first(tmp_path, monkeypatch):
    """dump --skip passes over every page a merged file holds, and --tag keeps the new ids apart."""
    pages = [f"/doc/p{i}.html" for i in range(4)]
    monkeypatch.setattr(M, "pages", lambda group: list(pages))
    prose = " ".join(["The option sets the limit of the cache in bytes."] * 8)

    class Chunk:
        section = "S"
        blocks = ()

    monkeypatch.setattr(M, "chunks_of", lambda path: [(0, Chunk(), f"{path} {prose}", {"paragraph"})])
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps({"id": f"g-{i}", "source": p}) + "\n" for i, p in enumerate(pages[:2])))
    M.dump("sqlite", tmp_path / "out", 10, first, "b")
    got = [json.loads(line) for line in open(tmp_path / "out" / "chunks.jsonl")]
    assert sorted(r["source"] for r in got) == pages[2:]
    assert all(r["id"].startswith("sqlite-b-") for r in got)
