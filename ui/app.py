"""The Gradio chat UI: `build_app(pipeline, settings) -> gr.Blocks` and `launch(settings)`.

Layout: a sidebar with documents (upload, index list) and answer settings; the
chat in the middle; the sources of each answer on the right, cited sentences
highlighted. Everything goes through the rag package's public API
(`rag.pipeline.build`, `Pipeline.stream/ingest/documents/info`, `rag.errors`).

API endpoints (for gradio_client): `/chat` (question, mode, k, show_unsupported
-> chatbot, sources HTML, cleared textbox, Answer dict; errors raise), `/new_chat`,
`/upload` and `/documents`. The page's own Ask runs `chat_ui`, which shows errors
instead of raising them (a raised gr.Error marks every output of the event failed)
and gives the question box back what was typed; Stop marks the answer stopped.

Conversations: the browser keeps one session id per collection (BrowserState
{collection: id}); the turns live on disk (ui/sessions.py).

Documents and collections: click a row of the documents table to select it, then
re-index it or delete it (after a confirmation); "Delete chat" removes the
conversation from disk; the collection selector switches the knowledge base or
creates one (rag/library.py: deletes wait for answers in flight).

Safe defaults: binds settings.ui_host (127.0.0.1), never shares, analytics off,
optional login from RAG_UI_AUTH=user:password, one queue whose concurrency
limit (RAG_UI_CONCURRENCY) protects the embedder; uploads are ingested one
at a time. Left out: per-user access control, a list of past conversations,
deleting a whole collection from the UI (`rag rm` each document).
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported: launch() would phone home otherwise

import importlib.util
import logging
import re
import secrets
import time
import uuid
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Sequence

import gradio as gr

from rag.errors import ConfigError, IndexNotBuilt, RagError
from rag.library import Collections, check_collection_name
from rag.settings import Settings
from ui import render
from ui.feedback import append_feedback, feedback_record, rating_of
from ui.sessions import SessionStore, new_id, valid_id
from ui.uploads import UploadRejected, save_upload, types_text

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "assets"
NO_DOCS = "No documents yet: upload some or run `rag ingest`."
HISTORY_TURNS = 6  # follow-ups see this many previous exchanges
STREAM_EVERY_S = 0.05  # at most ~20 UI updates per second while tokens stream


def available_modes(settings: Settings) -> list[str]:
    """Answer modes this machine can run: openai needs an endpoint, local needs llama-cpp-python."""
    modes = ["extractive"]
    if settings.openai_api_key or settings.openai_base_url:
        modes.append("openai")
    if importlib.util.find_spec("llama_cpp") is not None:
        modes.append("local")
    return modes


def user_message(e: Exception) -> str:
    return NO_DOCS if isinstance(e, IndexNotBuilt) else str(e)


def ui_text(message: str) -> str:
    """A message for the page, not a terminal: no Markdown backticks (a toast shows them literally), no CLI flags."""
    message = re.sub(r" \(e\.g\. `--collection ([^`]+)`\)", r" (e.g. \1)", message)
    return message.replace("`", "")


def failure_text(reason: str) -> str:
    """A loader's reason without the library's exception text: "corrupt or unreadable PDF (PdfiumError: ...)" ->
    "corrupt or unreadable PDF" (the CLI and the JSON keep the detail)."""
    return re.sub(r" \([A-Za-z.]*(?:Error|Exception)\b.*\)$", "", reason or "").strip() or reason


def crash_text(e: BaseException) -> str:
    short = (str(e).strip().splitlines() or [""])[0][:160] or type(e).__name__
    return f"Something went wrong while answering: {short}. Your question is kept in the box; press Ask to try again."


STOPPED = "the answer was not finished. Your question is back in the box; press Ask to ask it again."


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ConfigError("RAG_UI_AUTH must look like user:password (both non-empty).")
    return user, password


def _secret(settings: Settings) -> str:
    """A per-data-dir key for the encrypted browser state, so sessions survive a server restart."""
    path = settings.data_dir / "ui_secret"
    try:
        return path.read_text().strip()
    except OSError:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(16)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value)
        return value


def _folder(root: str, settings: Settings) -> str:
    return "uploads" if Path(root) == settings.uploads_dir.resolve() else (Path(root).name or root)


def build_app(pipeline, settings: Settings | None = None) -> gr.Blocks:
    settings = settings or pipeline.settings
    sessions = SessionStore(settings.data_dir / "sessions")
    collections = Collections(pipeline)

    def pipe_of(coll):
        return collections.get(coll or settings.collection)

    def lib_of(coll):
        return collections.library(coll or settings.collection)
    modes = available_modes(settings)
    default_mode = settings.resolved_mode() if settings.resolved_mode() in modes else "extractive"

    # --- helpers over the pipeline -------------------------------------------------
    def status_md(coll=None) -> str:
        try:
            info = pipe_of(coll).info()
        except RagError as e:
            return f"**Index unavailable:** {escape(user_message(e))}"
        if not info["documents"]:
            return f"**{NO_DOCS}** (collection {escape(info['collection'])})"
        return (
            f"**{info['documents']} document{'s' if info['documents'] != 1 else ''} · {info['chunks']} chunks** in "
            f"{escape(info['collection'])} · "
            f"embeddings {escape(str(info['embedding_model']))} · {'Chroma server' if settings.chroma_host else 'embedded Chroma'}"
        )

    def doc_rows(coll=None) -> list[list]:
        try:
            docs = pipe_of(coll).documents()
        except RagError:
            return []
        return [[d["source"], _folder(d["root"], settings), d["chunks"] if d["complete"] else f"{d['chunks']} (incomplete: re-ingest)"] for d in docs]

    def fresh(session) -> dict:
        if isinstance(session, dict) and valid_id(session.get("sid")):
            return {"sid": session["sid"], "turns": list(session.get("turns") or [])}
        return {"sid": new_id(), "turns": []}

    def save(session: dict) -> None:
        try:
            sessions.save(session["sid"], session["turns"])
        except OSError as e:  # a full disk must not break the chat
            gr.Warning(f"Could not save the conversation: {e}")

    # --- event handlers -------------------------------------------------------------
    inflight: dict[str, dict] = {}  # session id -> the turn being answered, for Stop

    def chat(question: str, mode: str, k: float, show_unsupported: bool, session, coll, ui: bool = False):
        """Answer with streaming; the streamed draft is replaced by the verified answer.

        The API (`ui=False`) raises every error (gradio_client gets an AppError). The page (`ui=True`) never raises:
        a raised gr.Error would mark every output (chat, sources, JSON, question box) as failed. It says what went
        wrong in a toast (nothing asked) or in the chat (an answer that failed), and gives the question box back
        what was typed."""
        session = fresh(session)
        typed = question or ""
        q = typed.strip()
        try:
            pipe_of(coll).validate(q)
        except RagError as e:
            if not ui:
                raise gr.Error(escape(user_message(e)), title="Nothing to answer")
            gr.Warning(escape(ui_text(user_message(e))), title="Nothing to answer")
            yield gr.skip(), gr.skip(), session, gr.skip(), gr.skip()
            return
        turn = {"id": uuid.uuid4().hex[:12], "question": q, "answer": None, "error": None, "feedback": None,
                "ts": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        # The file is the truth when it exists: two tabs of one browser share a session id and so one conversation.
        turns = sessions.load(session["sid"]) or session["turns"]
        history = [(t["question"], t["answer"]["answer"]) for t in turns if t.get("answer")][-HISTORY_TURNS:]
        if ui:
            inflight[session["sid"]] = {"turn": turn, "typed": typed, "turns": turns}
        yield render.messages(turns, show_unsupported, pending=turn), gr.skip(), session, "", gr.skip()
        text, last, answer = "", 0.0, None
        try:
            for event in lib_of(coll).stream(q, history=history, mode=mode or None, k=int(k) if k else None):
                if isinstance(event, str):
                    text += event
                    if time.monotonic() - last >= STREAM_EVERY_S:
                        last = time.monotonic()
                        yield render.messages(turns, show_unsupported, pending=turn, pending_text=text), gr.skip(), session, "", gr.skip()
                else:
                    answer = event
            if answer is None:
                raise RuntimeError("the pipeline returned no answer")
        except Exception as e:
            if ui and stopped(session["sid"], turn):
                return
            if isinstance(e, RagError):
                turn["error"] = user_message(e)
            else:
                log.exception("answering %r failed", q[:200])
                if not ui:
                    raise
                turn["error"] = crash_text(e)
            inflight.pop(session["sid"], None)
            session = {"sid": session["sid"], "turns": turns + [turn]}
            save(session)
            yield render.messages(session["turns"], show_unsupported), gr.skip(), session, typed if ui else "", None
            if not ui:
                raise gr.Error(escape(turn["error"]))
            return
        if ui and stopped(session["sid"], turn):  # Stop came while the last step ran: its "stopped" turn stands
            return
        inflight.pop(session["sid"], None)
        turn["answer"] = answer.to_dict()
        session = {"sid": session["sid"], "turns": turns + [turn]}
        save(session)
        yield render.messages(session["turns"], show_unsupported), render.sources_html(session["turns"]), session, "", turn["answer"]

    def stopped(sid: str, turn: dict) -> bool:
        job = inflight.get(sid)
        return job is None or job["turn"] is not turn

    def chat_ui(question: str, mode: str, k: float, show_unsupported: bool, session, coll):
        yield from chat(question, mode, k, show_unsupported, session, coll, ui=True)

    def on_stop(session, show_unsupported: bool):
        """Stop: the cancelled answer's bubble says it was stopped (and is kept), and the question goes back to the box."""
        session = fresh(session)
        job = inflight.pop(session["sid"], None)
        if job is None:  # nothing in flight (the answer had finished)
            return gr.skip(), gr.skip(), gr.skip()
        turn = dict(job["turn"], error=STOPPED, stopped=True)
        session = {"sid": session["sid"], "turns": job["turns"] + [turn]}
        save(session)
        return render.messages(session["turns"], show_unsupported), session, job["typed"]

    def chats_of(stored) -> dict:
        """The browser keeps one conversation id per collection: {collection: session id} (an older page kept one id)."""
        if valid_id(stored):
            return {settings.collection: stored}
        return {c: v for c, v in stored.items() if isinstance(c, str) and valid_id(v)} if isinstance(stored, dict) else {}

    def new_chat():
        session = {"sid": new_id(), "turns": []}
        return [], render.EMPTY_SOURCES, session, session["sid"], None

    def new_chat_ui(coll, stored):
        chat_view, panel, session, _, details = new_chat()
        return chat_view, panel, session, {**chats_of(stored), coll or settings.collection: session["sid"]}, details

    def conversation_view(sid, show_unsupported: bool):
        session = {"sid": sid, "turns": sessions.load(sid)}
        liked = [{"up": "Like", "down": "Dislike"}.get(t.get("feedback")) for t in session["turns"]]
        chat_view = gr.Chatbot(value=render.messages(session["turns"], show_unsupported), feedback_value=liked)
        return chat_view, render.sources_html(session["turns"]), session

    def restore(stored, show_unsupported: bool, coll):
        """Page load: bring back this browser's conversation (of this collection) from disk."""
        coll = coll or settings.collection
        chats = chats_of(stored)
        sid = chats.get(coll) or new_id()
        chat_view, panel, session = conversation_view(sid, show_unsupported)
        return chat_view, panel, session, {**chats, coll: sid}, status_md(coll), doc_rows(coll)

    def rerender(show_unsupported: bool, session):
        return render.messages(fresh(session)["turns"], show_unsupported)

    def on_like(session, data: gr.LikeData):
        session = fresh(session)
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        i = int(index) // 2  # every turn is one user + one assistant message
        if not 0 <= i < len(session["turns"]):
            return session
        turn = dict(session["turns"][i])
        turn["feedback"] = rating_of(data.liked)
        append_feedback(settings.feedback_path, feedback_record(turn, turn["feedback"], session["sid"]))
        session["turns"][i] = turn
        save(session)
        return session

    def upload(files, coll, progress=gr.Progress()):
        """Save uploads under the data dir, then ingest them incrementally with progress."""
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in (files or [])]
        if not paths:
            return gr.skip(), gr.skip(), gr.skip(), None
        saved, lines = [], []
        lib = lib_of(coll)
        for p in paths:
            try:
                saved.append(save_upload(p, lib.uploads, settings.upload_max_mb))
            except UploadRejected as e:
                lines.append(f"**Skipped** {escape(Path(p).name)}: {escape(str(e))}")
                gr.Warning(escape(str(e)))
        if saved:
            done = {"files": 0, "total": len(saved)}

            def on_progress(event, **kw):
                if event == "files":
                    done["total"] = kw.get("total") or done["total"]
                elif event == "file":
                    done["files"] += 1
                    progress((done["files"] - 1, done["total"]), desc=f"Embedding {kw.get('name', '')}", unit="files")

            progress(0, desc="Reading files")
            before = {d["source"] for d in doc_rows_raw(coll)}
            try:
                report = lib.ingest(saved, progress=on_progress)
            except RagError as e:
                raise gr.Error(escape(ui_text(user_message(e))))
            chunks = {d["source"]: d["chunks"] for d in doc_rows_raw(coll)}
            for f in report.failed:  # an upload that isn't indexed isn't kept (an earlier version that is indexed stays)
                stored = next((s for s in saved if s.name == Path(f.source).name), None)
                if stored is not None and f.source not in chunks:
                    stored.unlink(missing_ok=True)
            for name in report.indexed:
                again = " (replaces the earlier upload of that name)" if name in before else ""
                lines.append(f"**Indexed** {escape(name)} ({chunks.get(name, '?')} chunks){again}")
            for name in report.unchanged:
                lines.append(f"**Unchanged** {escape(name)} (already indexed)")
            for c in report.copies:  # both stay; retrieval reads the repeated passage once
                lines.append(f"**Same content as** {escape(Path(c['same_as']).name)}: {escape(Path(c['path']).name)} is kept as a second document")
            for f in report.failed:
                lines.append(f"**Could not read** {escape(f.source)}: {escape(failure_text(f.reason))}; it was not kept")
            lines.append(f"{report.total_chunks} chunks in the index · {report.elapsed_s:.1f} s")
            if report.indexed:
                gr.Info(f"Indexed {len(report.indexed)} file(s); ask away.")
        return "\n\n".join(lines), doc_rows(coll), status_md(coll), None

    def upload_starting(files):
        """Clears the last upload's log before the new one's progress is drawn over it."""
        return "Uploading…" if files else gr.skip()

    def doc_rows_raw(coll=None) -> list[dict]:
        try:
            return pipe_of(coll).documents()
        except RagError:
            return []

    def refresh(coll=None):
        return doc_rows(coll), status_md(coll)

    # --- document management and collections ------------------------------------------
    def select_doc(coll, evt: gr.SelectData):
        """A click on a row of the documents table selects that document."""
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        try:
            docs = lib_of(coll).documents()  # same order as the table
        except RagError:
            docs = []
        name = (evt.row_value or [None])[0] if getattr(evt, "row_value", None) else None
        doc = docs[row] if 0 <= row < len(docs) and (name is None or docs[row].source == name) else next((d for d in docs if d.source == name), None)
        if doc is None:
            return None, "Select a document in the table.", gr.update(visible=False)
        return doc.id, f"Selected: **{escape(doc.source)}** ({doc.chunks} chunks)", gr.update(visible=False)

    def ask_delete(doc_id, coll):
        doc = next((d for d in lib_of(coll).documents() if d.id == doc_id), None) if doc_id else None
        if doc is None:
            gr.Warning("Click a document in the table first.")
            return gr.update(visible=False), gr.skip()
        where = "It was uploaded, so its stored copy is deleted too." if doc.uploaded else f"Your file in {escape(doc.root)} is not touched."
        return gr.update(visible=True), f"Delete **{escape(doc.source)}** and its {doc.chunks} chunks from the index? {where}"

    def confirm_delete(doc_id, coll):
        try:
            r = lib_of(coll).delete(doc_id)
        except RagError as e:
            raise gr.Error(escape(user_message(e)))
        gr.Info(f"Deleted {r['source']} ({r['chunks_removed']} chunks).")
        return (gr.update(visible=False), None, "Deleted. Select another document in the table.", doc_rows(coll), status_md(coll),
                "")  # the upload log's chunk count is out of date

    def reindex(doc_id, coll):
        if not doc_id:
            gr.Warning("Click a document in the table first.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            r = lib_of(coll).reindex(doc_id)
        except RagError as e:
            raise gr.Error(escape(user_message(e)))
        gr.Info(f"Re-indexed {r['source']} ({r['chunks']} chunks).")
        return f"Re-indexed **{escape(r['source'])}** ({r['chunks']} chunks)", doc_rows(coll), status_md(coll), ""

    def delete_chat(session, coll, stored):
        sid = session.get("sid") if isinstance(session, dict) else None
        if valid_id(sid):
            sessions.delete(sid)
        gr.Info("Conversation deleted.")
        return (gr.update(visible=False), *new_chat_ui(coll, stored))

    def switch_collection(name, old, session, stored, show_unsupported: bool):
        """Each collection keeps its own conversation: switching away and back brings it back."""
        try:
            name = check_collection_name(name)
            pipe_of(name)
        except RagError as e:
            raise gr.Error(escape(ui_text(str(e))))
        chats = chats_of(stored)
        if isinstance(session, dict) and valid_id(session.get("sid")):
            chats[old or settings.collection] = session["sid"]
        sid = chats.get(name) or new_id()
        chat_view, panel, session = conversation_view(sid, show_unsupported)
        return (name, doc_rows(name), status_md(name), None, "Select a document in the table.", gr.update(visible=False), "",
                chat_view, panel, session, {**chats, name: sid}, None)

    def create_collection(name):
        try:
            name = check_collection_name(name)
        except RagError as e:
            raise gr.Error(escape(ui_text(str(e))), title="Invalid name")
        pipe_of(name)
        return gr.update(choices=collections.names(), value=name), ""

    # --- layout ---------------------------------------------------------------------
    with gr.Blocks(title="rag · grounded answers", analytics_enabled=False, fill_width=True) as demo:
        session = gr.State(None)
        browser_sid = gr.BrowserState(None, storage_key="rag-session", secret=_secret(settings))

        coll = gr.State(settings.collection)
        selected = gr.State(None)

        with gr.Sidebar(open=True, width=400, label="Documents and settings"):
            gr.Markdown("### Knowledge base")
            with gr.Row():
                coll_dd = gr.Dropdown(collections.names(), value=settings.collection, label="Collection", scale=3,
                                      elem_id="rag-collection", interactive=True)
            with gr.Row():
                new_coll = gr.Textbox(placeholder="new collection name", show_label=False, scale=3, elem_id="rag-new-collection")
                create_btn = gr.Button("Create", size="sm", scale=1, elem_id="rag-create-collection")
            gr.Markdown("### Documents")
            # No file_types filter: Gradio would reject another type before upload() runs, in a toast that vanishes;
            # upload() rejects it (uploads.sanitize_filename) and lists it in the upload log with the reason.
            files = gr.File(label="Upload " + types_text(), file_count="multiple",
                            type="filepath", elem_id="rag-upload")
            upload_log = gr.Markdown(elem_id="rag-upload-log")
            docs = gr.Dataframe(headers=["Document", "Folder", "Chunks"], value=[], interactive=False, wrap=True,
                                column_widths=["54%", "24%", "22%"], label="Indexed documents", elem_id="rag-docs")
            selected_md = gr.Markdown("Click a document in the table to select it.", elem_id="rag-selected")
            with gr.Row():
                reindex_btn = gr.Button("Re-index", size="sm", elem_id="rag-reindex")
                delete_btn = gr.Button("Delete…", size="sm", variant="stop", elem_id="rag-delete")
            with gr.Group(visible=False, elem_id="rag-confirm") as confirm_box:
                confirm_md = gr.Markdown(elem_id="rag-confirm-text")
                with gr.Row():
                    confirm_btn = gr.Button("Yes, delete", size="sm", variant="stop", elem_id="rag-confirm-delete")
                    cancel_btn = gr.Button("Cancel", size="sm", elem_id="rag-cancel-delete")
            refresh_btn = gr.Button("Refresh list", size="sm")
            gr.Markdown("### Answers")
            mode = gr.Radio(modes, value=default_mode, label="Answer mode", elem_id="rag-mode",
                            info=None if len(modes) == 3 else _mode_hint(modes))
            k = gr.Slider(1, 20, value=settings.k, step=1, label="Passages to retrieve (k)", elem_id="rag-k")
            show_unsupported = gr.Checkbox(value=not settings.hide_unsupported, label="Show unsupported sentences inline (flagged)",
                                           elem_id="rag-show-unsupported")

        with gr.Row(elem_id="rag-header"):
            gr.Markdown("# rag · answers that cite their sources")
            status = gr.Markdown(elem_id="rag-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chatbot = gr.Chatbot(
                    elem_id="rag-chat", height="68vh", label="Chat", show_label=False, latex_delimiters=[],
                    placeholder="**Ask a question about your documents.**<br>Every sentence of an answer cites the passage it rests on; "
                                "sentences the passages don't support are removed and listed.",
                    buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"),
                )
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask about your documents…", show_label=False, scale=6, lines=1, max_lines=6,
                                          autofocus=True, elem_id="rag-question", submit_btn=False)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                with gr.Row():
                    stop = gr.Button("Stop", size="sm", elem_id="rag-stop")
                    clear = gr.Button("New chat", size="sm", elem_id="rag-new-chat")
                    delete_chat_btn = gr.Button("Delete chat…", size="sm", elem_id="rag-delete-chat")
                with gr.Group(visible=False, elem_id="rag-confirm-chat") as confirm_chat_box:
                    gr.Markdown("Delete this conversation? It is removed from disk and can't be brought back.")
                    with gr.Row():
                        confirm_chat_btn = gr.Button("Yes, delete the chat", size="sm", variant="stop", elem_id="rag-confirm-delete-chat")
                        cancel_chat_btn = gr.Button("Cancel", size="sm", elem_id="rag-cancel-delete-chat")
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### Sources")
                sources = gr.HTML(render.EMPTY_SOURCES, elem_id="rag-sources")
                with gr.Accordion("Answer details (JSON)", open=False):
                    answer_json = gr.JSON(label="Last answer", elem_id="rag-answer-json")

        # --- events -------------------------------------------------------------------
        ask = gr.on(
            triggers=[question.submit, send.click],
            fn=chat_ui,
            inputs=[question, mode, k, show_unsupported, session, coll],
            outputs=[chatbot, sources, session, question, answer_json],
            api_visibility="private",
            concurrency_id="answer",
            show_progress="minimal",
        )
        ask.then(lambda s, c, b: {**chats_of(b), c or settings.collection: s["sid"]} if isinstance(s, dict) else gr.skip(),
                 [session, coll, browser_sid], browser_sid, api_visibility="private", queue=False)
        # The API's endpoints: the same handlers, errors raised (an AppError for gradio_client) instead of shown.
        api_chat = gr.Button(visible=False)
        api_new_chat = gr.Button(visible=False)
        api_chat.click(chat, [question, mode, k, show_unsupported, session, coll], [chatbot, sources, session, question, answer_json],
                       api_name="chat", concurrency_id="answer", show_progress="hidden")
        api_new_chat.click(new_chat, None, [chatbot, sources, session, browser_sid, answer_json], api_name="new_chat", queue=False)
        stop.click(on_stop, [session, show_unsupported], [chatbot, session, question], cancels=[ask], api_visibility="private", queue=False)
        clear.click(new_chat_ui, [coll, browser_sid], [chatbot, sources, session, browser_sid, answer_json], api_visibility="private", queue=False)
        chatbot.clear(new_chat_ui, [coll, browser_sid], [chatbot, sources, session, browser_sid, answer_json], api_visibility="private", queue=False)
        chatbot.like(on_like, [session], [session], api_visibility="private", queue=False)
        show_unsupported.change(rerender, [show_unsupported, session], [chatbot], api_visibility="private", queue=False)
        files.upload(upload_starting, [files], [upload_log], api_visibility="private", queue=False, show_progress="hidden").then(
            upload, [files, coll], [upload_log, docs, status, files], api_name="upload", concurrency_limit=1,
            concurrency_id="ingest", show_progress_on=[upload_log])
        refresh_btn.click(refresh, [coll], [docs, status], api_name="documents", queue=False)
        demo.load(restore, [browser_sid, show_unsupported, coll], [chatbot, sources, session, browser_sid, status, docs],
                  api_visibility="private", queue=False)
        chat_outputs = [chatbot, sources, session, browser_sid, answer_json]
        docs.select(select_doc, [coll], [selected, selected_md, confirm_box], api_visibility="private", queue=False)
        delete_btn.click(ask_delete, [selected, coll], [confirm_box, confirm_md], api_visibility="private", queue=False)
        cancel_btn.click(lambda: gr.update(visible=False), None, [confirm_box], api_visibility="private", queue=False)
        confirm_btn.click(confirm_delete, [selected, coll], [confirm_box, selected, selected_md, docs, status, upload_log],
                          api_visibility="private", concurrency_id="ingest", concurrency_limit=1)
        reindex_btn.click(reindex, [selected, coll], [selected_md, docs, status, upload_log], api_visibility="private",
                          concurrency_id="ingest", concurrency_limit=1)
        delete_chat_btn.click(lambda: gr.update(visible=True), None, [confirm_chat_box], api_visibility="private", queue=False)
        cancel_chat_btn.click(lambda: gr.update(visible=False), None, [confirm_chat_box], api_visibility="private", queue=False)
        confirm_chat_btn.click(delete_chat, [session, coll, browser_sid], [confirm_chat_box, *chat_outputs], api_visibility="private", queue=False)
        coll_dd.change(switch_collection, [coll_dd, coll, session, browser_sid, show_unsupported],
                       [coll, docs, status, selected, selected_md, confirm_box, upload_log, *chat_outputs],
                       api_visibility="private", queue=False)
        create_btn.click(create_collection, [new_coll], [coll_dd, new_coll], api_visibility="private")
        new_coll.submit(create_collection, [new_coll], [coll_dd, new_coll], api_visibility="private")

    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=max(64, settings.ui_concurrency * 16))
    return demo


def _mode_hint(modes: Sequence[str]) -> str:
    hints = []
    if "openai" not in modes:
        hints.append("openai: set OPENAI_API_KEY or OPENAI_BASE_URL")
    if "local" not in modes:
        hints.append("local: `make local` (llama-cpp-python)")
    return "; ".join(hints)


def launch_options(settings: Settings) -> dict:
    """Keyword arguments for `Blocks.launch`: safe defaults plus our CSS and click-to-source script."""
    return dict(
        server_name=settings.ui_host,
        server_port=settings.ui_port,
        share=False,
        auth=parse_auth(settings.ui_auth),
        auth_message="Log in with the user and password from RAG_UI_AUTH." if settings.ui_auth else None,
        max_file_size=int(settings.upload_max_mb * 1e6),
        css=(ASSETS / "app.css").read_text(encoding="utf-8"),
        head=f"<script>{(ASSETS / 'app.js').read_text(encoding='utf-8')}</script>",
        footer_links=["api"],
        run_history=False,  # would keep another copy of every answer in the browser
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        show_error=True,
    )


def serve(demo: gr.Blocks, settings: Settings, **overrides):
    """Start `demo` with `launch_options(settings)`; overrides win (tests pass prevent_thread_lock, server_port)."""
    return demo.launch(**{**launch_options(settings), **overrides})


def launch(settings: Settings, ingest_paths: Sequence[str | Path] = (), pipeline=None, **overrides):
    """`rag ui`: build the pipeline, optionally ingest, then serve until interrupted."""
    from rag.pipeline import build, warm_up_in_background

    parse_auth(settings.ui_auth)  # fail before loading models
    pipe = pipeline or build(settings)
    if ingest_paths:
        report = pipe.ingest(list(ingest_paths))
        print(f"Indexed {len(report.indexed)} file(s), {len(report.unchanged)} unchanged, {len(report.failed)} failed; "
              f"{report.total_chunks} chunks in the index.")
    warm_up_in_background(pipe)  # the models load while the page opens, not on the first question
    demo = build_app(pipe, settings)
    return serve(demo, settings, **overrides)
