"""Spreadsheets (rag/sheets.py): CSV/TSV and .xlsx become one table per sheet, a header row that names
the columns, rows padded to the table's width, dates as dates; a quoted row is shown with its column names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from rag.loaders import Unreadable, load_file

REAL_XLSX = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "realdocs_files" / "ubuntu.xlsx"  # LibreOffice Calc 7.4


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def table(doc) -> list[tuple[str, str, str]]:
    return [(b.kind, doc.text[b.start:b.end], b.section) for b in doc.blocks]


def test_csv_header_quoted_commas_and_empty_cells(tmp_path):
    (tmp_path / "r.csv").write_text('version,codename,release,notes\n10,Buster,2019-07-06,"stable, then oldstable"\n14,Forky,,\n', encoding="utf-8")
    doc = load(tmp_path / "r.csv")
    assert table(doc) == [("table_head", "version | codename | release | notes", ""),
                          ("table_row", "10 | Buster | 2019-07-06 | stable, then oldstable", ""),
                          ("table_row", "14 | Forky | – | –", "")]
    assert all(b.head == "version | codename | release | notes" for b in doc.blocks[1:])


def test_semicolon_and_tab_separated_files(tmp_path):
    (tmp_path / "s.csv").write_text("name;size\nalpha;3\nbeta;4\n", encoding="utf-8")
    (tmp_path / "t.tsv").write_text("name\tsize\nalpha\t3\n", encoding="utf-8")
    assert [x[1] for x in table(load(tmp_path / "s.csv"))] == ["name | size", "alpha | 3", "beta | 4"]
    assert [x[:2] for x in table(load(tmp_path / "t.tsv"))] == [("table_head", "name | size"), ("table_row", "alpha | 3")]


def test_title_lines_above_the_table_are_captions_and_the_header_is_found_under_them(tmp_path):
    """Trial 2026-12-06: an export with a title line and a blank line above its header row had no header (the title
    row, padded with "–" cells, was the first row), so answers quoted "beta | Mail relay | 16" without column names."""
    (tmp_path / "inv.csv").write_text("Server inventory - exported 2026-11-30\n\nHostname,Role,RAM (GB)\nalpha,Web server,64\n"
                                      "beta,Mail relay,16\n", encoding="utf-8")
    doc = load(tmp_path / "inv.csv")
    assert table(doc) == [("caption", "Server inventory - exported 2026-11-30", ""), ("table_head", "Hostname | Role | RAM (GB)", ""),
                          ("table_row", "alpha | Web server | 64", ""), ("table_row", "beta | Mail relay | 16", "")]
    assert doc.blocks[-1].head == "Hostname | Role | RAM (GB)"
    (tmp_path / "one.csv").write_text("name\nalpha\nbeta\n", encoding="utf-8")  # one column: its rows stay rows
    assert [k for k, _, _ in table(load(tmp_path / "one.csv"))] == ["table_row"] * 3


def test_a_first_row_of_numbers_is_data_not_a_header(tmp_path):
    (tmp_path / "n.csv").write_text("1,2020-01-01,ok\n2,2021-01-01,ok\n", encoding="utf-8")
    assert {k for k, _, _ in table(load(tmp_path / "n.csv"))} == {"table_row"}


def test_comment_lines_are_prose_and_the_last_one_above_the_rows_can_be_the_header(tmp_path):
    # As tzdata's zone1970.tab: a '#' preamble, a commented header, a comment between rows, rows shorter than the header.
    (tmp_path / "z.tsv").write_text("# tz descriptions\n# This file is in the public domain.\n#\n#codes\tcoordinates\tTZ\tcomments\n"
                                    "AD\t+4230+00131\tEurope/Andorra\nAU\t-4253+14719\tAustralia/Hobart\tTasmania\n"
                                    "# Mention RU and UA alphabetically.\nRU\t+6445+17729\tAsia/Anadyr\tMSK+09\n", encoding="utf-8")
    doc = load(tmp_path / "z.tsv")
    head = "#codes | coordinates | TZ | comments"
    assert table(doc) == [("paragraph", "tz descriptions This file is in the public domain.", ""), ("table_head", head, ""),
                          ("table_row", "AD | +4230+00131 | Europe/Andorra | –", ""),
                          ("table_row", "AU | -4253+14719 | Australia/Hobart | Tasmania", ""),
                          ("paragraph", "Mention RU and UA alphabetically.", ""),
                          ("table_row", "RU | +6445+17729 | Asia/Anadyr | MSK+09", "")], "the row after the comment is not a header"
    assert all(b.head == head for b in doc.blocks if b.kind == "table_row")
    from rag.blocks import labelled_row

    assert labelled_row("AU | -4253+14719 | Australia/Hobart | Tasmania", head) == "codes: AU; coordinates: -4253+14719; TZ: Australia/Hobart; comments: Tasmania"


def test_a_blank_line_between_the_comments_and_the_rows_keeps_the_commented_header(tmp_path):
    (tmp_path / "b.tsv").write_text("# country codes\n\n#code\tname\n\nAD\tAndorra\nAE\tUnited Arab Emirates\n", encoding="utf-8")
    assert [x[:2] for x in table(load(tmp_path / "b.tsv"))] == [("paragraph", "country codes"), ("table_head", "#code | name"),
                                                                 ("table_row", "AD | Andorra"), ("table_row", "AE | United Arab Emirates")]


def test_a_hash_line_is_a_comment_only_in_a_file_that_opens_with_one(tmp_path):
    (tmp_path / "h.csv").write_text("name,size\n#1,3\n#2,4\n", encoding="utf-8")
    assert [x[:2] for x in table(load(tmp_path / "h.csv"))] == [("table_head", "name | size"), ("table_row", "#1 | 3"), ("table_row", "#2 | 4")]
    (tmp_path / "c.csv").write_text("# prices\nname,size\nalpha,3\n", encoding="utf-8")
    assert [x[:2] for x in table(load(tmp_path / "c.csv"))] == [("paragraph", "prices"), ("table_head", "name | size"), ("table_row", "alpha | 3")], \
        "no commented header: the first row is the header, as in any file"


def _xlsx(sheets: dict[str, str], shared: list[str], date1904: bool = False) -> bytes:
    """A minimal workbook as Excel writes one: shared strings, a date style (numFmtId 14) as style 1."""
    S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        pr = '<workbookPr date1904="1"/>' if date1904 else ""
        names = "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(sheets))
        z.writestr("xl/workbook.xml", f"<workbook {S} {R}>{pr}<sheets>{names}</sheets></workbook>")
        rels = "".join(f'<Relationship Id="rId{i + 1}" Type="ws" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(len(sheets)))
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        z.writestr("xl/sharedStrings.xml", f"<sst {S}>" + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        z.writestr("xl/styles.xml", f'<styleSheet {S}><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
        for i, rows in enumerate(sheets.values()):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", f"<worksheet {S}><sheetData>{rows}</sheetData></worksheet>")
    return buf.getvalue()


def test_xlsx_cells_types_dates_gaps_and_one_section_per_sheet(tmp_path):
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" s="1"><v>43652</v></c><c r="C2" t="b"><v>1</v></c><c r="D2"><f>1/4</f><v>0.25</v></c></row>'
            '<row r="4"><c r="A4" t="inlineStr"><is><t>Bullseye</t></is></c><c r="C4" t="b"><v>0</v></c></row>')
    (tmp_path / "w.xlsx").write_bytes(_xlsx({"Releases": rows, "Empty": ""}, ["codename", "released", "lts", "share", "Buster"]))
    doc = load(tmp_path / "w.xlsx")
    assert table(doc) == [("heading", "Releases", "Releases"),
                          ("table_head", "codename | released | lts | share", "Releases"),
                          ("table_row", "Buster | 2019-07-06 | TRUE | 0.25", "Releases"),
                          ("table_row", "Bullseye | – | FALSE | –", "Releases")]


def test_xlsx_1904_dates(tmp_path):
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" s="1"><v>0</v></c></row>'
    (tmp_path / "m.xlsx").write_bytes(_xlsx({"S": rows}, ["what", "when", "epoch"], date1904=True))
    assert table(load(tmp_path / "m.xlsx"))[-1][1] == "epoch | 1904-01-01"


def test_a_workbook_libreoffice_saved():
    doc = load(REAL_XLSX)
    rows = {doc.text[b.start:b.end].split(" | ")[1]: (b.kind, doc.text[b.start:b.end], b.head) for b in doc.blocks if b.kind == "table_row"}
    kind, text, head = rows["Focal Fossa"]
    assert text == "20.04 LTS | Focal Fossa | focal | 2019-10-17 | 2020-04-23 | 2025-05-29 | 2025-05-29 | 2030-04-23 | 2032-04-27"
    assert head == "version | codename | series | created | release | eol | eol-server | eol-esm | eol-legacy"
    assert rows["Warty Warthog"][1].startswith("4.1 | Warty Warthog | warty | 2004-03-05 | 2004-10-20 | 2006-04-30 | –"), "Calc read 4.10 as a number"
    assert len(rows) == 44 and doc.blocks[0].kind == "heading"  # 44 releases under the header row


@pytest.mark.parametrize("raw,why", [(b"PK\x03\x04 not really", "unreadable XLSX"), (b"hello", "unreadable XLSX: not a zip archive")])
def test_a_damaged_workbook_is_refused_with_the_reason(tmp_path, raw, why):
    (tmp_path / "bad.xlsx").write_bytes(raw)
    with pytest.raises(Unreadable, match=why):
        load(tmp_path / "bad.xlsx")


def test_a_zip_without_a_workbook_and_a_zip_bomb_are_refused(tmp_path, monkeypatch):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<x/>" + " " * 100_000)
    (tmp_path / "w.xlsx").write_bytes(buf.getvalue())
    with pytest.raises(Unreadable, match="not an Excel workbook"):
        load(tmp_path / "w.xlsx")
    monkeypatch.setattr("rag.sheets.MAX_EXPANDED", 50_000)
    with pytest.raises(Unreadable, match="expands to more than"):
        load(tmp_path / "w.xlsx")


def test_a_quoted_csv_row_is_shown_with_its_column_names(tmp_path):
    from rag.pipeline import build
    from rag.settings import Settings

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "debian.csv").write_text(
        "version,codename,series,created,release,eol\n9,Stretch,stretch,2015-04-26,2017-06-17,2020-07-18\n"
        "10,Buster,buster,2017-06-17,2019-07-06,2022-09-10\n11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14\n", encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    pipe.ingest([tmp_path / "docs"])
    ans = pipe.ask("When was Debian 10 Buster released?")
    row = "10 | Buster | buster | 2017-06-17 | 2019-07-06 | 2022-09-10"
    (s,) = [s for s in ans.sentences if s.text == row]
    assert s.display == "version: 10; codename: Buster; series: buster; created: 2017-06-17; release: 2019-07-06; eol: 2022-09-10"
    assert s.display in ans.answer


# --- ODS: written here as OpenDocument XML in a zip (no LibreOffice), and one file LibreOffice wrote ---------

REAL_ODS = Path(__file__).resolve().parents[1] / "fixtures" / "ubuntu.ods"  # LibreOffice Calc 7.4: soffice --convert-to ods ubuntu.csv
ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"')
# what LibreOffice writes after the last used cell: the rest of the row, then the rest of the sheet
TRAILING = ('<table:table-row table:number-rows-repeated="1048553"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>')


def _ods(sheets: dict[str, str], title: str | None = None, mimetype: str = "application/vnd.oasis.opendocument.spreadsheet") -> bytes:
    """An .ods as LibreOffice writes one: mimetype first and stored, the manifest, content.xml, meta.xml."""
    tables = "".join(f'<table:table table:name="{n}"><table:table-column table:number-columns-repeated="1024"/>{rows}</table:table>'
                     for n, rows in sheets.items())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        z.writestr("content.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>')
        if title is not None:
            z.writestr("meta.xml", f'<office:document-meta {ODS_NS}><office:meta><dc:title>{title}</dc:title></office:meta></office:document-meta>')
    return buf.getvalue()


def _row(*cells: str, attrs: str = "") -> str:
    return f"<table:table-row{attrs}>{''.join(cells)}</table:table-row>"


def _s(text: str, attrs: str = "") -> str:
    return f'<table:table-cell office:value-type="string" calcext:value-type="string"{attrs}><text:p>{text}</text:p></table:table-cell>'


def _f(value: str, shown: str, kind: str = "float") -> str:
    return f'<table:table-cell office:value-type="{kind}" office:value="{value}"><text:p>{shown}</text:p></table:table-cell>'


def _d(value: str, shown: str) -> str:
    return f'<table:table-cell office:value-type="date" office:date-value="{value}"><text:p>{shown}</text:p></table:table-cell>'


def _empty(n: int = 1) -> str:
    return f'<table:table-cell table:number-columns-repeated="{n}"/>' if n > 1 else "<table:table-cell/>"


def test_ods_cells_as_calc_shows_them_repeats_and_one_section_per_sheet(tmp_path):
    releases = (
        _row(_s("version"), _s("codename"), _s("released"), _s("share"), _s("lts"), _s("notes"), _empty(1018))
        + _row(_f("4.1", "4.10"), _s("Warty Warthog"), _d("2004-10-20", "10/20/04"), _f("0.12", "12%", "percentage"),
               '<table:table-cell office:value-type="boolean" office:boolean-value="false"><text:p>FALSE</text:p></table:table-cell>',
               '<table:table-cell office:value-type="string"><office:annotation><dc:creator>me</dc:creator><text:p>a comment</text:p></office:annotation>'
               '<text:p>first <text:span>release</text:span>,<text:s text:c="3"/>so</text:p><text:p>it<text:line-break/>was</text:p></table:table-cell>',
               _empty(1018))
        + _row(_f("20.04", "20.04"), _s("Focal Fossa"), _d("2020-04-23T13:45:30", "04/23/20 13:45"), _f("3.5", "€3.50", "currency"),
               '<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>', _empty(1019),
               attrs=' table:visibility="collapse"')  # a hidden row reads like the others
        + _row(_empty(1024), attrs=' table:number-rows-repeated="5"')  # empty rows between: nothing
        + _row(_s("x"), _empty(3), _s("after three empty cells"), _empty(1019), attrs=' table:number-rows-repeated="2"')
        + _row(_s("merged", ' table:number-columns-spanned="2"'), '<table:covered-table-cell><text:p>hidden by the merge</text:p></table:covered-table-cell>',
               _d("2019-07-06T00:00:00", "07/06/19"), _empty(1021))
        + TRAILING)
    notes = _row(_s("only a note"), _empty(1023)) + TRAILING
    (tmp_path / "w.ods").write_bytes(_ods({"Releases": releases, "Notes": notes}, title="Release calendar"))
    doc = load(tmp_path / "w.ods")
    assert doc.title == "Release calendar"
    assert table(doc) == [
        ("heading", "Releases", "Releases"),
        ("table_head", "version | codename | released | share | lts | notes", "Releases"),
        ("table_row", "4.10 | Warty Warthog | 2004-10-20 | 12% | FALSE | first release, so it was", "Releases"),
        ("table_row", "20.04 | Focal Fossa | 2020-04-23 13:45:30 | €3.50 | TRUE | –", "Releases"),
        ("table_row", "x | – | – | – | after three empty cells | –", "Releases"),
        ("table_row", "x | – | – | – | after three empty cells | –", "Releases"),
        ("table_row", "merged | – | 2019-07-06 | – | – | –", "Releases"),
        ("heading", "Notes", "Notes"),
        ("table_row", "only a note", "Notes")]
    assert doc.blocks[2].head == "version | codename | released | share | lts | notes"


def test_ods_times_and_dates_with_seconds(tmp_path):
    cells = ('<table:table-cell office:value-type="time" office:time-value="PT13H45M00S"><text:p>01:45 PM</text:p></table:table-cell>'
             + _d("2020-04-23T08:00:00.6", "4/23/20") + _d("2020-04-23T23:59:59.7", "4/24/20")
             + '<table:table-cell office:value-type="time" office:time-value="PT36H00M00S"><text:p>36:00:00</text:p></table:table-cell>')
    (tmp_path / "t.ods").write_bytes(_ods({"T": _row(cells)}))
    assert table(load(tmp_path / "t.ods"))[-1][1] == "13:45:00 | 2020-04-23 08:00:01 | 2020-04-24 | 36:00:00"  # (a duration as shown)


def test_ods_huge_repeats_stay_small_and_fast(tmp_path):
    import time

    # a row filled to the last column, repeated to the last row (a formula filled down a whole sheet), then
    # LibreOffice's trailing empty repeats: read at most 100 times each way, and quickly
    rows = _row(_s("all", ' table:number-columns-repeated="16384"'), attrs=' table:number-rows-repeated="1048576"')
    (tmp_path / "big.ods").write_bytes(_ods({"S": rows + TRAILING}))
    start = time.perf_counter()
    doc = load(tmp_path / "big.ods")
    assert time.perf_counter() - start < 2
    body = [b for b in doc.blocks if b.kind in ("table_head", "table_row")]  # (a first row all text is a header)
    assert len(body) == 100 and doc.text[body[0].start:body[0].end] == " | ".join(["all"] * 100)
    assert len(doc.text) < 100_000


def test_a_flat_fods_reads_as_an_ods(tmp_path):
    rows = _row(_s("name"), _s("size"), _empty(1022)) + _row(_s("alpha"), _f("3", "3.0"), _empty(1022)) + TRAILING
    (tmp_path / "f.fods").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><office:document {ODS_NS} office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        '<office:meta><dc:title>Sizes</dc:title></office:meta><office:body><office:spreadsheet>'
        f'<table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body></office:document>', encoding="utf-8")
    doc = load(tmp_path / "f.fods")
    assert doc.title == "Sizes"
    assert table(doc) == [("heading", "Sheet1", "Sheet1"), ("table_head", "name | size", "Sheet1"), ("table_row", "alpha | 3.0", "Sheet1")]


def test_an_ods_libreoffice_wrote_reads_as_its_xlsx():
    rows = {doc.text[b.start:b.end].split(" | ")[1]: (doc.text[b.start:b.end], b.head) for doc in [load(REAL_ODS)] for b in doc.blocks if b.kind == "table_row"}
    xlsx = load(REAL_XLSX)
    xrows = {xlsx.text[b.start:b.end].split(" | ")[1]: (xlsx.text[b.start:b.end], b.head) for b in xlsx.blocks if b.kind == "table_row"}
    assert rows["Focal Fossa"] == xrows["Focal Fossa"] == (
        "20.04 LTS | Focal Fossa | focal | 2019-10-17 | 2020-04-23 | 2025-05-29 | 2025-05-29 | 2030-04-23 | 2032-04-27",
        "version | codename | series | created | release | eol | eol-server | eol-esm | eol-legacy")
    # Calc read the CSV's "4.10" as the number 4.1 and displays it "4.1" (General format), in both files
    assert rows["Warty Warthog"] == xrows["Warty Warthog"]
    assert rows["Warty Warthog"][0].startswith("4.1 | Warty Warthog | warty | 2004-03-05")
    assert load(REAL_ODS).text == xlsx.text  # the same workbook, the same text


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("raw,why", [
    (b"hello", "unreadable ODS: not a zip archive"),
    (_zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "styles.xml": "<x/>"}), "unreadable ODS: no content.xml"),
    (_ods({}, mimetype="application/vnd.oasis.opendocument.text"), r"unreadable ODS: a text document .*an OpenDocument text file renamed \.ods\?"),
    (_zip({"content.xml": f"<office:document-content {ODS_NS}><office:body><office:text><text:p>Dear reader</text:p></office:text></office:body></office:document-content>"}),
     r"text document \(office:text\).*renamed \.ods\?"),  # no mimetype: the body says what it is
    (_zip({"content.xml": "<office:document-content"}), "unreadable ODS: damaged XML in content.xml"),
    (_zip({"META-INF/manifest.xml": '<m:manifest xmlns:m="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><m:file-entry m:full-path="content.xml">'
                                    '<m:encryption-data/></m:file-entry></m:manifest>', "content.xml": "\x93\x11"}), "unreadable ODS: it is password-protected"),
    (_zip({"content.xml": f"<office:document-content {ODS_NS}/>"}), r"unreadable ODS: no spreadsheet \(office:spreadsheet\)"),
])
def test_a_file_that_is_not_a_readable_ods_is_refused_with_the_reason(tmp_path, raw, why):
    (tmp_path / "bad.ods").write_bytes(raw)
    with pytest.raises(Unreadable, match=why):
        load(tmp_path / "bad.ods")


def test_an_ods_zip_bomb_is_refused(tmp_path, monkeypatch):
    (tmp_path / "b.ods").write_bytes(_ods({"S": _row(_s("a" * 100_000))}))
    assert load(tmp_path / "b.ods").text
    monkeypatch.setattr("rag.sheets.MAX_EXPANDED", 50_000)
    with pytest.raises(Unreadable, match="unreadable ODS: it expands to more than"):
        load(tmp_path / "b.ods")


def test_a_label_and_value_row_with_no_header_is_shown_as_the_label_and_its_value():
    """UI trial 2026-12-06: Apache's directive boxes are two-cell rows with no header row, and an answer showed
    "Syntax: | ExpiresByType MIME-type <code>seconds" with the cell separator. It now reads "Syntax: ExpiresByType ...";
    the citation still points at the row as the document has it."""
    from rag.blocks import shown_row
    from rag.types import Chunk

    rows = ["Syntax: | ExpiresByType MIME-type <code>seconds", "alpha | 64", "Default: | "]
    text = "\n\n".join(rows)
    at = [text.index(r) for r in rows]
    blocks = tuple((a, a + len(r.rstrip()), "table_row", "", 0) for a, r in zip(at, rows))
    chunk = Chunk(id="c", source="mod_expires.html", root="/", title="", start=0, end=len(text), text=text, doc_sha256="",
                  n_chunks=1, blocks=blocks)
    assert shown_row(rows[0], chunk) == "Syntax: ExpiresByType MIME-type <code>seconds"
    assert shown_row("alpha | 64", chunk) is None  # no label: shown as it is
    assert shown_row("Default: |", chunk) is None  # nothing after the label
