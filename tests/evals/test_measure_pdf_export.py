"""evals/measure_pdf_export.py: a paragraph counts as kept only in one paragraph block of its own, and a
PDF that keeps what its .docx holds scores everything kept (no soffice: the PDF is drawn here)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from evals import measure_pdf_export as MP
from evals.measure_html import _words
from tests.evals._office import assert_all_kept, make_docx

PARA = "Backups run every night at two and are kept for thirty days."


def fate(*blocks: str) -> str:
    words = [_words(b) for b in blocks]
    index = defaultdict(set)
    for i, w in enumerate(words):
        for g in MP._grams(w):
            index[g].add(i)
    return MP.paragraph_fate(PARA, words, index)


def test_a_paragraph_is_kept_only_whole_and_alone():
    assert fate("Intro text here.", PARA) == "kept"
    assert fate("Backups run every night at two and are", "kept for thirty days.") == "split"  # broken at a page
    assert fate(PARA + " The log of each run is mailed to the operator on duty.") == "glued"
    assert fate("Backups run every night at two and are kept for thirty days. Yes.") == "kept"  # (a word or two more)


def draw(path: Path) -> Path:
    """What Writer would export from tests/evals/_office.py's Word file: a heading, a paragraph, a bullet,
    two lines of Courier, a table whose second row's last cell wraps."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, 760, "Backups")
    c.setFont("Helvetica", 11)
    c.drawString(72, 730, PARA)
    c.drawString(72, 700, "•  Check the backup log every Monday morning.")
    c.setFont("Courier", 10)
    c.drawString(72, 670, "$ backup --all")
    c.drawString(72, 657, "$ backup --verify")
    c.setFont("Helvetica", 11)
    for y, cells in ((620, ["Volume", "Retention"]), (600, ["db", "30 days"])):
        c.drawString(72, y, cells[0])
        c.drawString(250, y, cells[1])
    c.drawString(250, 586, "(weekly: 90 days)")
    c.save()
    return path


def test_a_pdf_that_keeps_everything_scores_everything_kept(tmp_path):
    assert_all_kept(MP.measure(draw(tmp_path / "a.pdf"), make_docx(tmp_path / "a.docx")))
