"""train/tables.py: synthetic table-row examples for the span reader. An answer span is exactly the asked cell of the
row the question names, and never the cell the question names it by."""

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rag.blocks import labelled_row  # noqa: E402
from train.tables import examples, render  # noqa: E402

WORDS = "river bridge castle engine market garden window harbour station theatre forest valley museum".split()
NAMES = "Paris Nile Tesla Newton Kenya Oslo Victoria Amazon Berlin Lima".split()


def test_rows_are_written_as_the_reader_sees_a_row_under_a_header_row():
    cols, rows = ["version", "codename", "release"], [["9", "Stretch", "2017-06-17"], ["10", "Buster", "2019-07-06"]]
    text, spans = render(cols, rows, labelled=True)
    assert text.split("\n\n") == [labelled_row(" | ".join(r), " | ".join(cols)) for r in rows]
    assert [text[s:e] for s, e in spans[1]] == rows[1]
    bare, spans = render(cols, rows, labelled=False)
    assert bare == "version | codename | release\n\n9 | Stretch | 2017-06-17\n\n10 | Buster | 2019-07-06"
    assert [bare[s:e] for s, e in spans[0]] == rows[0]


def test_answers_are_cells_of_the_named_row():
    out = examples(300, random.Random(0), WORDS, NAMES)
    assert len(out) == 300
    answerable = [ex for ex in out if ex[2] is not None]
    assert 0.45 < len(answerable) / len(out) < 0.75
    for q, text, span in answerable:
        row = next(r for r in text.split("\n\n") if text.find(r) <= span[0] < text.find(r) + len(r))
        cell = text[span[0] : span[1]]
        assert cell and cell.strip() == cell and cell != "–"
        # The question names a cell of that row other than the answer (the key) and asks for a column.
        named = [c.split(": ", 1)[-1] for c in row.replace(" | ", "; ").split("; ")]
        assert any(v != cell and v in q for v in named), (q, row)
        assert cell not in q
    # Same generator, same seed: the same examples.
    assert examples(50, random.Random(1), WORDS, NAMES) == examples(50, random.Random(1), WORDS, NAMES)
