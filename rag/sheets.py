"""Spreadsheets -> blocks: CSV/TSV, Excel .xlsx and OpenDocument .ods, each sheet one table whose rows can be quoted.

* CSV/TSV: decoded like any text file; the delimiter is sniffed among , ; tab | (a .tsv is tab-separated). A file
  that opens with '#' lines has comments (`csv_blocks`): prose paragraphs, the last one above the rows its header row.
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
* ODS (LibreOffice Calc's own format) and flat .fods, read from content.xml as it streams (lxml iterparse,
  each row freed once read: the XML of a big sheet is never held whole in memory), meta.xml's dc:title as the title:
  - office:spreadsheet's table:table elements in order (hidden ones too), each named by table:name;
  - rows (table:table-row, through row groups and header rows) and cells (table:table-cell, and
    table:covered-table-cell, the cells a merged cell hides: an empty cell, as a merged area reads in
    .xlsx) with table:number-rows-repeated / table:number-columns-repeated: an empty repeated row or cell
    costs nothing (LibreOffice ends a sheet with ~1M empty rows of 1024 cells), one with text shows at most
    MAX_REPEAT times; a cell past column MAX_COLS is left out;
  - a cell's value: a date (office:date-value) as an ISO date, with the time when it is not midnight; a
    time of day (office:time-value) as "13:45:00"; a number, percentage or currency as Calc displays it
    (its text:p: "4.10", "12%", "€3.50"); a boolean as TRUE/FALSE; text as its paragraphs joined by spaces
    (spans, links, text:s, tabs and line breaks read as spaces); comments (office:annotation) left out;
  - hidden rows and columns are read like the others.
  Refused with the reason: not a zip, a zip bomb, password-protected, no content.xml, not well-formed
  XML, a text document or presentation renamed .ods, a file without office:spreadsheet.
Left out: .xls, merged cells (the cells a merge hides are empty), charts, comments, cell formatting other than
dates, and formulas without a cached value (an empty cell).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
import zlib

from rag.blocks import Block, with_heads

MAX_EXPANDED = 512 * 1024 * 1024  # an .xlsx or .ods whose parts expand past this is refused (a zip bomb, not a workbook)
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


def table_blocks(rows: list[list[str]], section: tuple[str, ...] = (), width: int | None = None, head: bool | None = None) -> list[Block]:
    """One table: the header row (when its cells are all text; `head` says so when the caller knows) and the
    rows, padded to one width (at least `width`)."""
    rows = [[_fold(c) for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(width or 0, max(len(r) for r in rows))
    while width > 1 and not any(len(r) >= width and r[width - 1] for r in rows):
        width -= 1  # trailing columns that are empty in every row
    rows = [(r + [""] * width)[:width] for r in rows]
    first = rows[0]
    if head is None:
        head = len(rows) > 1 and width > 1 and all(c and not _is_value(c) for c in first)
    return with_heads([Block("table_head" if i == 0 and head else "table_row", " | ".join(c or EMPTY for c in r), section) for i, r in enumerate(rows)])


def titled(rows: list[list[str]], section: tuple[str, ...] = ()) -> tuple[list[Block], list[list[str]]]:
    """A sheet's title lines above its table ("Server inventory - exported 2026-11-30", a blank line, then the header
    row): the leading rows of one non-empty cell, when a row of two or more follows, as captions (indexed, never
    quoted), and the rows from the table's first on. A one-column table keeps its rows."""
    n = next((i for i, r in enumerate(rows) if sum(1 for c in r if c.strip()) >= 2), None)
    if not n:
        return [], rows
    return [Block("caption", _fold(c), section) for r in rows[:n] for c in r if c.strip()], rows[n:]


def csv_blocks(text: str, tab: bool = False) -> list[Block]:
    """A CSV/TSV file as one table. A file that opens with '#' lines (tzdata's zone1970.tab, many data files)
    has comments: each run of '#' lines is a paragraph of prose (its '#' marks left out), and the last one
    right above the first row is the header row when it has the table's width ("#code<TAB>name of country");
    else the first row is, as in any file, when its cells are all text. Rows after a comment go on the same table."""
    lines = text.splitlines()
    commented = bool(lines) and _comment(lines[0])
    sample = text[:65536]
    delimiter = "\t"
    if not tab:
        try:
            delimiter = csv.Sniffer().sniff("\n".join(ln for ln in sample.splitlines() if not _comment(ln)) or sample, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = "," if sample.count(",") >= sample.count("\t") else "\t"

    def parse(ls: list[str]) -> list[list[str]]:
        try:
            return list(csv.reader(ls, delimiter=delimiter))
        except csv.Error as e:
            raise BadSheet(f"malformed CSV ({e})") from e

    if not commented:
        captions, rows = titled(parse(lines))
        return captions + table_blocks(rows)
    runs = [(is_comment, ls if is_comment else parse(ls)) for is_comment, ls in ((k, list(g)) for k, g in itertools.groupby(lines, _comment))]
    width = max((len(r) for is_comment, rs in runs if not is_comment for r in rs), default=0)
    first = next((i for i, (is_comment, x) in enumerate(runs) if not is_comment and any(x)), None)  # (blank lines are no rows)
    above = next((i for i in range(first - 1, -1, -1) if runs[i][0]), None) if first else None
    head = None
    if above is not None:  # the last comment line above the first row, read as a row
        cand = next(csv.reader([runs[above][1][-1].lstrip()], delimiter=delimiter))
        if len(cand) == width > 1 and all(c.strip() and not _is_value(c) for c in cand):
            head = cand
            runs[above][1].pop()
    out: list[Block] = []
    for i, (is_comment, x) in enumerate(runs):
        if is_comment:
            if prose := _fold(" ".join(ln.lstrip().lstrip("#") for ln in x)):
                out.append(Block("paragraph", prose))
        elif i == first:
            out += table_blocks(([head] if head else []) + x, width=width, head=True if head else None)
        else:
            out += table_blocks(x, width=width, head=False)
    return with_heads(out)


def _comment(line: str) -> bool:
    return line.lstrip().startswith("#")


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


def _sheet(name: str, rows: list[list[str]]) -> list[Block]:
    """A workbook's sheet: its name a heading (the section of its rows), then its table."""
    captions, rows = titled(rows, (name,))
    table = captions + table_blocks(rows, (name,))
    return (([Block("heading", name, (name,))] if name else []) + table) if table else []


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
        blocks += _sheet(sh.get("name") or "", rows)
    title = None
    core = xml("docProps/core.xml")
    if core is not None:
        el = core.find("{http://purl.org/dc/elements/1.1/}title")
        title = el.text if el is not None else None
    return blocks, title


# --- ODS --------------------------------------------------------------------------------------

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
MAX_REPEAT = 100  # a repeated row or cell with text shows at most this many times (as in rag/odf.py)
MAX_COLS = 16384  # Calc's (and Excel's) last column; a cell past it is left out
_SHEET_TYPES = ("application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.spreadsheet-template")
_CELLS = (TABLE + "table-cell", TABLE + "covered-table-cell")
_NOT_TEXT = {OFFICE + "annotation", OFFICE + "annotation-end", TEXT + "note", TEXT + "ruby-text"}
_OTHER_BODIES = {OFFICE + k for k in ("text", "presentation", "drawing", "chart", "image", "database")}  # office:body's other kinds
_EVENTS = [OFFICE + "document", OFFICE + "document-content", OFFICE + "spreadsheet", *_OTHER_BODIES,
           TABLE + "table", TABLE + "table-row", DC + "title"]  # the elements iterparse reports (the others cost no Python call)
_ODS_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?")
_ODS_TIME = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?")


def _int(s: str | None, default: int) -> int:
    return int(s) if s and s.isdigit() else default


def _wrong_kind(what: str, ext: str) -> str:
    """The reason another kind of OpenDocument file is refused; `what` is its mimetype or its body's element."""
    kind = re.split(r"[.:]", what)[-1]
    if kind.startswith("text"):
        return f"a text document ({what[:80]}), not a spreadsheet: an OpenDocument text file renamed {ext}?"
    if kind.startswith("presentation"):
        return f"a presentation ({what[:80]}), not a spreadsheet: an OpenDocument presentation renamed {ext}?"
    return f"not a spreadsheet ({what[:80]})"


def _ods_text(el, out: list[str]) -> None:
    """A paragraph's text through its spans and links; text:s, tabs and line breaks as spaces, no comments."""
    if el.text:
        out.append(el.text)
    for c in el:
        if c.tag == TEXT + "s":
            out.append(" " * min(_int(c.get(TEXT + "c"), 1), 1000))
        elif c.tag in (TEXT + "tab", TEXT + "line-break"):
            out.append(" ")
        elif isinstance(c.tag, str) and c.tag not in _NOT_TEXT:
            _ods_text(c, out)
        if c.tail:
            out.append(c.tail)


def _ods_date(v: str) -> str | None:
    m = _ODS_DATE.match(v.strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    try:
        when = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        if frac and float("0." + frac) >= 0.5:
            when += dt.timedelta(seconds=1)
    except (ValueError, OverflowError):
        return None
    return when.date().isoformat() if when.time() == dt.time() else when.isoformat(sep=" ")


def _ods_time(v: str) -> str | None:
    m = _ODS_TIME.fullmatch(v.strip())
    if not m or not any(m.groups()):
        return None
    h, mi, s = m.groups()
    seconds = round(int(h or 0) * 3600 + int(mi or 0) * 60 + float((s or "0").replace(",", ".")))
    return (dt.datetime.min + dt.timedelta(seconds=seconds)).time().isoformat() if seconds < 86400 else None


def _ods_cell(tc) -> str:
    """What a cell shows: see the module's docstring."""
    if tc.tag != TABLE + "table-cell":
        return ""  # hidden under a merged cell
    kind = tc.get(OFFICE + "value-type")
    if kind == "boolean":
        v = (tc.get(OFFICE + "boolean-value") or "").strip().lower()
        if v in ("true", "false"):
            return v.upper()
    if kind == "date":
        when = _ods_date(tc.get(OFFICE + "date-value") or "")
        if when:
            return when
    if kind == "time":
        when = _ods_time(tc.get(OFFICE + "time-value") or "")
        if when:
            return when
    paras = []
    for p in tc:
        if p.tag in (TEXT + "p", TEXT + "h"):
            out: list[str] = []
            _ods_text(p, out)
            paras.append("".join(out))
    shown = _fold(" ".join(paras))
    if shown:
        return shown
    if kind in ("float", "percentage", "currency"):
        return _number(tc.get(OFFICE + "value") or "")
    return tc.get(OFFICE + "string-value") or "" if kind == "string" else ""


def _ods_row(tr) -> list[str]:
    """A row's cells, an empty repeated cell only counted, one with text shown at most MAX_REPEAT times."""
    cells: dict[int, str] = {}
    col = 0
    for tc in tr:
        if tc.tag not in _CELLS:
            continue
        rep = _int(tc.get(TABLE + "number-columns-repeated"), 1)
        val = _ods_cell(tc)
        if val:
            rep = min(rep, MAX_REPEAT)
            for i in range(col, min(col + rep, MAX_COLS)):
                cells[i] = val
        col += rep
        if col >= MAX_COLS:
            break
    return [cells.get(i, "") for i in range(max(cells) + 1)] if cells else []


def _ods_content(source, ext: str, flat: bool) -> tuple[list[Block], str | None]:
    """Blocks (and, in a flat file, the title) of content.xml or a flat file, read as it streams."""
    from lxml import etree

    blocks: list[Block] = []
    title = None
    tables = 0  # table:table elements open (a table inside a cell's shape is not a sheet)
    sheet = False  # inside office:spreadsheet
    found = False
    name, rows = "", []
    first = True
    for ev, el in etree.iterparse(source, events=("start", "end"), tag=_EVENTS, resolve_entities=False, no_network=True, huge_tree=True):
        tag = el.tag
        if ev == "start":
            if first:
                first = False
                if flat and tag != OFFICE + "document":
                    raise BadSheet("not an OpenDocument flat XML file (no office:document)")
                mime = el.get(OFFICE + "mimetype") or ""
                if flat and mime and mime not in _SHEET_TYPES:
                    raise BadSheet(_wrong_kind(mime, ext))
            if tag in _OTHER_BODIES and el.getparent() is not None and el.getparent().tag == OFFICE + "body":
                raise BadSheet(_wrong_kind("office:" + tag[len(OFFICE):], ext))
            if tag == OFFICE + "spreadsheet":
                sheet = found = True
            elif tag == TABLE + "table":
                tables += 1
                if tables == 1 and sheet:
                    name, rows = el.get(TABLE + "name") or "", []
            continue
        if tag == TABLE + "table-row" and tables == 1 and sheet:
            cells = _ods_row(el)
            if cells:
                rows.extend([cells] * min(_int(el.get(TABLE + "number-rows-repeated"), 1), MAX_REPEAT))
            el.clear(keep_tail=True)
            parent = el.getparent()
            while el.getprevious() is not None:  # the rows read so far: free them
                del parent[0]
        elif tag == TABLE + "table":
            tables -= 1
            if tables == 0 and sheet:
                blocks += _sheet(name, rows)
                rows = []
                el.clear(keep_tail=True)
        elif tag == OFFICE + "spreadsheet":
            sheet = False
        elif tag == DC + "title" and flat and title is None:
            title = " ".join((el.text or "").split()) or None
    if not found:
        raise BadSheet(f"no spreadsheet (office:spreadsheet) in {'the file' if flat else 'content.xml'}")
    return blocks, title


def ods_blocks(raw: bytes) -> tuple[list[Block], str | None]:
    """(blocks, title) of an .ods file's bytes, or of a flat .fods (the same XML in one file)."""
    from lxml import etree

    from rag.zipdoc import open_zip

    if raw[:1] == b"<" or raw.lstrip()[:5] == b"<?xml" or raw[:3] == b"\xef\xbb\xbf":
        try:
            return _ods_content(io.BytesIO(raw), ".fods", True)
        except etree.XMLSyntaxError as e:
            raise BadSheet(f"the file is not well-formed XML ({str(e)[:80]})") from e
    z = open_zip(raw, MAX_EXPANDED, lambda reason: BadSheet(reason))
    names = set(z.namelist())
    part = ""
    try:
        part = "META-INF/manifest.xml"
        if part in names:
            manifest = etree.fromstring(z.read(part), etree.XMLParser(resolve_entities=False, no_network=True))
            if manifest.find(f".//{MANIFEST}encryption-data") is not None:
                raise BadSheet("it is password-protected (encrypted); save a copy without a password")
        if "mimetype" in names:
            mime = z.read("mimetype").decode("ascii", "replace").strip()
            if mime not in _SHEET_TYPES:
                raise BadSheet(_wrong_kind(mime, ".ods"))
        if "content.xml" not in names:
            raise BadSheet("no content.xml: not an OpenDocument spreadsheet")
        part = "content.xml"
        with z.open(part) as f:
            blocks, _ = _ods_content(f, ".ods", False)
        title = None
        part = "meta.xml"
        if part in names:
            el = etree.fromstring(z.read(part), etree.XMLParser(resolve_entities=False, no_network=True)).find(f".//{OFFICE}meta/{DC}title")
            title = " ".join((el.text or "").split()) or None if el is not None else None
    except etree.XMLSyntaxError as e:
        raise BadSheet(f"damaged XML in {part} ({str(e)[:80]})") from e
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError) as e:
        raise BadSheet(f"a damaged zip ({str(e)[:60] or type(e).__name__})") from e
    return blocks, title
