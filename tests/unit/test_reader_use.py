"""The reader behind its Protocol, with the deterministic fake (rag.reader.LexicalReader):
sentence ranking reads the shortlist (with neighbours as context), the refusal features
gain the reader's signals, the learned checker reads the cited passages, and `build()`
picks the shipped reader only when it is installed and calibrated."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer import READER_SENTENCE_WEIGHTS, rank_sentences
from rag.embeddings import HashEmbedder
from rag.pipeline import build, shipped_reader
from rag.reader import LexicalReader
from rag.refusal import FEATURES, READER_FEATURES, refusal_features
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk
from rag.verify import LearnedChecker, learned_features

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
# "It was abandoned ..." would be quoted together with the sentence before it (rag.blocks.quotable_units); this
# text keeps one sentence per unit, so the neighbours are what the reader sees as context.
TEXT = "Alpha one begins here today. The treaty was signed in 1987 by two leaders. The US abandoned it in 2019 after talks. Nothing else happened then."


class RecordingReader(LexicalReader):
    def __init__(self):
        self.calls = []

    def answers(self, question, texts, contexts=None):
        self.calls.append(("answers", question, list(texts), None if contexts is None else list(contexts)))
        return super().answers(question, texts, contexts)

    def supports(self, claim, texts):
        self.calls.append(("supports", claim, list(texts)))
        return super().supports(claim, texts)


class NoEmbedding(HashEmbedder):
    def embed_documents(self, texts):
        raise AssertionError("the shortlist must not be embedded when the reader scores it")


def hits():
    c = Chunk("c0", "a.txt", "/r", "a", 0, len(TEXT), TEXT, "x", 1)
    return [ScoredChunk(c, 0.9, dense=0.6)]


def test_reader_scores_the_shortlist_with_neighbours_as_context_and_skips_embedding():
    r = RecordingReader()
    ranked = rank_sentences("When was the agreement abandoned?", None, hits(), NoEmbedding(), prefilter=3, reader=r)
    (_, q, texts, contexts), = r.calls
    assert len(texts) == 3 == len(ranked) and len(contexts) == 3
    i = texts.index("The US abandoned it in 2019 after talks.")
    assert contexts[i] == "The treaty was signed in 1987 by two leaders. Nothing else happened then."
    assert ranked[0].text == "The US abandoned it in 2019 after talks."
    assert all(dict(c.features)["reader"] == pytest.approx(LexicalReader().answers(q, [c.text])[0]) for c in ranked)
    assert all(c.cosine == 0.0 for c in ranked) and "cos" not in READER_SENTENCE_WEIGHTS


def test_refusal_features_gain_the_readers_signals():
    ranked = rank_sentences("When was the agreement abandoned?", None, hits(), NoEmbedding(), reader=LexicalReader())
    f = refusal_features("When was the agreement abandoned?", hits(), ranked)
    assert set(f) == set(FEATURES) | set(READER_FEATURES)
    ps = sorted((dict(c.features)["reader"] for c in ranked), reverse=True)
    assert f["reader_max"] == ps[0] and f["reader_gap"] == pytest.approx(ps[0] - ps[1])
    assert f["reader_logit"] > 0 if ps[0] > 0.5 else f["reader_logit"] <= 0


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reader")
    docs = tmp / "docs"
    shutil.copytree(SEEDS, docs)
    build(Settings(data_dir=tmp / "data", embedder="hash", reader="off")).ingest([docs])
    return tmp


@pytest.mark.parametrize("context", [True, False])
def test_pipeline_with_the_fake_reader_answers_by_quoting(index, context):
    r = RecordingReader()
    s = Settings(data_dir=index / "data", embedder="hash", mode="extractive", refusal_threshold=0.0, reader_shortlist=5, reader_context=context)
    pipe = build(s, reader=r)
    ans = pipe.ask("Who proposed the 2030 strategic concept?")
    assert not ans.refused and "Stoltenberg" in ans.answer and all(s.supported for s in ans.sentences)
    reads = [c for c in r.calls if c[0] == "answers"]
    assert len(reads) == 1 and len(reads[0][2]) == 5 and (reads[0][3] is not None) == context
    a = pipe.assess("Who proposed the 2030 strategic concept?")
    assert set(READER_FEATURES) <= set(a.features)


def test_build_uses_no_reader_when_off(index):
    assert shipped_reader(Settings(reader="off")) is None
    assert build(Settings(data_dir=index / "data", embedder="hash", reader="off")).reader is None


def test_learned_checker_reads_the_cited_passages(tmp_path):
    r = RecordingReader()
    names = sorted(learned_features("a claim", ["a passage"], None, r))
    assert {"reader_support", "reader_logit"} <= set(names)
    # A model that only trusts the reader: P = sigmoid(10 * (reader_support - 0.5)).
    coef = [10.0 if n == "reader_support" else 0.0 for n in names]
    spec = {"kind": "logreg", "features": names, "mean": [0.0] * len(names), "scale": [1.0] * len(names), "coef": coef,
            "intercept": -5.0, "threshold": 0.5, "uses_reader": True}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(spec))
    chk = LearnedChecker(embedder=None, path=path, reader=r)
    passages = ["The treaty was signed in 1987 by two leaders.", "It was abandoned in 2019."]
    assert chk.check("The treaty was signed by two leaders in 1987.", passages).supported
    assert not chk.check("Penguins rule Antarctica completely.", passages).supported
    sup = [c for c in r.calls if c[0] == "supports"]
    assert sup[1][2] == [" ".join(passages), *passages]  # together, then each alone
    assert chk.check("It was abandoned in 2019.", passages).reason == "quoted verbatim"
    assert np.isfinite(learned_features("x", [], None, r)["reader_logit"])


def test_overlapping_chunks_never_quote_a_sentence_twice():
    """Chunk overlap repeats a sentence: re-wrapped, or cut where the next chunk starts. One copy is ranked."""
    from rag.embeddings import HashEmbedder

    doc = ("The alliance adopted a new strategic concept in Brussels on 14 June.\nIt was proposed by the Secretary General "
           "after long talks. Members agreed to meet again next year in Vilnius for the summit.")
    cut = doc.index("proposed")  # the second chunk starts inside a sentence
    a = Chunk("c0", "a.txt", "/r", "a", 0, len(doc), doc, "x", 2)
    b_text = doc[cut:].replace("\n", " ")
    b = Chunk("c1", "a.txt", "/r", "a", cut, len(doc), b_text, "x", 2)
    ranked = rank_sentences("Where will members meet again for the summit?", None, [ScoredChunk(a, 0.9, dense=0.6), ScoredChunk(b, 0.8, dense=0.5)],
                            HashEmbedder(), prefilter=0)
    norm = [" ".join(c.text.split()) for c in ranked]
    assert sum("Vilnius" in t for t in norm) == 1
    assert not any(t != u and t in u for t in norm for u in norm)  # no fragment of a ranked sentence ranked again
