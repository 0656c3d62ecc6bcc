"""evals/measure_odt.py reads its truth from the file's own XML (not through rag/odf.py): what it
counts, and that a kept document scores as kept."""

from __future__ import annotations

from pathlib import Path

from evals import measure_odt as MO
from tests.evals._office import assert_all_kept, assert_truth
from tests.unit.test_extract_odt import cell, h, odt, p, table


def make(path: Path) -> Path:
    note = ('<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            '<text:note-body><text:p>Thirty days since the spring of 2025.</text:p></text:note-body></text:note>')
    changes = ('<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><text:p>an erased sentence nobody sees</text:p>'
               '</text:deletion></text:changed-region></text:tracked-changes>')
    body = (changes + h("Backups")
            + p("Backups run every night at two and are kept for thirty days." + note)
            + '<text:list><text:list-item>' + p("Check the backup log every Monday morning.") + "</text:list-item></text:list>"
            + p("$ backup --all", "Preformatted_20_Text") + p('$ backup<text:s text:c="2"/>--verify', "P1")  # two lines of code
            + p('<text:a xlink:href="#Backups">Backups</text:a>')  # a link to a place in the document
            + table(cell("Volume") + cell("Retention"), cell("db") + cell(p("30 days") + '<text:list><text:list-item>'
                                                                    + p("(weekly: 90 days)") + "</text:list-item></text:list>"), columns=2))
    return odt(path, body)


def test_truth_counts_what_the_xml_holds(tmp_path):
    t = MO.truth(make(tmp_path / "a.odt"))
    assert_truth(t)  # the Word file's truth, and:
    assert t["links"] == ["Backups"]
    assert t["note_words"] == ["thirty", "days", "since", "the", "spring", "of", "2025"]
    assert "erased" not in t["words"]


def test_a_document_that_keeps_everything_scores_everything_kept(tmp_path):
    r = MO.measure(make(tmp_path / "a.odt"))
    assert r["note_words_kept"] == r["note_words"] > 0
    assert_all_kept(r, ("paragraphs", "headings", "code", "lists", "rows", "links"))
