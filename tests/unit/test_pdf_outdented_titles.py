"""PDF titles: levels when the titles stand left of an indented text column (DocBook through Apache FOP: the X.org
ICCCM's "Chapter 2. ..." and its section titles at the margin, the text 48 pt further in, note titles "Convention"
inside the text column), a description list's term set larger than its text (doxygen's manual) is no title, and a
table row whose last cell ends a sentence (xlfd.pdf) is a row."""
from __future__ import annotations

from pathlib import Path

import pytest

from rag.blocks import SEP
from rag.loaders import load_file


def make_fop_manual(path: Path) -> Path:
    """Two chapters as DocBook's FOP stylesheets set them: titles bold at the margin (x 72) in four sizes by level, the
    text at x 120, and a note box's title ("Convention", 12 pt bold) inside the text column above its indented text."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    y = 740.0

    def put(x: float, text: str, font: str = "Times-Roman", size: float = 10.0, after: float = 12.0):
        nonlocal y
        y -= size - 10.0  # (room above a title)
        if y < 80:
            c.showPage()
            y = 740.0
        c.setFont(font, size)
        c.drawString(x, y, text)
        y -= after

    def prose(topic: str, n: int = 16):
        for i in range(n):
            put(120, f"The {topic} text goes on here with its line number {i} and a few words more{'.' if i % 4 == 3 else ''}")

    put(72, "Chapter 1. Introduction", "Times-Bold", 24.9, 34)
    prose("introduction")
    put(72, "Atoms", "Times-Bold", 20.7, 28)
    prose("atoms")
    put(72, "Predefined Atoms", "Times-Bold", 17.3, 24)
    prose("predefined atoms")
    put(156, "Rationale", "Times-Bold", 12.0, 16)
    put(156, "The rationale of the predefined atoms is told in this note box, set inside the text column.")
    c.showPage()
    y = 740.0
    put(72, "Chapter 2. Peer-to-Peer Communication", "Times-Bold", 24.9, 34)
    prose("selection")
    put(72, "Acquiring Selection Ownership", "Times-Bold", 20.7, 28)
    prose("ownership")
    put(156, "Convention", "Times-Bold", 12.0, 16)
    put(156, "Clients should use the timestamp of the event that caused them to acquire the selection.")
    put(72, "Responsibilities of the Selection Owner", "Times-Bold", 20.7, 28)
    put(120, "When a requestor wants the value of a selection, the owner receives a SelectionRequest event.")
    prose("responsibilities")
    put(72, "The PRIMARY Selection", "Times-Bold", 14.4, 20)
    put(120, "The selection named by the atom PRIMARY is used for all commands that take only a single argument.")
    prose("primary")
    c.save()
    return path


def test_titles_at_the_margin_in_several_sizes_are_levelled_by_size_not_as_a_man_pages(tmp_path):
    doc = load_file(make_fop_manual(tmp_path / "icccm.pdf"), tmp_path, 10**9)
    t = doc.text
    assert doc.section_at(t.index("The predefined atoms text")) == f"Chapter 1. Introduction{SEP}Atoms{SEP}Predefined Atoms"
    # a new chapter is no subsection of the last one's note box
    assert doc.section_at(t.index("The selection text")) == "Chapter 2. Peer-to-Peer Communication"
    assert doc.section_at(t.index("Clients should use the timestamp")) == (
        f"Chapter 2. Peer-to-Peer Communication{SEP}Acquiring Selection Ownership{SEP}Convention")
    # a section after a note box is its chapter's, not the note's
    assert doc.section_at(t.index("When a requestor wants")) == (
        f"Chapter 2. Peer-to-Peer Communication{SEP}Responsibilities of the Selection Owner")
    assert doc.section_at(t.index("The selection named by the atom PRIMARY")) == (
        f"Chapter 2. Peer-to-Peer Communication{SEP}Responsibilities of the Selection Owner{SEP}The PRIMARY Selection")


def make_option_list(path: Path) -> Path:
    """A LaTeX description list as doxygen's manual sets its configuration options: each term bold, a point larger than
    the 9 pt text, its description going on on the same line, the rest indented under it, then "The default value is"."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14.4)
    c.drawString(72, 780, "23.2 Project related configuration options")
    y = 750.0
    for name, desc, rest, default in [
        ("SEPARATE_MEMBER_PAGES", "If the SEPARATE_MEMBER_PAGES tag is set to YES then doxygen will produce",
         "a new page for each member. If set to NO, the documentation of a member will be part of the file.", "The default value is: NO."),
        ("TAB_SIZE", "The TAB_SIZE tag can be used to set the number of spaces in a tab. Doxygen uses this value to",
         "replace tabs by spaces in code fragments.", "Minimum value: 1, maximum value: 16, default value: 4."),
        ("INHERIT_DOCS", "If the INHERIT_DOCS tag is set to YES then an undocumented member inherits the",
         "documentation from any documented member that it re-implements.", "The default value is: YES."),
    ]:
        t = c.beginText(72, y)
        t.setFont("Times-Bold", 10)
        t.textOut(name + " ")
        t.setFont("Times-Roman", 9)
        t.textOut(desc)
        c.drawText(t)
        c.setFont("Times-Roman", 9)
        c.drawString(96, y - 12, rest)
        c.drawString(96, y - 28, default)
        y -= 48
    t = c.beginText(72, y - 10)  # a numbered section title with a word set in the text's size: still a title
    t.setFont("Helvetica-Bold", 14.4)
    t.textOut("23.3 Build related configuration options ")
    t.setFont("Times-Roman", 9)
    t.textOut("(new)")
    c.drawText(t)
    c.setFont("Times-Roman", 9)
    c.drawString(72, y - 34, "These options tell doxygen which of the documented entities to extract from the sources.")
    c.save()
    return path


def test_a_description_lists_term_set_larger_than_the_text_after_it_on_its_line_is_no_heading(tmp_path):
    doc = load_file(make_option_list(tmp_path / "doxygen.pdf"), tmp_path, 10**9)
    t = doc.text
    section = "23.2 Project related configuration options"
    # the entry's first line is no heading: the text under it stays in the section it is in
    assert doc.section_at(t.index("Minimum value: 1, maximum value: 16")) == section
    assert doc.section_at(t.index("The TAB_SIZE tag can be used")) == section
    assert doc.section_at(t.index("The default value is: YES.")) == section
    assert doc.section_at(t.index("These options tell doxygen")) == "23.3 Build related configuration options (new)"


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def make_typewriter_wrap(path: Path) -> Path:
    """doxygen's manual: a sentence wraps onto a line of typewriter words only ("DoxyDocs.pm."), which pdfium reads at
    10 pt in a 9 pt text, and light (cmtt: weight 205 against the text's 425). DejaVu Sans Mono stands in for cmtt, its
    /StemV set to 41 so that pdfium weighs it 205."""
    import re

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("TSans", str(DEJAVU / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("TSansBold", str(DEJAVU / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont("TMono", str(DEJAVU / "DejaVuSansMono.ttf")))
    c = canvas.Canvas(str(path), pageCompression=0)
    c.setFont("TSansBold", 12.9)
    c.drawString(72, 780, "29.3 Documentation format.")
    c.setFont("TSans", 9)
    y = 756.0
    for i in range(8):
        c.drawString(72, y, f"The Perl Module documentation is described here, in line {i} of a long paragraph about it")
        y -= 12
    c.drawString(72, y, "The documentation is stored in the variable $doxydocs, which can then be accessed by a Perl script using")
    c.setFont("TMono", 10)
    c.drawString(72, y - 12, "DoxyDocs.pm.")
    c.setFont("TSans", 9)
    c.drawString(72, y - 28, "The variable contains a tree-like structure composed of three types of nodes: strings, hashes and lists.")
    c.save()
    raw = path.read_bytes()
    mono = re.search(rb"/FontName /\w+\+DejaVuSansMono\b.*?/StemV 87", raw, re.S) or re.search(rb"/StemV 87(?=.*?/FontName /\w+\+DejaVuSansMono\b)", raw, re.S)
    assert mono is not None
    at = mono.end() - 2 if mono.group(0).startswith(b"/FontName") else mono.start() + 7
    path.write_bytes(raw[:at] + b"41" + raw[at + 2:])  # (same length: the xref offsets hold)
    return path


@pytest.mark.skipif(not (DEJAVU / "DejaVuSansMono.ttf").exists(), reason="fonts-dejavu-core is not installed")
def test_a_wrapped_line_of_light_typewriter_words_set_larger_is_no_heading(tmp_path):
    doc = load_file(make_typewriter_wrap(tmp_path / "perlmod.pdf"), tmp_path, 10**9)
    t = doc.text
    assert doc.section_at(t.index("The variable contains a tree-like structure")) == "29.3 Documentation format."


def make_code_table(path: Path) -> Path:
    """xlfd.pdf's RELATIVE_WEIGHT table (DocBook through FOP): three columns, a bold header, and rows whose description
    ends in "..." or a period, between rows that end otherwise."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    c.setFont("Times-Roman", 10)
    y = 740.0
    for i in range(6):
        c.drawString(120, y, f"RELATIVE_WEIGHT gives the coded weight of the font, relative to all known fonts, line {i} of it.")
        y -= 12
    c.drawString(120, y, "The following reference values are defined:")
    y -= 18
    rows = [("Code", "English Translation", "Description"), ("0", "Undefined", "Undefined or unknown"), ("30", "Light", ""),
            ("40", "SemiLight", "SemiLight, Book, ..."), ("50", "Medium", "Medium, Normal, Regular,..."),
            ("60", "SemiBold", "SemiBold, DemiBold, ..."), ("70", "Bold", ""), ("80", "ExtraBold", "ExtraBold, Heavy, ...")]
    for n, row in enumerate(rows):
        c.setFont("Times-Bold" if n == 0 else "Times-Roman", 10)
        for x, cell in zip((122, 168, 308), row):
            if cell:
                c.drawString(x, y, cell)
        y -= 16
    c.setFont("Times-Roman", 10)
    y -= 6
    # justified prose right under the table: each line ends a sentence and has a wide gap after an inner period
    for first, rest in [("RELATIVE_WEIGHT can be defaulted.", "It is then taken from the weight name."),
                        ("The name is matched without case.", "An unknown name gives zero."),
                        ("Fonts with no weight name are Medium.", "Their code is fifty.")]:
        c.drawString(120, y, first)
        c.drawString(120 + c.stringWidth(first, "Times-Roman", 10) + 14, y, rest)
        y -= 12
    # FONT_TYPE's table: a bold header, a row whose description wraps, then rows that each end a sentence
    y -= 12
    rows = [("Value", "When applicable", ""), ('"Prebuilt"', "All bitmap fonts that cannot be described as", ""),
            ("", "hand-tuned, made by a scalable rasterizer.", ""), ('"Type 1"', "Any Type 1 font.", ""), ('"TrueType"', "Any TrueType font.", "")]
    for n, (a, b, _) in enumerate(rows):
        c.setFont("Times-Bold" if n == 0 else "Times-Roman", 10)
        if a:
            c.drawString(122, y, a)
        c.drawString(192, y, b)
        y -= 16 if n != 1 else 12
    c.save()
    return path


def test_a_table_row_whose_last_cell_ends_a_sentence_is_a_row(tmp_path):
    doc = load_file(make_code_table(tmp_path / "xlfd.pdf"), tmp_path, 10**9)
    units = [doc.text[s:e] for s, e in quotable_spans_of(doc)]
    assert "60 | SemiBold | SemiBold, DemiBold, ..." in units
    assert "40 | SemiLight | SemiLight, Book, ..." in units
    assert "70 | Bold" in units
    assert not any("SemiLight" in u and "SemiBold" in u for u in units)  # no rows run together as prose
    assert '"Type 1" | Any Type 1 font.' in units and '"TrueType" | Any TrueType font.' in units  # under a header row
    assert ("RELATIVE_WEIGHT can be defaulted. It is then taken from the weight name. The name is matched without case. "
            "An unknown name gives zero. Fonts with no weight name are Medium. Their code is fifty.") in doc.text  # prose stays prose


def quotable_spans_of(doc):
    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document

    return [span for c in chunk_document(doc, 400, 0) for span in ((c.start + s, c.start + e) for s, e in quotable_spans(c))]
