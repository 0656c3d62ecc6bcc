"""Store: real embedded Chroma in a tmp dir; repair of half-written files; unreachable server."""

from __future__ import annotations


import numpy as np
import pytest

from rag.chunking import chunk_document
from rag.embeddings import HashEmbedder
from rag.errors import IndexNotBuilt, StoreUnavailable
from rag.pipeline import build
from rag.settings import Settings
from rag.store import Store
from rag.types import Document

TEXT = " ".join(f"Sentence number {i} talks about topic {i % 7}." for i in range(400))


def make_store(settings) -> tuple[Store, HashEmbedder]:
    emb = HashEmbedder()
    return Store(settings, emb.name, emb.dim), emb


def chunks_of(text=TEXT, source="a.txt", root="/root", sha="1" * 64):
    return chunk_document(Document(source, root, source, text, sha), 64, 8)


def test_collection_is_not_created_by_reads(settings):
    store, _ = make_store(settings)
    assert not store.exists()
    with pytest.raises(IndexNotBuilt):
        store.count()
    assert store.doc_states() == {}
    assert not store.exists(), "a read created the collection"


def test_add_get_query_delete(settings):
    store, emb = make_store(settings)
    store.ensure()
    a, b = chunks_of(), chunks_of(TEXT.upper(), source="b.txt", sha="2" * 64)
    store.add(a, emb.embed_documents([c.text for c in a]))
    store.add(b, emb.embed_documents([c.text for c in b]))
    assert store.count() == len(a) + len(b)
    assert store.get_chunks([b[1].id, "missing", a[0].id]) == [b[1], a[0]]
    assert {c.id for c in store.all_chunks()} == {c.id for c in a + b}
    hits = store.query(emb.embed_query(a[3].text), 3)
    assert hits[0].chunk == a[3] and hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert all(h.dense == h.score for h in hits) and hits[0].score >= hits[-1].score
    states = store.doc_states()
    assert states[("/root", "a.txt")].complete and states[("/root", "a.txt")].expected == len(a)
    store.delete_document("/root", "a.txt")
    assert store.count() == len(b) and set(store.doc_states()) == {("/root", "b.txt")}


def test_same_source_under_two_roots_are_two_documents(settings):
    store, emb = make_store(settings)
    store.ensure()
    for root in ("/one", "/two"):
        cs = chunks_of(root=root)
        store.add(cs, emb.embed_documents([c.text for c in cs]))
    store.delete_document("/one", "a.txt")
    assert set(store.doc_states()) == {("/two", "a.txt")}


def test_half_written_file_is_incomplete_and_repaired_by_ingest(tmp_path, settings):
    """What a kill -9 mid-file leaves behind: only the first batch of a file's chunks."""
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text(TEXT)
    (src / "b.txt").write_text(TEXT.replace("topic", "subject"))
    pipe = build(settings)
    from rag.loaders import load_file

    doc = load_file((src / "a.txt").resolve(), src.resolve(), 10**9)
    full = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    assert len(full) >= 4
    pipe.store.ensure()
    part = full[: len(full) // 2]
    pipe.store.add(part, pipe.embedder.embed_documents([c.text for c in part]))
    state = pipe.store.doc_states()[(str(src.resolve()), "a.txt")]
    assert not state.complete and state.present == len(part) and state.expected == len(full)

    rep = pipe.ingest([src])
    assert sorted(rep.indexed) == ["a.txt", "b.txt"]
    stored = sorted((c.start, c.id) for c in pipe.store.all_chunks() if c.source == "a.txt")
    assert stored == sorted((c.start, c.id) for c in full)
    assert all(s.complete for s in pipe.store.doc_states().values())


def test_stale_chunks_of_an_old_version_are_replaced(tmp_path, settings):
    """Crash between delete and add can't happen twice: a mix of two versions counts as incomplete."""
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text(TEXT)
    pipe = build(settings)
    root = str(src.resolve())
    old = chunks_of(TEXT.replace("Sentence", "Line"), root=root, sha="0" * 64)
    pipe.store.ensure()
    pipe.store.add(old, pipe.embedder.embed_documents([c.text for c in old]))
    rep = pipe.ingest([src])
    assert rep.indexed == ["a.txt"]
    assert {c.doc_sha256 for c in pipe.store.all_chunks()} != {"0" * 64}
    assert not any(c.text.startswith("Line") for c in pipe.store.all_chunks())


def test_reset_drops_everything(settings):
    store, emb = make_store(settings)
    store.ensure()
    cs = chunks_of()
    store.add(cs, emb.embed_documents([c.text for c in cs]))
    store.reset()
    assert not store.exists()
    store.reset()  # idempotent


def test_index_survives_a_new_client(settings):
    store, emb = make_store(settings)
    store.ensure()
    cs = chunks_of()
    store.add(cs, emb.embed_documents([c.text for c in cs]))
    again, _ = make_store(settings)
    assert again.count() == len(cs) and settings.chroma_dir.is_dir()


def test_unreachable_server_says_how_to_fix(tmp_path, free_port):
    port = free_port()  # nothing listens there
    store, _ = make_store(Settings(data_dir=tmp_path, embedder="hash", chroma_host="127.0.0.1", chroma_port=port))
    assert store.kind == f"chroma server http://127.0.0.1:{port}"
    with pytest.raises(StoreUnavailable, match=rf"Cannot reach the Chroma server at 127\.0\.0\.1:{port}.*chroma run.*unset RAG_CHROMA_HOST"):
        store.exists()


def test_vectors_are_stored_not_recomputed(settings):
    """Chroma must never embed on its own (its default embedder downloads a model)."""
    store, emb = make_store(settings)
    cs = chunks_of()
    vecs = emb.embed_documents([c.text for c in cs])
    store.ensure()
    store.add(cs, vecs)
    got = store.collection.get(ids=[cs[2].id], include=["embeddings"])
    assert np.allclose(np.asarray(got["embeddings"][0]), vecs[2], atol=1e-6)
    assert store.collection.metadata["embed_model"] == emb.name and store.collection.metadata["embed_dim"] == emb.dim


def test_collection_created_by_another_writer_meanwhile_is_opened(tmp_path):
    """Two writers starting together against one server: the loser of the create race opens the winner's collection."""
    from rag.settings import Settings
    from rag.store import Store

    s = Settings(data_dir=tmp_path)
    first, second = Store(s, model_name="m", dim=3), Store(s, model_name="m", dim=3)
    second.client.list_collections = lambda: []  # second saw no collection ...
    first._get_collection(create=True)  # ... then first created it
    coll = second._get_collection(create=True)
    assert coll.name == s.collection and coll.metadata["hnsw:space"] == "cosine"
