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


def test_a_first_row_of_numbers_is_data_not_a_header(tmp_path):
    (tmp_path / "n.csv").write_text("1,2020-01-01,ok\n2,2021-01-01,ok\n", encoding="utf-8")
    assert {k for k, _, _ in table(load(tmp_path / "n.csv"))} == {"table_row"}


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
