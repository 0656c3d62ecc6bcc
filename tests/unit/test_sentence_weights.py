"""train/sentence_weights.py: the listwise fit, and its report against the shipped weights."""

import json
import random
from pathlib import Path

from rag.answer import SPAN_SENTENCE_WEIGHTS
from train.sentence_weights import FEATURES, leave_one_part_out, listwise_fit, score

REPORT = Path(__file__).resolve().parents[2] / "evals" / "results" / "sentence_weights.json"


def _rows(n=60, seed=0):
    """Questions whose gold sentence has the best `type` and a middling `lex`; `rank` is noise."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        cands = []
        for j in range(6):
            gold = j == 0
            f = {"span": rng.uniform(-2, 2), "lex": rng.uniform(0.2, 0.6), "ctx": rng.uniform(0, 1), "rank": rng.choice([1, 0.5, 0.33]),
                 "type": 1.0 if gold else float(rng.random() < 0.2)}
            if not gold and rng.random() < 0.5:
                f["lex"] += 0.2  # distractors that share more words
            cands.append({"f": f, "gold": gold, "words": 10, "src": 1 + j % 3, "start": j})
        rows.append({"id": str(i), "group": "ab"[i % 2], "n_sources": 3, "cands": cands})
    return rows


def test_listwise_fit_learns_the_feature_that_orders_the_gold_first():
    w = listwise_fit(_rows())
    assert set(w) == set(FEATURES)
    assert w["type"] == max(w.values()) and w["type"] > 0.3
    assert abs(sum(abs(v) for v in w.values()) - 1) < 0.01
    assert listwise_fit(_rows()) == w  # deterministic
    assert score(_rows(seed=1), w)["top1"] > score(_rows(seed=1), {"lex": 1.0})["top1"]


def test_leave_one_part_out_scores_every_question_once():
    rows = _rows()
    out = leave_one_part_out(rows)
    assert out["n"] == len(rows) and out["parts"] == ["a", "b"] and 0.5 < out["contains"] <= 1


def test_the_report_compares_the_fit_with_the_shipped_weights():
    """The listwise fit is what rag/answer.py ships since 2026-12-04 (evals/results/sentence_weights_recheck.md); the
    report's baseline is the pointwise SQuAD fit it replaced."""
    report = json.loads(REPORT.read_text())
    assert report["fitted"] == SPAN_SENTENCE_WEIGHTS != report["results"]["before (pointwise, SQuAD 2.0)"]["weights"]
    from evals.realdocs import BLIND_PARTS

    assert set(report["held_out_parts"]) == set(BLIND_PARTS)
    assert not {r for r in report["leave_one_part_out"]["parts"]} & set(report["held_out_parts"])
