"""The llm judge (evals/llm_judge.py).

Against a real llama.cpp server: the structured-output flavour it accepts, valid
verdicts, and the same output on two calls. SmolLM2-135M is a weak judge, so accuracy
is not asserted. The retry and error paths use a scripted JsonChat (the model's
replies are the only fake part).
"""

from __future__ import annotations

import json
import math

import pytest

from evals.llm_judge import JudgeError, LLMJudge, make_judge, openai_json_chat, parse_verdicts
from rag.errors import ConfigError, RagError
from rag.settings import Settings
from rag.verify import Checker, Verdict

PASSAGE = (
    "Members of NATO have adopted a new 2030 strategic concept that was proposed by Secretary General Jens Stoltenberg. "
    "The joint communiqué of the 30 countries said that they agreed to further strengthen NATO in the face of any threats."
)
CLAIMS = [
    "The 2030 strategic concept was proposed by Jens Stoltenberg.",
    "The concept was proposed by the European Union's Foreign and Security Policy Council in 2019 and set spending at 2.5% of GDP.",
]


class Scripted:
    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.calls: list[list[dict]] = []

    def __call__(self, messages, schema):
        self.calls.append(messages)
        return self.replies.pop(0)


# --- logic, with scripted replies -------------------------------------------------


def test_support_is_the_share_of_supported_statements():
    chat = Scripted(
        json.dumps({"statements": ["Jens Stoltenberg proposed the concept.", "The concept was proposed in 2019.", "The concept set spending at 2.5% of GDP."]}),
        json.dumps({"verdicts": [{"statement": i, "reason": "r", "supported": ok} for i, ok in enumerate([True, False, False], 1)]}),
    )
    judge = LLMJudge(chat)
    checker: Checker = judge  # satisfies the Protocol structurally
    assert callable(checker.check)
    claim = "Jens Stoltenberg proposed the concept in 2019 and it set spending at 2.5% of GDP."
    v = judge.check(claim, [PASSAGE])
    assert v.support == round(1 / 3, 4) and v.supported is False
    assert "proposed in 2019" in v.reason and "2.5% of GDP" in v.reason
    assert judge.check(claim, [PASSAGE]) == v and len(chat.calls) == 2  # cached, no new call
    assert "3. The concept set spending" in chat.calls[1][0]["content"]  # statements were numbered for the verdicts


def test_statements_that_add_facts_are_dropped():
    chat = Scripted(
        json.dumps({"statements": ["Jens Stoltenberg proposed the concept.", "Jens Stoltenberg is a prominent figure in sustainable energy."]}),
        '{"verdicts": [{"statement": 1, "reason": "", "supported": true}]}',
    )
    v = LLMJudge(chat).check("The concept was proposed by Jens Stoltenberg.", [PASSAGE])
    assert v.supported and v.support == 1.0
    assert "sustainable" not in chat.calls[1][0]["content"]


def test_threshold_below_one_accepts_partial_support():
    chat = Scripted('{"statements": ["claim one", "claim two"]}', '{"verdicts": [{"statement": 1, "reason": "", "supported": true}, {"statement": 2, "reason": "", "supported": false}]}')
    assert LLMJudge(chat, threshold=0.5).check("claim one, claim two", [PASSAGE]).supported is True


def test_bad_reply_is_retried_with_the_error_shown():
    chat = Scripted("Sure! The statements are: one", '```json\n{"statements": ["NATO met"]}\n```', '{"verdicts": [{"statement": 1, "reason": "ok", "supported": true}]}')
    v = LLMJudge(chat, retries=2).check("NATO met", [PASSAGE])
    assert v == Verdict(1.0, True, "1 statement(s) supported")
    retry = chat.calls[1]
    assert [m["role"] for m in retry] == ["user", "assistant", "user"]
    assert "not valid" in retry[-1]["content"] and retry[1]["content"] == "Sure! The statements are: one"


def test_unparseable_reply_is_a_clear_error_never_nan():
    judge = LLMJudge(Scripted("nope", "{not json", '{"statements": "x"}'), retries=2)
    with pytest.raises(JudgeError) as e:
        judge.check("claim", [PASSAGE])
    assert isinstance(e.value, RagError)
    assert "3 times" in str(e.value) and "--judge offline" in str(e.value)


def test_wrong_number_of_verdicts_is_rejected():
    with pytest.raises(ValueError, match="2 entries"):
        parse_verdicts('{"verdicts": [{"statement": 1, "reason": "", "supported": true}]}', 2)
    with pytest.raises(ValueError, match="true or false"):
        parse_verdicts('{"verdicts": [{"statement": 1, "reason": "", "supported": "yes"}]}', 1)


def test_edge_cases_have_defined_scores():
    judge = LLMJudge(Scripted('{"statements": []}', '{"verdicts": [{"statement": 1, "reason": "", "supported": false}]}'))
    assert judge.check("claim", []) == Verdict(0.0, False, "no cited passage")
    assert judge.check("  ", [PASSAGE]).support == 0.0
    v = judge.check("claim", [PASSAGE])  # empty decomposition -> the claim itself is the one statement
    assert v.support == 0.0 and not math.isnan(v.support)


def test_make_judge_needs_an_endpoint(tmp_path, monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RAG_OPENAI_API_KEY", "RAG_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY.*OPENAI_BASE_URL"):
        make_judge(Settings(data_dir=tmp_path))


# --- against the real llama.cpp server ---------------------------------------------


@pytest.mark.integration
def test_llama_cpp_python_server_takes_json_object_with_schema(llama_server):
    chat = openai_json_chat(llama_server, None, "smollm2", structured="auto")
    reply = chat([{"role": "user", "content": "List two colours as JSON."}], {"type": "object", "properties": {"statements": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2}}, "required": ["statements"]})
    assert chat.structured() == "json_object_schema"  # json_schema was refused (HTTP 500 naming response_format) and is not tried again
    obj = json.loads(reply)  # the grammar makes it valid JSON of the schema's shape
    assert isinstance(obj["statements"], list) and all(isinstance(s, str) for s in obj["statements"])


@pytest.mark.integration
def test_judge_on_real_server_gives_valid_deterministic_verdicts(llama_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server)
    settings = Settings(data_dir=tmp_path, openai_model="smollm2")
    first, second = make_judge(settings), make_judge(settings)  # separate caches: two real calls each
    for claim in CLAIMS:
        a, b = first.check(claim, [PASSAGE]), second.check(claim, [PASSAGE])
        for v in (a, b):
            assert isinstance(v, Verdict)
            assert 0.0 <= v.support <= 1.0 and not math.isnan(v.support)
            assert v.supported == (v.support >= 1.0)
            assert v.reason
        assert a == b, f"non-deterministic verdict for {claim!r}: {a} vs {b}"
