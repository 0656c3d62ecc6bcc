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
    """Ingest in one process, then answer with the real MiniLM (and the reader) in a fresh one,
    with RAG_MODEL_BACKEND=numpy (what `rag ask` resolves "auto" to; the next test checks that)."""
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_MODEL_BACKEND": "numpy"}
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(seeds_dir)], env=env, check=True, capture_output=True)
    probe = (
        "import sys, json; from rag import build_pipeline, Settings; "
        "a = build_pipeline(Settings()).ask('Who proposed the 2030 strategic concept?'); "
        "print(json.dumps({'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules, 'refused': a.refused, 'text': a.answer}))"
    )
    for reader in ("off", "auto", "span"):
        out = subprocess.run([sys.executable, "-c", probe], env=env | {"RAG_READER": reader}, check=True, capture_output=True, text=True)
        got = json.loads(out.stdout.strip().splitlines()[-1])
        assert got == got | {"torch": False, "st": False, "refused": False}, (reader, got)
        assert "Stoltenberg" in got["text"]


def test_rag_ask_with_the_span_reader_never_imports_torch(tmp_path, seeds_dir):
    """`rag ask` answers one question: RAG_MODEL_BACKEND=auto runs the span reader in numpy there."""
    env = {**os.environ, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_READER": "span"}
    env.pop("RAG_MODEL_BACKEND", None)
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(seeds_dir)], env=env, check=True, capture_output=True)
    probe = (
        "import sys, json; from rag.cli import app; from rag import pipeline as P; seen = []; b = P.LazySpanReader.load; "
        "P.LazySpanReader.load = lambda self: seen.append(self.backend) or b(self); "
        "app(['ask', '--json', 'Who proposed the 2030 strategic concept?'], standalone_mode=False); "
        "print(json.dumps({'torch': 'torch' in sys.modules, 'backends': sorted(set(seen))}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)
    assert "Stoltenberg" in out.stdout
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"torch": False, "backends": ["numpy"]}


def test_embedder_torch_backend_gives_the_numpy_vectors():
    from rag.embeddings import MiniLMEmbedder, make_embedder
    from rag.minilm import LeanMiniLM, TorchMiniLM

    lean, fast = make_embedder("minilm", backend="numpy"), make_embedder("minilm", backend="torch")
    assert isinstance(lean.model, LeanMiniLM) and isinstance(fast.model, TorchMiniLM)
    assert np.abs(lean.embed_documents(TEXTS) - fast.embed_documents(TEXTS)).max() < 1e-5
    assert np.abs(lean.embed_query(TEXTS[0]) - fast.embed_query(TEXTS[0])).max() < 1e-5
    with pytest.raises(ValueError, match="'numpy' or 'torch'"):
        MiniLMEmbedder(backend="onnx")


def test_loading_the_bulk_model_prints_no_progress_bar():
    """`rag ingest` printed transformers' "Loading weights: 100%|...|" bar to stderr after its summary line."""
    probe = "from rag.embeddings import make_embedder\nmake_embedder('minilm').bulk_model\nprint('loaded')"
    out = subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, HF_HUB_OFFLINE="1"), check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "loaded" and "Loading weights" not in out.stderr, out.stderr[-300:]
