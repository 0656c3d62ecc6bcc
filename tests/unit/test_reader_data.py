"""The reader's training pairs (train/reader.py) on a tiny fixture: labels mean what they say.

No model here: these check the data construction that the trained weights depend on.
"""

import random
from pathlib import Path

from evals.measure_retrieval import contains_answer
from rag.reader import ANSWER, SUPPORT, LexicalReader, answer_pair, support_pair
from train import reader as tr

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "reader-data"


def test_perturb_changes_a_constraint_the_sentence_holds():
    rng = random.Random(0)
    q = "What happened in Brussels in 2021?"
    sent = "The members gathered in Brussels on 14 June 2021."
    seen = {tr.perturb(q, sent, "14 June", ["Madrid", "Paris"], rng) for _ in range(30)}
    assert q not in seen and None not in seen
    for changed in seen:
        # exactly one of the shared constraints is gone from the question
        assert ("2021" in changed) != ("Brussels" in changed)
    # nothing shared: no perturbation (a changed question would still be unanswered for another reason)
    assert tr.perturb("Who wrote Hamlet?", "The sky is blue.", "", ["Marlowe"], rng) is None
    # the answer itself is never the changed token
    assert tr.perturb("When was it founded in 1949?", "It was founded in 1949.", "1949", [], rng) is None


def test_change_number_keeps_years_plausible():
    rng = random.Random(1)
    for _ in range(50):
        y = int(tr.change_number("1973", rng))
        assert y != 1973 and 1960 <= y <= 1990
        assert tr.change_number("12", rng) != "12"


def test_negate_and_keywords():
    assert tr.negate("The treaty was signed in 1949.") == "The treaty was not signed in 1949."
    assert tr.negate("The treaty was not signed.") == "The treaty was signed."
    assert tr.keywords("When did the 1973 oil crisis begin?") == "1973 oil crisis begin"


def test_answer_examples_label_the_answer_sentence():
    corpora = [tr.load_squad_dir(FIX / "squad11-extra"), tr.load_squad_dir(FIX / "squad2-dev")]
    ex, stats = tr.answer_examples(corpora, random.Random(0))
    assert stats["positives"] > 0 and stats["unanswerable"] > 0
    assert {e[2] for e in ex} == {ANSWER}
    answers = {q["question"]: q["answers"] for _, qs in corpora for q in qs if q["answerable"]}
    for first, second, _, label in ex:
        q = first.removeprefix("question: ")
        sentence = second.split(" [SEP] ")[0]
        if label == 1.0 and q in answers:  # keyword-rewritten questions are not in the map
            assert contains_answer(sentence, answers[q])
        if label == 0.0 and q in answers:
            assert not contains_answer(sentence, answers[q])  # unchanged question: the sentence lacks every answer
    pos = [e for e in ex if e[3] == 1.0]
    assert 0 < len(pos) < len(ex)


def test_support_examples_use_the_train_split_only():
    corpora = [tr.load_squad_dir(FIX / "squad11-extra")]
    ex, stats = tr.support_examples(corpora, FIX, random.Random(0), n_synthetic=5)
    assert {e[2] for e in ex} == {SUPPORT}
    from evals.judges import load_begin

    test_claims = {e.claim for e in load_begin(FIX / "begin-dev" / "begin_dev_wow.tsv") if e.split == "test"}
    train_claims = {e.claim for e in load_begin(FIX / "begin-dev" / "begin_dev_wow.tsv") if e.split == "train"}
    used = {e[0].removeprefix("claim: ") for e in ex}
    assert train_claims and train_claims <= used
    assert not (test_claims - train_claims) & used
    assert 1 <= stats["synthetic_claims"] <= 5  # one per passage with two or more sentences


def test_pair_format_and_fake_reader():
    assert answer_pair(" When? ", "It was 1949.", "Before. After.") == ("question: When?", "It was 1949. [SEP] Before. After.")
    assert answer_pair("When?", "It was 1949.", "") == ("question: When?", "It was 1949.")
    assert support_pair("c", " t ") == ("claim: c", "t")
    r = LexicalReader()
    assert r.answers("Brussels summit", ["summit in Brussels", "nothing"]).tolist() == [1.0, 0.0]
