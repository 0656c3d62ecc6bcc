"""evals/measure_docx.py reads its truth from the file's own XML: what it counts, and that a kept
document scores as kept."""

from __future__ import annotations

from pathlib import Path

from evals import measure_docx as MD


def make(path: Path) -> Path:
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


def test_truth_counts_what_the_xml_holds(tmp_path):
    t = MD.truth(make(tmp_path / "a.docx"))
    assert t["headings"] == ["Backups"]
    assert t["paragraphs"] == ["Backups run every night at two and are kept for thirty days."]
    assert t["lists"] == ["Check the backup log every Monday morning."]
    assert t["code"] == ["$ backup --all"]  # one multi-line stretch, by its first line
    assert t["rows"] == [["Volume", "Retention"], ["db", "30 days (weekly: 90 days)"]]


def test_a_document_that_keeps_everything_scores_everything_kept(tmp_path):
    r = MD.measure(make(tmp_path / "a.docx"))
    assert r["words_kept"] == r["words"] > 0
    for k in ("paragraphs", "headings", "code", "lists", "rows"):
        assert r[k] >= 1 and r[k + "_lost"] == 0, k
