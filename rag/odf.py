"""ODT (OpenDocument Text, LibreOffice's own format) -> blocks, read from content.xml, styles.xml and meta.xml.

An .odt is a zip; a flat .fodt is the same XML in one file (office:document), read the same way.
Styles come from styles.xml (common and automatic styles, the default paragraph style) and content.xml
(automatic styles), each along style:parent-style-name (a loop of parents ends where it repeats); a
style the file names without defining it (pandoc's "Title") counts by its name.
What is read, in body order, through sections (text:section), lists and tables:
  * text:h -> `heading` at its text:outline-level, opening the section path; a text:p in a heading
    style ("Heading 2", "Title") too. LibreOffice's heading numbers open the heading: the text:number
    LibreOffice wrote, else the outline numbering (text:outline-style) counted here ("2 Design › 2.1 Storage");
  * text:p -> `paragraph`; a paragraph inside a text:list (nested lists too) -> `list_item`;
  * table:table -> one `table_row` per row (a row of table:table-header-rows is the `table_head`), cells joined " | "; a cell merged into the one above
    (table:covered-table-cell under a table:number-rows-spanned cell) repeats that cell's text, one
    merged into the cell on its left is skipped; repeated cells and rows (table:number-columns-repeated,
    table:number-rows-repeated) show at most MAX_REPEAT times, and empty ones cost nothing; a table
    inside a cell gives its own rows after the row;
  * `code` for runs of paragraphs in a code style (Preformatted Text, Source Code, ...) or set wholly in
    a monospaced font (the font-face's style:font-pitch="fixed", or its name), one block per run of
    lines of one style, blank lines kept; a document set mostly in monospace is prose (only code
    styles make code there);
  * text:s (as many spaces as text:c says), text:tab, text:line-break (a space in prose, a new line in
    code); other XML white space is one space, as ODF says;
  * footnotes (text:note) as paragraphs after the paragraph (or table row) citing them; endnotes at the end;
  * a text box's paragraphs (draw:frame/draw:text-box) once, after the paragraph it is anchored in;
  * `toc` for a table of contents (text:table-of-content and the other generated indexes' bodies, and
    Contents/Index paragraph styles), a paragraph that is nothing but links to places in the document
    (href "#name", or "file#name" where this document holds the bookmark "name": LibreOffice keeps an
    HTML page's links to itself so), and an alphabetical index's entries as `index`;
  * definition lists as LibreOffice writes them (List Heading / List Contents): the term opens its
    description's first paragraph, as in HTML;
  * pages from the soft page breaks LibreOffice wrote when it last laid the file out
    (text:soft-page-break); a file without them has no pages;
  * the text of bookmarks, reference marks, fields and tracked insertions.
Never read: deleted tracked changes (text:tracked-changes holds them), comments (office:annotation),
hidden paragraphs and hidden text (text:hidden-paragraph / text:hidden-text marked hidden, a character
style with text:display="none"), sections with text:display="none", list numbers and bullets (as in HTML).
Refused with the reason: not a zip, a damaged zip or part that is not well-formed XML (never read in part),
a zip without content.xml, password-protected (encrypted) files, a zip that expands past MAX_EXPANDED, a
spreadsheet or presentation renamed .odt.
Left out: headers and footers (running text), text in shapes other than text boxes, image titles and
descriptions, embedded objects (formulas, charts), ruby annotations, heading numbers taken from a list
style instead of the outline numbering, and the visible numbers of list items. Sections shown or hidden
by a condition (text:display="condition") are read as if shown.
"""

from __future__ import annotations

import re
import zipfile
import zlib

from rag.blocks import Block, with_heads
from rag.markup import _fold, _Sections
from rag.styles import MONO, format_number, manual_headings, style_kind
from rag.zipdoc import open_zip

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
XLINK = "{http://www.w3.org/1999/xlink}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
DC = "{http://purl.org/dc/elements/1.1/}"
MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
MAX_EXPANDED = 512 * 1024 * 1024  # a zip that expands past this is refused (a zip bomb, not a document)
MAX_REPEAT = 100  # a repeated cell or row with text shows at most this many times
_TEXT_TYPES = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text-template",
               "application/vnd.oasis.opendocument.text-master")
_NO_TEXT = {OFFICE + "annotation", OFFICE + "annotation-end", TEXT + "tracked-changes", TEXT + "note-citation", TEXT + "number",
            DRAW + "frame", DRAW + "a", DRAW + "custom-shape", DRAW + "rect", DRAW + "ellipse", DRAW + "g", DRAW + "line",
            DRAW + "polygon", DRAW + "path", DRAW + "connector", DRAW + "control", TEXT + "ruby-text"}
_INDEXES = {"table-of-content": "toc", "alphabetical-index": "index", "illustration-index": "toc", "table-index": "toc",
            "object-index": "toc", "user-index": "toc", "bibliography": "toc"}
_HEADING_STYLE = re.compile(r"heading\s*(\d+)|(title)", re.I)
_TERM_STYLE = re.compile(r"(?:definition term|list heading)(?: tight)?", re.I)  # LibreOffice's and pandoc's <dt>
_DESC_STYLE = re.compile(r"(?:definition(?: definition)?|list contents)(?: tight)?", re.I)  # ... and <dd>
_SKIP_BODY = {TEXT + "sequence-decls", TEXT + "variable-decls", TEXT + "user-field-decls", TEXT + "dde-connection-decls",
              TEXT + "tracked-changes", OFFICE + "forms", TABLE + "table-columns", TABLE + "table-column", TABLE + "table-column-group",
              TABLE + "table-header-columns", OFFICE + "annotation", TEXT + "soft-page-break"}


class BadOdt(Exception):
    """The file is not a readable ODT; the message says why."""


def _parse(data: bytes, name: str):
    from lxml import etree

    try:  # (LibreOffice writes well-formed XML: a damaged part is refused, not read in part)
        return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as e:
        raise BadOdt(f"{name} is not well-formed XML ({str(e)[:80]})") from e


def odt_parts(raw: bytes) -> tuple[object, list, object | None]:
    """(content root, [style roots], meta root or None) of an .odt's bytes, or of a flat .fodt."""
    if raw[:1] == b"<" or raw.lstrip()[:5] == b"<?xml" or raw[:3] == b"\xef\xbb\xbf":
        root = _parse(raw, "the file")
        if root.tag != OFFICE + "document":
            raise BadOdt("not an OpenDocument flat XML file (no office:document)")
        mime = root.get(OFFICE + "mimetype")
        if mime and mime not in _TEXT_TYPES:
            raise BadOdt(f"not a text document ({mime})")
        return root, [root], root
    z = open_zip(raw, MAX_EXPANDED, BadOdt)  # (a damaged directory, a name that is not UTF-8: "a damaged zip")
    names = set(z.namelist())
    try:
        if "META-INF/manifest.xml" in names:
            manifest = _parse(z.read("META-INF/manifest.xml"), "META-INF/manifest.xml")
            if manifest.find(f".//{MANIFEST}encryption-data") is not None:
                raise BadOdt("it is password-protected (encrypted); save a copy without a password")
        if "mimetype" in names:
            mime = z.read("mimetype").decode("ascii", "replace").strip()
            if mime not in _TEXT_TYPES:
                raise BadOdt(f"not a text document ({mime[:80]})")
        if "content.xml" not in names:
            raise BadOdt("content.xml is missing")
        content = _parse(z.read("content.xml"), "content.xml")
        styles = [_parse(z.read("styles.xml"), "styles.xml")] if "styles.xml" in names else []
        meta = _parse(z.read("meta.xml"), "meta.xml") if "meta.xml" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, EOFError, OSError, NotImplementedError) as e:
        raise BadOdt(f"a damaged zip ({str(e)[:60] or type(e).__name__})") from e
    return content, [*styles, content], meta


def odt_blocks(raw: bytes) -> tuple[list[Block], str | None]:
    """(blocks, title) of an .odt or .fodt file's bytes."""
    content, style_roots, meta = odt_parts(raw)
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise BadOdt("no text body (office:text)")
    title_el = meta.find(f".//{OFFICE}meta/{DC}title") if meta is not None else None
    title = " ".join((title_el.text or "").split()) or None if title_el is not None else None
    st = _Styles(style_roots)
    count = [0, 0]  # words in paragraphs, words in paragraphs made code by their font alone
    manual = _manual_headings(st, body)
    out = _Reader(st, True, count, manual).read(body)
    return (_Reader(st, False, count, manual).read(body) if count[1] > count[0] / 2 else out), title


def _display(name: str) -> str:
    """A style's name as LibreOffice shows it ("Heading_20_2" -> "Heading 2")."""
    return re.sub(r"_([0-9a-fA-F]{2})_", lambda m: chr(int(m.group(1), 16)), name)


class _Styles:
    """Facts about paragraph and text styles along their parent chains, cached by name."""

    def __init__(self, roots: list):
        self.by: dict[tuple[str, str], object] = {}
        self.auto: set[str] = set()  # automatic paragraph styles (P1, P2, ...): not a style the author chose
        self.faces: dict[str, bool] = {}
        self.default_font = ""
        self.outline: dict[int, tuple[str, str, str, int, int]] = {}  # level -> (format, prefix, suffix, display levels, start)
        self.cache: dict = {}
        self.defaults: list = []  # style:default-style elements
        self.anchors: set[str] = set()  # bookmarks and reference marks: the places a link can point to in the document
        for root in roots:
            for s in root.iter(STYLE + "style"):
                key = (s.get(STYLE + "family") or "", s.get(STYLE + "name") or "")
                self.by[key] = s
                if s.getparent() is not None and s.getparent().tag == OFFICE + "automatic-styles":
                    self.auto.add(key[1])
            for f in root.iter(STYLE + "font-face"):
                name = f.get(STYLE + "name") or ""
                self.faces[name] = f.get(STYLE + "font-pitch") == "fixed" or bool(MONO.search(f"{name} {f.get(SVG + 'font-family') or ''}"))
            for d in root.iter(STYLE + "default-style"):
                self.defaults.append(d)
                tp = d.find(STYLE + "text-properties")
                if d.get(STYLE + "family") == "paragraph" and tp is not None:
                    self.default_font = tp.get(STYLE + "font-name") or self.default_font
            for lv in root.iter(TEXT + "outline-level-style"):
                try:
                    self.outline[int(lv.get(TEXT + "level") or 1)] = (
                        lv.get(STYLE + "num-format") or "", lv.get(STYLE + "num-prefix") or "", lv.get(STYLE + "num-suffix") or "",
                        int(lv.get(TEXT + "display-levels") or 1), int(lv.get(TEXT + "start-value") or 1))
                except ValueError:
                    continue

    def chain(self, family: str, name: str | None):
        """(name, style) from `name` up its parents; a name no style defines ends it as (name, None): pandoc
        writes "Title" and its definition-list styles without defining them, as LibreOffice then does."""
        seen = set()
        while name and name not in seen and len(seen) < 32:
            seen.add(name)
            s = self.by.get((family, name))
            yield name, s
            if s is None:
                return
            name = s.get(STYLE + "parent-style-name")

    def paragraph(self, name: str | None) -> tuple[int | None, str, str, str]:
        """(heading level or None, toc/index/code/term/description kind or "", font, the author's style)."""
        key = ("p", name)
        if key in self.cache:
            return self.cache[key]
        level, kind, font, own = None, "", "", ""
        for n, s in self.chain("paragraph", name):
            shown = _display((s.get(STYLE + "display-name") if s is not None else None) or n)
            own = own or ("" if n in self.auto else n)
            m = _HEADING_STYLE.fullmatch(shown)
            o = s.get(STYLE + "default-outline-level") if s is not None else None
            if level is None and (m or (o or "").isdigit()):
                level = (int(m.group(1)) if m.group(1) else 0) if m else int(o)
            kind = kind or style_kind(shown, _TERM_STYLE, _DESC_STYLE)
            tp = s.find(STYLE + "text-properties") if s is not None else None
            font = font or ((tp.get(STYLE + "font-name") or "") if tp is not None else "")
        if kind in ("toc", "index"):  # "Contents Heading" is a TOC's title, not a section
            level = None
        r = (level, kind, font or self.default_font, own or (name or ""))
        self.cache[key] = r
        return r

    def span(self, name: str | None) -> tuple[str, bool]:
        """(font or "", hidden) of a text style."""
        key = ("t", name)
        if key not in self.cache:
            font, hidden = "", False
            for _, s in self.chain("text", name):
                tp = s.find(STYLE + "text-properties") if s is not None else None
                if tp is not None:
                    font = font or tp.get(STYLE + "font-name") or ""
                    hidden = hidden or tp.get(TEXT + "display") == "none"
            self.cache[key] = (font, hidden)
        return self.cache[key]

    def mono(self, font: str) -> bool:
        return bool(font) and self.faces.get(font, bool(MONO.search(font)))

    def fmt(self, family: str, name: str | None, base: tuple[bool, float]) -> tuple[bool, float]:
        """(bold, size in points) of text in style `name` (family "paragraph" or "text") along its parents, over
        `base` (what the text sits in: for a paragraph style, the default paragraph style's, 12pt when nothing
        says); a size in percent is of what it sits in."""
        key = ("fmt", family, name, base)
        if key not in self.cache:
            bold, size, scale = None, None, 1.0
            for _, s in self.chain(family, name):
                tp = s.find(STYLE + "text-properties") if s is not None else None
                if tp is None:
                    continue
                w = tp.get(FO + "font-weight")
                if bold is None and w:
                    bold = w == "bold" or (w.isdigit() and int(w) >= 600)
                z = tp.get(FO + "font-size") or ""
                if size is None and z.endswith("%") and _number(z[:-1]):
                    scale *= _number(z[:-1]) / 100
                elif size is None and z.endswith("pt") and _number(z[:-2]):
                    size = _number(z[:-2])
            self.cache[key] = (base[0] if bold is None else bold, (base[1] if size is None else size) * scale)
        return self.cache[key]

    def base(self) -> tuple[bool, float]:
        """(bold, size in points) of the default paragraph style: not bold, 12pt when nothing says."""
        if "base" not in self.cache:
            bold, size = False, 12.0
            for d in self.defaults:
                tp = d.find(STYLE + "text-properties")
                if d.get(STYLE + "family") == "paragraph" and tp is not None:
                    z = tp.get(FO + "font-size") or ""
                    size = _number(z[:-2]) or size if z.endswith("pt") else size
                    bold = (tp.get(FO + "font-weight") or "") == "bold" or bold
            self.cache["base"] = (bold, size)
        return self.cache["base"]


class _Para:
    """One paragraph's visible text, the font of each piece with words, whether each sits in a link to a
    place in the document, and what it holds that is read after it (notes, text boxes)."""

    def __init__(self, st: _Styles, p, font: str):
        self.st, self.parts, self.fonts, self.links = st, [], [], []
        self.notes: list[tuple[str, object]] = []
        self.boxes: list = []
        self.hidden = False
        self.label = ""
        self.lead = self.rest = 0  # soft page breaks before the first letter, and after it
        self.space = False  # the text so far ends in a space that white space after it joins
        self._walk(p, font, False)

    def _add(self, s: str, font: str, link: bool, collapse: bool = True):
        if collapse:  # XML white space in paragraph text is one space, none at the start (ODF 1.2, 6.1.2)
            s = re.sub(r"[ \t\r\n]+", " ", s)
            if self.space or not self.parts:
                s = s.lstrip(" ")
            self.space = s.endswith(" ") if s else self.space
        else:
            self.space = False
        if s:
            self.parts.append(s)
            if s.strip():
                self.fonts.append(font)
                self.links.append(link)

    def _walk(self, el, font: str, link: bool):
        if el.text:
            self._add(el.text, font, link)
        for c in el:
            tag = c.tag
            if not isinstance(tag, str):
                pass
            elif tag == TEXT + "s":
                n = c.get(TEXT + "c") or "1"
                self._add(" " * min(int(n) if n.isdigit() else 1, 1000), font, link, False)
            elif tag == TEXT + "tab":
                self._add("\t", font, link, False)
            elif tag == TEXT + "line-break":
                self._add("\n", font, link, False)
            elif tag == TEXT + "note":
                nb = c.find(TEXT + "note-body")
                if nb is not None:
                    self.notes.append((c.get(TEXT + "note-class") or "footnote", nb))
            elif tag == TEXT + "number" and el.tag == TEXT + "h":
                self.label = _fold(c.xpath("string()"))
            elif tag == DRAW + "frame" or tag == DRAW + "a":
                self.boxes += [b for b in c.iter(DRAW + "text-box") if _owner_box(b) is _owner_box(c)]
            elif tag == TEXT + "soft-page-break":
                if "".join(self.parts).strip():
                    self.rest += 1
                else:
                    self.lead += 1
            elif tag == TEXT + "hidden-paragraph":
                self.hidden = self.hidden or c.get(TEXT + "is-hidden") == "true"
            elif tag == TEXT + "hidden-text" and c.get(TEXT + "is-hidden") == "true":
                pass
            elif tag in _NO_TEXT:
                pass
            elif tag == TEXT + "span":
                f, hidden = self.st.span(c.get(TEXT + "style-name"))
                if not hidden:
                    self._walk(c, f or font, link)
            elif tag == TEXT + "a":
                href = c.get(XLINK + "href") or ""
                self._walk(c, font, link or href.startswith("#") or href.partition("#")[2] in self.st.anchors)
            else:  # fields, bookmarks, reference marks, text:meta, tracked insertions: their text shows
                self._walk(c, font, link)
            if c.tail:
                self._add(c.tail, font, link)

    @property
    def raw(self) -> str:
        return "".join(self.parts)


def _owner_box(el):
    """The text box `el` sits in (None in the body): a frame's boxes belong to the paragraph holding it."""
    return next((a for a in el.iterancestors(DRAW + "text-box")), None)


class _Reader:
    def __init__(self, st: _Styles, by_font: bool, count: list[int], manual: dict):
        self.st, self.by_font, self.count, self.manual = st, by_font, count, manual
        self.sec = _Sections()
        self.out: list[Block] = []
        self.endnotes: list[str] = []
        self.code: list[str] = []
        self.code_style = ""
        self.terms: list[str] = []
        self.page: int | None = None  # the page being read, when the file records its soft page breaks
        self.code_page: int | None = None
        self.numbers: dict[int, int] = {}  # outline level -> its heading counter

    def read(self, body) -> list[Block]:
        self.st.anchors.update(x.get(TEXT + "name") for x in body.iter(TEXT + "bookmark", TEXT + "bookmark-start", TEXT + "reference-mark",
                                                                            TEXT + "reference-mark-start") if x.get(TEXT + "name"))
        if body.find(f".//{TEXT}soft-page-break") is not None:
            self.page = 1
        self.walk(body, "")
        self.flush()
        self.out.extend(Block("paragraph", t, self.sec.path, self.page) for t in self.endnotes)
        return self.out

    def flush(self):
        if self.code:
            self.out.append(Block("code", "\n".join(self.code).strip("\n"), self.sec.path, self.code_page))
            self.code.clear()
        if self.terms:
            self.out.append(Block("paragraph", ", ".join(self.terms), self.sec.path, self.code_page))
            self.terms.clear()

    def walk(self, parent, mode: str, in_list: bool = False):
        """mode: "" (body), "toc" or "index" (inside a generated index)."""
        for c in parent:
            tag = c.tag
            if not isinstance(tag, str) or tag in _SKIP_BODY:
                if tag == TEXT + "soft-page-break" and self.page is not None:
                    self.page += 1
                continue
            if tag in (TEXT + "p", TEXT + "h"):
                self.paragraph(c, mode, in_list)
            elif tag == TEXT + "list":
                for item in c:
                    if item.tag in (TEXT + "list-item", TEXT + "list-header"):
                        self.walk(item, mode, True)
                    elif item.tag == TEXT + "soft-page-break" and self.page is not None:
                        self.page += 1
            elif tag == TEXT + "numbered-paragraph":
                self.walk(c, mode, True)
            elif tag == TABLE + "table":
                self.flush()
                self.table(c, mode)
            elif tag == TEXT + "section":
                if c.get(TEXT + "display") != "none":
                    self.walk(c, mode, in_list)
            elif tag.startswith(TEXT) and tag[len(TEXT):] in _INDEXES:
                self.flush()
                kind = _INDEXES[tag[len(TEXT):]]
                for part in c:
                    if part.tag == TEXT + "index-body":
                        self.walk(part, kind)
            elif tag in (TEXT + "index-title", TEXT + "index-body"):
                self.walk(c, mode, in_list)
            elif tag.startswith(TEXT) or tag.startswith(DRAW):  # text:change markers, page-anchored frames
                for box in c.iter(DRAW + "text-box"):
                    if _owner_box(box) is _owner_box(c):
                        self.walk(box, mode)

    def paragraph(self, p, mode: str, in_list: bool):
        level, kind, font, own = self.st.paragraph(p.get(TEXT + "style-name"))
        para = _Para(self.st, p, font)
        if self.page is not None:
            self.page += para.lead
        self.one(p, para, mode, in_list, level, kind, own)
        if self.page is not None:
            self.page += para.rest
        for box in para.boxes:  # a text box anchored here (a sidebar, a callout): its paragraphs after this one
            self.walk(box, mode)

    def one(self, p, para: _Para, mode: str, in_list: bool, level, kind: str, own: str):
        if para.hidden:
            return
        raw, text = para.raw, _fold(para.raw)
        is_code_style = kind == "code" or (self.code and own == self.code_style)
        if not text:
            if self.code and is_code_style and not mode:
                self.code.append("")  # a blank line inside a listing
            return
        mono = self.by_font and all(self.st.mono(f) for f in para.fonts)
        heading = p.tag == TEXT + "h" or level is not None
        if not heading and p in self.manual and not mode and not in_list:  # a heading formatted by hand (bold, larger)
            level, heading = self.manual[p], True
        n = len(text.split())
        self.count[0] += n
        if not mode and not in_list and (kind == "code" or (mono and not heading and not kind)):
            self.count[1] += n if kind != "code" else 0
            if self.code and own != self.code_style:
                self.flush()
            if not self.code:
                self.code_page = self.page
            self.code_style = own
            self.code.extend(line.rstrip() for line in raw.replace("\t", "    ").split("\n"))
            self.notes(para)
            return
        if para.links and all(para.links) and not mode and not heading and kind not in ("toc", "index"):
            self.flush()  # nothing but links to places in this document: a list of sections (a contents page's terms too)
            self.out.append(Block("toc", text, self.sec.path, self.page))
            self.notes(para)
            return
        if kind == "term" and not mode:  # a definition term opens its description's first paragraph, as in HTML
            if self.code:
                held = list(self.terms)
                self.terms.clear()
                self.flush()
                self.terms.extend(held)
            if not self.terms:
                self.code_page = self.page
            self.terms.append(text)
            return
        if kind == "description" and self.terms and not mode:
            text = f"{', '.join(self.terms)}: {text}"
            self.terms.clear()
        self.flush()
        if mode or kind in ("toc", "index"):
            self.out.append(Block(mode or kind, text, self.sec.path, self.page))
        elif heading:
            if p.tag == TEXT + "h":
                try:
                    level = max(1, int(p.get(TEXT + "outline-level") or level or 1))
                except ValueError:
                    level = level or 1
            label = para.label or (self.number(p, level) if p not in self.manual else "")
            text = f"{label} {text}" if label and not text.startswith(label) else text
            self.out.append(Block("heading", text, self.sec.heading(level, text), self.page))
        elif in_list:
            self.out.append(Block("list_item", text, self.sec.path, self.page))
        else:
            self.out.append(Block("paragraph", text, self.sec.path, self.page))
        self.notes(para)

    def notes(self, para: _Para):
        for cls, nb in para.notes:
            text = _fold(" ".join(_Para(self.st, x, "").raw for x in nb.iter(TEXT + "p", TEXT + "h")))
            if text and cls == "endnote":
                self.endnotes.append(text)
            elif text:
                self.out.append(Block("paragraph", text, self.sec.path, self.page))

    def number(self, p, level: int) -> str:
        """The outline number LibreOffice shows before heading `p`, advancing the counters."""
        if p.get(TEXT + "is-list-header") == "true" or level not in self.st.outline:
            return ""
        fmt, prefix, suffix, shown, start = self.st.outline[level]
        restart = p.get(TEXT + "start-value") if p.get(TEXT + "restart-numbering") == "true" else None
        self.numbers[level] = int(restart) if restart and restart.isdigit() else self.numbers.get(level, start - 1) + 1
        for lv in [lv for lv in self.numbers if lv > level]:
            del self.numbers[lv]
        if not fmt:
            return ""
        nums = []
        for lv in range(max(1, level - shown + 1), level + 1):
            f = self.st.outline.get(lv, ("1", "", "", 1, 1))
            n = self.numbers.get(lv, f[4])
            nums.append(format_number(n, {"a": "lowerLetter", "A": "upperLetter", "i": "lowerRoman", "I": "upperRoman"}.get(f[0], "decimal")))
        return f"{prefix}{'.'.join(nums)}{suffix}".strip()

    def table(self, tbl, mode: str):
        above: dict[int, tuple[str, int]] = {}  # column -> (text of a cell spanning rows, the last row it covers)
        r = 0  # the row being read, repeated rows counted
        start = len(self.out)
        for tr, times in self.rows(tbl):
            cells, nested, paras, col = [], [], [], 0
            for tc in tr:
                if tc.tag not in (TABLE + "table-cell", TABLE + "covered-table-cell"):
                    continue
                rep = _int(tc.get(TABLE + "number-columns-repeated"), 1)
                if tc.tag == TABLE + "covered-table-cell":
                    if col in above and above[col][1] >= r:  # merged into the cell above: its text, as in DOCX
                        cells.append(above[col][0])
                    col += rep  # (a cell merged into the one on its left adds nothing)
                    continue
                mine = [_Para(self.st, p, "") for p in _cell_paragraphs(tc, nested)]
                mine += [_Para(self.st, p, "") for para in list(mine) for box in para.boxes for p in box.iter(TEXT + "p", TEXT + "h")]
                mine = [para for para in mine if not para.hidden]
                paras += mine
                text = _fold(" ".join(para.raw for para in mine))
                if text:
                    cells.extend([text] * min(rep, MAX_REPEAT))
                    span = _int(tc.get(TABLE + "number-rows-spanned"), 1)
                    if span > 1:
                        above[col] = (text, r + span - 1)
                col += rep
            page = self.page
            if self.page is not None:
                self.page += sum(p.lead + p.rest for p in paras)
            if cells:
                head = len(cells) > 1 and tr.getparent().tag == TABLE + "table-header-rows"  # names the columns
                for _ in range(min(times, MAX_REPEAT)):
                    self.out.append(Block("toc" if mode else "table_head" if head else "table_row", " | ".join(cells), self.sec.path, page))
                for para in paras:
                    self.notes(para)
            for t in nested:
                self.table(t, mode)
            r += times
        self.out[start:] = with_heads(self.out[start:])

    def rows(self, tbl):
        """(row, times repeated) in order, through header rows and row groups."""
        for x in tbl:
            if x.tag == TABLE + "table-row":
                yield x, _int(x.get(TABLE + "number-rows-repeated"), 1)
            elif x.tag in (TABLE + "table-header-rows", TABLE + "table-rows", TABLE + "table-row-group"):
                yield from self.rows(x)
            elif x.tag == TEXT + "soft-page-break" and self.page is not None:
                self.page += 1


def _cell_paragraphs(el, nested: list):
    """The paragraphs of a table cell (through lists and sections); tables inside it go to `nested`."""
    for x in el:
        if x.tag in (TEXT + "p", TEXT + "h"):
            yield x
        elif x.tag == TABLE + "table":
            nested.append(x)
        elif isinstance(x.tag, str) and x.tag.startswith(TEXT) and not (x.tag == TEXT + "section" and x.get(TEXT + "display") == "none"):
            yield from _cell_paragraphs(x, nested)


def _number(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


def _formatted(st: _Styles, el, fmt: tuple[bool, float], out: list) -> None:
    """(text, (bold, size)) pieces of a paragraph's visible text, through its spans (as _Para reads it)."""
    if el.text:
        out.append((el.text, fmt))
    for c in el:
        if isinstance(c.tag, str) and c.tag not in _NO_TEXT and c.tag != TEXT + "note" and not (
                c.tag == TEXT + "hidden-text" and c.get(TEXT + "is-hidden") == "true"):
            if c.tag == TEXT + "span":
                if not st.span(c.get(TEXT + "style-name"))[1]:
                    _formatted(st, c, st.fmt("text", c.get(TEXT + "style-name"), fmt), out)
            else:
                _formatted(st, c, fmt, out)
        if c.tail:
            out.append((c.tail, fmt))


def _manual_headings(st: _Styles, body) -> dict:
    """text:p -> level, for the headings formatted by hand (bold, larger) in a document that uses no heading
    styles: the rule is rag/styles.py's `manual_headings`."""
    from collections import Counter

    paras: list = []
    elements: list = []
    sizes: Counter = Counter()
    styled = False

    def walk(parent):
        nonlocal styled
        for c in parent:
            tag = c.tag
            if not isinstance(tag, str) or tag in _SKIP_BODY:
                continue
            if tag in (TEXT + "p", TEXT + "h"):
                level, kind, font, _ = st.paragraph(c.get(TEXT + "style-name"))
                para = _Para(st, c, font)
                text = _fold(para.raw)
                if not text or para.hidden:
                    continue
                styled = styled or tag == TEXT + "h" or (level or 0) >= 1
                pieces: list = []
                _formatted(st, c, st.fmt("paragraph", c.get(TEXT + "style-name"), st.base()), pieces)
                pieces = [(t.strip(), f) for t, f in pieces if t.strip()]
                for t, (_, size) in pieces:
                    sizes[size] += len(t)
                mono = bool(para.fonts) and all(st.mono(f) for f in para.fonts)
                plain = pieces and not (tag == TEXT + "h" or level is not None or kind or mono or (para.links and all(para.links)))
                paras.append((text, all(b for _, (b, _) in pieces), min(z for _, (_, z) in pieces)) if plain else None)
                elements.append(c)
            elif tag == TEXT + "section":
                if c.get(TEXT + "display") != "none":
                    walk(c)
            elif tag in (TEXT + "list", TEXT + "numbered-paragraph", TABLE + "table") or (tag.startswith(TEXT) and tag[len(TEXT):] in _INDEXES):
                paras.append(None)
                elements.append(None)

    walk(body)
    if styled:
        return {}
    return {elements[i]: level for i, level in manual_headings(paras, sizes).items()}


def _int(s: str | None, default: int) -> int:
    return int(s) if s and s.isdigit() else default
