"""The real `openai` Python client against a live `rag serve` subprocess (MiniLM, seeds/ ingested).

The server runs as users run it: `rag serve --port P` with RAG_API_KEY set, on a free loopback port,
stopped by its PID at the end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RAG = Path(sys.executable).parent / "rag"
QUESTION = "Who proposed the new 2030 strategic concept?"
KEY = "sk-rag-test-0123456789"


@pytest.fixture(scope="module")
def rag_server(tmp_path_factory, live_server):
    data = tmp_path_factory.mktemp("api_data")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(data), RAG_MODE="extractive", RAG_API_KEY=KEY, PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    subprocess.run([str(RAG), "ingest", str(ROOT / "seeds")], env=env, check=True, capture_output=True, timeout=300)
    log = data / "serve.log"
    with live_server(lambda port: [RAG, "serve", "--port", port], "/healthz", log, env=env, timeout_s=120, name="rag serve") as port:
        yield f"http://127.0.0.1:{port}"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def client(rag_server):
    from openai import OpenAI

    return OpenAI(base_url=rag_server + "/v1", api_key=KEY, max_retries=0, timeout=120)


def test_cited_answer(client):
    r = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    text = r.choices[0].message.content
    assert "Stoltenberg" in text and "[1]" in text
    extra = r.model_extra
    assert extra["refused"] is False
    c = extra["citations"][0]
    assert c["source"] == "000_e7591c0407e77bf5.txt" and c["highlights"] and "Stoltenberg" in c["text"]
    assert [m.id for m in client.models.list()][:2] == ["rag", "rag-extractive"]


def test_streaming_deltas_reassemble_to_the_final_text(client):
    full = client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": QUESTION}])
    stream = client.chat.completions.create(model="rag-extractive", messages=[{"role": "user", "content": QUESTION}], stream=True)
    deltas, last = [], None
    for chunk in stream:
        last = chunk
        if chunk.choices and chunk.choices[0].delta.content:
            deltas.append(chunk.choices[0].delta.content)
    assert len(deltas) > 1
    assert "".join(deltas) == full.choices[0].message.content
    assert last.choices[0].finish_reason == "stop" and last.model_extra["citations"] == full.model_extra["citations"]


def test_follow_up_through_messages(client):
    first = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    r = client.chat.completions.create(model="rag", messages=[
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "And when was it adopted?"},
    ])
    sq = r.model_extra["standalone_question"]
    assert sq != "And when was it adopted?" and "strategic" in sq
    assert r.model_extra["refused"] is False and r.model_extra["citations"]
    assert r.model_extra["citations"][0]["source"] == "000_e7591c0407e77bf5.txt"


def test_refusal(client):
    r = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "Who won the 2018 FIFA World Cup?"}])
    assert r.model_extra["refused"] is True and r.model_extra["citations"] == []
    assert r.choices[0].message.content == "I couldn't find this in the documents."


def test_wrong_key_is_401_with_an_openai_error(rag_server):
    import openai

    bad = openai.OpenAI(base_url=rag_server + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    assert e.value.status_code == 401 and e.value.code == "invalid_api_key"
    assert "RAG_API_KEY" in e.value.message


def test_unknown_model_and_empty_question_raise_the_matching_openai_errors(client):
    import openai

    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    assert e.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="rag", messages=[{"role": "user", "content": ""}])
    assert e.value.code == "empty_question"
