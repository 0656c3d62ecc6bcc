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
