"""The BM25 index lives beside the Chroma index (rag/bm25index.py), is updated by every store
write in any process, and never disagrees with Chroma about which chunks exist."""

from __future__ import annotations

import numpy as np

from rag.embeddings import HashEmbedder
from rag.pipeline import build
from rag.settings import Settings
from rag.store import doc_key


def _pipe(tmp_path, **kw):
    return build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", **kw))


def _docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The Marrow Island lighthouse was built in 1871 by the harbour board.\n")
    (docs / "b.txt").write_text("Copper mining on the island stopped in 1923 after a flood.\n")
    return docs


def _live(pipe):
    return sorted(x.decode() for x in pipe.store.lexical.live_ids().tolist())


def test_next_process_uses_the_saved_index_and_sees_other_processes_writes(tmp_path, monkeypatch):
    docs = _docs(tmp_path)
    first = _pipe(tmp_path)
    first.ingest([docs])
    assert first.retriever.sparse.retrieve("lighthouse built", 1)[0].chunk.source == "a.txt"
    assert (tmp_path / "data" / "bm25" / str(first.store.collection.id) / "segments" / "manifest.json").exists()

    second = _pipe(tmp_path)  # a fresh pipeline, as in a new `rag ask`
    calls = []
    for name in ("all_chunks", "ids"):
        real = getattr(second.store, name)
        monkeypatch.setattr(second.store, name, lambda real=real: calls.append(1) or real())
    hit = second.retriever.sparse.retrieve("copper mining flood", 1)[0]
    assert hit.chunk.source == "b.txt" and hit.chunk.text.startswith("Copper mining")
    assert calls == []  # served from the saved index, no full read of the store

    # Another process changes a file: its store writes update the shared index incrementally.
    (docs / "b.txt").write_text("Tin mining on the island stopped in 1931 after a fire.\n")
    _pipe(tmp_path).ingest([docs])
    hits = second.retriever.sparse.retrieve("tin mining fire", 1)  # the long-lived process sees it
    assert hits and hits[0].chunk.text.startswith("Tin mining")
    assert second.retriever.sparse.retrieve("copper", 1) == []
    assert _live(second) == sorted(second.store.ids())


def test_writes_that_bypass_the_index_are_repaired_before_serving(tmp_path):
    """A writer that doesn't update this BM25 index (another machine on a Chroma server, a crash
    between the two writes): the reader never returns a chunk Chroma lacks, and finds new ones."""
    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    pipe.retriever.sparse.recheck_s = 0  # check on every query (the default window is tested below)
    coll = pipe.store.collection
    a_ids = coll.get(where={"source": "a.txt"}, include=[])["ids"]
    coll.delete(ids=a_ids)  # straight to Chroma
    assert pipe.retriever.sparse.retrieve("lighthouse", 3) == []
    new = pipe.store.get_chunks(coll.get(where={"source": "b.txt"}, include=[])["ids"])[0]
    emb = HashEmbedder()
    md = {**new.metadata(), "source": "c.txt"}
    coll.add(ids=["c-1"], documents=["Salt works opened on the north shore in 1802."], metadatas=[md],
             embeddings=[emb.embed_query("salt").tolist()])
    hits = pipe.retriever.sparse.retrieve("salt works north shore", 3)
    assert [h.chunk.id for h in hits] == ["c-1"]
    assert _live(pipe) == sorted(pipe.store.ids())


def test_a_damaged_index_is_rebuilt_not_fatal(tmp_path):
    docs = _docs(tmp_path)
    p = _pipe(tmp_path)
    p.ingest([docs])
    seg_dir = p.store.lexical.path
    (seg_dir / "manifest.json").write_text("{not json")
    hits = _pipe(tmp_path).retriever.sparse.retrieve("lighthouse", 1)
    assert hits and hits[0].chunk.source == "a.txt"


def test_delete_document_updates_bm25_without_a_rebuild(tmp_path):
    """The interface `rag rm` / DELETE use: Store.delete_document tombstones rows, writes no segment."""
    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    seg_dir = pipe.store.lexical.path
    segs_before = sorted(p.name for p in seg_dir.glob("seg-*") if p.is_dir())
    root = next(iter(pipe.store.doc_states()))[0]
    pipe.store.delete_document(root, "a.txt")
    assert sorted(p.name for p in seg_dir.glob("seg-*") if p.is_dir()) == segs_before
    assert pipe.retriever.sparse.retrieve("lighthouse", 3) == []
    assert doc_key(root, "a.txt").encode() not in set(np.concatenate([np.asarray(s.docs)[~d] for s, d in zip(pipe.store.lexical.snapshot().segs, pipe.store.lexical.snapshot().deleted)]).tolist())
    assert _live(pipe) == sorted(pipe.store.ids())


def test_the_store_is_counted_only_when_the_index_changed_or_the_window_passed(tmp_path, monkeypatch):
    """Counting Chroma costs 69 ms at 768k chunks: a query skips it when the index is the one last
    found consistent and the check is recent. Writes through a Store (any process) change the index,
    so they are seen at once; a writer that bypasses the index is seen once `recheck_s` has passed."""
    import time

    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    sparse = pipe.retriever.sparse
    sparse.recheck_s = 0.3
    counts = []
    real = pipe.store.count
    monkeypatch.setattr(pipe.store, "count", lambda: counts.append(1) or real())
    for _ in range(5):
        assert sparse.retrieve("lighthouse built", 1)[0].chunk.source == "a.txt"
    assert len(counts) <= 1  # at most the first query counts

    (docs / "c.txt").write_text("Salt works opened on the north shore in 1802.\n")
    _pipe(tmp_path).ingest([docs])  # another pipeline, as another process: the index changes
    hits = sparse.retrieve("salt works north shore", 1)
    assert hits and hits[0].chunk.source == "c.txt"

    coll = pipe.store.collection  # now a writer that bypasses the index
    md = {**pipe.store.get_chunks([hits[0].chunk.id])[0].metadata(), "source": "d.txt"}
    coll.add(ids=["d-1"], documents=["Kelp farms replaced the salt works in 1911."], metadatas=[md],
             embeddings=[HashEmbedder().embed_query("kelp").tolist()])
    sparse.retrieve("lighthouse", 1)
    time.sleep(0.35)
    sparse.retrieve("lighthouse", 1)  # the window passed: this query starts the check in the background
    sparse._checker.join(10)
    assert [h.chunk.id for h in sparse.retrieve("kelp farms", 3)] == ["d-1"]  # the next one repairs first
    assert _live(pipe) == sorted(pipe.store.ids())


def test_the_periodic_check_never_holds_up_a_query(tmp_path, monkeypatch):
    """At 1M chunks the count takes 70-90 ms: a user asking every few seconds would pay it on every
    question. After the window only a background thread counts; the query returns at once."""
    import threading

    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    sparse = pipe.retriever.sparse
    sparse.recheck_s = 0.01
    assert sparse.retrieve("lighthouse built", 1)  # the first check of a process is inline
    events, gate = [], threading.Event()
    real = pipe.store.count

    def slow_count():
        events.append(("count", threading.current_thread().name))
        gate.wait(10)
        return real()

    monkeypatch.setattr(pipe.store, "count", slow_count)
    import time

    time.sleep(0.02)
    hits = sparse.retrieve("copper mining flood", 1)
    events.append(("query returned", threading.current_thread().name))
    gate.set()
    sparse._checker.join(10)
    assert hits[0].chunk.source == "b.txt"
    assert events == [("count", "rag-bm25-check"), ("query returned", "MainThread")] or events == [
        ("query returned", "MainThread"), ("count", "rag-bm25-check")]
    assert not sparse._stale  # the counts agreed


def test_a_large_repair_says_so_before_it_starts(tmp_path, caplog):
    """Pointing a data dir at a Chroma server starts its BM25 index empty: the first query rebuilds it
    from the store (1M chunks took ~6 minutes over HTTP). It must not look like a hang."""
    import logging

    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    pipe.store.lexical.clear(force=True)  # as a new store identity: an empty index beside a full store
    sparse = pipe.retriever.sparse
    sparse.announce_over = 1
    with caplog.at_level(logging.WARNING, logger="rag.retrieval"):
        assert sparse.retrieve("lighthouse built", 1)[0].chunk.source == "a.txt"
    assert any("Building the keyword (BM25) index" in r.getMessage() and str(pipe.store.count()) in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="rag.retrieval"):
        sparse.invalidate()
        sparse.retrieve("lighthouse built", 1)  # consistent now: nothing to add, nothing said
    assert not caplog.records


def test_the_index_is_keyed_by_the_collection_and_an_old_folder_is_moved_not_rebuilt(tmp_path, monkeypatch):
    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    here = pipe.store.lexical.path.parent
    assert here.name == str(pipe.store.collection.id)
    here.rename(here.parent / "docs")  # where a data dir written before collection ids kept it

    later = _pipe(tmp_path)
    repairs = []
    real_sync = later.retriever.sparse.sync
    monkeypatch.setattr(later.retriever.sparse, "sync", lambda: repairs.append(1) or real_sync())
    hit = later.retriever.sparse.retrieve("copper mining flood", 1)[0]
    assert hit.chunk.source == "b.txt" and repairs == []  # moved, served as it was
    assert later.store.lexical.path.parent == here and not (here.parent / "docs").exists()


def test_a_rebuild_starts_a_new_index_and_drops_the_old_folder(tmp_path):
    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    old = pipe.store.lexical.path.parent
    (docs / "a.txt").unlink()
    pipe.ingest([docs], rebuild=True)
    assert not old.exists()
    assert pipe.store.lexical.path.parent.name == str(pipe.store.collection.id) != old.name
    assert pipe.retriever.sparse.retrieve("lighthouse", 3) == []
    assert _live(pipe) == sorted(pipe.store.ids())


def test_rebuild_drops_an_index_made_with_another_embedder(tmp_path):
    docs = _docs(tmp_path)
    _pipe(tmp_path).ingest([docs])
    other = build(Settings(data_dir=tmp_path / "data", embedder="hash-384", mode="extractive"))
    other.ingest([docs], rebuild=True)  # the fix EmbeddingMismatch suggests
    assert other.retriever.sparse.retrieve("copper mining", 1)[0].chunk.source == "b.txt"


def test_an_old_folder_of_another_collection_is_not_adopted(tmp_path):
    import shutil

    docs = _docs(tmp_path)
    theirs = build(Settings(data_dir=tmp_path / "theirs", embedder="hash", mode="extractive"))
    theirs.ingest([docs])
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text("Salt works opened on the north shore in 1802.\n")
    ours = _pipe(tmp_path)
    ours.ingest([other])
    shutil.rmtree(ours.store.lexical.path.parent)  # as if this data dir predated collection ids ...
    shutil.copytree(theirs.store.lexical.path.parent, tmp_path / "data" / "bm25" / "docs")  # ... and held another's index
    fresh = _pipe(tmp_path)
    assert fresh.retriever.sparse.retrieve("salt works", 1)[0].chunk.source == "c.txt"
    assert fresh.retriever.sparse.retrieve("lighthouse", 1) == []
    assert (tmp_path / "data" / "bm25" / "docs").exists()  # left where it was


def test_a_long_running_pipeline_reopens_an_index_rebuilt_by_another(tmp_path):
    """The UI keeps answering after `rag ingest --rebuild` in a terminal: its cached collection is gone."""
    docs = _docs(tmp_path)
    cli = _pipe(tmp_path)
    cli.ingest([docs])
    ui = _pipe(tmp_path)
    assert ui.ask("When was the lighthouse built?").citations
    (docs / "c.txt").write_text("Salt works opened on the north shore in 1802.\n")
    cli.ingest([docs], rebuild=True)
    assert ui.store.dropped()
    ans = ui.ask("When did the salt works open?")
    assert not ans.refused and "1802" in ans.answer
    assert not ui.store.dropped() and _live(ui) == sorted(ui.store.ids())

    from rag.library import Library

    lib = Library(ui)
    cli.ingest([docs], rebuild=True)
    assert {d.source for d in lib.documents()} == {"a.txt", "b.txt", "c.txt"}  # the library list too
    (docs / "d.txt").write_text("A ferry to the mainland started in 1955.\n")
    ui.ingest([docs])  # and an upload through the UI writes to the new index
    assert cli.retriever.sparse.retrieve("ferry mainland", 1)[0].chunk.source == "d.txt"


def test_an_unreadable_catalogue_is_not_taken_for_a_dropped_collection(tmp_path, monkeypatch):
    pipe = _pipe(tmp_path)
    pipe.ingest([_docs(tmp_path)])

    def down():
        raise ConnectionError("server down")

    monkeypatch.setattr(pipe.store.client, "list_collections", down)
    assert pipe.store.dropped() is False  # can't tell: keep the handle, report the real error


def test_the_periodic_count_waits_for_a_pause_between_questions(tmp_path, monkeypatch):
    """The background count competes with the answer for the CPU (+36 ms per spaced question with a
    count as slow as 1M chunks against a server, evals/results/bench_quiet_check.md): it waits until
    no query came for QUIET_S, and under questions without pause it still counts after MAX_DEFER_S."""
    import time

    docs = _docs(tmp_path)
    pipe = _pipe(tmp_path)
    pipe.ingest([docs])
    sparse = pipe.retriever.sparse
    sparse.recheck_s, sparse.QUIET_S, sparse.MAX_DEFER_S = 0.01, 0.2, 60.0
    assert sparse.retrieve("lighthouse built", 1)  # the first check of a process is inline
    counted, queried = [], []
    real = pipe.store.count
    monkeypatch.setattr(pipe.store, "count", lambda: counted.append(time.monotonic()) or real())
    time.sleep(0.02)
    for _ in range(8):  # questions 0.05 s apart: no pause long enough
        queried.append(time.monotonic())
        sparse.retrieve("copper mining flood", 1)
        time.sleep(0.05)
    sparse._checker.join(10)
    assert len(counted) == 1 and counted[0] - queried[-1] >= 0.2 - 1e-3

    sparse.MAX_DEFER_S = 0.3  # questions without any pause
    time.sleep(0.02)
    counted.clear()
    t_end = time.monotonic() + 3.0
    while time.monotonic() < t_end and not counted:
        sparse.retrieve("copper mining flood", 1)
        time.sleep(0.02)
    assert counted and counted[0] < t_end  # counted while the questions went on
