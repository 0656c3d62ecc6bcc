"""The CLI: every error is one line on stderr with the right exit code and no traceback.

Most cases call rag.cli.main() in-process (fast); `test_real_binary` runs `.venv/bin/rag`
as a subprocess to prove the installed entry point behaves the same.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from rag.errors import UsageError
from rag.loaders import FORMATS

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "Who proposed the 2030 strategic concept?"


def assert_one_line_error(err: str, *needles: str):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{err}"
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], f"{n!r} not in {lines[0]!r}"


def test_missing_path(cli, tmp_path):
    code, out, err = cli("ingest", tmp_path / "nope")
    assert code == 2
    assert_one_line_error(err, "Path not found", "nope", "rag ingest seeds/")


def test_empty_folder(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = cli("ingest", tmp_path / "empty")
    assert code == 2
    assert_one_line_error(err, "No files in", FORMATS)
    assert ".odt" in FORMATS and ".pptx" in FORMATS and ".epub" in FORMATS


def test_query_before_ingest(cli):
    code, _, err = cli("ask", QUESTION)
    assert code == 1
    assert_one_line_error(err, "run `rag ingest` first")


def test_chat_before_ingest(cli):
    code, _, err = cli("chat")
    assert code == 1
    assert_one_line_error(err, "run `rag ingest` first")


@pytest.mark.parametrize("question, needle", [("", "question is empty"), ("   \n ", "question is empty"), ("why? " * 1000, "limit is 2000")])
def test_bad_questions_are_usage_errors(cli, question, needle):
    code, _, err = cli("ask", question)
    assert code == 2
    assert_one_line_error(err, needle)


def test_unreachable_chroma_server(cli, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("RAG_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("RAG_CHROMA_PORT", str(port))
    for args in (("info",), ("ingest", SEEDS), ("ask", QUESTION)):
        code, _, err = cli(*args)
        assert code == 1, args
        assert_one_line_error(err, f"Cannot reach the Chroma server at 127.0.0.1:{port}", "chroma run")


def test_click_usage_errors_exit_2(cli):
    code, _, err = cli("ask")
    assert code == 2 and "Missing argument" in err and "Traceback" not in err
    code, _, err = cli("frobnicate")
    assert code == 2 and "No such command" in err
    code, _, err = cli("ask", QUESTION, "--k", "0")
    assert code == 2 and "Traceback" not in err


def test_debug_reraises(cli, tmp_path):
    with pytest.raises(UsageError, match="Path not found"):
        cli("--debug", "ingest", tmp_path / "nope")


def test_ingest_reports_a_copy_of_an_indexed_file(cli, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    assert cli("ingest", docs)[0] == 0
    # the same bytes in a second folder: indexed, kept, and said so
    twin = tmp_path / "twin"
    twin.mkdir()
    shutil.copy(docs / "000_e7591c0407e77bf5.txt", twin / "nato.txt")
    code, out, err = cli("ingest", twin)
    assert code == 0, err
    assert f"  copy {twin / 'nato.txt'} has the same bytes as {docs / '000_e7591c0407e77bf5.txt'}: both are kept, an answer reads the passage once" in out.splitlines()


def test_ingest_summary_info_and_ask_json(cli, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    (docs / "empty.txt").write_bytes(b"")
    (docs / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    code, out, err = cli("ingest", docs)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Indexed 1 file(s), skipped unchanged 0, removed 0, failed 2; 3 chunks added, 3 in the index, ")
    assert "  skipped empty.txt: empty file (0 bytes)" in lines
    assert any(ln.startswith("  skipped photo.jpg: unsupported file type '.jpg'") for ln in lines)

    code, out, _ = cli("ingest", docs, "--json")
    report = json.loads(out)
    assert report["unchanged"] == ["000_e7591c0407e77bf5.txt"] and report["chunks_added"] == 0 and report["total_chunks"] == 3

    assert {f["source"] for f in report["failed"]} == {"empty.txt", "photo.jpg"}

    code, out, _ = cli("info")
    assert code == 0
    info = dict(ln.split(None, 1) for ln in out.splitlines())
    assert info["documents"] == "1" and info["chunks"] == "3" and info["embedding_model"] == "hash-bow-64"
    assert info["data_dir"] == str(tmp_path / "data") and info["store"].startswith("embedded chroma")
    code, out, _ = cli("info", "--json")
    assert json.loads(out)["chunks"] == 3

    code, out, err = cli("ask", QUESTION, "--json")
    assert code == 0, err
    check_answer_json(json.loads(out), QUESTION)


def check_answer_json(ans: dict, question: str):
    assert {"question", "answer", "refused", "mode", "citations", "sentences", "timings_ms"} <= set(ans)
    assert ans["question"] == question and ans["mode"] == "extractive" and isinstance(ans["refused"], bool)
    assert set(ans["timings_ms"]) >= {"retrieve", "generate", "verify", "total"}
    assert all(isinstance(v, (int, float)) and v >= 0 for v in ans["timings_ms"].values())
    assert not ans["refused"] and "Stoltenberg" in ans["answer"]
    assert ans["citations"] and ans["sentences"]
    for c in ans["citations"]:
        assert {"n", "source", "chunk_id", "start", "end", "text", "score"} <= set(c)
        assert c["source"] == "000_e7591c0407e77bf5.txt" and c["end"] - c["start"] == len(c["text"])
        doc = (SEEDS / c["source"]).read_text(encoding="utf-8")
        assert doc[c["start"] : c["end"]] == c["text"]
    ns = {c["n"] for c in ans["citations"]}
    assert ns == set(range(1, len(ns) + 1))
    for s in ans["sentences"]:
        assert {"text", "cites", "supported", "support"} <= set(s)
        assert isinstance(s["cites"], list) and set(s["cites"]) <= ns and isinstance(s["supported"], bool)


def test_real_binary(run_rag, tmp_path):
    """The installed console script: errors, then ingest + ask --json, as a user runs it."""
    res = run_rag("ingest", tmp_path / "missing")
    assert res.returncode == 2 and res.stdout == ""
    assert_one_line_error(res.stderr, "Path not found")
    res = run_rag("ask", QUESTION)
    assert res.returncode == 1
    assert_one_line_error(res.stderr, "run `rag ingest` first")
    res = run_rag("ingest", SEEDS)
    assert res.returncode == 0 and "Indexed 1 file(s)" in res.stdout, res.stderr
    res = run_rag("ask", QUESTION, "--json")
    assert res.returncode == 0, res.stderr
    check_answer_json(json.loads(res.stdout), QUESTION)
    answer = json.loads(res.stdout)["answer"]
    res = run_rag("ask", QUESTION)  # piped: the answer is one line as the JSON has it, not cut at 80 columns
    assert res.returncode == 0 and len(answer) > 80 and res.stdout.splitlines()[0] == answer, res.stdout


def test_chat_warms_the_models_up_while_the_first_question_is_typed(cli, tmp_path, monkeypatch):
    import threading

    from rag import pipeline as P

    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    assert cli("ingest", SEEDS)[0] == 0
    warmed = threading.Event()
    monkeypatch.setattr(P.Pipeline, "warm_up", lambda self: warmed.set())
    monkeypatch.setattr("builtins.input", lambda prompt="": "")  # an empty line quits
    code, _, err = cli("chat")
    assert code == 0, err
    assert warmed.wait(10)


def test_ingest_exit_status_says_whether_what_was_named_was_indexed(cli, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"")
    # a file named on the command line that can't be read fails the run; the good folder beside it is still indexed
    code, out, _ = cli("ingest", docs, bad)
    assert code == 1
    assert "  skipped notes.txt: empty file (0 bytes)" in out.splitlines()
    assert json.loads(cli("info", "--json")[1])["documents"] == 1
    # a folder of nothing readable fails the run too
    pics = tmp_path / "pics"
    pics.mkdir()
    (pics / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    code, out, _ = cli("ingest", pics, "--json")
    assert code == 1 and json.loads(out)["failed"][0]["source"] == "photo.jpg"
    # the same photo inside a folder that also holds documents is reported, and the run succeeds
    shutil.copy(pics / "photo.jpg", docs / "photo.jpg")
    code, out, _ = cli("ingest", docs)
    assert code == 0 and any(ln.startswith("  skipped photo.jpg: unsupported file type") for ln in out.splitlines())


def test_a_mistyped_collection_names_the_ones_there_are(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_COLLECTION", "docs")  # --collection sets it in os.environ: undone after the test, for the next ones
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    assert cli("ingest", docs)[0] == 0
    code, out, err = cli("ask", QUESTION, "--collection", "nosuch")
    assert code == 1
    assert "There is no collection 'nosuch'" in err and "it has 'docs'" in err and "--collection NAME" in err


def test_piped_chat_shows_each_question_in_its_transcript(cli, tmp_path, monkeypatch):
    """Trial 2026-12-07 (D16): with stdin not a terminal, nothing echoed the typed line, so a transcript of
    `rag chat < questions.txt` read as answers only."""
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    assert cli("ingest", SEEDS)[0] == 0
    lines = iter(["Who proposed the new 2030 strategic concept? [not markup]", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, out, err = cli("chat")
    assert code == 0, err
    assert "Who proposed the new 2030 strategic concept? [not markup]" in out
