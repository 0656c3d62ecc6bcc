"""The packaged MiniLM on seeds/: the chunk holding each answer ranks first, dense and hybrid.

With the default chunk size the ~2 KB seed article gives only a few chunks, so on top of
"first" each question's answer chunk must differ from the others' often enough that luck
can't explain the result, and a finer chunking (64 tokens, about 10 chunks) is checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import EmbeddingMismatch
from rag.pipeline import build
from rag.settings import Settings

pytestmark = pytest.mark.integration

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# question -> a span of the seed article that answers it
QA = {
    "Who proposed the 2030 strategic concept?": "proposed by Secretary General Jens Stoltenberg",
    "Where did the representatives of the members gather on 14 June?": "gathered in Brussels on 14 June",
    "Which countries did the alliance name among the main causes of their concerns?": "They named Russia and China",
    "Which treaty was abandoned by the US in 2019?": "INF Treaty, which was abandoned by the US in 2019",
    "What proposal from Moscow did the members of the bloc reject?": "mutual non-deployment of missiles",
    "What kinds of threats are the members increasingly confronted by?": "cyber, hybrid, and other asymmetric threats",
}

# Measured, not wished away: pure dense retrieval over the default 192-token chunks ranks
# the article's third chunk above the first for the Brussels question (cosine 0.44 vs
# lower); BM25 in the default hybrid retrieval fixes it. Hybrid is the default, and must be perfect.
KNOWN_MISSES = {("dense", "default"): {"Where did the representatives of the members gather on 14 June?"}}


@pytest.fixture(scope="module")
def minilm():
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.mark.parametrize("chunk_size, overlap", [(None, None), (64, 8)], ids=["default", "small-chunks"])
@pytest.mark.parametrize("retrieval", ["dense", "hybrid"])
def test_answer_chunk_ranks_first(tmp_path, minilm, retrieval, chunk_size, overlap):
    opts = {"chunk_size": chunk_size, "chunk_overlap": overlap} if chunk_size else {}
    settings = Settings(data_dir=tmp_path / "data", embedder="minilm", retrieval=retrieval, **opts)
    pipe = build(settings, embedder=minilm)
    rep = pipe.ingest([SEEDS])
    n_chunks = rep.total_chunks
    assert n_chunks >= (3 if not chunk_size else 8)
    text = (SEEDS / "000_e7591c0407e77bf5.txt").read_text(encoding="utf-8")
    answer_chunks, misses = set(), set()
    for question, answer in QA.items():
        assert answer in text
        hits = pipe.retrieve(question, 5)
        if answer in hits[0].chunk.text:
            answer_chunks.add(hits[0].chunk.id)
        else:
            misses.add(question)
            assert any(answer in h.chunk.text for h in hits[:2]), f"{question!r}: answer not even second"
        if retrieval == "dense":
            assert hits[0].dense == max(h.dense for h in hits)
    known = KNOWN_MISSES.get((retrieval, "small" if chunk_size else "default"), set())
    assert misses <= known, f"answer chunk not first for: {sorted(misses - known)}"
    # Luck can't explain this: the answers sit in different chunks, each found first.
    assert len(answer_chunks) >= min(3, n_chunks)


def test_ask_cites_the_answer_span(tmp_path, minilm):
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="minilm", mode="extractive"), embedder=minilm)
    pipe.ingest([SEEDS])
    ans = pipe.ask("Who proposed the 2030 strategic concept?")
    assert not ans.refused and "Stoltenberg" in ans.answer
    text = (SEEDS / "000_e7591c0407e77bf5.txt").read_text(encoding="utf-8")
    c = ans.citations[0]
    assert text[c.start : c.end] == c.text and "Stoltenberg" in c.text


def test_model_mismatch_is_a_clear_error_and_rebuild_fixes_it(tmp_path, minilm):
    data = tmp_path / "data"
    build(Settings(data_dir=data, embedder="hash")).ingest([SEEDS])
    pipe = build(Settings(data_dir=data, embedder="minilm", mode="extractive"), embedder=minilm)
    fix = r"built with hash-bow-64 \(64 dims\) but the current embedder is sentence-transformers/all-MiniLM-L6-v2 \(384 dims\).*rag ingest --rebuild"
    with pytest.raises(EmbeddingMismatch, match=fix):
        pipe.ask("Who proposed the 2030 strategic concept?")
    with pytest.raises(EmbeddingMismatch, match=fix):
        pipe.ingest([SEEDS])
    assert pipe.ingest([SEEDS], rebuild=True).indexed == ["000_e7591c0407e77bf5.txt"]
    assert "Stoltenberg" in pipe.ask("Who proposed the 2030 strategic concept?").answer


def test_mismatch_through_the_cli(tmp_path, run_rag, rag_env):
    """The user-facing form: one line naming the fix, exit 1, no dimension traceback."""
    assert run_rag("ingest", SEEDS).returncode == 0  # hash embedder
    env = {**rag_env, "RAG_EMBEDDER": "minilm"}
    res = run_rag("ask", "Who proposed the 2030 strategic concept?", env=env)
    assert res.returncode == 1 and "Traceback" not in res.stderr and "dimension" not in res.stderr.lower()
    assert res.stderr.strip().count("\n") == 0 and "rag ingest --rebuild" in res.stderr
    res = run_rag("ingest", "--rebuild", SEEDS, env=env)
    assert res.returncode == 0, res.stderr
    res = run_rag("ask", "Who proposed the 2030 strategic concept?", env=env)
    assert res.returncode == 0 and "Stoltenberg" in res.stdout, res.stderr
