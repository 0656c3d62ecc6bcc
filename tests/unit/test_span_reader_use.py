"""The span reader behind its Protocol (rag.reader.PassageReader), with the deterministic fake
(LexicalSpanReader) and with hand-made logits for the real decoding: the best span respects the
passage and the length cap, windows merge, sentence ranking and refusal features use the reads,
and `build()` asks for the shipped files only when RAG_READER=span."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from rag import pipeline as P
from rag.answer import rank_sentences
from rag.embeddings import HashEmbedder
from rag.errors import ConfigError
from rag.reader import MAX_ANSWER_TOKENS, LexicalSpanReader, PassageRead, SpanReader
from rag.refusal import SPAN_FEATURES, SPAN_MODEL_FEATURES, refusal_features
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk

TEXT = "Alpha one begins here today. The treaty was signed in 1987 by two leaders. The US abandoned it in 2019 after talks."
OTHER = "Beta two is unrelated. Bananas are yellow fruit."


def window(n_question: int, n_passage: int, starts: dict, ends: dict, null=(0.0, 0.0)):
    """A fake window: [CLS] q.. [SEP] p.. [SEP] with chosen start/end logits on passage tokens."""
    seq = [None] + [0] * n_question + [None] + [1] * n_passage + [None]
    lg = np.full((len(seq), 2), -5.0, dtype=np.float32)
    lg[0] = null
    first = n_question + 2
    for k, v in starts.items():
        lg[first + k, 0] = v
    for k, v in ends.items():
        lg[first + k, 1] = v
    offs = np.zeros((len(seq), 2), dtype=np.int64)
    for k in range(n_passage):
        offs[first + k] = (10 * k, 10 * k + 9)
    ctx = np.array([i for i, s in enumerate(seq) if s == 1])
    return (float(lg[0, 0] + lg[0, 1]), ctx, lg, offs)


def test_best_span_is_decoded_from_start_and_end_logits_with_the_null_margin():
    r = SpanReader._merge([window(3, 10, {2: 4.0}, {4: 3.0}, null=(1.0, 1.0))])
    assert (r.start, r.end) == (20, 49)  # tokens 2..4 of the passage
    assert r.null == 2.0 and r.score == pytest.approx(7.0 - 2.0)
    assert r.within(20, 30) == pytest.approx(5.0)  # the span starts in [20, 30)
    assert r.within(0, 10) < 0 and r.within(500, 600) == float("-inf")


def test_an_end_before_the_start_or_too_far_after_it_is_never_chosen():
    # The best end logit sits before the best start: the decoder must not pair them.
    r = SpanReader._merge([window(2, 40, {10: 5.0}, {3: 9.0, 12: 1.0})])
    assert (r.start, r.end) == (100, 129)
    far = SpanReader._merge([window(2, 60, {1: 5.0}, {1 + MAX_ANSWER_TOKENS + 5: 9.0, 4: 0.0})])
    assert (far.start, far.end) == (10, 49)


def test_windows_of_a_long_passage_merge_with_the_lowest_null():
    a = window(2, 5, {1: 1.0}, {1: 1.0}, null=(2.0, 2.0))
    b = window(2, 5, {3: 6.0}, {3: 6.0}, null=(0.5, 0.5))
    r = SpanReader._merge([a, b])
    assert r.null == 1.0 and r.score == pytest.approx(11.0)
    assert len(r.offsets) == 10


def hits(*texts):
    return [ScoredChunk(Chunk(f"c{i}", "a.txt", "/r", "a", 0, len(t), t, "x", len(texts)), 1.0 / (i + 1), dense=0.5) for i, t in enumerate(texts)]


class NoEmbedding(HashEmbedder):
    def embed_documents(self, texts):
        raise AssertionError("the span reader's ranking must not embed the sentences")


class Recording(LexicalSpanReader):
    def __init__(self):
        self.calls = []

    def read(self, question, passages):
        self.calls.append(list(passages))
        return super().read(question, passages)


def test_ranking_reads_each_passage_once_and_scores_every_sentence():
    r = Recording()
    ranked = rank_sentences("When was it abandoned by the US?", None, hits(TEXT, OTHER), NoEmbedding(), span=r)
    assert r.calls == [[TEXT, OTHER]]
    assert ranked[0].text == "The US abandoned it in 2019 after talks."
    assert all("span" in dict(c.features) for c in ranked) and len(ranked) == 5  # no shortlist


def test_refusal_features_carry_the_span_signals():
    q = "When was it abandoned by the US?"
    h = hits(OTHER, TEXT)
    f = refusal_features(q, h, rank_sentences(q, None, h, NoEmbedding(), span=LexicalSpanReader()))
    assert set(SPAN_FEATURES) <= set(f) and set(SPAN_MODEL_FEATURES) <= set(f)
    assert f["span_max"] > 0 > f["span_top1"]  # the answer is in the second source, not the first
    assert f["span_pos"] == 0.5


def test_build_asks_for_the_shipped_span_files_only_when_chosen(tmp_path, monkeypatch):
    s = Settings(data_dir=tmp_path, embedder="hash", reader="off")
    assert P.shipped_span_reader(s) is None
    monkeypatch.setattr(P, "SPAN_MODEL_PATH", tmp_path / "missing.json")
    with pytest.raises(ConfigError, match="train/span_reader.py.*RAG_READER=off"):
        P.shipped_span_reader(Settings(data_dir=tmp_path, embedder="hash", reader="span"))
    p = P.build(s, span=LexicalSpanReader())
    assert p.span is not None and p.reader is None
    assert isinstance(LexicalSpanReader().read("x", ["y."])[0], PassageRead)


def test_model_backend_auto_is_numpy_for_one_question_and_torch_for_many(tmp_path):
    s = Settings(data_dir=tmp_path, embedder="hash", reader="span")
    assert s.model_backend == "auto" and s.reader_precision == "auto"
    assert P.model_backend(s, one_shot=True) == "numpy"
    assert P.model_backend(s) == "torch"  # torch is installed here (sentence-transformers needs it)
    assert P.model_backend(s.model_copy(update={"model_backend": "torch"}), one_shot=True) == "torch"  # explicit wins
    assert P.model_backend(s.model_copy(update={"model_backend": "numpy"})) == "numpy"
    assert P.model_backend(s.model_copy(update={"reader_precision": "bf16"}), one_shot=True) == "torch"  # bf16 runs on torch only
    lazy = P.shipped_span_reader(s, one_shot=True)
    assert (lazy.backend, lazy.precision, lazy._reader) == ("numpy", "fp32", None)  # nothing loaded until asked
    with pytest.raises(ConfigError, match="RAG_MODEL_BACKEND=torch"):
        P.shipped_span_reader(s.model_copy(update={"model_backend": "numpy", "reader_precision": "bf16"}))
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, model_backend="onnx")


def test_reader_precision_auto_is_bf16_only_in_torch_on_a_cpu_with_bf16_units(tmp_path, monkeypatch):
    from rag import quantized

    s = Settings(data_dir=tmp_path, embedder="hash", reader="span")  # "auto" is the default
    assert P.resolve_precision("fp32", "torch") == "fp32" and P.resolve_precision("bf16", "torch") == "bf16"  # explicit wins
    assert P.resolve_precision("auto", "numpy") == "fp32"  # numpy has no bf16 kernels
    for cpu_has_bf16, want in ((True, "bf16"), (False, "fp32")):
        monkeypatch.setattr(quantized, "bf16_supported", lambda v=cpu_has_bf16: v)
        assert P.resolve_precision("auto", "torch") == want
    lazy = P.shipped_span_reader(s, one_shot=True)  # `rag ask`: numpy, so fp32 at once, and no torch import
    assert (lazy.backend, lazy.precision) == ("numpy", "fp32")
    lazy = P.shipped_span_reader(s.model_copy(update={"model_backend": "torch"}))
    assert (lazy.backend, lazy.precision, lazy._reader) == ("torch", "auto", None)  # resolved when the weights load
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, reader_precision="fp16")


def test_only_the_first_passages_are_read_when_capped():
    r = Recording()
    q = "When was it abandoned by the US?"
    ranked = rank_sentences(q, None, hits(OTHER, TEXT), NoEmbedding(), span=r, span_passages=1)
    assert r.calls == [[OTHER]]
    unread = [c for c in ranked if c.source == 2]
    assert unread and all(dict(c.features)["span"] == -12.0 for c in unread)


def test_warm_up_loads_the_embedder_and_the_reader(tmp_path):
    class Counting(HashEmbedder):
        calls = 0

        def embed_query(self, text):
            Counting.calls += 1
            return super().embed_query(text)

    class LoadingSpan(LexicalSpanReader):
        loads = 0

        def load(self):
            LoadingSpan.loads += 1
            return self

    p = P.build(Settings(data_dir=tmp_path, embedder="hash", reader="span"), embedder=Counting(), span=LoadingSpan())
    p.warm_up()
    assert (Counting.calls, LoadingSpan.loads) == (1, 1)
    P.build(Settings(data_dir=tmp_path, embedder="hash", reader="span"), span=LexicalSpanReader()).warm_up()  # a reader without load() is fine


def test_warm_up_opens_the_index_when_there_is_one(tmp_path, seeds_dir):
    settings = Settings(data_dir=tmp_path, embedder="hash", reader="off")
    P.build(settings).ingest([seeds_dir])
    fresh = P.build(settings)
    assert fresh.store._collection is None
    fresh.warm_up()  # embedded Chroma reads its vector index on this first call, not on the first question
    assert fresh.store._collection is not None


def test_eval_reports_name_the_reader_as_the_pipelines_ran_it(tmp_path):
    from types import SimpleNamespace

    from evals.cli import _reader_info

    s = Settings(data_dir=tmp_path, embedder="hash", reader="span")
    ran = SimpleNamespace(span=SimpleNamespace(backend="torch", precision="bf16"))  # "auto" as the load resolved it
    assert _reader_info(s, [SimpleNamespace(span=None), ran]) == {"reader": "span", "backend": "torch", "precision": "bf16"}
    off = s.model_copy(update={"reader": "off", "model_backend": "numpy"})
    assert _reader_info(off, [SimpleNamespace(span=None)]) == {"reader": "off", "backend": "numpy", "precision": None}


class Distracted(LexicalSpanReader):
    """Like a SQuAD-trained reader: a question that restates a sentence draws the span into that sentence."""

    def __init__(self):
        self.questions = []

    def read(self, question, passages):
        from rag.text import sentence_spans

        self.questions.append(question)
        out = []
        for text in passages:
            spans = sentence_spans(text)
            distracted = "blocks" in question  # and less sure of itself, as the real reader was (2.4 against 3.7)
            target = 0 if distracted else next(k for k, (s, e) in enumerate(spans) if "1024" in text[s:e])
            margin = 4.0 if distracted else 11.0
            best = np.array([margin if k == target else -10.0 for k in range(len(spans))], dtype=np.float32)
            out.append(PassageRead(0.0, margin, *spans[target], np.array(spans, dtype=np.int64), best))
        return out


def test_a_question_led_by_a_statement_is_also_read_by_its_asking_clause():
    text = "The file is a run of equal blocks of one size. Each page is usually 1024 bytes in size. Pages count from one."
    q = "The file is a run of equal blocks; how large is each page usually?"
    r = Distracted()
    ranked = rank_sentences(q, None, hits(text), NoEmbedding(), span=r)
    assert r.questions == [q, "how large is each page usually?"]
    assert ranked[0].text == "Each page is usually 1024 bytes in size."
    assert dict(ranked[1].features)["span"] == 4.0  # the whole question's reading is kept too
    plain = Distracted()
    rank_sentences("How large is each page usually?", None, hits(text), NoEmbedding(), span=plain)
    assert len(plain.questions) == 1  # a plain question is read once


def test_or_better_keeps_the_better_margin_per_wordpiece():
    a = SpanReader._merge([window(2, 4, {0: 3.0}, {0: 3.0}, null=(1.0, 1.0))])  # token 0: margin 4
    b = SpanReader._merge([window(5, 4, {2: 6.0}, {2: 6.0}, null=(0.0, 0.0))])  # token 2: margin 12
    m = a.or_better(b)
    assert m.null == 0.0 and m.score == pytest.approx(12.0) and (m.start, m.end) == (20, 29)
    assert m.within(0, 10) == pytest.approx(4.0) and m.within(20, 30) == pytest.approx(12.0)
    assert a.or_better(a).score == pytest.approx(a.score)
