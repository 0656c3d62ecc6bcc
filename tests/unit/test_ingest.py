"""Incremental ingestion through Pipeline.ingest (the CLI's code path), hash embedder, real embedded Chroma."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.errors import EmbeddingMismatch, IndexNotBuilt, UsageError
from rag.pipeline import build
from rag.settings import Settings

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"


def corpus(tmp_path: Path, names=("Normans", "Rhine", "Geology")) -> Path:
    src = tmp_path / "docs"
    (src / "sub").mkdir(parents=True)
    for i, name in enumerate(names):
        dest = src / ("sub" if i == 0 else ".") / f"{name}.txt"
        shutil.copy(ARTICLES / f"{name}.txt", dest)
    return src


def index_state(pipe) -> dict[str, list[tuple[int, int, str]]]:
    """source -> sorted (start, end, id) of its chunks, straight from Chroma."""
    out: dict[str, list] = {}
    for c in pipe.store.all_chunks():
        out.setdefault(c.source, []).append((c.start, c.end, c.id))
    return {k: sorted(v) for k, v in out.items()}


def test_three_runs_same_count_and_nothing_reembedded(tmp_path, settings, counting_embedder):
    src = corpus(tmp_path)
    pipe = build(settings, embedder=counting_embedder)
    first = pipe.ingest([src])
    assert sorted(first.indexed) == ["Geology.txt", "Rhine.txt", "sub/Normans.txt"]
    assert first.chunks_added == first.total_chunks == counting_embedder.embedded > 30
    state = index_state(pipe)
    for _ in range(2):
        embedded = counting_embedder.embedded
        again = pipe.ingest([src])
        assert (again.indexed, again.removed, again.failed, again.chunks_added) == ([], [], [], 0)
        assert sorted(again.unchanged) == ["Geology.txt", "Rhine.txt", "sub/Normans.txt"]
        assert again.total_chunks == first.total_chunks
        assert counting_embedder.embedded == embedded, "an unchanged file was re-embedded"
        assert index_state(pipe) == state


def test_fresh_process_state_also_skips(tmp_path, settings, counting_embedder):
    """The index is the manifest: a new Pipeline (new process) sees the files as unchanged."""
    src = corpus(tmp_path)
    build(settings).ingest([src])
    again = build(settings, embedder=counting_embedder).ingest([src])
    assert len(again.unchanged) == 3 and counting_embedder.embedded == 0


def test_changed_file_replaced_and_deleted_file_removed(tmp_path, settings, counting_embedder):
    src = corpus(tmp_path)
    pipe = build(settings, embedder=counting_embedder)
    pipe.ingest([src])
    before = index_state(pipe)
    (src / "Rhine.txt").write_text("The Rhine is a river. " * 10 + "It flows into the North Sea.")
    (src / "Geology.txt").unlink()
    embedded = counting_embedder.embedded
    rep = pipe.ingest([src])
    assert rep.indexed == ["Rhine.txt"] and rep.removed == ["Geology.txt"] and rep.unchanged == ["sub/Normans.txt"]
    after = index_state(pipe)
    assert set(after) == {"Rhine.txt", "sub/Normans.txt"}
    assert after["sub/Normans.txt"] == before["sub/Normans.txt"]
    assert counting_embedder.embedded - embedded == len(after["Rhine.txt"]) == rep.chunks_added
    assert not {i for *_, i in after["Rhine.txt"]} & {i for *_, i in before["Rhine.txt"]}, "old chunks of a changed file linger"
    (rhine,) = [c for c in pipe.store.all_chunks() if c.source == "Rhine.txt"]
    assert rhine.text.endswith("North Sea.") and rep.total_chunks == sum(map(len, after.values()))


def test_ingesting_a_subfolder_or_single_file_does_not_remove_the_rest(tmp_path, settings):
    src = corpus(tmp_path)
    pipe = build(settings)
    total = pipe.ingest([src]).total_chunks
    assert pipe.ingest([src / "Rhine.txt"]).removed == []
    assert pipe.ingest([src / "sub"]).removed == []  # a different root: its own documents
    assert set(index_state(pipe)) >= {"Rhine.txt", "Geology.txt", "sub/Normans.txt"}
    assert pipe.store.count() >= total


def test_bad_inputs_in_the_same_run_as_good_ones(tmp_path, settings):
    from reportlab.pdfgen import canvas

    src = corpus(tmp_path, names=("Normans", "Rhine"))
    pipe = build(Settings(data_dir=settings.data_dir, embedder="hash", max_file_mb=0.5))
    pipe.ingest([src])
    before = index_state(pipe)
    # A good PDF, a good docx, markdown and html, next to every kind of bad input.
    c = canvas.Canvas(str(src / "good.pdf"))
    c.drawString(72, 760, "Stoltenberg proposed the 2030 strategic concept.")
    c.save()
    import docx

    d = docx.Document()
    d.add_paragraph("The summit took place in Brussels on 14 June.")
    d.save(str(src / "good.docx"))
    (src / "good.md").write_text("# Notes\n\nThe alliance has 30 members.\n")
    (src / "good.html").write_text("<p>Russia and China were named.</p>")
    (src / "latin1.txt").write_bytes("Résumé of the Brussels summit, naïvely.".encode("latin-1"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 100)
    (src / "corrupt.pdf").write_bytes(b"%PDF-1.4\n garbage \n%%EOF")
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (src / "huge.txt").write_text("big " * 200_000)  # 0.8 MB > 0.5 MB
    # And an already-indexed file that became unreadable keeps its chunks.
    (src / "Rhine.txt").write_bytes(b"\x00\x01\x02" * 1000)

    rep = pipe.ingest([src])
    reasons = {f.source: f.reason for f in rep.failed}
    assert sorted(rep.indexed) == ["good.docx", "good.html", "good.md", "good.pdf", "latin1.txt"]
    assert set(reasons) == {"empty.txt", "binary.txt", "corrupt.pdf", "image.png", "huge.txt", "Rhine.txt"}
    assert "empty file" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"] and "binary" in reasons["Rhine.txt"]
    assert "PDF" in reasons["corrupt.pdf"]
    assert "unsupported file type '.png'" in reasons["image.png"]
    assert "too large" in reasons["huge.txt"] and "RAG_MAX_FILE_MB" in reasons["huge.txt"]
    after = index_state(pipe)
    assert after["Rhine.txt"] == before["Rhine.txt"] and after["sub/Normans.txt"] == before["sub/Normans.txt"]
    assert rep.removed == []
    texts = {c.source: c.text for c in pipe.store.all_chunks()}
    assert "Résumé" in texts["latin1.txt"] and "Stoltenberg" in texts["good.pdf"] and "Brussels" in texts["good.docx"]


def test_missing_path_is_rejected_before_touching_the_index(tmp_path, settings):
    src = corpus(tmp_path, names=("Normans",))
    pipe = build(settings)
    n = pipe.ingest([src]).total_chunks
    with pytest.raises(UsageError, match="Path not found"):
        pipe.ingest([src, tmp_path / "typo"], rebuild=True)
    assert pipe.store.count() == n, "a failed --rebuild emptied the index"


def test_embedding_mismatch_names_the_fix_and_rebuild_fixes_it(tmp_path, settings, counting_embedder):
    src = corpus(tmp_path, names=("Normans",))
    build(settings).ingest([src])  # hash-bow-64, 64 dims
    other = type(counting_embedder)(name="other-model", dim=32)
    pipe = build(settings, embedder=other)
    for action in (lambda: pipe.ingest([src]), lambda: pipe.retrieve("Who were the Normans?"), lambda: pipe.ask("Who were the Normans?")):
        with pytest.raises(EmbeddingMismatch, match=r"built with hash-bow-64 \(64 dims\).*other-model \(32 dims\).*rag ingest --rebuild"):
            action()
    rep = pipe.ingest([src], rebuild=True)
    assert rep.indexed == ["sub/Normans.txt"] and other.embedded == rep.total_chunks
    hits = pipe.retrieve("Who were the Normans?")
    assert hits and all(h.chunk.source == "sub/Normans.txt" for h in hits)
    assert pipe.info()["embedding_model"] == "other-model"
    with pytest.raises(EmbeddingMismatch):
        build(settings).retrieve("Normans")  # and now the old model is the mismatch


def test_same_dim_different_model_is_still_a_mismatch(tmp_path, settings, counting_embedder):
    src = corpus(tmp_path, names=("Normans",))
    build(settings).ingest([src])
    with pytest.raises(EmbeddingMismatch):
        build(settings, embedder=type(counting_embedder)(name="another-64", dim=64)).retrieve("Normans")


def test_query_before_ingest(settings):
    pipe = build(settings)
    with pytest.raises(IndexNotBuilt, match="run `rag ingest` first"):
        pipe.ask("Who proposed the 2030 strategic concept?")
    assert pipe.info()["documents"] == 0 and pipe.info()["chunks"] == 0


def test_progress_events(tmp_path, settings):
    src = corpus(tmp_path)
    events = []
    rep = build(settings).ingest([src], progress=lambda ev, **kw: events.append((ev, kw)))
    assert events[0] == ("files", {"total": 3})
    assert [kw["name"] for ev, kw in events if ev == "file"] == ["Geology.txt", "Rhine.txt", "sub/Normans.txt"]
    assert sum(kw["n"] for ev, kw in events if ev == "chunks") == rep.chunks_added


def test_documents_listing(tmp_path, settings):
    src = corpus(tmp_path)
    pipe = build(settings)
    pipe.ingest([src])
    docs = pipe.documents()
    assert [d["source"] for d in docs] == ["Geology.txt", "Rhine.txt", "sub/Normans.txt"]
    assert all(d["complete"] and d["chunks"] > 0 for d in docs)
    assert sum(d["chunks"] for d in docs) == pipe.info()["chunks"]


def test_documents_from_an_older_extraction_are_re_extracted(tmp_path, settings, counting_embedder, monkeypatch):
    """An index written before extraction versions existed (no "extraction" metadata) or by an
    older version is re-extracted by a plain `rag ingest`; after that, files are unchanged again."""
    import rag.chunking
    import rag.ingest
    from rag.blocks import EXTRACTION_VERSION

    src = corpus(tmp_path, names=("Normans", "Rhine"))
    pipe = build(settings, embedder=counting_embedder)
    monkeypatch.setattr(rag.chunking, "EXTRACTION_VERSION", 0)  # chunks as an old release wrote them
    pipe.ingest([src])
    assert {c.extraction for c in pipe.store.all_chunks()} == {0}
    monkeypatch.undo()
    again = pipe.ingest([src])
    assert sorted(again.indexed) == ["Rhine.txt", "sub/Normans.txt"] and again.unchanged == []
    assert {c.extraction for c in pipe.store.all_chunks()} == {EXTRACTION_VERSION}
    assert again.total_chunks == again.chunks_added, "old chunks were replaced, not duplicated"
    assert pipe.ingest([src]).unchanged == ["Rhine.txt", "sub/Normans.txt"]
    monkeypatch.setattr(rag.ingest, "EXTRACTION_VERSION", EXTRACTION_VERSION + 1)  # the next bump
    assert len(pipe.ingest([src]).indexed) == 2


def test_a_moved_folder_is_not_indexed_twice(tmp_path, settings, counting_embedder):
    """Renaming the folder and ingesting it again replaces the old entries: no document twice, no stale citations."""
    src = corpus(tmp_path)
    pipe = build(settings, embedder=counting_embedder)
    total = pipe.ingest([src]).total_chunks
    moved_to = src.rename(tmp_path / "renamed")
    rep = pipe.ingest([moved_to])
    assert sorted(rep.indexed) == ["Geology.txt", "Rhine.txt", "sub/Normans.txt"]
    assert sorted((m["from"], m["to"]) for m in rep.moved) == [
        (str(src / name), str(moved_to / name)) for name in ("Geology.txt", "Rhine.txt", "sub/Normans.txt")
    ]
    assert rep.total_chunks == total == pipe.store.count()
    assert {c.root for c in pipe.store.all_chunks()} == {str(moved_to)}
    assert rep.to_dict()["moved"] == rep.moved and rep.copies == []
    hits = pipe.retriever.retrieve("Where does the Rhine flow into the North Sea?", 10)
    assert hits and all(h.chunk.root == str(moved_to) for h in hits), "BM25 or Chroma still returns the old path"


def test_a_copy_that_still_exists_is_kept_and_a_moved_single_file_is_replaced(tmp_path, settings):
    src = corpus(tmp_path)
    pipe = build(settings)
    pipe.ingest([src])
    copy = tmp_path / "copy"
    shutil.copytree(src, copy)
    rep = pipe.ingest([copy])
    assert rep.moved == [] and {c.root for c in pipe.store.all_chunks()} == {str(src), str(copy)}
    names = ("Geology.txt", "Rhine.txt", "sub/Normans.txt")
    assert rep.to_dict()["copies"] == [{"path": str(copy / n), "same_as": str(src / n)} for n in names]
    # One file moved into another folder and ingested alone: the old entry goes, the rest stay.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (src / "Rhine.txt").rename(elsewhere / "Rhine.txt")
    rep = pipe.ingest([elsewhere / "Rhine.txt"])
    assert [(m["from"], m["to"]) for m in rep.moved] == [(str(src / "Rhine.txt"), str(elsewhere / "Rhine.txt"))]
    assert set(index_state(pipe)) == {"Rhine.txt", "Geology.txt", "sub/Normans.txt"}
    roots = {(c.root, c.source) for c in pipe.store.all_chunks()}
    assert (str(src), "Rhine.txt") not in roots and (str(copy), "Rhine.txt") in roots and (str(elsewhere), "Rhine.txt") in roots


def test_identical_files_in_one_run_are_reported_as_copies_and_both_kept(tmp_path, settings):
    src = corpus(tmp_path)
    shutil.copy(src / "Rhine.txt", src / "Rhine (1).txt")
    pipe = build(settings)
    rep = pipe.ingest([src])
    assert rep.copies == [{"path": str(src / "Rhine.txt"), "same_as": str(src / "Rhine (1).txt")}]
    assert "Rhine (1).txt" in rep.indexed and "Rhine.txt" in rep.indexed
    assert pipe.ingest([src]).copies == []  # nothing indexed again, nothing to report
