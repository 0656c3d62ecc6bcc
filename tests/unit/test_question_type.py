"""question_type reads the question's own wh-word, not one of a clause inside it."""

import pytest

from rag.answer import asking_clause, question_type


@pytest.mark.parametrize(
    "question, kind",
    [
        ("When did NATO leaders meet in Brussels?", "date"),
        ("In which year was the INF Treaty signed?", "date"),
        ("Until when will that last?", "date"),
        ("How many members does NATO have?", "number"),
        ("Who proposed the concept?", "person"),
        ("Which city hosted the summit?", "place"),
        ("Where and when did the investigation begin?", "date"),  # both asked: the kinds keep their order
        ("When did the war end, according to the text?", "date"),  # the "condition" held the only wh-word
        ("What is the capital?", None),
    ],
)
def test_the_wh_word_of_the_question(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize(
    "question, kind",
    [
        # a when-clause inside the question is not a date question (it was, before 2026-12-02)
        ("What happens when an Array<T> is constructed with n less than zero?", None),
        ("Which SQLSTATE does PostgreSQL report when it detects a deadlock?", None),
        ("When bisecting without checking out each candidate, which special reference is moved?", None),
        # a leading condition: the main clause asks
        ("When I save my workspace on quitting R, where do the commands I typed go?", "place"),
        # relative pronouns and titles are not the question's wh-word
        ("What kind of value is stored in a record column whose serial type is 7?", None),
        ("What company relaunched Who Wants to Be a Millionaire?", None),
        ("How can I make bisect consider only commits where I know the problem lives?", None),
    ],
)
def test_a_clause_inside_the_question_does_not_type_it(question, kind):
    assert question_type(question) == kind


@pytest.mark.parametrize(
    "question, clause",
    [
        ("From the pager's view the file is equal-sized blocks; how large is each block typically?", "how large is each block typically?"),
        ("In a b-tree page header, what does a zero for the start of the cell content area stand for?",
         "what does a zero for the start of the cell content area stand for?"),
        ("If applying a stash fails with conflicts, is the stash removed from the list?", "is the stash removed from the list?"),
        ("When bisecting without a checkout, which special reference is moved to the commit?", "which special reference is moved to the commit?"),
        ("txid_snapshot is deprecated: which type should I use instead?", "which type should I use instead?"),
        # no leading statement, or the question comes first
        ("What is the largest size of a page?", None),
        ("Which GCC releases miscompile R, when it is built with -O3?", None),
        ("Why does an else at the start of a line fail at the top level, when inside braces it works?", None),
        ("In R, what is NA?", None),  # too short a clause to read alone
    ],
)
def test_the_asking_clause_is_what_follows_a_leading_statement(question, clause):
    assert asking_clause(question) == clause
