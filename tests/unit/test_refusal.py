"""Refusal: the features, the model, and the pipeline's two gates (before answering on
P(answerable), after answering when nothing the answerer said is supported)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from rag.answer import REFUSAL_TEXT, Candidate
from rag.pipeline import build
from rag.refusal import FEATURES, MODEL_PATH, RefusalModel, refusal_features
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def hit(text: str, dense: float, i: int = 0) -> ScoredChunk:
    c = Chunk(id=f"c{i}", source="a.txt", root="/r", title="a", start=0, end=len(text), text=text, doc_sha256="x", n_chunks=1)
    return ScoredChunk(c, dense, dense=dense)


def cand(text: str, score: float, typ: float = 0.0) -> Candidate:
    return Candidate(1, 0, len(text), text, cosine=score, lexical=score, score=score, features=(("ctx", score), ("type", typ)))


def test_features_measure_what_the_question_lacks():
    hits = [hit("NATO adopted the 2030 strategic concept in Brussels.", 0.7), hit("Russia and China were named.", 0.4, 1)]
    ranked = [cand("NATO adopted the 2030 strategic concept in Brussels.", 0.8), cand("Russia and China were named.", 0.5)]
    f = refusal_features("How much does NATO spend on defence?", hits, ranked)
    assert set(f) == set(FEATURES)
    # key terms: much, nato, spend, defence -> only "nato" is in the passages
    assert f["q_missing"] == pytest.approx(3 / 4) and f["q_missing_top"] == pytest.approx(3 / 4)
    assert f["typed"] == 1.0 and f["type_hit"] == 0.0  # "how much" asks for a number; none is offered
    assert f["top_dense"] == 0.7 and f["best_both"] == 0.8 and f["margin"] == pytest.approx(0.3)
    assert f["q_terms"] == pytest.approx(math.log1p(4))

    g = refusal_features("Why did NATO not adopt the concept?", hits, ranked)
    assert g["typed"] == 0.0
    assert g["q_missing"] == pytest.approx(1 / 4)  # nato, adopt(ed), concept are there; "not" is not


def test_features_without_hits_are_defined():
    f = refusal_features("anything at all?", [], [])
    assert set(f) == set(FEATURES) and all(math.isfinite(v) for v in f.values())


def test_shipped_model_is_complete_and_monotone_in_the_obvious_signals():
    d = json.loads(MODEL_PATH.read_text())
    assert set(d["weights"]) <= set(FEATURES) and {"bias", "mean", "scale", "threshold"} <= set(d)
    m = RefusalModel.load()
    base = {"top_dense": 0.5, "best_cos": 0.5, "best_lex": 0.5, "best_ctx": 0.5, "best_both": 0.5, "margin": 0.05,
            "q_missing": 0.2, "q_missing_top": 0.3, "typed": 1.0, "type_hit": 1.0, "q_terms": 1.6}
    p = m.p_answerable(base)
    assert 0.0 < p < 1.0
    # No sentence of the asked-for kind (no number for "how many") -> less likely answerable.
    assert m.p_answerable(dict(base, type_hit=0.0)) < p
    # A better-matching best sentence -> more likely answerable.
    assert m.p_answerable(dict(base, best_cos=0.8, best_lex=0.9, best_ctx=0.9, best_both=0.85)) > p


def test_default_threshold_is_the_calibrated_one(tmp_path):
    assert Settings().refusal_threshold is None  # unset: the refusal model's own threshold
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", reader="off"))
    assert pipe.refusal_threshold == pytest.approx(json.loads(MODEL_PATH.read_text())["threshold"])
    assert build(Settings(data_dir=tmp_path / "data", embedder="hash", refusal_threshold=0.4)).refusal_threshold == 0.4


class ConstantModel:
    def __init__(self, p: float):
        self.p = p

    def p_answerable(self, features):
        return self.p


class SaysAnswerer:
    name = "says"

    def __init__(self, text: str):
        self.text = text

    def stream(self, question, sources, history=()):
        yield self.text


@pytest.fixture
def seeded(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), d / "nato.txt")

    def make(p: float, threshold: float = 0.5, **answerers):
        s = Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=threshold)
        pipe = build(s, **answerers)
        pipe.ingest([d])
        pipe.refusal = ConstantModel(p)
        return pipe

    return make


Q = "Who proposed the new 2030 strategic concept?"


def test_refuses_below_the_threshold_and_answers_above(seeded):
    no = seeded(0.2).ask(Q)
    assert no.refused and no.answer == REFUSAL_TEXT and no.citations == () and no.sentences == ()
    assert no.refusal_score == 0.2
    yes = seeded(0.8).ask(Q)
    assert not yes.refused and "Stoltenberg" in yes.answer and yes.citations


def test_threshold_is_a_setting(seeded):
    assert seeded(0.3, threshold=0.25).ask(Q).refused is False
    assert seeded(0.3, threshold=0.35).ask(Q).refused is True


def test_an_answerer_that_says_it_cannot_answer_is_a_refusal(seeded):
    ans = seeded(0.9, says=SaysAnswerer("I couldn't find this in the documents.")).ask(Q, mode="says")
    assert ans.refused and ans.answer == REFUSAL_TEXT


def test_an_answer_with_no_supported_sentence_is_a_refusal(seeded):
    bogus = "The alliance will spend 5% of GDP on defence by 2035 [1]. Anders Rasmussen wrote the plan [2]."
    ans = seeded(0.9, says=SaysAnswerer(bogus)).ask(Q, mode="says")
    assert ans.refused and ans.answer == REFUSAL_TEXT and ans.citations == ()
    assert ans.sentences and not any(s.supported for s in ans.sentences)  # flagged, kept in the data
    assert any("no sentence" in n for n in ans.notes)


def span_cand(text: str, lexical: float, span: float, typ: float = 0.0, source: int = 1) -> Candidate:
    return Candidate(source, 0, len(text), text, cosine=0.0, lexical=lexical, score=lexical,
                     features=(("span", span), ("ctx", lexical / 2), ("type", typ)))


def test_span_sentence_features_describe_the_sentence_the_span_reader_answers_from():
    from rag.refusal import SPAN_FEATURES, SPAN_SENTENCE_FEATURES, span_sentence_features
    from train.refusal import row_features

    hits = [hit("The worktree files are pruned. Deleted worktrees leave files behind.", 0.6)]
    covers = span_cand("The gc.worktreePruneExpire default is three months.", lexical=0.9, span=-1.5, typ=1.0)
    topical = span_cand("Deleted worktrees leave files behind.", lexical=0.3, span=2.0)
    q = "What is the default of gc.worktreePruneExpire?"
    base = refusal_features(q, hits, [topical, covers])
    assert set(SPAN_FEATURES) <= set(base) and not set(SPAN_SENTENCE_FEATURES) & set(base)  # not computed at answer time
    f = row_features(q, base, [topical, covers])  # ... only for training rows
    assert set(SPAN_FEATURES + SPAN_SENTENCE_FEATURES) <= set(f)
    # The span reader answers from the topical sentence, which covers little of the question...
    assert f["span_lex"] == 0.3 and f["span_ctx"] == 0.15 and f["span_max"] == 2.0
    # ... while the sentence that covers the question best has a span below "no answer".
    assert f["lex_span"] == -1.5
    assert f["span_type_miss"] == 0.0  # "what is" asks for no typed answer

    typed = "How many days does gc keep a deleted worktree?"
    g = row_features(typed, refusal_features(typed, hits, [topical, covers]), [topical, covers])
    assert g["typed"] == 1.0 and g["span_type_miss"] == 1.0  # a number is asked for; the answering sentence has none
    keeps = [span_cand("It keeps them 90 days.", 0.5, 3.0, typ=1.0)]
    h = row_features(typed, refusal_features(typed, hits, keeps), keeps)
    assert h["span_type_miss"] == 0.0 and h["span_lex"] == h["best_lex"] == 0.5 and h["lex_span"] == 3.0
    assert span_sentence_features(keeps, typed=True) == {k: h[k] for k in SPAN_SENTENCE_FEATURES}


def test_span_sentence_features_are_absent_without_a_span_reader():
    from rag.refusal import SPAN_SENTENCE_FEATURES
    from train.refusal import row_features

    hits = [hit("NATO adopted the 2030 strategic concept in Brussels.", 0.7)]
    ranked = [cand("NATO adopted the 2030 strategic concept in Brussels.", 0.8)]
    f = row_features("When was the concept adopted?", refusal_features("When was the concept adopted?", hits, ranked), ranked)
    assert not set(SPAN_SENTENCE_FEATURES) & set(f)
