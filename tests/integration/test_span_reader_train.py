"""train/span_reader.py runs end to end on a tiny fixture (a few steps; CI never trains for real),
and what it writes loads in the runtime span reader and reproduces the reads it recorded."""

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
        [sys.executable, str(ROOT / "train" / "span_reader.py"), "--smoke", "--data", str(FIX), "--out", str(out), "--batch-size", "4"],
        capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    card = json.loads((out / "span_reader.json").read_text())
    w = out / "span_reader.safetensors"
    assert hashlib.sha256(w.read_bytes()).hexdigest() == card["sha256"]
    assert card["smoke"] and card["training"]["steps"] >= 1 and card["data"]["answerable"] > 0 and card["data"]["unanswerable"] > 0

    from safetensors import safe_open

    with safe_open(str(w), framework="pt") as f:
        keys = set(f.keys())
        assert "embeddings.word_embeddings.weight" not in keys  # reused from the wheel
        assert {"qa.weight", "qa.bias", "embeddings.token_type_embeddings.weight"} <= keys
        assert str(f.get_tensor("qa.weight").dtype) == "torch.float16"

    from rag.reader import SpanReader

    r = SpanReader(w)
    for p in card["fixed"]:
        got = r.read(p["question"], [p["text"]])[0]
        assert abs(got.score - p["score"]) < 1e-2 and p["text"][got.start : got.end] == p["answer"]
