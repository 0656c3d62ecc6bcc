"""The chat UI's event handlers called directly (no server, no browser): errors, Stop, the question box, uploads,
collections. Real pipeline over the hash embedder, real Chroma in tmp dirs.

Handlers are the functions `build_app` registers; `handler(demo, name)` finds one by its function name.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import pytest

from rag.settings import Settings
from ui import render
from ui.app import build_app, crash_text, failure_text, ui_text
from ui.uploads import ALLOWED, UploadRejected, sanitize_filename, types_text

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "Who proposed the new 2030 strategic concept?"


def handler(demo, name):
    fns = [f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name]
    assert fns, name
    return fns[0]


def run(gen) -> list:
    """Every update a generator handler yields."""
    return list(gen)


@pytest.fixture
def app(tmp_path):
    from rag.pipeline import build

    settings = Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive")
    pipe = build(settings)
    pipe.ingest([SEEDS])
    return build_app(pipe, settings), pipe, settings


def test_an_unexpected_exception_is_logged_shown_in_the_chat_and_keeps_the_question(app, monkeypatch, caplog):
    demo, pipe, settings = app
    from rag.library import Library

    def boom(self, *a, **kw):
        yield "A draft"
        raise KeyError("c245c6118fb3f96f0791")

    monkeypatch.setattr(Library, "stream", boom)
    chat_ui = handler(demo, "chat_ui")
    typed = "  Which option sorts the keys?  "
    updates = run(chat_ui(typed, "extractive", 5, False, None, settings.collection))  # does not raise: no "Error" badges
    messages, sources, session, box, details = updates[-1]
    assert box == typed  # nothing typed is lost
    assert sources == gr.skip()  # the sources panel is left alone
    last = messages[-1]["content"]
    assert "rag-error" in last and "Something went wrong while answering" in last and "try again" in last
    assert "c245c6118fb3f96f0791" in last
    assert "answering" in caplog.text and "KeyError" in caplog.text  # logged with its traceback
    assert session["turns"][-1]["error"] == crash_text(KeyError("c245c6118fb3f96f0791"))
    # the API keeps raising, so gradio_client gets an error rather than a message that looks like an answer
    with pytest.raises(KeyError):
        run(handler(demo, "chat")(typed, "extractive", 5, False, None, settings.collection))


def test_errors_before_answering_are_a_toast_and_leave_every_output_alone(app):
    demo, _, settings = app
    chat_ui = handler(demo, "chat_ui")
    long = "why " * 1000
    with pytest.warns(UserWarning, match="limit is 2000"):  # gr.Warning outside a request is a Python warning
        updates = run(chat_ui(long, "extractive", 5, False, None, settings.collection))
    assert len(updates) == 1
    messages, sources, _, box, details = updates[0]
    for out in (messages, sources, box, details):  # the chat, sources, question box and JSON keep what they had
        assert out == gr.skip()


def test_no_documents_error_in_the_chat_keeps_the_question_and_has_no_backticks(tmp_path):
    from rag.pipeline import build

    settings = Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive")
    demo = build_app(build(settings), settings)
    updates = run(handler(demo, "chat_ui")("What is JSON?", "extractive", 5, False, None, settings.collection))
    messages, _, _, box, _ = updates[-1]
    assert box == "What is JSON?"
    assert "No documents yet" in messages[-1]["content"] and "`" not in messages[-1]["content"]


def test_stop_marks_the_bubble_stopped_and_gives_the_question_back(app):
    demo, _, settings = app
    chat_ui, on_stop = handler(demo, "chat_ui"), handler(demo, "on_stop")
    gen = chat_ui("Who proposed it?", "extractive", 5, False, None, settings.collection)
    messages, _, session, box, _ = next(gen)  # the draft bubble is on screen ...
    assert "searching your documents" in messages[-1]["content"] and box == ""
    gen.close()  # ... and Stop cancels the event
    messages, session2, box = on_stop(session, False)
    assert box == "Who proposed it?"
    assert "rag-stopped" in messages[-1]["content"] and "searching" not in messages[-1]["content"]
    assert session2["turns"][-1]["stopped"] is True
    assert on_stop(session2, False) == (gr.skip(),) * 3  # a second Stop (nothing in flight) changes nothing


def test_stop_after_the_answer_finished_changes_nothing(app):
    demo, _, settings = app
    updates = run(handler(demo, "chat_ui")(QUESTION, "extractive", 5, False, None, settings.collection))
    session = updates[-1][2]
    assert handler(demo, "on_stop")(session, False) == (gr.skip(),) * 3


def test_the_question_is_shown_as_typed_not_as_html():
    html = render.question_html("<script>alert('x')</script><b>bold</b> <img src=x onerror=alert(1)> What does <Directory> do? *x*")
    assert "<b>" not in html and "<img" not in html and "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "&lt;Directory&gt;" in html and "*x*" in html
    msgs = render.messages([{"id": "a", "question": "<b>q</b>", "error": "x"}])
    assert msgs[0]["content"] == '<div class="rag-question">&lt;b&gt;q&lt;/b&gt;</div>'
    assert "\n\n" not in render.question_html("one\n\n\ntwo")  # a blank line would end the HTML block


def test_ui_wording():
    assert ui_text("No documents yet: upload some or run `rag ingest`.") == "No documents yet: upload some or run rag ingest."
    named = ui_text("Invalid collection name 'a': use 3-63 characters (e.g. `--collection team-notes`).")
    assert "--collection" not in named and "`" not in named and "team-notes" in named
    assert failure_text("corrupt or unreadable PDF (PdfiumError: Failed to load document (PDFium: Data format error))") == "corrupt or unreadable PDF"
    assert failure_text("file is empty") == "file is empty"
    with pytest.raises(UploadRejected) as e:
        sanitize_filename("weird.xyz")
    assert types_text() in str(e.value) and all(ext in types_text() for ext in ALLOWED)


def test_upload_log_lists_rejects_and_an_unreadable_upload_is_not_kept(app, tmp_path):
    demo, pipe, settings = app
    upload = handler(demo, "upload")
    fake = tmp_path / "in" / "fake.pdf"
    fake.parent.mkdir()
    fake.write_text("this is not a PDF")
    weird = tmp_path / "in" / "weird.xyz"
    weird.write_bytes(b"\x00\x01")
    with pytest.warns(UserWarning):
        log, *_ = upload([str(fake), str(weird)], settings.collection, progress=lambda *a, **k: None)
    assert "**Skipped** weird.xyz: unsupported file type" in log
    assert "**Could not read** fake.pdf: corrupt or unreadable PDF; it was not kept" in log and "Pdfium" not in log
    assert not (settings.uploads_dir / "fake.pdf").exists()


def test_delete_and_switching_collection_clear_the_stale_upload_log_and_conversations_are_kept_per_collection(app):
    demo, pipe, settings = app
    chat_ui, switch = handler(demo, "chat_ui"), handler(demo, "switch_collection")
    session = run(chat_ui(QUESTION, "extractive", 5, False, None, settings.collection))[-1][2]
    stored = {settings.collection: session["sid"]}
    out = switch("team-notes", settings.collection, session, stored, False)
    assert out[0] == "team-notes" and out[6] == ""  # the upload log of the other collection is cleared
    chat_view, panel, other, stored = out[7], out[8], out[9], out[10]
    assert other["turns"] == [] and other["sid"] != session["sid"]
    back = switch(settings.collection, "team-notes", other, stored, False)
    assert back[9]["sid"] == session["sid"] and len(back[9]["turns"]) == 1  # the conversation is back
    assert QUESTION in str(back[7].value)


def test_an_answer_that_finishes_after_stop_does_not_overwrite_the_stopped_turn(app):
    demo, _, settings = app
    chat_ui, on_stop = handler(demo, "chat_ui"), handler(demo, "on_stop")
    gen = chat_ui(QUESTION, "extractive", 5, False, None, settings.collection)
    _, _, session, _, _ = next(gen)
    on_stop(session, False)  # Stop, while the worker thread is still computing the answer
    rest = list(gen)  # drafts already on their way may still come; the late final answer is neither shown nor saved
    assert all(update[4] == gr.skip() and "rag-ok" not in str(update[0]) for update in rest)
    from ui.sessions import SessionStore

    turns = SessionStore(settings.data_dir / "sessions").load(session["sid"])
    assert len(turns) == 1 and turns[0]["stopped"] is True


def test_a_changed_file_uploaded_under_the_same_name_says_it_replaces_the_earlier_one(app, tmp_path):
    demo, _, settings = app
    upload = handler(demo, "upload")
    note = tmp_path / "in" / "ferry.md"
    note.parent.mkdir()
    note.write_text("# Ferry\n\nThe ferry leaves at nine.\n")
    log, *_ = upload([str(note)], settings.collection, progress=lambda *a, **k: None)
    assert "**Indexed** ferry.md" in log and "replaces" not in log
    note.write_text("# Ferry\n\nThe ferry leaves at ten.\n")
    log, *_ = upload([str(note)], settings.collection, progress=lambda *a, **k: None)
    assert "replaces the earlier upload of that name" in log
