"""Retrievers: dense (Chroma), BM25 (bm25s) and their weighted reciprocal-rank fusion.

Each retriever is `retrieve(query, k) -> list[ScoredChunk]`. Postprocessors
(`Reranker`s) run after retrieval; none ships by default, the seam is here so a
cross-encoder can be added without touching the answerers.
Left out: query expansion, metadata filters, MMR.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import unicodedata
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from rag.blocks import QUOTABLE
from rag.embeddings import Embedder
from rag.store import Store
from rag.types import Chunk, ScoredChunk

log = logging.getLogger(__name__)


class Retriever(Protocol):
    def retrieve(self, query: str, k: int) -> list[ScoredChunk]: ...


class HybridSearchBackend(Protocol):
    """A store that fuses dense and sparse retrieval itself (distributed or hosted Chroma's
    `Collection.search`). Raises NotImplementedError when it can't (embedded Chroma, a single
    `chroma run` server, a collection without a sparse index)."""

    def hybrid_search(self, query: str, vector: np.ndarray, k: int, dense_weight: float) -> list[ScoredChunk]: ...


@runtime_checkable
class IdRanker(Protocol):
    """A retriever that can rank chunk ids without reading the chunks (the hybrid retriever's fast path)."""

    def ranked_ids(self, query: str, n: int) -> list[tuple[str, float]]: ...


class Reranker(Protocol):
    def rerank(self, query: str, hits: list[ScoredChunk], k: int) -> list[ScoredChunk]: ...


class DenseRetriever:
    """Top chunks by cosine to the query's embedding.

    Exact when `local` (the BM25Retriever over the same store) is given and the store holds at most
    `exact_max` chunks: a matrix product over the embeddings kept in the local index, so the same chunks
    give the same ranking on every build (evals depend on it). Above that, or without `local`, Chroma's
    HNSW graph answers: approximate, and not the same graph twice. At 10k chunks the product takes about
    a millisecond; its cost grows with the store (~30 ms at 100k on two cores), the graph's does not."""

    def __init__(self, store: Store, embedder: Embedder, local: "BM25Retriever | None" = None, exact_max: int = 100_000):
        self.store, self.embedder, self.local, self.exact_max = store, embedder, local, exact_max

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        qvec = self.embedder.embed_query(query)
        for attempt in (0, 1):
            exact = self._exact(qvec, k)
            if exact is None:
                return self.store.query(qvec, k)
            chunks = {c.id: c for c in self.store.get_chunks([i for i, _ in exact])}
            if len(chunks) == len(exact) or attempt:
                return [ScoredChunk(chunks[i], s, dense=s) for i, s in exact if i in chunks]
            self.local.invalidate()  # the store lost chunks behind the local index: repair it, then ask again
        return []

    def ranked_ids(self, query: str, n: int) -> list[tuple[str, float]]:
        qvec = self.embedder.embed_query(query)
        exact = self._exact(qvec, n)
        return exact if exact is not None else self.store.query_ids(qvec, n)

    def _exact(self, qvec: np.ndarray, n: int) -> list[tuple[str, float]] | None:
        if self.local is None:
            return None
        ix = self.local.index()
        return ix.dense_search(qvec, n) if ix.live <= self.exact_max else None


# English stopwords, short list: BM25 should still see "not", numbers and names.
STOPWORDS = frozenset(
    """a an the and or of to in on at by for with from as is are was were be been being it its this that these those
    which who whom whose what when where why how do does did has have had i you he she we they them his her their our
    your my me us than then so such into about over under also can could would should will shall may might must
    there here if but not no nor""".split()
) - {"not", "no", "nor"}

# Words are runs of letters and digits in any script, lowercased, accents folded ("Büsingen" -> "busingen",
# so "Busingen" finds it; "ﬁle" -> "file"), with a contraction or possessive kept ("don't", "git’s").
# ASCII text splits exactly as TOKENIZER 1 did ([a-z0-9]+); that one cut "Büsingen" into "b" and "singen"
# (so "rich" matched "Zürich") and found no word at all in Greek or Cyrillic.
# TOKENIZER 4 (3 was a first cut of it, never released) adds a one-letter option or format specifier with its case (`index_terms`).
TOKENIZER = 4  # stored with each BM25 index: an index built by another version is rebuilt from the store
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")  # the same words on ASCII text, found faster


def _fold(text: str) -> str:
    """Text without accents or compatibility forms (NFKD, combining marks dropped)."""
    return unicodedata.normalize("NFKD", text).translate(_marks())


@functools.cache
def _marks() -> dict[int, None]:
    """Every combining mark of the Basic Multilingual Plane (accents, Hebrew points, Indic signs) -> dropped."""
    return dict.fromkeys(c for c in range(0x10000) if unicodedata.combining(chr(c)) or unicodedata.category(chr(c)) == "Mc")


def tokenize(text: str) -> list[str]:
    text = text.lower()
    words = _ASCII_TOKEN.findall(text) if text.isascii() else _TOKEN.findall(_fold(text))
    return [t for t in words if t not in STOPWORDS]


# A one-letter option or format specifier keeps its case as a term of its own: zsh's "-N file" (access time) is not
# "-n string" (non-empty), git clean's -X is not -x, strftime's %M (minutes) is not %m (month), but lowercased each pair
# is the word "n", "x" or "m", which most of a manual holds. The plain word stays too, so "-N" still matches "N".
_LETTER_OPTION = re.compile(r"(?<![\w%-])[-%][A-Za-z](?![\w-])")


def index_terms(text: str) -> list[str]:
    """The BM25 terms of a text or a query: its words (`tokenize`) and its one-letter options and format specifiers as written ("-N", "%M")."""
    return tokenize(text) + _LETTER_OPTION.findall(text)


def index_chunks(ix, chunks: Sequence[Chunk], vectors=None) -> None:
    """Add chunks to a BM25 index as the words of what they are indexed as (rag.chunking.indexed_text: title and
    section path above the text), with their embeddings for exact dense search. An empty index records the word
    splitter first (BM25Retriever rebuilds an index whose record differs, or that lacks embeddings). Call under
    the index's writer lock."""
    from rag.chunking import indexed_text
    from rag.store import doc_key

    if chunks and not ix.live and ix.snapshot().meta.get("tokenizer") != TOKENIZER:
        ix.set_meta(tokenizer=TOKENIZER)
    ix.add([c.id for c in chunks], [doc_key(c.root, c.source) for c in chunks], [index_terms(indexed_text(c)) for c in chunks], vectors)


class BM25Retriever:
    """BM25 over every chunk in the store, from the store's segmented on-disk index (rag.bm25index).

    Writes through `Store.add` / `Store.delete_document` update the index incrementally, in any
    process. The index is checked against the store: when the number of live chunks differs (a
    writer on another machine, a crash between the two writes, an index built before this design)
    it is repaired from the store's ids under the writers' lock, and a hit whose chunk the store no
    longer holds is never returned. The check costs a full count in Chroma (69 ms at 768k chunks,
    evals/results/scale), so it runs when the index changed since the last check (every write
    through a Store changes it, in any process) and otherwise at most every `recheck_s` seconds.
    That periodic check runs in a background thread, so no question waits for it (a user asking every
    few seconds paid the count on every question), and the thread waits for `QUIET_S` without a query
    before it counts, so the count runs between questions rather than beside the answer being read (at
    most `MAX_DEFER_S` under steady load); a mismatch it finds is repaired before the next
    query. A writer that bypasses this index is seen within that window, the quiet spell and one query; a chunk it
    deleted is never returned meanwhile (hits are read from the store). The first check of a process,
    and any check after the index changed, stay on the query path. `recheck_s=0` checks before every
    query. `invalidate()` forces a full id comparison on the next query (equal counts can hide an
    add plus a delete made elsewhere).
    """

    announce_over = 20_000  # a repair adding more chunks than this says so first (1M took ~6 min over HTTP)
    RECHECK_S = 1.0  # the default window between counts of the store
    QUIET_S = 0.3  # the background count waits this long after the last query: the answer is read by then
    MAX_DEFER_S = 5.0  # under questions without pause it counts anyway after this long

    def __init__(self, store: Store, recheck_s: float = RECHECK_S):
        self.store, self.recheck_s = store, recheck_s
        self._force = False
        self._stale = False  # the background check found the index and the store disagree
        self._checker: threading.Thread | None = None
        self._checked: tuple[object, float] = (None, float("-inf"))  # (index snapshot found consistent, when)
        self._last_query = float("-inf")

    def invalidate(self) -> None:
        """Compare the index with every id in the store on the next query (a full read: rare)."""
        self._force = True

    def remove(self, ids: Sequence[str]) -> None:
        """Chunks were deleted from the store: drop those it no longer holds (Store.delete_document
        already did; this covers deletes made straight on the collection). Cheap, no rebuild."""
        ids = list(ids)
        if ids:
            still = {c.id for c in self.store.get_chunks(ids)}
            gone = [i for i in ids if i not in still]
            if gone:
                self.store.lexical.remove(ids=gone)

    def sync(self) -> dict:
        """Make the index hold exactly the store's chunks; returns what changed."""
        ix = self.store.lexical
        with ix.lock():
            want = self.store.ids()
            have = set(x.decode() for x in ix.live_ids().tolist())
            extra = have.difference(want)
            missing = [i for i in want if i not in have]
            if extra:
                ix.remove(ids=extra)
            if len(missing) > self.announce_over:  # e.g. a new client of a Chroma server whose chunks this data dir never indexed
                log.warning("Building the keyword (BM25) index for %s from its %d chunks: this happens once per store and "
                            "takes a while (about 6 minutes for 1M chunks over HTTP).", self.store.kind, len(missing))
            for s in range(0, len(missing), 5000):
                got = self.store.chunks_with_vectors(missing[s : s + 5000])
                if got:
                    index_chunks(ix, [c for c, _ in got.values()], np.stack([v for _, v in got.values()]))
            self._force = False
            return {"added": len(missing), "removed": len(extra)}

    def _fresh(self):
        self._last_query = time.monotonic()
        ix = self.store.lexical
        try:
            snap = ix.snapshot()
        except (OSError, ValueError, KeyError, RuntimeError):  # damaged files: rebuild from the store
            ix.clear(force=True)
            self._force, snap = True, None
        if snap is not None and snap.live and (snap.meta.get("tokenizer") != TOKENIZER or not ix.has_vectors):
            with ix.lock():  # built by another word splitter (its words no longer match the queries'), or without embeddings
                if ix.snapshot().meta.get("tokenizer") != TOKENIZER or not ix.has_vectors:
                    log.warning("Rebuilding the local (BM25 and exact dense) index from the store: it was built with an older "
                                "word splitter (tokenizer %s, now %s) or without embeddings. This happens once per index.",
                                snap.meta.get("tokenizer", 1), TOKENIZER)
                    ix.clear()
                    self._force = True  # sync() below refills it and records this splitter
            snap = ix.snapshot()
        seen, at = self._checked
        if not self._force and not self._stale and snap is seen and self.recheck_s > 0:
            if time.monotonic() - at >= self.recheck_s:
                self._check_in_background(ix, snap)
            return ix  # nothing written through the index since it matched the store
        self._stale = False
        if self._force or ix.live != self.store.count():
            with ix.lock():  # waits for a writer between its Chroma write and its BM25 write
                if self._force or ix.live != self.store.count():
                    self.sync()
        self._checked = (ix.snapshot(), time.monotonic())
        return ix

    def index(self):
        """The local index, checked against the store as before a query (the exact dense search reads it too)."""
        return self._fresh()

    def ranked_ids(self, query: str, n: int) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first. An id may name a chunk deleted elsewhere since the last
        check: a caller that finds it missing in the store falls back to `retrieve`, which repairs."""
        toks = index_terms(query)
        ix = self._fresh()
        return ix.search(toks, n) if toks else []

    def _check_in_background(self, ix, snap) -> None:
        """Count the store in a daemon thread once no query came for QUIET_S (counting as the question
        started competed with its answer for the CPU: spaced questions at 1M took 156 ms, now 115 ms;
        evals/results/bench_quiet_check.md); a mismatch marks the index stale for the next query."""
        if self._checker is not None and self._checker.is_alive():
            return
        self._checked = (snap, time.monotonic())

        def check() -> None:
            until = time.monotonic() + self.MAX_DEFER_S
            while (wait := min(self._last_query + self.QUIET_S, until) - time.monotonic()) > 0:
                time.sleep(wait)
            try:
                stale = ix.live != self.store.count()
            except Exception:  # noqa: BLE001 - the next query checks on its own path and reports it
                stale = True
            if stale:
                self._stale = True

        self._checker = threading.Thread(target=check, name="rag-bm25-check", daemon=True)
        self._checker.start()

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        toks = index_terms(query)
        for attempt in (0, 1):
            ix = self._fresh()
            if not toks:
                return []
            hits = ix.search(toks, k)
            chunks = {c.id: c for c in self.store.get_chunks([i for i, _ in hits])}
            if len(chunks) == len(hits) or attempt:
                return [ScoredChunk(chunks[i], s, bm25=s) for i, s in hits if i in chunks]
            self._force = True  # the store lost chunks behind our back: repair, then ask again
        return []


class HybridRetriever:
    """Fuse a dense and a sparse ranking of `candidates` each.

    * `fusion="rrf"`: weighted reciprocal rank fusion, score = sum_r w_r / (rrf_k + rank_r).
    * `fusion="score"`: a convex combination of the scores, each min-max normalised over
      the query's candidates (a chunk missing from one run gets 0 for it; a run whose hits all
      tie gives each of them 1, the run's best). Unlike RRF it
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
        hits = self._by_ids(query, n, k)
        if hits is not None:
            return hits
        return self.fuse(self.dense.retrieve(query, n), self.sparse.retrieve(query, n), k)

    def _by_ids(self, query: str, n: int, k: int) -> list[ScoredChunk] | None:
        """The fast path when both runs rank ids over one store: fuse the ids, then read only the
        fused top k, texts and vectors in one call (a cosine for the BM25-only hits). Reading the 2 x 20
        candidates' texts cost 3-4 ms a question at 10k chunks, and a round trip more to a server. A hit whose text
        an earlier one already had is skipped and the next fused id read in its place (`_first`); one with nothing
        quotable (`_quotable`) goes after the quotable ones, into a slot that none of them fills.
        None (take the full path, which filters and repairs) when an id has no chunk in the store."""
        store = getattr(self.dense, "store", None)
        if not (isinstance(self.dense, IdRanker) and isinstance(self.sparse, IdRanker) and getattr(self.sparse, "store", None) is store
                and hasattr(store, "chunks_with_vectors")):
            return None
        ranked = self._fuse((self.dense.ranked_ids(query, n), self.sparse.ranked_ids(query, n)), None)
        top, later, got, seen, at = [], [], {}, set(), 0
        while len(top) < k and at < len(ranked):  # one read, unless a passage repeats an earlier one or can't be quoted
            batch = ranked[at : at + k - len(top)]
            at += len(batch)
            more = store.chunks_with_vectors([e["id"] for e in batch])
            if len(more) < len(batch):
                return None  # a chunk deleted behind the indexes: the full path drops it (and repairs BM25)
            got.update(more)
            for e in batch:
                if _first(seen, more[e["id"]][0]):
                    (top if _quotable(more[e["id"]][0]) else later).append(e)
        top += later[: k - len(top)]
        qvec = self.dense.embedder.embed_query(query) if any(e["dense"] is None for e in top) else None
        return [ScoredChunk(got[e["id"]][0], e["score"], dense=e["dense"] if e["dense"] is not None else float(np.dot(got[e["id"]][1], qvec)),
                            bm25=e["bm25"]) for e in top]

    def fuse(self, dense_run: Sequence[ScoredChunk], sparse_run: Sequence[ScoredChunk], k: int) -> list[ScoredChunk]:
        """`_fuse` over retrieved chunks; each hit keeps the dense and BM25 scores its runs gave it."""
        both = (*dense_run, *sparse_run)
        chunks = {h.chunk.id: h.chunk for h in both}
        dense = {h.chunk.id: h.dense for h in both if h.dense is not None}
        bm25 = {h.chunk.id: h.bm25 for h in both if h.bm25 is not None}
        seen: set[str] = set()
        ranked = self._fuse(([(h.chunk.id, h.score) for h in dense_run], [(h.chunk.id, h.score) for h in sparse_run]), None)
        unique = [e for e in ranked if _first(seen, chunks[e["id"]])]
        top = ([e for e in unique if _quotable(chunks[e["id"]])] + [e for e in unique if not _quotable(chunks[e["id"]])])[:k]
        return [ScoredChunk(chunks[e["id"]], e["score"], dense=dense.get(e["id"]), bm25=bm25.get(e["id"])) for e in top]

    def _fuse(self, runs: tuple[Sequence[tuple[str, float]], Sequence[tuple[str, float]]], k: int | None) -> list[dict]:
        """The top k (None: all) of (dense run, sparse run), each a list of (chunk id, score) best first."""
        fused: dict[str, dict] = {}
        for w, run, kind in zip(self.weights, runs, ("dense", "bm25")):
            if self.fusion == "score" and run:
                hi, lo = max(s for _, s in run), min(s for _, s in run)
                span = hi - lo
            for rank, (cid, score) in enumerate(run, start=1):
                e = fused.setdefault(cid, {"id": cid, "score": 0.0, "dense": None, "bm25": None})
                if self.fusion == "rrf":
                    e["score"] += w / (self.rrf_k + rank)
                else:
                    # a run whose hits all tie (one hit, say: the only chunk with a rare term) is all "best"
                    e["score"] += w * ((score - lo) / span if span else 1.0)
                e[kind] = score
        # ties keep the order the runs gave (dense first): both break their own ties by indexing order, which is the
        # same for the same files anywhere, while ids hash the folder
        return sorted(fused.values(), key=lambda e: -e["score"])[:k]


def _quotable(chunk: Chunk) -> bool:
    """Whether an answer could quote this chunk: a chunk of contents or index lines, headings or code only
    stays searchable, but it does not take one of the k passages from a chunk of prose, list items or rows.
    A chunk without layout (plain text) is prose."""
    return not chunk.blocks or any(b[2] in QUOTABLE for b in chunk.blocks)


def _first(seen: set[str], chunk: Chunk) -> bool:
    """Whether no earlier hit had this chunk's text (whitespace aside), noting it: the same file in two folders,
    or a page repeated in two documents, is read once and does not take two of the k passages."""
    key = " ".join(chunk.text.split())
    if key in seen:
        return False
    seen.add(key)
    return True


class ServerFusedRetriever:
    """The seam past one machine: hybrid retrieval fused server-side when the backend supports it,
    else the local path (`local`: our BM25 segments + HybridRetriever's fusion).

    The first NotImplementedError is remembered, so a local store pays for the probe once.
    Server-side fusion is Chroma's RRF, not our min-max score fusion: measure it (evals/
    measure_retrieval.py) before making it the default on such a deployment."""

    def __init__(self, backend: HybridSearchBackend, embedder: Embedder, local: Retriever, dense_weight: float):
        self.backend, self.embedder, self.local, self.dense_weight = backend, embedder, local, dense_weight
        self.server_side: bool | None = None  # unknown until the first query
        self.sparse = getattr(local, "sparse", None)  # what Pipeline/Library reach for

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        if self.server_side is not False:
            try:
                hits = self.backend.hybrid_search(query, self.embedder.embed_query(query), k, self.dense_weight)
                self.server_side = True
                return hits
            except NotImplementedError:
                self.server_side = False
        return self.local.retrieve(query, k)


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
