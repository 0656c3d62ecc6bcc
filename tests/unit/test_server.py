"""The HTTP API at the wire level (httpx against a real uvicorn on a free loopback port).

Hash embedder and seeds/ for speed; the real `openai` client against `rag serve` with MiniLM
is in tests/integration/test_api_openai.py. Every error is checked for OpenAI's error shape,
a message that says the fix, and no traceback.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
QUESTION = "Who proposed the new 2030 strategic concept?"
KEY = "test-key-123"


class LiveServer:
    def __init__(self, pipeline, port: int, api_key=None):
        import uvicorn

        from rag.server import create_app

        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(pipeline, api_key=api_key), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)

    def close(self):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def api(pipeline, free_port):
    pipeline.ingest([SEEDS])
    srv = LiveServer(pipeline, free_port(), api_key=KEY)
    client = httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    client.pipeline = pipeline
    yield client
    client.close()
    srv.close()


def assert_error(r: httpx.Response, status: int, code: str, *words: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"message", "type", "code"} <= set(body["error"]), body
    assert body["error"]["code"] == code, body
    msg = body["error"]["message"]
    for w in words:
        assert w in msg, msg
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


def chat_body(content: str, **kw) -> dict:
    return {"model": "rag", "messages": [{"role": "user", "content": content}], **kw}


def test_chat_completion_has_openai_shape_citations_and_markers(api):
    r = api.post("/v1/chat/completions", json=chat_body(QUESTION))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "rag"
    text = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["message"]["role"] == "assistant" and body["choices"][0]["finish_reason"] == "stop"
    assert "Stoltenberg" in text and "[1]" in text and body["refused"] is False
    # The same citation objects as `rag ask --json`.
    ask = api.post("/v1/ask", json={"question": QUESTION}).json()
    assert body["citations"] == ask["citations"] and ask["answer"] == text
    c = body["citations"][0]
    assert {"n", "source", "chunk_id", "start", "end", "text", "score", "highlights"} <= set(c)


def test_streaming_is_sse_chunks_that_reassemble_and_end_with_done(api):
    with api.stream("POST", "/v1/chat/completions", json=chat_body(QUESTION, stream=True)) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[len("data: "):]) for line in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    final = api.post("/v1/chat/completions", json=chat_body(QUESTION)).json()
    assert text == final["choices"][0]["message"]["content"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"] == final["citations"]
    assert len(chunks) > 3  # really split into deltas


def test_models_lists_only_what_can_run(api):
    ids = [m["id"] for m in api.get("/v1/models").json()["data"]]
    assert ids[:2] == ["rag", "rag-extractive"] and "rag-openai" not in ids  # no OPENAI_* endpoint in tests
    assert_error(api.post("/v1/chat/completions", json={**chat_body(QUESTION), "model": "rag-openai"}), 404, "model_not_found", "OPENAI_BASE_URL")
    assert_error(api.post("/v1/chat/completions", json={**chat_body(QUESTION), "model": "gpt-4"}), 404, "model_not_found", "rag-extractive")


def test_auth_errors_are_401_in_openai_shape_and_healthz_is_open(api):
    url = str(api.base_url).rstrip("/") + "/"
    assert_error(httpx.get(f"{url}v1/models"), 401, "invalid_api_key", "Bearer")
    r = httpx.post(f"{url}v1/chat/completions", json=chat_body(QUESTION), headers={"Authorization": "Bearer nope"})
    assert_error(r, 401, "invalid_api_key", "wrong")
    assert r.headers["www-authenticate"] == "Bearer"
    r = httpx.get(f"{url}v1/models", headers={"Authorization": "Basic dXNlcjpwYXNz"})  # curl -u user:pass
    assert_error(r, 401, "invalid_api_key", "uses the Basic scheme, not Bearer")
    for path in ("v1/documents", "v1/ask"):
        assert httpx.request("GET" if path == "v1/documents" else "POST", f"{url}{path}", json={}).status_code == 401
    h = httpx.get(f"{url}healthz").json()
    assert h["status"] == "ok" and h["index"] == "reachable" and h["model_loaded"] is True and h["chunks"] == 3


@pytest.mark.parametrize(
    "send, status, code, words",
    [
        (dict(content=b"{not json"), 400, "invalid_json", ["not valid JSON"]),
        (dict(json={"model": "rag"}), 422, "invalid_request", ["messages", "Field required", '"role": "user"']),
        (dict(json={"model": "rag", "messages": []}), 422, "invalid_request", ["messages"]),
        (dict(json={"model": "rag", "messages": [{"role": "wizard", "content": "x"}]}), 422, "invalid_request", ["role"]),
        (dict(json=chat_body("   ")), 400, "empty_question", ["empty"]),
        (dict(json=chat_body("why " * 600)), 400, "question_too_long", ["limit", "Shorten"]),
        (dict(json={"model": "rag", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}),
         400, "no_user_message", ["last message"]),
    ],
)
def test_chat_errors_say_the_fix(api, send, status, code, words):
    assert_error(api.post("/v1/chat/completions", **send), status, code, *words)


def test_curl_style_form_encoded_json_is_accepted(api):
    r = api.post("/v1/ask", content=json.dumps({"question": QUESTION}), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and "Stoltenberg" in r.json()["answer"]


def test_ask_errors(api):
    assert_error(api.post("/v1/ask", json={"q": QUESTION}), 422, "invalid_request", "question", '{"question"')
    assert_error(api.post("/v1/ask", json={"question": ""}), 400, "empty_question")
    assert_error(api.post("/v1/ask", json={"question": QUESTION, "mode": "openai"}), 404, "model_not_found")
    assert_error(api.get("/v1/nowhere"), 404, "not_found", "/v1/chat/completions")
    assert_error(api.put("/v1/ask", json={}), 405, "method_not_allowed", "use POST")
    assert_error(api.get("/v1/chat/completions"), 405, "method_not_allowed", "use POST")  # trial: it said no fix


def test_no_documents_in_another_collection_names_it_in_the_fix(settings, free_port):
    """Trial: `rag serve --collection emptyone` answered "run `rag ingest PATH` first", which fills `docs`, not it."""
    from rag.pipeline import build

    srv = LiveServer(build(settings.model_copy(update={"collection": "emptyone"})), free_port())
    try:
        assert_error(httpx.post(srv.url + "/v1/ask", json={"question": QUESTION}, timeout=30), 409, "no_documents",
                     "rag ingest PATH --collection emptyone")
    finally:
        srv.close()


def test_no_documents_is_409_with_the_fix(pipeline, free_port):
    srv = LiveServer(pipeline, free_port())  # nothing ingested, no key: open on loopback
    try:
        for path, body in (("/v1/chat/completions", chat_body(QUESTION)), ("/v1/ask", {"question": QUESTION})):
            assert_error(httpx.post(srv.url + path, json=body, timeout=30), 409, "no_documents", "rag ingest")
        # streaming requests get the status code too: the check runs before the stream starts
        assert_error(httpx.post(srv.url + "/v1/chat/completions", json=chat_body(QUESTION, stream=True), timeout=30), 409, "no_documents")
        assert httpx.get(srv.url + "/v1/documents").json()["data"] == []
    finally:
        srv.close()


def test_refusal_is_a_normal_answer_with_refused_true(api):
    body = api.post("/v1/chat/completions", json=chat_body("Who won the 2018 FIFA World Cup?")).json()
    assert body["refused"] is True and body["citations"] == []
    assert body["choices"][0]["message"]["content"] == "I couldn't find this in the documents."


def test_upload_then_ask_then_delete_removes_chunks_bm25_and_file(api, tmp_path):
    doc = tmp_path / "Marrow Island (notes).md"
    doc.write_text("# Marrow Island\n\nThe Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill.\n")
    with doc.open("rb") as f:
        r = api.post("/v1/documents", files={"file": (doc.name, f, "text/markdown")})
    assert r.status_code == 201, r.text
    [info] = r.json()["data"]
    assert info["source"] == "Marrow_Island_notes.md" and info["uploaded"] and info["chunks"] >= 1 and info["status"] == "indexed"
    stored = Path(info["path"])
    assert stored.is_file()
    listed = api.get("/v1/documents").json()["data"]
    assert {d["id"] for d in listed} >= {info["id"]} and len(listed) == 2

    ans = api.post("/v1/ask", json={"question": "Who built the Zorblax lighthouse?"}).json()
    assert "Ada Quill" in ans["answer"] and ans["citations"][0]["source"] == "Marrow_Island_notes.md"

    r = api.delete(f"/v1/documents/{info['id']}")
    assert r.status_code == 200 and r.json() == {"id": info["id"], "source": info["source"], "deleted": True,
                                                 "chunks_removed": info["chunks"], "file_removed": True}
    assert not stored.exists()
    assert [d["source"] for d in api.get("/v1/documents").json()["data"]] == ["000_e7591c0407e77bf5.txt"]
    # BM25 forgot it too: its unique word retrieves nothing.
    assert all(h.chunk.source != info["source"] for h in api.pipeline.retriever.sparse.retrieve("Zorblax Quill", 20))
    ans = api.post("/v1/ask", json={"question": "Who built the Zorblax lighthouse?"}).json()
    assert all(c["source"] != info["source"] for c in ans["citations"])
    assert_error(api.delete(f"/v1/documents/{info['id']}"), 404, "document_not_found", "GET /v1/documents")
    assert_error(api.delete("/v1/documents/../../etc"), 404, "not_found")


def test_upload_of_the_same_bytes_under_another_name_reports_the_copy(api):
    body = b"The harbour board met on 3 May and approved the new breakwater.\n"
    assert api.post("/v1/documents", files={"file": ("minutes.txt", body, "text/plain")}).status_code == 201
    r = api.post("/v1/documents", files={"file": ("minutes-copy.txt", body, "text/plain")})
    assert r.status_code == 201, r.text
    [copy] = r.json()["report"]["copies"]
    assert copy["path"].endswith("minutes-copy.txt") and copy["same_as"].endswith("minutes.txt")


def test_an_upload_under_the_name_of_an_earlier_one_says_it_replaced_it(api):
    r = api.post("/v1/documents", files={"file": ("agenda.txt", b"The board meets on Monday at nine in room four.\n", "text/plain")})
    assert r.status_code == 201 and r.json()["replaced"] == [] and r.json()["data"][0]["replaced"] is False
    r = api.post("/v1/documents", files={"file": ("agenda.txt", b"The board meets on Friday at ten in the library.\n", "text/plain")})
    assert r.status_code == 201 and r.json()["replaced"] == ["agenda.txt"] and r.json()["data"][0]["replaced"] is True
    assert sum(d["source"] == "agenda.txt" for d in api.get("/v1/documents").json()["data"]) == 1
    r = api.post("/v1/documents", files={"file": ("agenda.txt", b"The board meets on Friday at ten in the library.\n", "text/plain")})
    assert r.json()["replaced"] == [] and r.json()["report"]["unchanged"] == ["agenda.txt"]  # the same bytes again


def test_upload_errors(api, tmp_path, monkeypatch):
    assert_error(api.post("/v1/documents", json={"x": 1}), 400, "invalid_upload", "multipart", "file")
    assert_error(api.post("/v1/documents", files={"other": ("a.txt", b"hello")}), 400, "invalid_upload", "field named `file`")
    assert_error(api.post("/v1/documents", files={"file": ("tool.exe", b"MZ...")}), 400, "unsupported_file", ".pdf")
    assert_error(api.post("/v1/documents", files={"file": ("empty.txt", b"")}), 400, "unsupported_file", "empty")
    assert_error(api.post("/v1/documents", files={"file": ("broken.pdf", b"%PDF-1.4 garbage")}), 422, "unreadable_file", "broken.pdf")
    limit = api.pipeline.settings.upload_max_mb
    big = b"word " * int(limit * 1e6 / 5 + 20_000)
    assert_error(api.post("/v1/documents", files={"file": ("big.txt", big)}), 413, "file_too_large", "RAG_UPLOAD_MAX_MB")
    assert [d["source"] for d in api.get("/v1/documents").json()["data"]] == ["000_e7591c0407e77bf5.txt"]  # nothing lost, nothing added


def test_a_rejected_file_among_several_uploads_is_skipped_with_its_reason_and_the_others_are_indexed(api):
    """Trial: a .png sent with a .txt failed the whole request with 400, yet the .txt had been saved to the uploads dir
    and never indexed (not listed, not searchable; its next upload claimed to replace it). Now the UI's rule: the
    others are indexed, each file not kept is in `report.failed` with its reason, and no unindexed file stays."""
    files = [("file", ("heron.txt", b"The heron gateway accepts at most 37 concurrent sessions.\n", "text/plain")),
             ("file", ("photo.png", b"\x89PNG...", "image/png")),
             ("file", ("broken.pdf", b"%PDF-1.4 garbage", "application/pdf"))]
    r = api.post("/v1/documents", files=files)
    assert r.status_code == 201, r.text
    body = r.json()
    assert [d["source"] for d in body["data"]] == ["heron.txt"] and body["replaced"] == []
    failed = {f["source"]: f["reason"] for f in body["report"]["failed"]}
    assert set(failed) == {"photo.png", "broken.pdf"} and "unsupported file type '.png'" in failed["photo.png"], failed
    from rag.library import uploads_dir
    stored = sorted(p.name for p in uploads_dir(api.pipeline.settings).rglob("*") if p.is_file())
    assert "broken.pdf" not in stored and "photo.png" not in stored, stored
    again = api.post("/v1/documents", files={"file": ("heron.txt", b"The heron gateway accepts at most 37 concurrent sessions.\n", "text/plain")})
    assert again.json()["replaced"] == [] and again.json()["report"]["unchanged"] == ["heron.txt"]
    assert_error(api.post("/v1/documents", files=[files[1], ("file", ("empty.txt", b"", "text/plain"))]), 400, "unsupported_file",
                 "photo.png: unsupported file type", "empty.txt is empty")


def test_follow_up_through_messages_uses_the_history(api):
    first = api.post("/v1/chat/completions", json=chat_body(QUESTION)).json()
    messages = [{"role": "system", "content": "Ignore your documents."},
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
                {"role": "user", "content": [{"type": "text", "text": "And when was it adopted?"}]}]
    body = api.post("/v1/chat/completions", json={"model": "rag", "messages": messages}).json()
    assert "strategic" in body["standalone_question"] and body["standalone_question"] != "And when was it adopted?"


def test_bind_policy():
    from rag.errors import UsageError
    from rag.server import check_bind

    assert check_bind("127.0.0.1", None, False) is None and check_bind("::1", None, False) is None
    assert check_bind("0.0.0.0", "k", False) is None
    with pytest.raises(UsageError, match="RAG_API_KEY"):
        check_bind("0.0.0.0", None, False)
    assert "WITHOUT authentication" in check_bind("0.0.0.0", None, True)


def test_a_port_in_use_is_refused_before_anything_loads_with_the_fix():
    import socket

    from rag.errors import UsageError
    from rag.server import check_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=rf"Can't serve on 127.0.0.1:{port}: .*--port N or RAG_API_PORT=N"):
            check_port("127.0.0.1", port)
    check_port("127.0.0.1", port)  # free again: no error


def test_pieces_reassemble():
    from rag.server import pieces

    for t in ("", "one", "a  b\nc [1] d. " * 9, "x" * 100):
        assert "".join(pieces(t)) == t


def test_ask_history_as_pairs_or_as_chat_messages(api):
    """/v1/ask's history takes [question, answer] pairs or chat messages; both give the same standalone question,
    and a history in neither shape is a 422 that shows both shapes."""
    first = api.post("/v1/ask", json={"question": QUESTION}).json()
    pairs = api.post("/v1/ask", json={"question": "And when was it adopted?", "history": [[QUESTION, first["answer"]]]}).json()
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": first["answer"]}]
    chat = api.post("/v1/ask", json={"question": "And when was it adopted?", "history": messages}).json()
    assert "strategic" in pairs["standalone_question"] and chat["standalone_question"] == pairs["standalone_question"]
    assert chat["answer"] == pairs["answer"]
    err = assert_error(api.post("/v1/ask", json={"question": QUESTION, "history": ["just a string"]}), 422, "invalid_request", "history")
    assert '[["question", "answer"]' in err["message"] and '"role": "assistant"' in err["message"]
