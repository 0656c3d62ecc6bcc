"""Retrievers: dense (Chroma), BM25 (bm25s) and their weighted reciprocal-rank fusion.

Each retriever is `retrieve(query, k) -> list[ScoredChunk]`. Postprocessors
(`Reranker`s) run after retrieval; none ships by default, the seam is here so a
cross-encoder can be added without touching the answerers.
Left out: query expansion, metadata filters, MMR.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from rag.embeddings import Embedder
from rag.store import Store
from rag.types import Chunk, ScoredChunk


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[ScoredChunk]: ...


class Reranker(Protocol):
    def rerank(self, query: str, hits: list[ScoredChunk], k: int) -> list[ScoredChunk]: ...


class DenseRetriever:
    def __init__(self, store: Store, embedder: Embedder):
        self.store, self.embedder = store, embedder

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        return self.store.query(self.embedder.embed_query(query), k)


# English stopwords, short list: BM25 should still see "not", numbers and names.
STOPWORDS = frozenset(
    """a an the and or of to in on at by for with from as is are was were be been being it its this that these those
    which who whom whose what when where why how do does did has have had i you he she we they them his her their our
    your my me us than then so such into about over under also can could would should will shall may might must
    there here if but not no nor""".split()
) - {"not", "no", "nor"}

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def tokenize(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class BM25Retriever:
    """bm25s over every chunk in the store; the index is rebuilt when the store's contents change.

    `Pipeline.ingest` invalidates it directly; a change made by another process is noticed
    through the chunk ids, checked at most every `recheck_s` seconds to keep it off the hot path.
    The built index is saved under data_dir/bm25/ so the next process can load it.
    """

    def __init__(self, store: Store, recheck_s: float = 2.0):
        self.store = store
        self.recheck_s = recheck_s
        self._lock = threading.Lock()
        self._sig: tuple | None = None
        self._checked = 0.0
        self._bm25 = None
        self._chunks: list[Chunk] = []

    def _signature(self) -> tuple:
        # Chunk ids embed each file's sha256, so the sorted ids change whenever the contents do.
        ids = sorted(self.store.collection.get(include=[])["ids"])
        return (self.store.settings.collection, len(ids), hashlib.sha1("\n".join(ids).encode()).hexdigest())

    def invalidate(self) -> None:
        with self._lock:
            self._sig = None

    @property
    def _cache_dir(self) -> Path:
        s = self.store.settings
        where = f"{s.chroma_host}_{s.chroma_port}_" if s.chroma_host else ""
        return s.data_dir / "bm25" / re.sub(r"[^\w.-]", "_", where + s.collection)

    def _load_cached(self, sig: tuple):
        """The index saved by an earlier process for exactly these chunks, or None.

        Building it means reading every chunk back from Chroma and tokenising it (about 2.5 s
        for 10k chunks): most of a cold `rag ask`. Plain JSON and numpy files, no pickle."""
        import bm25s

        d = self._cache_dir
        try:
            if json.loads((d / "signature.json").read_text()) != list(sig):
                return None
            rows = json.loads((d / "chunks.json").read_text())
            model = bm25s.BM25.load(str(d), show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        return model, [Chunk.from_metadata(r["id"], r["text"], r["md"]) for r in rows]

    def _save_cached(self, sig: tuple, model, chunks: list[Chunk]) -> None:
        d = self._cache_dir
        tmp = d.with_name(d.name + f".tmp{threading.get_ident()}")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            model.save(str(tmp), show_progress=False)
            (tmp / "chunks.json").write_text(json.dumps([{"id": c.id, "text": c.text, "md": c.metadata()} for c in chunks]))
            (tmp / "signature.json").write_text(json.dumps(list(sig)))
            shutil.rmtree(d, ignore_errors=True)
            tmp.rename(d)  # readers see the old cache or the new one, never half of one
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # a cache is optional: a read-only data dir just rebuilds

    def _index(self):
        now = time.monotonic()
        if self._sig is not None and now - self._checked < self.recheck_s:
            return self._bm25, self._chunks
        sig = self._signature()
        with self._lock:
            self._checked = now
            if sig != self._sig:
                cached = self._load_cached(sig)
                if cached is None:
                    import bm25s

                    chunks = self.store.all_chunks()
                    chunks.sort(key=lambda c: c.id)  # stable order -> deterministic ties
                    model = bm25s.BM25()
                    model.index([tokenize(c.text) or ["\x00"] for c in chunks], show_progress=False)
                    self._save_cached(sig, model, chunks)
                    cached = (model, chunks)
                (self._bm25, self._chunks), self._sig = cached, sig
            return self._bm25, self._chunks

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        model, chunks = self._index()
        toks = tokenize(query)
        if not chunks or not toks:
            return []
        scores = model.get_scores(toks)
        k = min(k, len(chunks))
        top = np.argsort(-scores, kind="stable")[:k]
        return [ScoredChunk(chunks[i], float(scores[i]), bm25=float(scores[i])) for i in top if scores[i] > 0]


class HybridRetriever:
    """Fuse a dense and a sparse ranking of `candidates` each.

    * `fusion="rrf"`: weighted reciprocal rank fusion, score = sum_r w_r / (rrf_k + rank_r).
    * `fusion="score"`: a convex combination of the scores, each min-max normalised over
      the query's candidates (a chunk missing from one run gets 0 for it). Unlike RRF it
      keeps *how much* better the top BM25 hit is, which matters when BM25 is confident.
    evals/measure_retrieval.py chose the default; see evals/results/retrieval.md.
    """

    def __init__(
        self,
        dense: Retriever,
        sparse: Retriever,
        dense_weight: float = 0.5,
        rrf_k: int = 60,
        candidates: int = 20,
        fusion: str = "rrf",
    ):
        if fusion not in ("rrf", "score"):
            raise ValueError(f"fusion must be 'rrf' or 'score', not {fusion!r}")
        self.dense, self.sparse = dense, sparse
        self.weights = (dense_weight, 1.0 - dense_weight)
        self.rrf_k, self.candidates, self.fusion = rrf_k, candidates, fusion

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        n = max(k, self.candidates)
        return self.fuse(self.dense.retrieve(query, n), self.sparse.retrieve(query, n), k)

    def fuse(self, dense_run: Sequence[ScoredChunk], sparse_run: Sequence[ScoredChunk], k: int) -> list[ScoredChunk]:
        fused: dict[str, dict] = {}
        for w, run in zip(self.weights, (dense_run, sparse_run)):
            if self.fusion == "score" and run:
                hi, lo = max(h.score for h in run), min(h.score for h in run)
                span = (hi - lo) or 1.0
            for rank, hit in enumerate(run, start=1):
                e = fused.setdefault(hit.chunk.id, {"chunk": hit.chunk, "score": 0.0, "dense": None, "bm25": None})
                if self.fusion == "rrf":
                    e["score"] += w / (self.rrf_k + rank)
                else:
                    e["score"] += w * (hit.score - lo) / span
                if hit.dense is not None:
                    e["dense"] = hit.dense
                if hit.bm25 is not None:
                    e["bm25"] = hit.bm25
        ranked = sorted(fused.values(), key=lambda e: (-e["score"], e["chunk"].id))[:k]
        return [ScoredChunk(e["chunk"], e["score"], dense=e["dense"], bm25=e["bm25"]) for e in ranked]


def fill_dense_scores(hits: Sequence[ScoredChunk], qvec: np.ndarray, embedder: Embedder, store: Store | None = None) -> list[ScoredChunk]:
    """BM25-only hits have no cosine; compute it so refusal sees the same signal for every hit.

    Uses the vectors stored in the index when a store is given (no model call), else re-embeds.
    """
    missing = [h for h in hits if h.dense is None]
    if not missing:
        return list(hits)
    stored = store.vectors([h.chunk.id for h in missing]) if store is not None else {}
    todo = [h for h in missing if h.chunk.id not in stored]
    if todo:
        stored.update(zip((h.chunk.id for h in todo), embedder.embed_documents([h.chunk.text for h in todo])))
    sims = {h.chunk.id: float(np.dot(stored[h.chunk.id], qvec)) for h in missing}
    return [h if h.dense is not None else ScoredChunk(h.chunk, h.score, sims[h.chunk.id], h.bm25) for h in hits]
