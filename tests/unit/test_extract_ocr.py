"""Scanned PDF pages (no text layer) read by OCR (rag/ocr.py, Debian's tesseract): pages made here as images
of text (PIL, 300 dpi, 11 pt) embedded with reportlab. Each paragraph comes out as one block on its page, the
running header and page numbers go, a hyphenated line end is joined, a PDF mixing a text page and a scan keeps
both in order, spans are exact; without tesseract a scan fails with the fix, and RAG_OCR=off keeps the old reason.
The OCR tests skip without tesseract (CI installs it: .ci/run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.loaders import Unreadable, load_file

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-eng)")

DPI = 300
HEADER = "Widget Manual, Release 2"
PAGE1 = [  # (x indent in points, text); None: a blank line
    "The widget library reads structure definitions from plain",
    "text files and converts them into trees that programs can",
    "walk quickly.",
    None,
    "Every definition is checked before it is stored, and a defi-",
    "nition that fails the check is reported with its line number.",
]
PAGE2 = [
    "The parser keeps a careful record of its own settings in",
    "memory, so that nothing is read twice during one run.",
    None,
    "Comments start with two dashes and end at the end of the line.",
]
PAGE3 = ["Tables of limits are printed by the status command."]


def _font(px: int):
    from PIL import ImageFont

    for f in ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"):
        if Path(f).exists():
            return ImageFont.truetype(f, px)
    return ImageFont.load_default(size=px)  # Pillow's own font


def _scan(lines: list[str | None], n: int, header: bool = True):
    """A letter page at 300 dpi as a scanner gives it: the running header, the lines, the page number."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (int(8.5 * DPI), 11 * DPI), 255)
    d = ImageDraw.Draw(im)
    small, body = _font(9 * DPI // 72), _font(11 * DPI // 72)
    if header:
        d.text((DPI, int(0.6 * DPI)), HEADER, font=small, fill=0)
    y = int(1.3 * DPI)
    for t in lines:
        if t is not None:
            d.text((DPI, y), t, font=body, fill=0)
        y += int(11 * 1.25 * DPI / 72)
    d.text((int(4.2 * DPI), int(10.3 * DPI)), str(n), font=small, fill=0)
    return im


def _pdf(path: Path, pages: list) -> Path:
    """pages: a PIL image (a scanned page) or a list of strings (a text page)."""
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=letter)
    for p in pages:
        if isinstance(p, list):
            c.setFont("Times-Roman", 11)
            y = 700
            for t in p:
                c.drawString(72, y, t)
                y -= 14
        else:
            c.drawImage(ImageReader(p), 0, 0, width=letter[0], height=letter[1])
        c.showPage()
    c.save()
    return path


def _blocks(doc):
    return [(doc.text[s.start : s.end], s.kind, next(p for p in range(len(doc.page_starts), 0, -1) if doc.page_starts[p - 1] <= s.start)) for s in doc.blocks]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    path = _pdf(tmp_path_factory.mktemp("ocr") / "scan.pdf", [_scan(PAGE1, 1), _scan(PAGE2, 2), _scan(PAGE3, 3)])
    return load_file(path, path.parent, 10**9)


@needs_tesseract
def test_each_scanned_paragraph_is_one_block_on_its_page(scanned):
    got = [(t, p) for t, kind, p in _blocks(scanned) if kind == "paragraph"]
    assert got == [
        ("The widget library reads structure definitions from plain text files and converts them into trees that programs can walk quickly.", 1),
        ("Every definition is checked before it is stored, and a definition that fails the check is reported with its line number.", 1),
        ("The parser keeps a careful record of its own settings in memory, so that nothing is read twice during one run.", 2),
        ("Comments start with two dashes and end at the end of the line.", 2),
        ("Tables of limits are printed by the status command.", 3),
    ]


@needs_tesseract
def test_running_header_and_page_numbers_are_dropped(scanned):
    assert "Widget Manual" not in scanned.text and "Release" not in scanned.text
    assert not any(t.strip().isdigit() for t, _, _ in _blocks(scanned))


@needs_tesseract
def test_hyphenated_line_end_is_joined(scanned):
    assert "a definition that fails" in scanned.text and "defi-" not in scanned.text


@needs_tesseract
def test_spans_are_exact(scanned):
    from rag.chunking import chunk_document

    assert scanned.blocks and all(scanned.text[s.start : s.end].strip() == scanned.text[s.start : s.end] for s in scanned.blocks)
    for c in chunk_document(scanned, 64, 8):
        assert scanned.text[c.start : c.end] == c.text


@needs_tesseract
def test_text_page_and_scanned_page_both_kept_in_order(tmp_path):
    text_page = ["The first page has a real text layer and says hello.", "It is read by the layout extractor as before."]
    path = _pdf(tmp_path / "mixed.pdf", [text_page, _scan(PAGE2, 2, header=False)])  # (a header on one page is no running header)
    doc = load_file(path, tmp_path, 10**9)
    got = [(t, p) for t, kind, p in _blocks(doc) if kind == "paragraph"]
    assert got == [
        ("The first page has a real text layer and says hello. It is read by the layout extractor as before.", 1),
        ("The parser keeps a careful record of its own settings in memory, so that nothing is read twice during one run.", 2),
        ("Comments start with two dashes and end at the end of the line.", 2),
    ]


def test_without_tesseract_a_scan_fails_with_the_fix(tmp_path, monkeypatch):
    path = _pdf(tmp_path / "scan.pdf", [_scan(PAGE3, 1)])
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on it
    with pytest.raises(Unreadable, match=r"scanned PDF: install tesseract-ocr \(apt-get install tesseract-ocr\) to read it"):
        load_file(path, tmp_path, 10**9)


def test_without_tesseract_a_mixed_pdf_keeps_its_text_pages(tmp_path, monkeypatch):
    path = _pdf(tmp_path / "mixed.pdf", [["A text page that is read as before."], _scan(PAGE3, 2)])
    monkeypatch.setenv("PATH", str(tmp_path))
    assert load_file(path, tmp_path, 10**9).text == "A text page that is read as before."


def test_ocr_off_says_how_to_turn_it_on(tmp_path, monkeypatch):
    path = _pdf(tmp_path / "scan.pdf", [_scan(PAGE3, 1)])
    monkeypatch.setenv("RAG_OCR", "off")
    with pytest.raises(Unreadable, match=r"no extractable text \(a scanned PDF\? OCR reads scans unless RAG_OCR=off"):
        load_file(path, tmp_path, 10**9)


def test_ocr_settings():
    from rag.settings import Settings

    assert (Settings().ocr, Settings().ocr_lang) == ("auto", "eng")
    assert Settings(ocr="off", ocr_lang="eng+deu").ocr == "off"
