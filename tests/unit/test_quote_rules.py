"""An extractive answer to "In what year ...?" must state a year, and one to "How many ...?" a number the
question does not give, else the pipeline refuses (seeds: "In which year was NATO founded?" was answered
with the sentence about the 14 June summit; evals/results/year_rule.md, count_rule.md)."""

from rag.answer import asks_count, asks_year, states_count, states_year


def test_asks_year_only_for_questions_that_name_the_year():
    assert asks_year("In which year was NATO founded?")
    assert asks_year("What year did Washington leave the INF treaty?")
    assert asks_year("In what years did the famine recur?")
    assert not asks_year("When did NATO leaders meet in Brussels?")  # a date without a year answers it
    assert not asks_year("How many years did the war last?")
    assert not asks_year("What did the yearbook say?")


def test_states_year_accepts_years_decades_and_relative_years():
    for s in ("NATO was founded in 1949.", "It grew in the 1990s.", "Charlemagne was crowned in 800.", "The treaty lapsed the following year."):
        assert states_year(s), s
    for s in ("The members gathered in Brussels on 14 June.", "Thirty members signed it.", "It lasted 12 days."):
        assert not states_year(s), s


def test_pipeline_refuses_a_year_question_whose_answer_states_no_year(pipeline_over):
    p = pipeline_over({"nato.txt": "Representatives of all members gathered in Brussels on 14 June to discuss the alliance. "
                                   "The leaders adopted a new strategic concept at the meeting.\n"}, refusal_threshold=0.0)
    a = p.ask("In which year did NATO leaders gather in Brussels?")
    assert a.refused and not a.citations, a
    assert any("states a year" in n for n in a.notes), a.notes
    assert a.closest and "Brussels" in a.closest[0].text  # the closest passage is still shown
    b = p.ask("When did NATO leaders gather in Brussels?")  # not a year question: answered from the same sentence
    assert not b.refused and "14 June" in b.answer, b


def test_asks_count_for_how_many_and_how_much():
    for q in ("How many tables can a join contain?", "How much did the project cost?", "What percentage of monks died?",
              "Which proportion of the vote did they win?"):
        assert asks_count(q), q
    for q in ("How long did the war last?", "What is the number of the page format?", "When did it end?", "Who counted them?"):
        assert not asks_count(q), q


def test_states_count_needs_a_number_the_question_does_not_give():
    q = "How many Huguenots founded the colony in 1555?"
    for s in ("About 600 settlers came.", "Hundreds of them came.", "A quarter of them came.", "Several ships came.",
              "None of them stayed.", "There are infinitely many primes.", "Twelve families came.", "It grew by 5%.",
              "Sites with fewer than 100K hits/day work fine.", "It can use up to twice as much space."):
        assert states_count(s, q), s
    for s in ("The colony was founded in 1555.", "The Huguenots sailed from France.", "Many people came."):
        assert not states_count(s, q), s
    assert not states_count("A 4GB file is large.", "How many blocks does a 4GB file take?")  # the question's own number


def test_pipeline_refuses_a_count_question_whose_answer_states_no_number(pipeline_over):
    p = pipeline_over({"colony.txt": "The Huguenots founded the colony of France Antarctique in 1555 near the bay. "
                                     "The settlers built a fort on an island.\n"}, refusal_threshold=0.0)
    a = p.ask("How many Huguenots founded France Antarctique in 1555?")
    assert a.refused and not a.citations, a
    assert any("states a number" in n for n in a.notes), a.notes
    b = p.ask("In which year was France Antarctique founded?")  # the same passage answers a year question
    assert not b.refused and "1555" in b.answer, b
