"""The `generated` suite's llama.cpp server: the pinned model file is checked, the server binds
loopback on a free port and is stopped by the suite. The suite itself is gated in `make eval-gate`."""

from __future__ import annotations

import urllib.request

import pytest

from evals import llama_server
from rag.errors import ConfigError


def test_a_model_file_other_than_the_pinned_one_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr("rag.answer.smollm2_path", lambda: str(fake))
    with pytest.raises(ConfigError, match="sha256"):
        llama_server.pinned_model()


@pytest.mark.integration
@pytest.mark.slow
def test_server_starts_on_loopback_and_is_stopped():
    reason = llama_server.missing()
    if reason:
        pytest.skip(reason)
    with llama_server.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/models", timeout=5) as r:
            assert r.status == 200 and b"smollm2" in r.read()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/models", timeout=2)


class _FakeChatServer:
    """An OpenAI-compatible /v1/chat/completions on loopback (the same HTTP protocol as llama.cpp's
    server): quotes the first sentence of source 1 and adds an invented one, both citing [1]."""

    def __enter__(self):
        import json
        import re
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                m = re.search(r'<source id="1"[^>]*>\n(.*?[.!?])\s', prompt, re.S)
                text = (m.group(1).strip() + " [1] " if m else "") + "The summit was held on Mars in 1850 by 7 robots. [1]"
                if not body.get("stream"):
                    text = body["messages"][-1]["content"].split("Follow-up question:")[-1].split("\n")[0].strip() or "question?"
                    out = {"id": "x", "object": "chat.completion", "created": 0, "model": "smollm2",
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
                    data = json.dumps(out).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "smollm2",
                         "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.srv.server_address[1]}/v1"

    def __exit__(self, *exc):
        self.srv.shutdown()
        self.srv.server_close()


def test_generated_suite_judges_the_shown_answer_and_counts_hidden_sentences(tmp_path):
    import io

    from rich.console import Console

    from evals import cli
    from rag.embeddings import make_embedder

    with _FakeChatServer() as url:
        rep = cli.run_suite("generated", out=tmp_path / "out", cache=tmp_path / "cache", mode=None, judge_name="heuristic",
                            limit=6, seed=0, data=None, console=Console(file=io.StringIO()), embedder=make_embedder("hash"), llm_url=url)
    assert rep["suite"] == "generated" and rep["mode"] == "openai" and len(rep["cases"]) == 6
    answered = [c for c in rep["cases"] if not c["refused"]]
    assert answered, [c["answer"] for c in rep["cases"]]
    # The invented sentence is drafted in every answer and hidden by verification: never judged, never shown.
    assert all(c["hidden_sentences"] >= 1 and "Mars" not in c["answer"] for c in rep["cases"] if c["drafted_sentences"])
    assert rep["metrics"]["hidden_share"] and rep["metrics"]["hidden_share"] > 0
    assert all("Mars" not in v["text"] for c in rep["cases"] for v in c["verdicts"])
    assert (tmp_path / "out" / "generated" / "report.json").exists()
