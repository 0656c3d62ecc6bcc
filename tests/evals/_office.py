"""What the office-file measure tests share (tests/evals/test_measure_docx.py, test_measure_odt.py,
test_measure_pdf_export.py): the small document they measure, as a Word file, what its truth holds, and the
check that a document keeping it all scores everything kept. Not a test module: they import it."""

from __future__ import annotations

from pathlib import Path

# The truth of the document: a heading, a paragraph, a bullet, two lines of code (one stretch, counted by its
# first line), a table whose second row's last cell holds a list (part of the row, not a list item).
TRUTH = {"headings": ["Backups"],
         "paragraphs": ["Backups run every night at two and are kept for thirty days."],
         "lists": ["Check the backup log every Monday morning."],
         "code": ["$ backup --all"],
         "rows": [["Volume", "Retention"], ["db", "30 days (weekly: 90 days)"]]}


def make_docx(path: Path) -> Path:
    import docx
    from docx.shared import Pt

    d = docx.Document()
    d.add_heading("Backups", level=1)
    d.add_paragraph("Backups run every night at two and are kept for thirty days.")
    d.add_paragraph("Check the backup log every Monday morning.", style="List Bullet")
    for line in ("$ backup --all", "$ backup --verify"):  # two lines of code, set in Courier
        run = d.add_paragraph().add_run(line)
        run.font.name = "Courier New"
        run.font.size = Pt(9)
    t = d.add_table(rows=2, cols=2)
    for r, row in enumerate([["Volume", "Retention"], ["db", "30 days"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    t.cell(1, 1).add_paragraph("(weekly: 90 days)", style="List Bullet")  # a list inside a cell belongs to the row
    d.save(str(path))
    return path


def assert_truth(t: dict) -> None:
    for k, want in TRUTH.items():
        assert t[k] == want, k


def assert_all_kept(r: dict, kinds: tuple[str, ...] = ("paragraphs", "headings", "code", "lists", "rows")) -> None:
    assert r["words_kept"] == r["words"] > 0
    for k in kinds:
        assert r[k] >= 1 and r[k + "_lost"] == 0, k
