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


def test_a_chunk_of_rows_without_their_header_row_is_indexed_under_the_column_names():
    rows = "AU | -4253+14719 | Australia/Hobart | Tasmania"
    row = ((0, len(rows), "table_row", "", 0, "#codes | coordinates | TZ | comments"),)
    chunk = replace(_CHUNK, title="zone1970", text=rows, end=len(rows), blocks=row)
    # The '#' of a CSV comment line is not part of a name.
    assert indexed_text(chunk) == f"zone1970\ncodes | coordinates | TZ | comments\n\n{rows}"
    # The chunk that holds the header row itself does not repeat it; prose chunks get no column line.
    head = "#codes | coordinates | TZ | comments"
    first = replace(chunk, text=f"{head}\n\n{rows}", blocks=((len(head) + 2, len(head) + 2 + len(rows), *row[0][2:]),))
    assert indexed_text(first) == f"zone1970\n\n{head}\n\n{rows}"
    assert indexed_text(replace(chunk, blocks=((0, len(rows), "paragraph", "", 0),))) == f"zone1970\n\n{rows}"


ZONES = "#codes\tcoordinates\tTZ\tcomments\n" + "".join(
    f"X{i:02d}\t+{1000 + i}+{2000 + i}\tRegion/City{i:02d}\tarea number {i} of the list\n" for i in range(80)
) + "AU\t-4253+14719\tAustralia/Hobart\tTasmania\n"
TRAVEL = """Travel notes

Tasmania is an island state with wild parks. A trip there takes a ferry from Melbourne or a short flight, and the
ferry carries cars. Hobart, the capital, has a harbour, a market on Saturdays and a museum of old and new art. The
walks along the coast are long, so bring water, a map and a warm coat: the weather turns quickly in every season.
"""


def test_a_row_far_below_its_header_row_is_found_by_a_column_name(tmp_path):
    """The Tasmania row sits chunks below the header row; the question names its column ("TZ") and its cell."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zones.tsv").write_text(ZONES)
    (docs / "travel.txt").write_text(TRAVEL)
    for i in range(30):  # a library of other notes, so that a column name is a rare word, as in a real index
        (docs / f"note{i}.txt").write_text(f"Note {i}\n\nThe weekly meeting number {i} moved to room {i + 100}. Bring the slides.\n")
    pipe = build(Settings(data_dir=tmp_path / "index", embedder="hash", mode="extractive"))
    pipe.ingest([docs])
    chunks = {c.id: c for c in pipe.store.all_chunks()}
    holder = next(c for c in chunks.values() if "Tasmania" in c.text and c.source == "zones.tsv")
    assert "TZ" not in holder.text  # the header row is in another chunk

    best = pipe.retriever.sparse.ranked_ids("Which TZ name does Tasmania use?", 5)
    assert chunks[best[0][0]].id == holder.id
