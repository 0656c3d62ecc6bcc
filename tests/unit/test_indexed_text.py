"""Chunks are embedded and word-indexed under a contextual header (their document's title and section
path, rag.chunking.indexed_text); what is read, quoted and cited stays the document's own text."""

from __future__ import annotations

from dataclasses import replace

from rag.chunking import indexed_text
from rag.pipeline import build
from rag.settings import Settings
from rag.types import Chunk

_CHUNK = Chunk(id="c", source="a.pdf", root="/r", title="libtasn1", start=0, end=5, text="Hello", doc_sha256="x", n_chunks=1)

RELEASES = """version,codename,series,created,release,eol
9,Stretch,stretch,2015-04-25,2017-06-17,2020-07-18
10,Buster,buster,2017-06-17,2019-07-06,2022-09-10
11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14
"""
# Says "buster" and "released" more often than the table does, and never "Debian".
NOTES = """Build notes

The buster images are built in a buster chroot. When buster was the testing release, images were released weekly.
A released buster image is kept for a year. Buster builds use the buster keyring.
"""


def test_the_header_is_the_title_and_the_section_path():
    assert indexed_text(_CHUNK) == "libtasn1\n\nHello"
    assert indexed_text(replace(_CHUNK, section="2 ASN.1 › 2.4 Notes")) == "libtasn1 › 2 ASN.1 › 2.4 Notes\n\nHello"
    # A section path that starts with the title does not repeat it.
    assert indexed_text(replace(_CHUNK, title="git-notes(1)", section="git-notes(1) Manual Page › OPTIONS")) == "git-notes(1) Manual Page › OPTIONS\n\nHello"
    assert indexed_text(replace(_CHUNK, title="", section="")) == "Hello"
    # A title that is a file name of ids says nothing and is left out; a name with a number in it stays.
    assert indexed_text(replace(_CHUNK, title="000 e7591c0407e77bf5")) == "Hello"
    assert indexed_text(replace(_CHUNK, title="zone1970")) == "zone1970\n\nHello"
    assert indexed_text(replace(_CHUNK, title="1973 oil crisis")) == "1973 oil crisis\n\nHello"


def test_a_table_row_is_found_by_its_files_name(tmp_path):
    """debian.csv's rows never say "Debian": the header does, so the keyword index finds the row."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "debian.csv").write_text(RELEASES)
    (docs / "build-notes.txt").write_text(NOTES)
    pipe = build(Settings(data_dir=tmp_path / "index", embedder="hash", mode="extractive"))
    pipe.ingest([docs])

    best = pipe.retriever.sparse.ranked_ids("When was Debian 10 (Buster) released?", 5)
    top = pipe.store.get_chunks([best[0][0]])[0]
    assert top.source == "debian.csv"

    # Nothing of the header reaches what is quoted or cited: a chunk is still its document's text.
    notes = [c for c in pipe.store.all_chunks() if c.source == "build-notes.txt"]
    assert notes and all(c.text == NOTES[c.start : c.end] for c in notes)
    answer = pipe.ask("When was Debian 10 (Buster) released?")
    assert "2019-07-06" in answer.answer and "›" not in answer.answer
