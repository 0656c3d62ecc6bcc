"""evals/measure_docx.py reads its truth from the file's own XML: what it counts, and that a kept
document scores as kept."""

from __future__ import annotations

from evals import measure_docx as MD
from tests.evals._office import assert_all_kept, assert_truth, make_docx


def test_truth_counts_what_the_xml_holds(tmp_path):
    assert_truth(MD.truth(make_docx(tmp_path / "a.docx")))


def test_a_document_that_keeps_everything_scores_everything_kept(tmp_path):
    assert_all_kept(MD.measure(make_docx(tmp_path / "a.docx")))
