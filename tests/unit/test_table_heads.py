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


def test_two_adjacent_tables_do_not_share_a_header(tmp_path):
    html = TABLE_HTML.replace("</table>", "</table><table><tr><td>K</td><td>V</td></tr><tr><td>x</td><td>9</td></tr></table>")
    (tmp_path / "t.html").write_text(html, encoding="utf-8")
    doc = load(tmp_path / "t.html")
    heads = {doc.text[b.start:b.end]: b.head for b in doc.blocks if b.kind == "table_row"}
    assert heads["x | 9"] == "" and heads["K | V"] == "", "a table without a header row names no columns"
    assert heads["INT INTEGER TINYINT | INTEGER | 1"] == "Example Typenames | Resulting Affinity | Rule Used"


def test_docx_header_rows_word_flag_libreoffice_style_or_bold(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    d = docx.Document()
    d.add_paragraph("Three tables follow.")
    flagged, bold, plain = (d.add_table(rows=3, cols=2) for _ in range(3))
    for t, rows in ((flagged, [("Key", "Meaning"), ("a", "first"), ("b", "second")]), (bold, [("Name", "Size"), ("x", "1"), ("y", "2")]),
                    (plain, [("p", "3"), ("q", "4"), ("r", "5")])):
        for r, vals in zip(t.rows, rows):
            for c, v in zip(r.cells, vals):
                run = c.paragraphs[0].add_run(v)
                run.bold = t is bold and vals == rows[0]
    flag = OxmlElement("w:tblHeader")  # Word's "Repeat as header row at the top of each page"
    flagged.rows[0]._tr.get_or_add_trPr().append(flag)
    d.save(str(tmp_path / "t.docx"))
    doc = load(tmp_path / "t.docx")
    got = [(b.kind, doc.text[b.start:b.end], b.head) for b in doc.blocks if b.kind.startswith("table")]
    assert got == [("table_head", "Key | Meaning", ""), ("table_row", "a | first", "Key | Meaning"), ("table_row", "b | second", "Key | Meaning"),
                   ("table_head", "Name | Size", ""), ("table_row", "x | 1", "Name | Size"), ("table_row", "y | 2", "Name | Size"),
                   ("table_row", "p | 3", ""), ("table_row", "q | 4", ""), ("table_row", "r | 5", "")]


def test_odt_header_rows(tmp_path):
    from tests.unit.test_extract_odt import cell, odt, p, table

    head = '<table:table-header-rows><table:table-row>' + cell("Limit") + cell("Default") + "</table:table-row></table:table-header-rows>"
    first = ('<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>' + head
             + "<table:table-row>" + cell("columns") + cell("2000") + "</table:table-row></table:table>")
    body = p("Limits follow.") + first + table(cell("K") + cell("V"), cell("x") + cell("9"), columns=2)
    doc = load(odt(tmp_path / "t.odt", body))
    got = [(b.kind, doc.text[b.start:b.end], b.head) for b in doc.blocks if b.kind.startswith("table")]
    assert got == [("table_head", "Limit | Default", ""), ("table_row", "columns | 2000", "Limit | Default"),
                   ("table_row", "K | V", ""), ("table_row", "x | 9", "")]


def test_the_reader_reads_rows_with_their_column_names_and_offsets_map_back():
    from types import SimpleNamespace

    from rag.blocks import reader_view

    text = "Releases:\n\n10 | Buster | 2019-07-06\n\n11 | Bullseye | 2021-08-14\n\nThe end."
    head = "version | codename | release"
    r1, r2 = text.index("10 |"), text.index("11 |")
    blocks = ((0, 9, "paragraph", "", 0), (r1, r1 + 24, "table_row", "", 0, head), (r2, r2 + 26, "table_row", "", 0, head),
              (len(text) - 8, len(text), "paragraph", "", 0))
    view, at = reader_view(SimpleNamespace(text=text, blocks=blocks))
    assert view == ("Releases:\n\nversion: 10; codename: Buster; release: 2019-07-06\n\n"
                    "version: 11; codename: Bullseye; release: 2021-08-14\n\nThe end.")
    assert view[at(r2):at(r2 + 26)] == "version: 11; codename: Bullseye; release: 2021-08-14"
    assert view[at(len(text) - 8):at(len(text))] == "The end." and at(3) == 3
    plain = SimpleNamespace(text="No tables here.", blocks=())
    assert reader_view(plain)[0] == "No tables here."


def test_a_model_answering_sees_rows_with_their_column_names_and_is_checked_against_them(tmp_path):
    """The openai/local modes: the prompt shows a row as "release: 2019-07-06", and the sentence a model writes
    from it is checked against that view of the row as well as against the row as the document has it."""
    import re as _re

    from rag.answer import LLMAnswerer
    from rag.pipeline import _as_read, build
    from rag.settings import Settings

    class Scripted:
        def __init__(self, reply):
            self.reply, self.prompts = reply, []

        def __call__(self, messages, stream):
            self.prompts.append(messages)
            yield from ([self.reply] if not stream else _re.findall(r"\S+\s*", self.reply))

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "debian.csv").write_text(
        "version,codename,created,release,eol\n9,Stretch,2015-04-26,2017-06-17,2020-07-18\n10,Buster,2017-06-17,2019-07-06,2022-09-10\n", encoding="utf-8")
    claim = "Debian 10 Buster had its release on 2019-07-06."
    chat = Scripted(f"{claim} [1]")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", refusal_threshold=0.0, mode="openai"), openai=LLMAnswerer(chat, name="openai"))
    pipe.ingest([tmp_path / "docs"])
    ans = pipe.ask("When was Debian 10 Buster released?")
    prompt = "\n".join(m["content"] for m in chat.prompts[-1])
    assert "version: 10; codename: Buster; created: 2017-06-17; release: 2019-07-06; eol: 2022-09-10" in prompt
    (s,) = ans.sentences
    assert s.supported and not ans.refused
    chunk = next(c for c in pipe.store.all_chunks())
    assert "| 2019-07-06 |" in _as_read(chunk) and "release: 2019-07-06" in _as_read(chunk), "checked against both"
