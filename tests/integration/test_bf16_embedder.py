"""The bf16 embedder (RAG_EMBEDDER=minilm-bf16): index vectors close to fp32 on both code paths,
queries and answer-time embeddings exactly fp32, the variant recorded in the collection, and the
clear error when an index built with one variant is used with the other. Speed is measured by bench/ingest.py, not here;
no network: tests/unit/test_offline.py runs the real CLI with this embedder behind its guard.
"""

import numpy as np
import pytest

from rag.chunking import indexed_text
from rag.embeddings import MiniLMEmbedder, indexing, make_embedder
from rag.errors import EmbeddingMismatch
from rag.pipeline import build
from rag.settings import Settings
from rag.store import MODEL_KEY

pytestmark = pytest.mark.integration

QUESTION = "Who proposed the 2030 strategic concept?"


@pytest.fixture(scope="module")
def fp32():
    return MiniLMEmbedder(batch_size=16)


@pytest.fixture(scope="module")
def bf16():
    return make_embedder("minilm-bf16", 16)


def _paragraphs(seeds_dir, n):
    text = "\n\n".join(p.read_text() for p in sorted(seeds_dir.glob("*.txt")))
    paras = [p.strip() for p in text.split("\n\n") if p.strip()]
    return (paras * (n // len(paras) + 1))[:n]


def test_name_and_settings_record_the_variant(bf16):
    assert bf16.name == "sentence-transformers/all-MiniLM-L6-v2+bf16" and bf16.dim == 384
    assert Settings(embedder="minilm-bf16").embedder == "minilm-bf16"
    with pytest.raises(ValueError, match="pick one"):
        MiniLMEmbedder(int8=True, bf16=True)


@pytest.mark.parametrize("n", [12, MiniLMEmbedder.BULK + 6], ids=["small-call", "bulk-call"])
def test_document_vectors_match_fp32(seeds_dir, fp32, bf16, n):
    texts = _paragraphs(seeds_dir, n)
    with indexing():
        a, b = fp32.embed_documents(texts), bf16.embed_documents(texts)
    assert b.shape == a.shape == (n, 384) and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    cos = np.sum(a * b, axis=1)
    assert cos.min() > 0.999, cos.min()
    assert not np.array_equal(a, b), "bf16 made no difference: autocast was not applied"


def test_queries_and_answer_time_embeddings_stay_fp32(seeds_dir, fp32, bf16):
    assert np.array_equal(bf16.embed_query(QUESTION), fp32.embed_query(QUESTION))
    for n in (12, MiniLMEmbedder.BULK + 6):  # sentence ranking, verification: outside indexing()
        texts = _paragraphs(seeds_dir, n)
        assert np.array_equal(bf16.embed_documents(texts), fp32.embed_documents(texts))
    both = MiniLMEmbedder(bf16=True, bf16_queries=True)
    both._lean = bf16.model  # same weights; only the query precision differs
    q = both.embed_query(QUESTION)
    assert 0.999 < float(q @ fp32.embed_query(QUESTION)) < 1.0


def test_variant_is_stored_and_mixing_variants_is_the_clear_error(tmp_path, seeds_dir, fp32, bf16):
    data = tmp_path / "data"
    pipe = build(Settings(data_dir=data, embedder="minilm-bf16", mode="extractive"), embedder=bf16)
    pipe.ingest([seeds_dir])
    assert pipe.store.collection.metadata[MODEL_KEY] == bf16.name
    ids = pipe.store.collection.get(include=[])["ids"]
    stored = pipe.store.vectors(ids)
    texts = {c.id: indexed_text(c) for c in pipe.store.all_chunks()}  # what ingest embeds
    with indexing():
        ref = fp32.embed_documents([texts[i] for i in ids])
    got = np.stack([stored[i] for i in ids])
    assert np.sum(got * ref, axis=1).min() > 0.999 and not np.array_equal(got, ref)  # ingest embedded in bf16
    ans = pipe.ask(QUESTION)
    assert not ans.refused and "Stoltenberg" in ans.answer

    other = build(Settings(data_dir=data, embedder="minilm", mode="extractive"), embedder=fp32)
    fix = r"built with sentence-transformers/all-MiniLM-L6-v2\+bf16 \(384 dims\) but the current embedder is sentence-transformers/all-MiniLM-L6-v2 \(384 dims\).*rag ingest --rebuild"
    with pytest.raises(EmbeddingMismatch, match=fix):
        other.ask(QUESTION)
    with pytest.raises(EmbeddingMismatch, match=fix):
        other.ingest([seeds_dir])
