"""PDF layout extraction on a generated manual: running headers and page numbers go, wrapped
lines and hyphenation are joined, headings become the section path, the TOC is searchable but
never quoted, table rows survive, and chunk spans stay exact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.blocks import SEP, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import load_file


HEADER = "ACME Widget Manual"


def make_manual(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("ACME Widget Manual")
    pages = [
        # page 1: table of contents
        [("h1", "Contents")]
        + [("toc", f"{t} {'. ' * 30}{p}") for t, p in [("1 Introduction", 2), ("2 Structure handling", 3), ("2.1 Syntax", 3), ("2.4 Library Notes", 4), ("3 Tables", 5)]],
        # page 2
        [("h1", "1 Introduction"),
         ("p", "The widget library reads structure definitions and"),
         ("p", "converts them into trees. Its main purpose is to make"),
         ("p", "parsing fast and safe for every application that needs"),
         ("p", "a reliable parser."),
         ("gap", ""),
         ("p", "The parser keeps a careful record of its own config-"),
         ("p", "uration in memory, so nothing is read twice.")],
        # page 3
        [("h1", "2 Structure handling"), ("h2", "2.1 Syntax"),
         ("p", "The parser is case sensitive. Comments start with two"),
         ("p", "dashes and end at the end of the line. A definition that"),
         ("p", "spans pages is still read as one sentence by the")],
        # page 4: the sentence continues after the running header
        [("p", "library, which joins it."),
         ("h2", "2.4 Library Notes"),
         ("p", "The header file of this library is widget.h and every"),
         ("p", "program that uses it must include it.")],
        # page 5
        [("h1", "3 Tables"),
         ("p", "The default limits are listed below."),
         ("row", ["Setting", "Default", "Maximum"]),
         ("row", ["weight", "50", "100"]),
         ("row", ["depth", "8", "64"])],
    ]
    for n, page in enumerate(pages, start=1):
        c.setFont("Helvetica", 9)
        c.drawString(72, 800, HEADER)  # running header
        c.drawString(300, 40, str(n))  # page number
        y = 740
        for kind, text in page:
            if kind == "h1":
                c.setFont("Helvetica-Bold", 18)
                c.drawString(72, y, text)
                y -= 30
            elif kind == "h2":
                c.setFont("Helvetica-Bold", 14)
                c.drawString(72, y, text)
                y -= 24
            elif kind == "gap":
                y -= 14
            elif kind == "row":
                c.setFont("Helvetica", 11)
                for x, cell in zip((72, 220, 360), text):
                    c.drawString(x, y, cell)
                y -= 15
            else:
                c.setFont("Helvetica", 11)
                c.drawString(72, y, text)
                y -= 15
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def manual(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdf")
    path = make_manual(d / "widget.pdf")
    return load_file(path, d, 10**9)


def test_running_headers_and_page_numbers_are_removed(manual):
    assert HEADER not in manual.text
    lines = [ln.strip() for ln in manual.text.split("\n")]
    assert not any(ln.isdigit() for ln in lines), "a bare page number survived"


def test_wrapped_lines_join_into_one_paragraph_and_hyphenation_is_undone(manual):
    assert ("The widget library reads structure definitions and converts them into trees. Its main purpose is to make "
            "parsing fast and safe for every application that needs a reliable parser.") in manual.text
    assert "configuration in memory" in manual.text and "config-" not in manual.text


def test_a_sentence_broken_across_pages_is_one_sentence(manual):
    assert "A definition that spans pages is still read as one sentence by the library, which joins it." in manual.text


def test_headings_give_the_section_path_and_stand_alone(manual):
    t = manual.text
    at = t.index("The header file of this library")
    assert manual.section_at(at) == f"2 Structure handling{SEP}2.4 Library Notes"
    assert manual.section_at(t.index("The parser is case sensitive")) == f"2 Structure handling{SEP}2.1 Syntax"
    assert manual.section_at(t.index("The widget library reads")) == "1 Introduction"
    heading = next(b for b in manual.blocks if b.kind == "heading" and t[b.start:b.end] == "2.1 Syntax")
    assert t[heading.end:heading.end + 2] == "\n\n", "a heading is never glued to the sentence after it"
    assert manual.page_at(at) == 4


def test_toc_is_searchable_but_never_quoted(manual):
    toc = [b for b in manual.blocks if b.kind == "toc"]
    assert len(toc) >= 5 and all(manual.page_at(b.start) == 1 for b in toc)
    chunks = chunk_document(manual, 64, 8)
    toc_chunk = next(c for c in chunks if "2.4 Library Notes . ." in c.text)
    quoted = [toc_chunk.text[s:e] for s, e in quotable_spans(toc_chunk)]
    assert not any(". . ." in q for q in quoted), quoted


def test_table_rows_survive_as_rows(manual):
    rows = [manual.text[b.start:b.end] for b in manual.blocks if b.kind == "table_row"]
    assert rows == ["Setting | Default | Maximum", "weight | 50 | 100", "depth | 8 | 64"]


def test_chunks_carry_section_and_page_and_spans_are_exact(manual):
    chunks = chunk_document(manual, 64, 8)
    for c in chunks:
        assert c.text == manual.text[c.start:c.end]
        for s, e, kind, section, page in c.blocks:
            assert 1 <= page <= 5
            assert 0 <= s < e <= len(c.text)
        for s, e in quotable_spans(c):
            assert c.text[s:e].strip() == c.text[s:e]
    notes = next(c for c in chunks if "widget.h" in c.text)
    assert notes.page == 4 or "2.4 Library Notes" in notes.text
    assert any(c.section.endswith("2.4 Library Notes") for c in chunks if "widget.h" in c.text)


def test_answers_quote_prose_not_the_toc_and_cite_page_and_section(tmp_path):
    """End to end (hash embedder, real Chroma): the question's words are all in the TOC line
    "2.4 Library Notes . . . 4" too, but only the prose sentence may be quoted."""
    from rag.pipeline import build
    from rag.settings import Settings

    d = tmp_path / "docs"
    d.mkdir()
    make_manual(d / "widget.pdf")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    pipe.ingest([d])
    ans = pipe.ask("What is the header file of this library?")
    assert not ans.refused
    assert ". ." not in ans.answer and "\n" not in ans.answer
    assert "The header file of this library is widget.h" in ans.answer
    cit = next(c for c in ans.citations if "widget.h" in c.text)
    assert cit.page == 4 and cit.section == f"2 Structure handling{SEP}2.4 Library Notes"
    doc = load_file(d / "widget.pdf", d, 10**9)
    assert all(doc.text[s:e] in cit.text for s, e in cit.highlights), "highlights point at exact document text"
    assert ans.to_dict()["citations"][0]["section"]


def make_notes_and_tables(path: Path) -> Path:
    """Two pages of a report set the way TeX and DocBook set them: a paragraph that runs on to
    the next page past the page's footnote (a smaller mark, smaller text), a superscript note
    mark after a word, a two-column table whose second cells wrap, and a justified line whose
    words a wide margin spreads apart."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setTitle("Report")

    def text(x, y, s, size=11):
        c.setFont("Helvetica", size)
        c.drawString(x, y, s)

    # page 1
    text(72, 760, "Every shared library must be built with position independent code on all")
    text(72, 745, "architectures.")
    c.setFont("Helvetica", 7)
    c.drawString(72 + c.stringWidth("architectures.", "Helvetica", 11) + 0.5, 749, "1")  # superscript mark
    text(72 + c.stringWidth("architectures.", "Helvetica", 11) + 5, 745, " The rule has no exceptions.")
    text(72, 715, "ReadAccess", 11)
    text(220, 715, "The primary data or contents of", 11)
    text(220, 700, "the object are being read.", 11)
    text(72, 685, "WriteAccess", 11)
    text(220, 685, "The primary data or contents", 11)
    text(220, 670, "of the object are being written.", 11)
    text(72, 640, "The static library is a different matter and the rules for it are set out")
    words = ["in", "the", "next", "chapter", "of", "this"]  # spread across the line, as justification does
    for i, w in enumerate(words):
        text(72 + i * 62, 625, w)
    text(72, 610, "report, which every maintainer should read before the next release of")
    text(72, 595, "the package is")
    c.setFont("Helvetica", 6)
    c.drawString(72, 110, "1")  # the footnote, at the bottom: a smaller mark, smaller text
    c.setFont("Helvetica", 8)
    c.drawString(78, 107, "Position independent code costs a little speed on some machines.")
    c.showPage()
    # page 2: the sentence continues
    text(72, 760, "uploaded to the archive.")
    text(72, 730, "A new paragraph starts here.")
    c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("pdf2")
    return load_file(make_notes_and_tables(d / "report.pdf"), d, 10**9)


def test_a_footnote_is_its_own_paragraph_after_the_sentence_it_interrupts(report):
    t = report.text
    sentence = ("The static library is a different matter and the rules for it are set out in the next chapter of this "
                "report, which every maintainer should read before the next release of the package is uploaded to the archive.")
    assert sentence in t, "the justified line stays in its paragraph, and the sentence runs on past the footnote"
    note = "Position independent code costs a little speed on some machines."
    block = next(b for b in report.blocks if t[b.start:b.end] == note)  # the mark is gone
    assert block.kind == "paragraph"
    assert t.index(note) > t.index(sentence) and t.index(note) < t.index("A new paragraph starts here.")


def test_a_superscript_note_mark_is_dropped(report):
    assert "on all architectures. The rule has no exceptions." in " ".join(report.text.split())
    assert "architectures.1" not in report.text


def test_a_wrapped_table_cell_stays_in_its_row(report):
    rows = [report.text[b.start:b.end] for b in report.blocks if b.kind == "table_row"]
    assert rows == ["ReadAccess | The primary data or contents of the object are being read.",
                    "WriteAccess | The primary data or contents of the object are being written."]


def test_two_columns_join_a_paragraph_across_the_column_break_and_bold_numbered_headings_head_sections(tmp_path):
    """A two-column page (as groff's ms or a word processor sets it): the paragraph at the foot of the
    left column runs on at the head of the right one, and "1. Storage" set bold at the body's size is a
    heading, not a list item (base-14 fonts: pdfium gives no weight, the font name says Bold)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "two.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    left = [("b", "1. Storage"), ("p", "The store keeps every tenant apart."), ("gap", "")] + [("p", t) for t in (
        "Data is kept in one file per tenant, and", "each file is opened on the first request.", "Files grow in pages of four kilobytes, and",
        "a file that has grown past its quota is")]  # the left column ends inside this sentence
    right = [("p", "moved to the archive volume at night."), ("gap", ""), ("b", "2. Backups"),
             ("p", "Backups run nightly and are kept for"), ("p", "thirty days on the archive volume.")]
    for x, col in ((50, left), (310, right)):
        y = 790
        for kind, text in col:
            if kind != "gap":
                c.setFont("Helvetica-Bold" if kind == "b" else "Helvetica", 10)
                c.drawString(x, y, text)
            y -= 18 if kind in ("b", "gap") else 12
    c.showPage()
    c.save()
    doc = load_file(path.resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    assert ("paragraph", "Data is kept in one file per tenant, and each file is opened on the first request. Files grow in pages of "
            "four kilobytes, and a file that has grown past its quota is moved to the archive volume at night.") in blocks
    assert ("heading", "1. Storage") in blocks and ("heading", "2. Backups") in blocks
    assert doc.section_at(doc.text.index("Backups run nightly")) == "2. Backups"


def make_justified(path: Path) -> Path:
    """A page set the way TeX sets a manual: justified paragraphs (every full line ends at the right
    margin, x=520), the first line of one with TeX's wide space after a sentence's period widened
    further by justification, so wide that the line has a gap like a table's; then a definition row,
    a short name list and a real table, which stay rows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    font, size, left, right = "Helvetica", 11, 72, 520
    width = lambda s: c.stringWidth(s, font, size)  # noqa: E731
    gaps: list[float] = []

    def justified(y: float, words: list[str], wide: float = 0.0) -> None:
        """Words spread from the left margin to the right one; with `wide`, the space after the word
        that ends a sentence is that wide (TeX's space after a period, widened by justification)."""
        c.setFont(font, size)
        stop = next((i for i, w in enumerate(words[:-1]) if w.endswith(".")), None) if wide else None
        space = (right - left - sum(width(w) for w in words) - wide) / (len(words) - 1 - (stop is not None))
        assert 0 < space < 0.8 * size, "a justified line's word spaces stay narrower than a table's gap"
        if stop is not None:
            gaps.append(wide)
        x = left
        for i, w in enumerate(words):
            c.drawString(x, y, w)
            x += width(w) + (wide if i == stop else space)

    def two_sentences(y: float, first: str, second: str) -> None:
        justified(y, (first + " " + second).split(), wide=1.6 * size)

    c.setFont("Helvetica-Bold", 16)
    c.drawString(left, 780, "8. Blank lines")
    c.setFont(font, size)
    two_sentences(755, "By default, the reader ignores empty lines.", "This can be changed by setting the argument")
    justified(741, "skip.blank = FALSE, which will only be useful together with fill = TRUE, perhaps to".split())
    justified(727, "keep blank rows as missing values in the data frame that the reader then returns to".split())
    c.drawString(left, 713, "its caller.")
    two_sentences(690, "The reader keeps quoted fields whole.", "Quotes are set by the argument that is named")
    justified(676, "quote, whose default is both the single and the double quote character, as in most".split())
    c.drawString(left, 662, "other readers.")
    # a definition row, its definition short of the right margin, then prose at the left margin
    c.drawString(left, 630, "-u")
    c.drawString(150, 630, "Treat unset variables as an error when expanding")
    c.drawString(left, 616, "The options are read from left to right.")
    c.drawString(left, 590, "Alan Cox")
    c.drawString(250, 590, "Linus Torvalds")
    for y, cells in ((560, ("Setting", "Default", "Maximum")), (545, ("weight", "50", "100")), (530, ("depth", "8", "64"))):
        for x, cell in zip((72, 220, 360), cells):
            c.drawString(x, y, cell)
    c.showPage()
    c.save()
    assert len(gaps) == 2 and all(g > 1.2 * size for g in gaps), gaps  # as wide as a table's gap (rag/pdf_layout.py's _cells)
    return path


def test_a_justified_paragraph_whose_first_line_has_a_wide_gap_is_one_paragraph_and_real_rows_stay_rows(tmp_path):
    doc = load_file(make_justified(tmp_path / "justified.pdf").resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    first = ("By default, the reader ignores empty lines. This can be changed by setting the argument skip.blank = FALSE, which "
             "will only be useful together with fill = TRUE, perhaps to keep blank rows as missing values in the data frame that "
             "the reader then returns to its caller.")
    second = ("The reader keeps quoted fields whole. Quotes are set by the argument that is named quote, whose default is both the single and "
              "the double quote character, as in most other readers.")
    kinds = dict((t, k) for k, t in blocks)
    assert kinds.get(first) == "paragraph", blocks
    assert kinds.get(second) == "paragraph", blocks
    assert " | " not in first + second and "lines. | This" not in doc.text
    rows = [t for k, t in blocks if k == "table_row"]
    assert rows == ["-u | Treat unset variables as an error when expanding", "Alan Cox | Linus Torvalds",
                    "Setting | Default | Maximum", "weight | 50 | 100", "depth | 8 | 64"], blocks
    assert ("paragraph", "The options are read from left to right.") in blocks


def make_headed_tables(path: Path) -> Path:
    """Page 1: a table whose first row is set bold throughout (its header) above rows that are not, running on to
    page 2, where its header is repeated at the head of the page. Page 2 then: a table set all in the regular face,
    and one whose first column is bold in every row (names, not a header)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    xs = (72, 220, 360)

    def row(y: float, cells, fonts=("Helvetica", "Helvetica", "Helvetica")) -> None:
        for x, cell, font in zip(xs, cells, fonts):
            c.setFont(font, 11)
            c.drawString(x, y, cell)

    def para(y: float, text: str) -> None:
        c.setFont("Helvetica", 11)
        c.drawString(72, y, text)

    bold = ("Helvetica-Bold",) * 3
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 780, "Release history")
    para(750, "The releases of the distribution are listed below, oldest first.")
    row(300, ("Version", "Codename", "Released"), bold)
    for i, (v, name, date) in enumerate([("8", "Jessie", "2015-04-25"), ("9", "Stretch", "2017-06-17"), ("10", "Buster", "2019-07-06")]):
        row(285 - 15 * i, (v, name, date))
    c.showPage()
    row(780, ("Version", "Codename", "Released"), bold)  # the header repeated where the table goes on
    row(765, ("11", "Bullseye", "2021-08-14"))
    row(750, ("12", "Bookworm", "2023-06-10"))
    para(720, "The limits of the parser are these.")
    for i, cells in enumerate([("Setting", "Default", "Maximum"), ("weight", "50", "100"), ("depth", "8", "64")]):
        row(690 - 15 * i, cells)
    para(630, "Each package has one maintainer.")
    for i, cells in enumerate([("Package", "Maintainer", "Size"), ("zlib", "Mark Adler", "120"), ("bash", "Chet Ramey", "6400")]):
        row(600 - 15 * i, cells, ("Helvetica-Bold", "Helvetica", "Helvetica"))
    c.showPage()
    c.save()
    return path


def test_a_bold_first_row_above_plain_rows_is_the_tables_header_and_its_rows_carry_it(tmp_path):
    doc = load_file(make_headed_tables(tmp_path / "tables.pdf").resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end], b.head, doc.page_at(b.start)) for b in doc.blocks if b.kind in ("table_row", "table_head")]
    head = "Version | Codename | Released"
    assert blocks[:7] == [("table_head", head, "", 1),
                          ("table_row", "8 | Jessie | 2015-04-25", head, 1), ("table_row", "9 | Stretch | 2017-06-17", head, 1),
                          ("table_row", "10 | Buster | 2019-07-06", head, 1),
                          ("table_head", head, "", 2),  # repeated at the head of page 2: the header again, not a row
                          ("table_row", "11 | Bullseye | 2021-08-14", head, 2), ("table_row", "12 | Bookworm | 2023-06-10", head, 2)], blocks
    # No bold first row: no header, and no row takes the header of the table before it.
    assert blocks[7:10] == [("table_row", "Setting | Default | Maximum", "", 2), ("table_row", "weight | 50 | 100", "", 2),
                            ("table_row", "depth | 8 | 64", "", 2)], blocks
    # A first row that is bold only in its first cell, as every row is (names): no header either.
    assert blocks[10:] == [("table_row", "Package | Maintainer | Size", "", 2), ("table_row", "zlib | Mark Adler | 120", "", 2),
                           ("table_row", "bash | Chet Ramey | 6400", "", 2)], blocks
    quoted = [c.text[s:e] for c in chunk_document(doc, 400, 0) for s, e in quotable_spans(c)]
    assert any("Bookworm" in q for q in quoted) and not any("Codename" in q for q in quoted), quoted  # a header row is never quoted


def make_stacked_header(path: Path) -> Path:
    """bzip2's memory table as DocBook sets it: a header of two lines in the regular face, the upper one's words
    centred over the columns they head ("Compress" over "usage"), and the first column's title only on the lower line.
    Below it, a table of words whose first row has an empty cell, above two full rows: rows, not a header."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 780, "Memory management")
    c.setFont("Helvetica", 11)
    c.drawString(72, 750, "The figures below are for the Calgary corpus.")
    xs = (90, 170, 250, 330)
    for x, word in zip(xs[1:], ("Compress", "Decompress", "Corpus")):
        c.drawString(x - 8, 720, word)
    for y, cells in ((706, ("Flag", "usage", "usage", "Size")), (690, ("-1", "1200k", "500k", "914704")), (675, ("-9", "7600k", "3700k", "828642"))):
        for x, cell in zip(xs, cells):
            c.drawString(x, y, cell)
    c.drawString(72, 640, "The names of the parts follow.")
    for y, cells in ((610, ("alpha", "", "gamma")), (595, ("one", "two", "three")), (580, ("four", "five", "six"))):
        for x, cell in zip((90, 200, 310), cells):
            c.drawString(x, y, cell)
    c.showPage()
    c.save()
    return path


def test_a_header_set_on_two_lines_is_one_header_row(tmp_path):
    """bzip2's manual.pdf read its memory table's header as two rows, "Compress | Decompress | Corpus" and "Flag |
    usage | usage | Size", so no row carried it and a reader could not tell compress from decompress usage."""
    doc = load_file(make_stacked_header(tmp_path / "memory.pdf").resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end], b.head) for b in doc.blocks if b.kind in ("table_row", "table_head")]
    head = "Flag | Compress usage | Decompress usage | Corpus Size"
    assert blocks[:3] == [("table_head", head, ""), ("table_row", "-1 | 1200k | 500k | 914704", head),
                          ("table_row", "-9 | 7600k | 3700k | 828642", head)], blocks
    # a row of words with a cell missing, above a row of words: not joined (only words over data rows are a header)
    assert [b[1] for b in blocks[3:]] == ["alpha | gamma", "one | two | three", "four | five | six"], blocks
    assert all(b[0] == "table_row" and not b[2] for b in blocks[3:]), blocks


def draw_pages(path: Path, pages: list[list[tuple[str, int, str]]], gap: int = 14) -> None:
    """One page per list of (font, size, text) lines, each at the left margin, from the top down."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        y = 760
        for font, size, text in page:
            c.setFont(font, size)
            c.drawString(72, y, text)
            y -= size + gap
        c.showPage()
    c.save()


def test_an_appendix_heads_its_own_sections_even_below_a_larger_title(tmp_path):
    """texinfo manuals (R's, bash's) set the title larger than chapters; "Appendix B Invoking R" has no number to
    read a level from, so its size made it level 2, under the last numbered chapter, with "B.1" beside it."""
    path = tmp_path / "guide.pdf"
    pages = [[("Helvetica-Bold", 26, "An Introduction to Widgets"), ("Helvetica", 11, "A guide for new users of the widget tools.")],
             [("Helvetica-Bold", 18, "14 OS facilities"), ("Helvetica", 11, "Widgets can call the operating system through a shell."),
              ("Helvetica-Bold", 14, "14.1 Files and directories"), ("Helvetica", 11, "Files are listed with the list command.")],
             [("Helvetica-Bold", 18, "Appendix B Invoking widgets"), ("Helvetica", 11, "This appendix tells how widgets are started."),
              ("Helvetica-Bold", 14, "B.1 Invoking widgets from the command line"), ("Helvetica", 11, "Type widget at the prompt to start it.")]]
    draw_pages(path, pages)
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    assert doc.section_at(t.index("Files are listed")) == f"14 OS facilities{SEP}14.1 Files and directories"
    assert doc.section_at(t.index("This appendix tells")) == "Appendix B Invoking widgets"
    assert doc.section_at(t.index("Type widget at the prompt")) == f"Appendix B Invoking widgets{SEP}B.1 Invoking widgets from the command line"


def test_a_note_mark_on_a_line_of_its_own_is_no_page_number(tmp_path):
    """texinfo raises a footnote's mark above its note, and pdfium reads the mark as a line of its own: a bare
    number at the page's foot, like a page number. Dropped as one, the note lost its mark, was no longer known
    as a note, and cut the paragraph that runs on to the next page in two (R-lang.pdf, p. 60)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "notes.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Special rules apply to the else keyword: at the outermost level, the newline ends the")
    c.drawString(72, 745, "construction and a later else is a syntax error. This somewhat odd behaviour occurs")
    c.setFont("Helvetica", 7)
    c.drawString(72, 85, "1")  # the mark, raised 5 pt above its note and set smaller: read as a line of its own
    c.setFont("Helvetica", 9)
    c.drawString(80, 80, "Such as non-breaking space and ideographic space.")
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "because the interpreter must decide at once whether the input is complete.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    flat = " ".join(doc.text.split())
    assert "This somewhat odd behaviour occurs because the interpreter must decide at once" in flat
    note = "Such as non-breaking space and ideographic space."
    block = next(b for b in doc.blocks if doc.text[b.start:b.end] == note)  # a paragraph of its own, without its mark
    assert block.kind == "paragraph" and doc.text.index(note) > doc.text.index("whether the input is complete.")


def test_a_superscript_note_mark_after_a_number_is_no_digit_of_it(tmp_path):
    """zlib's crc-doc.1.0.pdf sets footnote marks on numbers in its tables' cells, smaller and raised: "3.28" with
    mark 3 read "3.283", "1.29" with marks 3,7 "1.293,7" and "CRC-64" with mark 9 "CRC-649", a wrong value if quoted.
    The marks are dropped, as after a word ("architectures.1"), where they end a table cell; the spans stay exact."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "marks.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(72, 760, "Table 2 compares the speed of the methods, in CPU cycles per byte, on the test machine.")
    rows = [("Name", "", "Slicing", "", "Words", "", "Ratio"), ("CRC-32", "", "2.52", "3", "1.29", "3,7", "1.96"),
            ("CRC-64", "9", "3.28", "3", "1.29", "3,7", "2.55"), ("CRC-128", "10", "4.17", "4", "2.10", "4,8", "1.98")]
    for k, row in enumerate(rows):
        y = 730 - 14 * k
        for x, cell, mark in ((72, row[0], row[1]), (180, row[2], row[3]), (260, row[4], row[5]), (340, row[6], "")):
            c.setFont("Helvetica", 10)
            c.drawString(x, y, cell)
            if mark:
                c.setFont("Helvetica", 7)
                c.drawString(x + c.stringWidth(cell, "Helvetica", 10) + 0.5, y + 3.5, mark)  # the mark: smaller, raised
    c.setFont("Helvetica", 10)
    c.drawString(72, 600, "Each dimension of an array is limited to 2")  # in prose a raised number may be an exponent: kept
    c.setFont("Helvetica", 7)
    c.drawString(72 + c.stringWidth("Each dimension of an array is limited to 2", "Helvetica", 10) + 0.5, 603.5, "31")
    c.setFont("Helvetica", 10)
    c.drawString(72 + c.stringWidth("Each dimension of an array is limited to 2", "Helvetica", 10) + 9, 600, "- 1 elements.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    cells = [[x.strip() for x in doc.text[b.start:b.end].split("|")] for b in doc.blocks if b.kind in ("table_row", "table_head")]
    assert ["CRC-32", "2.52", "1.29", "1.96"] in cells
    assert ["CRC-64", "3.28", "1.29", "2.55"] in cells, cells
    assert ["CRC-128", "4.17", "2.10", "1.98"] in cells
    assert "3.283" not in doc.text and "CRC-649" not in doc.text and "2.104,8" not in doc.text
    assert "Table 2 compares the speed of the methods" in doc.text
    assert "limited to 2 - 1" not in " ".join(doc.text.split()), "an exponent in prose is not dropped (R-admin.pdf's 2³¹ − 1)"
    for c in chunk_document(doc, 64, 8):
        assert c.text == doc.text[c.start:c.end]


def make_note_across_pages(path: Path, rest_mark: str = "", rest: str = "tion, and for growable vectors that are over-committed when enlarged.",
                           body_runs_on: bool = False) -> Path:
    """Page 1's footnote stops inside a word ("serializa-"); TeX sets its rest at the foot of page 2, in the
    note's size and with no mark, above page 2's own note (R-ints.pdf, pp. 9-10)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Vectors carry a length and a true length, and serialization keeps both of them.")
    c.drawString(72, 745, "The true length has one current use" if body_runs_on else "The true length has one current use.")
    c.setFont("Helvetica", 6)
    c.drawString(72, 110, "1")
    c.setFont("Helvetica", 8)
    c.drawString(78, 107, "The true length is used for hash tables of environments and for the reference tables in serializa-")
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "in each table, as the next section says." if body_runs_on else "Symbols are looked up in the global cache first.")
    c.setFont("Helvetica", 8)
    if rest_mark:
        c.setFont("Helvetica", 6)
        c.drawString(72, 110, rest_mark)
        c.setFont("Helvetica", 8)
    c.drawString(78 if rest_mark else 72, 107, rest)
    c.setFont("Helvetica", 6)
    c.drawString(72, 90, "2")
    c.setFont("Helvetica", 8)
    c.drawString(78, 87, "The cache is cleared at start-up.")
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("body_runs_on", [False, True], ids=["note-placed", "note-waiting-for-its-paragraph"])
def test_a_footnote_that_runs_on_to_the_next_page_is_one_paragraph(tmp_path, body_runs_on):
    """The rest of a note at the next page's foot, with no mark, was read as a paragraph of its own that
    starts with a word's tail ("tion, and for ..."), an unreadable sentence: it is joined to its note, whether
    the note was already placed or still waits for the body paragraph that runs on across the page."""
    doc = load_file(make_note_across_pages(tmp_path / "run-on.pdf", body_runs_on=body_runs_on), tmp_path, 10**9)
    t = doc.text
    note = ("The true length is used for hash tables of environments and for the reference tables in serialization, "
            "and for growable vectors that are over-committed when enlarged.")
    block = next(b for b in doc.blocks if t[b.start:b.end] == note)
    assert block.kind == "paragraph" and doc.page_at(block.start) == 1
    assert "\n\ntion" not in t and not any(t[b.start:b.end].startswith("tion") for b in doc.blocks)
    if body_runs_on:
        assert "The true length has one current use in each table, as the next section says." in " ".join(t.split())
        assert t.index("as the next section says.") < t.index(note) < t.index("The cache is cleared at start-up.")
    else:
        assert t.index(note) < t.index("Symbols are looked up") < t.index("The cache is cleared at start-up.")


def test_a_marked_note_at_the_next_page_foot_is_a_note_of_its_own(tmp_path):
    """Only markless lowercase lines go on from the previous page's note: a note with its own mark does not."""
    doc = load_file(make_note_across_pages(tmp_path / "own.pdf", rest_mark="3", rest="Tables grow in place."), tmp_path, 10**9)
    texts = [doc.text[b.start:b.end] for b in doc.blocks]
    assert "Tables grow in place." in texts
    assert any(x.endswith("in serializa-") or x.endswith("serializa-") for x in texts), "the unfinished note stays as it is"


def test_an_indented_first_line_that_ends_a_sentence_keeps_its_paragraph(tmp_path):
    """texinfo indents a paragraph's first line; when that line ends a sentence at the right edge, the line
    below, back at the margin, is still the same paragraph (R-ints.pdf: "... is not made available to R
    Extensions:" / "rather SEXP is an opaque pointer"), while a definition list's next term, back at the margin
    after a definition indented further, starts anew. A URL wrapped after "barrier." goes on with "html"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "texinfo.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)

    def line(x, y, s, font="Times-Roman"):
        t = c.beginText(x, y)
        t.setFont(font, 11)
        if x == 105:  # a full first line, justified to the right edge at 520 as TeX sets it
            t.setWordSpace((520 - 105 - c.stringWidth(s, font, 11)) / s.count(" "))
        t.textLine(s)
        c.drawText(t)

    line(105, 760, "Note that the internal structure of the record is not made available to extensions:")
    line(90, 747, "rather it is an opaque pointer, and the internals are reached through functions.")
    line(105, 720, "For background papers see https://homepage.example.edu/~luke/R/barrier.")
    line(90, 707, "html and the notes on the collector.")
    line(90, 680, "_R_CHECK_FOO_", "Courier")
    line(148, 667, "Control checking for executable files. Default: true.")
    line(90, 654, "Other terms follow here in the list.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    paras = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert ("Note that the internal structure of the record is not made available to extensions: rather it is an opaque "
            "pointer, and the internals are reached through functions.") in [" ".join(p.split()) for p in paras]
    assert "For background papers see https://homepage.example.edu/~luke/R/barrier.html and the notes on the collector." in [" ".join(p.split()) for p in paras]
    assert "Control checking for executable files. Default: true." in paras and "Other terms follow here in the list." in paras


def test_the_heading_of_a_contents_page_is_the_section_of_its_entries(manual):
    """A heading set larger on a contents or index page is a heading, not an entry: its entries sit under it
    (R-ints.pdf's index entries sat under "12.3 Large matrices", the last section before the index)."""
    t = manual.text
    heads = [t[b.start : b.end] for b in manual.blocks if b.kind == "heading"]
    assert heads[0] == "Contents"
    entry = next(b for b in manual.blocks if b.kind == "toc" and t[b.start : b.end].startswith("2.4 Library Notes"))
    assert manual.section_at(entry.start) == "Contents"


def test_a_numbered_items_bold_title_is_a_heading_not_glued_to_its_text(tmp_path):
    """R-data.pdf sets "8. Blank lines" (the title bold) on a line of its own, its text indented below: the answer
    read "Blank lines By default, read.table ignores empty lines." Now the title is the text's section."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "items.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 780, "2 Variations on reading")
    c.setFont("Helvetica", 11)
    c.drawString(72, 750, "The function has many arguments, and these are the main ones.")
    y = 725
    for n, (title, body) in enumerate([("Blank lines", ["By default, empty lines are ignored. This can be changed by", "setting an argument."]),
                                       ("Comments", ["By default, a hash starts a comment and the rest of the line", "is ignored."])], start=7):
        c.setFont("Helvetica", 11)
        c.drawString(90, y, f"{n}. ")
        c.setFont("Helvetica-Bold", 11)
        c.drawString(90 + c.stringWidth(f"{n}. ", "Helvetica", 11), y, title)
        c.setFont("Helvetica", 11)
        for i, b in enumerate(body, start=1):
            c.drawString(108, y - 13 * i, b)
        y -= 13 * (len(body) + 2)
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    assert not any("Blank lines By default" in " ".join(t[b.start : b.end].split()) for b in doc.blocks)
    assert doc.section_at(t.index("By default, empty lines are ignored.")) == f"2 Variations on reading{SEP}7. Blank lines"
    assert doc.section_at(t.index("By default, a hash starts")) == f"2 Variations on reading{SEP}8. Comments"


def test_a_reference_card_row_keeps_its_description_wrapped_under_a_hanging_indent(tmp_path):
    """A TeX reference card (Octave's refcard-a4.pdf): command / description rows, a description that wraps goes on
    half an em right of its column in a smaller size. The wrapped words stay in their row."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "card.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 11)
    c.drawString(40, 800, "Stopping the Shell")
    y = 780
    for key, desc, wrapped in [("quit or exit", "exit the shell", None),
                               ("INTERRUPT", "terminate the current command and", "return to the top-level prompt"),
                               ("history -w [file]", "write the history to file (~/.hist if no", "file argument)"),
                               ("pwd", "print the working directory", None)]:
        c.setFont("Helvetica", 8)
        c.drawString(40, y, key)
        c.drawString(120, y, desc)
        y -= 9
        if wrapped:
            c.setFont("Helvetica", 7)
            c.drawString(124.5, y, wrapped)
            y -= 9
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    rows = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "table_row"]
    assert "INTERRUPT | terminate the current command and return to the top-level prompt" in rows
    assert "history -w [file] | write the history to file (~/.hist if no file argument)" in rows
    assert "quit or exit | exit the shell" in rows and "pwd | print the working directory" in rows


def test_a_hanging_indent_continues_a_cell_but_a_bullet_or_the_next_column_does_not():
    from rag.pdf_layout import Line, _under_column

    xs = [40.0, 120.0, 300.0]
    line = lambda x, text="return to the prompt": Line(text, x, x + 80, 700.0, 700.0, 7.0, 400, False)  # noqa: E731
    assert _under_column(xs, line(120.5)) == 1  # flush with the column, as before
    assert _under_column(xs, line(124.5)) == 1  # half an em right: a hanging indent
    assert _under_column(xs, line(135.0)) is None  # two ems right: something else
    assert _under_column(xs, line(304.0)) == 2  # the last column's hanging indent
    assert _under_column(xs, line(124.5, "• a vector or matrix expression")) is None  # a list opens under the cell
    assert _under_column(xs, line(60.0)) is None  # under the first column: a new row or paragraph


def make_man_page(path: Path) -> Path:
    """A man page as groff sets it: section titles in bold at the left margin, subsection titles half way in, the
    text justified in a column further right, and option definitions one after another with no space between."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    right = 520.0

    def line(x: float, y: float, text: str, justify: bool, font: str = "Times-Roman"):
        t = c.beginText(x, y)
        t.setFont(font, 10)
        if justify and " " in text:
            t.setWordSpace((right - x - stringWidth(text, font, 10)) / text.count(" "))
        t.textOut(text)
        c.drawText(t)

    y = 800.0
    body = [
        ("h", 72, "NAME"), ("p", 108, "widget − turn knobs from the command line"),
        ("h", 72, "DESCRIPTION"),
        # (section titles are rare in a man page: at most one line in 15)
        *[("j" if i % 6 < 5 else "p", 108, f"Paragraph {i // 6} of the description says how the widget turns its knobs, line {i % 6}{'.' if i % 6 == 5 else ' of it'}")
          for i in range(96)],
        ("h", 72, "OPTIONS"),
        ("j", 108, "All of the options below may be given in any order, and each of them may be repeated on"),
        ("p", 108, "the command line."),
        ("p", 108, "−i If the −i option is present, the widget is interactive."),
        ("p", 108, "−l Make the widget act as if it had been invoked as a login widget."),
        ("p", 108, "−r If the −r option is present, the widget becomes restricted."),
        ("h", 72, "SHELL GRAMMAR"), ("h", 87, "Simple Commands"),
        ("j", 108, "A simple command is a sequence of optional variable assignments followed by blank-separated"),
        ("j", 108, "words and redirections, and terminated by a control operator. The first word specifies the"),
        ("p", 108, "command to be executed."),
        ("h", 87, "Pipelines"),
        ("j", 108, "A pipeline is a sequence of one or more commands separated by one of the control operators"),
        ("p", 108, "that join them."),
    ]
    for kind, x, text in body:
        if y < 60:
            c.showPage()
            y = 800.0
        line(x, y, text, kind == "j", "Times-Bold" if kind == "h" else "Times-Roman")
        y -= 12
    c.save()
    return path


def test_a_man_page_has_its_outdented_titles_as_sections_and_one_definition_per_block(tmp_path):
    doc = load_file(make_man_page(tmp_path / "widget.pdf"), tmp_path, 10**9)
    t = doc.text
    assert doc.section_at(t.index("−l Make the widget")) == "OPTIONS"
    assert doc.section_at(t.index("A simple command is")) == f"SHELL GRAMMAR{SEP}Simple Commands"
    assert doc.section_at(t.index("A pipeline is")) == f"SHELL GRAMMAR{SEP}Pipelines"
    # each option's definition ends at its short last line: "−l ..." is not glued to "−i ..."
    units = [t[s:e] for s, e in quotable_spans_of(doc)]
    assert "−i If the −i option is present, the widget is interactive." in units
    assert not any("interactive. −l" in u for u in units)
    # a justified paragraph's lines stay one paragraph
    assert any(u.startswith("A simple command is a sequence") and u.endswith("control operator.") for u in units)


def quotable_spans_of(doc):
    return [span for c in chunk_document(doc, 400, 0) for span in ((c.start + s, c.start + e) for s, e in quotable_spans(c))]


BASH_PDF = Path("/usr/share/doc/bash/bash.pdf")


@pytest.mark.skipif(not BASH_PDF.exists(), reason="bash-doc is not installed (apt-get install bash-doc; .ci/run does it)")
def test_groff_pdf_words_that_pdfium_runs_together_get_their_spaces(tmp_path):
    """bash.pdf (groff through Ghostscript): pdfium reads "command_not_found_handle.Ifthat function" and
    "not savedwhen"; the words are set apart by position, not by a space character (`_missing_spaces`)."""
    doc = load_file(BASH_PDF, BASH_PDF.parent, 10**9)
    t = " ".join(doc.text.split())
    assert "function named command_not_found_handle. If that function exists" in t
    assert "Ifthat" not in t and "savedwhen" not in t
    assert doc.section_at(doc.text.index("A simple command is a sequence of optional variable")) == f"SHELL GRAMMAR{SEP}Simple Commands"


def test_a_password_protected_pdf_is_skipped_with_a_fix_that_works(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from rag.loaders import Unreadable

    plain = make_manual(tmp_path / "plain.pdf")
    w = PdfWriter()
    for page in PdfReader(plain).pages:
        w.add_page(page)
    w.encrypt(user_password="s3cret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as f:
        w.write(f)
    with pytest.raises(Unreadable, match=r"encrypted PDF: .*qpdf --password=PASSWORD --decrypt in\.pdf out\.pdf"):
        load_file(locked, tmp_path, 10**9)


def test_a_bold_lead_in_opens_a_paragraph_but_a_line_bold_throughout_is_a_heading(tmp_path):
    """R-exts.pdf sets "Note:" bold at the start of a body-size line, the rest regular: it was read as a heading,
    "Note: There should be no 'Built' or 'Packaged' fields, as these are added by", the sentence's end under it."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "notes.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 780, "1.1 The DESCRIPTION file")
    c.setFont("Helvetica", 11)
    c.drawString(72, 750, "The file holds basic information about the package in a simple format that")
    c.drawString(72, 737, "tools can read.")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(72, 715, "Note:")
    c.setFont("Helvetica", 11)
    c.drawString(72 + c.stringWidth("Note: ", "Helvetica-Bold", 11), 715, "There should be no Built or Packaged fields, as these are added by")
    c.drawString(72, 702, "the package management tools.")
    c.setFont("Helvetica-Bold", 11)
    c.drawString(72, 680, "Licensing")
    c.setFont("Helvetica", 11)
    c.drawString(72, 667, "The license field names the terms under which the package is distributed.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    note = "Note: There should be no Built or Packaged fields, as these are added by the package management tools."
    assert any(" ".join(t[b.start : b.end].split()) == note and b.kind == "paragraph" for b in doc.blocks)
    assert doc.section_at(t.index("the package management tools")) == "1.1 The DESCRIPTION file"
    assert doc.section_at(t.index("The license field")).endswith("Licensing")  # bold throughout, on a line of its own


def test_a_justified_line_whose_every_space_is_wide_is_prose_and_a_row_of_one_word_cells_stays_a_row(tmp_path):
    """R-exts.pdf p.196: "Passing | a | variable-length | string | from | C | to | Fortran | is | trickier, | but": a
    paragraph's first line of short words that justification spread so far that every space reads as a column gap."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "spread.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    font, size, left, right = "Helvetica", 11, 72, 520
    c.setFont("Helvetica-Bold", 16)
    c.drawString(left, 780, "6.2 Fortran character strings")
    c.setFont(font, size)
    words = "Passing a long string from C to Fortran is trickier, but".split()
    space = (right - left - sum(c.stringWidth(w, font, size) for w in words)) / (len(words) - 1)
    assert space > 1.2 * size  # as wide as a table's gap (rag/pdf_layout.py's _cells)
    x = left
    for w in words:
        c.drawString(x, 755, w)
        x += c.stringWidth(w, font, size) + space
    c.drawString(left, 741, "it can be done by passing the length as a hidden argument.")
    for y, cells in ((700, ("alpha", "beta", "gamma", "delta")), (686, ("1", "2", "3", "4"))):
        for x, cell in zip((72, 140, 300, 380), cells):  # one-word cells at the columns' own places
            c.drawString(x, y, cell)
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    blocks = [(b.kind, " ".join(doc.text[b.start : b.end].split())) for b in doc.blocks]
    assert ("paragraph", "Passing a long string from C to Fortran is trickier, but it can be done by passing the length as a "
                         "hidden argument.") in blocks, blocks
    assert [t for k, t in blocks if k == "table_row"] == ["alpha | beta | gamma | delta", "1 | 2 | 3 | 4"], blocks


def test_a_citation_names_the_printed_page_label_and_the_pdf_page(tmp_path):
    """R-exts.pdf numbers its front matter i-v, so the page printed "5" is the PDF's 12th: a citation said "p. 12"
    and did not say which numbering it used (QA stop 48). Now it says both: "p. 1 (pdf page 3)"."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen import canvas

    from rag.cli import _where
    from rag.pipeline import build
    from rag.settings import Settings

    raw = tmp_path / "raw.pdf"
    c = canvas.Canvas(str(raw), pagesize=(595, 842))
    for body in ("Contents of the small lighthouse manual.", "Preface: this manual describes the lamp room.",
                 "The Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill."):
        c.setFont("Helvetica", 11)
        c.drawString(72, 760, body)
        c.showPage()
    c.save()
    w = PdfWriter(clone_from=PdfReader(str(raw)))
    w.set_page_label(0, 1, style="/r")  # i, ii
    w.set_page_label(2, 2, style="/D", start=1)  # 1
    (tmp_path / "docs").mkdir()
    w.write(str(tmp_path / "docs" / "manual.pdf"))

    doc = load_file(tmp_path / "docs" / "manual.pdf", tmp_path / "docs", 10**9)
    assert doc.page_labels == ("i", "ii", "1")
    chunks = chunk_document(doc, 64, 8)
    assert all(dict(c.page_labels).get(c.page, "") in ("", {1: "i", 2: "ii", 3: "1"}[c.page]) for c in chunks)

    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", reader="off", refusal_threshold=0.0))
    pipe.ingest([tmp_path / "docs"])
    ans = pipe.ask("Who built the Zorblax lighthouse on Marrow Island?")
    cit = next(c for c in ans.citations if "Ada Quill" in c.text)
    assert (cit.page, cit.page_label) == (3, "1") and ans.to_dict()["citations"][cit.n - 1]["page_label"] == "1"
    assert "manual.pdf · p. 1 (pdf page 3)" in _where(cit)
    from ui import render

    assert "p. 1 (pdf page 3)" in render.source_card("t1", ans.to_dict()["citations"][cit.n - 1])  # the UI's source card
    plain = load_file(raw, tmp_path, 10**9)  # no labels: pages are named by their number, as before
    assert plain.page_labels == () and all(c.page_labels == () for c in chunk_document(plain, 64, 8))


def test_a_function_prototype_wrapped_onto_indented_lines_stays_one_row_and_heads_nothing(tmp_path):
    """texinfo's @deftypefun (R-exts.pdf): the prototype, set larger than the body, with "[Function]" at the right
    margin; a long one wraps onto indented lines ("int* ierr)"), which had become headings and the section of the text
    below them. The wrapped words stay in the prototype's row; the text keeps the real section."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "api.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 790, "6.7.2 Mathematical functions")
    y = 760
    for proto, wrapped, text in [("double gammafn (double x)", [], "The Gamma function and its logarithm."),
                                 ("void dpsifn (double x, int n, int kode, int m,", ["double* ans, int* nz,", "int* ierr)"],
                                  "Computes the psi function and its derivatives for positive x."),
                                 ("double beta (double a, double b)", [], "The complete Beta function.")]:
        c.setFont("Helvetica", 12)
        c.drawString(72, y, proto)
        c.drawString(470, y, "[Function]")
        for w in wrapped:
            y -= 13
            c.drawString(120, y, w)
        c.setFont("Helvetica", 10.5)
        for line in (text, "It is accurate for all arguments the function accepts, as the tests show."):
            y -= 13
            c.drawString(100, y, line)
        y -= 20
    doc = _with_body_text(c, path, tmp_path, y, 10.5)
    t = doc.text
    rows = [" ".join(t[b.start:b.end].split()) for b in doc.blocks if b.kind == "table_row"]
    assert "void dpsifn (double x, int n, int kode, int m, double* ans, int* nz, int* ierr) | [Function]" in rows
    assert not any(b.kind == "heading" and "ierr" in t[b.start:b.end] for b in doc.blocks)
    assert doc.section_at(t.index("Computes the psi function")) == "6.7.2 Mathematical functions"
    assert doc.section_at(t.index("The complete Beta function")) == "6.7.2 Mathematical functions"


def test_a_wrapped_prototype_line_that_opens_in_the_arguments_size_stays_in_its_row(tmp_path):
    """nettle.pdf (texinfo): a prototype sets its type words at 12 points and its argument names at 10.9, so a wrapped
    line that opens with an argument ("uint8_t *data)") is the arguments' size, not the first letter's of the row above.
    It had been read as the description's first words ("uint8_t *data) Hash some more data.") and, when a second wrapped
    line opened at 12 points ("authlen, size_t taglen)"), that one had become a heading, the section of the text below
    it (18 such headings, 124 blocks under them). Both wrapped lines stay in the prototype's row."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "nettle.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 790, "7.1.1 Recommended hash functions")

    def mixed(x, y, parts):  # (text, size, font) pieces on one line, as texinfo sets a prototype
        for text, size, font in parts:
            c.setFont(font, size)
            c.drawString(x, y, text)
            x += c.stringWidth(text, font, size)

    y = 760
    for proto, wrapped, text in [
            ([("void ", 12, "Helvetica"), ("sha256_init", 12, "Helvetica-Bold"), (" (struct ", 12, "Helvetica"), ("sha256_ctx *ctx", 10.9, "Helvetica-Oblique"), (")", 12, "Helvetica")],
             [], "Initialize the SHA256 state."),
            ([("void ", 12, "Helvetica"), ("sha256_update", 12, "Helvetica-Bold"), (" (struct ", 12, "Helvetica"), ("sha256_ctx *ctx", 10.9, "Helvetica-Oblique"), (", const", 12, "Helvetica")],
             [[("uint8_t *data", 10.9, "Helvetica-Oblique"), (")", 12, "Helvetica")]], "Hash some more data."),
            ([("void ", 12, "Helvetica"), ("ccm_set_nonce", 12, "Helvetica-Bold"), (" (struct ", 12, "Helvetica"), ("ccm_ctx *ctx", 10.9, "Helvetica-Oblique"), (", const void", 12, "Helvetica")],
             [[("nettle_cipher_func *f, size_t noncelen, const uint8_t *nonce, size_t", 10.9, "Helvetica-Oblique")],
              [("authlen, size_t msglen, size_t taglen", 12, "Helvetica"), (")", 12, "Helvetica")]],
             "Initializes the context with the nonce and the lengths of the message."),
            ([("void ", 12, "Helvetica"), ("sha256_digest", 12, "Helvetica-Bold"), (" (struct ", 12, "Helvetica"), ("sha256_ctx *ctx", 10.9, "Helvetica-Oblique"), (")", 12, "Helvetica")],
             [], "Performs final processing and extracts the message digest.")]:
        mixed(72, y, proto)
        c.setFont("Helvetica", 12)
        c.drawString(470, y, "[Function]")
        for w in wrapped:
            y -= 13
            mixed(122, y, w)
        c.setFont("Helvetica", 10.9)
        for line in (text, "It must be called before any other function of the context, as the tests show."):
            y -= 13
            c.drawString(100, y, line)
        y -= 20
    doc = _with_body_text(c, path, tmp_path, y, 10.9)
    t = doc.text
    rows = [" ".join(t[b.start:b.end].split()) for b in doc.blocks if b.kind == "table_row"]
    assert "void sha256_update (struct sha256_ctx *ctx, const uint8_t *data) | [Function]" in rows
    assert ("void ccm_set_nonce (struct ccm_ctx *ctx, const void nettle_cipher_func *f, size_t noncelen, const uint8_t *nonce, "
            "size_t authlen, size_t msglen, size_t taglen) | [Function]") in rows
    assert not any(b.kind == "heading" and "taglen" in t[b.start:b.end] for b in doc.blocks)
    paras = [t[b.start:b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert any(p.startswith("Hash some more data.") for p in paras)
    assert any(p.startswith("Initializes the context with the nonce") for p in paras)
    for phrase in ("Hash some more data", "Initializes the context", "Performs final processing"):
        assert doc.section_at(t.index(phrase)) == "7.1.1 Recommended hash functions"
    for ch in chunk_document(doc, 300, 0):  # the citation contract
        assert ch.text == t[ch.start:ch.end]


def test_an_underscore_drawn_as_a_rule_is_an_underscore(tmp_path):
    """nettle.pdf (texinfo): "_" outside the typewriter font is a short rule on the baseline, not a glyph, and pdfium read
    the gap as a space: "struct sha256 ctx *ctx, size t length", "SHA512 BLOCK SIZE" (1,881 underscores lost in the
    manual). The gap's rule makes it "_"; a word space without one, a rule under a whole word (an underline), an underline
    drawn piece by piece with a piece under the space, and a rule above the baseline leave the text as it was."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "rules.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 790, "7.1 Hash functions")
    size = 10.9

    def line(y, pieces):  # words, and "_" drawn as texinfo draws it: a kern, a 0.3 em rule 0.1 ex high, a kern
        x = 72
        for p in pieces:
            if p == "_":
                x += 0.07 * size
                c.rect(x, y, 0.3 * size, 0.045 * size, stroke=0, fill=1)
                x += 0.37 * size
            else:
                c.setFont("Helvetica", size)
                c.drawString(x, y, p)
                x += c.stringWidth(p, "Helvetica", size)
        return x

    line(760, ["The context struct sha256", "_", "ctx holds the state; its size is SHA512", "_", "BLOCK", "_", "SIZE octets."])
    line(746, ["Call it with a size", "_", "t length and a const uint8", "_", "t pointer to the data."])
    end = line(732, ["An underlined word here and a struck word there."])
    c.setFont("Helvetica", size)
    w = c.stringWidth("An underlined word", "Helvetica", size)
    c.rect(72 + c.stringWidth("An ", "Helvetica", size), 731, w - c.stringWidth("An ", "Helvetica", size), 0.5, stroke=0, fill=1)  # an underline
    x = 72 + c.stringWidth("An underlined word here and a", "Helvetica", size)
    c.rect(x, 732 + 0.3 * size, 0.3 * size, 0.045 * size, stroke=0, fill=1)  # a short rule above the baseline, in a gap
    c.drawString(72, 718, "Plain words with plain spaces stay as they are, and so does an_underscore glyph.")
    c.drawString(72, 704, "Follow the next page link to go on.")
    x = 72 + c.stringWidth("Follow the ", "Helvetica", size)
    for piece in ("next", " ", "page"):  # a link's underline drawn run by run: the space has its own piece, joined to the others
        w = c.stringWidth(piece, "Helvetica", size)
        c.rect(x, 703, w, 0.6, stroke=0, fill=1)
        x += w
    for i in range(8):
        c.drawString(72, 676 - 13 * i, "This paragraph is ordinary body text that sets the size of the prose on the page.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    assert "The context struct sha256_ctx holds the state; its size is SHA512_BLOCK_SIZE octets." in t
    assert "Call it with a size_t length and a const uint8_t pointer to the data." in t
    assert "An underlined word here and a struck word there." in t
    assert "Plain words with plain spaces stay as they are, and so does an_underscore glyph." in t
    assert "Follow the next page link to go on." in t
    for ch in chunk_document(doc, 300, 0):  # the citation contract
        assert ch.text == t[ch.start:ch.end]


def test_an_identifier_broken_after_its_underscore_joins_without_a_space():
    """R-admin.pdf: "(say, TOP_" / "SRCDIR)" read "TOP_ SRCDIR"; R-ints: "R_" / "NilValue". A line ending in an
    underscore after a letter goes on with the identifier; other lines still join with a space."""
    from rag.pdf_layout import _join

    assert _join("in the top-level source directory (say, TOP_", "SRCDIR). To build in BUILDDIR, run", set()) == \
        "in the top-level source directory (say, TOP_SRCDIR). To build in BUILDDIR, run"
    assert _join("set the environment variable TEST_MC_", "CORES to the maximum", set()) == "set the environment variable TEST_MC_CORES to the maximum"
    assert _join("the default is", "R_NilValue", set()) == "the default is R_NilValue"
    assert _join("a line that ends in a lone _", "then a word", set()) == "a line that ends in a lone _ then a word"


def test_a_chapters_own_contents_list_ends_where_its_text_begins(tmp_path):
    """DocBook typeset by PassiveTeX (the bzip2 manual) opens each chapter with its title, "Table of Contents" and the
    chapter's entries, then the chapter's text on the same page. The whole page had been read as contents: the text
    below the list was never quotable, and the title was an entry, so the chapter's sections sat under the previous one."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "chapters.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 780, "1. Introduction")
    c.setFont("Helvetica", 11)
    c.drawString(72, 750, "The widget tool packs files into small archives for every application.")
    c.showPage()
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 780, "2. How to use widget")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 750, "Table of Contents")
    c.setFont("Helvetica", 11)
    y = 725
    for t, p in [("2.1. NAME", 2), ("2.2. SYNOPSIS", 2), ("2.3. DESCRIPTION", 3), ("2.4. OPTIONS", 4), ("2.5. MEMORY", 5)]:
        c.drawString(72, y, f"{t} {'. ' * 30}{p}")
        y -= 15
    c.drawString(72, y - 15, "This chapter contains a copy of the widget man page, and nothing else.")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, y - 45, "2.1. NAME")
    c.setFont("Helvetica", 11)
    c.drawString(72, y - 70, "The widget tool compresses files using a block sorting algorithm.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    kind_at = {t[b.start : b.end]: b.kind for b in doc.blocks}
    assert kind_at["2. How to use widget"] == "heading"
    assert [b.kind for b in doc.blocks if t[b.start : b.end].startswith("2.1. NAME .")] == ["toc"]
    assert kind_at["This chapter contains a copy of the widget man page, and nothing else."] == "paragraph"
    assert kind_at["The widget tool compresses files using a block sorting algorithm."] == "paragraph"
    assert doc.section_at(t.index("This chapter contains")) == "2. How to use widget"
    assert doc.section_at(t.index("The widget tool compresses")) == f"2. How to use widget{SEP}2.1. NAME"


def test_justified_lines_each_with_one_wide_gap_are_prose_not_rows(tmp_path):
    """TeX widens the space after a sentence's period, so consecutive lines of one justified paragraph can each have
    one wide gap, at different places. The bzip2 manual's -s option and R-exts' DESCRIPTION paragraph had been read as
    two-cell table rows ("Reduce memory usage, ... testing. | Files are decompressed and tested"). Rows of a real table
    share their columns and stay rows."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "gaps.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    y = 780
    for line in ["The program compresses files using a block sorting text compression algorithm and Huffman coding, and",
                 "the compression is generally considerably better than that achieved by more conventional compressors",
                 "based on dictionaries, and it approaches the performance of the statistical compressors of its family."]:
        c.drawRightString(523, y, line)  # a justified paragraph: the page's right text edge
        y -= 12
    y -= 12
    for left, right in [("Reduce memory usage, for compression and for testing.", "Files are decompressed and tested"),
                        ("using a modified algorithm which only requires 2.5 bytes per block.", "This means any file can be")]:
        c.drawString(72, y, left)
        c.drawRightString(523, y, right)
        y -= 12
    c.drawString(72, y, "decompressed in 2300k of memory, albeit at about half the normal speed.")
    y -= 36
    for key, value in [("Compression level one", "needs about twelve hundred kilobytes of memory"),
                       ("Compression level two", "needs about two thousand kilobytes of memory"),
                       ("Compression level three", "needs about twenty-eight hundred kilobytes")]:
        c.drawString(72, y, key)
        c.drawString(300, y, value)
        y -= 12
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    assert ("Reduce memory usage, for compression and for testing. Files are decompressed and tested using a "
            "modified algorithm which only requires 2.5 bytes per block. This means any file can be decompressed in 2300k") in t
    rows = [t[b.start : b.end] for b in doc.blocks if b.kind == "table_row"]
    assert rows == ["Compression level one | needs about twelve hundred kilobytes of memory",
                    "Compression level two | needs about two thousand kilobytes of memory",
                    "Compression level three | needs about twenty-eight hundred kilobytes"], rows


def test_a_line_that_opens_with_a_name_set_smaller_stays_in_its_paragraph(tmp_path):
    """groff sets a variable's name a point smaller ("BASH_XTRACEFD" in 9 pt inside a 10 pt paragraph). bash.pdf's
    lines that open with such a name were read at that size and started a paragraph of their own, so the answer quoted
    "BASH_XTRACEFD to 2 (...) and then unsetting it will result in the", cut off before "standard error being closed"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "shell.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 780, "Shell Variables")
    lines = [("", "If set to an integer corresponding to a valid file descriptor, the shell writes its trace to it."),
             ("TRACE_FD", " to 2 (the standard error file descriptor) and then unsetting it will result in the"),
             ("", "standard error being closed. Any other value is ignored by the shell.")]
    y = 750
    for name, rest in lines:
        t = c.beginText(72, y)
        if name:
            t.setFont("Helvetica", 9)
            t.textOut(name)
        t.setFont("Helvetica", 10)
        t.textOut(rest)
        c.drawText(t)
        y -= 12
    c.setFont("Helvetica", 10)
    c.drawString(72, y - 20, "A paragraph of its own, after a blank line.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    paras = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert len(paras) == 2, paras
    assert " ".join(paras[0].split()).startswith("If set to an integer") and "result in the standard error being closed." in " ".join(paras[0].split()), paras
    assert paras[1] == "A paragraph of its own, after a blank line.", paras
    spans = [c.text[s:e] for c in chunk_document(doc, 400, 0) for s, e in quotable_spans(c)]
    assert any("TRACE_FD to 2" in " ".join(s.split()) and s.rstrip().endswith("being closed.") for s in spans), spans


def test_a_definition_list_without_sentence_ends_keeps_each_term_apart_from_the_definition_above(tmp_path):
    """bash.pdf's FILES: a term ("/etc/profile") at the margin, its definition indented below, with no full stop.
    The next term was read as the end of the definition above it ("The bash executable /etc/profile"), naming the wrong
    file for each. A sentence that a displayed line interrupts ("... the command" / "ls > out" / "directs both ...")
    still goes on as one paragraph."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "files.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 12)
    c.drawString(60, 800, "FILES")
    c.setFont("Helvetica", 10)
    y = 786
    for term, definition in (("/bin/tool", "The tool executable"), ("/etc/toolrc", "The systemwide initialization file, read at login"),
                             ("~/.toolrc", "The personal initialization file")):
        c.drawString(72, y, term)
        c.drawString(108, y - 12, definition)
        y -= 24
    # justified prose at the definitions' indent, so that the page has a right edge to tell a short line by
    prose = ["Note that the order of redirections is significant and that the shell reads them from left to right when",
             "it sets up each command, before the command itself runs in the child process it starts. For example, the command",
             "    ls > out 2>&1",
             "directs both standard output and standard error to the file out, while the shell keeps its own streams as they are",
             "and restores them when the command ends, so that nothing it prints later goes to the file out by accident at all."]
    y -= 12
    for line in prose:
        if line.startswith("    "):
            c.drawString(144, y, line.strip())
        else:
            t = c.beginText(108, y)  # justified: the spaces widened so that the line ends at x = 520
            t.setFont("Helvetica", 10)
            t.setWordSpace((520 - 108 - c.stringWidth(line, "Helvetica", 10)) / max(line.count(" "), 1))
            t.textOut(line)
            c.drawText(t)
        y -= 12
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    paras = [" ".join(doc.text[b.start:b.end].split()) for b in doc.blocks if b.kind == "paragraph"]
    assert "The tool executable" in paras and "The systemwide initialization file, read at login" in paras, paras
    assert "/etc/toolrc" in paras and "~/.toolrc" in paras, paras
    assert not any(p.startswith("The tool executable /etc") for p in paras), paras
    assert any("For example, the command ls > out 2>&1 directs both standard output" in p for p in paras), paras


def _eexec(data: bytes, decrypt: bool, r: int = 55665) -> bytes:
    """Type 1 eexec encryption (Adobe Type 1 Font Format, 7.2) or its inverse."""
    out = bytearray()
    for b in data:
        c = b if decrypt else b ^ (r >> 8)
        out.append(b ^ (r >> 8) if decrypt else c)
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def make_tex_math(path: Path) -> Path:
    """A page whose "|x| ≪ 1" sets "≪" as TeX does: an embedded Type 1 font without a ToUnicode map whose own encoding
    names code 28 "lessmuch" (CMSY10's). Built from reportlab's Times program with its glyph "A" renamed "lessmuch":
    pdfium knows no such name, so it reads the character as its code, U+001C, as it does in R-exts.pdf."""
    import struct

    import reportlab

    from tests.unit.test_pdf_word_export import pdf_bytes, stream

    pfb = (Path(reportlab.__file__).parent / "fonts" / "_er_____.pfb").read_bytes()
    segs, i = [], 0
    while pfb[i + 1] != 3:  # PFB segments: 0x80, type, 4-byte length
        n = struct.unpack("<I", pfb[i + 2 : i + 6])[0]
        segs.append(pfb[i + 6 : i + 6 + n])
        i += 6 + n
    clear = segs[0].replace(b"/Encoding StandardEncoding def", b"/Encoding 256 array\r0 1 255 {1 index exch /.notdef put} for\rdup 28 /lessmuch put\rreadonly def")
    private = _eexec(segs[1], decrypt=True)
    at = private.index(b"/A ", private.index(b"/CharStrings"))
    binary = _eexec(private[:at] + b"/lessmuch" + private[at + 2 :], decrypt=False)
    program = clear + binary + segs[2]
    lines = [[("F2", "The function computes the logarithm of one plus its argument accurately, even for small values")],
             [("F2", "of the argument, that is, when |x| "), ("F1", "\x1c"), ("F2", " 1. It is provided by the platform when it can.")]]
    content = b"".join(b"BT 72 %d Td " % (760 - 14 * k) + b"".join(b"/%s 11 Tf (%s) Tj " % (f.encode(), t.encode("latin-1")) for f, t in runs) + b"ET\n"
                       for k, runs in enumerate(lines))
    path.write_bytes(pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /ABCDEF+CMSY10 /FirstChar 28 /LastChar 28 /Widths [778] /FontDescriptor 7 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", stream(content),
        b"<< /Type /FontDescriptor /FontName /ABCDEF+CMSY10 /Flags 4 /FontBBox [-167 -250 1009 878] /ItalicAngle 0 /Ascent 750 "
        b"/Descent -250 /CapHeight 700 /StemV 50 /FontFile 8 0 R >>",
        stream(program, b"/Length1 %d /Length2 %d /Length3 %d " % (len(clear), len(binary), len(segs[2])))]))
    return path


def test_a_tex_math_glyph_without_a_unicode_map_reads_as_the_character_its_font_names(tmp_path):
    """R-exts.pdf's "|x| ≪ 1" read "|x| \\x1c 1": CMSY10 has no ToUnicode map and pdfium knows no "lessmuch"."""
    import pypdfium2 as pdfium

    path = make_tex_math(tmp_path / "math.pdf")
    assert "|x| \x1c 1" in pdfium.PdfDocument(path.read_bytes())[0].get_textpage().get_text_range()  # (the case it reproduces)
    doc = load_file(path, tmp_path, 10**9)
    assert "that is, when |x| ≪ 1. It is provided" in doc.text
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in doc.text)
    for c in chunk_document(doc, 400, 0):
        assert c.text == doc.text[c.start : c.end]


def test_an_index_has_its_own_section_not_the_last_chapters(tmp_path):
    """bashref.pdf's index letters sat under "Appendix C GNU Free Documentation License": on an index page, "Appendix D
    Indexes" and "D.1 Index of ..." were read as entries (a contents entry is numbered), and R-exts.pdf's unnumbered
    "Function and variable index", ranked by size below the title, went under chapter 8."""
    body = ("Widgets are started from the shell and keep running until they are stopped by the user or by the system. " * 3).split()
    dots = " ." * 30

    def entries(*names: str):
        return [("Helvetica", 9, f"{n}{dots} {12 + k}") for k, n in enumerate(names)]

    path = tmp_path / "guide.pdf"
    pages = [[("Helvetica-Bold", 26, "A Guide to Widgets")],
             [("Helvetica-Bold", 18, "1 Starting widgets")] + [("Helvetica", 11, " ".join(body[k : k + 14])) for k in range(0, len(body), 14)] * 2,
             [("Helvetica-Bold", 18, "Appendix A License"), ("Helvetica-Bold", 14, "ADDENDUM: How to use this License")]
             + [("Helvetica", 11, " ".join(body[k : k + 14])) for k in range(0, len(body), 14)],
             [("Helvetica-Bold", 18, "Appendix B Indexes"), ("Helvetica-Bold", 14, "B.1 Index of Commands"), ("Helvetica-Bold", 14, "A")]
             + entries("alias", "apply") + [("Helvetica-Bold", 14, "B")] + entries("bind", "break"),
             [("Helvetica-Bold", 18, "Concept index"), ("Helvetica-Bold", 14, "E")] + entries("editing", "environment", "expansion")]
    draw_pages(path, pages, gap=8)
    doc = load_file(path, tmp_path, 10**9)
    t = doc.text
    assert doc.section_at(t.index("apply")) == f"Appendix B Indexes{SEP}B.1 Index of Commands{SEP}A"
    assert doc.section_at(t.index("break")) == f"Appendix B Indexes{SEP}B.1 Index of Commands{SEP}B"
    assert doc.section_at(t.index("environment")) == f"Concept index{SEP}E"


def make_code_feet(path: Path) -> Path:
    """Six pages under a running header, with a running footer (and page number) a margin below the text: every page
    ends with a code example whose last line, "endif", sits at the same height; pages 2, 4 and 6 open with the
    "endfunction" that closes the example of the page before, a blank line above the next one; pages 1, 3 and 5 open
    with the same sentence (a docstring repeated for several functions)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, w in enumerate(words, start=1):
        c.setFont("Helvetica", 9)
        c.drawString(72, 800, "ACME Widget Manual")
        c.drawString(72, 40, f"Widget tools, draft edition - page {n}")
        y = 760
        lines: list[tuple[str, str]] = []
        if n % 2 == 0:
            lines += [("Courier", "endfunction"), ("", ""), ("Courier", f"x = {w}_value ();")]
        else:
            lines += [("Helvetica", "When called from inside a function with the local option, the variable is"),
                      ("Helvetica", "changed for the function and the subroutines it calls only.")]
        lines += [("Helvetica", f"The {w} example below shows how a loop visits the elements of a vector,")]
        lines += [("Helvetica", f"filler text about {w} number {i} that keeps the page full down to its code.") for i in range(len(lines), 41)]
        lines += [("Helvetica", "The loop prints the even elements:"),
                  ("Courier", f"for x = {w}_vector"), ("Courier", "  if (rem (x, 2) == 0)"), ("Courier", '    printf ("%d", x);'), ("Courier", "  endif")]
        for font, text in lines:
            if text:
                c.setFont(font, 11)
                c.drawString(72, y, text)
            y -= 15
        c.showPage()
    c.save()
    return path


def test_a_code_examples_last_line_at_the_same_place_on_every_page_is_no_footer(tmp_path):
    """octave.pdf: "endif", "endfor" and "endfunction" closing a code example at the foot or head of many pages were
    dropped as a running footer or header (they repeat at the same height); a running line is set apart from the text
    by a margin, those go on with it. The real header, footer and page numbers still go."""
    path = make_code_feet(tmp_path / "feet.pdf")
    doc = load_file(path, tmp_path, 10**9)
    lines = [ln.strip() for ln in doc.text.split("\n")]
    assert "ACME Widget Manual" not in doc.text and "draft edition" not in doc.text
    assert lines.count("endif") == 6, doc.text[-400:]
    assert lines.count("endfunction") == 3
    assert doc.text.count("When called from inside a function with the local option") == 3
    for b in doc.blocks:
        assert "endif" not in doc.text[b.start:b.end] or b.kind == "code"
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start:ch.end]


def make_option_list(path: Path) -> Path:
    """A texinfo @table of command-line options as octave.pdf sets it: option names fixed-pitch at the margin, one a line,
    the description indented under its own column, on the next line or after the last name across a gap."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 780, "2.1.1 Command Line Options")
    c.setFont("Helvetica", 11)
    c.drawString(72, 755, "Here is a complete list of the command line options that the program accepts.")
    y = 730
    entries = [(["--debug"], None, ["Enter parser debugging mode. Using this option will cause the parser to",
                                    "print a lot of information about the commands it reads."]),
               (["--norc"], "-f", ["Don't read any of the system or user initialization files at",
                                   "startup. This is equivalent to using both of the other options."]),
               ([], "--gui", ["Start the graphical user interface."]),
               (["--silent", "--quiet"], "-q", ["Don't print the usual greeting and version message."])]
    for names, lead, text in entries:
        for name in names:
            c.setFont("Courier", 11)
            c.drawString(72, y, name)
            y -= 13
        if lead is None:
            y -= 0
        else:
            c.setFont("Courier", 11)
            c.drawString(72, y, lead)
        c.setFont("Helvetica", 11)
        for t in text:
            c.drawString(130, y, t)
            y -= 13
        y -= 6
    c.drawString(72, y - 10, "The options may be given in any order, and later ones override earlier ones.")
    c.setFont("Courier", 11)
    c.drawString(72, y - 36, "--norc")
    c.setFont("Helvetica", 11)
    c.drawString(72, y - 60, "The line above is a command of its own, shown as code.")
    c.showPage()
    c.save()
    return path


def test_an_option_entry_keeps_its_names_with_its_description(tmp_path):
    """octave.pdf's "Command Line Options" read each option's names as a code block ("--norc") and its description as
    a row of its own ("-f | Don't read any of ..."), so "which option stops reading the initialization files" could not
    find --norc with what it does. Each entry is one row: its names | its description."""
    doc = load_file(make_option_list(tmp_path / "options.pdf").resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    rows = [t for k, t in blocks if k == "table_row"]
    assert rows == ["--debug | Enter parser debugging mode. Using this option will cause the parser to print a lot of information about "
                    "the commands it reads.",
                    "--norc, -f | Don't read any of the system or user initialization files at startup. This is equivalent to using "
                    "both of the other options.",
                    "--gui | Start the graphical user interface.",
                    "--silent, --quiet, -q | Don't print the usual greeting and version message."], blocks
    assert ("paragraph", "The options may be given in any order, and later ones override earlier ones.") in blocks
    assert ("code", "--norc") in blocks  # option names with no description under them stay code
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start:ch.end]


def make_fop_option_list(path: Path) -> Path:
    """valgrind_manual.pdf's option list as DocBook through FOP sets it: each term fixed-pitch at the margin (x 73) with
    its argument and default, the description 17 pt in on the next line, a paragraph's space (22.5 pt) below; prose at
    the description's indent; code examples set at the margin too."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    y = 740.0

    def put(font: str, x: float, text: str, down: float = 12.0):
        nonlocal y
        c.setFont(font, 10)
        c.drawString(x, y, text)
        y -= down

    for i in range(16):  # (a paragraph's lines set the line pitch, 12 pt)
        put("Times-Roman", 90, f"Filler prose line {i} of the manual's text about the core, which goes on for a while", 12 if i < 15 else 22.5)
    put("Times-Roman", 90, "These options apply to all tools. Run the tool with a command line such as:", 22.5)
    put("Courier", 73, "valgrind --tool=memcheck --num-callers=20 ./myprog", 22.5)
    put("Times-Roman", 90, "Each option is described below, with its default value in brackets after it.", 22.5)
    put("Courier", 73, "--num-callers=<number> [default: 12]", 22.5)
    put("Times-Roman", 90, "Specifies the maximum number of entries shown in stack traces that identify program locations.")
    put("Times-Roman", 90, "Note that errors are commoned up using only the top four function locations.", 22.5)
    put("Times-Roman", 90, "The maximum value for this is 500.", 22.5)
    put("Courier", 73, "--smc-check=<none|stack|all> [default: all-non-file for x86/")
    put("Courier", 73, "s390x, stack for other archs]", 22.5)
    put("Times-Roman", 90, "This option controls Valgrind's detection of self-modifying code.", 22.5)
    put("Times-Roman", 90, "An example that sets two of them, the second on a line of its own:", 22.5)
    put("Courier", 73, "valgrind --tool=memcheck")
    put("Courier", 73, "--error-limit=no ./myprog", 22.5)
    put("Times-Roman", 90, "Both lines are one command.", 22.5)
    c.showPage()
    c.save()
    return path


def test_a_fop_option_entry_is_one_row_of_its_term_and_description(tmp_path):
    """valgrind_manual.pdf (DocBook through FOP) read "--num-callers=<number> [default: 12]" as a code block, never
    quoted, and its description as a paragraph that does not name the option, so "How many entries does Valgrind show
    in stack traces by default?" was answered from the release notes. Each entry is one row: term | description; a code
    example at the margin, with no option opening it or with a code line right above, stays code."""
    doc = load_file(make_fop_option_list(tmp_path / "fop.pdf").resolve(), tmp_path.resolve(), 10**9)
    blocks = [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]
    rows = [t for k, t in blocks if k == "table_row"]
    assert rows == ["--num-callers=<number> [default: 12] | Specifies the maximum number of entries shown in stack traces that "
                    "identify program locations. Note that errors are commoned up using only the top four function locations.",
                    "--smc-check=<none|stack|all> [default: all-non-file for x86/s390x, stack for other archs] | This option "
                    "controls Valgrind's detection of self-modifying code."], blocks
    assert ("paragraph", "The maximum value for this is 500.") in blocks
    assert ("code", "valgrind --tool=memcheck --num-callers=20 ./myprog") in blocks
    assert ("code", "valgrind --tool=memcheck\n--error-limit=no ./myprog") in blocks
    assert ("paragraph", "Both lines are one command.") in blocks
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start:ch.end]


def make_hyphen_at_foot(path: Path) -> Path:
    """Pages whose last line ends in a word hyphenated onto the next page, above a running footer (bash.pdf's page 71):
    pdfium reads the line and the footer as one line, "... or a non<hyphen>GNU Bash 5.2 2022 September 19 1"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, 5):
        c.setFont("Times-Roman", 10)
        y = 400
        if n == 2:
            c.drawString(72, y, "existent directory stack element is specified.")
            y -= 12
        for i in range(25):
            c.drawString(72, y, f"Filler text of page {n}, line {i}, that goes on for a while as a paragraph's prose does,")
            y -= 12
        c.drawString(72, y, "and when rotating the stack, pushd returns 0 unless the stack is empty or a non-" if n == 1 else
                     f"and more text follows on page {n}.")
        c.drawString(72, 40, f"GNU Bash 5.2 2022 September 19 {n}")
        c.showPage()
    c.save()
    return path


def test_a_line_hyphenated_onto_the_next_page_is_kept_and_the_footer_pdfium_joins_to_it_dropped(tmp_path):
    doc = load_file(make_hyphen_at_foot(tmp_path / "foot.pdf").resolve(), tmp_path.resolve(), 10**9)
    assert "GNU Bash" not in doc.text and "September" not in doc.text
    assert "the stack is empty or a nonexistent directory stack element is specified." in doc.text, doc.text[-900:]
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start:ch.end]


def _without_metadata(path: Path) -> Path:
    """The PDF at `path` rewritten without its document information (reportlab always writes a /Title, "untitled"):
    as texinfo's manuals come, with no /Title."""
    import pypdfium2 as pdfium

    src, out = pdfium.PdfDocument(str(path)), pdfium.PdfDocument.new()
    out.import_pages(src)
    out.save(str(path))
    return path


def test_a_pdf_without_title_metadata_is_titled_by_its_title_page_else_by_its_file_name(tmp_path):
    """octave.pdf and R's manuals have no /Title: they were titled "octave", "R-intro". The title page's largest line
    ("GNU Octave") is the title when it stands well above the body text's size; not a numbered chapter heading."""
    def make(name: str, title: tuple[str, int], pages: int = 3) -> Path:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        c = canvas.Canvas(str(tmp_path / name), pagesize=A4)
        c.setFont("Helvetica", title[1])
        c.drawString(72, 600, title[0])
        c.setFont("Helvetica", 11)
        c.drawString(72, 570, "A high-level interactive language for numerical computations")
        c.showPage()
        for n in range(pages):
            c.setFont("Helvetica", 11)
            for i in range(30):
                c.drawString(72, 760 - 14 * i, f"Body text of page {n}, line {i}, in the size most of the document is set in.")
            c.showPage()
        c.save()
        return _without_metadata(tmp_path / name)

    assert pdf_layout_title(make("octave-part1.pdf", ("GNU Octave", 24))) == "GNU Octave"
    assert load_file(tmp_path / "octave-part1.pdf", tmp_path, 10**9).title == "GNU Octave"
    assert load_file(make("same_size.pdf", ("Getting Started", 12)), tmp_path, 10**9).title == "same size"  # no larger than the text
    assert load_file(make("chapter_one.pdf", ("1 Introduction", 24)), tmp_path, 10**9).title == "chapter one"  # a chapter's heading


def pdf_layout_title(path: Path) -> str | None:
    from rag import pdf_layout

    return pdf_layout.extract(path.read_bytes())[2]


def test_a_page_number_close_under_the_last_line_is_still_a_footer(tmp_path):
    """fontconfig-user.pdf: its page numbers sit a pitch and a half under the text, so a page that ends in a code
    example or a table row kept its number as the text's last line ("<family>Courier</family>" / "10" / "<prefer>...").
    A bare number that counts the pages is a page number however close the text comes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "folios.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, 7):
        y = 760
        for i in range(44):
            c.setFont("Helvetica", 11)
            c.drawString(72, y, f"Filler sentence {i} of page {n} that keeps the text running down to the foot")
            y -= 15
        c.setFont("Courier", 11)
        c.drawString(72, y, f"<family>Courier{n}</family>")
        c.setFont("Helvetica", 11)
        c.drawString(300 if n % 2 else 72, y - 20, str(n))  # 1.33 pitches below
        c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    lines = [ln.strip() for ln in doc.text.split("\n")]
    assert not any(re.fullmatch(r"\d", ln) for ln in lines), doc.text[-300:]
    assert lines.count("<family>Courier3</family>") == 1


def make_dblatex_examples(path: Path) -> Path:
    """A page set as dblatex sets fontconfig-user.pdf: prose in Helvetica; an XML example in NimbusMonL-Regu (URW's
    Courier) whose angle brackets come from TeX's math font CMMI9; and an ASCII table in that font, a header over a
    rule of dashes, one row with a cell that fills its column ("FT_Face", then a single space's gap before the next column)."""
    from tests.unit.test_pdf_word_export import pdf_bytes, stream

    def esc(t: str) -> bytes:
        return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")

    rows: list[list[tuple[float, str, str]]] = [  # (x, font, text) runs of each line, from the top down
        [(72, "F2", "This is an example of a system-wide configuration file, set in the usual body type.")],
        [(72, "F3", "<"), (77.4, "F1", "alias>")],
        [(77.4, "F3", "<"), (82.8, "F1", "family>Courier</family>")],
        [(77.4, "F3", "<"), (82.8, "F1", "prefer><family>Courier New</family></prefer>")],
        [(72, "F3", "<"), (77.4, "F1", "/alias>")],
        [(72, "F2", "The properties are listed in the table below, with their types and meanings.")],
        [(72, "F1", "Property"), (180, "F1", "Type"), (223.2, "F1", "Description")],
        [(72, "F1", "-" * 40)],
        [(72, "F1", "family"), (180, "F1", "String"), (223.2, "F1", "Font family names")],
        [(72, "F1", "ftface"), (180, "F1", "FT_Face"), (223.2, "F1", "Use the specified FreeType face object")],
        [(72, "F1", "size"), (180, "F1", "Double"), (223.2, "F1", "Point size")],
        [(72, "F2", "That is all there is to say about the properties of a font for now.")],
    ]
    content = b"".join(b"BT " + b"".join(b"/%s 9 Tf 1 0 0 1 %.1f %d Tm (%s) Tj " % (f.encode(), x, 760 - 12 * k, esc(t)) for x, f, t in runs) + b"ET\n"
                       for k, runs in enumerate(rows))
    path.write_bytes(pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 5 0 R /F3 7 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /NimbusMonL-Regu /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", stream(content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /CMMI9 /Encoding /WinAnsiEncoding >>"]))
    return path


def test_an_xml_example_in_urw_courier_is_code_and_an_ascii_table_keeps_its_columns(tmp_path):
    """fontconfig-user.pdf: its examples, in NimbusMonL-Regu with "<" and ">" from CMMI9, were read as prose, one
    paragraph each; its ASCII tables kept the rule of dashes as a paragraph, and a cell that fills its column lost its
    separator ("ftface | FT_Face Use the specified ..."). The example is one code block, line by line, with its indent; the table's
    header heads its rows, the rule is no text, and each row has the header's three columns."""
    doc = load_file(make_dblatex_examples(tmp_path / "dblatex.pdf"), tmp_path, 10**9)
    blocks = {doc.text[b.start : b.end]: b.kind for b in doc.blocks}
    # (the inner lines are set one character in: 77.4 - 72 = 5.4 pt, Courier's width at 9 pt)
    assert blocks.get("<alias>\n <family>Courier</family>\n <prefer><family>Courier New</family></prefer>\n</alias>") == "code", blocks
    assert blocks.get("Property | Type | Description") == "table_head", blocks
    assert blocks.get("ftface | FT_Face | Use the specified FreeType face object") == "table_row", blocks
    assert blocks.get("size | Double | Point size") == "table_row", blocks
    assert "----" not in doc.text
    assert blocks.get("That is all there is to say about the properties of a font for now.") == "paragraph"
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start : ch.end]


def test_a_wrapped_line_that_opens_with_smaller_element_names_stays_in_its_sentence(tmp_path):
    """fontconfig-user.pdf sets element names a point smaller than its text, so a wrapped line made mostly of them
    ("<cachedir>, <include>, <match> and <alias> elements in any order.") differs in size from the paragraph by its
    first letter and by most of its letters, and was cut off as a paragraph of its own in the middle of the sentence.
    It goes on with the sentence left open above it; a paragraph after a sentence's end still starts anew."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "tags.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    lines = [[("Helvetica", 10, "The configuration file is an XML document; the sections below describe its elements one by one,")],
             [("Helvetica", 10, "each with the attributes it takes and the elements it may hold, in the order they nest.")],
             [("Helvetica", 10, "This is the top level element for a font configuration and can contain "), ("Courier", 9, "<dir>,")],
             [("Courier", 9, "<cachedir>, <include>, <match>"), ("Helvetica", 10, " and "), ("Courier", 9, "<alias>"),
              ("Helvetica", 10, " elements in any order.")],
             [("Courier", 9, "<alias>"), ("Helvetica", 10, " elements name the families to try in the order they are given, one by one.")]]
    y = 760
    for runs in lines:
        t = c.beginText(72, y)
        for font, size, text in runs:
            t.setFont(font, size)
            t.textOut(text)
        c.drawText(t)
        y -= 24 if runs is lines[-2] else 12  # (a blank line before the last paragraph)
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    paras = [doc.text[b.start : b.end] for b in doc.blocks]
    assert any(p.endswith("in the order they nest. This is the top level element for a font configuration and can contain <dir>, "
                          "<cachedir>, <include>, <match> and <alias> elements in any order.") for p in paras), paras
    assert any(p.startswith("<alias> elements name the families") for p in paras), paras


def _lines_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page A4 PDF with `lines` set in 10 pt Helvetica at a 12 pt pitch from the left margin."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    for k, text in enumerate(lines):
        c.drawString(72, 760 - 12 * k, text)
    c.showPage()
    c.save()
    return path


def test_a_compounds_hyphen_at_a_line_end_stays_and_a_hyphen_before_a_name_joins_without_a_space(tmp_path):
    """fontconfig-user.pdf: "comma-" / "separated" read "commaseparated" (pdfium marks the hyphen as a break; the
    document spells "separated" and "commas" but never "commaseparated"), and "cache-" / "<version>" read
    "cache- <version>". A word hyphenated only by the line break ("infor-" / "mation", "cus-" / "tomization") still joins."""
    path = _lines_pdf(tmp_path / "hyphens.pdf", [
        "The variable holds a list of object names; the names in that list are separated with commas, and each",
        "names one property of a pattern. The filter variable takes a comma-",
        "separated list of object names. Each cache file is named after its architecture: arch.cache-",
        "<version>, where <version> counts up. The library keeps font infor-",
        "mation in the cache, and a user may ask for any cus-",
        "tomization of the fonts it lists; that is the information a font holds."])
    doc = load_file(path, tmp_path, 10**9)
    assert "takes a comma-separated list of object names" in doc.text, doc.text
    assert "arch.cache-<version>, where" in doc.text
    assert "keeps font information in the cache" in doc.text and "any customization of the fonts" in doc.text


def test_a_code_example_split_by_a_page_break_is_one_code_block(tmp_path):
    """fontconfig-user.pdf's Courier alias ran from "<family>Courier</family>" at the foot of p. 10 to
    "<prefer><family>Courier New</family></prefer>" at the head of p. 11: two code blocks (with the page number
    between them before _folios). A fixed-pitch line that opens a page goes on with the code that ended the page before."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "split.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    pages = [[("Helvetica", f"Filler sentence {i} that keeps the text running down to the foot of the page.") for i in range(44)]
             + [("Courier", "<alias>"), ("Courier", "  <family>Courier</family>")],
             [("Courier", "  <prefer><family>Courier New</family></prefer>"), ("Courier", "</alias>"),
              ("Helvetica", "That is the end of the example, and this sentence is prose again.")]]
    for n, page in enumerate(pages, start=1):
        y = 760
        for font, text in page:
            c.setFont(font, 11)
            c.drawString(72, y, text)
            y -= 15
        c.setFont("Helvetica", 11)
        c.drawString(300, 40, str(n))
        c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    code = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "code"]
    assert code == ["<alias>\n  <family>Courier</family>\n  <prefer><family>Courier New</family></prefer>\n</alias>"], code  # (indents: each page's own)


def test_a_running_header_that_names_the_chapter_and_section_is_dropped_and_the_sentence_under_it_joins(tmp_path):
    """dblatex (the Debian FAQ, debmake-doc): each page's top line names its chapter and section, "CHAPTER 7. BASICS OF
    THE DEBIAN PACKAGE… 7.3. WHY ARE DEBIAN PACKAGE FILE NAMES…", so its words change from page to page; it had been
    kept as a paragraph or a table row that split the sentence running on over the page break. A chapter's title at
    the top of its first page, set larger, stays a heading."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "faq.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    pages = [(1, "WIDGETS", None), (1, "WIDGETS", "1.2. HOW ARE WIDGETS MADE?"), (1, "WIDGETS", "1.4. WHO SELLS THEM?"),
             (1, "WIDGETS", "1.5. WHERE ARE WIDGETS KEPT?"), (2, "GADGETS", None), (2, "GADGETS", "2.2. WHAT IS A GADGET…"),
             (2, "GADGETS", "2.3. WHY GADGETS?"), (2, "GADGETS", "2.5. HOW LONG DO THEY LAST?")]
    for n, (ch, title, section) in enumerate(pages, start=1):
        y = 700
        if section is None:
            c.setFont("Helvetica-Bold", 20)
            c.drawString(72, y, f"Chapter {ch}")
            y -= 40
        else:
            c.setFont("Helvetica", 10)
            c.drawString(72, 798, f"CHAPTER {ch}. {title}")
            c.drawString(330, 798, section)
            y = 760
        c.setFont("Helvetica", 10)
        first = f"continues on page {n}, where the body says more." if n > 1 else "Widgets are made of parts."
        body = [f"{first} Each line is a sentence",
                f"of the page's body, and the last one runs on to the next page after number {n} and"]
        for k, text in enumerate(body):
            c.drawString(72, y - 12 * k, text)
        c.drawString(300, 35, str(n))
        c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    assert "CHAPTER" not in doc.text and "WHO SELLS" not in doc.text, doc.text
    assert "runs on to the next page after number 3 and continues on page 4, where" in doc.text
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert headings == ["Chapter 1", "Chapter 2"], headings


def test_a_hyphen_after_a_closing_angle_bracket_joins_the_name_on_the_next_line_without_a_space(tmp_path):
    """The Debian FAQ: "<foo>_<VersionNumber>-" / "<DebianRevisionNumber>_<DebianArchitecture>.deb" read
    "<VersionNumber>- <DebianRevisionNumber>"."""
    path = _lines_pdf(tmp_path / "names.pdf", [
        "The Debian binary package file names conform to the following convention: <foo>_<VersionNumber>-",
        "<DebianRevisionNumber>_<DebianArchitecture>.deb and the name of the package comes first in it."])
    doc = load_file(path, tmp_path, 10**9)
    assert "<foo>_<VersionNumber>-<DebianRevisionNumber>_<DebianArchitecture>.deb and" in doc.text, doc.text


def test_a_numbered_table_title_is_a_caption_and_heads_the_plain_header_row_under_it(tmp_path):
    """debmake-doc (dblatex): "Table 5.1 The multiarch library path options" over a table whose header row is set like
    its rows. The title was a quotable paragraph and the header a row, quoted alone as the answer to "What is the
    amd64 multiarch path for /usr/lib/?" ("Classic path | i386 multiarch path | amd64 multiarch path")."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "multiarch.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(72, 760, "Debian policy makes an exception to the Filesystem Hierarchy Standard for multiarch libraries.")
    y = 730
    for title, rows in (("Table 5.1 The multiarch library path options",
                         [("Classic path", "i386 multiarch path", "amd64 multiarch path"), ("/lib/", "/lib/i386-linux-gnu/", "/lib/x86_64-linux-gnu/"),
                          ("/usr/lib/", "/usr/lib/i386-linux-gnu/", "/usr/lib/x86_64-linux-gnu/")]),
                        ("Table 5.2 shows the sizes we measured.", [("small", "10", "12"), ("large", "20", "24")])):
        c.drawString(72, y, title)
        y -= 16
        for row in rows:
            for x, cell in zip((80, 220, 400), row):
                c.drawString(x, y, cell)
            y -= 13
        y -= 20
        c.drawString(72, y, "The text goes on after the table with a sentence of its own.")
        y -= 30
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    kinds = {doc.text[b.start:b.end]: (b.kind, b.head) for b in doc.blocks}
    assert kinds["Table 5.1 The multiarch library path options"][0] == "caption", kinds
    assert kinds["Classic path | i386 multiarch path | amd64 multiarch path"][0] == "table_head"
    assert kinds["/usr/lib/ | /usr/lib/i386-linux-gnu/ | /usr/lib/x86_64-linux-gnu/"] == ("table_row", "Classic path | i386 multiarch path | amd64 multiarch path")
    assert kinds["Table 5.2 shows the sizes we measured."][0] == "paragraph"  # a sentence, no title
    assert kinds["small | 10 | 12"] == ("table_row", "")


def test_latex_opening_quotes_read_as_a_no_break_space_and_a_stray_grave_become_a_quote_one_for_one():
    """The Debian FAQ's "`stable'": pdfium gave "tagged \\xa0stable’ ̀ it will" (73 stray graves, in quotable text and in
    section titles: "2.2 Are there package upgrades in stable’? ̀"). The text keeps its length (indices are boxes')."""
    from rag.pdf_layout import _GONE, _tex_quotes

    for raw, shown in (("released and tagged \xa0stable’ \u0300 it will", "released and tagged ‘stable’ it will"),
                       ("symlinks for \xa0\u0300frozen’ and \xa0unstable’? \u0300 I thought", "symlinks for ‘frozen’ and ‘unstable’? I thought"),
                       ("See Section\xa012.1 for more.", "See Section\xa012.1 for more."),
                       ("a grave on a letter: e\u0300 stays", "a grave on a letter: e\u0300 stays")):
        out = _tex_quotes(raw)
        assert len(out) == len(raw) and out.replace(_GONE, "") == shown


def test_a_hyphen_before_a_capital_at_a_line_end_is_the_authors(tmp_path):
    """crc-doc.1.0.pdf: "February-" / "March 2007" read "FebruaryMarch 2007" (a hyphenated word goes on in lower case;
    a capital after the break opens a word of its own). A word hyphenated by the break still joins."""
    path = _lines_pdf(tmp_path / "capital.pdf", [
        "The special case was implemented by the authors in February-",
        "March 2007 and was used by a couple of products. The library keeps font infor-",
        "mation in the cache; the text is plain English, and non-",
        "English text is kept as it is."])
    doc = load_file(path, tmp_path, 10**9)
    assert "in February-March 2007 and" in doc.text, doc.text
    assert "keeps font information in the cache" in doc.text
    assert "and non-English text" in doc.text


def test_a_capital_after_pdfiums_soft_hyphen_keeps_the_hyphen():
    from rag.pdf_layout import SOFT_HYPHEN, _dehyphenate

    assert _dehyphenate(f"in February{SOFT_HYPHEN}March 2007, infor{SOFT_HYPHEN}mation", set()) == "in February-March 2007, information"


def _section_number_pdf(path: Path) -> Path:
    """LaTeX's \\section: a bold 14 pt number, a quad, then the title; 10 pt prose under it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    y = 760
    for number, title, prose in (("1", "Definition of terms", "A checksum is a short value computed from a message so that a change to the message shows."),
                                 ("2", "Related work", "Cyclic codes were proposed by Peterson and Brown in 1961, and a table-driven method followed."),
                                 ("2.1", "Later methods", "Several later methods read the data a word at a time instead of a byte at a time.")):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, y, number)
        c.drawString(72 + 14 * (len(number) + 1.5), y, title)
        y -= 22
        c.setFont("Helvetica", 10)
        c.drawString(72, y, prose)
        y -= 30
    c.showPage()
    c.save()
    return path


def test_a_section_number_set_a_quad_apart_from_its_title_is_a_heading_not_a_table_row(tmp_path):
    """crc-doc.1.0.pdf (LaTeX article): "2   Related work" was a two-cell table row "2 | Related work", so the text under
    it went under the heading before it ("Contents")."""
    doc = load_file(_section_number_pdf(tmp_path / "sections.pdf"), tmp_path, 10**9)
    blocks = [(sp.kind, sp.section, doc.text[sp.start:sp.end]) for sp in doc.blocks]
    assert ("heading", "2 Related work", "2 Related work") in blocks, blocks
    assert not [b for b in blocks if b[0] == "table_row"], blocks
    prose = next(b for b in blocks if b[2].startswith("Cyclic codes"))
    assert prose[1] == "2 Related work"
    assert next(b for b in blocks if b[2].startswith("Several later"))[1] == "2 Related work › 2.1 Later methods"


def test_a_glyph_pdfium_reads_as_unicode_zero_keeps_the_indices_of_the_characters_after_it(monkeypatch):
    """pdfium's text leaves out a character whose Unicode value is 0 (a TeX math extension glyph: the big parentheses of a
    displayed formula), so each later index pointed at the box of a character before it; `_page_text` keeps its place."""
    import pypdfium2.raw as raw

    from rag import pdf_layout

    codes = [ord(c) for c in "x = "] + [0] + [ord(c) for c in "(a)\r\nCyclic"] + [0, 0] + [ord(c) for c in " codes"]

    class Page:
        raw = None

        def get_text_range(self):
            return "".join(chr(c) for c in codes if c)

        def count_chars(self):
            return len(codes)

    monkeypatch.setattr(raw, "FPDFText_GetUnicode", lambda _tp, k: codes[k])
    text = pdf_layout._page_text(Page())
    assert len(text) == len(codes)
    assert [ord(c) for c in text] == codes  # (a dropped glyph is _GONE, "\x00", in its place)
    assert text.replace(pdf_layout._GONE, "") == "x = (a)\r\nCyclic codes"


CRC_PDF = Path("/usr/share/doc/zlib1g-dev/crc-doc.1.0.pdf.gz")


@pytest.mark.skipif(not CRC_PDF.exists(), reason="zlib1g-dev is not installed (its crc-doc.1.0.pdf.gz)")
def test_a_latex_paper_with_displayed_formulas_reads_its_prose_and_sections(tmp_path):
    """zlib's crc-doc.1.0.pdf (MiKTeX): page 3's prose was table rows of letters split off their words ("C yclic R edundancy
    | C hecks"), its sections two-cell rows, and the sentence over the page 3/4 break cut at the page's end."""
    import gzip

    path = tmp_path / "crc-doc.1.0.pdf"
    path.write_bytes(gzip.decompress(CRC_PDF.read_bytes()))
    doc = load_file(path, tmp_path, 10**9)
    blocks = [(sp.kind, sp.section, doc.text[sp.start:sp.end]) for sp in doc.blocks]
    para = next(b for b in blocks if b[2].startswith("Cyclic Redundancy Checks (CRCs) were proposed by Peterson and Brown [PB61] in 1961."))
    assert para[0] == "paragraph" and para[1] == "2 Related work"
    assert "and 32 or 64-bit generating polynomials was implemented by the authors in February-March 2007" in doc.text
    assert ("heading", "5 Experimental results", "5 Experimental results") in blocks
    assert ("heading", "3 CRC tricks and tips › 3.1 Incremental CRC computation", "3.1 Incremental CRC computation") in blocks
    assert not [b for b in blocks if b[2] in ("2 | Related work", "5 | Experimental results", "3.1 | Incremental CRC computation")]


def make_python_example(path: Path) -> Path:
    """A page set as reportlab's user guide sets its examples: a lead-in in Helvetica, then Courier lines whose
    indentation is their x position (each line drawn at its own x, no leading spaces), then a sentence."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(72, 760, "A simple example program that uses a canvas follows.")
    code = [(0, "from reportlab.pdfgen import canvas"), (0, "def hello(c):"), (4, 'c.drawString(100,100,"Hello World")'),
            (4, "if c:"), (8, "c.showPage()"), (0, 'c = canvas.Canvas("hello.pdf")'), (0, "hello(c)"), (0, "c.save()")]
    y = 740
    for n, text in code:
        c.setFont("Courier", 10)
        c.drawString(80 + 6 * n, y, text)  # Courier's characters are 0.6 em wide: 6 pt at 10 pt
        y -= 12
    c.setFont("Helvetica", 10)
    c.drawString(72, y - 10, "The above code creates a canvas object which will generate a PDF file named hello.pdf.")
    c.showPage()
    c.save()
    return path


def test_a_code_examples_lines_keep_their_indent(tmp_path):
    """reportlab-userguide.pdf (D2 of the PDF manuals trial): every code example read flush left, "def hello(c):" over
    an unindented body, which is no Python. Each fixed-pitch line gets its indent back as spaces, (its x - the block's
    least x) / the character width; the spaces are the document text (chunks quote it exactly), and a quoted example is
    shown with its relative indent."""
    from rag.blocks import shown_code

    doc = load_file(make_python_example(tmp_path / "example.pdf"), tmp_path, 10**9)
    code = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "code"]
    want = ('from reportlab.pdfgen import canvas\ndef hello(c):\n    c.drawString(100,100,"Hello World")\n    if c:\n        c.showPage()\n'
            'c = canvas.Canvas("hello.pdf")\nhello(c)\nc.save()')
    assert code == [want], code
    chunks = chunk_document(doc, 400, 0)
    for ch in chunks:
        assert ch.text == doc.text[ch.start : ch.end]
    ch = next(ch for ch in chunks if "def hello" in ch.text)
    shown = shown_code(" ".join(want.split()), ch)
    assert shown == f"```\n{want}\n```", shown


def test_a_code_block_whose_first_line_is_indented_keeps_it_before_its_span():
    """A code block's first line indented past a later one (an example that opens inside a function): the indent is in
    the document text, before the block's span, so the span quotes its text and shown_code still sees the indent."""
    from rag.blocks import Block, assemble

    text, _, spans = assemble([Block("paragraph", "Lead in:", (), 1), Block("code", "    return x\nend", (), 1)], 1, code_indent=True)
    assert text == "Lead in:\n\n    return x\nend"
    assert text[spans[1].start : spans[1].end] == "return x\nend"


def test_an_option_broken_after_its_dashes_joins_without_a_space_but_a_dash_in_prose_keeps_it(tmp_path):
    """valgrind_manual.pdf (D6 of the PDF manuals trial): "Alternatively, the Valgrind option --" / "read-inline-info=yes"
    read "-- read-inline-info=yes", which a search for the option misses. The joined "--name" is an option when the
    document spells it so elsewhere; valgrind's " -- " dash in prose ("deep --" / "in other words") keeps its space."""
    path = _lines_pdf(tmp_path / "options.pdf", [
        "Valgrind reads inlined calls when it starts if it is given --read-inline-info=yes on its command line, and",
        "then it shows the inlined frames in every stack trace it prints. Alternatively, the Valgrind option --",
        "read-inline-info=yes instructs Valgrind to read that information for the program only. The stack is deep --",
        "in other words, it holds many frames, and each of them is shown with its file name and its line number."])
    doc = load_file(path, tmp_path, 10**9)
    assert "the Valgrind option --read-inline-info=yes instructs Valgrind" in doc.text, doc.text
    assert "The stack is deep -- in other words, it holds" in doc.text, doc.text


def test_a_wrapped_line_that_opens_with_a_number_in_brackets_goes_on_with_the_open_sentence_above(tmp_path):
    """valgrind_manual.pdf (D8 of the PDF manuals trial): "... this value is set to a low value" / "(5) by default. In no
    case will ..." was a paragraph cut inside its sentence and a list item "(5) by default. ..." that was quoted as an
    answer. A "(5)" that opens a line under prose left open, with no "(4)" before it, goes on with the sentence; a
    numbered list ("(1) ... and" / "(2) ...", or items after a lead-in) stays a list."""
    path = _lines_pdf(tmp_path / "items.pdf", [
        "Specifies the maximum number of entries shown in stack traces. Typically, stack scanning generates so",
        "many garbage entries that this value is set to a low value",
        "(5) by default. In no case will a stack trace larger than the value specified by the option be created.",
        "",
        "To debug the tool itself, do the following steps in the order given here:",
        "(1) Run Valgrind as normal, but add the flag that makes it wait for the debugger, and",
        "(2) in a different shell, start the debugger on the tool executable and attach it.",
    ])
    doc = load_file(path, tmp_path, 10**9)
    blocks = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks]
    assert ("paragraph", "Specifies the maximum number of entries shown in stack traces. Typically, stack scanning generates so many garbage "
            "entries that this value is set to a low value (5) by default. In no case will a stack trace larger than the value "
            "specified by the option be created.") in blocks, blocks
    assert ("list_item", "(1) Run Valgrind as normal, but add the flag that makes it wait for the debugger, and") in blocks, blocks
    assert ("list_item", "(2) in a different shell, start the debugger on the tool executable and attach it.") in blocks, blocks


def make_tex_accents(path: Path) -> Path:
    """Names set as TeX sets an accent, in one text object: the spacing accent glyph, moved right over the letter after
    it, then back to the letter ("M", "¨" over "o", "ller"); and a circumflex set beside a letter, as groff sets "ˆC" (a
    control key, no accent). Helvetica widths: o, e 556; dieresis, acute, circumflex 333; the accent is centred."""
    from tests.unit.test_pdf_word_export import pdf_bytes, stream

    def acc(code: bytes, letter: bytes) -> bytes:  # (TJ numbers move left by thousandths of the font size)
        return b"-111.5 (\\%s) 444.5 (%s) " % (code, letter)

    content = (b"BT /F1 10 Tf 72 760 Td [(This manual was written by Niels M) " + acc(b"250", b"o") + b"(ller and Micha) " + acc(b"250", b"e")
               + b"(l Peeters, with help from J) " + acc(b"264", b"e") + b"(r) " + acc(b"210", b"o") + b"(me.)] TJ ET\n"
               b"BT /F1 10 Tf 72 748 Td (To stop the job, type \\210C at the prompt and wait until the shell prints its prompt again.) Tj ET\n")
    path.write_bytes(pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", stream(content)]))
    return path


def test_a_tex_accent_over_a_letter_is_composed_with_it(tmp_path):
    """nettle.pdf (D12 of the PDF manuals trial): "Niels M¨oller", "Micha¨el": TeX sets an accent as a glyph of its own
    over the letter, which pdfium reads as a spacing "¨" before it. An accent over the letter after it is composed
    ("Möller", "Jérôme"); a circumflex beside a letter ("ˆC") stays; the citation contract holds."""
    doc = load_file(make_tex_accents(tmp_path / "accents.pdf"), tmp_path, 10**9)
    assert "written by Niels Möller and Michaël Peeters, with help from Jérôme." in doc.text, doc.text
    assert "type \u02c6C at the prompt" in doc.text, doc.text
    for ch in chunk_document(doc, 64, 8):
        assert ch.text == doc.text[ch.start : ch.end]


def test_a_code_example_that_runs_on_over_a_page_break_keeps_its_indent_on_the_next_page(tmp_path):
    """reportlab-userguide.pdf p. 12-13: "def hello(c):" at the foot of p. 12, its body running on at the head of p. 13,
    every line there 4 characters in; measured from p. 13's own least code line, they read flush left. Each page's
    lines are measured from the page's left edge of text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "runs-on.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    pages = [[(0, "Helvetica", f"Filler sentence {i} that keeps the text running down to the foot of the page.") for i in range(44)]
             + [(0, "Courier", "def hello(c):"), (4, "Courier", "c.translate(inch,inch)")],
             [(4, "Courier", 'c.setFont("Helvetica", 14)'), (4, "Courier", "c.rotate(90)"),
              (0, "Helvetica", "That is the end of the example, and this sentence is prose again.")]]
    for n, page in enumerate(pages, start=1):
        y = 760
        for indent, font, text in page:
            c.setFont(font, 11)
            c.drawString(72 + 6.6 * indent, y, text)  # (Courier at 11 pt: 6.6 pt a character)
            y -= 15
        c.setFont("Helvetica", 11)
        c.drawString(300, 40, str(n))
        c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    code = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "code"]
    assert code == ['def hello(c):\n    c.translate(inch,inch)\n    c.setFont("Helvetica", 14)\n    c.rotate(90)'], code


def _with_body_text(c, path, tmp_path, y: float, size: float):
    """Twelve lines of prose at `size` below `y` (so that it is the body size), then save the canvas and load the PDF."""
    c.setFont("Helvetica", size)
    for i in range(12):
        c.drawString(72, y - 13 * i, "This paragraph is ordinary body text that sets the size of the prose on the page.")
    c.showPage()
    c.save()
    return load_file(path, tmp_path, 10**9)


def test_a_table_set_in_courier_under_a_proportional_header_is_a_table_and_code_stays_code(tmp_path):
    """reportlab-userguide.pdf's Table 6-2 "Synonyms for style attributes": the header "Attribute | Synonyms" in bold
    Helvetica, the rows in Courier at the header's columns, over a page break. The rows were one code block, never
    quoted ("What are the synonyms of the fontSize paragraph attribute?" was answered with unrelated sentences). A
    Python example in Courier under a paragraph, with a wide gap of its own, stays code."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "synonyms.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    for n, t in enumerate(["The paragraph text may optionally be surrounded by para tags with attributes. The attributes, if",
                           "any, of the opening para tag affect the style that is used with the paragraph text and its bullet.",
                           "Each attribute has the name of a style attribute or one of its synonyms, which the table below",
                           "lists, one attribute a row, with its synonyms in the second column of the row, as the guide sets",
                           "them in its chapter on paragraphs."]):
        c.drawString(78, 808 - 12 * n, t)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(107, 740, "Attribute")
    c.drawString(234, 740, "Synonyms")
    rows = [("alignment", "align, alignment"), ("autoLeading", "autoLeading, autoleading"), ("backColor", "backColor, backcolor, bg, bgcolor"),
            ("borderColor", "borderColor, bordercolor")]
    y = 724
    c.setFont("Courier", 8)
    for a, b in rows:
        c.drawString(107, y, a)
        c.drawString(234, y, b)
        y -= 14
    c.setFont("Helvetica", 10)
    c.drawString(78, 60, "Page 1")
    c.showPage()
    c.setFont("Courier", 8)
    y = 760
    for a, b in [("fontName", "face, font, fontName, fontname"), ("fontSize", "fontSize, fontsize, size"), ("leading", "leading")]:
        c.drawString(107, y, a)
        c.drawString(234, y, b)
        y -= 14
    c.setFont("Helvetica", 10)
    c.drawString(217, y - 5, "Table 6-2 - Synonyms for style attributes")
    c.drawString(78, y - 23, "Some useful synonyms have been provided for our Python attribute names, including lowercase")
    for n, t in enumerate(["versions, and the equivalent properties from the HTML standard where they exist. These additions",
                           "make it much easier to build XML-printing applications, since much intra-paragraph markup may",
                           "not need translating. The table above shows the allowed attributes and synonyms in the outermost",
                           "paragraph tag; the body text of the guide is set in ten-point Helvetica, its examples in Courier."]):
        c.drawString(78, y - 35 - 12 * n, t)
    y -= 36
    c.drawString(78, y - 60, "For example the following code draws a string in the default font:")
    c.setFont("Courier", 8)
    for n, line in enumerate(["def hello(c):", "    c.drawString(100, 100, 'Hello')      # a comment", "hello(c)"]):
        c.drawString(114, y - 80 - 9 * n, line)
    c.setFont("Helvetica", 10)
    c.drawString(78, 60, "Page 2")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    kinds = {doc.text[b.start:b.end].strip(): (b.kind, b.head) for b in doc.blocks}
    assert kinds["Attribute | Synonyms"][0] == "table_head", kinds
    assert kinds["alignment | align, alignment"] == ("table_row", "Attribute | Synonyms")
    assert kinds["fontSize | fontSize, fontsize, size"] == ("table_row", "Attribute | Synonyms")  # on the next page
    assert kinds["leading | leading"] == ("table_row", "Attribute | Synonyms")
    assert kinds["Table 6-2 - Synonyms for style attributes"][0] == "caption", kinds  # under its table: indexed, not quoted
    code = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "code"]
    assert len(code) == 1 and "def hello(c):" in code[0] and "hello(c)" in code[0], code


def test_figure_captions_and_text_drawn_in_figures_head_nothing(tmp_path):
    """reportlab-userguide.pdf: "Figure 2-2: The Coordinate System", set centred at 12 points over a 10-point body,
    and the labels drawn inside the figure above it ("(0,0) the Origin" at 20 points, "SPUMONI" at 85) were headings,
    so the text after them sat under them (Q09's citations read "6.1 Using Paragraph Styles › Figure 6-5: Definition
    Lists"); a note box whose "NOTE" opens larger than its sentence was one too. The caption is a caption (indexed, never
    quoted, heading nothing), the labels and the note are text, and the section headings stay headings."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "figures.pdf"
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 14)
    c.drawString(78, 790, "2.4 The coordinate system")
    c.setFont("Helvetica", 10)
    body = ["In the default user space the origin (0,0) point is at the lower left corner of the page. Executing",
            "the coords function in the default user space for the demo minipage we obtain the following."]
    for n, t in enumerate(body):
        c.drawString(78, 770 - 12 * n, t)
    c.rect(110, 560, 380, 180)
    c.setFont("Helvetica", 20)
    c.drawString(122, 580, "(0,0) the Origin")
    c.drawString(302, 650, "(2.5,1) in inches")
    c.setFont("Helvetica-Bold", 60)
    c.drawString(180, 690, "SPUMONI")
    c.setFont("Helvetica", 12)
    c.drawCentredString(297, 540, "Figure 2-2: The Coordinate System")
    c.setFont("Helvetica-Bold", 12)
    c.drawString(78, 510, "Moving the origin: the translate method")
    c.setFont("Helvetica", 10)
    for n, t in enumerate(["Often it is useful to move the origin to a new point off the lower left corner. The translate",
                           "method moves the origin for the current page to the point currently identified by (x,y)."]):
        c.drawString(78, 492 - 12 * n, t)
    c.setFont("Helvetica", 21.6)
    c.drawString(45, 430, "NOTE")
    c.setFont("Helvetica", 10)
    c.drawString(110, 430, "Note: Two previous bookmark methods are supported but deprecated now.")
    c.drawString(78, 400, "These are bookmarkHorizontalAbsolute and bookmarkHorizontal, kept for older programs.")
    c.showPage()
    c.save()
    doc = load_file(path, tmp_path, 10**9)
    heads = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert heads == ["2.4 The coordinate system", "Moving the origin: the translate method"], heads
    kinds = {doc.text[b.start:b.end]: b for b in doc.blocks}
    assert kinds["Figure 2-2: The Coordinate System"].kind == "caption"
    after = next(b for b in doc.blocks if doc.text[b.start:b.end].startswith("Often it is useful"))
    assert after.section.endswith("Moving the origin: the translate method") and "Figure" not in after.section, after.section
    note = next(b for b in doc.blocks if "These are bookmarkHorizontalAbsolute" in doc.text[b.start:b.end])
    assert note.section.endswith("Moving the origin: the translate method"), note.section
