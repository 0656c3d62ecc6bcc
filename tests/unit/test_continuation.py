"""The span reader's answer in the sentence right after the best-scored one is quoted too (realdocs: "What does SQLite
compete with, rather than client/server databases?" quoted only "SQLite does not compete with client/server databases.")."""

from rag.answer import Candidate, ExtractiveAnswerer


def cand(start: int, text: str, score: float, span: float | None, source: int = 1) -> Candidate:
    feats = (("lex", 0.5),) + ((("span", span),) if span is not None else ())
    return Candidate(source, start, start + len(text), text, 0.0, 0.5, score, feats)


FIRST = "SQLite does not compete with client/server databases."
NEXT = "SQLite competes with fopen()."


def test_the_next_sentence_is_quoted_when_the_reader_finds_a_better_span_in_it():
    ranked = [cand(0, FIRST, 0.85, 2.4), cand(54, NEXT, 0.56, 3.4), cand(200, "Other text of the page here.", 0.5, 1.0)]
    assert [c.text for c in ExtractiveAnswerer(embedder=None).select(ranked)] == [FIRST, NEXT]


def test_not_when_its_span_is_worse_negative_in_another_passage_or_without_a_span_reader():
    sel = ExtractiveAnswerer(embedder=None).select
    assert [c.text for c in sel([cand(0, FIRST, 0.85, 2.4), cand(54, NEXT, 0.56, 1.0)])] == [FIRST]  # reader prefers the first
    assert [c.text for c in sel([cand(0, FIRST, 0.85, -3.0), cand(54, NEXT, 0.56, -1.0)])] == [FIRST]  # no answer in either
    assert [c.text for c in sel([cand(0, FIRST, 0.85, 2.4), cand(54, NEXT, 0.56, 3.4, source=2)])] == [FIRST]  # not its passage
    assert [c.text for c in sel([cand(0, FIRST, 0.85, None), cand(54, NEXT, 0.56, None)])] == [FIRST]  # reader off


def test_it_takes_the_last_place_when_the_answer_is_full():
    ranked = [cand(0, FIRST, 0.9, 1.0), cand(300, "A second close sentence here.", 0.89, 0.5),
              cand(400, "A third close sentence here.", 0.88, 0.2), cand(54, NEXT, 0.3, 4.0)]
    picked = ExtractiveAnswerer(embedder=None, max_sentences=3).select(ranked)
    assert [c.text for c in picked] == [FIRST, NEXT, "A second close sentence here."]


def test_the_best_table_row_comes_first_and_prose_keeps_document_order():
    """QA 2026-12-05: "How many people fit in the Cormorant meeting room?" showed the close-scoring Pelican row, which
    comes first in the table, before the Cormorant row that answers. Rows are alternatives: the best one leads. Sentences of
    prose are still read in document order."""
    sel = ExtractiveAnswerer(embedder=None).select
    rows = [cand(40, "Cormorant | 4 | 20", 0.50, 1.6), cand(20, "Pelican | 3 | 6", 0.44, 3.4), cand(0, "Albatross | 2 | 12", 0.30, 1.2)]
    assert [c.text for c in sel(rows)] == ["Cormorant | 4 | 20", "Pelican | 3 | 6"]
    prose = [cand(100, "The second sentence answers it.", 0.5, 1.0), cand(0, "The first sentence sets the scene here.", 0.45, 0.5)]
    assert [c.text for c in sel(prose)] == ["The first sentence sets the scene here.", "The second sentence answers it."]
