"""The pipeline's contracts with fakes (hash embedder, real Chroma in tmp):
question validation messages, and extractive answers that are supported by construction
(every sentence supported, every [n] resolves, citation spans are exact document slices)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag.errors import EmptyQuestion, QuestionTooLong
from rag.loaders import load_file
from rag.pipeline import build
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"

QUESTIONS = [
    "Who proposed the new 2030 strategic concept?",
    "Where did the representatives of the members gather?",
    "Which countries did the members name among the main causes of their concerns?",
    "What did the members reject about missiles?",
    "When was the INF Treaty abandoned by the US?",
    "Who did the Normans descend from?",
    "Where does the Rhine begin?",
]


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipe")
    d = tmp / "docs"
    d.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), d / "nato.txt")
    for name in ("Normans", "Rhine"):
        shutil.copy(ARTICLES / f"{name}.txt", d / f"{name}.txt")
    # A source with its own bracketed reference numbers: they must not be read as citations.
    (d / "refs.txt").write_text("Paris is the capital and largest city of France.[12] It has about two million inhabitants.[3]\n")
    p = build(Settings(data_dir=tmp / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    p.ingest([d])
    p.docs = {f.name: load_file(f, d, 10**8).text for f in d.iterdir()}
    return p


@pytest.mark.parametrize("q", ["", "   ", "\n\t"])
def test_empty_question_is_rejected_with_a_message(pipe, q):
    with pytest.raises(EmptyQuestion) as e:
        pipe.ask(q)
    assert str(e.value).strip()


def test_too_long_question_is_rejected_with_the_limit_and_the_fix(pipe):
    with pytest.raises(QuestionTooLong) as e:
        pipe.ask("why " * 600)
    msg = str(e.value)
    assert "2000" in msg and "RAG_MAX_QUESTION_CHARS" in msg


def test_question_at_the_limit_is_accepted(pipe):
    q = ("Who proposed the new 2030 strategic concept? " * 60)[:2000]
    assert len(q) == 2000
    pipe.ask(q)


@pytest.mark.parametrize("q", QUESTIONS + ["What is the capital of France?"])
def test_extractive_answers_are_supported_by_construction(pipe, q):
    ans = pipe.ask(q)
    assert not ans.refused and ans.mode == "extractive"
    assert 1 <= len(ans.sentences) <= 3
    assert all(s.supported and s.support == 1.0 and s.shown for s in ans.sentences)
    assert ans.removed_citations == () and ans.removed_sentences == 0
    by_n = {c.n: c for c in ans.citations}
    assert sorted(by_n) == list(range(1, len(by_n) + 1))
    shown = [int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)]
    assert set(shown) == set(by_n)  # every [n] resolves, every citation is used
    for s in ans.sentences:
        for n in s.cites:
            c = by_n[n]
            doc = pipe.docs[c.source]
            assert doc[c.start : c.end] == c.text  # the cited span is the document's own text
            assert s.text in c.text  # the sentence is quoted from the passage it cites
            assert any(doc[a:b] == s.text for a, b in c.highlights)  # and highlighted exactly


def test_a_sources_own_bracket_numbers_are_not_citations(pipe):
    ans = pipe.ask("What is the capital of France?")
    assert "Paris" in ans.answer and ans.removed_citations == ()
    assert not any("match no source" in n for n in ans.notes)


def test_answer_is_short(pipe):
    for q in QUESTIONS:
        assert len(pipe.ask(q).answer.split()) < 150


def test_streaming_yields_text_then_the_same_answer(pipe):
    events = list(pipe.stream(QUESTIONS[0]))
    assert all(isinstance(e, str) for e in events[:-1]) and events[:-1]
    final = events[-1]
    assert final.answer.startswith(events[0].split(" [")[0][:30])


# --- fusion, on hand-made runs ------------------------------------------------------


def _sc(i: str, score: float, dense=None, bm25=None) -> ScoredChunk:
    return ScoredChunk(Chunk(i, "s", "", "", 0, 1, f"text of {i}", "", 1), score, dense, bm25)  # distinct texts: fusion keeps one of equal ones


@pytest.mark.parametrize("fusion", ["rrf", "score"])
def test_fusion_weights_decide_between_runs(fusion):
    dense = [_sc("a", 0.9, dense=0.9), _sc("b", 0.5, dense=0.5), _sc("d", 0.1, dense=0.1)]
    sparse = [_sc("b", 12.0, bm25=12.0), _sc("c", 3.0, bm25=3.0)]
    assert HybridRetriever(None, None, 1.0, fusion=fusion).fuse(dense, sparse, 3)[0].chunk.id == "a"
    assert HybridRetriever(None, None, 0.0, fusion=fusion).fuse(dense, sparse, 3)[0].chunk.id == "b"
    top = HybridRetriever(None, None, 0.5, fusion=fusion).fuse(dense, sparse, 3)
    assert [h.chunk.id for h in top][0] == "b"  # in both runs
    b = top[0]
    assert b.dense == 0.5 and b.bm25 == 12.0  # both raw scores are kept for refusal and display


def test_score_fusion_keeps_the_size_of_a_lead():
    # BM25 is far more sure about "c" than dense is about "a": score fusion follows the margin, RRF can't see it.
    dense = [_sc("a", 0.52, dense=0.52), _sc("c", 0.50, dense=0.50), _sc("d", 0.1, dense=0.1)]
    sparse = [_sc("c", 30.0, bm25=30.0), _sc("a", 2.0, bm25=2.0), _sc("d", 1.0, bm25=1.0)]
    assert HybridRetriever(None, None, 0.5, fusion="score").fuse(dense, sparse, 1)[0].chunk.id == "c"


def test_score_fusion_counts_a_lone_bm25_hit_as_that_run_s_best():
    # The only chunk holding a rare query term (a new file's name, say) is BM25's one hit. Min-max
    # over one hit has no span; that hit is the run's best, not its worst: it must not fall behind
    # chunks that only the dense run found (the dense run may miss it: HNSW is approximate).
    dense = [_sc("a", 0.23, dense=0.23), _sc("b", 0.22, dense=0.22), _sc("c", 0.20, dense=0.20)]
    top = HybridRetriever(None, None, 0.4, fusion="score").fuse(dense, [_sc("new", 14.5, bm25=14.5)], 3)
    assert top[0].chunk.id == "new" and top[0].score == pytest.approx(0.6)
    tied = HybridRetriever(None, None, 0.4, fusion="score").fuse(dense, [_sc("n1", 3.0, bm25=3.0), _sc("n2", 3.0, bm25=3.0)], 4)
    assert {h.chunk.id for h in tied[:2]} == {"n1", "n2"}


def test_unknown_fusion_is_an_error():
    with pytest.raises(ValueError):
        HybridRetriever(None, None, 0.5, fusion="max")
