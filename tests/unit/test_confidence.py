"""The low-confidence mark: an answer whose P(answerable) is below the refusal model's `caution` cut
(train/confidence.py) says so in the JSON, the CLI, the UI and the API."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from rag.answer import LOW_CONFIDENCE_TEXT
from rag.refusal import RefusalModel
from rag.settings import Settings
from rag.types import Answer, Sentence
from tests.unit.test_key_phrase import year_pipe

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "When did the US abandon the treaty?"


@pytest.fixture
def pipe(tmp_path):
    return lambda **kw: year_pipe(tmp_path, **({"refusal_threshold": 0.0} | kw))  # answers unless a test says otherwise


def test_an_answer_below_the_cut_is_marked_low_and_one_above_is_not(pipe):
    p = pipe()
    score = p.ask(QUESTION).refusal_score
    assert 0.0 < score < 1.0
    low = pipe(caution_below=min(score + 0.01, 1.0)).ask(QUESTION)
    high = pipe(caution_below=max(score - 0.01, 0.0)).ask(QUESTION)
    assert not low.refused and low.confidence == "low" and low.to_dict()["confidence"] == "low"
    assert not high.refused and high.confidence == ""
    assert low.answer == high.answer  # the mark never changes what is quoted


def test_a_refusal_is_never_marked(pipe):
    ans = pipe(refusal_threshold=1.0, caution_below=1.0).ask(QUESTION)
    assert ans.refused and ans.confidence == ""


def test_the_cut_comes_from_the_refusal_model_unless_the_setting_overrides_it(pipe, monkeypatch):
    p = pipe()
    monkeypatch.setattr(p, "refusal", RefusalModel(weights={}, bias=0.0, caution=0.7))  # P(answerable) = 0.5 for any question
    assert p.caution_below == 0.7 and p.ask(QUESTION).confidence == "low"
    monkeypatch.setattr(p, "refusal", RefusalModel(weights={}, bias=0.0))  # a model without a cut never marks
    assert p.caution_below is None and p.ask(QUESTION).confidence == ""
    q = pipe(caution_below=0.3)
    monkeypatch.setattr(q, "refusal", RefusalModel(weights={}, bias=0.0, caution=0.7))
    assert q.caution_below == 0.3 and q.ask(QUESTION).confidence == ""


def test_the_setting_rejects_a_cut_outside_0_to_1(monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setenv("RAG_CAUTION_BELOW", "1.5")
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize("name", ["refusal_span_model.json", "refusal_model.json"])
def test_the_shipped_cut_is_the_one_train_confidence_measured(name):
    model = RefusalModel.load(ROOT / "rag" / name)
    measured = json.loads((ROOT / "evals" / "results" / f"confidence_{Path(name).stem}.json").read_text())
    assert model.caution == measured["caution"] and model.threshold <= model.caution < 1.0


def test_fit_cut_finds_where_right_answers_fall_below_half():
    from train.confidence import fit_cut

    rng = np.random.default_rng(0)
    ps = rng.uniform(0.05, 0.95, 4000)
    right = rng.uniform(size=ps.size) < 1 / (1 + np.exp(-(2.0 * np.log(ps / (1 - ps)) - 1.0)))  # P(right) = 0.5 at logit(p) = 0.5
    cut, a, b = fit_cut(list(ps), list(right))
    assert cut == pytest.approx(1 / (1 + math.exp(-0.5)), abs=0.03) and b > 0
    assert fit_cut(list(ps), list(right), floor=0.9)[0] == 0.9  # never below the refusal threshold
    assert fit_cut(list(ps), list(~right), floor=0.2)[0] == 0.2  # p that predicts nothing (or the reverse) gives no cut


def test_the_cli_says_low_confidence_under_the_answer():
    from rag import cli

    s = Sentence("The US abandoned the treaty in 2019 after a dispute.", (1,), True, 1.0)
    ans = Answer("q", "The US abandoned the treaty in 2019 after a dispute. [1]", False, "extractive", sentences=(s,), refusal_score=0.31,
                 confidence="low")
    console = Console(record=True, width=300)
    old, cli.out = cli.out, console
    try:
        cli._print_answer(ans, show_sources=False)
        cli._print_answer(Answer("q", ans.answer, False, "extractive", sentences=(s,), refusal_score=0.9), show_sources=False)
    finally:
        cli.out = old
    text = console.export_text()
    assert text.count(LOW_CONFIDENCE_TEXT) == 1 and "P(answerable) 0.31" in text


def test_the_ui_shows_a_badge_only_on_a_low_confidence_answer():
    from ui.render import answer_html

    s = {"text": "The US abandoned the treaty in 2019.", "cites": [1], "supported": True, "shown": True, "support": 1.0}
    a = {"answer": "The US abandoned the treaty in 2019. [1]", "refused": False, "sentences": [s], "citations": [{"n": 1, "source": "a.txt"}],
         "timings_ms": {}, "mode": "extractive"}
    low = answer_html({"id": "t1", "answer": dict(a, confidence="low")})
    assert 'class="rag-caution"' in low and "Low confidence</span> The documents match" in low and "Check the cited passage" in low
    assert "rag-caution" not in answer_html({"id": "t2", "answer": dict(a, confidence="")})


def test_the_api_puts_the_caveat_in_the_message_and_reads_it_back_out(pipe, free_port):
    import httpx

    from rag.server import split_messages
    from tests.unit.test_server import LiveServer

    p = pipe(caution_below=1.0)
    srv = LiveServer(p, free_port())
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            body = c.post("/v1/chat/completions", json={"model": "rag", "messages": [{"role": "user", "content": QUESTION}]}).json()
            asked = c.post("/v1/ask", json={"question": QUESTION}).json()
    finally:
        srv.close()
    content = body["choices"][0]["message"]["content"]
    assert body["confidence"] == "low" and asked["confidence"] == "low"
    assert content.endswith(f"({LOW_CONFIDENCE_TEXT})") and content.startswith(asked["answer"])
    from rag.server import Message

    _, history = split_messages([Message(role="user", content=QUESTION), Message(role="assistant", content=content),
                                 Message(role="user", content="And why?")])
    assert history == [(QUESTION, asked["answer"])]  # a follow-up reads the answer, not the server's caveat


def test_the_script_fits_a_report_and_writes_the_cut_into_the_model(tmp_path):
    """train/confidence.py end to end on a tiny made-up report: the cut, the results files and --write."""
    from evals.realdocs import BLIND_PARTS
    from train.confidence import CALIBRATION_PARTS, main

    cases = []
    for i, p in enumerate(np.linspace(0.3, 0.95, 40)):
        for part in (CALIBRATION_PARTS[i % 5], BLIND_PARTS[5 + i % 5], "manuals"):
            cases.append({"group": part, "refused": False, "refusal_score": float(p), "answerable": True, "correct": bool(p > 0.6 or i % 7 == 0)})
    cases.append({"group": CALIBRATION_PARTS[0], "refused": True, "refusal_score": 0.1, "answerable": True, "correct": False})
    report, model = tmp_path / "report.json", tmp_path / "model.json"
    report.write_text(json.dumps({"cases": cases, "stamp": {"commit": "abc", "date": "today"}}))
    model.write_text(json.dumps({"weights": {}, "bias": 0.0, "threshold": 0.25}))
    assert main(["--report", str(report), "--model", str(model), "--out", str(tmp_path / "res"), "--write"]) == 0
    res = json.loads((tmp_path / "res.json").read_text())
    assert 0.5 < res["caution"] < 0.7 and res["calibration_parts"]["answered"] == 40  # the refused case is not an answer
    assert res["reported_parts"]["low_right"] < res["reported_parts"]["high_right"]
    assert json.loads(model.read_text())["caution"] == res["caution"] == RefusalModel.load(model).caution
    assert "Low-confidence cut" in (tmp_path / "res.md").read_text()


def test_refitting_the_refusal_model_keeps_the_cut_only_when_the_model_is_unchanged():
    """train/refusal.py --write rewrites the whole model file: the cut train/confidence.py wrote into it survives a
    refit that reproduces the model, and is dropped, with the command that refits it, when the model changed."""
    from train.refusal import keep_caution

    shipped = json.loads((ROOT / "rag" / "refusal_span_model.json").read_text())
    refit = {k: v for k, v in shipped.items() if k not in ("caution", "caution_script")}
    kept, warn = keep_caution(shipped, refit)
    assert warn is None and kept["caution"] == shipped["caution"] and kept["caution_script"] == shipped["caution_script"]

    changed = refit | {"bias": refit["bias"] + 0.1}
    dropped, warn = keep_caution(shipped, changed)
    assert "caution" not in dropped and dropped["bias"] == changed["bias"]
    assert "train/confidence.py" in warn and "--write" in warn

    assert keep_caution({}, refit) == (refit, None)  # a first fit: nothing to keep, nothing to say
