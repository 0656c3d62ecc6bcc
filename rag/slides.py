"""PPTX -> blocks, read from the PresentationML itself (zipfile + lxml; python-pptx is not needed).

Slides come in the order the deck shows them (ppt/presentation.xml's slide list, not the part names);
hidden slides (show="0") are left out. The page of every block is its slide's number as PowerPoint
counts it (hidden slides keep their numbers). On each slide:
  * the title placeholder (title, ctrTitle) is a `heading`: the section path is the slide's title,
    under the deck's section (p14:sectionLst; PowerPoint's "Default Section" name left out);
  * the other shapes follow in reading order, from their positions: rows top to bottom, a row's
    columns left to right, each column top to bottom (so two columns, or a caption beside a table,
    read one after the other); a placeholder that leaves its position to the layout takes the
    layout's (or the master's); a group's members are ordered likewise inside it;
  * a paragraph with a bullet or a number (as set on the paragraph, the shape, the layout's or
    master's placeholder, or the master's body style) or indented (lvl > 0) in a body or content
    placeholder is a `list_item`, as is an explicitly bulleted paragraph anywhere; other text is
    `paragraph` (subtitles, text boxes). Line breaks (a:br) are spaces;
  * a table is one `table_row` per row, cells joined with " | "; a merged cell's text is read once,
    in its first row and column (the cells it covers, hMerge/vMerge, are skipped, text left in them too);
    the first row is a `table_head` when the table is flagged as having a header row (a:tblPr firstRow);
  * SmartArt's text (ppt/diagrams/data*.xml, its nodes in the data model's order): `list_item`s;
  * speaker notes (the slide's notesSlide) come after the slide's content under a "Notes" heading.
Text that repeats on at least half of a deck's slides (three or more) outside titles and tables, such
as a footer typed into a text box, is kept once as `boilerplate` (searchable, never quoted).
The title is docProps/core.xml's dc:title, else the first slide's title.
Left out: slide-number, date, footer and header placeholders and slide-number/date fields; what the
layout and master draw on every slide (logos, their text boxes, prompt text of empty placeholders);
charts (titles and labels too); pictures and their alt text; WordArt converted to outlines; OLE
objects; comments; the level of a list item (a sub-bullet is a list item like its parent); math
(a14:m) shown in an equation placeholder. Refused with the reason: a file that is not a zip (an
encrypted .pptx or a legacy .ppt is an OLE compound file), a zip without a presentation part, a zip
that expands past MAX_EXPANDED.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib

from rag.blocks import Block, with_heads
from rag.markup import _fold
from rag.zipdoc import open_zip, part_name

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"
_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_EXPANDED = 512 * 1024 * 1024  # a zip that expands past this is refused (a zip bomb, not a deck)
_SKIP_PH = {"sldNum", "dt", "ftr", "hdr", "sldImg"}  # running boilerplate (and a notes page's slide picture)
_TITLE_PH = {"title", "ctrTitle"}
_BODY_PH = {"body", "obj"}  # (a placeholder without a type is "obj", a content placeholder)
_SKIP_FIELDS = re.compile(r"slidenum|datetime", re.I)
_DEFAULT_TITLES = {"powerpoint presentation", "presentation", "presentation1", "slide 1"}
_DEFAULT_SECTIONS = {"default section", "untitled section"}


def _unreadable(reason: str):
    from rag.loaders import Unreadable

    return Unreadable(reason)


class _Package:
    """The zip: parts parsed once, relationships resolved to part names."""

    def __init__(self, raw: bytes):
        if raw[:8] == _OLE:
            raise _unreadable("password-protected or legacy .ppt deck (an OLE compound file, not a zip): "
                              "remove the password, or save it as .pptx")
        self.z = open_zip(raw, MAX_EXPANDED, lambda reason: _unreadable(f"corrupt or unreadable PPTX ({reason})"))
        self.names = set(self.z.namelist())
        self.cache: dict[str, object] = {}

    def xml(self, name: str | None):
        """The parsed part, or None when it is missing or not XML."""
        if not name or name not in self.names:
            return None
        if name not in self.cache:
            from lxml import etree

            try:
                self.cache[name] = etree.fromstring(
                    self.z.read(name), etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False))
            except (etree.XMLSyntaxError, zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, OSError, EOFError):
                self.cache[name] = None  # (a part with a bad CRC or garbage: that part is left out)
        return self.cache[name]

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (type's last word, target part name) of a part's internal relationships."""
        d, base = posixpath.split(part)
        root = self.xml(posixpath.join(d, "_rels", base + ".rels"))
        out = {}
        for rel in root if root is not None else ():
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            out[rel.get("Id")] = ((rel.get("Type") or "").rsplit("/", 1)[-1], part_name(d, target))
        return out

    def related(self, part: str, kind: str) -> str | None:
        return next((name for t, name in self.rels(part).values() if t == kind), None)


def _ph(sp):
    """The p:ph element of a shape, or None."""
    nv = next((c for c in sp if isinstance(c.tag, str) and c.tag.startswith(P + "nv")), None)
    return nv.find(f"{P}nvPr/{P}ph") if nv is not None else None


def _box(sp) -> tuple[int, int, int, int] | None:
    """(top, left, height, width) of a shape as it sets them, or None when it leaves them to its layout."""
    for path in (f"{P}spPr/{A}xfrm", f"{P}xfrm", f"{P}grpSpPr/{A}xfrm"):
        xfrm = sp.find(path)
        off = xfrm.find(A + "off") if xfrm is not None else None
        if off is not None:
            ext = xfrm.find(A + "ext")
            try:
                h, w = (int(ext.get("cy", "0")), int(ext.get("cx", "0"))) if ext is not None else (0, 0)
                return int(off.get("y", "0")), int(off.get("x", "0")), h, w
            except ValueError:
                return None
    return None


_NEAR = 114300  # 1/8 inch: rows closer than this (a caption right under a title) touch; columns must not overlap


def _split(items: list, lo: int, size: int, near: int) -> list[list]:
    """`items` ((box, i, shape)) in runs that overlap (or come within `near`) along one axis: box[lo]
    is where a box starts on it, box[size] how far it reaches."""
    runs: list[list] = []
    end = 0
    for it in sorted(items, key=lambda k: (k[0][lo], k[1])):
        start = it[0][lo]
        if runs and start < end + near:
            runs[-1].append(it)
            end = max(end, start + it[0][size])
        else:
            runs.append([it])
            end = start + it[0][size]
    return runs


def _reading_order(items: list) -> list:
    """Rows top to bottom (shapes that overlap vertically are one row); a row's columns left to right
    (shapes that overlap horizontally are one column); inside each, the same again."""
    if len(items) < 2:
        return items
    for lo, size, near in ((0, 2, _NEAR), (1, 3, 0)):
        runs = _split(items, lo, size, near)
        if len(runs) > 1:
            return [it for run in runs for it in _reading_order(run)]
    return sorted(items, key=lambda k: (k[0][0], k[0][1], k[1]))


class _Layouts:
    """Placeholders of slide layouts and masters, to take a slide placeholder's type, position and
    list style from when the slide leaves them out (matched by idx, else by type, as PowerPoint does)."""

    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self.cache: dict[str, tuple[dict, dict]] = {}

    def _placeholders(self, part: str | None) -> tuple[dict, dict]:
        if not part:
            return {}, {}
        if part not in self.cache:
            by_idx, by_type = {}, {}
            root = self.pkg.xml(part)
            tree = root.find(f"{P}cSld/{P}spTree") if root is not None else None
            for sp in tree.iter(P + "sp") if tree is not None else ():
                ph = _ph(sp)
                if ph is None:
                    continue
                if ph.get("idx") is not None:
                    by_idx.setdefault(ph.get("idx"), sp)
                by_type.setdefault(_norm_type(ph.get("type")), sp)
            self.cache[part] = (by_idx, by_type)
        return self.cache[part]

    def chain(self, slide_part: str, ph) -> list:
        """The layout's and the master's placeholder that a slide placeholder inherits from."""
        layout = self.pkg.related(slide_part, "slideLayout")
        master = self.pkg.related(layout, "slideMaster") if layout else None
        out = []
        by_idx, by_type = self._placeholders(layout)
        sp = by_idx.get(ph.get("idx")) if ph.get("idx") is not None else None
        if sp is None:
            sp = by_type.get(_norm_type(ph.get("type")))
        if sp is not None:
            out.append(sp)
        t = _norm_type(ph.get("type") or (_ph(sp).get("type") if sp is not None else None))
        m = self._placeholders(master)[1].get(t if t in ("title", "body") else "body" if t in ("obj", "subTitle") else t)
        if m is not None:
            out.append(m)
        return out

    def body_style(self, slide_part: str):
        layout = self.pkg.related(slide_part, "slideLayout")
        master = self.pkg.related(layout, "slideMaster") if layout else None
        root = self.pkg.xml(master)
        return root.find(f"{P}txStyles/{P}bodyStyle") if root is not None else None


def _norm_type(t: str | None) -> str:
    t = t or "obj"
    return "title" if t == "ctrTitle" else t


def _para_text(p) -> str:
    parts = []
    for el in p:
        if el.tag == A + "r":
            parts.append("".join(t.text or "" for t in el.iter(A + "t")))
        elif el.tag == A + "fld":
            if not _SKIP_FIELDS.match(el.get("type") or ""):
                parts.append("".join(t.text or "" for t in el.iter(A + "t")))
        elif el.tag == A + "br":
            parts.append(" ")
    return _fold("".join(parts))


def _bullet(ppr) -> bool | None:
    """True for a bullet or number, False for none, None when `ppr` (a pPr or lvlNpPr) does not say."""
    if ppr is None:
        return None
    if ppr.find(A + "buNone") is not None:
        return False
    if ppr.find(A + "buChar") is not None or ppr.find(A + "buAutoNum") is not None or ppr.find(A + "buBlip") is not None:
        return True
    return None


def _level(p) -> int:
    ppr = p.find(A + "pPr")
    try:
        return int(ppr.get("lvl", "0")) if ppr is not None else 0
    except ValueError:
        return 0


def _boxes(tree):
    """The shapes of a shape tree in document order, through mc:AlternateContent (its first choice)."""
    for c in tree:
        if not isinstance(c.tag, str):
            continue
        if c.tag == _MC + "AlternateContent":
            choice = c.find(_MC + "Choice")
            if choice is None:
                choice = c.find(_MC + "Fallback")
            if choice is not None:
                yield from _boxes(choice)
        elif c.tag in (P + "sp", P + "grpSp", P + "graphicFrame", P + "cxnSp"):
            yield c


class _Slide:
    """One slide (or notes page) read into blocks."""

    def __init__(self, pkg: _Package, layouts: _Layouts, part: str, section: tuple[str, ...], page: int):
        self.pkg, self.layouts, self.part, self.page = pkg, layouts, part, page
        self.section = section
        self.title: str | None = None
        self.body: list[Block] = []
        self.notes: list[Block] = []

    def read(self, root, notes: bool = False) -> None:
        tree = root.find(f"{P}cSld/{P}spTree")
        if tree is None:
            return
        title = None if notes else next((sp for sp in _boxes(tree) if _ph(sp) is not None and _ph(sp).get("type") in _TITLE_PH), None)
        if title is not None:
            self.title = _fold(" ".join(_para_text(p) for p in title.iter(A + "p"))) or None
        for sp in self._ordered(tree, notes, title):  # (the title is no part of the order: a full-width one would join the columns below it)
            self._shape(sp, notes)

    def _ordered(self, tree, notes: bool, skip=None) -> list:
        """Shapes in reading order (`_reading_order`), `skip` left out; a shape without a position stays after the one before it."""
        keyed, last = [], (0, 0, 0, 0)
        for i, sp in enumerate(_boxes(tree)):
            ph = _ph(sp)
            if sp is skip or (ph is not None and ph.get("type") in _SKIP_PH):
                continue
            box = _box(sp)
            if box is None and ph is not None and not notes:
                box = next((b for b in map(_box, self.layouts.chain(self.part, ph)) if b is not None), None)
            last = box or last
            keyed.append((last, i, sp))
        return [sp for _, _, sp in _reading_order(keyed)]

    def _shape(self, sp, notes: bool) -> None:
        if sp.tag == P + "grpSp":
            for child in self._ordered(sp, notes):
                self._shape(child, notes)
        elif sp.tag == P + "graphicFrame":
            data = sp.find(f"{A}graphic/{A}graphicData")
            if data is None:
                return
            tbl = data.find(A + "tbl")
            if tbl is not None:
                self._table(tbl)
            ids = data.find(_DGM + "relIds")
            if ids is not None:
                self._smartart(ids)
        else:
            body = sp.find(P + "txBody")
            if body is not None:
                self._text(sp, body, notes)

    def _text(self, sp, body, notes: bool) -> None:
        ph = _ph(sp)
        chain = self.layouts.chain(self.part, ph) if ph is not None and not notes else []
        ptype = None
        if ph is not None:  # (a slide placeholder may leave its type to the layout's)
            ptype = _norm_type(ph.get("type") or next((_ph(c).get("type") for c in chain if _ph(c).get("type")), None))
        in_body = ptype in _BODY_PH and not notes
        styles = [body.find(A + "lstStyle")] + [c.find(f"{P}txBody/{A}lstStyle") for c in chain]
        master_body = self.layouts.body_style(self.part) if in_body else None
        for p in body.iter(A + "p"):
            text = _para_text(p)
            if not text:
                continue
            lvl = _level(p)
            said = _bullet(p.find(A + "pPr"))
            for st in styles + [master_body]:
                if said is not None or st is None:
                    continue
                said = _bullet(st.find(f"{A}lvl{min(lvl, 8) + 1}pPr"))
            listed = said if said is not None else in_body
            kind = "list_item" if listed or (in_body and lvl > 0) else "paragraph"
            self.body.append(Block(kind, text, (), self.page))

    def _table(self, tbl) -> None:
        pr = tbl.find(A + "tblPr")
        first_is_head = pr is not None and pr.get("firstRow") in ("1", "true") and len(tbl.findall(A + "tr")) > 1  # PowerPoint's "Header Row"
        start = len(self.body)
        for i, tr in enumerate(tbl.iter(A + "tr")):
            cells = []
            for tc in tr.findall(A + "tc"):
                if tc.get("hMerge") in ("1", "true") or tc.get("vMerge") in ("1", "true"):
                    continue  # covered by the cell it is merged into
                cells.append(_fold(" ".join(_para_text(p) for p in tc.iter(A + "p"))))
            if any(cells):
                self.body.append(Block("table_head" if i == 0 and first_is_head else "table_row", " | ".join(c for c in cells if c), (), self.page))
        self.body[start:] = with_heads(self.body[start:])

    def _smartart(self, ids) -> None:
        target = self.pkg.rels(self.part).get(ids.get(R + "dm"))
        root = self.pkg.xml(target[1] if target else None)
        for pt in root.iter(_DGM + "pt") if root is not None else ():
            if pt.get("type", "node") not in ("node", "asst"):
                continue
            t = pt.find(_DGM + "t")
            for p in t.iter(A + "p") if t is not None else ():
                text = _para_text(p)
                if text:
                    self.body.append(Block("list_item", text, (), self.page))


def _sections(pres) -> dict[str, str]:
    """slide id -> the name of the deck section holding it (p14:sectionLst)."""
    out = {}
    for sec in pres.iter(_P14 + "section"):
        name = _fold(sec.get("name") or "")
        if name.lower() in _DEFAULT_SECTIONS:
            name = ""
        for sid in sec.iter(_P14 + "sldId"):
            out[sid.get("id")] = name
    return out


def pptx_blocks(raw: bytes) -> tuple[list[Block], str | None, int]:
    """(blocks, title, number of slides) of a .pptx file's bytes; raises rag.loaders.Unreadable."""
    pkg = _Package(raw)
    main = next((name for t, name in pkg.rels("").values() if t == "officeDocument"), None) or "ppt/presentation.xml"
    pres = pkg.xml(main)
    if pres is None or pres.tag != P + "presentation":
        raise _unreadable("corrupt or unreadable PPTX (no presentation part: not a PowerPoint deck)")
    rels = pkg.rels(main)
    sections = _sections(pres)
    layouts = _Layouts(pkg)
    slides: list[_Slide] = []
    ids = list(pres.iter(P + "sldId"))
    for number, sid in enumerate(ids, 1):
        rel = rels.get(sid.get(R + "id"))
        root = pkg.xml(rel[1]) if rel else None
        if root is None or root.get("show") in ("0", "false"):
            continue
        s = _Slide(pkg, layouts, rel[1], (sections.get(sid.get("id"), ""),), number)
        s.read(root)
        notes_part = pkg.related(rel[1], "notesSlide")
        notes_root = pkg.xml(notes_part)
        if notes_root is not None:
            n = _Slide(pkg, layouts, notes_part, (), number)
            n.read(notes_root, notes=True)
            s.notes = n.body
        slides.append(s)
    blocks = _assemble(slides)
    core = pkg.xml(next((name for t, name in pkg.rels("").values() if t == "core-properties"), None) or "docProps/core.xml")
    el = core.find(_DC + "title") if core is not None else None
    title = _fold(el.text or "") if el is not None and el.text else ""
    if not title or title.lower() in _DEFAULT_TITLES:
        title = next((s.title for s in slides if s.title), "")
    return blocks, title or None, len(ids)


def _assemble(slides: list[_Slide]) -> list[Block]:
    """Blocks of all slides: deck-section and slide-title headings, the slide's content, its notes;
    text repeated on at least half the slides (three or more) kept once, as boilerplate."""
    seen: dict[str, set[int]] = {}
    for s in slides:
        for b in s.body:
            if b.kind not in ("table_row", "table_head"):
                seen.setdefault(b.text, set()).add(s.page)
    threshold = max(3, (len(slides) + 1) // 2)
    repeated = {t for t, pages in seen.items() if len(pages) >= threshold}
    out: list[Block] = []
    kept: set[str] = set()
    section = None
    for s in slides:
        deck_section = s.section[0]
        if deck_section != section:
            section = deck_section
            if deck_section:
                out.append(Block("heading", deck_section, (deck_section,), s.page))
        path = tuple(x for x in (deck_section, s.title) if x)
        if s.title:
            out.append(Block("heading", s.title, path, s.page))
        for b in s.body:
            if b.text in repeated:
                if b.text in kept:
                    continue
                kept.add(b.text)
                b = Block("boilerplate", b.text, (), s.page)
            out.append(Block(b.kind, b.text, path if b.kind != "boilerplate" else (), s.page, b.head))
        if s.notes:
            out.append(Block("heading", "Notes", path + ("Notes",), s.page))
            out.extend(Block(b.kind, b.text, path + ("Notes",), s.page, b.head) for b in s.notes)
    return out
