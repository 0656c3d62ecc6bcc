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


def test_shared_normalisation_trains_from_earlier_weights(tmp_path):
    """--distractors groups each answerable gold passage with passages of its article that hold no answer;
    --init starts from a written artefact (here: the one a first smoke run wrote)."""
    first, second = tmp_path / "a", tmp_path / "b"
    base = [sys.executable, str(ROOT / "train" / "span_reader.py"), "--smoke", "--data", str(FIX), "--batch-size", "6"]
    for out, extra in ((first, []), (second, ["--distractors", "2", "--init", str(first / "span_reader.safetensors")])):
        run = subprocess.run(base + ["--out", str(out)] + extra, capture_output=True, text=True, timeout=180, cwd=ROOT)
        assert run.returncode == 0, run.stderr[-3000:]
    card = json.loads((second / "span_reader.json").read_text())
    assert card["data"]["distractors"] > 0 and card["data"]["groups"] < card["data"]["examples"]
    assert card["init_sha256"] == hashlib.sha256((first / "span_reader.safetensors").read_bytes()).hexdigest()
    assert "--distractors 2" in card["command"] and "--init" in card["command"]


def test_groups_put_no_answer_passages_beside_the_gold_one():
    import random

    sys.path.insert(0, str(ROOT))
    from train.reader import load_squad_dir
    from train.span_reader import groups_from

    corpus = load_squad_dir(FIX / "squad11-extra")
    groups, stats = groups_from([corpus], random.Random(0), distractors=2)
    multi = [g for g in groups if len(g) > 1]
    assert multi and stats["distractors"] == sum(len(g) - 1 for g in multi)
    for g in multi:
        q, gold, span = g[0]
        assert span is not None and all(s is None and p != gold for _, p, s in g[1:])
        assert all(gold[span[0] : span[1]] not in p for _, p, _ in g[1:])  # a distractor never holds the answer
        assert len({p for _, p, _ in g}) == len(g)


def test_manual_questions_join_training_and_their_held_out_pages_are_measured(tmp_path):
    """--manual-qa adds the questions of the training pages (repeated --manual-repeat times); the held-out pages'
    questions are never trained on, only measured (train/manual_qa.py)."""
    fix = ROOT / "tests" / "fixtures" / "manual-qa" / "manual_qa.jsonl"
    out = tmp_path / "m"
    run = subprocess.run([sys.executable, str(ROOT / "train" / "span_reader.py"), "--smoke", "--data", str(FIX), "--out", str(out),
                          "--batch-size", "4", "--manual-qa", str(fix), "--manual-repeat", "3"], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    card = json.loads((out / "span_reader.json").read_text())
    assert card["data"]["manual_qa"] == 2 and card["data"]["manual_qa_held_out"] == 2 and card["data"]["manual_qa_answerable"] == 1
    assert "--manual-qa" in card["command"] and "--manual-repeat 3" in card["command"]

    sys.path.insert(0, str(ROOT))
    from train.span_reader import measure_manual

    m = measure_manual(out / "span_reader.safetensors", fix)
    assert m["n_answerable"] == 1 and m["n_near_miss"] == 1 and 0.0 <= m["span_overlaps_answer"] <= 1.0
    assert m["auc_answerable_vs_near_miss"] in (0.0, 0.5, 1.0)
