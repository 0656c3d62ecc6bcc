"""train/reader.py runs end to end on a tiny fixture (a few steps; CI never trains for real),
and what it writes loads in the runtime reader and reproduces the scores it recorded."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "reader-data"


def test_smoke_training_writes_a_loadable_artefact(tmp_path):
    out = tmp_path / "models"
    run = subprocess.run(
        [sys.executable, str(ROOT / "train" / "reader.py"), "--smoke", "--data", str(FIX), "--out", str(out), "--batch-size", "4"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    card = json.loads((out / "reader.json").read_text())
    w = out / "reader.safetensors"
    assert hashlib.sha256(w.read_bytes()).hexdigest() == card["sha256"]
    assert card["smoke"] and card["training"]["steps"] >= 1 and card["data"]["positives"] > 0

    from safetensors import safe_open

    with safe_open(str(w), framework="pt") as f:
        keys = set(f.keys())
        assert "embeddings.word_embeddings.weight" not in keys  # reused from the wheel
        assert {"head.weight", "pooler.dense.weight", "embeddings.token_type_embeddings.weight"} <= keys
        assert str(f.get_tensor("head.weight").dtype) == "torch.float16"

    from rag.reader import CrossEncoderReader

    r = CrossEncoderReader(w)
    for p in card["fixed_pairs"]:
        got = (r.answers if p["task"] == "answer" else r.supports)(p["query"], [p["text"]])
        assert abs(float(got[0]) - p["score"]) < 1e-3
