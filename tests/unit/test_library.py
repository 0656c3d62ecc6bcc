"""Deleting, re-indexing and collections (rag/library.py), and the CLI's ls / rm / collections.

Hash embedder, real embedded Chroma in tmp dirs. The consistency tests pause an answer
between retrieval and composing (an ExtractiveAnswerer subclass waiting on an Event) and
delete a document meanwhile.
"""

from __future__ import annotations

import json
import threading

import pytest

from rag.answer import ExtractiveAnswerer

LIGHT = "The Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill. Its lamp burned whale oil until 1921."
BRIDGE = "The Quillon bridge over the Sarn river was opened in 1902 by the mayor Tobias Wren. It carries trams and bicycles."


@pytest.fixture
def two_docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "light.txt").write_text(LIGHT)
    (d / "bridge.txt").write_text(BRIDGE)
    return d


def chroma_ids(pipe) -> set[str]:
    return set(pipe.store.collection.get(include=[])["ids"])


@pytest.mark.slow  # CLI subprocesses
def test_delete_one_of_two_then_answers_cite_only_the_other_and_indexes_agree(settings, two_docs, run_rag, rag_env):
    from rag.library import library_for
    from rag.pipeline import build

    pipe = build(settings)
    pipe.ingest([two_docs])
    lib = library_for(pipe)
    assert {d.source for d in lib.documents()} == {"light.txt", "bridge.txt"}
    a = lib.ask("Who built the Zorblax lighthouse?")
    assert {c.source for c in a.citations} == {"light.txt"}

    # Delete through the CLI (another process), as a user would.
    r = run_rag("rm", str(two_docs / "light.txt"))
    assert r.returncode == 0, r.stderr
    assert "Removed light.txt" in r.stdout
    assert (two_docs / "light.txt").exists()  # the user's file is never touched

    ls = json.loads(run_rag("ls", "--json").stdout)
    assert [d["source"] for d in ls] == ["bridge.txt"]
    ids = chroma_ids(pipe)
    assert len(ids) == ls[0]["chunks"]
    # This process's BM25 index notices the change (chunk-id signature) and agrees with Chroma.
    pipe.retriever.sparse.invalidate()
    every = pipe.retriever.sparse.retrieve("Zorblax lighthouse Quillon bridge Marrow Sarn Ada Tobias", 50)
    assert every and {h.chunk.id for h in every} <= ids and all(h.chunk.source == "bridge.txt" for h in every)
    for q in ("Who built the Zorblax lighthouse?", "Who opened the Quillon bridge?", "What did the lamp burn?"):
        ans = lib.ask(q)
        assert all(c.source == "bridge.txt" for c in ans.citations), (q, ans.citations)
        assert {c.chunk_id for c in ans.citations} <= ids
    # A fresh process (loading the saved BM25 index) agrees too.
    out = json.loads(run_rag("ask", "Who built the Zorblax lighthouse Ada Quill?", "--json").stdout)
    assert all(c["source"] == "bridge.txt" for c in out["citations"])


@pytest.mark.slow  # CLI subprocesses
def test_rm_by_id_unknown_refs_and_nothing_else_touched(settings, two_docs, run_rag):
    from rag.library import library_for
    from rag.pipeline import build

    pipe = build(settings)
    pipe.ingest([two_docs])
    docs = {d.source: d for d in library_for(pipe).documents()}
    before = chroma_ids(pipe)
    r = run_rag("rm", docs["bridge.txt"].id, "no-such-doc")
    assert r.returncode == 2 and "no-such-doc" in r.stderr and "rag ls" in r.stderr
    assert chroma_ids(pipe) == before  # all or nothing
    r = run_rag("rm", docs["bridge.txt"].id)
    assert r.returncode == 0, r.stderr
    after = chroma_ids(pipe)
    assert after == {i for i in before if i in set(pipe.store.collection.get(where={"source": "light.txt"}, include=[])["ids"])}
    assert len(after) == docs["light.txt"].chunks
    r = run_rag("ls")
    assert "light.txt" in r.stdout and "bridge.txt" not in r.stdout and "indexed" in r.stdout
    r = run_rag("rm", docs["light.txt"].id)  # a file still on disk: the message says what brings it back
    assert r.returncode == 0 and "still on disk, so `rag ingest` of its folder adds it back" in " ".join(r.stdout.split())


def test_ls_checks_each_file_against_what_was_indexed(settings, two_docs):
    """Trial 2026-12-06: a DOCX re-saved corrupt could not be re-read by `rag ingest`, which kept the indexed copy
    (as it should), and `rag ls` went on saying "indexed" while answers quoted text the file no longer held."""
    from dataclasses import replace

    from rag.blocks import EXTRACTION_VERSION
    from rag.library import library_for
    from rag.pipeline import build

    pipe = build(settings)
    pipe.ingest([two_docs])
    lib = library_for(pipe)
    assert {d.source: (d.status, d.on_disk, d.extraction) for d in lib.documents(check_files=True)} == {
        "light.txt": ("indexed", "same", EXTRACTION_VERSION), "bridge.txt": ("indexed", "same", EXTRACTION_VERSION)}
    (two_docs / "light.txt").write_text(LIGHT + " It was automated in 1990.")
    (two_docs / "bridge.txt").unlink()
    got = {d.source: d for d in lib.documents(check_files=True)}
    assert got["light.txt"].status == f"changed on disk: answers quote the indexed version; run `rag ingest {two_docs}`"
    assert got["bridge.txt"].status.startswith("file missing")
    assert {d.on_disk for d in lib.documents()} == {""}  # unchecked unless asked: the UI lists without reading files
    old = replace(got["light.txt"], on_disk="same", extraction=EXTRACTION_VERSION - 1)
    assert old.status == f"read by an older extraction: `rag ingest {two_docs}` re-reads it"  # the folder, uploads too (trial D13)
    pipe.ingest([two_docs])
    assert [(d.source, d.status) for d in lib.documents(check_files=True)] == [("light.txt", "indexed")]


def test_a_reread_hint_names_the_file_when_its_folder_holds_other_files(settings, two_docs):
    """PDF manuals trial D13: three PDFs ingested one by one; after an extraction bump `rag ls` said "`rag ingest
    /work/scratch/t4docs` re-reads it", and that folder also held three .txt dumps the command would have indexed. When
    the folder holds a file of a supported type not indexed under it, the hint names the document's file; a folder
    ingested whole (or holding only hidden files and unsupported ones besides) is still named."""
    from dataclasses import replace

    from rag.blocks import EXTRACTION_VERSION
    from rag.library import library_for
    from rag.pipeline import build

    pipe = build(settings)
    pipe.ingest([two_docs / "light.txt"])  # one file of the two
    lib = library_for(pipe)
    (doc,) = lib.documents(check_files=True)
    assert doc.others
    old = replace(doc, extraction=EXTRACTION_VERSION - 1)
    assert old.status == f"read by an older extraction: `rag ingest {two_docs / 'light.txt'}` re-reads it"
    (two_docs / "light.txt").write_text(LIGHT + " It was automated in 1990.")
    (doc,) = lib.documents(check_files=True)
    assert doc.status == f"changed on disk: answers quote the indexed version; run `rag ingest {two_docs / 'light.txt'}`"
    pipe.ingest([two_docs])  # the whole folder: both indexed under it
    (two_docs / ".notes.md").write_text("# private")  # hidden, and not a supported type: neither is indexed by it
    (two_docs / "picture.png").write_bytes(b"\x89PNG")
    docs = lib.documents(check_files=True)
    assert [d.others for d in docs] == [False, False]
    assert replace(docs[0], extraction=EXTRACTION_VERSION - 1).status == f"read by an older extraction: `rag ingest {two_docs}` re-reads it"


@pytest.mark.slow  # CLI subprocesses
def test_collections_are_separate_knowledge_bases(two_docs, run_rag, rag_env, seeds_dir):
    assert run_rag("ingest", str(seeds_dir)).returncode == 0
    r = run_rag("--collection", "city", "ingest", str(two_docs))
    assert r.returncode == 0, r.stderr
    env = {**rag_env, "RAG_COLLECTION": "city"}
    assert "Ada Quill" in json.loads(run_rag("ask", "Who built the Zorblax lighthouse?", "--json", env=env).stdout)["answer"]
    # The default collection never sees the city documents, and the reverse.
    out = json.loads(run_rag("ask", "Who built the Zorblax lighthouse?", "--json").stdout)
    assert all(c["source"] == "000_e7591c0407e77bf5.txt" for c in out["citations"])
    out = json.loads(run_rag("ask", "Who proposed the new 2030 strategic concept?", "--json", "--collection", "city").stdout)
    assert all(c["source"] in ("light.txt", "bridge.txt") for c in out["citations"])
    rows = {r["name"]: r for r in json.loads(run_rag("collections", "--json").stdout)}
    assert rows["docs"]["documents"] == 1 and rows["docs"]["current"] and rows["city"]["documents"] == 2
    assert "city" in run_rag("collections").stdout
    # Removing from one collection leaves the other alone.
    assert run_rag("rm", "light.txt", "--collection", "city").returncode == 0
    rows = {r["name"]: r for r in json.loads(run_rag("collections", "--json").stdout)}
    assert rows["docs"]["documents"] == 1 and rows["city"]["documents"] == 1
    empty = run_rag("ls", "--collection", "nothing-yet")  # trial: it said `rag ingest PATH`, which fills docs
    assert empty.returncode == 0 and "run `rag ingest PATH --collection nothing-yet`" in " ".join(empty.stdout.split())
    bad = run_rag("ls", "--collection", "no way!")
    assert bad.returncode == 2 and "Invalid collection name" in bad.stderr


class PausingAnswerer(ExtractiveAnswerer):
    """Stops after retrieval, before composing, until released."""

    def __init__(self, embedder):
        super().__init__(embedder)
        self.reached, self.release = threading.Event(), threading.Event()

    def select(self, ranked):
        self.reached.set()
        assert self.release.wait(30)
        return super().select(ranked)


def _paused(settings, two_docs):
    from rag.embeddings import HashEmbedder
    from rag.library import library_for
    from rag.pipeline import build

    emb = HashEmbedder()
    slow = PausingAnswerer(emb)
    pipe = build(settings, embedder=emb, extractive=slow)
    pipe.ingest([two_docs])
    lib = library_for(pipe)
    result: dict = {}

    def run():
        try:
            result["answer"] = lib.ask("Who built the Zorblax lighthouse?")
        except Exception as e:  # noqa: BLE001 - the test inspects it
            result["error"] = e

    t = threading.Thread(target=run)
    t.start()
    assert slow.reached.wait(30)
    return pipe, lib, slow, t, result


def test_delete_during_an_answer_waits_for_it_and_citations_stay_valid(settings, two_docs):
    pipe, lib, slow, t, result = _paused(settings, two_docs)
    light = next(d for d in lib.documents() if d.source == "light.txt")
    deleted = threading.Event()
    d = threading.Thread(target=lambda: (lib.delete(light), deleted.set()))
    d.start()
    assert not deleted.wait(0.5)  # the delete waits for the answer in flight
    slow.release.set()
    t.join(30)
    # Delivered: its cited chunks were checked to exist at the end of the answer (else DocumentsChanged).
    assert "answer" in result, result
    d.join(30)
    assert deleted.is_set()
    ans = result["answer"]
    assert ans.citations and {c.source for c in ans.citations} == {"light.txt"}  # finished on the old snapshot
    assert not any(h.chunk.source == "light.txt" for h in pipe.retriever.retrieve("Zorblax lighthouse", 10))
    assert all(c.source == "bridge.txt" for c in lib.ask("Who built the Zorblax lighthouse?").citations)


def test_a_delete_behind_the_lock_makes_the_answer_fail_cleanly(settings, two_docs):
    from rag.library import DocumentsChanged

    pipe, lib, slow, t, result = _paused(settings, two_docs)
    pipe.store.delete_document(str(two_docs.resolve()), "light.txt")  # as another process would
    slow.release.set()
    t.join(30)
    assert isinstance(result.get("error"), DocumentsChanged), result
    assert "ask again" in str(result["error"])


def test_reindex_replaces_chunks_and_uploaded_files_are_removed_with_their_document(settings, tmp_path):
    from rag.library import Collections, library_for, uploads_dir
    from rag.pipeline import build

    pipe = build(settings)
    up = uploads_dir(settings)
    up.mkdir(parents=True)
    f = up / "notes.txt"
    f.write_text(LIGHT)
    pipe.ingest([f])
    lib = library_for(pipe)
    [doc] = lib.documents()
    assert doc.uploaded
    f.write_text(BRIDGE)
    assert lib.reindex(doc.id)["chunks"] >= 1
    assert "Tobias Wren" in lib.ask("Who opened the Quillon bridge?").answer
    old = lib.ask("Who built the Zorblax lighthouse?")  # the replaced text must be gone from the index
    assert "Ada Quill" not in old.answer and not any("Zorblax" in c.text for c in (*old.citations, *old.closest))
    r = lib.delete(doc.id)
    assert r["file_removed"] and not f.exists() and lib.documents() == []

    # Another collection has its own uploads dir and store, built on demand.
    cols = Collections(pipe)
    other = cols.get("team-b")
    assert other.settings.collection == "team-b" and uploads_dir(other.settings) != up
    assert "team-b" in cols.names() and cols.library("team-b").documents() == []


TWO_HEADINGS = """# Files

The fonts.conf file in the home folder is the conventional location for the per-user font configuration file.

# Environment variables

FONTCONFIG_FILE is used to override the default font configuration file.
"""


def test_an_answer_citing_one_passage_twice_is_checked_without_error(settings, tmp_path):
    """UI trial 2026-12-06: an answer quoting two sentences of one passage under two headings has two citations of one
    chunk; the library's check that the cited chunks still exist passed the id twice to Chroma, which raised
    DuplicateIDError, and the UI showed a bare "Error" and lost the question (rag serve failed the same way)."""
    from rag.library import library_for
    from rag.pipeline import build

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "fonts.md").write_text(TWO_HEADINGS)
    pipe = build(settings.model_copy(update={"reader": "off", "refusal_threshold": 0.0}))
    pipe.ingest([tmp_path / "notes"])
    (cid,) = pipe.store.collection.get(include=[])["ids"]
    assert [c.id for c in pipe.store.get_chunks([cid, cid])] == [cid, cid]
    assert list(pipe.store.vectors([cid, cid])) == [cid]
    lib = library_for(pipe)
    ans = lib.ask("Which file or environment variable overrides the default font configuration file location?")
    ids = [c.chunk_id for c in ans.citations]
    assert ids == [cid, cid] and [c.section for c in ans.citations] == ["Files", "Environment variables"], ans
