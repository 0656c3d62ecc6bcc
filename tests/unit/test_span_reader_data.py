"""train/span_reader.py's training examples: the answer-removed no-answer passages (--drop-answer-share)."""

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from train.span_reader import examples_from  # noqa: E402

TEXT = ("The river rises in the Alps. It flows north through six countries. "
        "Its delta lies in the Netherlands, where it meets the North Sea. Barges carry coal on it.")
PASSAGES = {"p0": {"article": "Rhine", "text": TEXT}}
QUESTIONS = [{"question": "Where does the river meet the sea?", "answerable": True, "answers": ["the North Sea"], "passage_id": "p0", "article": "Rhine"}]


def test_drop_share_adds_the_passage_without_the_answer_sentence_as_no_answer():
    out, stats = examples_from([(PASSAGES, QUESTIONS)], random.Random(0), drop_share=1.0)
    removed = [(q, p) for q, p, span in out if span is None and "North Sea" not in p and "Alps" in p]
    assert stats["answer_removed"] == 1 and len(removed) == 1
    q, p = removed[0]
    assert p == "The river rises in the Alps. It flows north through six countries. Barges carry coal on it."
    assert any(span is not None and TEXT[span[0]:span[1]] == "the North Sea" for _, _, span in out)


def test_no_drop_by_default_and_the_shipped_recipe_is_unchanged():
    out, stats = examples_from([(PASSAGES, QUESTIONS)], random.Random(0))
    assert stats["answer_removed"] == 0 and all("North Sea" in p for _, p, _ in out if p.startswith("The river"))



NAMED = {"p0": {"article": "Rhine", "text": "The Rhine delta lies in the Netherlands. Basel saw great floods in 1876."},
         "p1": {"article": "Rhine", "text": "Cologne and Strasbourg stand on its banks."}}
NAMED_QS = [
    {"question": "Where does the Rhine delta lie?", "answerable": True, "answers": ["the Netherlands"], "passage_id": "p0", "article": "Rhine"},
    {"question": "What did Basel see in 1876?", "answerable": True, "answers": ["great floods"], "passage_id": "p0", "article": "Rhine"},
]


def _no_answer_questions(kinds, seed):
    out, stats = examples_from([(NAMED, NAMED_QS)], random.Random(seed), perturb_kinds=kinds)
    return [q for q, _, span in out if span is None and q not in {x["question"] for x in NAMED_QS}], stats


def test_perturb_kinds_leaves_out_one_kind_without_moving_the_other_draws():
    seen = set()
    for seed in range(8):
        both, s_both = _no_answer_questions(("number", "name"), seed)
        numbers, s_num = _no_answer_questions(("number",), seed)
        names, _ = _no_answer_questions(("name",), seed)
        none, s_none = _no_answer_questions((), seed)
        assert not none and s_none.get("perturbed_left_out", 0) == s_both["perturbed"] == len(both)
        assert sorted(numbers + names) == sorted(both)  # the same draws, split by kind
        assert all("1876" not in q and "Basel" in q for q in numbers)  # a number changed, the name kept
        assert all("1876" in q or "Rhine" not in q for q in names)  # a name swapped, no number changed
        seen |= {"number"} if numbers else set()
        seen |= {"name"} if names else set()
    assert seen == {"number", "name"}


# --- --synonyms: paraphrased answerable questions from WordNet (train/synonyms.py) -------------------

from train.synonyms import load, paraphrase, synonyms_of  # noqa: E402

LICENSE = "  1 This software and database is being provided to you, the LICENSEE\n"


def _wordnet(tmp_path):
    """A three-synset WordNet in the database's own format (license header lines start with two spaces)."""
    files = {
        "data.noun": LICENSE + "00000001 10 n 03 treaty 0 pact 0 accord 0 000 | a written agreement\n"
                     "00000002 10 n 02 company 0 firm 0 000 | an institution\n",
        "data.verb": LICENSE + "00000003 40 v 02 company 0 companion 0 000 | be a companion to\n"
                     "00000004 40 v 02 own 0 have 0 000 | have ownership\n"
                     "00000005 40 v 02 meet 0 gather 0 000 | come together\n",
        "data.adj": LICENSE, "data.adv": LICENSE,
        "index.noun": LICENSE + "treaty n 1 0 1 1 00000001\ncompany n 1 0 1 9 00000002\n",
        "index.verb": LICENSE + "company v 1 0 1 0 00000003\nown v 1 0 1 3 00000004\nmeet v 1 0 1 5 00000005\n",
        "index.adj": LICENSE, "index.adv": LICENSE,
        "verb.exc": "had have\n", "noun.exc": "", "adj.exc": "",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return load(tmp_path)


def test_wordnet_synonyms_take_the_most_tagged_sense_and_skip_irregular_verbs(tmp_path):
    syn = _wordnet(tmp_path)
    assert syn["treaty"] == ["accord", "pact"]
    assert syn["company"] == ["firm"]  # the noun (tagged 9 times), not the verb "to company" = "companion"
    assert "own" not in syn  # its one synonym, "have", inflects irregularly ("had"): no "haved"
    assert synonyms_of("treaties", syn) == [] and synonyms_of("companys", syn) == ["firms"]
    assert synonyms_of("met", syn) == [] and synonyms_of("meeting", syn) == ["gathering"]
    assert synonyms_of("meets", syn) == ["gathers"] and synonyms_of("gathered", syn) == []  # "gather" is no lemma here


def test_paraphrase_replaces_a_word_of_the_answer_sentence_never_a_name_or_number(tmp_path):
    syn = _wordnet(tmp_path)
    passage = "In 1987 the United States signed the treaty with the Soviet Union."
    sentence = passage
    outs = {paraphrase("When did the United States sign the treaty?", sentence, passage, syn, random.Random(s)) for s in range(5)}
    assert outs <= {"When did the United States sign the accord?", "When did the United States sign the pact?"} and outs
    assert paraphrase("When did the Treaty start?", sentence, passage, syn, random.Random(0)) is None  # capitalised: a name
    assert paraphrase("What company signed in 1987?", sentence, passage, syn, random.Random(0)) is None  # not in the sentence
    # a synonym the passage already holds is no paraphrase
    assert paraphrase("When was the treaty signed?", sentence, passage + " A pact and an accord.", syn, random.Random(0)) is None


def test_synonym_share_adds_answerable_paraphrases_and_moves_no_other_draw(tmp_path):
    syn = _wordnet(tmp_path)
    passages = {"p0": {"article": "Arms", "text": "In 1987 the United States signed the treaty with the Soviet Union. It was ratified in 1988."}}
    qs = [{"question": "When did the United States sign the treaty?", "answerable": True, "answers": ["1987"], "passage_id": "p0", "article": "Arms"}]
    for seed in range(4):
        plain, s_plain = examples_from([(passages, qs)], random.Random(seed))
        more, s_more = examples_from([(passages, qs)], random.Random(seed), synonyms=syn, synonym_share=1.0)
        assert s_more["paraphrased"] == 1 and s_plain["paraphrased"] == 0
        added = [ex for ex in more if ex not in plain]
        asked = next(q for q, _, span in plain if span is not None)  # the question, or its keyword form
        assert len(added) == 1 and added[0][0] in {asked.replace("treaty", "accord"), asked.replace("treaty", "pact")}
        assert added[0][2] is not None and passages["p0"]["text"][added[0][2][0]:added[0][2][1]] == "1987"
        assert [ex for ex in more if ex != added[0]] == plain


def test_missing_wordnet_says_how_to_install_it(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="apt-get install wordnet-base"):
        load(tmp_path / "nowhere")
