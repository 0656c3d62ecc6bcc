"""The numpy forward pass (rag.minilm.LeanMiniLM) against the torch one, and a query path without torch.

Why it matters: a cold `rag ask` used to import torch (1-3 s, ~180 MB RSS) only to embed one
question and rank a few sentences. Packing the real tokens (no padding) must not change a vector.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.integration

TEXTS = [
    "Who proposed the new 2030 strategic concept?",
    "x",
    "",
    "Ünïcödé façade — naïve café, 東京 and emoji 🙂",
    "NATO leaders met in Brussels on 14 June and adopted a communique. " * 30,  # truncated at 256 wordpieces
    "Short.",
    "A middling sentence about missiles, treaties and the alliance's priorities for the next decade.",
]


@pytest.fixture(scope="module")
def base_path():
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder._path()


def test_numpy_pass_equals_torch_pass_with_padding(base_path):
    from rag.minilm import LeanMiniLM, TorchMiniLM

    for bs in (1, 3, 8):  # lengths differ inside a batch, so the torch pass pads and ours packs
        ours, ref = LeanMiniLM(base_path).encode(TEXTS, bs), TorchMiniLM(base_path).encode(TEXTS, bs)
        assert ours.shape == (len(TEXTS), 384)
        assert np.abs(ours - ref).max() < 1e-5
        assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_numpy_reader_logits_equal_torch(base_path, cross_encoder_weights):
    from rag.minilm import LeanMiniLM, TorchMiniLM
    from rag.reader import MAX_LENGTH

    WEIGHTS = cross_encoder_weights

    pairs = [(TEXTS[0], t) for t in TEXTS] + [(TEXTS[6], TEXTS[4])]
    ours = LeanMiniLM(base_path, MAX_LENGTH, WEIGHTS).pair_logits(pairs, 4)
    ref = TorchMiniLM(base_path, MAX_LENGTH, WEIGHTS).pair_logits(pairs, 4)
    assert ours.shape == ref.shape == (len(pairs), 2)
    assert np.abs(ours - ref).max() < 1e-4


def test_gelu_matches_erf_gelu():
    import math

    from rag.minilm import _gelu

    x = np.linspace(-8, 8, 4001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.astype(np.float64)])
    assert np.abs(_gelu(x.copy()) - exact).max() < 2e-6


def test_ask_with_minilm_never_imports_torch(tmp_path, seeds_dir):
    """Ingest in one process, then answer with the real MiniLM (and the reader) in a fresh one."""
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data")}
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(seeds_dir)], env=env, check=True, capture_output=True)
    probe = (
        "import sys, json; from rag import build_pipeline, Settings; "
        "a = build_pipeline(Settings()).ask('Who proposed the 2030 strategic concept?'); "
        "print(json.dumps({'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules, 'refused': a.refused, 'text': a.answer}))"
    )
    for reader in ("off", "auto"):
        out = subprocess.run([sys.executable, "-c", probe], env=env | {"RAG_READER": reader}, check=True, capture_output=True, text=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        assert got == got | {"torch": False, "st": False, "refused": False}, (reader, got)
        assert "Stoltenberg" in got["text"]
