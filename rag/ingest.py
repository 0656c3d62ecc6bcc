"""Incremental, crash-safe ingestion: files -> chunks -> vectors -> store.

The index itself is the manifest: every chunk records its file's sha256 and the
number of chunks the file produced. So a file is
  * skipped when the index holds exactly its expected chunks for the same hash,
  * replaced (delete, then add) when its hash changed, its chunks are incomplete
    (an interrupted earlier run) or were extracted by an older EXTRACTION_VERSION, and
  * removed when it vanished from a folder that was ingested before, and
  * dropped from its old place when it was moved: a file indexed now whose identical content the
    index holds under a path that no longer exists on disk (a renamed or moved folder would
    otherwise be indexed twice, and answers would cite both copies).
Chunk ids are deterministic, so re-adding after a crash can't duplicate.

Throughput: chunks are embedded in batches that span files (small files don't make small,
slow model calls), identical chunk texts in a batch are embedded once, and the store writes
run in a writer thread, in order, while the next batch is loaded, chunked and embedded.
With `settings.ingest_workers` > 1, loading, chunking and embedding run in worker processes
instead (rag/ingest_workers.py); the bookkeeping and every store write stay here.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from rag.blocks import EXTRACTION_VERSION
from rag.chunking import chunk_document, indexed_text
from rag.embeddings import Embedder
from rag.loaders import Failure, discover, failure_reason, load_file
from rag.settings import Settings
from rag.store import Store


@dataclass
class IngestReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)  # {"from": old path, "to": new source}
    copies: list[dict] = field(default_factory=list)  # {"path": a file indexed now, "same_as": an indexed file with the same bytes}
    failed: list[Failure] = field(default_factory=list)
    chunks_added: int = 0
    total_chunks: int = 0
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return {
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "moved": self.moved,
            "copies": self.copies,
            "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
            "chunks_added": self.chunks_added,
            "total_chunks": self.total_chunks,
            "elapsed_s": round(self.elapsed_s, 3),
        }


class _Writer:
    """Applies store operations in order on one thread, so writing overlaps embedding.

    The queue is short (backpressure: at most a few batches of vectors wait in memory). An
    error in the thread stops it and is re-raised by the next put() or by close()."""

    def __init__(self, store: Store, depth: int = 2):
        self.store = store
        self.q: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.t = threading.Thread(target=self._run, name="rag-ingest-writer", daemon=True)
        self.t.start()

    def _run(self) -> None:
        while True:
            op = self.q.get()
            if op is None:
                return
            if self.error is not None:
                continue  # drain without writing after a failure
            try:
                if op[0] == "add":
                    self.store.add(op[1], op[2])
                else:
                    self.store.delete_document(op[1], op[2])
            except BaseException as e:  # noqa: BLE001 (re-raised on the caller's thread)
                self.error = e

    def put(self, *op) -> None:
        if self.error is not None:
            raise self.error
        self.q.put(op)

    def close(self, drain: bool = True) -> None:
        if not drain:  # interrupted: drop what is queued; the next run repairs half-written files
            try:
                while True:
                    self.q.get_nowait()
            except queue.Empty:
                pass
        self.q.put(None)
        self.t.join()
        if drain and self.error is not None:
            raise self.error


def embed_unique(embedder: Embedder, texts: Sequence[str]):
    """Embed each distinct text once (repeated boilerplate, copied files) and fan the vectors out."""
    import numpy as np

    from rag.embeddings import indexing

    uniq = list(dict.fromkeys(texts))
    with indexing():  # vectors for the index: an embedder's index precision (minilm-bf16) applies
        vecs = embedder.embed_documents(uniq if len(uniq) < len(texts) else list(texts))
    if len(uniq) == len(texts):
        return vecs
    at = {t: i for i, t in enumerate(uniq)}
    return np.asarray(vecs)[[at[t] for t in texts]]


def embed_chunks(embedder: Embedder, chunks: Sequence):
    """The index's vectors of chunks: each embedded as what it is indexed as (rag.chunking.indexed_text)."""
    return embed_unique(embedder, [indexed_text(c) for c in chunks])


def _skip_sha(state) -> str | None:
    """The hash a file is skipped on: the index holds all its chunks, from the current extraction."""
    return state.sha256 if state and state.complete and state.extraction >= EXTRACTION_VERSION else None


def _remove_vanished(given: Path, root: Path, seen: set[str], states: dict, writer: _Writer, report: IngestReport, gone: set) -> None:
    if Path(given).is_dir():
        for (r, source), _ in list(states.items()):
            if r == str(root) and source not in seen:
                writer.put("delete", r, source)
                report.removed.append(source)
                gone.add((r, source))


def _forget_moved(store: Store, fresh: dict[str, list[tuple[str, str]]], report: IngestReport, gone: set) -> None:
    """Drop the old entries of files that were moved: `fresh` maps the sha256 of each file indexed in
    this run to its (root, source)s; an entry elsewhere with the same content whose file no longer
    exists is the same document under its old path. A copy that still exists is kept, and reported."""
    shas = sorted(fresh)
    for i in range(0, len(shas), 256):  # one `where` per few hundred files, never a full metadata scan
        got = store.collection.get(where={"doc_sha256": {"$in": shas[i : i + 256]}}, include=["metadatas"])
        old = {(md.get("root", ""), md["source"]): md["doc_sha256"] for md in got["metadatas"] if md and "source" in md}
        kept: dict[str, list[tuple[str, str]]] = {}  # sha256 -> entries of other paths that still exist
        for (r, source), sha in sorted(old.items()):
            new = fresh[sha]
            if (r, source) in new or (r, source) in gone:
                continue
            if (Path(r) / source).exists():
                kept.setdefault(sha, []).append((r, source))
                continue
            store.delete_document(r, source)
            gone.add((r, source))
            to = next((n for n in new if n[1] == source), new[0])  # the same relative path, if it was indexed
            report.moved.append({"from": str(Path(r) / source), "to": str(Path(to[0]) / to[1])})
        for sha in shas[i : i + 256]:  # identical bytes under two paths: both stay, retrieval reads the passage once
            first, *rest = kept.get(sha, []) + sorted(fresh[sha])
            report.copies += [{"path": str(Path(r) / s), "same_as": str(Path(first[0]) / first[1])} for r, s in rest if (r, s) in fresh[sha]]
    report.copies.sort(key=lambda c: c["path"])


# progress(event, **info): "files" (total=n) once, "file" (name=...) per file, "chunks" (n=...) per batch.
Progress = Callable[..., None]


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    store: Store,
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IngestReport:
    t0 = time.perf_counter()
    progress = progress or (lambda *a, **k: None)
    report = IngestReport()
    targets = [(p, *discover(Path(p))) for p in paths]  # raises UsageError before touching the index
    if settings.ingest_workers > 1:
        from rag.ingest_workers import check_embedder

        check_embedder(settings.embedder, settings.embed_batch_size, embedder.name)  # also before touching it
    if rebuild:
        store.reset()
    store.ensure()
    states = store.doc_states(roots=[str(root) for _, root, _ in targets])  # only what these roots hold
    max_bytes = int(settings.max_file_mb * 1e6)

    progress("files", total=sum(len(files) for _, _, files in targets))
    bs = max(settings.embed_batch_size, 1) * 4
    pending: list = []
    writer = _Writer(store)
    fresh: dict[str, list] = {}  # sha256 -> [(root, source)] of the files indexed in this run
    gone: set = set()

    def flush() -> None:
        if pending:
            batch = pending[:]
            pending.clear()
            writer.put("add", batch, embed_chunks(embedder, batch))
            progress("chunks", n=len(batch))

    ok = False
    try:
        if settings.ingest_workers > 1:  # the same loop, files loaded, chunked and embedded in processes
            _ingest_in_workers(targets, states, settings, max_bytes, writer, report, progress, fresh, gone)
        for given, root, files in (targets if settings.ingest_workers == 1 else ()):
            seen: set[str] = set()
            for path in files:
                rel = path.relative_to(root).as_posix()
                seen.add(rel)
                progress("file", name=rel)
                try:
                    doc = load_file(path, root, max_bytes)
                    state = states.get((doc.root, doc.source))
                    if doc.sha256 == _skip_sha(state):
                        report.unchanged.append(rel)
                        continue
                    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
                except Exception as e:  # keep whatever the index already has for it, and go on with the other files
                    report.failed.append(Failure(rel, failure_reason(e)))
                    continue
                if state:  # queued before this file's new chunks, so it can't delete them
                    writer.put("delete", doc.root, doc.source)
                for c in chunks:
                    pending.append(c)
                    if len(pending) >= bs:
                        flush()
                report.indexed.append(rel)
                report.chunks_added += len(chunks)
                fresh.setdefault(doc.sha256, []).append((doc.root, doc.source))
            _remove_vanished(given, root, seen, states, writer, report, gone)
        flush()
        ok = True
    finally:
        writer.close(drain=ok)
    if fresh:  # after the writer drained, so the lookup sees this run's writes
        _forget_moved(store, fresh, report, gone)
    report.total_chunks = store.count()
    report.elapsed_s = time.perf_counter() - t0
    return report


def _ingest_in_workers(targets, states, settings: Settings, max_bytes: int, writer: _Writer, report: IngestReport, progress: Progress, fresh: dict, gone: set) -> None:
    """The loop above with loading, chunking and embedding in worker processes, results in file order."""
    from rag.ingest_workers import Pool, plan

    n = settings.ingest_workers
    plans = [
        plan(str(root), [(p, _skip_sha(states.get((str(root), p.relative_to(root).as_posix())))) for p in files], n)
        for _, root, files in targets
    ]
    pool = Pool(n, settings.embedder, settings.embed_batch_size, settings.chunk_size, settings.chunk_overlap, max_bytes)
    ok = False
    try:
        results = pool.run([job for jobs in plans for job in jobs])
        for (given, root, _), jobs in zip(targets, plans):
            seen: set[str] = set()
            for _ in jobs:
                job, outcomes, vectors = next(results)
                batch: list = []
                for (path, _), out in zip(job.files, outcomes):
                    rel = Path(path).relative_to(root).as_posix()
                    seen.add(rel)
                    progress("file", name=rel)
                    if out.kind == "failed":
                        report.failed.append(Failure(rel, out.reason))  # keep whatever the index already has for it
                    elif out.kind == "unchanged":
                        report.unchanged.append(rel)
                    else:
                        if (str(root), rel) in states:  # queued before this file's new chunks
                            writer.put("delete", str(root), rel)
                        batch.extend(out.chunks)
                        report.indexed.append(rel)
                        report.chunks_added += len(out.chunks)
                        if out.chunks:
                            fresh.setdefault(out.chunks[0].doc_sha256, []).append((str(root), rel))
                if batch:
                    writer.put("add", batch, vectors)
                    progress("chunks", n=len(batch))
            _remove_vanished(given, root, seen, states, writer, report, gone)
        ok = True
    finally:
        pool.close(ok)
