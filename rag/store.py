"""Chroma, embedded or client/server, behind one small class.

Writes and vector queries go through llama-index's ChromaVectorStore; the
collection's own metadata records which embedding model built it, so a query
with another model fails with a fix instead of a dimension-mismatch traceback.
Collections are created with `embedding_function=None`: we always pass vectors,
and Chroma's default embedder would download an ONNX model.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from rag.errors import EmbeddingMismatch, IndexNotBuilt, RagError, StoreUnavailable
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

MODEL_KEY, DIM_KEY = "embed_model", "embed_dim"


def doc_key(root: str, source: str) -> str:
    return hashlib.sha1(f"{root}\x00{source}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class DocState:
    """What the index holds for one document: enough to skip, repair or delete it."""

    root: str
    source: str
    sha256: str
    expected: int  # n_chunks recorded at write time
    present: int  # chunks actually stored
    extraction: int = 0  # lowest extraction version among its chunks (0: before versions existed)

    @property
    def complete(self) -> bool:
        return self.present == self.expected


class Store:
    def __init__(self, settings: Settings, model_name: str, dim: int):
        self.settings = settings
        self.model_name = model_name
        self.dim = dim
        self._client = None
        self._collection = None
        self._vs = None
        self._lexical = None

    @property
    def lexical(self):
        """The BM25 index of this collection (rag.bm25index), kept in step with every write below.

        It lives under data_dir/bm25/<collection id>/: Chroma's id for the collection, which is the same
        whether these files are opened embedded or through a `chroma run` server on them (so moving an
        index behind a server does not rebuild BM25), and new after `rag ingest --rebuild`. Writers hold
        its lock across the Chroma write and the BM25 write, so a reader that takes the lock sees both.
        Needs the collection: raises IndexNotBuilt before the first ingest."""
        if self._lexical is None:
            from rag.bm25index import BM25Index

            root = self.settings.data_dir / "bm25"
            here = root / self._collection_id()
            if not here.exists():  # a folder from before collection ids: this mode's name, then the embedded one's
                s = self.settings
                names = [re.sub(r"[^\w.-]", "_", f"{s.chroma_host}_{s.chroma_port}_{s.collection}")] if s.chroma_host else []
                for old in (root / n for n in names + [re.sub(r"[^\w.-]", "_", s.collection)]):
                    if old.is_dir() and self._indexes_this_collection(BM25Index(old / "segments")):
                        try:
                            old.rename(here)
                        except OSError:  # another process moved it first
                            pass
                        break
            self._lexical = BM25Index(here / "segments")
        return self._lexical

    def _indexes_this_collection(self, ix, sample: int = 64) -> bool:
        """Whether an old BM25 folder was built from this collection: a spread of its ids are all here."""
        try:
            live = ix.live_ids()
            if not len(live):
                return False
            ids = [x.decode() for x in live[:: max(1, len(live) // sample)][:sample].tolist()]
            return len(self.get_chunks(ids)) == len(ids)
        except Exception:  # noqa: BLE001 - unreadable, or no usable collection (reset() of a mismatched index)
            return False

    def _collection_id(self) -> str:
        """Chroma's id of the collection, without the embedding-model check (reset() needs it for an index
        built with another model); IndexNotBuilt when there is no collection."""
        return str(self._collection.id) if self._collection is not None else self._current_id()

    def _current_id(self) -> str:
        """The collection's id as Chroma has it now (not the cached handle's)."""
        return str(self._open(create=False).id)

    def dropped(self) -> bool:
        """Whether the collection this Store opened is gone or replaced (another process ran
        `rag ingest --rebuild` or deleted it), so that its cached handle fails on every call."""
        if self._collection is None:
            return False
        try:
            return self._current_id() != str(self._collection.id)
        except IndexNotBuilt:
            return True
        except RagError:  # the catalogue can't be read (a server down): not known to be dropped
            return False

    def forget(self) -> None:
        """Drop the cached collection and BM25 index: the next call opens them again."""
        self._collection = self._vs = self._lexical = None

    def reopen(self) -> None:
        """Open the embedded index again from disk. Embedded Chroma keeps each collection's vectors in memory, per
        process and per path: after another process (`rag ingest` beside `rag serve`) added chunks, this process's copy
        lacks them, and a read that asks for their vectors fails. A fresh client reads what is on disk now; the stale
        one is dropped from chromadb's per-path cache (its private `SharedSystemClient` map: the only way to reload)."""
        if self.settings.chroma_host:
            return
        from chromadb.api.client import SharedSystemClient

        key = str(self.settings.chroma_dir)
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        self._client = None
        self.forget()

    def refresh(self) -> None:
        """Reopen the collection if another process dropped or rebuilt it (one catalogue read)."""
        if self.dropped():
            self.forget()

    def _lexical_lock(self):
        return self.lexical.lock()

    # --- connection ------------------------------------------------------------
    @property
    def kind(self) -> str:
        s = self.settings
        return f"chroma server http://{s.chroma_host}:{s.chroma_port}" if s.chroma_host else f"embedded chroma {s.chroma_dir}"

    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            s = self.settings
            cs = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            try:
                if s.chroma_host:
                    self._client = chromadb.HttpClient(host=s.chroma_host, port=s.chroma_port, settings=cs)
                    self._client.heartbeat()
                else:
                    s.chroma_dir.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(s.chroma_dir), settings=cs)
            except Exception as e:
                if s.chroma_host:
                    raise StoreUnavailable(
                        f"Cannot reach the Chroma server at {s.chroma_host}:{s.chroma_port} ({type(e).__name__}). "
                        f"Start it with `chroma run --host {s.chroma_host} --port {s.chroma_port} --path DIR`, "
                        "or unset RAG_CHROMA_HOST to use the embedded store."
                    ) from e
                raise StoreUnavailable(f"Cannot open the index in {s.chroma_dir}: {e}") from e
        return self._client

    def _get_collection(self, create: bool):
        if self._collection is not None:
            return self._collection
        coll = self._open(create)
        md = coll.metadata or {}
        if md.get(MODEL_KEY) != self.model_name or int(md.get(DIM_KEY, -1)) != self.dim:
            raise EmbeddingMismatch(
                f"The index '{self.settings.collection}' was built with {md.get(MODEL_KEY)} ({md.get(DIM_KEY)} dims) but the current "
                f"embedder is {self.model_name} ({self.dim} dims). Run `rag ingest --rebuild` to re-embed everything."
            )
        self._collection = coll
        return coll

    def _open(self, create: bool):
        """Chroma's collection, created when `create`, without the embedding-model check (_get_collection's)."""
        name = self.settings.collection
        try:
            existing = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
            if name not in existing:
                if not create and existing:  # a mistyped --collection, most likely: say which ones there are
                    raise IndexNotBuilt(
                        f"There is no collection '{name}' in {self.kind}; it has {', '.join(repr(c) for c in sorted(existing))}. "
                        f"Pick one with --collection NAME (or RAG_COLLECTION), or create '{name}' with `rag ingest --collection {name} PATH`.")
                if not create:  # nothing indexed at all
                    raise IndexNotBuilt()
                try:
                    return self.client.create_collection(
                        name,
                        embedding_function=None,
                        metadata={"hnsw:space": "cosine", MODEL_KEY: self.model_name, DIM_KEY: self.dim},
                    )
                except Exception as e:  # another writer created it since list_collections (a shared server)
                    if "already exists" not in str(e).lower():
                        raise
            return self.client.get_collection(name, embedding_function=None)
        except (IndexNotBuilt, StoreUnavailable):
            raise
        except Exception as e:
            raise StoreUnavailable(f"Chroma error on {self.kind}: {e}") from e

    @property
    def collection(self):
        return self._get_collection(create=False)

    def ensure(self):
        return self._get_collection(create=True)

    @property
    def vector_store(self):
        if self._vs is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vs = ChromaVectorStore(chroma_collection=self.ensure())
        return self._vs

    def exists(self) -> bool:
        try:
            self._get_collection(create=False)
            return True
        except IndexNotBuilt:
            return False

    def reset(self) -> None:
        """Drop the collection and its BM25 index (for --rebuild); the next write starts a new one."""
        name = self.settings.collection
        existing = {c if isinstance(c, str) else c.name for c in self.client.list_collections()}
        if name in existing:
            ix = self.lexical
            with ix.lock():
                self.client.delete_collection(name)
                ix.clear()
            import shutil

            shutil.rmtree(ix.path.parent, ignore_errors=True)  # the dropped collection's folder
        self._collection = None
        self._vs = None
        self._lexical = None

    # --- writes ------------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        nodes = []
        indexed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # shown by `rag ls`
        for c, v in zip(chunks, vectors):
            node = TextNode(id_=c.id, text=c.text, metadata={**c.metadata(), "indexed_at": indexed_at},
                            embedding=np.asarray(v).tolist())  # the same floats as float(x) per element, ~2.5x faster
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_key(c.root, c.source))
            nodes.append(node)
        if nodes:
            from rag.retrieval import index_chunks

            with self._lexical_lock():
                self.vector_store.add(nodes)
                index_chunks(self.lexical, chunks, vectors)

    def delete_document(self, root: str, source: str) -> None:
        """Remove one document's chunks from Chroma and from the BM25 index (for `rag rm` too)."""
        key = doc_key(root, source)
        with self._lexical_lock():
            self.vector_store.delete(ref_doc_id=key)
            self.lexical.remove(docs=[key])

    # --- reads -------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def ids(self, page: int = 50_000) -> list[str]:
        """Every chunk id in the collection, read in pages (the BM25 repair path)."""
        out: list[str] = []
        while True:
            got = self.collection.get(include=[], limit=page, offset=len(out))["ids"]
            out += got
            if len(got) < page:
                return out

    def _metadatas(self) -> tuple[list[str], list[dict]]:
        got = self.collection.get(include=["metadatas"])
        return got["ids"], got["metadatas"]

    def doc_states(self, roots: Sequence[str] | None = None) -> dict[tuple[str, str], DocState]:
        """Per-document state; `roots` limits the read to those ingest roots (a Chroma `where`),
        so ingesting one folder into a 1M-chunk index doesn't read every chunk's metadata."""
        if not self.exists():
            return {}
        per: dict[tuple[str, str], list[dict]] = defaultdict(list)
        if roots is None:
            mds = self._metadatas()[1]
        else:
            roots = sorted(set(roots))
            where = {"root": roots[0]} if len(roots) == 1 else {"root": {"$in": roots}}
            mds = self.collection.get(where=where, include=["metadatas"])["metadatas"] if roots else []
        for md in mds:
            per[(md.get("root", ""), md["source"])].append(md)
        out = {}
        for (root, source), mds in per.items():
            shas = {m.get("doc_sha256") for m in mds}
            expected = int(mds[0].get("n_chunks", -1)) if len(shas) == 1 else -1
            version = min(int(m.get("extraction", 0)) for m in mds)
            out[(root, source)] = DocState(root, source, mds[0].get("doc_sha256", "") if len(shas) == 1 else "", expected, len(mds), version)
        return out

    def all_chunks(self) -> list[Chunk]:
        got = self.collection.get(include=["documents", "metadatas"])
        return [Chunk.from_metadata(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def get_chunks(self, ids: Iterable[str]) -> list[Chunk]:
        ids = list(ids)
        if not ids:
            return []
        got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas"])  # Chroma refuses a repeated id
        by_id = {i: Chunk.from_metadata(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by chunk id (cheaper than re-embedding the text)."""
        if not ids:
            return {}
        got = self.collection.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def chunks_with_vectors(self, ids: Sequence[str]) -> dict[str, tuple[Chunk, np.ndarray]]:
        """Chunks and their stored embeddings by id, in one read: the hybrid retriever's fetch of its
        fused top k. Ids the store no longer holds are absent."""
        if not ids:
            return {}
        def read():
            return self.collection.get(ids=list(dict.fromkeys(ids)), include=["documents", "metadatas", "embeddings"])

        try:
            got = read()
        except Exception as e:
            if self.settings.chroma_host or type(e).__name__ != "InternalError":
                raise
            self.reopen()  # another process added these ids; this one's vector segment is from before ("Error finding id")
            got = read()
        return {i: (Chunk.from_metadata(i, t or "", m), np.asarray(v, dtype=np.float32))
                for i, t, m, v in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]) if m and "source" in m}

    SPARSE_KEY = "sparse_embedding"  # where a server-side BM25 index would live (collection schema)

    def hybrid_search(self, query: str, vector: np.ndarray, k: int, dense_weight: float, candidates: int = 20) -> list[ScoredChunk]:
        """Dense + sparse fused by Chroma itself (Collection.search with RRF). Only distributed and
        hosted Chroma implement it, on collections created with a sparse (BM25) index under
        SPARSE_KEY; everywhere else this raises NotImplementedError and the caller fuses locally."""
        from chromadb.execution.expression import K, Knn, Rrf, Search

        coll = self.collection
        search = (
            Search()
            .rank(Rrf([Knn(query=np.asarray(vector, dtype=np.float32).tolist(), return_rank=True, limit=candidates),
                       Knn(query=query, key=self.SPARSE_KEY, return_rank=True, limit=candidates)],
                      weights=[dense_weight, 1.0 - dense_weight]))
            .limit(k)
            .select(K.DOCUMENT, K.SCORE, K.METADATA)
        )
        try:
            res = coll.search(search)
        except NotImplementedError:
            raise
        except Exception as e:  # a server without the sparse index: same answer as "not here"
            raise NotImplementedError(f"server-side hybrid search unavailable on {self.kind}: {e}") from e
        out = []
        for i, text, md, score in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["scores"][0]):
            if md and "source" in md:
                out.append(ScoredChunk(chunk=Chunk.from_metadata(i, text or "", md), score=-float(score)))
        return out

    def _query(self, vector: np.ndarray, k: int, include: list[str]) -> tuple[list[str], dict]:
        """Chroma's top-k for one vector: (ids, the raw result). Errors say which store failed."""
        coll = self.collection  # raises IndexNotBuilt when there is no collection
        try:
            res = coll.query(query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()], n_results=k, include=include)
        except Exception as e:
            raise StoreUnavailable(f"Chroma query failed on {self.kind}: {e}") from e
        ids = res["ids"][0] if res.get("ids") else []
        if not ids and coll.count() == 0:
            raise IndexNotBuilt()
        return ids, res

    def query_ids(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Top-k chunk ids by cosine, without reading their text: half the cost of `query` at k=20."""
        ids, res = self._query(vector, k, ["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(ids, res["distances"][0])]  # hnsw:space=cosine

    def query(self, vector: np.ndarray, k: int) -> list[ScoredChunk]:
        """Top-k chunks by cosine. Queries Chroma directly: llama-index's wrapper would report
        exp(-distance) instead of the cosine, and importing it costs a cold start ~1 s."""
        ids, res = self._query(vector, k, ["documents", "metadatas", "distances"])
        out = []
        for i, text, md, dist in zip(ids, res["documents"][0], res["metadatas"][0], res["distances"][0]):
            if not md or "source" not in md:
                # A vector whose record is gone: another process deleted it after this one loaded
                # the index (embedded Chroma is not process-safe; use a server for that).
                continue
            cos = 1.0 - float(dist)  # the collection uses hnsw:space=cosine
            out.append(ScoredChunk(chunk=Chunk.from_metadata(i, text or "", md), score=cos, dense=cos))
        return out
