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
