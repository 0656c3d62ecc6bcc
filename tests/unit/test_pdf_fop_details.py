"""PDF details of DocBook documents set by Apache FOP (xlfd.pdf, icccm.pdf): a short chapter's running header, the
title of the chapter set small at the head of its later pages, is no text; a word broken by FOP inside one link of a
hyphenated chain joins; a table footnote's letter mark is no paragraph."""
from __future__ import annotations

from pathlib import Path

from rag.loaders import load_file


def _fop_pages(path: Path, pages: list[list[tuple[float, float, str, str, float]]]) -> Path:
    """One page per list of (x, y, text, font, size); every page but the first carries its folio at the foot."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    for n, items in enumerate(pages, 1):
        for x, y, text, font, size in items:
            if text.startswith("^"):  # a note's mark, then its first line in one text object, as FOP writes it: "(a)" then "( ) (Earlier ...)"
                mark, line = text[1:].split(" ", 1)
                t = c.beginText(x, y)
                t.setFont(font, 6.0)
                t.textOut(mark)
                t.setFont(font, size)
                t.setTextOrigin(x + 2.66, y - 3.6)
                t.textOut(" " + line)
                c.drawText(t)
                continue
            c.setFont(font, size)
            c.drawString(x, y, text)
        c.setFont("Times-Roman", 10)
        c.drawString(303, 39.7, str(n))
        c.showPage()
    c.save()
    return path


def _prose(topic: str, top: float, n: int) -> list[tuple[float, float, str, str, float]]:
    return [(120, top - 12 * i, f"The {topic} text goes on here with its line number {i} and a few words more{'.' if i % 4 == 3 else ''}",
             "Times-Roman", 10.0) for i in range(n)]


def test_a_short_chapters_title_repeated_small_at_the_head_of_its_next_page_is_no_text(tmp_path):
    title = lambda t: [(72, 698.7, t, "Times-Bold", 24.9)]  # noqa: E731
    header = lambda t: [(300 - len(t) * 2.2, 747.7, t, "Times-Roman", 10.0)]  # noqa: E731
    pages = [
        title("Chapter 1. Introduction") + _prose("introduction", 670, 50),
        header("Introduction") + _prose("introduction", 711.7, 50),
        header("Introduction") + _prose("introduction", 711.7, 50),
        header("Introduction") + _prose("introduction", 711.7, 50),
        title("Chapter 2. Requirements and Goals") + _prose("requirements", 670, 48)
        + [(120, 75.7, "Since such transformed fonts may be used for special effects requiring a few characters from each of", "Times-Roman", 10.0)],
        header("Requirements and Goals")
        + [(120, 711.7, "many differently transformed fonts, it should be possible to request only a few characters.", "Times-Roman", 10.0)]
        + _prose("goals", 680, 30),
        title("Chapter 3. Obsolete Session") + [(72, 668.9, "Manager Conventions", "Times-Bold", 24.9)] + _prose("session", 640, 40),
        # a page's real first line, a pitch above the next, that happens to read as the chapter's title: text
        [(120, 723.7, "Obsolete Session Manager Conventions", "Times-Roman", 10.0)] + _prose("session", 711.7, 30),
    ]
    doc = load_file(_fop_pages(tmp_path / "xlfd.pdf", pages), tmp_path, 10**9)
    t = doc.text
    assert "requiring a few characters from each of many differently transformed fonts" in t
    assert "Requirements and Goals\n" not in t.split("Chapter 2. Requirements and Goals", 1)[1]
    assert "Obsolete Session Manager Conventions The session text" in t.replace("\n", " ")


def test_a_word_broken_inside_a_link_of_a_hyphenated_chain_joins(tmp_path):
    lines = [
        "This line is long enough for the text to be justified and the next one to end in the hyphenated da-",
        "ta-processing character cell font model, then a fixed implemen-",
        "tation-dependent instance. The data model is named once and the implementation is named once too,",
        "and the order is top-to-",
        "bottom, as in byte-for-",
        "byte copies, and a request named Selection-",
        "Notify, not SelectionNotify alone; in February-",
        "March.",
    ]
    doc = load_file(_fop_pages(tmp_path / "xlfd.pdf", [[(120, 700 - 12 * i, s, "Times-Roman", 10.0) for i, s in enumerate(lines)]]),
                    tmp_path, 10**9)
    t = doc.text.replace("\n", " ")
    assert "hyphenated data-processing character" in t
    assert "implementation-dependent instance" in t
    assert "top-to-bottom" in t and "byte-for-byte" in t
    assert "request named SelectionNotify, not" in t
    assert "February-March" in t


def test_a_table_footnotes_letter_mark_is_no_paragraph(tmp_path):
    page = [(122, 709.4, "Atom", "Times-Bold", 10.0), (250, 709.4, "Type", "Times-Bold", 10.0), (350, 709.4, "Data Received", "Times-Bold", 10.0)]
    page += [(122, 692.9, "PIXMAP", "Times-Roman", 10.0), (250, 692.9, "DRAWABLE", "Times-Roman", 10.0), (350, 692.9, "A pixmap ID", "Times-Roman", 10.0)]
    page += [(122, 676.9, "LENGTH", "Times-Roman", 10.0), (250, 676.9, "INTEGER", "Times-Roman", 10.0), (350, 676.9, "The number of bytes", "Times-Roman", 10.0)]
    page += [(120.2, 641.9, "^a Earlier versions of this document erroneously specified that conversion of the PIXMAP target", "Times-Roman", 8.0),
             (120.2, 628.7, "returns a property of type DRAWABLE instead of PIXMAP.", "Times-Roman", 8.0),
             (120.0, 611.1, "^b This definition is ambiguous, as the selection may be converted into any of several targets.", "Times-Roman", 8.0)]
    page += _prose("selection", 580, 20)
    doc = load_file(_fop_pages(tmp_path / "icccm.pdf", [page]), tmp_path, 10**9)
    paragraphs = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "paragraph"]
    assert "a" not in paragraphs and "b" not in paragraphs
    assert any(p.startswith("Earlier versions of this document") for p in paragraphs)
    assert any(p.startswith("This definition is ambiguous") for p in paragraphs)
