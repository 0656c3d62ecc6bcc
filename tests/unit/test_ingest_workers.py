"""`rag ingest --workers N`: N=2 worker processes give the index, vectors and report of the serial path.

Real embedded Chroma in temp dirs, real spawned worker processes, the hash embedder (deterministic
across processes, so the vectors must be equal, not just close; tests/integration/
test_ingest_workers_minilm.py checks MiniLM within float tolerance). Each pool start costs a few
seconds (spawn + imports), so each test runs the parallel path only a few times.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.errors import ConfigError, RagError
from rag.pipeline import build
from rag.settings import Settings

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"
QUESTIONS = ["Who were the Normans?", "Where does the Rhine flow?", "What is a steam engine?", "naïvely Brussels summit"]


def mixed_folder(tmp_path: Path) -> Path:
    """Every supported format, a subfolder, a duplicated file, and every kind of unreadable file."""
    from reportlab.pdfgen import canvas

    src = tmp_path / "docs"
    (src / "sub").mkdir(parents=True)
    for name in ("Normans", "Rhine", "Steam_engine"):
        shutil.copy(ARTICLES / f"{name}.txt", src / f"{name}.txt")
    shutil.copy(ARTICLES / "Geology.txt", src / "sub" / "Geology.txt")
    shutil.copy(ARTICLES / "Normans.txt", src / "sub" / "Normans copy.txt")  # identical chunks, other ids
    c = canvas.Canvas(str(src / "report.pdf"))
    for page in ("Stoltenberg proposed the 2030 strategic concept.", "The summit took place in Brussels on 14 June."):
        c.drawString(72, 760, page)
        c.showPage()
    c.save()
    import docx

    d = docx.Document()
    d.add_paragraph("The alliance rejected the proposal from Moscow.")
    d.save(str(src / "notes.docx"))
    (src / "notes.md").write_text("# Notes\n\n## Members\n\nThe alliance has 30 members.\n\n- Russia\n- China\n")
    (src / "page.html").write_text("<html><title>Page</title><body><h1>Threats</h1><p>Cyber and hybrid threats.</p></body></html>")
    (src / "latin1.txt").write_bytes("Résumé of the Brussels summit, naïvely.".encode("latin-1"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 100)
    (src / "corrupt.pdf").write_bytes(b"%PDF-1.4\n garbage \n%%EOF")
    (src / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return src


def snapshot(pipe) -> dict:
    """Everything the index holds: chunks with metadata and vectors, and BM25's answers."""
    chunks = sorted(pipe.store.all_chunks(), key=lambda c: c.id)
    vecs = pipe.store.vectors([c.id for c in chunks])
    return {
        "chunks": [(c.id, c.source, c.start, c.end, c.text, c.page, c.section, c.blocks, c.n_chunks, c.doc_sha256, c.title) for c in chunks],
        "vectors": np.stack([vecs[c.id] for c in chunks]),
        "bm25": {q: [(h.chunk.id, round(h.score, 6)) for h in pipe.retriever.retrieve(q, 8)] for q in QUESTIONS},
    }


def same_report(a, b) -> None:
    da, db = a.to_dict(), b.to_dict()
    da.pop("elapsed_s"), db.pop("elapsed_s")
    assert da == db


def assert_same_index(serial, parallel) -> None:
    s, p = snapshot(serial), snapshot(parallel)
    assert p["chunks"] == s["chunks"]
    np.testing.assert_array_equal(p["vectors"], s["vectors"])  # hash embedder: deterministic in any process
    assert p["bm25"] == s["bm25"]


def pipes(tmp_path):
    one = build(Settings(data_dir=tmp_path / "serial", embedder="hash", retrieval="bm25"))
    two = build(Settings(data_dir=tmp_path / "parallel", embedder="hash", retrieval="bm25", ingest_workers=2))
    return one, two


def test_two_workers_give_the_serial_index_and_report(tmp_path):
    src = mixed_folder(tmp_path)
    one, two = pipes(tmp_path)
    events: list = []
    r1 = one.ingest([src])
    r2 = two.ingest([src], progress=lambda ev, **kw: events.append((ev, kw)))
    same_report(r1, r2)
    assert sorted(r2.indexed) == sorted(
        ["Normans.txt", "Rhine.txt", "Steam_engine.txt", "sub/Geology.txt", "sub/Normans copy.txt", "report.pdf", "notes.docx", "notes.md", "page.html", "latin1.txt"]
    )
    reasons = {f.source: f.reason for f in r2.failed}
    assert set(reasons) == {"empty.txt", "binary.txt", "corrupt.pdf", "image.png"}
    assert "empty file" in reasons["empty.txt"] and "PDF" in reasons["corrupt.pdf"] and "unsupported file type '.png'" in reasons["image.png"]
    assert r2.chunks_added == r2.total_chunks > 40
    assert_same_index(one, two)
    texts = {c.source: c.text for c in two.store.all_chunks()}
    assert "Stoltenberg" in texts["report.pdf"] and "Moscow" in texts["notes.docx"] and "Résumé" in texts["latin1.txt"]
    # Progress: the file total, one event per file in order, and every chunk counted once.
    assert events[0] == ("files", {"total": sum(1 for p in src.rglob("*") if p.is_file())})
    assert [kw["name"] for ev, kw in events if ev == "file"] == sorted(
        [p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()], key=lambda s: str((src / s).resolve())
    )
    assert sum(kw["n"] for ev, kw in events if ev == "chunks") == r2.chunks_added


def test_reingest_skips_unchanged_replaces_changed_keeps_unreadable(tmp_path):
    src = mixed_folder(tmp_path)
    one, two = pipes(tmp_path)
    one.ingest([src]), two.ingest([src])
    before = {c.id for c in two.store.all_chunks() if c.source == "Normans.txt"}
    # One file changed, one deleted, one indexed file became unreadable, one new file.
    shutil.copy(ARTICLES / "Huguenot.txt", src / "Rhine.txt")
    (src / "Steam_engine.txt").unlink()
    (src / "sub" / "Geology.txt").write_bytes(b"\x00\x01\x02" * 1000)
    shutil.copy(ARTICLES / "Yuan_dynasty.txt", src / "sub" / "Yuan.txt")
    r1, r2 = one.ingest([src]), two.ingest([src])
    same_report(r1, r2)
    assert sorted(r2.indexed) == ["Rhine.txt", "sub/Yuan.txt"] and r2.removed == ["Steam_engine.txt"]
    assert "sub/Geology.txt" in {f.source for f in r2.failed}  # reported, its old chunks kept
    assert {"Normans.txt", "report.pdf", "notes.md"} <= set(r2.unchanged)
    assert_same_index(one, two)
    held = {c.source for c in two.store.all_chunks()}
    assert "sub/Geology.txt" in held and "Steam_engine.txt" not in held
    assert {c.id for c in two.store.all_chunks() if c.source == "Normans.txt"} == before
    assert "Huguenot" in " ".join(c.text for c in two.store.all_chunks() if c.source == "Rhine.txt")
    # Nothing changed since: every readable file is skipped, nothing is embedded or written.
    events: list = []
    again = two.ingest([src], progress=lambda ev, **kw: events.append(ev))
    assert again.indexed == [] and again.removed == [] and again.chunks_added == 0 and "chunks" not in events
    assert again.total_chunks == r2.total_chunks and sorted(again.unchanged) == sorted(r2.unchanged + r2.indexed)
    # The folder renamed: both paths drop the old entries of the files they index again.
    moved = src.rename(tmp_path / "moved")
    m1, m2 = one.ingest([moved]), two.ingest([moved])
    same_report(m1, m2)
    assert sorted(m["to"] for m in m2.moved) == sorted(str(moved / s) for s in m2.indexed)  # "Normans copy.txt" too
    assert all(m["from"] == str(src / Path(m["to"]).relative_to(moved)) for m in m2.moved)
    # sub/Geology.txt is unreadable now: reported as failed, its old entry kept as with any unreadable file.
    assert {(c.root, c.source) for c in two.store.all_chunks() if c.root != str(moved)} == {(str(src), "sub/Geology.txt")}
    assert m2.total_chunks == again.total_chunks
    assert_same_index(one, two)


def test_a_worker_that_dies_gives_a_clear_error_and_loses_nothing(tmp_path, monkeypatch):
    """A crash inside a file reader (simulated: the worker process exits on one file) is not a
    traceback: the error names the files and the fix, and the index keeps what it had."""
    src = mixed_folder(tmp_path)
    one, two = pipes(tmp_path)
    two.ingest([src])
    before = snapshot(two)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, rag.loaders as L\n"
        "_orig = L.load_file\n"
        "def load_file(path, root, max_bytes):\n"
        "    if path.name == 'crash.txt':\n"
        "        os._exit(3)\n"
        "    return _orig(path, root, max_bytes)\n"
        "L.load_file = load_file\n"
    )
    monkeypatch.setenv("PYTHONPATH", f"{hook}:{Path(__file__).resolve().parents[2]}")
    shutil.copy(ARTICLES / "Huguenot.txt", src / "crash.txt")
    with pytest.raises(RagError, match=r"ingest worker process died .*nothing from .* on was written.*--workers 1"):
        two.ingest([src])
    after = snapshot(two)
    assert after["chunks"] == before["chunks"]
    np.testing.assert_array_equal(after["vectors"], before["vectors"])
    assert after["bm25"] == before["bm25"]
    monkeypatch.delenv("PYTHONPATH")
    rep = two.ingest([src])  # without the crash: picks up where it was
    assert rep.indexed == ["crash.txt"] and not rep.removed


def test_workers_need_the_embedder_the_settings_name(tmp_path, counting_embedder):
    """Workers build their embedder from settings; a pipeline built with another one is refused
    before the index is touched (even with --rebuild)."""
    src = mixed_folder(tmp_path)
    s = Settings(data_dir=tmp_path / "data", embedder="minilm", ingest_workers=2)
    pipe = build(s, embedder=counting_embedder)
    with pytest.raises(ConfigError, match="--workers 1"):
        pipe.ingest([src], rebuild=True)
    assert counting_embedder.embedded == 0 and not pipe.store.exists()


def test_settings_validate_workers():
    assert Settings().ingest_workers == 1
    with pytest.raises(ValueError):
        Settings(ingest_workers=0)


def test_cli_workers_flag_and_bad_values(cli, tmp_path, monkeypatch):
    src = tmp_path / "docs"
    src.mkdir()
    for name in ("Normans", "Rhine"):
        shutil.copy(ARTICLES / f"{name}.txt", src / f"{name}.txt")
    (src / "empty.txt").write_bytes(b"")
    code, out, err = cli("ingest", src, "--workers", "2", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["indexed"] == ["Normans.txt", "Rhine.txt"] and rep["total_chunks"] == rep["chunks_added"] > 10
    assert rep["failed"] == [{"source": "empty.txt", "reason": "empty file (0 bytes)"}]
    code, out, err = cli("ingest", src, "--workers", "0")
    assert code == 2 and "--workers" in err and "Traceback" not in err
    monkeypatch.setenv("RAG_INGEST_WORKERS", "0")
    code, out, err = cli("ingest", src)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("Error: Invalid setting RAG_INGEST_WORKERS='0'")
    assert "greater than or equal to 1" in lines[0] and "Fix or unset the variable" in lines[0]
    monkeypatch.setenv("RAG_INGEST_WORKERS", "2")  # the variable works like the flag
    code, out, err = cli("ingest", src, "--json")
    assert code == 0 and json.loads(out)["unchanged"] == ["Normans.txt", "Rhine.txt"]


def test_a_bug_on_one_file_fails_that_file_only_with_one_worker_or_two(tmp_path, monkeypatch):
    """An unexpected error in a reader or the chunker (here: a ValueError on one file) is that file's failure, with a
    reason that says so; the other files of the run are indexed, serially and in worker processes alike. It used to
    abort the run and write nothing (octave.pdf's TimeoutError from nltk)."""
    import rag.ingest
    import rag.loaders as L

    src = mixed_folder(tmp_path)
    shutil.copy(ARTICLES / "Huguenot.txt", src / "bug.txt")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import rag.loaders as L\n"
        "_orig = L.load_file\n"
        "def load_file(path, root, max_bytes):\n"
        "    if path.name == 'bug.txt':\n"
        "        raise ValueError('a reader bug')\n"
        "    return _orig(path, root, max_bytes)\n"
        "L.load_file = load_file\n"
    )
    monkeypatch.setenv("PYTHONPATH", f"{hook}:{Path(__file__).resolve().parents[2]}")  # the worker processes
    orig = L.load_file
    monkeypatch.setattr(rag.ingest, "load_file", lambda p, r, m: (_ for _ in ()).throw(ValueError("a reader bug")) if p.name == "bug.txt" else orig(p, r, m))
    one, two = pipes(tmp_path)
    for pipe in (one, two):
        rep = pipe.ingest([src])
        reasons = {f.source: f.reason for f in rep.failed}
        assert "ValueError: a reader bug" in reasons["bug.txt"] and "bug in rag" in reasons["bug.txt"]
        assert "Normans.txt" in rep.indexed and "report.pdf" in rep.indexed and "bug.txt" not in rep.indexed
        assert {c.source for c in pipe.store.all_chunks()} >= {"Normans.txt", "report.pdf", "page.html"}
