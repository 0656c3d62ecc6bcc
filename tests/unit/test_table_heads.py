"""A table's header row: kept searchable but never quoted alone, and a quoted row is shown with its
column names while its citation still points at the row's exact text."""

from __future__ import annotations

from pathlib import Path

from rag.blocks import Span, attach_heads, chunk_layout, decode_layout, encode_layout, labelled_row, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import load_file

TABLE_HTML = """<html><head><title>Affinity</title></head><body><main>
<h1>Datatypes</h1>
<p>Each column in an SQLite 3 database is assigned one of the following type affinities, decided by its declared type.</p>
<h2>Affinity Name Examples</h2>
<p>The following table shows how many common datatype names from more traditional SQL implementations are converted into affinities.</p>
<table>
<tr><th>Example Typenames</th><th>Resulting Affinity</th><th>Rule Used</th></tr>
<tr><td>INT INTEGER TINYINT</td><td>INTEGER</td><td>1</td></tr>
<tr><td>CHARACTER(20) VARCHAR(255) TEXT</td><td>TEXT</td><td>2</td></tr>
<tr><td>NUMERIC DECIMAL(10,5) BOOLEAN DATE DATETIME</td><td>NUMERIC</td><td>5</td></tr>
</table>
<p>Note that the order of the rules for determining column affinity is important.</p>
</main></body></html>"""


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def test_labelled_row_pairs_names_with_cells_only_one_to_one():
    assert labelled_row("DATETIME | NUMERIC", "Type | Affinity") == "Type: DATETIME; Affinity: NUMERIC"
    assert labelled_row("| a | 1 |", "| Name | Value |") == "Name: a; Value: 1", "a Markdown row"
    assert labelled_row("a | 1 | x", "Name | Value") is None, "three cells under two names: not labelled"
    assert labelled_row("a", "Name") is None, "one cell: nothing to pair"
    assert labelled_row("a | ", "Name | Value") == "Name: a; Value: –", "an empty cell says so"
    assert labelled_row("Total | 3", " | Count") == "Total; Count: 3", "an unnamed column shows its cell alone"


def test_rows_carry_their_header_until_the_table_ends():
    text = "H1 | H2\n\na | 1\n\nb | 2\n\nProse.\n\nc | 3"
    spans = [Span(0, 7, "table_head"), Span(9, 14, "table_row"), Span(16, 21, "table_row"), Span(23, 29, "paragraph"), Span(31, 36, "table_row")]
    heads = [sp.head for sp in attach_heads(text, spans)]
    assert heads == ["", "H1 | H2", "H1 | H2", "", ""], "the row after the paragraph belongs to another table"


def test_layout_round_trips_heads_and_reads_the_older_format():
    spans = [Span(0, 7, "table_head", "S"), Span(9, 14, "table_row", "S", "H1 | H2"), Span(16, 22, "paragraph", "S")]
    _, blocks = chunk_layout(spans, 0, 22)
    assert blocks[1] == (9, 14, "table_row", "S", 0, "H1 | H2") and len(blocks[0]) == len(blocks[2]) == 5
    assert decode_layout(encode_layout(blocks)) == blocks
    old = '{"s":["S"],"b":[[0,7,3,0,0],[9,14,1,0,0]]}'  # written before header rows existed
    assert decode_layout(old) == ((0, 7, "table_row", "S", 0), (9, 14, "paragraph", "S", 0))


def test_html_header_row_is_searchable_not_quotable_and_rows_know_it(tmp_path):
    (tmp_path / "t.html").write_text(TABLE_HTML, encoding="utf-8")
    doc = load(tmp_path / "t.html")
    kinds = {doc.text[b.start:b.end]: (b.kind, b.head) for b in doc.blocks if "|" in doc.text[b.start:b.end]}
    head = "Example Typenames | Resulting Affinity | Rule Used"
    assert kinds[head] == ("table_head", "")
    assert kinds["NUMERIC DECIMAL(10,5) BOOLEAN DATE DATETIME | NUMERIC | 5"] == ("table_row", head)
    chunks = chunk_document(doc, 512, 32)
    quoted = [c.text[s:e] for c in chunks for s, e in quotable_spans(c)]
    assert head not in quoted and "INT INTEGER TINYINT | INTEGER | 1" in quoted
    assert any(head in c.text for c in chunks), "the header row is still indexed"


def test_markdown_header_row_names_the_columns(tmp_path):
    (tmp_path / "t.md").write_text("# Limits\n\n| Limit | Default |\n|---|---|\n| SQLITE_MAX_COLUMN | 2000 |\n| SQLITE_MAX_SQL_LENGTH | 1000000 |\n\nDone.\n")
    doc = load(tmp_path / "t.md")
    got = [(b.kind, doc.text[b.start:b.end], b.head) for b in doc.blocks if b.kind.startswith("table")]
    assert got == [("table_head", "| Limit | Default |", ""), ("table_row", "| SQLITE_MAX_COLUMN | 2000 |", "| Limit | Default |"),
                   ("table_row", "| SQLITE_MAX_SQL_LENGTH | 1000000 |", "| Limit | Default |")]


def test_a_quoted_row_is_shown_with_its_column_names_and_cited_exactly(tmp_path):
    from rag.pipeline import build
    from rag.settings import Settings

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "types.html").write_text(TABLE_HTML, encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    pipe.ingest([tmp_path / "docs"])
    doc = load(tmp_path / "docs" / "types.html")
    ans = pipe.ask("Which affinity does a column declared DATETIME get, NUMERIC DECIMAL BOOLEAN DATE DATETIME?")
    row = "NUMERIC DECIMAL(10,5) BOOLEAN DATE DATETIME | NUMERIC | 5"
    (s,) = [s for s in ans.sentences if s.text == row]
    assert s.display == "Example Typenames: NUMERIC DECIMAL(10,5) BOOLEAN DATE DATETIME; Resulting Affinity: NUMERIC; Rule Used: 5"
    assert s.display in ans.answer and row not in ans.answer
    (c,) = [c for c in ans.citations if c.n in s.cites]
    assert any(doc.text[a:b] == row for a, b in c.highlights), "the citation points at the row as the document has it"
    prose = [x for x in ans.sentences if "|" not in x.text]
    assert all(x.display == "" for x in prose), "prose is shown as quoted"
