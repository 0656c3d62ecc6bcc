"""`rag ingest --workers N`: files are loaded, extracted, chunked and embedded in N processes.

Embedded Chroma is not process-safe, so a worker never opens the store. It gets a group of
consecutive files (with the hash each one may be skipped on) and returns, per file, its chunks,
"unchanged" or the reason it can't be read, plus the group's vectors. The parent applies the
results in file order with the serial path's bookkeeping (rag/ingest.py): same skip rule, same
deletes before adds through the same writer thread, same report. Chunk ids are deterministic,
so the index equals the serial one; vectors differ only by float rounding (other batches).

Each worker loads its own copy of the embedder named by RAG_EMBEDDER (the parent never loads
it) and runs torch with cores/N threads. Workers start by `spawn`: torch and Chroma threads
don't survive a fork, and spawn behaves the same on Linux and macOS.
Left out: embedding across machines (run `rag ingest` on each against one Chroma server,
docs/scaling.md); moving BM25 tokenising into the workers (the parent's store writes do it).
"""

from __future__ import annotations

import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Iterator, Sequence

from rag.errors import ConfigError, RagError

GROUP_MAX_BYTES = 256_000  # a job of about a batch of chunks: small files don't make small model calls
GROUP_MAX_FILES = 64


@dataclass(frozen=True)
class Job:
    root: str
    files: tuple[tuple[str, str | None], ...]  # (path, sha256 the index already holds complete, else None)


@dataclass(frozen=True)
class Outcome:
    """What became of one file: `failed` (with `reason`), `unchanged`, or `chunks` to add."""

    kind: str
    reason: str = ""
    chunks: tuple = ()


def check_embedder(kind: str, batch_size: int, parent_name: str) -> None:
    """Workers build their embedder from settings; it must be the one the index is written with."""
    from rag.embeddings import make_embedder

    name = make_embedder(kind, batch_size).name  # lazy: no model is loaded here
    if name != parent_name:
        raise ConfigError(
            f"--workers needs the embedder named by RAG_EMBEDDER ({kind}: {name}), but this pipeline embeds with {parent_name}. "
            "Ingest with --workers 1 (RAG_INGEST_WORKERS=1), or build the pipeline from settings alone."
        )


def plan(root: str, files: Sequence[tuple[Path, str | None]], workers: int) -> list[Job]:
    """(path, skip hash) of consecutive files in groups of about GROUP_MAX_BYTES, small enough for
    every worker to get several."""
    sizes = []
    for f, _ in files:
        try:
            sizes.append(f.stat().st_size)
        except OSError:
            sizes.append(0)  # the worker reports why it can't be read
    target = max(1, min(GROUP_MAX_BYTES, sum(sizes) // (4 * workers)))
    jobs, group, acc = [], [], 0
    for (f, skip), size in zip(files, sizes):
        group.append((str(f), skip))
        acc += size
        if acc >= target or len(group) >= GROUP_MAX_FILES:
            jobs.append(Job(root, tuple(group)))
            group, acc = [], 0
    if group:
        jobs.append(Job(root, tuple(group)))
    return jobs


# --- in the worker process ---------------------------------------------------------------
_W: dict = {}


def _init(kind: str, batch_size: int, chunk_size: int, overlap: int, max_bytes: int, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the pool
    os.environ["OMP_NUM_THREADS"] = str(threads)  # before torch is imported (lazily, by the embedder)
    from rag.embeddings import make_embedder

    if kind.startswith("minilm"):
        import rag.minilm  # noqa: F401  (OpenMP wait policy before torch loads)
        import torch

        torch.set_num_threads(threads)
    _W.update(embedder=make_embedder(kind, batch_size), chunk_size=chunk_size, overlap=overlap, max_bytes=max_bytes)


def _work(job: Job):
    """Load, skip or chunk each file of the job, embed the job's chunks together."""
    from rag.chunking import chunk_document
    from rag.ingest import embed_chunks
    from rag.loaders import failure_reason, load_file

    root, outcomes, all_chunks = Path(job.root), [], []
    for path, skip_sha in job.files:
        try:
            doc = load_file(Path(path), root, _W["max_bytes"])
            if skip_sha is not None and doc.sha256 == skip_sha:
                outcomes.append(Outcome("unchanged"))
                continue
            chunks = tuple(chunk_document(doc, _W["chunk_size"], _W["overlap"]))
        except Exception as e:  # as in rag.ingest: this file fails, the job's other files go on
            outcomes.append(Outcome("failed", reason=failure_reason(e)))
            continue
        outcomes.append(Outcome("chunks", chunks=chunks))
        all_chunks.extend(chunks)
    vectors = embed_chunks(_W["embedder"], all_chunks) if all_chunks else None
    return outcomes, vectors


# --- in the parent -------------------------------------------------------------------------
class Pool:
    """N spawned workers; `run(jobs)` yields (job, outcomes, vectors) in job order, a few jobs ahead."""

    def __init__(self, workers: int, kind: str, batch_size: int, chunk_size: int, overlap: int, max_bytes: int):
        import multiprocessing

        self.workers = workers
        threads = max(1, (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1) // workers)
        self.ex = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(kind, batch_size, chunk_size, overlap, max_bytes, threads),
        )

    def run(self, jobs: Sequence[Job]) -> Iterator[tuple[Job, list[Outcome], object]]:
        todo = iter(jobs)
        inflight = deque((j, self.ex.submit(_work, j)) for j in islice(todo, 2 * self.workers))
        while inflight:
            job, fut = inflight.popleft()
            try:
                outcomes, vectors = fut.result()
            except BrokenProcessPool as e:
                first = Path(job.files[0][0]).relative_to(job.root).as_posix()
                raise RagError(
                    f"An ingest worker process died (out of memory, or a crash in a file reader); nothing from {first} on "
                    "was written, the files before it were. Run `rag ingest` again with fewer --workers, or with "
                    "--workers 1 to see which file it is."
                ) from e
            nxt = next(todo, None)
            if nxt is not None:
                inflight.append((nxt, self.ex.submit(_work, nxt)))
            yield job, outcomes, vectors

    def close(self, ok: bool) -> None:
        if ok:
            self.ex.shutdown(wait=True)
            return
        # Interrupted or failed: drop queued jobs and stop the workers we started (by process id).
        procs = list((getattr(self.ex, "_processes", None) or {}).values())
        self.ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
