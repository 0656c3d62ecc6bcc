"""DOCX -> blocks, read from the WordprocessingML itself (python-docx opens the package and resolves styles).

python-docx's `Paragraph.text` reads only a paragraph's direct runs and hyperlinks, and `Document`
walks only the body's direct paragraphs and tables. Word files hold text in more places, so this walk
reads every run that shows on the page:
  * content controls (w:sdt: Word's automatic table of contents, cover pages, templates' fields), in
    the body, a paragraph, a table or a row;
  * tracked insertions (w:ins, w:moveTo), smart tags, custom XML, simple fields (w:fldSimple), bidi runs;
    never deleted text (w:del, w:moveFrom) or field codes (w:instrText);
  * tables inside table cells (each row its own `table_row`); a table's header row (w:tblHeader, or a first row in
    LibreOffice's "Table Heading" style or bold above a row that is not, or, under Word's "Header Row" option, a
    first row of short names above a row of data) is its `table_head`;
  * footnotes, as paragraphs after the paragraph that cites them; endnotes at the end.
Kinds: headings by outline level (direct, or by a style or what it is based on) and by the built-in
heading and Title styles; `toc` for Word's TOC/Index styles, a Table of Contents content control, and
a paragraph that is nothing but links to places in the document (a chapter's list of sections);
`code` for runs of paragraphs set wholly in a monospaced font or a code style (Preformatted Text,
Source Code, HTML Preformatted, Plain Text), one line each; `list_item` for numbered paragraphs.
Word's automatic heading numbers (numbering.xml, counted as Word counts them) open the heading, so a
section path reads "2 Design › 2.1 Storage". Pages come from the page breaks Word recorded when it
last laid the file out (w:lastRenderedPageBreak); a file without them (LibreOffice, pandoc) has no pages.
A text box's paragraphs follow the paragraph it is anchored in. Soft line breaks inside prose are
spaces. Left out: headers and footers (running text), comments, text in shapes other than text
boxes (WordArt, charts), and the visible numbers of list items (as in HTML).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from rag.blocks import Block, with_heads
from rag.markup import _fold
from rag.styles import MONO, format_number, manual_headings, style_kind
from rag.zipdoc import part_name

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = {W + "del", W + "moveFrom", W + "instrText", W + "delText", W + "pPr", W + "rPr", W + "sdtPr", W + "sdtEndPr",
         W + "txbxContent", _MC_FALLBACK, W + "footnoteReference", W + "endnoteReference", W + "commentReference"}
_TRANSPARENT = {W + "sdt", W + "sdtContent", W + "customXml", W + "ins", W + "moveTo", W + "smartTag", W + "fldSimple",
                W + "dir", W + "bdo"}
_TERM_STYLE = re.compile(r"definition term|list heading", re.I)  # pandoc's and LibreOffice's <dt>
_DESC_STYLE = re.compile(r"definition|list contents", re.I)  # ... and <dd>


def open_docx(raw: bytes):
    """python-docx Document from bytes. A relationship whose target is not in the package (LibreOffice
    writes "#page-header" anchors as internal links) makes python-docx fail with KeyError; such targets
    are marked external, as Word reads them, and the file is opened again."""
    import docx

    try:
        return docx.Document(io.BytesIO(raw))
    except KeyError:
        pass
    from lxml import etree

    zin = zipfile.ZipFile(io.BytesIO(raw))
    names = set(zin.namelist())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.endswith(".rels"):
                root = etree.fromstring(data)
                base = posixpath.dirname(posixpath.dirname(item.filename))  # word/_rels/document.xml.rels -> word
                for rel in root:
                    target = rel.get("Target", "")
                    if rel.get("TargetMode") != "External":
                        if part_name(base, target) not in names:
                            rel.set("TargetMode", "External")
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(item, data)
    return docx.Document(io.BytesIO(buf.getvalue()))


def _looks_first_row(tbl) -> bool:
    """Word's "Header Row" table option (w:tblLook firstRow, or bit 0x0020 of its older hex w:val): on by default in
    Word and python-docx, so it says only that the first row may be a header."""
    look = tbl.find(f"{W}tblPr/{W}tblLook") if tbl is not None else None
    if look is None:
        return False
    first = look.get(W + "firstRow")
    if first is not None:
        return first in ("1", "true", "on")
    try:
        return bool(int(look.get(W + "val") or "0", 16) & 0x0020)
    except ValueError:
        return False


def _label_cells(tr) -> bool:
    """Does a row read as column names? Every cell short text with no digit and no sentence end ("Instrument |
    Maximum slot | Approver"). The caller asks it of the second row too: a row of data rarely reads so ("Flow
    cytometer | 3 hours | Marek Oduya"), and when it does the first row is not set apart."""
    cells = [_fold(" ".join(_para_text(p) for p in tc.iter(W + "p"))) for tc in _children(tr, W + "tc")]
    return len(cells) > 1 and all(c and len(c) <= 80 and len(c.split()) <= 12 and not re.search(r"\d|[.!?]$", c) for c in cells)


def _val(el, path: str) -> str | None:
    x = el.find(path)
    return x.get(W + "val") if x is not None else None


def _runs_text(el, parts: list[str], fonts: list | None = None, links: list | None = None, in_link: bool = False) -> None:
    """Append the visible text under `el` (a paragraph or part of one) to `parts`; with `fonts`, each
    run that shows text; with `links`, whether that run sits in a link to a place in the document."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or tag == W + "p":  # (a w:p here is a text box's)
            continue
        if tag == W + "r":
            text = []
            for x in child.iter():
                t = x.tag
                if t == W + "t":
                    if not _hidden_in_run(x, child):
                        text.append(x.text or "")
                elif t == W + "tab" or t == W + "ptab":
                    text.append("\t")
                elif t in (W + "br", W + "cr"):
                    text.append("\n")
                elif t == W + "noBreakHyphen":
                    text.append("-")
            s = "".join(text)
            parts.append(s)
            if fonts is not None and s.strip():
                fonts.append(child)
            if links is not None and s.strip():
                links.append(in_link)
        elif tag == W + "hyperlink":
            _runs_text(child, parts, fonts, links, in_link or bool(child.get(W + "anchor")))
        elif tag in _TRANSPARENT or tag.startswith(W):
            _runs_text(child, parts, fonts, links, in_link)


def _hidden_in_run(t, run) -> bool:
    """Whether text element `t` sits, inside `run`, in something that is not the run's text (a text box
    of a drawing, an mc:Fallback copy)."""
    for a in t.iterancestors():
        if a is run:
            return False
        if a.tag in _SKIP:
            return True
    return False


class _Styles:
    """Paragraph-style facts along python-docx's style chain (base_style), cached by style id."""

    def __init__(self, d):
        self.d = d
        self.cache: dict[str | None, tuple] = {}
        try:
            rpr = d.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        except Exception:  # a file without a styles part
            rpr = None
        self.default_font = (rpr.get(W + "ascii") or "") if rpr is not None else ""

    def _chain(self, sid: str | None):
        from docx.enum.style import WD_STYLE_TYPE

        seen = set()
        try:
            s = self.d.styles.get_by_id(sid, WD_STYLE_TYPE.PARAGRAPH)  # None -> the default paragraph style
        except Exception:  # a file without a styles part
            s = None
        while s is not None and s.style_id not in seen:
            seen.add(s.style_id)
            yield s
            s = s.base_style

    def name(self, sid: str | None) -> str:
        """The paragraph style's name ("" for none)."""
        s = next(self._chain(sid), None)
        return (s.name or "") if s is not None else ""

    def facts(self, sid: str | None) -> tuple[int | None, bool, tuple, str, str]:
        """(heading level or None, numbered, the style's numbering (numId, ilvl, style id) or (),
        toc/index/code/term/description kind or "", font)."""
        if sid in self.cache:
            return self.cache[sid]
        level, numbered, kind, font, num = None, False, "", "", ()
        for s in self._chain(sid):
            name = s.name or ""
            el = s.element
            if not num and el.find(f"{W}pPr/{W}numPr/{W}numId") is not None:
                num = (_val(el, f"{W}pPr/{W}numPr/{W}numId"), _val(el, f"{W}pPr/{W}numPr/{W}ilvl"), s.style_id)
            o = _val(el, f"{W}pPr/{W}outlineLvl")
            m = re.fullmatch(r"heading\s*(\d)|(title)", name, re.I)
            if level is None and (m or (o is not None and o.isdigit() and int(o) < 9)):
                level = (int(m.group(1)) if m.group(1) else 0) if m else int(o) + 1
            numbered = numbered or el.find(f"{W}pPr/{W}numPr") is not None or "List" in name
            kind = kind or style_kind(name, _TERM_STYLE, _DESC_STYLE)
            f = el.find(f"{W}rPr/{W}rFonts")
            font = font or ((f.get(W + "ascii") or "") if f is not None else "")
        if kind == "toc" and level is not None:  # "TOC Heading" is based on Heading 1: a TOC title, not a section
            level = None
        r = (level, numbered and kind not in ("toc", "index", "code", "term", "description"), num, kind, font or self.default_font)
        self.cache[sid] = r
        return r

    def _rpr(self, chain) -> tuple[bool | None, int | None]:
        """(bold, size in half-points) the first styles of `chain` that say them give, else (None, None)."""
        bold = size = None
        for s in chain:
            rpr = s.element.find(W + "rPr") if s.element is not None else None
            if rpr is not None:
                bold = _toggle(rpr, bold)
                size = size if size is not None else _half_points(rpr)
        return bold, size

    def para_format(self, sid: str | None) -> tuple[bool, int]:
        """(bold, size in half-points) of text in paragraph style `sid`: the style and what it is based on, else
        the document's defaults (docDefaults; 10pt, not bold, when nothing says)."""
        key = ("fmt", sid)
        if key not in self.cache:
            bold, size = self._rpr(self._chain(sid))
            try:
                rpr = self.d.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
            except Exception:
                rpr = None
            if rpr is not None:
                bold, size = _toggle(rpr, bold), size if size is not None else _half_points(rpr)
            self.cache[key] = (bool(bold), size or 20)
        return self.cache[key]

    def run_format(self, r, sid: str | None) -> tuple[bool, int]:
        """(bold, size in half-points) of run `r` in paragraph style `sid`: the run's own properties, then its
        character style and what that is based on, then the paragraph style's (`para_format`)."""
        rpr = r.find(W + "rPr")
        bold = _toggle(rpr, None) if rpr is not None else None
        size = _half_points(rpr) if rpr is not None else None
        cs = _val(r, f"{W}rPr/{W}rStyle")
        if cs and (bold is None or size is None):
            key = ("char", cs)
            if key not in self.cache:
                from docx.enum.style import WD_STYLE_TYPE

                def chain():
                    try:
                        s = self.d.styles.get_by_id(cs, WD_STYLE_TYPE.CHARACTER)
                    except Exception:
                        s = None
                    for _ in range(16):  # (a chain that loops back on itself ends here)
                        if s is None or s.type != WD_STYLE_TYPE.CHARACTER:
                            return
                        yield s
                        s = s.base_style
                self.cache[key] = self._rpr(chain())
            cb, csz = self.cache[key]
            bold, size = bold if bold is not None else cb, size if size is not None else csz
        pb, psz = self.para_format(sid)
        return (pb if bold is None else bold), (psz if size is None else size)

    def run_font(self, r, para_font: str) -> str:
        f = r.find(f"{W}rPr/{W}rFonts")
        if f is not None and f.get(W + "ascii"):
            return f.get(W + "ascii")
        cs = _val(r, f"{W}rPr/{W}rStyle")
        if cs:
            try:
                from docx.enum.style import WD_STYLE_TYPE

                s = self.d.styles.get_by_id(cs, WD_STYLE_TYPE.CHARACTER)
            except Exception:
                s = None
            for _ in range(16):  # (a chain that loops back on itself ends here)
                if s is None:
                    break
                f = s.element.find(f"{W}rPr/{W}rFonts")
                if f is not None and f.get(W + "ascii"):
                    return f.get(W + "ascii")
                s = s.base_style
        return para_font


def _toggle(rpr, bold: bool | None) -> bool | None:
    """`bold` if already known, else what `rpr`'s w:b says (w:val "0", "false", "off" is not bold), else None."""
    if bold is not None:
        return bold
    b = rpr.find(W + "b")
    return None if b is None else (b.get(W + "val") or "true").lower() not in ("0", "false", "off")


def _half_points(rpr) -> int | None:
    v = _val(rpr, W + "sz")
    try:
        return int(float(v)) if v else None
    except ValueError:
        return None


def _part(d, reltype_end: str):
    for rel in d.part.rels.values():
        if rel.reltype.endswith("/" + reltype_end) and not rel.is_external:
            from lxml import etree

            return etree.fromstring(rel.target_part.blob)
    return None


class _Numbering:
    """Word's automatic numbers (numbering.xml), as Word counts them: one counter per list definition and
    level, a level's counter restarting when a level above it counts, startOverride on a list's first use."""

    def __init__(self, d):
        root = _part(d, "numbering")
        self.levels: dict[str, dict[int, tuple[int, str, str, bool]]] = {}  # abstractNumId -> ilvl -> (start, fmt, text, isLgl)
        self.by_style: dict[str, dict[str, int]] = {}  # abstractNumId -> style id -> ilvl
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, ilvl -> startOverride)
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for a in root.iter(W + "abstractNum"):
            aid = a.get(W + "abstractNumId")
            lv = self.levels.setdefault(aid, {})
            for lvl in a.iter(W + "lvl"):
                i = int(lvl.get(W + "ilvl", "0"))
                lv[i] = (int(_val(lvl, W + "start") or 1), _val(lvl, W + "numFmt") or "decimal", _val(lvl, W + "lvlText") or "",
                         lvl.find(W + "isLgl") is not None)
                if _val(lvl, W + "pStyle"):
                    self.by_style.setdefault(aid, {})[_val(lvl, W + "pStyle")] = i
        for n in root.iter(W + "num"):
            over = {int(o.get(W + "ilvl", "0")): int(_val(o, W + "startOverride")) for o in n.iter(W + "lvlOverride")
                    if _val(o, W + "startOverride") is not None}
            self.nums[n.get(W + "numId")] = (_val(n, W + "abstractNumId") or "", over)

    def label(self, p, style_num: tuple) -> str:
        """The number Word shows before paragraph `p` ("2.4", "B.", ""), advancing the counters."""
        num_id = _val(p, f"{W}pPr/{W}numPr/{W}numId")
        ilvl = _val(p, f"{W}pPr/{W}numPr/{W}ilvl")
        if num_id is None and style_num:
            num_id = style_num[0]
            if ilvl is None:
                ilvl = style_num[1]
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        aid, over = self.nums[num_id]
        levels = self.levels.get(aid)
        if not levels:
            return ""
        if ilvl is None:
            ilvl = self.by_style.get(aid, {}).get(style_num[2] if style_num else "", 0)
        level = int(ilvl)
        count = self.counters.setdefault(aid, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for i, start in over.items():
                count[i] = start - 1
        start = levels.get(level, (1, "decimal", "", False))[0]
        count[level] = count.get(level, start - 1) + 1
        for i in [i for i in count if i > level]:
            del count[i]
        fmt, text, legal = levels.get(level, (1, "decimal", "", False))[1:]
        if fmt in ("bullet", "none") or not text:
            return ""

        def one(m):
            i = int(m.group(1)) - 1
            s, f, _, _ = levels.get(i, (1, "decimal", "", False))
            return format_number(count.get(i, s), "decimal" if legal else f)

        return re.sub(r"%(\d)", one, text).strip()


def _notes(d, reltype_end: str) -> dict[str, str]:
    """footnotes/endnotes part -> {id: text} (separator notes left out)."""
    root = _part(d, reltype_end)
    out = {}
    for n in root if root is not None else ():
        if n.get(W + "type") in (None, "normal"):
            text = _fold(" ".join(_para_text(p) for p in n.iter(W + "p")))
            if text:
                out[n.get(W + "id")] = text
    return out


def _para_text(p) -> str:
    parts: list[str] = []
    _runs_text(p, parts)
    return "".join(parts)


def docx_blocks(d) -> list[Block]:
    """python-docx Document -> blocks, paragraphs and tables in body order. A document typed mostly in a
    monospaced font (a screenplay, a typewriter-style letter) is prose: there, only code styles make code."""
    st = _Styles(d)
    count = [0, 0]  # words in paragraphs, words in paragraphs made code by their font alone
    manual = _manual_headings(d.element.body, st)
    out = _blocks(d, st, True, count, manual)
    return _blocks(d, st, False, count, manual) if count[1] > count[0] / 2 else out


def _manual_headings(body, st: _Styles) -> dict:
    """paragraph -> level, for the headings formatted by hand (bold, larger) in a document that uses no heading
    styles: the rule is rag/styles.py's `manual_headings`."""
    from collections import Counter

    paras: list = []
    elements: list = []
    sizes: Counter = Counter()
    styled = [False]

    def visit(p, toc: bool):
        parts: list[str] = []
        runs: list = []
        links: list[bool] = []
        _runs_text(p, parts, runs, links)
        text = _fold("".join(parts))
        if not text:
            return
        sid = _val(p, f"{W}pPr/{W}pStyle")
        level, numbered, _, kind, font = st.facts(sid)
        o = _val(p, f"{W}pPr/{W}outlineLvl")
        if (level or 0) >= 1 or (o is not None and o.isdigit() and int(o) < 9 and not kind):
            styled[0] = True
        fmts = [st.run_format(r, sid) for r in runs]
        for r, (_, size) in zip(runs, fmts):
            sizes[size / 2] += len("".join(t.text or "" for t in r.iter(W + "t")).strip())
        mono = bool(runs) and all(MONO.search(st.run_font(r, font) or "") for r in runs)
        plain = not (toc or kind or level is not None or numbered or p.find(f"{W}pPr/{W}numPr") is not None or mono or not runs
                     or all(links))
        paras.append((text, all(b for b, _ in fmts), min(sz for _, sz in fmts) / 2) if plain else None)
        elements.append(p)

    def walk(parent, toc: bool = False):
        for child in parent:
            tag = child.tag
            if tag == W + "p":
                visit(child, toc)
            elif tag == W + "tbl":
                paras.append(None)
                elements.append(None)
            elif tag == W + "sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content, toc or (gallery is not None and "contents" in (gallery.get(W + "val") or "").lower()))
            elif tag in (W + "customXml", W + "ins", W + "moveTo"):
                walk(child, toc)

    walk(body)
    if styled[0]:
        return {}
    return {elements[i]: level for i, level in manual_headings(paras, sizes).items()}


def _blocks(d, st: _Styles, by_font: bool, count: list[int], manual: dict) -> list[Block]:
    from rag.markup import _Sections

    sec = _Sections()
    out: list[Block] = []
    footnotes, endnotes = _notes(d, "footnotes"), _notes(d, "endnotes")
    numbering = _Numbering(d)
    code: list[str] = []  # consecutive code lines of one style, one block
    code_style: list[str | None] = [None]
    terms: list[str] = []  # definition terms waiting for their description
    starts = _page_starts(d.element.body)
    page: list[int | None] = [None, None]  # the page of the paragraph being read, and of the pending code/terms

    def flush_code():
        if code:
            out.append(Block("code", "\n".join(code).strip("\n"), sec.path, page[1]))
            code.clear()
        if terms:
            out.append(Block("paragraph", ", ".join(terms), sec.path, page[1]))
            terms.clear()

    def paragraph(p, toc: bool):
        one_paragraph(p, toc)
        for box in _text_boxes(p):  # a text box anchored here (a sidebar, a callout): its paragraphs after this one
            walk(box, toc)

    def one_paragraph(p, toc: bool):
        parts: list[str] = []
        runs: list = []
        links: list[bool] = []
        _runs_text(p, parts, runs, links)
        raw = "".join(parts)
        text = _fold(raw)
        if not text:
            return
        page[0] = starts.get(p)
        if not code and not terms:
            page[1] = page[0]
        level, numbered, style_num, kind, font = st.facts(_val(p, f"{W}pPr/{W}pStyle"))
        o = _val(p, f"{W}pPr/{W}outlineLvl")
        if o is not None and o.isdigit() and int(o) < 9 and not kind:
            level = int(o) + 1
        if level is None and p in manual:  # a heading formatted by hand (bold, larger)
            level = manual[p]
        label = numbering.label(p, style_num)  # counted for every numbered paragraph, shown on headings
        mono = by_font and bool(runs) and all(MONO.search(st.run_font(r, font) or "") for r in runs)
        n = len(text.split())
        count[0] += n
        if kind == "code" or (mono and level is None and not kind and not numbered and p.find(f"{W}pPr/{W}numPr") is None):
            count[1] += n if kind != "code" else 0
            sid = _val(p, f"{W}pPr/{W}pStyle")
            if code and code_style[0] != sid:
                flush_code()
            code_style[0] = sid
            code.extend(raw.replace("\t", "    ").split("\n"))
            return
        if kind == "term" and not toc:  # a definition term opens its description's first paragraph, as in HTML
            if code:
                held = list(terms)
                terms.clear()
                flush_code()
                terms.extend(held)
            terms.append(text)
            return
        if kind == "description" and terms and not toc:
            text = f"{', '.join(terms)}: {text}"
            terms.clear()
        flush_code()
        if toc or kind in ("toc", "index"):
            out.append(Block(kind if kind == "index" else "toc", text, sec.path, page[0]))
        elif level is not None:
            text = f"{label} {text}" if label and not text.startswith(label) else text
            out.append(Block("heading", text, sec.heading(level, text), page[0]))
        elif links and all(links):  # nothing but links to places in this document: a list of sections
            out.append(Block("toc", text, sec.path, page[0]))
        elif numbered or p.find(f"{W}pPr/{W}numPr") is not None:
            out.append(Block("list_item", text, sec.path, page[0]))
        else:
            out.append(Block("paragraph", text, sec.path, page[0]))
        refs = [r.get(W + "id") for r in p.iter(W + "footnoteReference")]
        out.extend(Block("paragraph", footnotes[i], sec.path, page[0]) for i in refs if i in footnotes)

    def bold_row(tr) -> bool:
        runs = [(r, _val(p, f"{W}pPr/{W}pStyle")) for p in tr.iter(W + "p") for r in p.iter(W + "r")
                if "".join(t.text or "" for t in r.iter(W + "t")).strip()]
        return bool(runs) and all(st.run_format(r, sid)[0] for r, sid in runs)

    def header_row(tr, i: int, rows: list) -> bool:
        """Word's repeated header row (w:tblHeader), or a first row that LibreOffice's "Table Heading" style or bold
        text sets apart from the row below it."""
        h = tr.find(f"{W}trPr/{W}tblHeader")
        if h is not None and h.get(W + "val") not in ("0", "false", "off"):
            return True
        if i or len(rows) < 2:
            return False
        names = {st.name(_val(p, f"{W}pPr/{W}pStyle")) for p in tr.iter(W + "p") if _fold(_para_text(p))}
        return ((bool(names) and all(re.fullmatch(r"table head(ing|er)", n, re.I) for n in names)) or (bold_row(tr) and not bold_row(rows[1]))
                or (_looks_first_row(tr.getparent()) and _label_cells(tr) and not _label_cells(rows[1])))

    def table(tbl, toc: bool):
        start = len(out)
        rows = list(_children(tbl, W + "tr"))
        for i, tr in enumerate(rows):
            cells, nested = [], []
            first = tr.find(f".//{W}p")
            row_page = starts.get(first) if first is not None else None
            for tc in _children(tr, W + "tc"):
                if _continues(tc):  # a vertically merged cell: the text of the cell it continues
                    above = _merged_above(tr, tc)
                    if above is not None:
                        cells.append(_fold(" ".join(_para_text(p) for p in _children(above, W + "p"))))
                    continue
                cells.append(_fold(" ".join(_para_text(p) for p in _children(tc, W + "p"))))
                nested += list(_children(tc, W + "tbl"))
            if any(cells):
                kind = "toc" if toc else "table_head" if len(cells) > 1 and header_row(tr, i, rows) else "table_row"
                out.append(Block(kind, " | ".join(c for c in cells if c), sec.path, row_page))
            for t in nested:
                table(t, toc)
        out[start:] = with_heads(out[start:])

    def walk(parent, toc: bool = False):
        for child in parent:
            tag = child.tag
            if tag == W + "p":
                paragraph(child, toc)
            elif tag == W + "tbl":
                flush_code()
                table(child, toc)
            elif tag == W + "sdt":
                gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
                is_toc = gallery is not None and "contents" in (gallery.get(W + "val") or "").lower()
                content = child.find(W + "sdtContent")
                if content is not None:
                    walk(content, toc or is_toc)
            elif tag in (W + "customXml", W + "ins", W + "moveTo"):
                walk(child, toc)
        flush_code()

    walk(d.element.body)
    out.extend(Block("paragraph", t, sec.path, page[0]) for t in endnotes.values())
    return out


def _page_starts(body) -> dict:
    """paragraph -> the page it starts on, from the page breaks Word recorded when it last laid the file
    out (w:lastRenderedPageBreak; a break before a paragraph's first letter moves the paragraph). Empty
    when the file has none (LibreOffice, pandoc, python-docx): no page is better than a wrong one."""
    if body.find(f".//{W}lastRenderedPageBreak") is None:
        return {}
    out, before = {}, 0
    for p in body.iter(W + "p"):
        lead, seen_text, total = 0, False, 0
        for x in p.iter(W + "lastRenderedPageBreak", W + "t"):
            if x.tag == W + "t":
                seen_text = seen_text or bool((x.text or "").strip())
            else:
                total += 1
                lead += not seen_text
        out[p] = 1 + before + lead
        before += total
    return out


def _text_boxes(p) -> list:
    """The text boxes anchored in paragraph `p` (DrawingML or VML), each once: mc:Fallback holds a copy."""
    out = []
    for box in p.iter(W + "txbxContent"):
        owner = next((a for a in box.iterancestors() if a.tag in (W + "p", _MC_FALLBACK)), None)
        if owner is p:
            out.append(box)
    return out


def _children(el, tag: str):
    """Direct children named `tag`, looking through content controls and custom XML wrapped around them."""
    for c in el:
        if c.tag == tag:
            yield c
        elif c.tag == W + "sdt":
            content = c.find(W + "sdtContent")
            if content is not None:
                yield from _children(content, tag)
        elif c.tag == W + "customXml":
            yield from _children(c, tag)


def _continues(tc) -> bool:
    vm = tc.find(f"{W}tcPr/{W}vMerge")
    return vm is not None and vm.get(W + "val") in (None, "continue")


def _merged_above(tr, tc):
    """The cell that a vertically merged (continuing) cell continues: same grid column, rows above."""
    def col(row, cell):
        n = 0
        for c in _children(row, W + "tc"):
            if c is cell:
                return n
            n += int(_val(c, f"{W}tcPr/{W}gridSpan") or 1)
        return -1

    target = col(tr, tc)
    tbl = tr.getparent()
    while tbl is not None and tbl.tag != W + "tbl":
        tbl = tbl.getparent()
    rows = list(_children(tbl, W + "tr"))
    for row in reversed(rows[: rows.index(tr)]):
        for c in _children(row, W + "tc"):
            if col(row, c) == target:
                if not _continues(c):
                    return c
                break
    return None
