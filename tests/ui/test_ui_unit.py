"""Fast UI tests: upload sanitising and limits, feedback JSONL, session files, HTML rendering, launch defaults.

Real pipeline objects over the hash embedder and real Chroma in tmp dirs; no browser.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import Settings
from ui import render
from ui.app import NO_DOCS, available_modes, launch_options, parse_auth
from ui.feedback import append_feedback, feedback_record, rating_of
from ui.sessions import SessionStore, new_id, valid_id
from ui.uploads import UploadRejected, sanitize_filename, save_upload

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


# --- uploads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        ("notes.md", "notes.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.MD", "evil.md"),
        ("/abs/path/report.PDF", "report.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("My Notes (v2).docx", "My_Notes_v2.docx"),
        ("Café crème.html", "Cafe_creme.html"),
        ("..txt", "upload.txt"),
        ("a\x00b.txt", "ab.txt"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_sanitize_filename(given, expected):
    assert sanitize_filename(given) == expected


@pytest.mark.parametrize("name", ["run.sh", "archive.tar.gz", "noext", "../../.bashrc", ""])
def test_sanitize_rejects_unsupported_types(name):
    with pytest.raises(UploadRejected, match="unsupported file type"):
        sanitize_filename(name)


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / "incoming" / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_upload_cannot_escape_the_uploads_dir(tmp_path):
    uploads = tmp_path / "data" / "uploads"
    src = _file(tmp_path, "x.txt", b"hello world")
    for evil in ["../../../escaped.txt", "..%2f..%2fescaped.txt", "/tmp/escaped.txt", "..\\escaped.txt"]:
        stored = save_upload(src, uploads, max_mb=1, original_name=evil)
        assert stored.resolve().parent == uploads.resolve(), evil
        assert stored.read_bytes() == b"hello world"
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "data" / "escaped.txt").exists()
    assert sorted(p.name for p in uploads.iterdir()) == ["2f._2fescaped.txt", "escaped.txt"]


def test_upload_replaces_a_planted_symlink_instead_of_following_it(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    os.symlink(outside, uploads / "notes.txt")
    stored = save_upload(_file(tmp_path, "notes.txt", b"new content"), uploads, max_mb=1)
    assert outside.read_text() == "precious"
    assert not stored.is_symlink() and stored.read_bytes() == b"new content"


def test_upload_size_limit_and_empty_files(tmp_path):
    uploads = tmp_path / "uploads"
    big = _file(tmp_path, "big.txt", b"a" * 1_500_001)
    with pytest.raises(UploadRejected, match=r"1\.5 MB; the upload limit is 1 MB \(RAG_UPLOAD_MAX_MB\)"):
        save_upload(big, uploads, max_mb=1)
    assert not uploads.exists() or not any(uploads.iterdir())
    assert save_upload(big, uploads, max_mb=2).stat().st_size == 1_500_001
    with pytest.raises(UploadRejected, match="empty"):
        save_upload(_file(tmp_path, "empty.md", b""), uploads, max_mb=1)


def test_same_name_upload_replaces_the_earlier_version_without_temp_leftovers(tmp_path):
    uploads = tmp_path / "uploads"
    save_upload(_file(tmp_path, "a.txt", b"one"), uploads, max_mb=1)
    save_upload(_file(tmp_path, "a.txt", b"two"), uploads, max_mb=1)
    assert [p.name for p in uploads.iterdir()] == ["a.txt"]
    assert (uploads / "a.txt").read_bytes() == b"two"


# --- feedback -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hash_pipeline(tmp_path_factory):
    from rag.pipeline import build

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui_unit"), embedder="hash", mode="extractive")
    pipe = build(settings)
    pipe.ingest([SEEDS])
    return pipe


def test_feedback_jsonl_records_question_answer_and_citations(hash_pipeline, tmp_path):
    answer = hash_pipeline.ask("Who proposed the new 2030 strategic concept?")
    assert not answer.refused and answer.citations
    turn = {"id": "t1", "question": answer.question, "answer": answer.to_dict()}
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, feedback_record(turn, rating_of("Like"), "s1"))
    append_feedback(path, feedback_record(turn, rating_of(False), "s1"))
    append_feedback(path, feedback_record(turn, rating_of(None), "s1"))
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["rating"] for r in rows] == ["up", "down", None]
    r = rows[0]
    assert r["question"] == "Who proposed the new 2030 strategic concept?"
    assert r["answer"] == answer.answer and r["session"] == "s1" and r["turn"] == "t1" and r["mode"] == "extractive"
    assert [c["source"] for c in r["citations"]] == [c.source for c in answer.citations]
    c0 = answer.citations[0]
    assert r["citations"][0]["text"] == c0.text and r["citations"][0]["start"] == c0.start
    assert r["citations"][0]["highlights"] == [list(h) for h in c0.highlights]


def test_feedback_lines_do_not_interleave_under_concurrency(tmp_path):
    path = tmp_path / "fb" / "feedback.jsonl"
    turn = {"id": "t", "question": "q " * 500, "answer": {"answer": "a " * 2000, "citations": []}}

    def worker(i):
        for _ in range(25):
            append_feedback(path, feedback_record(turn, "up", f"s{i}"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 200 and {r["session"] for r in rows} == {f"s{i}" for i in range(8)}


# --- sessions -------------------------------------------------------------------------


def test_sessions_round_trip_and_reject_forged_ids(tmp_path):
    store = SessionStore(tmp_path / "sessions")
    sid = new_id()
    turns = [{"id": "a", "question": "q?", "answer": None, "error": "boom"}]
    store.save(sid, turns)
    assert store.load(sid) == turns
    assert store.load(new_id()) == []
    for forged in ["../../etc/passwd", "A" * 32, "", None, 42]:
        assert not valid_id(forged)
        assert store.load(forged) == []
    with pytest.raises(ValueError):
        store.save("../escape", turns)
    (tmp_path / "sessions" / f"{sid}.json").write_text("{not json")
    assert store.load(sid) == []


# --- rendering --------------------------------------------------------------------------


def _answer(**kw) -> dict:
    base = {"question": "q", "answer": "", "refused": False, "mode": "extractive", "citations": [], "sentences": [],
            "timings_ms": {"retrieve": 12.3, "generate": 4.0, "verify": 30.0}, "notes": []}
    base.update(kw)
    return base


def test_highlight_is_passage_relative_merged_and_escaped():
    text = "Alpha <b>beta</b>. Gamma delta. Epsilon."
    html = render.highlighted(text, 100, [(100, 118), (110, 131), (500, 510)])
    assert html.count("<mark") == 1
    assert "<mark class=\"rag-hl\">Alpha &lt;b&gt;beta&lt;/b&gt;. Gamma delta.</mark> Epsilon." == html


def test_refused_answer_has_its_own_style_and_lists_removed_sentences():
    a = _answer(answer="I couldn't find this in the documents.", refused=True,
                sentences=[{"text": "Made up.", "cites": [], "supported": False, "support": 0.1, "shown": False}],
                notes=["no sentence of the answer is supported by the sources"])
    html = render.answer_html({"id": "t1", "question": "q", "answer": a})
    assert 'class="rag-answer rag-refused"' in html and "rag-ok" not in html
    assert "1 unsupported sentence removed" in html and "Made up." in html
    assert "retrieve 12 ms" in html and "generate 4 ms" in html and "verify 30 ms" in html


def test_unsupported_sentences_are_folded_or_flagged_and_citations_link_to_cards():
    sentences = [
        {"text": "NATO met in Brussels.", "cites": [1], "supported": True, "support": 0.9, "shown": True},
        {"text": "It was <sunny>.", "cites": [], "supported": False, "support": 0.1, "shown": False},
        {"text": "Spending rose.", "cites": [], "supported": False, "support": 0.2, "shown": False},
    ]
    turn = {"id": "abc", "question": "q", "answer": _answer(answer="NATO met in Brussels. [1]", sentences=sentences,
                                                            citations=[{"n": 1, "source": "a.txt"}])}
    folded = render.answer_html(turn, show_unsupported=False)
    assert '<a class="rag-cite" href="#rag-src-abc-1" title="a.txt">[1]</a>' in folded
    assert "2 unsupported sentences removed" in folded and "rag-unsupported" not in folded
    assert "It was &lt;sunny&gt;." in folded and "<sunny>" not in folded
    flagged = render.answer_html(turn, show_unsupported=True)
    assert flagged.count('class="rag-unsupported"') == 2 and "2 unsupported sentences flagged" in flagged


def test_sources_panel_escapes_hostile_documents_and_gives_cards_ids():
    text = "<script>alert(1)</script> The cited sentence is here."
    c = {"n": 1, "source": "<img src=x onerror=alert(1)>.txt", "start": 10, "end": 10 + len(text), "page": 3, "score": 0.5,
         "text": text, "highlights": [[10 + text.index("The"), 10 + len(text)]], "title": "", "section": "2 <b>Setup</b> › 2.4 Notes"}
    turn = {"id": "t9", "question": "<b>q</b>", "answer": _answer(answer="x [1]", citations=[c])}
    html = render.sources_html([turn])
    assert "<script>" not in html and "<img" not in html and "<b>q</b>" not in html
    assert 'id="rag-src-t9-1"' in html and "p. 3 · 2 &lt;b&gt;Setup&lt;/b&gt; › 2.4 Notes · chars 10–63" in html
    assert '<mark class="rag-hl">The cited sentence is here.</mark>' in html


def test_messages_pair_every_question_with_one_answer():
    turns = [{"id": "a", "question": "q1", "answer": _answer(answer="x")}, {"id": "b", "question": "q2", "error": NO_DOCS}]
    msgs = render.messages(turns, pending={"id": "c", "question": "q3"}, pending_text="partial [1]")
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 3
    assert "rag-error" in msgs[3]["content"] and "upload some or run rag ingest." in msgs[3]["content"]  # no backticks shown
    assert "`" not in msgs[3]["content"]
    assert "rag-streaming" in msgs[5]["content"] and "partial [1]" in msgs[5]["content"]


# --- settings and launch defaults ---------------------------------------------------------


def test_launch_defaults_are_safe(tmp_path):
    opts = launch_options(Settings(data_dir=tmp_path, upload_max_mb=3))
    assert opts["server_name"] == "127.0.0.1" and opts["server_port"] == 7860
    assert opts["share"] is False and opts["auth"] is None and opts["max_file_size"] == 3_000_000
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert "rag-cite" in opts["head"] and ".rag-refused" in opts["css"]


def test_auth_parsing():
    assert parse_auth("alice:s3cr:et") == ("alice", "s3cr:et")
    assert parse_auth(None) is None
    for bad in ["alice", ":pw", "alice:"]:
        with pytest.raises(ConfigError, match="user:password"):
            parse_auth(bad)


def test_modes_offered_only_when_available(tmp_path, monkeypatch):
    import importlib.util

    have_llama = importlib.util.find_spec("llama_cpp") is not None
    plain = Settings(data_dir=tmp_path, openai_api_key=None, openai_base_url=None)
    assert available_modes(plain) == ["extractive"] + (["local"] if have_llama else [])
    endpoint = Settings(data_dir=tmp_path, openai_base_url="http://127.0.0.1:9/v1")
    assert "openai" in available_modes(endpoint)


def test_launch_loads_the_models_in_the_background_while_the_page_opens(tmp_path, monkeypatch):
    """`rag ui` starts serving at once and warms the pipeline up (embedder + reader) beside it."""
    import ui.app as A
    from rag.pipeline import build
    from rag.reader import LexicalSpanReader

    class LoadingSpan(LexicalSpanReader):
        def __init__(self):
            self.loaded = threading.Event()

        def load(self):
            self.loaded.set()
            return self

    span = LoadingSpan()
    pipe = build(Settings(data_dir=tmp_path, embedder="hash", mode="extractive", reader="span"), span=span)
    served = []
    monkeypatch.setattr(A, "serve", lambda demo, settings, **kw: served.append(demo))
    A.launch(pipe.settings, pipeline=pipe)
    assert served and span.loaded.wait(10)
