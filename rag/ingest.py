"""Incremental, crash-safe ingestion: files -> chunks -> vectors -> store.

The index itself is the manifest: every chunk records its file's sha256 and the
number of chunks the file produced. So a file is
  * skipped when the index holds exactly its expected chunks for the same hash,
  * replaced (delete, then add) when its hash changed, its chunks are incomplete
    (an interrupted earlier run) or were extracted by an older EXTRACTION_VERSION, and
  * removed when it vanished from a folder that was ingested before.
Chunk ids are deterministic, so re-adding after a crash can't duplicate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from rag.blocks import EXTRACTION_VERSION
from rag.chunking import chunk_document
from rag.embeddings import Embedder
from rag.loaders import Failure, Unreadable, discover, load_file
from rag.settings import Settings
from rag.store import Store


@dataclass
class IngestReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    chunks_added: int = 0
    total_chunks: int = 0
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return {
            "indexed": self.indexed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
            "chunks_added": self.chunks_added,
            "total_chunks": self.total_chunks,
            "elapsed_s": round(self.elapsed_s, 3),
        }


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
    if rebuild:
        store.reset()
    store.ensure()
    states = store.doc_states()
    max_bytes = int(settings.max_file_mb * 1e6)

    progress("files", total=sum(len(files) for _, _, files in targets))
    for given, root, files in targets:
        seen: set[str] = set()
        for path in files:
            rel = path.relative_to(root).as_posix()
            seen.add(rel)
            progress("file", name=rel)
            try:
                doc = load_file(path, root, max_bytes)
            except Unreadable as e:
                report.failed.append(Failure(rel, str(e)))
                continue  # keep whatever the index already has for it
            state = states.get((doc.root, doc.source))
            if state and state.sha256 == doc.sha256 and state.complete and state.extraction >= EXTRACTION_VERSION:
                report.unchanged.append(rel)
                continue
            chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
            if state:
                store.delete_document(doc.root, doc.source)
            bs = max(settings.embed_batch_size, 1) * 4
            for i in range(0, len(chunks), bs):
                batch = chunks[i : i + bs]
                store.add(batch, embedder.embed_documents([c.text for c in batch]))
                progress("chunks", n=len(batch))
            report.indexed.append(rel)
            report.chunks_added += len(chunks)
        if Path(given).is_dir():
            for (r, source), _ in list(states.items()):
                if r == str(root) and source not in seen:
                    store.delete_document(r, source)
                    report.removed.append(source)
    report.total_chunks = store.count()
    report.elapsed_s = time.perf_counter() - t0
    return report
