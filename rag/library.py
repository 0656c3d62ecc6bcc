"""Documents and collections: list, delete, re-index, switch knowledge base.

A *collection* is a separate knowledge base in the same data dir: its own Chroma
collection and BM25 index (both keyed by the collection name), and its own uploads
folder. A *document id* is the store's `doc_key(root, source)`: stable across runs.

`Library(pipeline)` wraps one collection's pipeline with a readers/writer lock:
answers hold the read side for their whole run, deletes and re-indexes take the
write side, so a delete waits for the answers in flight and an answer never cites
a chunk its own process removed. A change made behind the lock (another process,
an ingest of a changed file) is caught at the end of the answer: its cited chunks
must still exist, else it fails cleanly with `DocumentsChanged`.
`library_for(pipeline)` returns the one Library of a pipeline (UI and server share it).

Left out: per-user collections and access control (one data dir is one trust domain),
renaming collections, deleting a whole collection from the UI.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

from rag.errors import IndexNotBuilt, RagError, StoreUnavailable, UsageError
from rag.settings import Settings
from rag.store import doc_key
from rag.types import Answer

DEFAULT_COLLECTION = "docs"
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,61})[A-Za-z0-9]$")


class DocumentNotFound(UsageError):
    pass


class DocumentsChanged(RagError):
    def __init__(self, msg: str = "A document this answer cites was removed or re-indexed while it was being answered: ask again."):
        super().__init__(msg)


def check_collection_name(name: str) -> str:
    """Chroma's naming rules, checked up front so the message says the fix."""
    name = (name or "").strip()
    if not _NAME.match(name) or ".." in name:
        raise UsageError(
            f"Invalid collection name {name!r}: use 3-63 characters, letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit (e.g. `--collection team-notes`)."
        )
    return name


def uploads_dir(settings: Settings) -> Path:
    """Uploads of the default collection stay in data_dir/uploads; others get their own folder."""
    if settings.collection == DEFAULT_COLLECTION:
        return settings.uploads_dir
    return settings.data_dir / "collections" / settings.collection / "uploads"


@dataclass(frozen=True)
class DocInfo:
    id: str
    source: str
    root: str
    chunks: int
    expected_chunks: int
    indexed_at: str | None
    uploaded: bool
    extraction: int = 0  # the oldest rag.blocks.EXTRACTION_VERSION among its chunks
    # The file against what was indexed, when listed with check_files: "same", "changed", "missing"; "" unchecked.
    on_disk: str = ""
    # With check_files: its folder (`root`) holds files `rag ingest` of it would index that are not indexed under it
    # (the document was ingested as a file, or files came since), so a re-read hint names the file, not the folder.
    others: bool = False

    def _again(self) -> str:
        """The `rag ingest` argument that re-reads it: its folder, or the file itself when the folder holds others."""
        return shlex.quote(str(self.path) if self.others else self.root)

    @property
    def status(self) -> str:
        from rag.blocks import EXTRACTION_VERSION

        if self.chunks != self.expected_chunks:
            return "incomplete: run `rag ingest` again"
        if self.on_disk == "missing":
            return "file missing: answers still quote it; `rag rm` it, or `rag ingest` its folder"
        if self.on_disk == "changed":
            return f"changed on disk: answers quote the indexed version; run `rag ingest {self._again()}`"
        if self.extraction < EXTRACTION_VERSION:
            return f"read by an older extraction: `rag ingest {self._again()}` re-reads it"  # an upload's folder too
        return "indexed"

    @property
    def path(self) -> Path:
        return Path(self.root) / self.source

    def to_dict(self) -> dict:
        return {**asdict(self), "status": self.status, "path": str(self.path)}


def _holds_others(root: Path, indexed: set[str]) -> bool:
    """Does folder `root` hold a file of a supported type, outside hidden folders, that `rag ingest root` would index
    and that is not one of the `indexed` sources (paths relative to it)? The trial's folder of three ingested PDFs also
    held the .txt dumps made from them: `rag ingest` of it would have added three documents."""
    from rag.loaders import SUPPORTED, folder_files

    try:
        return any(p.suffix.lower() in SUPPORTED and p.relative_to(root).as_posix() not in indexed for p in folder_files(root))
    except OSError:
        return False


def _on_disk(path: Path, shas: set) -> str:
    """"same" when the file's bytes hash to what its chunks were made from, "changed" when not, "missing" when gone."""
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "changed"  # unreadable now: not what was indexed
    return "same" if shas == {h.hexdigest()} else "changed"


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers (deletes can't starve).

    Not owned by a thread: a streaming generator may be resumed by different worker threads."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def read(self):
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self):
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


def _bm25_forget(retriever, ids: Sequence[str]) -> None:
    """Tell the BM25 index chunks are gone: `remove(ids)` when it can do it incrementally, else `invalidate()`."""
    for r in (retriever, getattr(retriever, "sparse", None)):
        if r is None:
            continue
        if hasattr(r, "remove"):
            r.remove(list(ids))
        elif hasattr(r, "invalidate"):
            r.invalidate()


class Library:
    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.lock = RWLock()

    @property
    def settings(self) -> Settings:
        return self.pipeline.settings

    @property
    def uploads(self) -> Path:
        return uploads_dir(self.settings)

    # --- listing -----------------------------------------------------------------
    def documents(self, check_files: bool = False) -> list[DocInfo]:
        """The indexed documents; with `check_files`, each file is hashed and compared with what was indexed (an
        edit, a corrupt re-save that `rag ingest` could not read, a deleted file), which reads every file."""
        store = self.pipeline.store
        store.refresh()  # another process may have rebuilt the index since this one opened it
        if not store.exists():
            return []
        got = store.collection.get(include=["metadatas"])
        per: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for md in got["metadatas"]:
            if md and "source" in md:
                per[(md.get("root", ""), md["source"])].append(md)
        up = str(self.uploads.resolve())
        out = []
        for (root, source), mds in per.items():
            shas = {m.get("doc_sha256") for m in mds}
            expected = int(mds[0].get("n_chunks", -1)) if len(shas) == 1 else -1
            stamps = [m["indexed_at"] for m in mds if m.get("indexed_at")]
            version = min(int(m.get("extraction", 0)) for m in mds)
            info = DocInfo(doc_key(root, source), source, root, len(mds), expected, max(stamps) if stamps else None, root == up, version)
            out.append(replace(info, on_disk=_on_disk(info.path, shas)) if check_files else info)
        if check_files:
            indexed: dict[str, set[str]] = defaultdict(set)
            for d in out:
                indexed[d.root].add(d.source)
            extra = {root: _holds_others(Path(root), names) for root, names in indexed.items() if root != up}
            out = [replace(d, others=extra.get(d.root, False)) for d in out]
        return sorted(out, key=lambda d: (d.root, d.source))

    def resolve(self, refs: Sequence[str]) -> list[DocInfo]:
        """Documents named by id, path (file or folder, absolute or relative to the cwd) or source name.

        Every ref must match, or nothing is returned: `rag rm` never removes half of what was asked."""
        docs = self.documents()
        by_id = {d.id: d for d in docs}
        chosen: dict[str, DocInfo] = {}
        missing = []
        for ref in refs:
            if ref in by_id:
                chosen[ref] = by_id[ref]
                continue
            p = Path(ref).expanduser().resolve()
            hits = [d for d in docs if d.path == p or p in d.path.parents]
            if not hits:
                hits = [d for d in docs if d.source == ref]
                if len(hits) > 1:
                    raise UsageError(f"{ref!r} names {len(hits)} documents in different folders: give its id or full path (see `rag ls`).")
            if not hits:
                missing.append(ref)
            for d in hits:
                chosen[d.id] = d
        if missing:
            raise DocumentNotFound(f"No indexed document matches {', '.join(map(repr, missing))}: see `rag ls` for ids and paths.")
        return list(chosen.values())

    # --- changes (write side of the lock) -----------------------------------------
    def delete(self, doc: DocInfo | str) -> dict:
        """Remove one document's chunks, its BM25 entries and, if it was uploaded, the file."""
        with self.lock.write():
            if isinstance(doc, str):
                doc = self.resolve([doc])[0]
            store = self.pipeline.store
            ids = store.collection.get(where={"ref_doc_id": doc.id}, include=[])["ids"]
            store.delete_document(doc.root, doc.source)
            _bm25_forget(self.pipeline.retriever, ids)
            file_removed = False
            if doc.uploaded:
                target = doc.path.resolve()
                if target.parent == self.uploads.resolve() and target.is_file():
                    target.unlink()
                    file_removed = True
            return {"id": doc.id, "source": doc.source, "deleted": True, "chunks_removed": len(ids), "file_removed": file_removed}

    def reindex(self, doc: DocInfo | str) -> dict:
        """Read the file again and replace its chunks (even when unchanged)."""
        from rag.chunking import chunk_document
        from rag.ingest import embed_chunks
        from rag.loaders import Unreadable, load_file

        with self.lock.write():
            if isinstance(doc, str):
                doc = self.resolve([doc])[0]
            if not doc.path.is_file():
                raise UsageError(f"{doc.path} no longer exists: delete the document instead (`rag rm {doc.id}`).")
            s = self.settings
            try:
                d = load_file(doc.path, Path(doc.root), int(s.max_file_mb * 1e6))
            except Unreadable as e:
                raise UsageError(f"Cannot re-index {doc.source}: {e}. The indexed copy was kept.") from e
            chunks = chunk_document(d, s.chunk_size, s.chunk_overlap)
            store, emb = self.pipeline.store, self.pipeline.embedder
            vectors = embed_chunks(emb, chunks)  # before deleting: a failure loses nothing
            old = store.collection.get(where={"ref_doc_id": doc.id}, include=[])["ids"]
            store.delete_document(doc.root, doc.source)
            store.add(chunks, vectors)
            _bm25_forget(self.pipeline.retriever, old)
            return {"id": doc.id, "source": doc.source, "chunks": len(chunks)}

    def ingest(self, paths, progress=None):
        # Not under the write lock: an upload may take minutes and answers should go on meanwhile.
        # A replaced file's old chunks vanish; an answer citing them fails cleanly (see stream()).
        return self.pipeline.ingest(paths, progress=progress)

    # --- answers (read side) -----------------------------------------------------------
    def stream(self, question: str, history=(), mode: str | None = None, k: int | None = None) -> Iterator[str | Answer]:
        with self.lock.read():
            for event in self.pipeline.stream(question, history, mode, k):
                if isinstance(event, Answer):
                    self._check_cited(event)
                yield event

    def ask(self, question: str, history=(), mode: str | None = None, k: int | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history, mode, k):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def _check_cited(self, answer: Answer) -> None:
        ids = set(c.chunk_id for c in answer.citations)  # two citations may share a passage (quotes under two headings)
        if ids and len(self.pipeline.store.get_chunks(ids)) != len(ids):
            raise DocumentsChanged()


_LIBRARIES: dict[int, Library] = {}
_LIB_LOCK = threading.Lock()


def library_for(pipeline) -> Library:
    with _LIB_LOCK:
        lib = getattr(pipeline, "_library", None)
        if lib is None:
            lib = Library(pipeline)
            pipeline._library = lib
        return lib


# --- collections ------------------------------------------------------------------------
def list_collections(settings: Settings, store=None) -> list[dict]:
    """Every collection in this data dir (or Chroma server) with its document and chunk counts."""
    from rag.store import Store

    store = store or Store(settings, "", 0)
    try:
        names = sorted(c if isinstance(c, str) else c.name for c in store.client.list_collections())
    except StoreUnavailable:
        raise
    except Exception as e:
        raise StoreUnavailable(f"Chroma error on {store.kind}: {e}") from e
    out = []
    for name in names:
        coll = store.client.get_collection(name, embedding_function=None)
        mds = coll.get(include=["metadatas"])["metadatas"]
        docs = {(m.get("root", ""), m.get("source")) for m in mds if m}
        out.append({"name": name, "documents": len(docs), "chunks": len(mds), "current": name == settings.collection,
                    "embedding_model": (coll.metadata or {}).get("embed_model")})
    if settings.collection not in names:
        out.append({"name": settings.collection, "documents": 0, "chunks": 0, "current": True, "embedding_model": None})
    return out


class Collections:
    """One pipeline per collection, built on demand and sharing the embedder and checker (UI, server)."""

    def __init__(self, pipeline):
        self._first = pipeline
        self._pipes = {pipeline.settings.collection: pipeline}
        self._lock = threading.Lock()

    def get(self, name: str | None):
        from rag.pipeline import build

        name = check_collection_name(name or self._first.settings.collection)
        with self._lock:
            if name not in self._pipes:
                base = self._first
                settings = base.settings.model_copy(update={"collection": name})
                # Same models as the first pipeline (embedder, checker, reader): only the store differs.
                kw = {"reader": base.reader} if getattr(base, "reader", None) is not None else {}
                self._pipes[name] = build(settings, embedder=base.embedder, checker=base.checker, **kw)
            return self._pipes[name]

    def library(self, name: str | None) -> Library:
        return library_for(self.get(name))

    def names(self) -> list[str]:
        try:
            found = [c["name"] for c in list_collections(self._first.settings, self._first.store)]
        except (StoreUnavailable, IndexNotBuilt):
            found = []
        return sorted(set(found) | set(self._pipes))
