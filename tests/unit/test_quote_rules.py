"""An extractive answer to "In what year ...?" must state a year, and one to "How many ...?" a number the
question does not give, else the pipeline refuses (seeds: "In which year was NATO founded?" was answered
with the sentence about the 14 June summit; evals/results/year_rule.md, count_rule.md)."""

import pytest

from rag.answer import asks_count, asks_version, asks_year, states_count, states_version, states_year


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


def test_asks_version_for_which_version_or_release():
    for q in ("Which SQLite release fixed CVE-2020-13871?", "In which Git release did git worktree first appear?",
              "From which R version is libcurl always available?", "Which version number does Debian Lenny have?",
              "What is the version number of the file format?"):
        assert asks_version(q), q
    for q in ("What version of the English translation of the Bible did Luther's translation affect?",  # a thing, not a number
              "What do later versions of the Lord's Prayer hymn still use?", "When was the version released?", "Which file is read?",
              "Which lock does version 3 rely on so that readers cannot starve a writer?"):  # an auxiliary ends the wh-phrase
        assert not asks_version(q), q


def test_states_version_needs_a_number_the_question_does_not_give():
    q = "Which SQLite release fixed CVE-2020-13871?"
    for sent in ("CVE-2020-13871 | 3.32.3 (2020-06-18)", "From R 4.2.0 it is always used.", "Version 2.10 brought it.", "Currently 3007000.", "Since Git 2.5 (2015)."):
        assert states_version(sent, q), sent
    for sent in ("CVE-2020-13871 is a heap overread.", "Use the sqlite3_analyzer.exe program.", "F313 is the enhanced MERGE.",
                 "It is the main one.", 'This new worktree is called a "linked worktree", as opposed to the one git-init(1) prepared.'):
        assert not states_version(sent, q), sent


@pytest.mark.parametrize("name, text, refused, note, answered, expected", [
    # year rule: the 14 June sentence states no year; a "when" question is answered from it (the file's name says NATO)
    ("nato.txt", "Representatives of all members gathered in Brussels on 14 June to discuss the alliance. "
     "The leaders adopted a new strategic concept at the meeting.\n",
     "In which year did NATO leaders gather in Brussels?", "states a year", "When did NATO leaders gather in Brussels?", "14 June"),
    # count rule: the only number is the question's own 1555; a year question is answered from the same passage
    ("colony.txt", "The Huguenots founded the colony of France Antarctique in 1555 near the bay. The settlers built a fort on an island.\n",
     "How many Huguenots founded France Antarctique in 1555?", "states a number", "In which year was France Antarctique founded?", "1555"),
    # version rule: the sentence about the worktree command states no version; the one about its lock option does
    ("worktree.txt", "The git worktree command manages linked worktrees beside the main one. Version 2.10 brought a lock subcommand.\n",
     "In which Git release did the worktree command manage linked worktrees?", "states a version number",
     "Which version brought a lock subcommand?", "2.10"),
])
def test_pipeline_refuses_when_no_quoted_sentence_states_what_is_asked(pipeline_over, name, text, refused, note, answered, expected):
    p = pipeline_over({name: text}, refusal_threshold=0.0)
    a = p.ask(refused)
    assert a.refused and not a.citations, a
    assert any(note in n for n in a.notes), a.notes
    assert a.closest and a.closest[0].text.strip() in text  # the closest passage is still shown
    b = p.ask(answered)
    assert not b.refused and expected in b.answer, b


def test_a_compound_question_is_split_into_the_questions_it_asks():
    from rag.answer import question_parts

    assert question_parts("Which README describes a GUI toolkit implemented with Tcl, and which version is it?") == [
        "Which README describes a GUI toolkit implemented with Tcl", "which version is it?"]
    assert question_parts("What is Tk? Which version is it?") == ["What is Tk?", "Which version is it?"]
    assert question_parts("Which project renamed its branch to main and how do I update my checkout?") == [
        "Which project renamed its branch to main", "how do I update my checkout?"]
    for q in ("Where and when did it start?", "Which release was it, and when?",  # a part under 3 words: one question
              "When I upgrade the package, which version do I get?",  # a condition, not a question
              "In the README of Tk, which version is it?", "In which Git release did git worktree first appear?"):
        assert question_parts(q) == [q], q


def test_a_rule_refuses_only_a_question_that_asks_it_in_every_part():
    from rag.answer import QUOTE_RULES, asks_throughout

    version = next(r for r in QUOTE_RULES if r.name == "version")
    assert asks_throughout(version, "In which Git release did git worktree first appear?")
    assert asks_throughout(version, "Which version is it, and which release fixed the bug?")
    assert not asks_throughout(version, "Which README describes a GUI toolkit implemented with Tcl, and which version is it?")
    assert not asks_throughout(version, "Which file is read?")
