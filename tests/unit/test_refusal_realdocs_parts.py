"""train/refusal.py --realdocs: which realdocs questions the span refusal model is fitted on, and which stay blind."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from evals.realdocs import BLIND_PARTS  # noqa: E402
from train.refusal import REALDOCS_FIT_PARTS, split_realdocs  # noqa: E402


def _parts() -> set[str]:
    lines = (ROOT / "evals" / "datasets" / "realdocs.jsonl").read_text().splitlines()
    return {json.loads(line).get("group", "manuals") for line in lines if line.strip()}


def test_every_realdocs_part_is_fitted_or_blind_never_both():
    assert not set(REALDOCS_FIT_PARTS) & set(BLIND_PARTS)
    assert _parts() == set(REALDOCS_FIT_PARTS) | set(BLIND_PARTS)


def test_the_blind_parts_are_the_ones_the_sentence_weights_hold_out_too():
    from train.sentence_weights import HELD_OUT

    assert set(BLIND_PARTS) <= set(HELD_OUT)


def test_split_realdocs_separates_parts_and_refuses_an_unknown_one():
    rows = [{"article": f"realdocs:{p}", "id": p} for p in ("manuals", "tables3", "manuals6", "manuals10")]
    fit, held = split_realdocs(rows)
    assert [r["id"] for r in fit] == ["manuals", "tables3"]
    assert [r["id"] for r in held] == ["manuals6", "manuals10"]
    with pytest.raises(SystemExit, match="manuals99"):
        split_realdocs(rows + [{"article": "realdocs:manuals99", "id": "x"}])


def test_choose_threshold_holds_a_refused_share_or_a_false_refusal_ceiling():
    import numpy as np

    from train.refusal import choose_threshold

    # four unanswerable questions scored 0.1-0.4, four answerable ones 0.3-0.9
    rows = [{"answerable": False, "correct": False}] * 4 + [{"answerable": True, "correct": True}] * 4
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.3, 0.6, 0.8, 0.9])
    # no false refusal allowed: the highest cut below every answerable score
    assert choose_threshold(p, rows, 0.0) == 0.30
    # hold half of the unanswerables refused: the lowest cut above two of them
    assert choose_threshold(p, rows, 0.0, hold_refused=0.5) == 0.21
    # a share no cut reaches refuses as much as the grid allows
    assert choose_threshold(np.full(8, 0.99), rows, 0.0, hold_refused=0.5) == 0.95
