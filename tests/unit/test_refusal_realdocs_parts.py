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
