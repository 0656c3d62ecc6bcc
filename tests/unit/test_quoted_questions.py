"""A sentence that asks is never quoted as an extractive answer (RGB: "Super Bowl 2021 location" was
answered with "What is the location and date for the Super Bowl in 2022?")."""

from rag.answer import ExtractiveAnswerer, is_question, rank_sentences
from rag.types import Chunk, ScoredChunk


def hit(text: str) -> ScoredChunk:
    return ScoredChunk(Chunk(id="c", source="a.txt", root="r", title="a", start=0, end=len(text), text=text, doc_sha256="0", n_chunks=1), 1.0)


def test_is_question_reads_the_end_of_the_sentence_through_quotes_and_brackets():
    assert is_question("What is the location and date for the Super Bowl in 2022?")
    assert is_question('He asked: "Where is the stadium?"')
    assert is_question("Why (asked the board)?)")
    assert not is_question("The game was played in Tampa, Florida.")
    assert not is_question("Is it? Nobody knows, but the game was played in Tampa.")


def test_select_skips_questions_and_keeps_the_statement():
    faq = hit("What is the location and date for the Super Bowl in 2022? The 2022 Super Bowl was played at SoFi Stadium in Inglewood.")
    q = "Where was the Super Bowl in 2022?"
    ranked = rank_sentences(q, None, [faq], embedder=None, embed=False)
    assert {c.text for c in ranked} == {"What is the location and date for the Super Bowl in 2022?",
                                        "The 2022 Super Bowl was played at SoFi Stadium in Inglewood."}
    picked = ExtractiveAnswerer(embedder=None).select(ranked)
    assert [c.text for c in picked] == ["The 2022 Super Bowl was played at SoFi Stadium in Inglewood."]


def test_pipeline_refuses_when_every_candidate_sentence_is_a_question(pipeline_over):
    p = pipeline_over({"faq.txt": "Where was the Super Bowl played in 2022? Who won the Super Bowl in 2022 after the final whistle?\n"},
                      refusal_threshold=0.0)
    a = p.ask("Where was the Super Bowl played in 2022?")
    assert a.refused and not a.citations, a
    assert a.closest and "Super Bowl" in a.closest[0].text  # what was closest is still shown
