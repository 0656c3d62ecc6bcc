"""A segmented BM25 index on disk: memory-mapped numpy arrays, incremental adds and deletes.

Each segment also keeps its chunks' embeddings (unit length, float32), so that dense retrieval can be
exact: a matrix product over the live rows, the same top k on every build of the same chunks. Chroma's
HNSW graph is not (several insert threads build a different graph each time; on realdocs 17 of 268
questions got another dense top 20 from a second build), and an eval that flips with it is noise.

Layout under one directory (one per collection):
  manifest.json          the live segments, their tombstone files, a version; replaced atomically
  seg-<id>/*.npy         one immutable segment: chunk ids, document keys, lengths, a sorted
                         vocabulary (fixed-width utf-8), CSR postings (term -> rows, tf) and
                         the chunks' embeddings (vecs.npy; absent in an index from before them)
  seg-<id>.del-<v>.npy   which rows of a segment are deleted (copy-on-write, bool per row)
  lock                   fcntl lock for writers (several processes may ingest at once)

Adding chunks writes one new segment; deleting marks rows in a tombstone file: neither
rewrites the index. Segments of similar size are merged (tiered, like an LSM tree / Lucene)
by the writer under the lock, so merge work is amortised O(n log n) and the number of
segments stays logarithmic. Readers map the arrays (np.load(mmap_mode="r")): loading costs
the manifest plus a few small arrays, whatever the index size, and pages come in on demand.

Scores are Lucene's BM25 (the `bm25s` default: k1 1.5, b 0.75, idf log(1 + (N-df+.5)/(df+.5)))
over the *live* rows of all segments, with global N, df and average length, so a query gets
the same scores whatever the segmentation (tests check this against bm25s itself).
Left out: positional data (no phrase queries), compression of postings, background merge
threads (merges run in the writing process, under the lock; readers never wait for them).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

LAYOUT = 2  # 2: segments keep their chunks' vectors (vecs.npy); eval caches are keyed by it
K1, B = 1.5, 0.75
MAXTERM = 32  # bytes of a term kept (longer tokens are truncated: URLs, hashes)
MERGE_FACTOR = 4  # merge when this many segments share a size tier


def _terms(tokens: Iterable[str]) -> list[bytes]:
    return [t.encode("utf-8")[:MAXTERM] for t in tokens]


@dataclass
class Segment:
    name: str
    ids: np.ndarray  # S: chunk id by row
    docs: np.ndarray  # S: document key by row
    lens: np.ndarray  # int32: tokens per row
    vocab: np.ndarray  # S{MAXTERM}, sorted
    ptr: np.ndarray  # int64 [len(vocab) + 1]
    rows: np.ndarray  # int32 postings: row
    tf: np.ndarray  # float32 postings: term frequency
    vecs: np.ndarray | None = None  # float32 [n, dim]: unit-length embeddings by row (None: not stored)

    @property
    def n(self) -> int:
        return len(self.ids)

    FILES = ("ids", "docs", "lens", "vocab", "ptr", "rows", "tf")

    @classmethod
    def load(cls, path: Path) -> "Segment":
        vecs = np.load(path / "vecs.npy", mmap_mode="r") if (path / "vecs.npy").exists() else None
        return cls(path.name, *(np.load(path / f"{f}.npy", mmap_mode="r") for f in cls.FILES), vecs=vecs)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True)
        for f in self.FILES:
            np.save(path / f"{f}.npy", getattr(self, f))
        if self.vecs is not None:
            np.save(path / "vecs.npy", self.vecs)

    def postings(self, term: bytes) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.vocab, term))
        if i >= len(self.vocab) or self.vocab[i] != term:
            return _EMPTY_I, _EMPTY_F
        a, b = int(self.ptr[i]), int(self.ptr[i + 1])
        return self.rows[a:b], self.tf[a:b]


_EMPTY_I, _EMPTY_F = np.zeros(0, np.int32), np.zeros(0, np.float32)


def unit_rows(vectors) -> np.ndarray:
    """float32 rows scaled to unit length (a zero row stays zero), so a dot product is the cosine."""
    v = np.asarray(vectors, dtype=np.float64)  # in float64, so a vector already of unit length keeps its float32 bits
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, norm, out=np.zeros_like(v), where=norm > 0).astype(np.float32)


def build_segment(name: str, ids: Sequence[str], docs: Sequence[str], token_lists: Sequence[Sequence[str]], vectors=None) -> Segment:
    """Postings for a batch of chunks, built with a few numpy sorts (no per-term Python loop)."""
    n = len(ids)
    terms = [_terms(toks) for toks in token_lists]
    lens = np.fromiter((len(t) for t in terms), dtype=np.int32, count=n)
    flat = np.array([t for ts in terms for t in ts], dtype=f"S{MAXTERM}") if lens.sum() else np.zeros(0, f"S{MAXTERM}")
    vocab, inv = np.unique(flat, return_inverse=True)
    key = inv.astype(np.int64) * max(n, 1) + np.repeat(np.arange(n, dtype=np.int64), lens)
    ukey, tf = np.unique(key, return_counts=True)  # sorted by (term, row)
    term_of = ukey // max(n, 1)
    ptr = np.zeros(len(vocab) + 1, np.int64)
    np.cumsum(np.bincount(term_of, minlength=len(vocab)), out=ptr[1:])
    return Segment(name, np.array(list(ids), dtype="S"), np.array(list(docs), dtype="S"), lens, vocab.astype(f"S{MAXTERM}"), ptr,
                   (ukey % max(n, 1)).astype(np.int32), tf.astype(np.float32), None if vectors is None else unit_rows(vectors))


def merge_segments(name: str, segs: Sequence[Segment], deleted: Sequence[np.ndarray]) -> Segment:
    """One segment holding the live rows of `segs` (tombstoned rows are dropped here)."""
    keep = [~d for d in deleted]
    offs = np.cumsum([0] + [int(k.sum()) for k in keep])
    total = int(offs[-1])
    vocab = np.unique(np.concatenate([np.asarray(s.vocab) for s in segs])) if segs else np.zeros(0, f"S{MAXTERM}")
    tids, rows, tfs = [], [], []
    for s, k, off in zip(segs, keep, offs):
        remap = np.full(s.n, -1, np.int64)
        remap[k] = np.arange(int(k.sum())) + off
        t = np.searchsorted(vocab, np.asarray(s.vocab))
        post_t = np.repeat(t.astype(np.int64), np.diff(np.asarray(s.ptr)))
        r = remap[np.asarray(s.rows)]
        live = r >= 0
        tids.append(post_t[live]), rows.append(r[live]), tfs.append(np.asarray(s.tf)[live])
    t, r, f = (np.concatenate(x) if x else np.zeros(0) for x in (tids, rows, tfs))
    order = np.argsort(t * max(total, 1) + r, kind="stable")
    t, r, f = t[order], r[order], f[order]
    ptr = np.zeros(len(vocab) + 1, np.int64)
    np.cumsum(np.bincount(t.astype(np.int64), minlength=len(vocab)), out=ptr[1:])

    def cat(field):
        parts = [np.asarray(getattr(s, field))[k] for s, k in zip(segs, keep)]
        return np.concatenate(parts) if parts else np.zeros(0, "S1")

    vecs = None
    if segs and all(s.vecs is not None for s in segs):
        vecs = np.concatenate([np.asarray(s.vecs)[k] for s, k in zip(segs, keep)]).astype(np.float32)
    return Segment(name, cat("ids"), cat("docs"), cat("lens").astype(np.int32), vocab.astype(f"S{MAXTERM}"), ptr, r.astype(np.int32),
                   f.astype(np.float32), vecs)


def _top(scores: np.ndarray, k: int, si: int, seg: Segment) -> list[tuple[float, int, int, str]]:
    """A segment's candidates for the top k: rows scoring above 0 (BM25) or finite (cosine) and at least the
    k-th best, every row tied with the k-th included, as (score, segment, row, id)."""
    kth = -np.partition(-scores, min(k, seg.n) - 1)[min(k, seg.n) - 1]
    ids = np.asarray(seg.ids)
    rows = np.flatnonzero((scores >= kth) & (scores != 0) & np.isfinite(scores))
    return [(float(scores[r]), si, int(r), ids[r].decode()) for r in rows]


def _ranked(best: list[tuple[float, int, int, str]], k: int) -> list[tuple[str, float]]:
    """The top k (id, score); ties go to the row indexed first (segments keep insertion order through merges),
    not to the id: ids hash the document's folder, so an index of the same files elsewhere would order ties
    differently."""
    best.sort(key=lambda x: (-x[0], x[1], x[2]))
    return [(b[3], b[0]) for b in best[:k]]


@dataclass
class Snapshot:
    """What one manifest version describes, loaded: readers use it without any lock."""

    version: int
    segs: list[Segment]
    deleted: list[np.ndarray]  # bool per row, per segment
    live: int
    avgdl: float
    meta: dict

    @property
    def has_vectors(self) -> bool:
        """Whether every segment keeps its embeddings (an empty index does)."""
        return all(s.vecs is not None for s in self.segs)


class BM25Index:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._tlock = threading.RLock()
        self._snap: Snapshot | None = None
        self._seen: bytes | None = None  # the manifest text _snap was loaded from
        self._depth = 0  # re-entrant file lock
        self._later: list[str] = []  # files to delete once no manifest refers to them

    # --- locking and manifest ----------------------------------------------------------
    @contextlib.contextmanager
    def lock(self):
        """Exclusive writer lock, across threads and processes (re-entrant within a thread)."""
        with self._tlock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / "lock", "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def _manifest_bytes(self) -> bytes | None:
        try:
            return (self.path / "manifest.json").read_bytes()
        except FileNotFoundError:
            return None

    def _manifest(self, raw: bytes | None = None) -> dict:
        raw = self._manifest_bytes() if raw is None else raw
        return json.loads(raw) if raw is not None else {"version": 0, "segments": [], "meta": {}}

    def _write_manifest(self, m: dict) -> None:
        m["version"] = int(m.get("version", 0)) + 1
        tmp = self.path / f"manifest.json.tmp{os.getpid()}"
        tmp.write_text(json.dumps(m))
        os.replace(tmp, self.path / "manifest.json")

    def snapshot(self) -> Snapshot:
        """The current manifest's segments, reloaded only when the manifest's text changed.

        The text, not the file's (mtime, size, inode): those can repeat when the manifest is
        replaced twice within one clock tick (the inode freed by the first rename is reused).
        Equal text means the same snapshot: segment and tombstone files are immutable and their
        names random. Reading the small manifest costs microseconds per query."""
        for _ in range(5):
            raw = self._manifest_bytes()
            if self._snap is not None and raw == self._seen:
                return self._snap
            m = self._manifest(raw)
            try:
                segs = [Segment.load(self.path / s["name"]) for s in m["segments"]]
                deleted = [np.load(self.path / s["deleted"]) if s.get("deleted") else np.zeros(seg.n, bool) for s, seg in zip(m["segments"], segs)]
            except FileNotFoundError:
                continue  # a merge replaced the files after we read the manifest: read it again
            live = sum(int(seg.n - d.sum()) for seg, d in zip(segs, deleted))
            length = sum(float(np.asarray(seg.lens, dtype=np.float64).sum() - np.asarray(seg.lens)[d].sum()) for seg, d in zip(segs, deleted))
            self._snap = Snapshot(int(m["version"]), segs, deleted, live, length / live if live else 0.0, m.get("meta", {}))
            self._seen = raw
            return self._snap
        raise RuntimeError(f"BM25 index at {self.path} keeps changing under the reader; retry")

    # --- reads -------------------------------------------------------------------------
    @property
    def live(self) -> int:
        return self.snapshot().live

    def live_ids(self) -> np.ndarray:
        snap = self.snapshot()
        parts = [np.asarray(s.ids)[~d] for s, d in zip(snap.segs, snap.deleted)]
        return np.concatenate(parts) if parts else np.zeros(0, "S1")

    def search(self, tokens: Sequence[str], k: int) -> list[tuple[str, float]]:
        """Top-k (chunk id, score) by BM25; repeated query tokens count again (as in bm25s)."""
        snap = self.snapshot()
        if not snap.live or not tokens or k <= 0:
            return []
        terms = _terms(tokens)
        per_term = {}
        for t in dict.fromkeys(terms):
            lists, df = [], 0
            for seg, dele in zip(snap.segs, snap.deleted):
                rows, tf = seg.postings(t)
                if len(rows):
                    ok = ~dele[rows]
                    rows, tf = np.asarray(rows)[ok], np.asarray(tf)[ok]
                    df += len(rows)
                lists.append((rows, tf))
            if df:
                per_term[t] = (math.log(1 + (snap.live - df + 0.5) / (df + 0.5)), lists)
        if not per_term:
            return []
        best: list[tuple[float, int, int, str]] = []
        for si, seg in enumerate(snap.segs):
            touched = [(idf * terms.count(t), lists[si]) for t, (idf, lists) in per_term.items() if len(lists[si][0])]
            if not touched:
                continue
            scores = np.zeros(seg.n, np.float32)
            lens = None
            for w, (rows, tf) in touched:
                if lens is None:
                    lens = np.asarray(seg.lens, dtype=np.float32)
                norm = K1 * ((1 - B) + B * lens[rows] / snap.avgdl)
                scores[rows] += (w * tf / (norm + tf)).astype(np.float32)
            best += _top(scores, k, si, seg)
        return _ranked(best, k)

    @property
    def has_vectors(self) -> bool:
        return self.snapshot().has_vectors

    def dense_search(self, vector, k: int) -> list[tuple[str, float]] | None:
        """Exact top-k (chunk id, cosine) over the live rows; None when a segment has no vectors."""
        snap = self.snapshot()
        if not snap.has_vectors:
            return None
        if not snap.live or k <= 0:
            return []
        q = unit_rows(np.asarray(vector, dtype=np.float32).reshape(1, -1))[0]
        best: list[tuple[float, int, int, str]] = []
        for si, (seg, dele) in enumerate(zip(snap.segs, snap.deleted)):
            if seg.n:
                scores = np.asarray(seg.vecs) @ q
                scores[np.asarray(dele)] = -np.inf
                best += _top(scores, k, si, seg)
        return _ranked(best, k)

    # --- writes (call under lock() when several processes write) ------------------------
    def add(self, ids: Sequence[str], docs: Sequence[str], token_lists: Sequence[Sequence[str]], vectors=None) -> int:
        """Index chunks as one new segment; ids already live are skipped (re-adds are idempotent).
        `vectors` (one embedding per chunk) are kept for exact dense search."""
        with self.lock():
            present = set(self.live_ids().tolist())
            keep = [i for i, c in enumerate(ids) if c.encode() not in present]
            keep = list({ids[i]: i for i in keep}.values())  # one row per id
            if not keep:
                return 0
            vecs = None if vectors is None else np.asarray(vectors, dtype=np.float32)[keep]
            seg = build_segment(f"seg-{uuid.uuid4().hex[:12]}", [ids[i] for i in keep], [docs[i] for i in keep], [token_lists[i] for i in keep], vecs)
            seg.save(self.path / seg.name)
            m = self._manifest()
            m["segments"].append({"name": seg.name, "n": seg.n, "deleted": None})
            self._write_manifest(m)
            self._maybe_merge()
            return len(keep)

    def remove(self, *, ids: Iterable[str] = (), docs: Iterable[str] = ()) -> int:
        """Tombstone the rows of these chunk ids and/or document keys; returns rows removed."""
        ids_b = np.array([i.encode() for i in ids], dtype="S") if ids else None
        docs_b = np.array([d.encode() for d in docs], dtype="S") if docs else None
        if ids_b is None and docs_b is None:
            return 0
        with self.lock():
            m, removed = self._manifest(), 0
            snap = self.snapshot()
            by_name = {s.name: (s, d) for s, d in zip(snap.segs, snap.deleted)}
            for entry in m["segments"]:
                seg, dele = by_name[entry["name"]]
                hit = np.zeros(seg.n, bool)
                if ids_b is not None:
                    hit |= np.isin(np.asarray(seg.ids), ids_b)
                if docs_b is not None:
                    hit |= np.isin(np.asarray(seg.docs), docs_b)
                new = hit & ~dele
                if new.any():
                    removed += int(new.sum())
                    name = f"{seg.name}.del-{uuid.uuid4().hex[:8]}.npy"
                    np.save(self.path / name, dele | hit)
                    old, entry["deleted"] = entry.get("deleted"), name
                    if old:
                        self._later.append(old)
            if removed:
                self._write_manifest(m)
                self._maybe_merge()
            self._collect()
            return removed

    def _collect(self) -> None:
        """Delete files no manifest refers to any more (open maps of them stay valid on Linux)."""
        later, self._later = self._later, []
        for name in later:
            p = self.path / name
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)

    def _maybe_merge(self) -> None:
        m = self._manifest()
        segs = m["segments"]
        tiers: dict[int, list[dict]] = {}
        for s in segs:
            live = s["n"] - (int(np.load(self.path / s["deleted"]).sum()) if s.get("deleted") else 0)
            s["_live"] = live
            tiers.setdefault(int(math.log(max(live, 1), MERGE_FACTOR)), []).append(s)
        group = next((g for _, g in sorted(tiers.items()) if len(g) >= MERGE_FACTOR), None)
        dead = [s for s in segs if s["_live"] == 0]
        for s in segs:
            s.pop("_live")
        if group is None and not dead:
            return
        group = group or []
        names = {s["name"] for s in group} | {s["name"] for s in dead}
        if group:
            snap = self.snapshot()
            by_name = {s.name: (s, d) for s, d in zip(snap.segs, snap.deleted)}
            merged = merge_segments(f"seg-{uuid.uuid4().hex[:12]}", [by_name[s["name"]][0] for s in group], [by_name[s["name"]][1] for s in group])
            merged.save(self.path / merged.name)
            at = min(i for i, s in enumerate(segs) if s["name"] in names)
            rest = [s for s in segs if s["name"] not in names]
            rest.insert(min(at, len(rest)), {"name": merged.name, "n": merged.n, "deleted": None})
        else:
            rest = [s for s in segs if s["name"] not in names]
        m["segments"] = rest
        self._write_manifest(m)
        for s in segs:
            if s["name"] in names:
                self._later += [s["name"]] + ([s["deleted"]] if s.get("deleted") else [])
        self._collect()
        self._maybe_merge()  # a merge can fill the next tier

    def set_meta(self, **kw) -> None:
        with self.lock():
            m = self._manifest()
            m.setdefault("meta", {}).update(kw)
            self._write_manifest(m)

    def clear(self, force: bool = False) -> None:
        """Drop every segment; `force` also discards a manifest or files that fail to load."""
        with self.lock():
            if force:
                for p in self.path.iterdir():
                    if p.name != "lock":
                        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
                self._snap = self._seen = None
                return
            m = self._manifest()
            self._later += [s["name"] for s in m["segments"]] + [s["deleted"] for s in m["segments"] if s.get("deleted")]
            self._write_manifest({"version": m.get("version", 0), "segments": [], "meta": {}})
            self._collect()

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())
