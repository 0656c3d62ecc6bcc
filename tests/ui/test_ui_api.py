"""The app's API driven with gradio_client, against apps launched on free loopback ports.

`minilm_app` is the real pipeline (MiniLM, seeds/ ingested); the error and upload
cases use the hash embedder so they run in a few seconds each.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

QUESTION = "Who proposed the new 2030 strategic concept?"
SEED = "000_e7591c0407e77bf5.txt"
# The seed article says nothing about football. (The core currently answers "What was NATO's defence
# spending in 2021 in euros?" with an on-topic but non-answering quote; that is a refusal-model matter.)
UNANSWERABLE = "Who won the 2018 FIFA World Cup?"


def chat(client, question, mode="extractive", k=5, show_unsupported=False):
    messages, sources, cleared, answer = client.predict(question, mode, k, show_unsupported, api_name="/chat")
    return messages, sources, cleared, answer


def text_of(message) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


@pytest.mark.integration
def test_chat_returns_a_verified_answer_with_citations(minilm_app):
    client = minilm_app.client()
    messages, sources, cleared, answer = chat(client, QUESTION)
    assert cleared == ""
    assert answer["refused"] is False and "Stoltenberg" in answer["answer"]
    assert answer["citations"], answer
    c = answer["citations"][0]
    assert c["source"] == SEED and c["highlights"]
    assert all(c["start"] <= s < e <= c["end"] for s, e in c["highlights"])
    assert {"retrieve", "generate", "verify"} <= set(answer["timings_ms"])
    # The chat shows the question, then the answer whose [1] links to a card in the sources panel.
    assert [m["role"] for m in messages] == ["user", "assistant"]
    html = text_of(messages[1])
    link = re.search(r'<a class="rag-cite" href="#(rag-src-[0-9a-f]+-1)"', html)
    assert link and f'id="{link.group(1)}"' in sources
    assert "<mark" in sources and "Stoltenberg" in sources and "retrieve" in html


@pytest.mark.integration
def test_follow_ups_use_the_conversation_and_new_chat_forgets_it(minilm_app):
    client = minilm_app.client()
    chat(client, QUESTION)
    messages, _, _, follow = chat(client, "And when was it adopted?")
    assert len(messages) == 4
    assert follow["standalone_question"] != follow["question"] and "strategic" in follow["standalone_question"]
    client.predict(api_name="/new_chat")
    messages, _, _, fresh = chat(client, "And when was it adopted?")
    assert len(messages) == 2 and fresh["standalone_question"] == fresh["question"]


@pytest.mark.integration
def test_unanswerable_question_is_refused(minilm_app):
    _, sources, _, answer = chat(minilm_app.client(), UNANSWERABLE)
    assert answer["refused"] is True and answer["citations"] == []
    # The seed article is about NATO: no passage comes near a football question (cosine < RAG_CLOSEST_MIN_SCORE), so the
    # sources panel shows none rather than unrelated "closest passages" (tests/unit/test_closest.py: the panel with them).
    assert answer["closest"] == [] and "Closest passages" not in sources
    assert "No passage was cited: the answer was refused." in sources


def test_upload_is_sanitised_ingested_and_answerable(hash_app, tmp_path):
    app = hash_app()
    doc = tmp_path / "Lighthouse notes (draft).md"
    doc.write_text("# Marrow Island\n\nThe Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill.\n")
    client = app.client()
    log, table, status, cleared = client.predict([handle_file(str(doc))], api_name="/upload")
    assert "Indexed" in log and "Lighthouse_notes_draft.md" in log
    assert ["Lighthouse_notes_draft.md", "uploads"] == table["data"][-1][:2] or any(
        row[:2] == ["Lighthouse_notes_draft.md", "uploads"] for row in table["data"]
    )
    assert "2 documents" in status
    assert (app.settings.uploads_dir / "Lighthouse_notes_draft.md").is_file()
    _, _, _, answer = chat(client, "Who built the Zorblax lighthouse on Marrow Island?")
    assert not answer["refused"] and "Ada Quill" in answer["answer"]
    assert answer["citations"][0]["source"] == "Lighthouse_notes_draft.md"


def test_upload_rejects_unsupported_and_oversized_files(hash_app, tmp_path):
    app = hash_app(upload_max_mb=0.001)  # 1 kB
    big = tmp_path / "big.txt"
    big.write_text("word " * 400)
    script = tmp_path / "evil.sh"
    script.write_text("rm -rf /")
    client = app.client()
    with pytest.raises(Exception, match="(?i)file size|too large|exceeds"):  # gradio refuses files above max_file_size
        client.predict([handle_file(str(big))], api_name="/upload")
    log, _, _, _ = client.predict([handle_file(str(script))], api_name="/upload")  # and types the loaders can't read
    assert "**Skipped** evil.sh: unsupported file type" in log
    assert not app.settings.uploads_dir.exists() or not any(app.settings.uploads_dir.iterdir())


def test_empty_question_gets_a_message(hash_app):
    client = hash_app().client()
    with pytest.raises(AppError, match="question is empty"):
        chat(client, "   ")


def test_missing_index_says_how_to_fix_it(hash_app):
    client = hash_app(ingest=False).client()
    with pytest.raises(AppError, match=r"No documents yet: upload some or run `rag ingest`"):
        chat(client, QUESTION)
    _, status = client.predict(api_name="/documents")
    assert "No documents yet" in status


def test_unreachable_llm_endpoint_is_an_error_and_the_app_keeps_working(hash_app, free_port):
    app = hash_app(openai_base_url=f"http://127.0.0.1:{free_port()}/v1", openai_timeout_s=5)
    client = app.client()
    with pytest.raises(AppError, match="Cannot reach the LLM endpoint"):
        chat(client, QUESTION, mode="openai")
    messages, _, _, answer = chat(client, QUESTION, mode="extractive")
    assert not answer["refused"] and answer["citations"]
    assert "rag-error" in text_of(messages[1]) and "rag-ok" in text_of(messages[3])


def test_unreachable_chroma_server_is_an_error_and_the_app_keeps_working(hash_app, free_port):
    app = hash_app(ingest=False, chroma_host="127.0.0.1", chroma_port=free_port())  # nothing listens there
    client = app.client()
    with pytest.raises(AppError, match="Cannot reach the Chroma server"):
        chat(client, QUESTION)
    _, status = client.predict(api_name="/documents")
    assert "Index unavailable" in status and "chroma run" in status
    with pytest.raises(AppError, match="question is empty"):  # still serving requests
        chat(client, "")


def test_login_is_required_when_ui_auth_is_set(hash_app):
    app = hash_app(ui_auth="alice:s3cret")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(app.url + "config", timeout=10)
    assert e.value.code == 401
    _, _, _, answer = chat(app.client(auth=("alice", "s3cret")), QUESTION)
    assert answer["citations"]


def test_uploading_the_same_bytes_under_another_name_says_so(hash_app, tmp_path):
    client = hash_app().client()
    first = tmp_path / "minutes.md"
    first.write_text("# Harbour board\n\nThe harbour board met on 3 May and approved the new breakwater.\n")
    client.predict([handle_file(str(first))], api_name="/upload")
    again = tmp_path / "minutes (copy).md"
    again.write_bytes(first.read_bytes())
    log, table, _, _ = client.predict([handle_file(str(again))], api_name="/upload")
    assert "**Same content as** minutes.md: minutes_copy.md is kept as a second document" in log
    assert {"minutes.md", "minutes_copy.md"} <= {row[0] for row in table["data"]}
