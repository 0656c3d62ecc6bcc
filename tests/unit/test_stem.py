"""Key terms: a question's wording must meet the document's, possessives and curly quotes included."""

from rag.refusal import refusal_features
from rag.text import key_terms, stem


def test_possessive_matches_the_bare_word():
    assert stem("alliance's") == stem("alliance") == "alliance"
    assert stem("moscow’s") == stem("moscow")  # curly apostrophe, as in copied news text
    assert "alliance" in key_terms("In which city did the alliance's delegates convene?")


def test_contractions_and_plain_words_are_unchanged():
    assert stem("don't") == "don't"
    assert stem("proposed") == stem("proposes") == "propos"


def test_possessive_question_term_counts_as_found():
    from rag.types import Chunk, ScoredChunk

    text = "The alliance met in Brussels on 14 June."
    hit = ScoredChunk(Chunk(id="c1", source="a.txt", root="r", title="a", start=0, end=len(text), text=text, doc_sha256="0", n_chunks=1), score=1.0, dense=0.5)
    f = refusal_features("Where did the alliance's members meet?", [hit], [])
    assert abs(f["q_missing"] - 2 / 3) < 1e-9  # "members" and "meet" are missing; "alliance's" is found as "alliance"
