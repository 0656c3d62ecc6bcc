"""PDF -> blocks, from the text layer's positions and fonts (pypdfium2, Apache-2.0/BSD).

pdfium gives each page's text in reading order, line by line, with character boxes and
font sizes, weights and pitch. From those lines:
  * running headers, footers and page numbers (the top and bottom lines that repeat across
    pages once digits are ignored, or that carry the page number, and that a margin sets apart from
    the text: a code example's last "endif" at the same place on many pages goes on with the text,
    `_in_text_flow`, but a bare number that counts the pages is a page number however close the text comes,
    `_folios`) are dropped, and so are Sphinx's "(continues on next page)" notices;
  * headings are lines set larger (or bolder) than the body text; their level comes from
    their numbering ("2.4" is level 2) or their size. A line like "2. Storage" set bold throughout
    is a heading, not a list item (a bold "Table 4.1." caption is not); when pdfium reports no weight
    or 400 (base-14 and many Type 1 fonts, LibreOffice's embedded fonts), the font's name says whether it is bold;
  * table-of-contents and index pages (most lines end in a dot leader or a page number)
    become toc/index blocks, one entry each, under the page's own larger headings ("Function and
    variable index", its letters: on an index page a numbered heading, "D.1 Index of ...", is one too, an unnumbered
    index title a chapter, and its letters go under it); so do lines that are all links to places in the same
    document, and two or more paragraphs or list items in a row that each name one of the document's headings;
  * a line whose text runs have wide gaps is a table row (cells joined by " | "), unless it is
    alone (no line next to it has gaps, none continues one of its cells), in the middle of an
    open sentence, and ends where the line above ends: a justified line spread wide. Nor is an
    alone line that ends at the page's justified right edge and is followed, a line's pitch below,
    by a line that starts at its left edge and goes on with its sentence: the first line of a
    justified paragraph, widened after a sentence's period (`_opens_paragraph`). A texinfo option entry, option names
    set fixed-pitch one a line over a description indented under its own column, is one row: names | description
    (`_option_entries`); so is DocBook's, as FOP sets it: a fixed-pitch term at the margin that opens with an option and
    carries its argument and default ("--num-callers=<number> [default: 12]"), the description 1.2-3 ems in a paragraph's
    space below (`_fop_option`). A texinfo definition ("void sha256_update (...) | [Function]") whose prototype wraps onto indented
    lines keeps them in its row, whichever of the prototype's sizes they open in. A line
    that starts under a later column of the row above continues that cell (a wrapped cell, a
    definition list's definition). A row whose cells wrap, which pdfium reads cell by cell (down one
    cell, then up to the next), is put back together as one row. A table's first row is its header
    (`table_head`) when every letter of it is bold and the row below is not, and so is that header repeated at
    the head of the next page; a header set on two lines, words over a row of data, is joined into one
    (`_stacked_heads`); the rows under it carry its text (`_table_heads`);
  * footnotes (smaller lines below the page's last body line, the first one opening with a
    smaller mark) become paragraphs of their own, without the mark, after the paragraph that
    runs on to the next page (a mark that pdfium reads as a line of its own, raised above its note as
    texinfo sets it, is no page number); superscript note marks ("architectures.1") are dropped, and so on a
    number that ends a table cell ("3.28³" read "3.283"; in prose a raised number may be an exponent); a note
    that stops inside a sentence goes on with the markless lowercase lines at the next page's foot;
  * a numbered item whose title is set bold on a line of its own above its indented text ("8. Blank lines")
    is a heading below all others, so the text is under it, not glued to it;
  * an underscore that texinfo or LaTeX draws as a short rule on the baseline, which pdfium reads as a space, is "_"
    (`_rule_underscores`: "size_t", not "size t");
  * a glyph that pdfium reads as a control code or a private-use code point is the character its name in the font's
    own encoding stands for (TeX's math fonts: CMSY10's code 28, "lessmuch", is "≪"), or a Symbol font's bracket piece's
    Unicode equivalent, or else dropped (`_named_glyphs`);
  * list items start with a bullet (Word's Symbol-font bullet, U+F0B7, and a C1 control code such as gnuplot's
    U+0088 are shown as "•"; a dash that
    opens a wrapped line inside a sentence is none) or a number; lines whose every word is set in a
    fixed-pitch font are code, across a page break too (`_code_over_page`) (URW's Courier, too, in a document that sets its tags' angle brackets in a TeX math
    font: dblatex, `_dblatex_code`); a fixed-pitch header over a rule of dashes heads an ASCII table whose rows split
    at the header's columns (`_ascii_tables`);
  * the other lines are joined into paragraphs, across pages too, undoing end-of-line
    hyphenation (pdfium marks it, and joins a page's last line so hyphenated to the footer under it: `_segments` parts them;
    the hyphen stays when the document spells the word with one, in a
    hyphenated chain such as "byte-for-byte", in an e-mail address or URL, and in a compound whose joined form the
    document never spells but whose halves it does, "comma-separated", `_compound`; a hyphen before a line opening with
    "<", a digit or the like joins without a space, "cache-<version>"), and
    without a space inside a URL broken after "/", "." or "=". A wrapped line set mostly a point smaller (element
    names) still goes on with a sentence left open (`_open_sentence_sizes`). A short line and an indented one
    starting a sentence (a term and its definition), or a line back out to the left after a sentence, start anew
    (not the line under a paragraph's indented first line, which texinfo sets).
Words that pdfium runs together, set apart by position rather than by a space character (groff through Ghostscript:
"command_not_found_handle.Ifthat function"), get their spaces back from the characters' advance boxes (`_missing_spaces`,
only for a PDF whose sample pages need it). A man page's section and subsection titles, set bold left of its text column,
are headings, their level by how far out they start (`_outdented_heads`). A line that ends a sentence well short of its
column's justified right edge ends its paragraph in a man page (`_ended_short`: its option definitions one under another).
A paragraph that runs on from the foot of one column to the head of the next is joined as across
pages. Pages without a text layer (scans) are read by OCR (rag/ocr.py) into lines that go through the
same rules. Left out: multi-column reading order beyond pdfium's own, tables without column gaps,
ruled-table cell structure, headings that differ from the body only by colour, footnote marks
set at the text's own size, linking a note mark to its note.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from statistics import median

from rag import ocr
from rag.blocks import Block

log = logging.getLogger(__name__)

SOFT_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen it found at a line end
_BULLET = re.compile(r"^(?:[•◦▪▫‣⁃∙·●○■□–—*-]\s+|\(?\d{1,2}[.)]\s+\S|\(?(?:[a-z]|[ivx]{1,4})\)\s+\S)")  # "(p. 5)" is no item
_TOP_HEADING = re.compile(r"^(?:Chapter|Appendix)\s+(?:\d+|[A-Z])\b[:.]?\s*\S", re.I)
_NUMBERED_HEADING = re.compile(r"^(?:(?:\d+|[A-Z])(?:\.\d+)+\.?|\d+\.?|Chapter\s+\d+|Appendix\s+[A-Z0-9]+|Part\s+[IVX\d]+)[:.]?\s+\S", re.I)
_LEADER = re.compile(r"(?:(?:\.\s?){3,}|…|_{3,})\s*(?:\[\d+\]\s*)?[\divxlc]+(?:\s*[,–-]\s*\d+)*\s*$", re.I)
_INDEX_ENTRY = re.compile(r"\S.*?,\s+\d+(?:\s*[–-]\s*\d+)?(?:,\s*\d+(?:\s*[–-]\s*\d+)?)*\s*$")
_PAGE_NO = re.compile(r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
_SPLIT_NOTICE = re.compile(r"^\((?:continues on next page|continued from previous page)\)$", re.I)  # Sphinx, around a split code block
_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Example|Listing)\s+[A-Z0-9]+(?:[.-]\d+)*[.:]\s", re.I)  # a bold caption is no heading
# A numbered caption: "Figure 6-5: Definition Lists", "Figure 2.1. Title", "Table A.1: ..." (a number, not a word: an index
# entry "figure beingdeleted. . . 434" or a heading "Example Usage: ..." is none)
_NUMBERED_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Example|Listing)\s+(?:[A-Z][.-]?)?\d+(?:[.-]\d+)*[.:]\s")
_ENUMERATED = re.compile(r"^(?:\(\d{1,3}\)|\d{1,3}[.)])\s+[A-Z]")  # "(1) How", "12. Why"
_ITEM_LEVEL = 99  # a numbered item's bold title, an index's letter: below every heading, a sibling of the next one
_INDEX_TITLE = re.compile(r"\bind(?:ex|exes|ices)\b", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_ROW_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")  # a sentence end a table's last cell may have (not a lead-in's ":", not code's ";")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # baseline y of the first character (pdf units, up is larger)
    last: float  # same for the last character (a line with a joined hyphenation ends lower)
    size: float
    weight: int
    fixed: bool
    cells: list[str] = field(default_factory=list)  # set when the line has wide gaps: a table row
    page: int = 0
    cell_x: list[float] = field(default_factory=list)  # each cell's left edge
    lead_mark: bool = False  # opens with a number set smaller than the words after it: a note mark
    end_weight: int = 0  # the weight of its last letter or digit (a line bold throughout is bold at both ends)
    low_weight: int = 0  # the least weight of its letters and digits, read only for a line whose first one is bold (600+); else 0
    linked: bool = False  # all its words lie in links to places in the same document: a contents entry
    grid: bool = False  # a table row rebuilt from cells that pdfium read one after the other
    ocr_par: bool = False  # a scanned page's line where tesseract starts a paragraph (rag/ocr.py)
    stacked: bool = False  # a table's header set on two lines, joined into one (`_stacked_heads`)
    main_size: float = 0.0  # the size most of its letters are set in (`size` is its first letter's); 0: unknown, use `size`
    word_x: list[float] = field(default_factory=list)  # a fixed-pitch line's words' left edges (`_ascii_tables`)
    code_cells: list[str] = field(default_factory=list)  # a fixed-pitch line's wide-gap cells, as `cells` would be (`_ascii_tables`)
    code_x: list[float] = field(default_factory=list)
    ruled: bool = False  # an ASCII table's header row, over its rule of dashes (`_ascii_tables`)
    urw: bool = False  # not `fixed`, but would be counting URW's Courier and TeX's angle brackets (`_dblatex_code`)
    math_tag: bool = False  # `urw`, with a "<" from a TeX math font: dblatex's example (`_dblatex_code`)
    sizes: tuple[float, ...] = ()  # the sizes its letters and digits are set in, read at up to 9 along it and its last (`_open_sentence_sizes`)
    pen_x: float = 0.0  # a fixed-pitch line's first glyph's origin (its pen position, not its ink: `_code_text`)
    char_w: float = 0.0  # a fixed-pitch line's character width, from its glyphs' origins; 0: unknown


def _page_lines(page, pno: int, respace: bool = False) -> list[Line]:
    import pypdfium2.raw as raw

    tp = page.get_textpage()
    try:
        links = _internal_links(page)
        text = _rule_underscores(page, tp, _tex_accents(tp, _tex_quotes(_drop_note_marks(tp, _named_glyphs(tp, _page_text(tp))))))
        gaps = _missing_spaces(tp, text) if respace else frozenset()
        n = len(text)
        lines: list[Line] = []
        ended: list[tuple[Line, int, int, float]] = []  # lines that end a sentence, without cells (`_sentence_rows`)
        for start, seg in _segments(tp, text):
            j = start + len(seg) - len(seg.lstrip())
            k = start + len(seg.rstrip()) - 1
            if k < j or j >= n:
                continue
            b0, bk = tp.get_charbox(j), tp.get_charbox(min(k, n - 1))
            a = next((i for i in range(j, min(k + 1, j + 6)) if text[i].isalnum()), j)
            size = raw.FPDFText_GetFontSize(tp.raw, a)
            font = _font_name(tp, a)  # (read once: both the pitch and, for fonts without a weight, the weight ask)
            weight = _weight(tp, a, font)
            fixed = _fixed_line(tp, text, a, k, font)
            body = _spaced(text, j, k + 1, gaps).replace(_GONE, "")
            # y: the baseline (a glyph's box starts lower for "g" or "(", higher for a closing quote)
            line = Line(body, b0[0], bk[2], _baseline(tp, j, b0[1]), _baseline(tp, min(k, n - 1), bk[1]), round(size, 1), int(weight), fixed, page=pno,
                        main_size=round(_line_size(tp, text, a, k, size), 1))
            if _NUMBERED_HEADING.match(line.text) or line.weight > 400:  # (only these lines' last weight is ever asked for; TeX's
                # bold can be 540 against a body of 340)
                z = next((i for i in range(k, max(j - 1, k - 6), -1) if text[i].isalnum()), k)
                line.end_weight = _weight(tp, z)
            if line.weight >= 600:  # (every letter bold: a table's header row, `_table_heads`)
                line.low_weight = min((_weight(tp, i) for i in range(a, k + 1) if text[i].isalnum()), default=line.weight)
            if text[j].isdigit():
                w = next((i for i in range(j, min(k + 1, j + 8)) if text[i].isalpha()), None)
                line.lead_mark = w is not None and size <= 0.8 * raw.FPDFText_GetFontSize(tp.raw, w)
            if " " in seg.strip() and not _ENDS_SENTENCE.search(seg) and not fixed:
                line.cells, line.cell_x = _cells(tp, text, j, k, size, gaps)
                if len(line.cells) == 2 and len(line.cells[0]) <= 5 and _BULLET.match(line.cells[0] + " x"):
                    line.cells, line.cell_x = [], []  # a list item's mark, then a tab
            at = [i for i in range(a, k + 1) if text[i].isalnum()]
            line.sizes = tuple(sorted({round(raw.FPDFText_GetFontSize(tp.raw, i), 1) for i in at[:: max(1, len(at) // 9)][:9] + at[-1:]}))
            line.urw = not fixed and _fixed_line(tp, text, a, k, font, urw=True)
            if line.urw:
                line.math_tag = any(text[i] == "<" and _MATH_FONT.search(_font_name(tp, i)) for i in range(j, k + 1))
            if fixed or line.urw:
                line.pen_x, line.char_w = _pitch(tp, text, j, k)
            if (fixed or line.urw) and " " in seg.strip():
                line.code_cells, line.code_x = _cells(tp, text, j, k, size, gaps)
                line.word_x = _word_x(tp, text, j, k, len(line.text.split()))
            line.linked = bool(links) and _all_linked(tp, text, j, k, links)
            if line.text:
                lines.append(line)
                if not line.cells and not fixed and not line.urw and " " in seg.strip() and _ROW_END.search(seg):
                    ended.append((line, j, k, size))
        if ended and any(ln.cells for ln in lines):
            _sentence_rows(tp, text, lines, ended, gaps)
        return lines
    finally:
        tp.close()


def _sentence_rows(tp, text: str, lines: list[Line], ended: list[tuple[Line, int, int, float]], gaps) -> None:
    """Cells for a table row whose last cell ends a sentence (xlfd.pdf's RELATIVE_WEIGHT table: "60 SemiBold SemiBold,
    DemiBold, ...", FONT_TYPE's '"Type 1" Any Type 1 font.'), which `_page_lines` reads only for a line that does not
    (a justified prose line's wide gap after a period is no cell). Such a line is a row only in a table: the line right
    above or below it (within 1.5 line pitches) is a row, a header row or one kept here, and its cells start in that
    row's columns (within a quarter em, `_same_columns`); or 2+ such lines, one under the other in the same columns,
    stand under a row in those columns that opens bold (a header row; a man page's bold term), the lines between in
    its columns too. Read as prose, such rows ran
    together into one paragraph ("40 SemiLight SemiLight, Book, ... 50 Medium Medium, Normal, Regular,... 60 SemiBold
    ...")."""
    pos = {id(ln): i for i, ln in enumerate(lines)}
    got: dict[int, tuple[list[str], list[float]]] = {}

    def cells_of(i, j, k, size):
        if i not in got:
            got[i] = _cells(tp, text, j, k, size, gaps)
            cells = got[i][0]
            if len(cells) < 2 or (len(cells) == 2 and len(cells[0]) <= 5 and _BULLET.match(cells[0] + " x")):
                got[i] = ([], [])  # (a list item's mark, then a tab)
        return got[i]

    def near(i, line):
        reach = 1.5 * 1.25 * line.size
        return [o for o in (lines[i - 1] if i else None, lines[i + 1] if i + 1 < len(lines) else None)
                if o is not None and abs(o.top - line.top) <= reach]

    def by_rows():
        changed = True
        while changed:
            changed = False
            for line, j, k, size in ended:
                i = pos[id(line)]
                rows = [o for o in near(i, line) if o.cells]
                if line.cells or not rows:
                    continue
                cells, xs = cells_of(i, j, k, size)
                if cells and any(_same_columns(xs, o.cell_x, 0.25 * size) for o in rows):
                    line.cells, line.cell_x = cells, xs
                    changed = True

    by_rows()
    run: list[tuple[Line, list[str], list[float]]] = []
    for line, j, k, size in ended + [(None, 0, 0, 0.0)]:  # runs of 2+ under a header row
        cells, xs = ([], []) if line is None or line.cells else cells_of(pos[id(line)], j, k, size)
        if run and not (cells and pos[id(line)] == pos[id(run[-1][0])] + 1 and abs(line.top - run[-1][0].top) <= 1.5 * 1.25 * size
                        and _same_columns(xs, run[-1][2], 0.25 * size)):
            if len(run) >= 2 and _under_head(lines, pos[id(run[0][0])], run[0][2]):
                for ln, c, x in run:
                    ln.cells, ln.cell_x = c, x
            run = []
        if cells:
            run.append((line, cells, xs))
    by_rows()


def _under_head(lines: list[Line], i: int, xs: list[float]) -> bool:
    """Is lines[i] under a row in the columns xs that opens bold (a header row), every line between a row in them or a
    cell's wrapped line starting at one of them (`_sentence_rows`)?"""
    tol = 0.25 * lines[i].size
    for o in reversed(lines[max(0, i - 30):i]):
        if o.cells and _same_columns(o.cell_x, xs, tol):
            if o.weight >= 600:
                return True
        elif o.cells or not any(abs(o.x0 - x) <= tol for x in xs):
            return False
    return False


def _same_columns(xs: list[float], ys: list[float], tol: float) -> bool:
    """Do two rows' cells stand in the same columns: 2+ of them start at one x, and so do all of one row's (a row may
    leave its last cells empty: "70 | Bold" under "Code | English Translation | Description")?"""
    m = sum(any(abs(x - y) <= tol for y in ys) for x in xs)
    return m >= 2 and (m == len(xs) or all(any(abs(x - y) <= tol for x in xs) for y in ys))


def _rule_underscores(page, tp, text: str) -> str:
    """An underscore drawn as a rule is an underscore. texinfo (and LaTeX's `\\_` in OT1) sets "_" outside the typewriter
    font as a 0.3 em rule on the baseline, not a glyph, and pdfium reads the gap the rule fills as a word space:
    nettle.pdf's prototypes read "struct sha256 ctx *ctx, size t length, const uint8 t *data" and its prose "SHA512 BLOCK
    SIZE" (1,881 underscores), gnuplot.pdf "GPVAL X MIN". A space between two letters or digits on one baseline whose gap
    holds a thin filled path, 0.25-0.6 em long and at most 0.12 em high, lying on the baseline (an underline lies lower),
    becomes "_"; not a rule that another rule at its height continues (an underline drawn piece by piece). The text keeps
    pdfium's indices."""
    import ctypes

    import pypdfium2.raw as raw

    rules = []
    l, b, r, t = (ctypes.c_float() for _ in range(4))
    for k in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, k)
        if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_PATH and raw.FPDFPageObj_GetBounds(obj, l, b, r, t) and 0 < t.value - b.value < 2.0 and 0.5 < r.value - l.value:
            rules.append((l.value, b.value, r.value, t.value))
    if not rules:
        return text
    out = None
    for m in re.finditer(r"(?<=[^\W_]) (?=[^\W_])", text):
        i = m.start()
        left = tp.get_charbox(i - 1)
        size = raw.FPDFText_GetFontSize(tp.raw, i - 1) or 10.0
        # cheap first: a rule right of the left letter, at its height (a letter's box holds its baseline), of a fitting length
        if not any(rl >= left[2] - 0.1 * size and left[1] - 0.12 * size <= rb <= left[3] + 0.1 * size and 0.25 * size <= rr - rl <= 0.6 * size
                   for rl, rb, rr, _ in rules):
            continue
        right = tp.get_charbox(i + 1)
        base = _baseline(tp, i - 1, left[1])
        if abs(_baseline(tp, i + 1, right[1]) - base) > 0.2 * size:
            continue
        for rl, rb, rr, rt in rules:
            if (rl >= left[2] - 0.1 * size and rr <= right[0] + 0.1 * size and 0.25 * size <= rr - rl <= 0.6 * size
                    and rt - rb <= 0.12 * size and -0.12 * size <= rb - base <= 0.1 * size
                    and not any(abs(ob - rb) < 0.5 and (abs(ol - rr) < 0.5 or abs(orr - rl) < 0.5) for ol, ob, orr, _ in rules)):
                out = out or list(text)
                out[i] = "_"
                break
    return "".join(out) if out else text


def _segments(tp, text: str) -> list[tuple[int, str]]:
    """A page's text split into its lines: (index of the line's first character, its text). pdfium joins a line that
    ends in a hyphenated word to the line that goes on with the word, marking the hyphen (`SOFT_HYPHEN`); at a page's
    foot, where the word goes on on the next page, it joins the line to the footer below ("... or a non<hyphen>GNU Bash
    5.2 2022 September 19 71", bash.pdf). A line goes on after its hyphen only within two font sizes below; else the
    text after the hyphen is a line of its own (and the footer is dropped as such, the line kept)."""
    import pypdfium2.raw as raw

    out, pos = [], 0
    for seg in re.split(r"\r\n|\r|\n", text):
        start, pos = pos, pos + len(seg)
        pos += 2 if text.startswith("\r\n", pos) else 1
        for h in [m.end() for m in re.finditer(SOFT_HYPHEN, seg) if 0 < m.start() and m.end() < len(seg.rstrip())]:
            size = raw.FPDFText_GetFontSize(tp.raw, start + h - 2) or 10.0
            if _baseline(tp, start + h - 2, 0.0) - _baseline(tp, start + h, 0.0) > 2 * size:
                out.append((start, seg[:h]))
                start, seg = start + h, seg[h:]  # (one break at most: the line's own continuation is never that far)
                break
        out.append((start, seg))
    return out


def _line_size(tp, text: str, a: int, k: int, first: float, samples: int = 9) -> float:
    """The font size most of a line is set in, read at up to `samples` letters or digits spread along it; ties go to
    its first letter's. A man page sets a variable's name a point smaller ("BASH_XTRACEFD is unset or ..." is 9 pt in
    a 10 pt paragraph): compared at the first letter alone, such a line broke its paragraph in two. Only whether a
    line continues a paragraph asks for it (either size may match); headings are still told by their first letter's."""
    import pypdfium2.raw as raw

    z = next((i for i in range(k, a, -1) if text[i].isalnum()), a)
    if z == a or round(raw.FPDFText_GetFontSize(tp.raw, z), 1) == round(first, 1):
        return first  # one size from the first letter to the last: most lines, read with one call
    at = [i for i in range(a, k + 1) if text[i].isalnum()]
    step = max(1, len(at) // samples)
    sizes = Counter(round(raw.FPDFText_GetFontSize(tp.raw, i), 1) for i in at[::step][:samples])
    best, n = sizes.most_common(1)[0]
    return first if sizes[round(first, 1)] == n else best


def _baseline(tp, i: int, fallback: float) -> float:
    import ctypes

    import pypdfium2.raw as raw

    x, y = ctypes.c_double(), ctypes.c_double()
    return y.value if raw.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(x), ctypes.byref(y)) else fallback


def _pitch(tp, text: str, j: int, k: int) -> tuple[float, float]:
    """(the origin x of character j, the line's character width: the median step between the origins of neighbouring
    characters that are no spaces, 0.0 when it has no such pair)."""
    import ctypes

    import pypdfium2.raw as raw

    xs: dict[int, float] = {}
    for i in range(j, min(k + 1, j + 80)):
        x, y = ctypes.c_double(), ctypes.c_double()
        if not text[i].isspace() and raw.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(x), ctypes.byref(y)):
            xs[i] = x.value
    steps = [xs[i + 1] - xs[i] for i in xs if i + 1 in xs and xs[i + 1] > xs[i]]
    return xs.get(j, tp.get_charbox(j)[0]), (median(steps) if steps else 0.0)


def _code_text(lines: list[Line], page_left: dict[int, float]) -> str:
    """A code block's text: its lines, each after spaces for its indent, (its first glyph's origin - the least of the
    block's lines') / the character width, rounded (reportlab's guide sets a `def`'s body 4 characters in; the lines
    were all flush left). A block that goes on over a page break is measured across its pages, so that the lines on
    the next page keep their indent (reportlab's "def hello(c):" ran on to p. 13 inside its body), each page's x from
    `page_left`, the text's left edge on the document's pages of that side (odd or even, the median over them: a
    page of code alone would mislead), so a left page's margin need not be a right page's. A line without a fixed
    pitch (an OCR line) keeps no indent."""
    widths = [ln.char_w for ln in lines if ln.char_w > 0]
    w = median(widths) if widths else 0.0
    pitched = [ln for ln in lines if ln.pen_x or ln.char_w]
    pages = {ln.page for ln in pitched}
    frame = {p: page_left.get(p, 0.0) if len(pages) > 1 else 0.0 for p in pages}
    least = min((ln.pen_x - frame[ln.page] for ln in pitched), default=0.0)
    out = []
    for ln in lines:
        n = round((ln.pen_x - frame[ln.page] - least) / w) if w and (ln.pen_x or ln.char_w) else 0
        out.append(" " * min(max(n, 0), 40) + ln.text)
    return "\n".join(out)


_NO_GAP = frozenset(" \t\r\n\ufffe\x02\x00")  # (a space, a line end, pdfium's hyphenation marks, a dropped mark)


def _page_text(tp) -> str:
    """A page's text from pdfium with one character per pdfium character index, so that text[i]'s box is box i. pdfium's
    text leaves out a character whose Unicode value is 0 (a TeX math extension glyph without a ToUnicode map: the big
    parentheses and sums of a displayed formula), and every index after it pointed at the box of a character before it:
    crc-doc.1.0.pdf (zlib's CRC paper, MiKTeX) read page 3's prose as table rows of letters split off their words ("C
    yclic R edundancy | C hecks"), its section headings as two-cell rows, and its sentences cut at the page's formulas.
    Such a character is `_GONE` here (dropped from the line's text, its index kept)."""
    import pypdfium2.raw as raw

    text = tp.get_text_range()
    n = tp.count_chars()
    if len(text) >= n:
        return text
    out, j = [], 0
    for k in range(n):
        if raw.FPDFText_GetUnicode(tp.raw, k) == 0 and not text.startswith("\x00", j):
            out.append(_GONE)
        elif j < len(text):
            out.append(text[j])
            j += 1
    return "".join(out) + text[j:]


def _missing_spaces(tp, text: str, stop: int | None = None) -> set[int]:
    """Indices i of `text` where a word space is missing before text[i]: pdfium reads some PDFs' words run together
    ("command_not_found_handle.Ifthat function", groff through Ghostscript), where the words are set apart by
    positioning, not by a space character. Between two characters of a line whose advance boxes (pdfium's loose boxes:
    origin to advance width) leave a gap of 0.15 em or more; inside a word they touch. `stop`: look at the first
    `stop` characters only."""
    import pypdfium2.raw as raw

    out: set[int] = set()
    rect = raw.FS_RECTF()
    prev = None  # (right, bottom, top) of the character before, on the same line
    for i, ch in enumerate(text[:stop]):
        if ch in _NO_GAP:
            prev = None
            continue
        if not raw.FPDFText_GetLooseCharBox(tp.raw, i, rect):
            prev = None
            continue
        if prev is not None and rect.left > prev[0] and rect.bottom < prev[2] and rect.top > prev[1]:
            size = raw.FPDFText_GetFontSize(tp.raw, i)
            if size and rect.left - prev[0] >= 0.15 * size:
                out.add(i)
        prev = (rect.right, rect.bottom, rect.top)
    return out


def _needs_spaces(pdf) -> bool:
    """Does pdfium run this PDF's words together? A sample: the first 1,500 characters of up to 6 pages spread over
    the document, with 3 or more missing spaces among them. Only then is every page read for them (`_missing_spaces`
    asks two boxes of each character; most PDFs need none)."""
    n = len(pdf)
    found = 0
    for i in sorted({round(k * (n - 1) / 5) for k in range(6)} if n > 1 else {0}):
        page = pdf[i]
        try:
            tp = page.get_textpage()
            try:
                found += len(_missing_spaces(tp, _page_text(tp), stop=1500))
            finally:
                tp.close()
        finally:
            page.close()
        if found >= 3:
            return True
    return False


def _spaced(text: str, start: int, end: int, gaps) -> str:
    """text[start:end] with a space put in before each index in `gaps`."""
    if not gaps:
        return text[start:end]
    return "".join((" " + c) if i in gaps else c for i, c in enumerate(text[start:end], start))


_GONE = "\x00"  # stands in for a dropped character, so that text indices still match pdfium's boxes
_NOTE_REF = re.compile(r"(?<=[A-Za-z.,;:)\]”’\"])\d{1,3}(?=[\s.,;:)]|$)")


def _drop_note_marks(tp, text: str) -> str:
    """Blank out superscript footnote marks ("architectures.1"): digits right after a word or a
    punctuation mark, set at most 0.8 of that character's size and sitting above its baseline; and so after a number
    (a table cell's "3.28³" read "3.283": a mark taken for a digit changes the value), 1-2 digits, a list of them
    ("1.29³,⁷") or *, †, ‡, that end a table cell (`_cell_ends`)."""
    import pypdfium2.raw as raw

    out = None
    for m in _NOTE_REF.finditer(text):
        i = m.start()
        if _smaller_raised(tp, i - 1, i):
            out = out or list(text)
            end = m.end() + 1 if re.match(r" [,.;:)]", text[m.end() : m.end() + 2]) else m.end()  # "MySQL1 ," -> "MySQL,"
            out[i:end] = _GONE * (end - i)
    for m in _NUM_NOTE.finditer(text):  # after a number: "3.28³" read "3.283", "CRC-64⁹" "CRC-649" (crc-doc's tables)
        i = next((k for k in range(m.start(), m.end()) if text[k - 1].isdigit() and _smaller_raised(tp, k - 1, k)), None)
        if (i is not None and _NUM_MARK.fullmatch(text, i, m.end()) and all(_smaller_raised(tp, i - 1, k) for k in range(i + 1, m.end()))
                and _cell_ends(tp, text, m.end(), raw.FPDFText_GetFontSize(tp.raw, i - 1))):
            out = out or list(text)
            out[i : m.end()] = _GONE * (m.end() - i)
    return "".join(out) if out else text


# A number's last characters that may be a superscript note mark set on it ("3.28³", "1.29³,⁷", "CRC-64⁹"), before a space
_NUM_NOTE = re.compile(r"(?<=\d)[\d,*†‡]{1,5}(?=\s|$)")
_NUM_MARK = re.compile(r"\d{1,2}(?:,\d{1,2})*|[*†‡]{1,3}")


def _cell_ends(tp, text: str, i: int, size: float) -> bool:
    """Does a table cell end at `i`: is the line's next character a column gap on (`_cells`' gap)? Not so in prose,
    where a raised number after a number is as often an exponent ("2³¹" in R-admin.pdf) as a mark."""
    k = i
    while k < len(text) and text[k] in " \t\xa0":
        k += 1
    if k == i or k >= len(text) or text[k].isspace():
        return False
    return tp.get_charbox(k)[0] - tp.get_charbox(i - 1)[2] > _cell_gap(size)


def _cell_gap(size: float) -> float:
    """The gap between two characters of a line, at font size `size`, that sets table cells apart (`_cells`)."""
    return max(size, 4.0) * 1.2


def _smaller_raised(tp, base: int, i: int) -> bool:
    """Is character `i` set at most 0.8 of character `base`'s size and above its baseline (a superscript on it)?"""
    import pypdfium2.raw as raw

    before, size = raw.FPDFText_GetFontSize(tp.raw, base), raw.FPDFText_GetFontSize(tp.raw, i)
    return bool(before) and 0 < size <= 0.8 * before and tp.get_charbox(i)[1] > tp.get_charbox(base)[1] + 0.1 * before


_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_FIXED_FONT = re.compile(r"TT\d|Mono|Courier|Consol|Typewriter|Code", re.I)
_URW_MONO = re.compile(r"NimbusMon", re.I)  # URW's Courier (NimbusMonL-Regu), fixed pitch in a dblatex document (`_dblatex_code`)
_MATH_FONT = re.compile(r"^CM(?:MI|SY)\d", re.I)


# A character no font maps to a letter: a control code (pdfium's reading of a glyph it has no Unicode for is its character
# code) or a private-use code point. (Not tab, line ends, _GONE, nor pdfium's hyphenation mark \x02.)
_STRAY = re.compile(r"[\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
# Adobe's private-use codes for the Symbol font's bracket pieces (Adobe Glyph List: braceex U+F8F4, groff's \(bv) -> Unicode's
_SYMBOL_PIECES = dict(zip(map(chr, range(0xF8E6, 0xF8FF)), "\u23d0\u23af®©™\u239b\u239c\u239d\u23a1\u23a2\u23a3\u23a7\u23a8\u23a9"
                                                          "\u23aa\u23ae\u239e\u239f\u23a0\u23a4\u23a5\u23a6\u23ab\u23ac\u23ad"))
# A line's first glyph that no font names, then a space: Word's Symbol-font bullet (U+F0B7), gnuplot.pdf's (U+0088).
_GLYPH_BULLET = re.compile(r"[\ue000-\uf8ff\x80-\x9f]")


_OPEN_QUOTE = re.compile(r"(?<=\s)\xa0(\u0300?)(?=[^\s’]{1,40}’)")
_LONE_GRAVE = re.compile(r"[ \xa0]?(?<![^\W\d_])\u0300")


_SPACING_ACCENT = {"\u00a8": "\u0308", "\u00b4": "\u0301", "`": "\u0300", "\u02c6": "\u0302", "\u02dc": "\u0303", "\u02c7": "\u030c"}  # ¨ ´ ` ˆ ˜ ˇ
_ACCENT_BEFORE = re.compile("[" + "".join(_SPACING_ACCENT) + "](?=[^\\W\\d_])")


def _tex_accents(tp, text: str) -> str:
    """TeX's accents: a spacing diaeresis, acute, grave, circumflex, tilde or caron glyph set over the letter after it
    (its box's middle above that letter's box: nettle.pdf's "Niels M¨oller", gnuplot.pdf's "J´erˆome") is composed with
    the letter: the letter's index holds the composed one ("ö", "ı" + acute "í") and the accent's `_GONE`, so indices
    still match the boxes. Not an accent set beside the letter (groff's "ˆC", "˜/.bashrc", a backtick before a word),
    nor one with no composed letter."""
    out = None
    for m in _ACCENT_BEFORE.finditer(text):
        i = m.start()
        a, b = tp.get_charbox(i), tp.get_charbox(i + 1)
        if not (b[0] <= (a[0] + a[2]) / 2 <= b[2] and a[1] >= b[3] - 0.3 * (b[3] - b[1])):
            continue
        letter = {"ı": "i", "ȷ": "j"}.get(text[i + 1], text[i + 1])
        c = unicodedata.normalize("NFC", letter + _SPACING_ACCENT[text[i]])
        if len(c) == 1:
            out = out or list(text)
            out[i], out[i + 1] = _GONE, c
    return text if out is None else "".join(out)


def _tex_quotes(text: str) -> str:
    """LaTeX's opening quote as some DocBook PDFs set it (the Debian FAQ: "`stable'"), which pdfium reads as a no-break
    space where the quote stands and a combining grave accent with no letter under it, elsewhere on the line
    ("tagged \xa0stable’ ̀ it will"): the space before a word closed by "’" is "‘", and a grave accent on no letter is
    dropped with the space before it, one for one (`_GONE`), so indices still match the boxes. 73 such marks in the FAQ."""
    if "\u0300" not in text and "\xa0" not in text:
        return text
    text = _OPEN_QUOTE.sub(lambda m: "‘" + _GONE * len(m.group(1)), text)
    return _LONE_GRAVE.sub(lambda m: _GONE * len(m.group(0)), text)


def _named_glyphs(tp, text: str) -> str:
    """`text` (a page's, from pdfium) with each stray character (`_STRAY`) replaced, one for one (its index is its box's):
    by the character its glyph's name in the font's own encoding stands for, where the font says (TeX's math fonts have no
    ToUnicode map: R-exts.pdf's CMSY10 code 28 is "lessmuch", "≪"); a Symbol bracket piece by its Unicode equivalent; a
    line's first glyph before a space by "•"; any other by _GONE (dropped)."""
    out, fonts = None, {}
    for m in _STRAY.finditer(text):
        i, c = m.start(), m.group()
        u = _SYMBOL_PIECES.get(c) or (_glyph_char(tp, i, ord(c), fonts) if ord(c) < 256 else None)
        if not u:
            after = text[i + 1 : i + 2]
            u = "•" if _GLYPH_BULLET.match(c) and not text[text.rfind("\n", 0, i) + 1 : i].strip() and (not after or after.isspace()) else _GONE
        out = out or list(text)
        out[i] = u
    return "".join(out) if out else text


def _glyph_char(tp, i: int, code: int, fonts: dict) -> str | None:
    """The character that the glyph name of character code `code` in the embedded Type 1 font of `tp`'s character `i`
    stands for ("dup 28 /lessmuch put" in the font program's built-in encoding: Adobe's glyph list with TeX's names, as
    pypdf ships it), if one; None when the font names no such glyph (Type 3, TrueType, no font program) or its name
    stands for no character or for another stray one. `fonts`: the fonts' encodings read so far."""
    import ctypes

    import pypdfium2.raw as raw
    from pypdf._codecs.adobe_glyphs import adobe_glyphs

    font = raw.FPDFTextObj_GetFont(raw.FPDFText_GetTextObject(tp.raw, i))
    key = ctypes.cast(font, ctypes.c_void_p).value
    if key not in fonts:
        n = ctypes.c_size_t()
        data = b""
        if font and raw.FPDFFont_GetFontData(font, None, 0, ctypes.byref(n)) and n.value:
            buf = (ctypes.c_uint8 * n.value)()
            raw.FPDFFont_GetFontData(font, buf, n.value, ctypes.byref(n))
            data = bytes(buf).split(b"eexec")[0]  # (a Type 1 program's clear part holds its encoding)
        fonts[key] = {int(c): name.decode("latin-1") for c, name in re.findall(rb"dup\s+(\d{1,3})\s*/([^\s/\[\]{}()<>]+)\s+put", data)}
    name = fonts[key].get(code, "")
    u = adobe_glyphs.get("/" + name) or (chr(int(name[3:], 16)) if re.fullmatch(r"uni[0-9A-F]{4}", name) else "")
    return u if len(u) == 1 and not _STRAY.match(u) else None


def _internal_links(page) -> list[tuple[float, float, float, float]]:
    """Rectangles (left, bottom, right, top) of the page's links to places in the same document."""
    import ctypes

    import pypdfium2.raw as raw

    out, pos, link = [], ctypes.c_int(0), raw.FPDF_LINK()
    while raw.FPDFLink_Enumerate(page.raw, ctypes.byref(pos), ctypes.byref(link)):
        act = raw.FPDFLink_GetAction(link)
        if raw.FPDFLink_GetDest(page.pdf.raw, link) or (act and raw.FPDFAction_GetType(act) == raw.PDFACTION_GOTO):
            r = raw.FS_RECTF()
            if raw.FPDFLink_GetAnnotRect(link, ctypes.byref(r)):
                out.append((r.left, r.bottom, r.right, r.top))
    return out


def _all_linked(tp, text: str, j: int, k: int, links: list) -> bool:
    """Does every letter or digit of text[j:k+1] sit inside one of the link rectangles?"""
    chars = [i for i in range(j, k + 1) if text[i].isalnum()]
    for i in chars:
        left, bottom, right, top = tp.get_charbox(i)
        x, y = (left + right) / 2, (bottom + top) / 2
        if not any(a <= x <= c and b <= y <= d for a, b, c, d in links):
            return False
    return bool(chars)


def _font_name(tp, i: int) -> str:
    import ctypes

    import pypdfium2.raw as raw

    buf = ctypes.create_string_buffer(128)
    raw.FPDFText_GetFontInfo(tp.raw, i, buf, 128, None)
    return buf.value.decode("latin-1", "replace")


def _is_fixed(tp, i: int) -> bool:
    return bool(_FIXED_FONT.search(_font_name(tp, i)))


def _fixed_line(tp, text: str, a: int, k: int, font: str, urw: bool = False) -> bool:
    """Is the line text[a:k+1] (from its first letter or digit) set in a fixed-pitch font: every word starts in one
    (prose can open and end with inline code), and so does its last character? `urw`: count URW's Courier and TeX's
    angle brackets as fixed too (`_code_char`), and a comma after a tag at the end ("<eq>, <not_eq>,")."""
    return (_code_char(tp, text, a, font, urw) and all(_code_char(tp, text, i, None, urw) for i in range(a + 1, k + 1) if text[i - 1].isspace() and not text[i].isspace())
            and (k == a or _code_char(tp, text, k, None, urw) or urw and text[k] == "," and text[k - 1] == ">" and _code_char(tp, text, k - 1, None, urw)))


def _code_char(tp, text: str, i: int, font: str | None = None, urw: bool = False) -> bool:
    """Is character i set in a fixed-pitch font? `urw`: or in URW's Courier (NimbusMonL-Regu), or is it an angle
    bracket from TeX's math fonts, which dblatex sets around the tags of an XML example in that font
    (fontconfig-user.pdf: "<" in CMMI9, "alias>" in NimbusMonL-Regu). `font`: its font name, when the caller has it."""
    name = font if font is not None else _font_name(tp, i)
    return bool(_FIXED_FONT.search(name)) or urw and (bool(_URW_MONO.search(name)) or text[i] in "<>" and bool(_MATH_FONT.search(name)))


def _dblatex_code(pages: list[list[Line]]) -> None:
    """In a document whose examples set their tags' angle brackets in a TeX math font next to URW's Courier (dblatex:
    fontconfig-user.pdf), the lines in URW's Courier are fixed-pitch: its XML examples are code, line by line, not
    prose run together. Elsewhere they stay as they were: PassiveTeX's bzip2 manual sets its return-value lists,
    which answers quote, in that font too. Such a line keeps its wide-gap cells: a table set in it stays a table
    (`_ascii_tables`), a lone line with a wide gap is code (`_blocks`)."""
    if any(ln.math_tag for lines in pages for ln in lines):
        for lines in pages:
            for ln in lines:
                if ln.urw:
                    ln.fixed = True


def _weight(tp, i: int, font: str | None = None) -> int:
    """The character's font weight; when the font does not say (pdfium gives 0 or -1 for many Type 1
    fonts, e.g. groff's Times-Bold, and 400 for LibreOffice's embedded fonts, e.g. DejaVuSerif-Bold),
    700 for a bold font name and 400 for any other. `font`: the
    character's font name, when the caller has it already."""
    import pypdfium2.raw as raw

    w = int(raw.FPDFText_GetFontWeight(tp.raw, i))
    if w > 400:
        return w
    # (LibreOffice's embedded TrueType fonts report 400 whatever the face: "DejaVuSerif-Bold")
    return 700 if _BOLD_FONT.search(font if font is not None else _font_name(tp, i)) else (w if w > 0 else 400)


def _cells(tp, text: str, j: int, k: int, size: float, gaps=frozenset()) -> tuple[list[str], list[float]]:
    """Cells of a table row and their left edges: the line split where a gap between characters
    is far wider than a word space. ([], []) when the line has no such gap (prose)."""
    gap = _cell_gap(size)
    cells, xs, cell_start, prev_right, widths = [], [], j, None, []
    for i in range(j, k + 1):
        if text[i].isspace() or text[i] == _GONE:
            continue
        left, _, right, _ = tp.get_charbox(i)
        if prev_right is None:
            xs.append(left)
        elif left - prev_right > gap and text[i - 1].isspace():
            cells.append(_spaced(text, cell_start, i, gaps).replace(_GONE, "").strip())
            cell_start = i
            xs.append(left)
            widths.append(left - prev_right)
        prev_right = right
    cells.append(_spaced(text, cell_start, k + 1, gaps).replace(_GONE, "").strip())
    if _justified_words(cells, widths):
        return [], []
    return (cells, xs) if len(cells) > 1 and all(cells) else ([], [])


_FUNCTION_WORDS = frozenset("a an and are as at be by for from if in is it of on or that the this to was which with".split())


def _justified_words(cells: list[str], widths: list[float]) -> bool:
    """Is a line whose every word stands apart a line of justified prose, not a row of one-word cells? Justification
    stretches every space alike, and prose has its function words or commas ("Passing a variable-length string from C
    to Fortran is trickier, but"); a row's gaps follow its columns ("-4 -2 0 2 4 6", "alnum alpha ascii blank")."""
    if len(cells) < 4 or any(" " in c for c in cells) or max(widths) > 1.3 * min(widths):
        return False
    return any(c.lower() in _FUNCTION_WORDS or c.endswith(",") for c in cells)


def _word_x(tp, text: str, j: int, k: int, n_words: int) -> list[float]:
    """The left edge of each word of text[j:k+1]; [] when they are not `n_words` (a line whose spaces were put back)."""
    xs = [tp.get_charbox(i)[0] for i in range(j, k + 1) if not text[i].isspace() and text[i] != _GONE and (i == j or text[i - 1].isspace())]
    return xs if len(xs) == n_words else []


def _plain_lines(page, pno: int, height: float) -> list[Line]:
    tp = page.get_textpage()
    try:
        segs = [t.strip() for t in re.split(r"\r\n|\r|\n", _named_glyphs(tp, _page_text(tp)).replace(_GONE, "")) if t.strip()]
    finally:
        tp.close()
    step = height / (len(segs) + 2)
    return [Line(t, 0.0, 0.0, height - step * (i + 1), height - step * (i + 1), 10.0, 400, False, page=pno) for i, t in enumerate(segs)]


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def _own_line_mark(ln: Line, lines: list[Line]) -> bool:
    """A bare number set smaller than the line just below it: a footnote's mark that pdfium read as a line of
    its own (texinfo raises it above its note), not a page number."""
    return re.fullmatch(r"\d{1,3}", ln.text.strip()) is not None and any(0 < ln.top - o.top < 2 * o.size and o.size > ln.size + 0.5 for o in lines)


def _running(pages: list[list[Line]], heights: list[float]) -> set[int]:
    """ids of header/footer/page-number lines: among the two lines nearest a page's top or
    bottom edge, those whose digit-free form repeats on 3+ pages (2+ in a short document),
    and bare page numbers; not those that go on with the page's text (`_in_text_flow`)."""
    cand: list[tuple[Line, str]] = []
    for lines, h in zip(pages, heights):
        if not lines:
            continue
        by_y = sorted(lines, key=lambda ln: -ln.top)
        edge = [ln for ln in by_y[:2] if ln.top > h * 0.85] + [ln for ln in by_y[-2:] if ln.top < h * 0.15 and not _own_line_mark(ln, lines)]
        for ln in dict.fromkeys(map(id, edge)):
            obj = next(x for x in edge if id(x) == ln)
            cand.append((obj, _key(obj.text)))
    counts = Counter(k for _, k in cand)
    need = 3 if len(pages) >= 6 else 2
    out = set()
    for ln, k in cand:
        if _PAGE_NO.match(ln.text.strip()) or (counts[k] >= need and len(pages) >= 2):
            out.add(id(ln))
    # "Chapter 2: R Basics 7": a top line that ends or starts with a number on most pages,
    # though its words change per chapter.
    sizes = Counter()
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
    body = sizes.most_common(1)[0][0] if sizes else 0
    numbered = [ln for ln, _ in cand if ln.size <= body + 0.5 and re.search(r"(?:^\d+\s|\s\d+$)", ln.text) and not _LEADER.search(ln.text) and not ln.lead_mark]
    tops = {ln.page for ln in numbered}
    if len(pages) >= 6 and len(tops) >= 0.5 * len(pages):
        out.update(id(ln) for ln in numbered)
    pitch = _body_pitch(pages, body)
    if len(pages) >= 6:
        out.update(_section_heads(pages, heights, body, pitch, need))
        out.update(_chapter_echoes(pages, heights, body, pitch))
    return out - (_in_text_flow(pages, heights, out, body, pitch) - _folios([ln for ln, _ in cand if id(ln) in out], len(pages)))


def _body_pitch(pages: list[list[Line]], body: float) -> float:
    """The usual distance from one line of body text to the next (median over the pages; 1.2 x the body size if none)."""
    pitches = [a.last - b.top for lines in pages for a, b in zip(lines, lines[1:]) if abs(a.size - body) < 0.6 and 0 < a.last - b.top < body * 3]
    return median(pitches) if pitches else body * 1.2


def _section_heads(pages: list[list[Line]], heights: list[float], body: float, pitch: float, need: int) -> set[int]:
    """ids of running headers that name the page's chapter and section, so that their words change from page to page
    (dblatex: "CHAPTER 7. BASICS OF THE DEBIAN PACKAGE… 7.3. WHY ARE DEBIAN PACKAGE FILE NAMES…", with the page number
    in the footer): a page's top line, at the body's size and not bold, of 3+ words, set 2+ line pitches above the
    next line, whose first two words (digits aside) open the top line at the same height on `need`+ pages. A chapter's
    title, set larger, is no such line. The Debian FAQ and debmake-doc had kept them as text (38 and 64 blocks),
    splitting every sentence that ran on over a page break."""
    found: list[tuple[Line, tuple[str, int]]] = []
    for lines, h in zip(pages, heights):
        by_y = sorted((ln for ln in lines if ln.x1 > ln.x0), key=lambda ln: -ln.top)
        if len(by_y) < 2 or by_y[0].top <= h * 0.85:
            continue
        ln, nxt = by_y[0], by_y[1]
        words = ln.text.split()
        if len(words) >= 3 and ln.size <= body + 0.5 and ln.weight < 600 and ln.top - nxt.top >= 2 * pitch:
            found.append((ln, (_key(" ".join(words[:2])), round(ln.top))))
    counts = Counter(k for _, k in found)
    return {id(ln) for ln, k in found if counts[k] >= need}


def _chapter_echoes(pages: list[list[Line]], heights: list[float], body: float, pitch: float) -> set[int]:
    """ids of running headers that repeat the title of the chapter they are in, too few times for `_running` (a chapter of
    2-3 pages): a page's top line at the body's size, not bold, set 2+ line pitches above the next line, whose words are
    those of the last "Chapter N." / "Appendix X." title before it, set larger (a title's second line with it), less the
    label. DocBook through FOP: xlfd.pdf's p. 7 "Requirements and Goals" (under "Chapter 2. Requirements and Goals") had
    split "... a few characters from each of" / "many differently transformed fonts", icccm.pdf's "Obsolete Session
    Man-ager Conventions" (p. 74-75)."""
    title, out = "", set()
    for lines, h in zip(pages, heights):
        by_y = sorted((ln for ln in lines if ln.x1 > ln.x0), key=lambda ln: -ln.top)
        if title and len(by_y) >= 2 and by_y[0].top > h * 0.85:
            ln, nxt = by_y[0], by_y[1]
            if abs(ln.size - body) < 0.6 and ln.weight < 600 and ln.last - nxt.top >= 1.9 * pitch and _wkey(re.sub(SOFT_HYPHEN + r"\s*", "", ln.text)) == title:
                out.add(id(ln))
        for i, ln in enumerate(by_y):
            if ln.size >= body + 2 and _TOP_HEADING.match(ln.text):
                text = ln.text
                if i + 1 < len(by_y) and abs(by_y[i + 1].size - ln.size) < 0.3 and ln.last - by_y[i + 1].top < 1.5 * ln.size:
                    text += " " + by_y[i + 1].text
                title = _wkey(re.sub(SOFT_HYPHEN + r"\s*", "", re.sub(r"^\S+\s+\S+?[:.]?\s+", "", text)))
    return out


def _folios(lines: list[Line], n_pages: int) -> set[int]:
    """ids of the bare page numbers among running lines: a number that is its page's place in the file plus an offset
    that 3 or more pages share (2 in a short document). It is a footer even when the text ends close above it
    (fontconfig-user.pdf's "10" a pitch and a half under a code example, "1" under a table row), which
    `_in_text_flow` would otherwise keep as the text's last line."""
    nums = [(ln, int(ln.text.strip()) - ln.page) for ln in lines if re.fullmatch(r"\d{1,4}", ln.text.strip())]
    offsets = Counter(off for _, off in nums)
    need = 3 if n_pages >= 6 else 2
    return {id(ln) for ln, off in nums if offsets[off] >= need}


def _in_text_flow(pages: list[list[Line]], heights: list[float], running: set[int], body_size: float, pitch: float) -> set[int]:
    """ids of `running`'s lines that go on with the page's text: each is set at most 1.5 line pitches (the body's) from the
    line next to it towards the page's middle, and that line is no running one (or is one of these, looked at from the
    middle out). A header or footer is set apart from the text by a margin; a code example's closing "endif", the same
    at the foot of many pages, or a docstring's sentence repeated at the head of several, is not (octave.pdf lost 23
    such lines). A fixed-pitch line under or over a blank line of a fixed-pitch one (2.1 pitches) goes on with it too
    when it lies within the text block: between the lowest and highest baselines that the other lines reach on most
    pages (octave.pdf's "endfunction" at the head of a page, a blank line above the next function). Not for a line that
    ends far below where it starts (bash.pdf: pdfium joins a page's last line, hyphenated, to the footer under it), nor
    for lines without a real position (`_plain_lines`)."""
    reach = 1.5 * pitch
    kept: set[int] = set()
    for second in (False, True):  # the second time with the text block, where the lines kept the first time count as text
        body = [[ln.top for ln in lines if (id(ln) not in running or id(ln) in kept) and ln.x1 > ln.x0] for lines in pages]
        lows, highs = sorted(min(ys) for ys in body if ys), sorted(max(ys) for ys in body if ys)
        block = (lows[len(lows) // 10] - 0.5 * body_size, highs[(len(highs) - 1) * 9 // 10] + 0.5 * body_size) if second and len(lows) >= 5 else None
        for lines, h in zip(pages, heights):
            flagged = [ln for ln in lines if id(ln) in running and id(ln) not in kept and ln.x1 > ln.x0]
            for ln in sorted(flagged, key=lambda x: abs(x.top - h / 2)):  # from the middle out
                if abs(ln.top - ln.last) > reach:
                    continue
                up = ln.top > h / 2
                tol = 0.3 * ln.size
                code = ln.fixed and block is not None and block[0] <= ln.top <= block[1]
                inner = [o for o in lines if (o.top < ln.top - tol if up else o.top > ln.top + tol) and abs(o.top - ln.top) <= (2.1 * pitch if code else reach)]
                nb = max(inner, key=lambda o: o.top if up else -o.top, default=None)
                if nb is None or (id(nb) in running and id(nb) not in kept):
                    continue
                if abs(nb.top - ln.top) <= reach or (nb.fixed and abs(nb.size - ln.size) < 0.6):
                    kept.add(id(ln))
    return kept


class _Vocab(set):
    """The document's words, lower case, hyphenated ones whole ("byte-for-byte"), as `_dehyphenate` and `_join` ask
    for them; `whole`: the words that it spells somewhere without a line break inside; `heads` and `tails`: the first
    and last parts of its hyphenated words (`_compound`)."""

    def __init__(self, text: str):
        super().__init__(re.findall(r"\w+(?:-\w+)*", text.lower()))
        self.whole = set(re.findall(r"\w+", re.sub(r"\w+" + SOFT_HYPHEN + r"\s*\w+", " ", text.lower())))
        parts = [w.split("-") for w in self if "-" in w]
        self.heads, self.tails = {p[0] for p in parts}, {p[-1] for p in parts}  # "machine-dependent": "machine", "dependent"
        self.options = set(re.findall(r"(?<![\w-])--[A-Za-z][\w-]*[A-Za-z0-9]", text))  # "--read-inline-info" as the document spells it (`_join`)


def _compound(a: str, b: str, vocab: set[str]) -> bool:
    """Is "a-b", hyphenated by pdfium at a line end, a compound whose hyphen is the author's: the document never spells
    "ab" as one word, spells "a" and "b" as words of their own, each 4 letters or more, and either "b" is a participle
    ("-separated", "-running") or both have 5 letters or more and the document hyphenates another compound with one
    of them in the same place ("machine-", "-dependent"): fontconfig-user.pdf's "comma-separated", R-data.pdf's
    "machine-dependent"; not "infor-mation", nor closed compounds such as "over-view", "under-stands", "mail-file"."""
    whole = getattr(vocab, "whole", None)
    if not whole or f"{a}{b}".lower() in vocab:
        return False
    a, b = a.lower(), b.lower()
    if not all(len(w) >= 4 and (w in whole or w + "s" in whole) for w in (a, b)):
        return False
    if re.search(r"[a-z]{3}(?:ed|ing)$", b):
        return True
    return min(len(a), len(b)) >= 5 and (a in vocab.heads or b in vocab.tails)


def _capital_after(a: str, b: str) -> bool:
    """Is the hyphen between "a" (3 letters or more, its last lower case) and "b" (opening with a capital) the author's?
    A word hyphenated at a line end goes on in lower case; a capital after the break opens a word of its own
    ("February-March 2007", "non-English", "Hewlett-Packard"), which the join ran together ("FebruaryMarch")."""
    return len(a) >= 3 and a[-1:].islower() and b[:1].isupper()


def _broken_link(a: str, b: str, vocab: set[str]) -> bool:
    """Is pdfium's line-end hyphen between "a" and "b", one link of a hyphenated chain, a word's break? When the document
    spells "ab" as a word of its own, or spells neither "a" nor "b" so (letters only). FOP breaks a chain's link in
    the middle and pdfium marks that hyphen as any other ("da-" / "ta-processing", "implemen-" / "tation-dependent" in
    xlfd.pdf, "Client-to-Window-Man-" / "ager" in icccm.pdf); not "top-to-" / "bottom", "byte-for-" / "byte", "non-UTF-" / "8"."""
    whole = getattr(vocab, "whole", None)
    if not whole or not (a.isalpha() and b.isalpha()):
        return False
    return f"{a}{b}".lower() in whole or not (a.lower() in whole or b.lower() in whole)


def _dehyphenate(text: str, vocab: set[str]) -> str:
    """pdfium's soft-hyphen mark: drop it, unless the document spells the word with a hyphen, the word
    is one link of a hyphenated chain ("byte-for-byte", "debian-wb-team"; not a link broken inside, `_broken_link`), or it is part of an e-mail
    address or URL."""

    def fix(m: re.Match) -> str:
        a, b = m.group(1), m.group(2)
        s, i, e = m.string, m.start(), m.end()
        token = s[max(s.rfind(" ", 0, i), s.rfind("\n", 0, i)) + 1 : e + len(re.match(r"\S*", s[e:]).group(0))]
        if "@" in token or "://" in token:
            return f"{a}-{b}"
        if (s[i - 1 : i] == "-" or re.match(r"-\w", s[e : e + 2])) and not _broken_link(a, b, vocab):
            return f"{a}-{b}"
        if _capital_after(a, b) and f"{a}{b}".lower() not in getattr(vocab, "whole", ()):
            return f"{a}-{b}"
        joined, hyphened = f"{a}{b}".lower(), f"{a}-{b}".lower()
        if hyphened in vocab and joined not in vocab or _compound(a, b, vocab):
            return f"{a}-{b}"
        return a + b

    text = re.sub(r"(\w+)" + SOFT_HYPHEN + r"\s*(\w+)", fix, text)
    return text.replace(SOFT_HYPHEN, "-")


def _join(a: str, b: str, vocab: set[str]) -> str:
    """Join two wrapped lines: a space, or nothing after an end-of-line hyphen that hyphenates."""
    m = re.search(r"(\w+)-$", a)
    if m and b[:1].islower():
        word = m.group(1) + re.match(r"\w*", b).group(0)
        if word.lower() in vocab and f"{m.group(1)}-{b.split()[0]}".lower().rstrip(".,;:") not in vocab:
            return a[:-1] + b
        return a + b  # keep the hyphen: "built-" + "in" -> "built-in"
    if m and _capital_after(m.group(1), b):
        return a + b  # "February-" + "March 2007"
    if re.search(r"[A-Za-z0-9]_$", a) and re.match(r"[A-Za-z0-9]", b):
        return a + b  # an identifier broken after its underscore: "TOP_" + "SRCDIR"
    if re.search(r"[\w>\])]-$", a) and re.match(r"[<\[($*~/\d]", b):
        return a + b  # a hyphen before a name or number: "cache-" + "<version>", "x86-" + "64", "<Version>-" + "<Revision>"
    if re.search(r"(?:^|\s)--$", a) and (o := re.match(r"[A-Za-z][\w-]*[A-Za-z0-9]", b)) and f"--{o.group(0)}" in getattr(vocab, "options", ()):
        return a + b  # an option broken after its dashes, spelled whole elsewhere: "option --" + "read-inline-info=yes" (not a dash: "-- in this case")
    return a + b if _url_goes_on(a, b) else a + " " + b


_URL_END = re.compile(r"(?:\b[a-z][a-z+.-]*://|\bwww\.)\S*[/.=?&#_~:-]$", re.I)
_TLD = {"org", "com", "net", "edu", "gov", "io", "de", "uk", "fr", "info"}
_FILE_EXT = {"html", "htm", "shtml", "php", "asp", "aspx", "jsp", "cgi", "pdf", "txt", "xml", "json", "gz", "zip", "tgz"}


def _url_goes_on(a: str, b: str) -> bool:
    """Does line `b` go on with the URL that line `a` ends in, broken after "/", "." or "=" ("https://cran.r-project.org/"
    + "package=foreign)")? Yes when `b` opens with a closing bracket, or its first word looks like a path, host or query
    (a "/", "=", "?", "&", "#", an inner "." or "_"), or is a top-level domain after a dot, or a file's extension after
    a dot in the URL's path (".../barrier." + "html"). Not when that word is another URL."""
    if not _URL_END.search(a) or not b.strip():
        return False
    t = b.split(None, 1)[0]
    if re.match(r"[a-z][a-z+.-]*://", t, re.I):
        return False
    core = t.rstrip(".,;:)]}>'\"”’")
    return (t[0] in ")]}>" or bool(re.search(r"[/=?&#%]|\w[._]\w", core))
            or a.endswith(".") and core in _TLD and "/" not in a.rsplit("://", 1)[-1]
            or a.endswith(".") and core.lower() in _FILE_EXT and "/" in a.rsplit("://", 1)[-1])


def extract(raw: bytes) -> tuple[list[Block], int, str | None]:
    """(blocks, number of pages, title)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(raw)
    try:
        title = (pdf.get_metadata_dict() or {}).get("Title") or None
        pages, heights, scanned = [], [], []
        respace = _needs_spaces(pdf)
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                heights.append(page.get_height())
                try:
                    pages.append(_page_lines(page, i + 1, respace))
                except (IndexError, ValueError, OSError):  # odd text layer (index/box mismatch): keep its text, lose layout
                    pages.append(_plain_lines(page, i + 1, heights[-1]))
                if ocr.is_scanned(page, pages[-1]):
                    scanned.append(i)
            finally:
                page.close()
        if scanned:
            _read_scans(pdf, scanned, pages, heights)
        _dblatex_code(pages)
    finally:
        pdf.close()
    return _blocks(pages, heights), len(pages), title or _title_page(pages)


def _title_page(pages: list[list[Line]]) -> str | None:
    """The title set on the first page of a PDF without /Title metadata (texinfo's manuals: "GNU Octave", "An
    Introduction to R"): the topmost line in the page's largest font, and the line under it if the title wraps, when that
    font is at least 1.5 times the size of the document's body text (a man page's first page, all one size, has none) and
    the line reads as a title: no numbered heading ("1 Introduction", "Chapter 2 ..."), page number or contents entry."""
    if not pages or not pages[0]:
        return None
    sizes = Counter()
    for lines in pages:
        for ln in lines:
            sizes[ln.size] += len(ln.text)
    big = max(ln.size for ln in pages[0])
    if big < 1.5 * sizes.most_common(1)[0][0]:
        return None
    top = sorted((ln for ln in pages[0] if ln.size == big), key=lambda ln: -ln.top)
    parts = top[:1] + [ln for ln in top[1:2] if 0 < top[0].last - ln.top <= 1.6 * big]
    text = " ".join(ln.text for ln in parts).replace(SOFT_HYPHEN, "")
    if (_NUMBERED_HEADING.match(text) or _TOP_HEADING.match(text) or _LEADER.search(text) or _PAGE_NO.match(text)
            or len(re.findall(r"[^\W\d_]", text)) < 2 or len(text) > 120):
        return None
    return text


def _read_scans(pdf, scanned: list[int], pages: list[list[Line]], heights: list[float]) -> None:
    """Replace the scanned pages' lines (indices `scanned`) by their OCR lines (rag/ocr.py), unless RAG_OCR=off.
    Without tesseract a PDF with no text layer at all fails (ocr.OcrError says the fix); one with text pages keeps those."""
    on, lang = ocr.options()
    if not on:
        return
    exe = ocr.tesseract()
    if not exe:
        if not any(pages[i] for i in range(len(pages)) if i not in scanned):
            raise ocr.OcrError(ocr.INSTALL)
        log.warning("%d scanned page(s) left unread: %s", len(scanned), ocr.INSTALL)
        return
    read = {}
    for i in scanned:
        page = pdf[i]
        try:
            read[i + 1] = ocr.page_lines(page, i + 1, lang, exe)
        finally:
            page.close()
    ocr.drop_running(read, {i + 1: heights[i] for i in scanned})
    sizes = Counter()  # the text pages' body size, which the scanned pages' sizes are fitted to
    for i, lines in enumerate(pages):
        for ln in lines if i + 1 not in read else ():
            sizes[ln.size] += len(ln.text)
    ocr.fit_sizes(read, sizes.most_common(1)[0][0] if sizes else None)
    for i in scanned:
        pages[i] = read[i + 1]


def _blocks(pages: list[list[Line]], heights: list[float]) -> list[Block]:
    running = _running(pages, heights)
    marks = {id(ln) for lines in pages for ln in _letter_marks(lines)}
    body = [[ln for ln in lines if id(ln) not in running and id(ln) not in marks and not _SPLIT_NOTICE.match(ln.text)] for lines in pages]
    all_lines = [ln for lines in body for ln in lines]
    if not all_lines:
        return []
    sizes = Counter()
    weights = Counter()
    for ln in all_lines:
        sizes[ln.size] += len(ln.text)
        weights[ln.weight] += len(ln.text)
    body_size = sizes.most_common(1)[0][0]
    body_weight = weights.most_common(1)[0][0]
    pitch = _body_pitch(body, body_size)
    vocab = _Vocab(" ".join(ln.text for ln in all_lines))
    lefts = {lines[0].page: min(ln.x0 for ln in lines) for lines in body if lines}
    sides = {k: median([x for p, x in lefts.items() if p % 2 == k] or [0.0]) for k in (0, 1)}  # left and right pages' text edge
    page_left = {p: sides[p % 2] for p in lefts}  # (`_code_text`)

    man = _outdented_heads(all_lines, body_size, body_weight)  # id(line) -> level: a man page's section titles
    labels = _figure_labels(body, page_left, body_size, body_weight)

    def bold(ln: Line) -> bool:  # set bold at both ends
        return ln.weight >= body_weight + 150 and ln.end_weight >= body_weight + 150

    def is_heading(ln: Line) -> bool:
        t = ln.text
        if id(ln) in man:
            return True
        if id(ln) in labels:
            return False
        if len(t) > 150 or not re.search(r"[A-Za-z]", t) or _LEADER.search(t) or (ln.cells and not _number_and_title(ln)):
            return False
        # (Not a line that opens larger, set mostly at the body's size, and ends a sentence: reportlab's note box, "NOTE Note: Two ...";
        # nor a term set larger that opens its description's line: doxygen's "TAB_SIZE The TAB_SIZE tag can be used ...")
        bigger = (ln.size >= body_size + 1.0 and not (abs((ln.main_size or ln.size) - body_size) < 0.6 and _ENDS_SENTENCE.search(t))
                  and not _term_then_text(ln, body_size, body_weight))
        # A FAQ's question, "(1) How do I create an AUTOINCREMENT field?", set bold throughout on a line of its own.
        question = t.endswith("?") and ln.end_weight >= body_weight + 150 and 3 <= len(t.split()) <= 20
        # Bold at both ends: "Note: There should be no ..." (a bold lead-in, then body text) opens a paragraph.
        bolder = (bold(ln) and abs(ln.size - body_size) < 1.0 and len(t) < 100 and (not _ENDS_SENTENCE.search(t) or question)
                  and not _CAPTION.match(t))
        # "2. Storage" set bold throughout at the body's size (troff's .NH, word processors) is a heading, not a list item.
        numbered = _NUMBERED_HEADING.match(t) is not None and ln.end_weight >= body_weight + 150 and len(t.split()) <= 16
        return bigger or (bolder and (numbered or (question and _ENUMERATED.match(t) is not None) or (t[:1].isupper() and not _BULLET.match(t))))

    heading_sizes = sorted({ln.size for ln in all_lines if is_heading(ln) and ln.size >= body_size + 1.0}, reverse=True)

    def level(ln: Line) -> int:
        if id(ln) in man:
            return len(heading_sizes) + man[id(ln)]
        if _TOP_HEADING.match(ln.text):  # "Appendix B Invoking R" is a chapter, whatever its size: "B.1 ..." goes under it
            return 1
        m = re.match(r"^((?:\d+|[A-Z])(?:\.\d+)*)\.?\s", ln.text)
        if m and (ln.size < body_size + 1.0 or "." in m.group(1) or m.group(1).isdigit()):
            return m.group(1).count(".") + 1
        if page_kind.get(ln.page) == "index":  # an unnumbered index's title is a chapter (not one under the chapter before it);
            return 1 if _INDEX_TITLE.search(ln.text) else _ITEM_LEVEL  # its letters ("A") go under the index they are in
        if ln.size in heading_sizes:
            return heading_sizes.index(ln.size) + 1
        return len(heading_sizes) + 1

    # Table-of-contents and index pages: most lines end in a dot leader or a page number.
    # On a contents page, `toc_span` holds the indexes of its first and last entry (an entry ends in a dot leader or a
    # page number). A chapter's own contents list on the chapter's first page (DocBook via PassiveTeX: "2. How to use
    # bzip2", "Table of Contents", its entries, then the chapter's text): the lines after the last entry are text, and a
    # heading above the first entry is the chapter's title.
    page_kind: dict[int, str] = {}
    toc_span: dict[int, tuple[int, int]] = {}
    in_index = False
    for lines in body:
        if not lines:
            continue
        heads = [ln.text.lower() for ln in lines if is_heading(ln)]
        if any(_INDEX_TITLE.search(h) for h in heads):
            in_index = True
        elif heads and any(level(ln) == 1 for ln in lines if is_heading(ln)) and not any("content" in h for h in heads):
            in_index = False
        hits = sum(1 for ln in lines if _LEADER.search(ln.text) or _INDEX_ENTRY.match(ln.text))
        if len(lines) >= 4 and hits >= 0.4 * len(lines):
            page_kind[lines[0].page] = "index" if in_index else "toc"
            entries = [] if in_index else [i for i, ln in enumerate(lines) if _LEADER.search(ln.text) or _INDEX_ENTRY.match(ln.text) or re.search(r"\s\d{1,4}\s*$", ln.text)]
            if entries:
                toc_span[lines[0].page] = (entries[0], entries[-1])
        elif in_index and len(lines) >= 4 and hits >= 0.2 * len(lines):
            page_kind[lines[0].page] = "index"

    body = [lines if not lines or page_kind.get(lines[0].page) else _option_entries(_stacked_heads(_grid_rows(lines, pitch, is_heading, vocab), pitch), pitch)
            for lines in _fixed_tables(_ascii_tables(body, pitch), pitch)]
    notes: dict[int, list[list[Line]]] = {}
    for lines in body:
        if lines:
            before = notes.get(lines[0].page - 1)
            last = " ".join(ln.text for ln in before[-1]) if before else ""
            notes[lines[0].page] = _footnotes(lines, body_size, runs_on=bool(last) and not _ENDS_SENTENCE.search(last))
    in_notes = {id(ln) for page_notes in notes.values() for note in page_notes for ln in note}

    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    cur: dict | None = None  # the block being built: kind, lines, text, page, x0, size
    pending: list[tuple[str, int]] = []  # footnotes waiting for the paragraph open above them to end
    last_note: int | None = None  # the index in `blocks` of the last footnote placed
    rows: dict[int, tuple[Line, int]] = {}  # table_row block index -> (its first line, the least weight of its lines' letters)

    def path() -> tuple[str, ...]:
        return tuple(h for _, h in stack)

    def flush():
        nonlocal cur
        if cur is not None:
            text = cur["text"] if cur["kind"] != "code" else _code_text(cur["code"], page_left)
            if cur["kind"] == "heading":
                text = " ".join(cur["lines"])
                lvl = cur["level"]
                while stack and stack[-1][0] >= lvl:
                    stack.pop()
                stack.append((lvl, _dehyphenate(text, vocab)))
            if (cur["kind"] in ("paragraph", "list_item") and len(cur["lines"]) <= 3 and len(text.split()) <= 30 and abs(cur["size"] - body_size) < 1.0
                    and text.endswith("?") and all(bold(x) for x in (cur["first"], cur["last"]))):
                # A short question set bold throughout (its lines joined by the rule in the loop below): a FAQ's question
                # wrapped over two lines ("(4) Why doesn't SQLite allow me ... / ... of the same table?")
                lvl = len(heading_sizes) + 1
                while stack and stack[-1][0] >= lvl:
                    stack.pop()
                stack.append((lvl, _dehyphenate(text, vocab)))
                cur["kind"] = "heading"
            if cur["kind"] == "table_row":
                rows[len(blocks)] = (cur["first"], cur["low"])
            blocks.append(Block(cur["kind"], _dehyphenate(text, vocab), path(), cur["page"]))
        cur = None

    def close():
        """End the block being built, then place the footnotes that waited for it."""
        nonlocal last_note
        flush()
        for text, page in pending:
            last_note = len(blocks)
            blocks.append(Block("paragraph", _dehyphenate(text, vocab), path(), page))
        pending.clear()

    def start(kind: str, ln: Line, **kw):
        nonlocal cur
        close()
        text = " | ".join(ln.cells) if kind == "table_row" else ln.text
        cur = {"kind": kind, "lines": [ln.text], "text": text, "page": ln.page, "x0": ln.x0, "size": ln.size, "main_size": ln.main_size or ln.size, "first": ln, "last": ln,
               "cells": list(ln.cells), "cell_x": list(ln.cell_x), "low": ln.low_weight, **kw}

    def in_cell(ln: Line, gap: float | None, page_head: bool = False) -> bool:
        """Add `ln` to the cell of the table row being built that it starts under (a wrapped cell), if any. At the head of
        a page (`page_head`), only the last cell of a row at the foot of the page before, open inside a sentence, goes on."""
        if not (cur and cur["kind"] == "table_row"):
            return False
        across = page_head and cur["last"].page == ln.page - 1 and not _ENDS_SENTENCE.search(cur["cells"][-1])
        if not (across or gap is not None and 0 < gap < pitch * 1.45):
            return False
        col = _under_column(cur["cell_x"], ln)
        if col is None or across and col != len(cur["cells"]) - 1:
            return False
        cur["cells"][col] = _join(cur["cells"][col], ln.text, vocab)
        cur["text"] = " | ".join(cur["cells"])
        cur["lines"].append(ln.text)
        cur["last"] = ln
        cur["low"] = min(cur["low"], ln.low_weight)  # (a header's wrapped cell is bold too)
        return True

    for lines in body:
        right: float | None = None  # the page's right text edge, found when a line first needs it
        for idx, ln in enumerate(lines):
            if id(ln) in in_notes:
                continue
            nxt = lines[idx + 1] if idx + 1 < len(lines) else None
            if re.fullmatch(r"\d{1,3}", ln.text) and ln.size <= 0.8 * body_size:
                continue  # a note mark that pdfium set on a line of its own
            kind = page_kind.get(ln.page)
            if kind == "toc" and ln.page in toc_span:
                first_entry, last_entry = toc_span[ln.page]
                if idx > last_entry:  # the chapter's text below its contents list
                    kind = None
                    if idx == last_entry + 1:
                        close()
                        if stack and re.search(r"\bcontents\b", stack[-1][1], re.I):
                            stack.pop()  # the list's "Table of Contents" heads no text
                elif idx < first_entry and is_heading(ln) and ln.size >= body_size + 1.0:
                    start("heading", ln, level=level(ln))  # the chapter's title, numbered: "2. How to use bzip2"
                    continue
            prev = cur["last"] if cur else None
            gap = (prev.last - ln.top) if prev is not None and prev.page == ln.page else None
            if (kind and is_heading(ln) and ln.size >= body_size + 1.0 and not re.search(r"\d\s*$", ln.text)
                    and (kind == "index" or not _NUMBERED_HEADING.match(ln.text) and not _TOP_HEADING.match(ln.text))):  # (a contents entry is numbered)
                start("heading", ln, level=level(ln))  # "Function and variable index", "D.1 Index of ...", "A" above the entries: their section
                continue
            if kind:
                # One entry per block; an entry wrapped over two lines ends at its page number.
                if cur and cur["kind"] == kind and not (_LEADER.search(cur["text"]) or _INDEX_ENTRY.match(cur["text"]) or re.search(r"\d$", cur["text"])) and gap is not None and 0 < gap < pitch * 1.6:
                    cur["text"] = _join(cur["text"], ln.text, vocab)
                    cur["lines"].append(ln.text)
                    cur["last"] = ln
                else:
                    start(kind, ln)
                continue
            if _LEADER.search(ln.text):  # "Title . . . . 63", even when the page number sits apart like a cell
                start("toc", ln)
                continue
            if ln.grid:
                start("table_row", ln)
                continue
            if (cur and cur["kind"] == "heading" and ln.text[:1].islower() and ln.weight >= body_weight + 150 and ln.weight == cur["last"].weight
                    and abs(cur["size"] - ln.size) < 0.6 and gap is not None and 0 < gap < max(pitch, ln.size) * 1.6 and len(ln.text) < 100):
                cur["lines"].append(ln.text)  # a bold heading wrapped before a lower-case word
                cur["last"] = ln
                continue
            if (cur and cur["kind"] in ("paragraph", "list_item") and len(cur["lines"]) < 3 and len(cur["lines"][0].split()) >= 6
                    and bold(cur["first"]) and bold(cur["last"]) and bold(ln)
                    and not _ENDS_SENTENCE.search(cur["text"]) and gap is not None and 0 < gap < pitch * 1.45 and abs(ln.size - cur["size"]) < 0.6):
                cur["text"] = _join(cur["text"], ln.text, vocab)  # a bold block's next line, wherever it starts
                cur["lines"].append(ln.text)
                cur["last"] = ln
                continue
            if (cur and cur["kind"] == "table_row" and len(cur["cells"]) == 2 and _DEF_CATEGORY.fullmatch(cur["cells"][1]) and _unclosed(cur["cells"][0]) and not ln.cells and ln.x0 > cur["cell_x"][0] + ln.size
                    and any(abs(ln.size - s) < 0.6 for s in (cur["size"], cur["main_size"], *cur["first"].sizes)) and gap is not None and 0 < gap < pitch * 1.6):
                # A texinfo definition's prototype wrapped onto indented lines: "void dpsifn (double x, ..., int* nz, | [Function]" / "int* ierr)".
                # The wrapped line may open in the size of the prototype's argument names, not of its first word (nettle.pdf:
                # "void sha256_update (struct sha256 ctx *ctx, size t length, const" at 12 points, "uint8 t *data)" at 10.9).
                cur["cells"][0] = _join(cur["cells"][0], ln.text, vocab)
                cur["text"] = " | ".join(cur["cells"])
                cur["lines"].append(ln.text)
                cur["last"] = ln
                continue
            if is_heading(ln) and _NUMBERED_CAPTION.match(ln.text):  # "Figure 6-5: Definition Lists" set larger than the body, under its figure
                if cur and cur["kind"] == "caption" and abs(cur["size"] - ln.size) < 0.6 and gap is not None and 0 < gap < max(pitch, ln.size) * 1.6:
                    cur["text"] = _join(cur["text"], ln.text, vocab)
                    cur["lines"].append(ln.text)
                    cur["last"] = ln
                else:
                    start("caption", ln)
                continue
            if (cur and cur["kind"] == "caption" and is_heading(ln) and abs(cur["size"] - ln.size) < 0.6 and ln.weight == cur["last"].weight
                    and gap is not None and 0 < gap < max(pitch, ln.size) * 1.6 and not _NUMBERED_HEADING.match(ln.text)):
                cur["text"] = _join(cur["text"], ln.text, vocab)  # the caption wrapped
                cur["lines"].append(ln.text)
                cur["last"] = ln
                continue
            if is_heading(ln):
                if (cur and cur["kind"] == "heading" and abs(cur["size"] - ln.size) < 0.6 and gap is not None and 0 < gap < max(pitch, ln.size) * 1.6
                        and not _NUMBERED_HEADING.match(ln.text) and (id(ln) not in man or level(ln) == cur["level"])):  # (a man page's subsection title right under its section's)
                    cur["lines"].append(ln.text)
                    cur["last"] = ln
                else:
                    start("heading", ln, level=level(ln))
                continue
            if in_cell(ln, gap, page_head=idx == 0):
                continue
            if ln.linked and not (cur and cur["kind"] in ("paragraph", "list_item") and not _BULLET.match(ln.text) and not _ENDS_SENTENCE.search(cur["text"])
                                  and _continues(cur, ln, gap, pitch, body_size)):
                # A line of links to places in the document (a contents list): one entry, with the line wrapped from it.
                if cur and cur.get("linked") and not _BULLET.match(ln.text) and gap is not None and 0 < gap < pitch * 1.45 and ln.x0 > cur["x0"] + 0.3 * ln.size:
                    cur["text"] = _join(cur["text"], ln.text, vocab)
                    cur["lines"].append(ln.text)
                    cur["last"] = ln
                else:
                    start("toc", ln, linked=True)
                continue
            if ln.cells and ln.fixed and not _tabular(lines, idx, pitch):
                ln = replace(ln, cells=[], cell_x=[])  # a lone fixed-pitch line with a wide gap: code ("LCD screens.  Changes ...")
            if ln.cells and not _tabular(lines, idx, pitch) and not _spread(cur, ln, gap, pitch, body_size):
                if right is None:
                    right = _right_edge(lines, body_size)
                if _opens_paragraph(ln, nxt, pitch, right) and not is_heading(nxt):
                    ln = replace(ln, text=" ".join(ln.cells), cells=[], cell_x=[])  # prose: read on as any other line
                    if in_cell(ln, gap):
                        continue  # (justified prose of a definition: under the definition's column of the row above)
                else:
                    start("table_row", ln)
                    continue
            elif ln.cells and _tabular(lines, idx, pitch):
                start("table_row", ln)
                continue
            if ln.fixed:
                if cur and cur["kind"] == "code" and (gap is not None and 0 < gap < pitch * 2.2 or _code_over_page(cur, ln, idx)):
                    cur["lines"].append(ln.text)
                    cur["code"].append(ln)
                    cur["last"] = ln
                else:
                    start("code", ln, code=[ln])
                continue
            if (re.match(r"\(?\d{1,2}[.)]\s+\S", ln.text) and ln.end_weight >= body_weight + 150 and len(ln.text.split()) <= 8
                    and not _ENDS_SENTENCE.search(ln.text) and nxt is not None and not bold(nxt) and nxt.x0 > ln.x0 + 0.3 * ln.size
                    and 0 < ln.last - nxt.top < pitch * 1.6):
                start("heading", ln, level=_ITEM_LEVEL)  # "8. Blank lines" set bold above its indented text: the item's title
                continue
            if _BULLET.match(ln.text) and not ((ln.text[0] in "–—-" or _mid_sequence(ln.text, cur, blocks)) and cur and cur["kind"] in ("paragraph", "list_item")
                                               and not _ENDS_SENTENCE.search(cur["text"]) and gap is not None and _continues(cur, ln, gap, pitch, body_size)):
                start("list_item", ln)  # (a dash, or a "(5)" no sequence leads to, that opens a wrapped line inside a sentence is no list mark)
                continue
            if cur and cur["kind"] in ("paragraph", "list_item"):
                if (_continues(cur, ln, gap, pitch, body_size) and not (man and _ended_short(cur, ln, lines, body_size))
                        and not _hanging_term(cur, ln, nxt, lines, body_size)):
                    cur["text"] = _join(cur["text"], ln.text, vocab)
                    cur["lines"].append(ln.text)
                    cur["last"] = ln
                    continue
            start("paragraph", ln)
        for note in notes.get(lines[0].page if lines else 0, []):  # placed when the block open at the page's end ends
            rest = _rest_of_note(note)
            text = note[0].text if rest else _strip_mark(note[0].text) if len(note[0].text.split()) > 1 else ""
            for ln in note[1:]:
                text = _join(text, ln.text, vocab) if text else ln.text
            if rest and pending:  # the note it goes on from still waits for its paragraph
                pending[-1] = (_join(pending[-1][0], text, vocab), pending[-1][1])
            elif rest and last_note is not None:  # ... or was placed: it is the last note block
                blocks[last_note] = replace(blocks[last_note], text=_dehyphenate(_join(blocks[last_note].text, text, vocab), vocab))
            elif text:
                pending.append((text, note[0].page))
    close()
    # Entries of a contents list without page numbers or links ("• 5.1. New packages"): two or more
    # paragraphs or list items in a row, each with the words of one of the document's headings.
    heads = {_wkey(b.text) for b in blocks if b.kind == "heading"} - {""}
    named = [b.kind in ("paragraph", "list_item") and _wkey(b.text) in heads for b in blocks]
    blocks = [Block("toc", b.text, b.section, b.page) if named[i] and ((i and named[i - 1]) or (i + 1 < len(named) and named[i + 1])) else b
              for i, b in enumerate(blocks)]
    return _table_heads(blocks, rows, body_weight + 150)


_DEF_CATEGORY = re.compile(r"\[[A-Z][a-z]+(?: [A-Za-z]+)?\]")  # texinfo's category at a definition's right margin: "[Function]", "[User Option]"


def _figure_labels(pages: list[list[Line]], page_left: dict[int, float], body_size: float, body_weight: int) -> set[int]:
    """Text drawn inside a figure: ids of the lines above a figure's caption ("Figure 2-2: The Coordinate System",
    `_NUMBERED_CAPTION`) on its page, back to the nearest line that starts at the text's left edge (within an em: a
    paragraph, a heading), a chapter title, a numbered heading set bold at both ends, or another caption. `is_heading`
    takes none of them: reportlab's "(0,0) the Origin" (20 pt), "SPUMONI" (85 pt), "80: well she hit Net Solutions",
    octave.pdf's plot titles ("Simple 2-D Plot") were headings of the text after them."""
    out: set[int] = set()
    for lines in pages:
        for c, cap in enumerate(lines):
            if not _NUMBERED_CAPTION.match(cap.text) or not cap.text.startswith("Fig"):  # (a figure's caption goes under it; a table's or listing's may go above)
                continue
            left = page_left.get(cap.page, 0.0)
            for ln in reversed(lines[:c]):
                if (ln.x0 <= left + body_size or ln.top <= cap.top or _NUMBERED_CAPTION.match(ln.text) or _TOP_HEADING.match(ln.text)
                        or _NUMBERED_HEADING.match(ln.text) and min(ln.weight, ln.end_weight) >= body_weight + 150):
                    break
                out.add(id(ln))
    return out


def _number_and_title(ln: Line) -> bool:
    """A section number and its title set a quad or more apart ("2   Related work": LaTeX's \\section), which `_cells`
    reads as two cells: the line may still be a heading (`is_heading` asks its size and weight). crc-doc.1.0.pdf's
    sections were two-cell table rows, so the text under them went under the heading before ("Contents")."""
    return len(ln.cells) == 2 and re.fullmatch(r"(?:\d+|[A-Z])(?:\.\d+)*\.?", ln.cells[0]) is not None and ln.cells[1][:1].isupper()


def _unclosed(text: str) -> bool:
    """More "(" than ")": the text stops inside brackets."""
    return text.count("(") > text.count(")")


def _outdented_heads(lines: list[Line], body_size: float, body_weight: int) -> dict[int, int]:
    """A man page typeset by groff (`man -Tpdf`, bash.pdf): its section titles ("SHELL GRAMMAR") start left of the
    text column and its subsection titles ("Simple Commands") half way, both at the body's size (or a little larger)
    in the bold face, which pdfium may weigh only a little above the roman (728 against 695). id(line) -> level, by
    how far out the line starts; {} unless the document has at least 3 such lines and they are at most 1 line in 15.
    A line is one when it starts at least an em left of the text's leftmost column (a tenth of the text or more starts
    there; definitions indented further hold more), is short (8 words or fewer,
    no sentence end), opens with a letter, and is set heavier or larger than the body."""
    chars = Counter()
    for ln in lines:
        chars[round(ln.x0)] += len(ln.text)
    if not chars:
        return {}
    total = sum(chars.values())
    column = min(x for x, n in chars.items() if n >= 0.1 * total)  # the leftmost column that holds a tenth of the text
    found = [ln for ln in lines
             if ln.x0 < column - body_size and ln.text[:1].isalpha() and len(ln.text.split()) <= 8 and len(ln.text) <= 60
             and not _ENDS_SENTENCE.search(ln.text) and not ln.cells and not ln.fixed
             and ((ln.weight > body_weight and ln.end_weight > body_weight) or ln.size >= body_size + 0.5)]
    if len(found) < 3 or len(found) * 15 > len(lines) or _ranked_by_size(found, body_size):
        return {}
    xs: list[float] = []
    for x in sorted(ln.x0 for ln in found):  # the indents, a few points apart at most within one
        if not xs or x - xs[-1] > 3.0:
            xs.append(x)
    at = lambda x: max(i for i, c in enumerate(xs) if c <= x + 0.01)  # noqa: E731
    return {id(ln): at(ln.x0) + 1 for ln in found}


def _term_then_text(ln: Line, body_size: float, body_weight: int) -> bool:
    """A line that opens with a term set a point or more larger and goes on in the body's size: a LaTeX description
    list's entry, its description on the term's line (doxygen_manual.pdf's configuration options: "TAB_SIZE" at 10 pt,
    "The TAB_SIZE tag can be used to set the number of spaces in a tab. Doxygen uses this value to" at 9 pt). It is the
    entry's first line, not a heading over the entries below it: 6 words or more, or a sentence's end, some of its
    letters in the body's size, and not numbered (nettle.pdf's "7.3.4.1 General (XTS) interface." is a heading). Nor is
    a larger line set lighter than the body: doxygen's typewriter words (pdfium weight 205 against the body's 425) fill
    a wrapped line at 10 pt ("Slovak, Slovene, Spanish, Swedish, Turkish, Ukrainian and Vietnamese.", "DoxyDocs.pm.");
    a Word heading in Calibri Light (300 against 400) is not that much lighter."""
    if 0 < ln.weight <= body_weight - 130:
        return True
    return ((len(ln.text.split()) >= 6 or _ENDS_SENTENCE.search(ln.text) is not None) and not _NUMBERED_HEADING.match(ln.text)
            and len(ln.sizes) > 1 and abs(min(ln.sizes) - body_size) < 0.6)


def _ranked_by_size(found: list[Line], body_size: float) -> bool:
    """Titles at the margin, left of an indented text column, set in two or more sizes a point or more above the body's
    are ranked by their size, not by how far out they start: DocBook through Apache FOP (the X.org ICCCM: chapters at
    24.9 pt, sections at 20.7, 17.3 and 14.4, all at x 72, the text at x 120) is no man page, whose titles are at the
    body's size. Read as one, every title was level 1, below the 12 pt note titles ("Convention") inside the column."""
    return len({round(ln.size) for ln in found if ln.size >= body_size + 1.0}) >= 2


def _table_heads(blocks: list[Block], rows: dict[int, tuple[Line, int]], bold: int) -> list[Block]:
    """Tables' header rows. A table: a run of consecutive `table_row` blocks (across a page break too), a new one
    starting at a row whose left edge lines up (within 1 em) with neither the left edge nor a cell of the row above,
    unless the row above is the run's first (a header's cells may be centred: LibreOffice sets <th> cells so).
    Its first row is its header (`table_head`) when the table has 2 or more rows, every letter and digit of that row
    is bold (its least weight at least `bold`, the body's weight + 150; pdfium's weight or the font's name, `_weight`)
    and the second row is not bold throughout: a bold first cell (a package name) or a bold row of a table set all
    in bold is no header. A table that repeats its header on the next page: a row bold throughout with the words of
    the header above, that is the first block of its page, the page after that header's table's last row, is that
    header (`table_head`) too, whatever the length of its run. Then each table's rows get their header's text
    (`with_heads`). Only kinds table_row -> table_head and the rows' `head` change; the blocks and texts stay.
    `rows`: each table_row block's index -> (its first line, the least weight of its lines' letters, 0 unread)."""
    from rag.blocks import with_heads

    def lines_up(a: Line, b: Line) -> bool:
        tol = max(b.size, 4.0)
        return any(abs(x - b.x0) <= tol for x in [a.x0, *a.cell_x])

    tables: list[list[int]] = []
    for i in sorted(rows):
        if tables and tables[-1][-1] == i - 1 and (len(tables[-1]) == 1 or lines_up(rows[i - 1][0], rows[i][0])):
            tables[-1].append(i)
        else:
            tables.append([i])
    out = list(blocks)
    first_on_page = {}
    for i, b in enumerate(blocks):
        first_on_page.setdefault(b.page, i)
    key = None  # the words of the last header found, and the page its table ends on
    for t in tables:
        heads = []
        cap = blocks[t[0] - 1] if t[0] > 0 else None
        captioned = (len(t) >= 2 and cap is not None and cap.kind == "paragraph" and _TABLE_TITLE.match(cap.text) is not None
                     and all(re.search(r"[^\W\d_]{3}", c) and not re.fullmatch(r"[-+]?[\d.,]+%?", c) for c in blocks[t[0]].text.split(" | ")))
        if captioned:
            out[t[0] - 1] = Block("caption", cap.text, cap.section, cap.page)
        below = blocks[t[-1] + 1] if t[-1] + 1 < len(blocks) else None
        if (below is not None and below.kind == "paragraph" and _TABLE_TITLE.match(below.text) and (t[-1] + 2 not in rows)
                and below.page in (blocks[t[-1]].page, (blocks[t[-1]].page or 0) + 1)):
            out[t[-1] + 1] = Block("caption", below.text, below.section, below.page)  # under its table: "Table 6-2 - Synonyms for style attributes"
        if len(t) >= 2 and (rows[t[0]][0].stacked or rows[t[0]][0].ruled or captioned or rows[t[0]][1] >= bold and rows[t[1]][1] < bold):
            heads.append(t[0])
            key = (_wkey(blocks[t[0]].text), blocks[t[-1]].page)
        if key:
            for i in t:
                if (i not in heads and rows[i][1] >= bold and first_on_page.get(blocks[i].page) == i and _wkey(blocks[i].text) == key[0]
                        and blocks[i].page is not None and (i != t[0] or key[1] == blocks[i].page - 1)):
                    heads.append(i)  # (inside the run: the header repeated where the table goes on over a page break)
            if heads:
                key = (key[0], blocks[t[-1]].page)
        for i in heads:
            b = blocks[i]
            out[i] = Block("table_head", b.text, b.section, b.page)
        if heads:
            out[t[0] : t[-1] + 1] = with_heads(out[t[0] : t[-1] + 1])
    return out


_RULE = re.compile(r"[-=_]{8,}")  # an ASCII table's rule under its header row
# A numbered table title without a sentence end, right above the table: DocBook/dblatex's "Table 5.1 The multiarch
# library path options", whose header row is set like its rows. The title is a caption; the table's first row, if each
# cell has a word of 3+ letters and none is a number, its header.
_TABLE_TITLE = re.compile(r"^Table\s+(?:[A-Z]\.)?\d+(?:[.-]\d+)*[.:]?\s+\S.{0,100}(?<![.!?:;,])$")


def _ascii_tables(pages: list[list[Line]], pitch: float) -> list[list[Line]]:
    """Tables drawn in ASCII inside a fixed-pitch example (DocBook's fontconfig-user.pdf: "Property Type Description",
    a rule of dashes, then its rows): the header, a fixed-pitch line with wide gaps right above a line of 8+ dashes, is
    the table's header (`ruled`) when the line under the rule reads as a row of 2+ cells; the rule is no text; each
    fixed-pitch line below it, down to the first that is not one
    (on the next page too, while the page opens with such lines), is a row whose cells start at the header's columns
    (`_ascii_row`); a line that starts under a later column goes on with the row above. The rows become lines with
    cells (`grid`), no longer code."""
    out: list[list[Line]] = []
    cols: list[float] | None = None  # the open table's columns (left edges), carried over a page break
    for lines in pages:
        new: list[Line] = []
        i = 0
        while i < len(lines):
            ln = lines[i]
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            first = lines[i + 2] if i + 2 < len(lines) else None
            if (ln.fixed and len(ln.code_cells) >= 2 and nxt is not None and _RULE.fullmatch(nxt.text) and nxt.fixed
                    and 0 < ln.top - nxt.top < 1.6 * pitch and first is not None and len(getattr(_ascii_row(first, ln.code_x), "cells", ())) >= 2):
                cols = ln.code_x
                new.append(replace(ln, cells=ln.code_cells, cell_x=cols, fixed=False, grid=True, ruled=True))
                i += 2
                continue
            row = _ascii_row(ln, cols) if cols and (new and new[-1].grid or not new) else None
            if row is None:
                cols = None if new or i else cols
                new.append(ln)
            elif row.x0 > cols[0] + 0.5 * ln.size and new and new[-1].grid:  # a cell wrapped onto the next line
                prev = new[-1]
                cells = [" ".join(filter(None, (a, b))) for a, b in zip(prev.cells, row.cells)] + prev.cells[len(row.cells):]
                new[-1] = replace(prev, cells=cells, text=" ".join(cells), last=row.last)
            else:
                new.append(row)
            i += 1
        out.append(new)
    return out


def _fixed_tables(pages: list[list[Line]], pitch: float) -> list[list[Line]]:
    """A table whose header row is set in a proportional face and its rows in a fixed-pitch one (reportlab's Table 6-2,
    "Attribute | Synonyms" over "fontSize  fontSize, fontsize, size" in Courier, p. 78-79), which read as a one-row
    table over a code block. The header: a line with 2+ cells, not fixed-pitch; its rows: the fixed-pitch lines right
    under it (each within 2 pitches of the one above, on the next page too while the page opens with such lines) whose
    wide gaps (`code_x`) fall each at one of the header's columns (within a third of an em), the first line's at all
    of them, every row starting at the first column. A line that starts under a later column, without gaps elsewhere,
    goes on with the row above. The rows become lines with cells (`grid`), no longer code."""
    out: list[list[Line]] = []
    cols: list[float] | None = None  # the open table's columns, carried over a page break

    def row_of(ln: Line, full: bool) -> Line | None:
        if not ln.fixed or not ln.code_x:
            return None
        tol = 0.35 * ln.size
        at = [next((c for c, x in enumerate(cols) if abs(x - cx) <= tol), None) for cx in ln.code_x]
        if None in at or at[0] != 0 or at != sorted(set(at)) or full and len(at) != len(cols):
            return None
        cells = [""] * len(cols)
        for c, t in zip(at, ln.code_cells):
            cells[c] = t
        while cells and not cells[-1]:
            cells.pop()
        return replace(ln, cells=cells, cell_x=cols[: len(cells)], fixed=False, grid=True)

    for lines in pages:
        new: list[Line] = []
        for ln in lines:
            prev = new[-1] if new else None
            if cols and (prev is None or prev.grid and 0 < prev.last - ln.top < 2 * pitch):
                row = row_of(ln, False)
                if row is not None:
                    new.append(row)
                    continue
                c = next((c for c, x in enumerate(cols) if c and abs(x - ln.x0) <= 0.35 * ln.size), None)
                if prev is not None and c is not None and ln.fixed and not ln.code_x and 0 < prev.last - ln.top < 1.6 * pitch:
                    cells = prev.cells + [""] * (c + 1 - len(prev.cells))
                    cells[c] = f"{cells[c]} {ln.text}".strip()  # a cell wrapped onto the next line
                    new[-1] = replace(prev, cells=cells, cell_x=cols[: len(cells)], text=" ".join(cells), last=ln.last)
                    continue
            cols = None
            if (prev is not None and not prev.fixed and not prev.grid and len(prev.cells) >= 2 and len(prev.cell_x) == len(prev.cells)
                    and 0 < prev.last - ln.top < 2 * pitch):
                cols = prev.cell_x
                row = row_of(ln, True)
                if row is not None:
                    new[-1] = replace(prev, grid=True)
                    new.append(row)
                    continue
                cols = None
            new.append(ln)
        out.append(new)
    return out


def _ascii_row(ln: Line, cols: list[float]) -> Line | None:
    """`ln` as a row of the ASCII table whose columns start at `cols`: a word that starts at a later column (within a
    third of an em) opens that column's cell, even after a single space ("FT_Face Use ..." filled its column), and a
    word after a wide gap opens the next cell (a number set right under "Value"); None when `ln` is no fixed-pitch line
    of words, or its first word lies under no column."""
    words = ln.text.split()
    if not ln.fixed or len(ln.word_x) != len(words) or not words:
        return None
    tol = 0.35 * ln.size
    at = [next((c for c, x in enumerate(cols) if abs(x - wx) <= tol), None) for wx in ln.word_x]
    if at[0] is None:
        return None
    wide = {round(x, 1) for x in ln.code_x[1:]}
    cells = [""] * len(cols)
    col = at[0]
    for w, c, wx in zip(words, at, ln.word_x):
        if c is not None and c > col:
            col = c
        elif round(wx, 1) in wide:
            col = min(col + 1, len(cols) - 1)
        cells[col] = f"{cells[col]} {w}".strip()
    while cells and not cells[-1]:
        cells.pop()
    return replace(ln, cells=cells, cell_x=cols[: len(cells)], fixed=False, grid=True)


_HEAD_CELL = re.compile(r"-{0,2}[A-Za-z][A-Za-z'()/.-]*(?: -{0,2}[A-Za-z][A-Za-z'()/.-]*)*")  # "Compress", "-s usage"


def _stacked_heads(lines: list[Line], pitch: float) -> list[Line]:
    """A table's header set on two lines, the first with fewer cells, each over one column of the second ("Compress
    Decompress Decompress Corpus" over "Flag usage usage -s usage Size", bzip2's memory table), is one header row:
    "Flag | Compress usage | Decompress usage | Decompress -s usage | Corpus Size". Taken so when the two lines open a
    table (no row above), hold words only (no digit, no code), lie a line's pitch apart, and the row below them has as
    many cells as the second and a number in one; each upper cell goes to the lower column whose left edge is nearest,
    in order. The joined line is its table's header (`_table_heads`), bold or not. Left out: headers of three lines or
    more."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        a = lines[i]
        if i + 2 < len(lines) and (not out or not out[-1].cells):
            b, c = lines[i + 1], lines[i + 2]
            cols = _stacked_columns(a, b, c, pitch)
            if cols is not None:
                cells = [f"{a.cells[cols.index(j)]} {cell}" if j in cols else cell for j, cell in enumerate(b.cells)]
                out.append(replace(b, text=" ".join(cells), cells=cells, x0=min(a.x0, b.x0), x1=max(a.x1, b.x1), top=a.top, stacked=True))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _stacked_columns(a: Line, b: Line, c: Line, pitch: float) -> list[int] | None:
    """For each cell of `a`, the column of `b` it heads (`_stacked_heads`), or None when a and b are no stacked header."""
    if not (2 <= len(a.cells) < len(b.cells) == len(c.cells) and len(a.cell_x) == len(a.cells) and len(b.cell_x) == len(b.cells)):
        return None
    if not (a.page == b.page == c.page and 0 < a.top - b.top <= pitch * 1.6 and 0 < b.top - c.top <= pitch * 3):
        return None
    if (a.fixed and not a.cells) or (b.fixed and not b.cells) or not all(_HEAD_CELL.fullmatch(x) for x in a.cells + b.cells):  # words only: no code, no numbers
        return None
    if not any(re.search(r"\d", x) for x in c.cells):  # ... over data: rows of words with one cell empty are rows
        return None
    cols = [min(range(len(b.cell_x)), key=lambda j: (abs(x - b.cell_x[j]), -j)) for x in a.cell_x]
    return cols if all(p < q for p, q in zip(cols, cols[1:])) else None


_OPTION_LEAD = re.compile(r"(-{1,2}[A-Za-z0-9][\w-]*(?:[= ][a-z][\w-]*)?)\s+([A-Z].*)")  # "-x Echo commands ...", "-p path Add path ..."


def _option_entries(lines: list[Line], pitch: float) -> list[Line]:
    """A page's lines with each texinfo option entry made into one two-cell row, its option names | its description.
    An entry: option names set fixed-pitch at the list's margin, one a line ("--norc"), then the description indented
    under its own column, either on the next line or after one more option name on the same line, across a gap
    ("-f  Don't read any of the system ...": octave.pdf, R-intro.pdf's "Invoking R", bashref.pdf). Read apart, the names
    were a code block and the description a paragraph or a "-f | Don't ..." row of its own. An entry whose one name shares
    the line with its description ("--gui  Start the graphical ...") counts where a description or an entry above it sets
    the list apart. The description's further lines go on in the row's second cell (they start under it)."""
    out, i, made = [], 0, False  # made: the line above ended an entry's row
    while i < len(lines):
        first, j = lines[i], i
        while j < len(lines) and _option_name(lines[j], first) and (j == i or _next_to(lines[j - 1], lines[j], pitch)):
            j += 1
        head = lines[j] if j < len(lines) and (j == i or _next_to(lines[j - 1], lines[j], pitch)) else None
        in_list = j > i or made or (i > 0 and lines[i - 1].x0 > first.x0 + 2 * first.size)
        row = _option_row([ln.text for ln in lines[i:j]], head, first.x0, lines[j + 1] if j + 1 < len(lines) else None, pitch) if head and in_list else None
        if row is None and (fop := _fop_option(lines, i, pitch)):
            row, j = fop
        made = row is not None
        out.append(row or first)
        i = j + 1 if made else i + 1
    return out


def _fop_option(lines: list[Line], i: int, pitch: float) -> tuple[Line, int] | None:
    """DocBook's option entry as FOP sets it (valgrind_manual.pdf): a fixed-pitch term at the list's margin that opens with
    an option and carries its argument and default ("--num-callers=<number> [default: 12]"), on one line or wrapped onto
    a next one (an open "[" or "<", or one more option), then, a paragraph's space below (under 2.2 line pitches), the
    description 1.2-3 ems in, opening with a capital or the option: one row, term | description, and the index of the description's
    line. None for anything else, such as a code example at the margin (a line right above it is code too, or it opens
    with no option, or the prose after it is not indented under it)."""
    first = lines[i]
    x, em = first.x0, first.size
    if not (_option_name(first, first) and re.match(r"--?[A-Za-z]", first.text)) or i and _next_to(lines[i - 1], first, pitch) and lines[i - 1].fixed:
        return None
    term, j = first.text, i + 1
    while (j < len(lines) and j - i < 3 and lines[j].fixed and not lines[j].cells and abs(lines[j].x0 - x) < 0.5 * em and _next_to(lines[j - 1], lines[j], pitch)
           and (lines[j].text.startswith("-") or term.count("[") > term.count("]") or term.count("<") > term.count(">"))):
        term += ("" if term.endswith("/") else ", " if lines[j].text.startswith("-") else " ") + lines[j].text
        j += 1
    if j >= len(lines):
        return None
    head = lines[j]
    if (head.fixed or head.cells or head.page != first.page or _BULLET.match(head.text) or abs(head.size - em) >= 0.6
            or not 1.2 * em <= head.x0 - x < 3 * em or not 0 < lines[j - 1].last - head.top < 2.2 * pitch
            or not (head.text[:1].isupper() or head.text.split("=")[0] == term.split("=")[0])):  # ("--history-level=full (the default) causes ...")
        return None
    return replace(head, cells=[term, head.text], cell_x=[x, head.x0], x0=x, grid=True), j


def _option_name(ln: Line, first: Line) -> bool:
    """Is `ln` a line of option names ("--silent", "-p path") at `first`'s margin?"""
    return ln.fixed and ln.text.startswith("-") and not ln.cells and abs(ln.x0 - first.x0) < 0.5 * ln.size


def _next_to(a: Line, b: Line, pitch: float) -> bool:
    """Is `b` the line right under `a`, in the same size (within 1.6 line pitches)?"""
    return a.page == b.page and 0 < a.last - b.top < pitch * 1.6 and abs(a.size - b.size) < 0.6


def _option_row(names: list[str], head: Line, x: float, nxt: Line | None, pitch: float) -> Line | None:
    """The row of an option entry whose names above are `names` (maybe none) and whose next line is `head`, for
    `_option_entries`; None when `head` opens no description."""
    em = head.size
    if head.fixed or _BULLET.match(head.text):
        return None
    if names and not head.cells and head.x0 >= x + 2 * em:  # the description, indented under the names
        return replace(head, cells=[", ".join(names), head.text], cell_x=[x, head.x0], x0=x, grid=True)
    if abs(head.x0 - x) >= 0.5 * em:
        return None
    if len(head.cells) == 2 and head.cells[0].startswith("-"):  # "-f | Don't read ...": one more name, a gap, the description
        return replace(head, cells=[", ".join(names + head.cells[:1]), head.cells[1]], grid=True)
    m = None if head.cells else _OPTION_LEAD.fullmatch(head.text)
    if m is None:  # (no cells for "-x  Echo commands ...": a line that ends a sentence gets none, and "--no-gui  Disable ..."'s gap is narrow)
        return None
    under = nxt is not None and _next_to(head, nxt, pitch) and nxt.x0 >= x + 2 * em and not nxt.cells
    return replace(head, cells=[", ".join(names + [m.group(1)]), m.group(2)], cell_x=[x, nxt.x0 if under else x + 4 * em], grid=True)


def _wkey(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


_NOTE_MARK = re.compile(r"^(?:\(?\d{1,3}\)?|[*†‡§¶])(?:\s+|$)")


def _footnotes(lines: list[Line], body_size: float, runs_on: bool = False) -> list[list[Line]]:
    """The page's footnotes, each as its lines: the lines set smaller than the body text below
    the page's last body-size line, when the first of them opens with a note mark set smaller
    still (the way TeX, texinfo and DocBook set notes). [] when the page has none.
    `runs_on`: the previous page's last note stops inside a sentence. Then small lines there that open
    with no mark but a lowercase word are its rest, which TeX sets at the foot of the next page: they
    come first, as a note whose first line is no mark (`_rest_of_note`)."""
    normal = [ln for ln in lines if ln.size > body_size - 0.9]
    if not normal:
        return []
    floor = min(ln.top for ln in normal)
    zone = sorted((ln for ln in lines if ln.top < floor), key=lambda ln: -ln.top)
    if not zone:
        return []
    text_size = max(ln.size for ln in zone)

    def is_mark(ln: Line) -> bool:
        return (ln.lead_mark or ln.size < text_size - 0.5) and _NOTE_MARK.match(ln.text) is not None

    out: list[list[Line]] = []
    if not is_mark(zone[0]):
        if not (runs_on and zone[0].text[:1].islower()):
            return []
        out.append([])
    for ln in zone:
        if is_mark(ln) and not (out and len(out[-1]) == 1 and len(out[-1][0].text.split()) == 1):
            out.append([ln])
        else:
            out[-1].append(ln)
    return out


def _letter_marks(lines: list[Line]) -> list[Line]:
    """A table footnote's letter mark that pdfium reads as a line of its own: one lower-case letter, set at most 0.8 of
    the size of the line read next, raised above that line's baseline, which starts just right of it with a capital
    (DocBook through FOP: icccm.pdf p. 21's "a", "b", "c" over the notes under a table were one-letter paragraphs).
    Not an exponent, which follows text on its line's baseline ("e" + "z" + "). In both", R-intro.pdf p. 69). Dropped,
    as `_footnotes` drops a page's notes' marks."""
    return [ln for prev, ln, nxt in zip([None] + lines, lines, lines[1:])
            if re.fullmatch(r"[a-z]", ln.text.strip()) and ln.size <= 0.8 * nxt.size and 0 < ln.top - nxt.top < nxt.size
            and 0 <= nxt.x0 - ln.x1 < nxt.size and nxt.text[:1].isupper()
            and not (prev is not None and abs(prev.last - nxt.top) < 1 and 0 <= ln.x0 - prev.x1 < nxt.size)]


def _rest_of_note(note: list[Line]) -> bool:
    """A note from `_footnotes` that goes on from the previous page's last one: its first line has no mark."""
    return _NOTE_MARK.match(note[0].text) is None


def _strip_mark(text: str) -> str:
    return _NOTE_MARK.sub("", text, count=1)


def _jump(a: Line, b: Line) -> bool:
    """Does `b`, read right after `a`, start higher up and further right: the next cell of a table row
    whose cells pdfium reads one after the other?"""
    return b.top > a.top + 0.5 * b.size and b.x0 > a.x0 + b.size


def _grid_rows(lines: list[Line], pitch: float, stop, vocab: set[str]) -> list[Line]:
    """A page's lines with each table row whose cells wrap (pdfium reads such a row cell by cell, each
    cell's lines going down, then up to the next cell) made into one line with cells. A row: the lines
    of its first cell (at most 10, at most 45% of the page's text width unless they have cells), then cells that each start
    higher up than where the cell before ended and right of it, no higher than 4 lines above the first;
    it ends at a line back under the first cell. Not a row: a jump to the head of the page (the next
    column), or from a cell to a cell both wider than 35% of the text (two columns of prose).
    `stop(line)`: a line no row takes (a heading)."""
    if len(lines) < 2:
        return lines
    width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
    page_top = max(ln.top for ln in lines)
    out = list(lines)
    i = 1
    while i < len(out):
        a, b = out[i - 1], out[i]
        if not _jump(a, b) or stop(a) or stop(b) or a.grid:
            i += 1
            continue
        s = i - 1
        while (s > 0 and i - s < 10 and not out[s - 1].grid and not stop(out[s - 1]) and 0 < min(out[s - 1].top, out[s - 1].last) - out[s].top < pitch * 1.45
               and out[s - 1].x0 < out[s].x1 and out[s].x0 < out[s - 1].x1):
            s -= 1
        first = out[s:i]
        x1 = max(ln.x1 for ln in first)
        if (b.x0 < x1 - 0.5 * b.size or b.top > first[0].top + 4 * pitch or (x1 - first[0].x0 > 0.45 * width and not any(ln.cells for ln in first))
                or b.top > page_top - 0.5 * b.size and b.top > first[0].top + 0.5 * b.size  # the head of the page's next column
                or min(x1 - first[0].x0, b.x1 - b.x0) > 0.35 * width and not any(ln.cells for ln in first)):  # two columns of prose
            i += 1
            continue
        e = i + 1
        while e < len(out):
            p, c = out[e - 1], out[e]
            if stop(c) or c.grid:
                break
            if _jump(p, c) and c.top <= first[0].top + 4 * pitch:
                e += 1
            elif c.x0 >= b.x0 - 0.5 * c.size and 0 < min(p.top, p.last) - c.top < pitch * 1.6 and c.x0 < p.x1 and p.x0 < c.x1:
                e += 1  # the cell's next line
            else:
                break
        cells: list[str] = []
        xs: list[float] = []
        for n, ln in enumerate(out[s:e]):
            new = n == 0 or s + n >= i and _jump(out[s + n - 1], ln)
            for m, (t, x) in enumerate(zip(ln.cells, ln.cell_x) if ln.cells else [(ln.text, ln.x0)]):
                if new or m:
                    cells.append(t)
                    xs.append(x)
                else:
                    cells[-1] = _join(cells[-1], t, vocab)
        row = out[s:e]
        out[s:e] = [Line(" ".join(cells), first[0].x0, max(ln.x1 for ln in row), max(ln.top for ln in row), min(min(ln.top, ln.last) for ln in row),
                         first[0].size, first[0].weight, False, cells, first[0].page, xs, grid=True, low_weight=min(ln.low_weight for ln in row))]
        i = s + 1
    return out


def _under_column(xs: list[float], ln: Line) -> int | None:
    """The column when `ln`, a line without cells, starts under a later column (not the first) of
    a table row whose cells start at `xs`: it continues that cell. None otherwise. A hanging indent
    counts: a TeX reference card sets a cell's wrapped text up to about an em right of the cell
    ("INTERRUPT  terminate current command and" / "    return to top-level prompt")."""
    em = max(ln.size, 4.0)
    tol = 0.6 * em
    if len(xs) < 2 or ln.cells or not ln.x0 or ln.x0 < xs[1] - tol:
        return None  # (a line with cells of its own under later columns is a row with its first cell empty)
    c = min(range(len(xs)), key=lambda c: abs(xs[c] - ln.x0))
    if abs(xs[c] - ln.x0) <= tol:
        return c
    if _BULLET.match(ln.text):  # an indented "• item" under a cell opens a list, it is no wrapped text
        return None
    c = max(i for i in range(len(xs)) if xs[i] <= ln.x0)  # the column it starts in (>= 1: it starts right of xs[1] - tol)
    return c if ln.x0 - xs[c] <= 1.2 * em and (c + 1 == len(xs) or ln.x0 < xs[c + 1] - tol) else None


def _spread(cur: dict | None, ln: Line, gap: float | None, pitch: float, body_size: float) -> bool:
    """Is `ln`, a line with wide gaps, a justified line of the open paragraph `cur`: in the middle
    of its sentence, ending where the line above ends, and continuing it?"""
    return (cur is not None and cur["kind"] in ("paragraph", "list_item") and not _ENDS_SENTENCE.search(cur["text"])
            and abs(ln.x1 - cur["last"].x1) <= ln.size and _continues(cur, ln, gap, pitch, body_size))


def _right_edge(lines: list[Line], body_size: float) -> float:
    """The right edge of the page's justified text: the furthest right x where 3 or more body-size lines
    end (within a quarter em). inf when no 3 lines end together (nothing on the page is justified)."""
    tol = 0.25 * body_size
    ends = sorted((ln.x1 for ln in lines if abs(ln.size - body_size) < 1.0), reverse=True)
    return next((x for x in ends if sum(abs(e - x) <= tol for e in ends) >= 3), float("inf"))


_OPEN_END = re.compile(r"(?:,|\b(?:a|an|the|and|or|nor|of|to|in|on|at|by|for|from|with|as|is|are|be|that|which))$", re.I)


def _opens_paragraph(ln: Line, nxt: Line | None, pitch: float, right: float) -> bool:
    """Is `ln`, a line with wide gaps and no line with cells next to it (not `_tabular`), the first line
    of a justified paragraph rather than a one-row table? TeX puts extra space after a sentence's
    period and justification widens every gap, so the first line of a paragraph can have gaps as wide
    as a table's ("By default, read.table ignores empty lines.   This can be changed by setting").
    It is when all of these hold:
      * it ends at the page's right text edge (`_right_edge`, within a quarter em), as a justified line does;
      * the next line, without cells, not fixed-pitch and no list item, follows at the body's line pitch
        (at most 1.45 pitches below) in the same size, starting at the line's left edge (up to 0.8 em
        right of it, or up to 3 em left of it: the paragraph's first line indented; after a list item's
        mark, up to 2 em right of it);
      * the next line goes on with the sentence: it starts in lower case or with no letter, or `ln` ends
        in a comma or in a word that does not end a sentence ("and", "the", "of", ...), or the next line
        ends at the right edge too (it is justified: the paragraph goes on).
    (`ln` itself never ends a sentence: a line that does gets no cells.) A definition row ("-u   Treat
    unset variables ...", "DixReadAccess   The property data is being read.   GetProperty"), a name list
    ("Alan Cox   Linus Torvalds") or a table's header ends short of the right edge and stays a row."""
    em = ln.size
    if nxt is None or (nxt.cells and not _prose_twins(ln, nxt)) or nxt.fixed or nxt.page != ln.page or _BULLET.match(nxt.text) or abs(nxt.size - ln.size) >= 1.0:
        return False
    if ln.x1 < right - 0.25 * em or not 0 < ln.last - nxt.top < pitch * 1.45:
        return False
    reach = 2.0 if _BULLET.match(ln.text) else 0.8
    if not ln.x0 - 3 * em <= nxt.x0 <= ln.x0 + reach * em:
        return False
    return (nxt.text[:1].islower() or not nxt.text[:1].isalpha() or _OPEN_END.search(ln.text) is not None
            or nxt.x1 >= right - 0.25 * em)


def _prose_twins(a: Line, b: Line) -> bool:
    """Are `a` and `b`, neighbouring lines with wide gaps, justified prose rather than two table rows: they share no
    column after the first, both end at the same right edge, and each has 8 words or more? TeX widens the space after a
    sentence's period, so consecutive lines of one paragraph can each have one wide gap, at different places (the bzip2
    manual's "Reduce memory usage, for compression, decompression and testing.   Files are decompressed and tested" /
    "using a modified algorithm which only requires 2.5 bytes per block byte.   This means any file can be")."""
    em = max(a.size, 4.0)
    shared = any(abs(x - y) <= em for x in a.cell_x[1:] for y in b.cell_x[1:])
    return not shared and abs(a.x1 - b.x1) <= 0.5 * em and len(a.text.split()) >= 8 and len(b.text.split()) >= 8


def _tabular(lines: list[Line], idx: int, pitch: float) -> bool:
    """Is the line with wide gaps at `idx` part of a table: a line just above or below has cells
    too (not as `_prose_twins`), or the next line starts under one of its later columns?"""
    ln = lines[idx]
    near = [o for o in (lines[idx - 1] if idx else None, lines[idx + 1] if idx + 1 < len(lines) else None)
            if o is not None and 0 < abs(o.top - ln.top) < pitch * 2.5]
    if any(o.cells and not _prose_twins(ln, o) for o in near):
        return True
    nxt = lines[idx + 1] if idx + 1 < len(lines) else None
    return bool(nxt and nxt in near and nxt.top < ln.top and _under_column(ln.cell_x, nxt) is not None)


def _continues(cur: dict, ln: Line, gap: float | None, pitch: float, body_size: float) -> bool:
    """Does line `ln` continue the paragraph or list item `cur`?"""
    prev: Line = cur["last"]
    if (min(abs(a - b) for a in (ln.size, ln.main_size or ln.size) for b in (cur["size"], cur["main_size"])) >= 1.0
            and not _open_sentence_sizes(cur, ln)):
        return False  # another size, by its first letter and by most of its letters (a name set smaller may open a line)
    em = ln.size or body_size
    if ln.ocr_par and gap is not None:
        return False  # tesseract starts a paragraph here (a scanned page)
    new_column = gap is not None and gap < -pitch and ln.x0 > prev.x1 - 2 * em  # up and to the right: the next column
    if gap is None or new_column:  # first line of a new page or column: continue a sentence left open
        return not _ENDS_SENTENCE.search(cur["text"]) and (ln.text[:1].islower() or not ln.text[:1].isalpha() or cur["text"].endswith(","))
    if abs(ln.top - prev.top) < 0.3 * em and 0 <= ln.x0 - prev.x1 < 1.5 * em:
        return True  # the rest of the same line, which pdfium gave apart
    if gap <= 0 or gap > pitch * 1.45:
        return False  # a blank line's worth of space, or a jump up
    if cur["kind"] == "list_item":
        return ln.x0 > cur["x0"] + 0.3 * em
    if ln.x0 > prev.x0 + 0.8 * em and (_ENDS_SENTENCE.search(cur["text"]) or prev.x1 < ln.x1 - 4 * em and ln.text[:1].isupper()):
        return False  # an indented first line, or a definition under its short term: a new paragraph
    if ln.x0 < prev.x0 - 0.8 * em and _ENDS_SENTENCE.search(cur["text"]) and not _first_line_indent(cur, prev, ln, em):
        return False  # back out to the left after a sentence ends: the next term of a definition list
    return True


_ITEM_MARK = re.compile(r"(\(?)(\d{1,2}|[a-z])([.)])\s")


def _mid_sequence(text: str, cur: dict | None, blocks: list[Block]) -> bool:
    """Would the mark opening `text` ("(5) by default.") be an item that no sequence leads to: a number other than 1 (a
    letter other than "a") whose predecessor, in the same style ("(4)"), is neither in the text being built nor opens one
    of the last 3 blocks? (valgrind's "... this value is set to a low value" / "(5) by default." read as a list item.)"""
    m = _ITEM_MARK.match(text)
    if not m or cur is None:
        return False
    v = m.group(2)
    if v in ("1", "a"):
        return False
    prev = str(int(v) - 1) if v.isdigit() else chr(ord(v) - 1)
    mark = f"{m.group(1)}{prev}{m.group(3)}"
    return mark not in cur["text"] and not any(b.text.startswith(mark) for b in blocks[-3:])


def _code_over_page(cur: dict, ln: Line, idx: int) -> bool:
    """Does the fixed-pitch line `ln`, the first of its page's text (`idx` 0), go on with the code block `cur` that
    ends the page before, starting within 4 em of its left edge? fontconfig-user.pdf's Courier alias ran from
    "<family>Courier</family>" at the foot of p. 10 to "<prefer><family>Courier New</family></prefer>" on p. 11."""
    prev: Line = cur["last"]
    return idx == 0 and prev.page == ln.page - 1 and abs(ln.x0 - cur["x0"]) < 4 * (ln.size or 10.0)


def _open_sentence_sizes(cur: dict, ln: Line) -> bool:
    """May `ln`, set in another size than the paragraph `cur` by its first letter and by most of its letters, still go
    on with it? Yes when cur's sentence is open, its last line reaches as far right as `ln` does (wrapped there, not a
    short term over its definition: refcard-a4.pdf's "while (condition) stmt-list endwhile"), `ln` is not indented
    under it (a definition under its term), and `ln` and that line share a size, each set partly in it.
    fontconfig-user.pdf sets element names a point smaller, so "<cachedir>, <include>, <match> and <alias> elements in
    any order." is 9 pt at its first letter and by most of its letters, but its last words are in the 10 pt text
    that "... can contain <dir>," above it left open."""
    prev: Line = cur["last"]
    em = ln.size or 10.0
    return (not _ENDS_SENTENCE.search(cur["text"]) and prev.x1 >= ln.x1 - em and ln.x0 <= prev.x0 + 0.8 * em
            and any(abs(a - b) < 0.5 for a in ln.sizes for b in prev.sizes))


def _ended_short(cur: dict, ln: Line, lines: list[Line], body_size: float) -> bool:
    """Did the paragraph `cur` end at its last line, a sentence's end well short of its column's justified right
    edge, with room there for the first word of `ln`, which starts at the same indent? Then `ln` opens the next
    paragraph or definition (a man page's "−i If the −i option is present, the shell is interactive." and "−l Make
    bash act as if ..." below it, with no space between). Only where 3 or more lines of that indent end together
    (justified text); a column's edge, not the page's, so that a two-column page's left column is not short. Asked
    only in a man page (`_outdented_heads` found its titles): texinfo's manuals set paragraphs apart by space, and
    splitting their definition entries this way measured worse on the realdocs suite (241 against 246 of 347)."""
    prev: Line = cur["last"]
    em = ln.size or body_size
    if not _ENDS_SENTENCE.search(cur["text"]) or abs(ln.x0 - prev.x0) > 0.5 * em or abs(ln.top - prev.top) < 0.3 * em:
        return False
    right = _right_edge([x for x in lines if abs(x.x0 - prev.x0) <= 0.5 * em], body_size)
    return _room_for_first_word(prev, ln, right, em)


def _room_for_first_word(prev: Line, ln: Line, right: float, em: float) -> bool:
    """Would the first word of `ln` have fit at the end of `prev`, before the justified edge `right`? Then the line
    break after `prev` was the author's, not the margin's. Never where `right` is inf (no edge to tell a short line by)."""
    if right == float("inf"):
        return False
    first = next(iter(ln.text.split()), "")
    width = (ln.x1 - ln.x0) * len(first) / max(len(ln.text), 1)
    return prev.x1 + 0.5 * em + width < right - 0.25 * em


def _hanging_term(cur: dict, ln: Line, nxt: Line | None, lines: list[Line], body_size: float) -> bool:
    """Is `ln` the next term of a definition list whose last definition, `cur`, ended without a sentence end? In
    bash.pdf's FILES, "/bin/bash" / "The bash executable" / "/etc/profile": the definition is indented under its term,
    so the next term starts further left, and the definition's line ends short of the justified right edge (its
    column's, or the page's when its indent has none) with room there for the term's first word: the author broke
    the line, not the margin. Read as one paragraph, "The bash executable /etc/profile" named the wrong file.
    (`_continues` ends a paragraph at an outdent after a sentence end on its own.) `nxt`: the line after `ln`."""
    prev: Line = cur["last"]
    em = ln.size or body_size
    if ln.x0 >= prev.x0 - 0.8 * em or _ENDS_SENTENCE.search(cur["text"]) or abs(ln.top - prev.top) < 0.3 * em:
        return False
    right = min(_right_edge([x for x in lines if abs(x.x0 - prev.x0) <= 0.5 * em], body_size), _right_edge(lines, body_size))
    if not _room_for_first_word(prev, ln, right, em):
        return False
    # A term is short and has its definition under it, indented as `prev` is. Without that, `ln` goes on with a sentence
    # that a displayed line interrupted ("For example, the command" / "ls > dirlist 2>&1" / "directs both standard ...").
    if ln.text[:1].islower() and len(ln.text.split()) > 6:
        return False  # a clause in lower case: the sentence goes on ("directs both standard output and standard error to")
    return (ln.x1 < right - 4 * em and nxt is not None and abs(nxt.x0 - prev.x0) <= 0.5 * em
            and 0 < ln.top - nxt.top < 2 * max(abs(ln.top - prev.top), em))


def _first_line_indent(cur: dict, prev: Line, ln: Line, em: float) -> bool:
    """Is `prev` the indented first line of the paragraph `cur` (texinfo indents it by about 1.4 em), which
    ends a sentence at the right edge, and `ln` its second line, back at the margin? A definition list
    indents its definitions further, and its terms are short."""
    return len(cur["lines"]) == 1 and prev.x0 - ln.x0 < 2.5 * em and prev.x1 >= ln.x1 - 0.5 * em
