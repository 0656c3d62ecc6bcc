"""Spreadsheets -> blocks: CSV/TSV and Excel .xlsx, each sheet one table whose rows can be quoted.

* CSV/TSV: decoded like any text file; the delimiter is sniffed among , ; tab | (a .tsv is tab-separated).
* XLSX, read with the standard library and lxml (no new dependency):
  - the sheets in the workbook's order (xl/workbook.xml and its relationships), hidden ones too;
  - shared strings, inline strings, a formula's cached value, TRUE/FALSE for booleans;
  - a cell sits at its column letter ("C7"), so a skipped cell is an empty one;
  - a number in a date format (built-in formats 14-22 and 45-47, or a custom code with d, m, y
    or h outside quotes and brackets) is shown as an ISO date ("2019-07-06", with the time when it
    has one), counted from 1899-12-30 or, in a 1904-dated workbook, from 1904-01-01.
* Blocks: a workbook's sheet name is a heading (the section path of its rows); the first non-empty
  row is the table's header row (`table_head`, so a quoted row is shown with its column names)
  when each of its cells is text, not a number or a date; every other row is a `table_row`, cells
  joined " | " and padded to the table's width, an empty cell written "–" (so "eol-lts: –" when shown).
Left out: .xls and .ods, merged cells, charts, comments, cell formatting other than dates, and
formulas without a cached value (an empty cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import re

from rag.blocks import Block, with_heads

MAX_EXPANDED = 512 * 1024 * 1024  # an .xlsx whose parts expand past this is refused (a zip bomb, not a workbook)
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DATE_IDS = set(range(14, 23)) | {45, 46, 47}
_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?%?")
EMPTY = "–"  # an empty cell, so that every row has its table's width in the text (and "eol: –" when shown)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")


class BadSheet(Exception):
    """The reason a spreadsheet can't be read, shown to the user."""


def _fold(text: str) -> str:
    return " ".join(text.split())


def _is_value(cell: str) -> bool:
    """A number or a date, as opposed to text (a column name is text)."""
    c = cell.strip()
    return bool(_NUMBER.fullmatch(c) or _ISO_DATE.fullmatch(c))


def table_blocks(rows: list[list[str]], section: tuple[str, ...] = ()) -> list[Block]:
    """One table: the header row (when its cells are all text) and the rows, padded to one width."""
    rows = [[_fold(c) for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    while width > 1 and not any(len(r) >= width and r[width - 1] for r in rows):
        width -= 1  # trailing columns that are empty in every row
    rows = [(r + [""] * width)[:width] for r in rows]
    first = rows[0]
    head = len(rows) > 1 and width > 1 and all(c and not _is_value(c) for c in first)
    return with_heads([Block("table_head" if i == 0 and head else "table_row", " | ".join(c or EMPTY for c in r), section) for i, r in enumerate(rows)])


def csv_blocks(text: str, tab: bool = False) -> list[Block]:
    sample = text[:65536]
    delimiter = "\t"
    if not tab:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = "," if sample.count(",") >= sample.count("\t") else "\t"
    try:
        rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    except csv.Error as e:
        raise BadSheet(f"malformed CSV ({e})") from e
    return table_blocks(rows)


# --- XLSX -------------------------------------------------------------------------------------


def _col(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()  # quoted text, [colours]/[$-409], escapes
    return bool(re.search(r"[dmyh]", code)) and "general" not in code


def _number(v: str) -> str:
    try:
        f = float(v)
    except ValueError:
        return v
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return format(f, ".15g")


def _date(v: str, epoch1904: bool) -> str:
    try:
        f = float(v)
    except ValueError:
        return v
    base = dt.datetime(1904, 1, 1) if epoch1904 else dt.datetime(1899, 12, 30)
    try:
        when = base + dt.timedelta(days=f)
    except OverflowError:
        return _number(v)
    when = when.replace(microsecond=0) + dt.timedelta(seconds=round(when.microsecond / 1e6))
    if f.is_integer():
        return when.date().isoformat()
    return when.isoformat(sep=" ") if f >= 1 else when.time().isoformat()


def xlsx_blocks(raw: bytes) -> tuple[list[Block], str | None]:
    from lxml import etree

    from rag.zipdoc import open_zip, part_name

    z = open_zip(raw, MAX_EXPANDED, lambda reason: BadSheet(reason))
    names = set(z.namelist())

    def xml(name: str):
        if name not in names:
            return None
        try:
            return etree.fromstring(z.read(name), parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
        except etree.XMLSyntaxError as e:
            raise BadSheet(f"damaged XML in {name}") from e

    book = xml("xl/workbook.xml")
    if book is None:
        raise BadSheet("no xl/workbook.xml: not an Excel workbook")
    pr = book.find(NS + "workbookPr")
    epoch1904 = pr is not None and pr.get("date1904") in ("1", "true")
    rels = xml("xl/_rels/workbook.xml.rels")
    targets = {r.get("Id"): part_name("xl", r.get("Target", "")) for r in (rels.iter(PKG_REL + "Relationship") if rels is not None else ())}

    shared = []
    sst = xml("xl/sharedStrings.xml")
    for si in sst.iter(NS + "si") if sst is not None else ():
        shared.append("".join(t.text or "" for t in si.iter(NS + "t") if t.getparent().tag != NS + "rPh"))  # not phonetic runs

    date_styles: set[int] = set()
    styles = xml("xl/styles.xml")
    if styles is not None:
        custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(NS + "numFmt") if (f.get("numFmtId") or "").isdigit()}
        xfs = styles.find(NS + "cellXfs")
        for i, xf in enumerate(xfs.findall(NS + "xf") if xfs is not None else ()):
            fid = int(xf.get("numFmtId") or 0)
            if fid in _DATE_IDS or (fid in custom and _is_date_format(custom[fid])):
                date_styles.add(i)

    blocks: list[Block] = []
    sheets = book.find(NS + "sheets")
    for sh in sheets.findall(NS + "sheet") if sheets is not None else ():
        ws = xml(targets.get(sh.get(REL + "id"), ""))
        if ws is None:
            continue
        rows: list[list[str]] = []
        for row in ws.iter(NS + "row"):
            cells: dict[int, str] = {}
            for n, c in enumerate(row.findall(NS + "c")):
                col = _col(c.get("r", "")) if c.get("r") else n
                t = c.get("t", "n")
                v = c.find(NS + "v")
                if t == "inlineStr":
                    val = "".join(x.text or "" for x in c.iter(NS + "t"))
                elif v is None or v.text is None:
                    continue
                elif t == "s":
                    i = int(v.text) if v.text.strip().isdigit() else -1
                    val = shared[i] if 0 <= i < len(shared) else ""
                elif t == "b":
                    val = "TRUE" if v.text.strip() == "1" else "FALSE"
                elif t in ("str", "e", "d"):
                    val = v.text
                elif int(c.get("s") or 0) in date_styles:
                    val = _date(v.text, epoch1904)
                else:
                    val = _number(v.text)
                if 0 <= col < 16384:
                    cells[col] = val
            if cells:
                rows.append([cells.get(i, "") for i in range(max(cells) + 1)])
        table = table_blocks(rows, (sh.get("name") or "",))
        if table:
            name = sh.get("name") or ""
            blocks += ([Block("heading", name, (name,))] if name else []) + table
    title = None
    core = xml("docProps/core.xml")
    if core is not None:
        el = core.find("{http://purl.org/dc/elements/1.1/}title")
        title = el.text if el is not None else None
    return blocks, title
