"""ODT extraction (rag/odf.py) on OpenDocument Text files as LibreOffice writes them: what the document keeps.

    python -m evals.measure_odt [--set dev|heldout | --odt FILE ...] [--out evals/results/odt_heldout.md] [--samples N]
                                [--manual-headings [--before OLD.json]]

The files: the pages of evals/measure_docx.py's sets (same split, unchanged: dev 6 pages, held-out 11),
saved as .odt by LibreOffice Writer (`soffice --headless --convert-to odt`), converted once into
out/odt_corpus/ with LibreOffice's version in the report. The truth is each file's own XML
(content.xml, styles.xml), read here with lxml, not with rag/odf.py. A paragraph's visible text is its
text nodes, text:s (as many spaces as text:c says), text:tab and text:line-break, outside footnotes and
endnotes (text:note), comments (office:annotation), drawings (draw:frame) and the record of tracked
changes (text:tracked-changes, where deleted text lives). Paragraphs are text:p and text:h in office:text,
outside notes, comments, drawings and tracked changes.
  * words kept: the paragraphs' words found in the document text, as a multiset; note words apart
    (text:note-body);
  * paragraphs kept: each text:p of 8+ words outside tables, lists, tables of contents and indexes, not
    counted below as code or as a link list, as in measure_html (90% of its 4-word runs in the document's words);
  * headings kept: each text:h outside tables of contents/indexes, found as a `heading` block with the same words;
  * code kept as code: multi-line stretches of monospace outside tables, i.e. a paragraph holding a
    text:line-break, or 2+ paragraphs in a row (paragraphs without words between them do not break
    the row), whose every character with a word is in a monospaced font: the font of the innermost
    text:span style that names one, else the paragraph style's, each along style:parent-style-name, else
    the default paragraph style's; a font is monospaced when its style:font-face says
    style:font-pitch="fixed" or its name says mono/courier/consolas/...; the first line's words found
    in a `code` block;
  * table rows kept as rows: each table:table-row of 2+ table:table-cells with words (not holding a
    table), cells in order in one `table_row` block;
  * list items kept: text:p directly in a text:list-item or text:list-header outside tables, in a
    `list_item` block;
  * link lists kept out of quotes: paragraphs (outside tables) whose text is all inside links to places
    in the same document (text:a with an xlink:href starting with "#"), and paragraphs of a table of
    contents or an index (text:table-of-content, text:alphabetical-index, ...), found in a `toc` or
    `index` block; they count here, not as list items or paragraphs;
  * quotable sentences with an artefact (evals/readability.py) and navigation-only ones.
Left out: text in drawings (text boxes) and headers/footers (not document text here), images, comments.
Uses no document the independent check uses.

--manual-headings (report evals/results/odt_manual_<set>.md): the same files with their headings formatted by
hand, as in reports and memos written without heading styles: each text:h outside tables becomes a text:p
whose paragraph style (or a span around its text) is bold and/or larger by level, the style varying by file
(evals/_measure_office.py VARIANTS; `manual` here writes them into out/odt_manual_corpus/). The truth is the
styled file's, headings with their levels (text:outline-level), and here also each text:p in a heading style
(by its name, "Heading 2" or "Title", or its default outline level; rewritten as the text:h are); also counted: headings at the right nesting and
false headings, as in measure_docx --manual-headings; the other columns are as above and should not change.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals._measure_office import (VARIANTS, MonoRuns, cli, columns, in_turn, load, manual_render,  # noqa: E402
                                   manual_score, score, table, variant)
from evals.measure_docx import COLS, SETS  # noqa: E402  (the same split, fixed before any run)
from evals.measure_html import _fold, _words  # noqa: E402

PACKAGES = "postgresql-doc-15 cmake-doc apache2-doc debian-reference-en developers-reference libreoffice-writer-nogui"
CORPUS = ROOT / "out" / "odt_corpus"
MANUAL = ROOT / "out" / "odt_manual_corpus"  # the corpus with hand-made headings (--manual-headings), rewritten on each run
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
SVG = "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
XLINK = "{http://www.w3.org/1999/xlink}"
FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
_MONO = re.compile(r"mono|courier|consolas|menlo|monaco|typewriter|fixed|code", re.I)
_OUTSIDE = {TEXT + "note", OFFICE + "annotation", DRAW + "frame", TEXT + "tracked-changes"}
_INDEXES = {TEXT + k for k in ("table-of-content", "alphabetical-index", "illustration-index", "table-index", "object-index",
                               "user-index", "bibliography")}


def convert(html: Path) -> Path:
    """The page saved as .odt by LibreOffice (cached)."""
    dest = CORPUS / f"{html.parent.name}-{html.stem}.odt"
    if not dest.exists():
        tmp = CORPUS / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        subprocess.run(["soffice", "-env:UserInstallation=file:///tmp/odt_lo_profile", "--headless", "--convert-to", "odt",
                        "--outdir", str(tmp), str(html)], check=True, capture_output=True, timeout=300)
        (tmp / f"{html.stem}.odt").rename(dest)
    return dest


class Fonts:
    """Style name -> font along style:parent-style-name; font name -> monospaced, from the font-face declarations."""

    def __init__(self, z: zipfile.ZipFile, content):
        from lxml import etree

        roots = [etree.fromstring(z.read("styles.xml"))] if "styles.xml" in z.namelist() else []
        roots.append(content)
        self.styles: dict[tuple[str, str], object] = {}
        self.faces: dict[str, bool] = {}
        self.default = ""
        for root in roots:
            for s in root.iter(STYLE + "style"):
                self.styles[(s.get(STYLE + "family"), s.get(STYLE + "name"))] = s
            for f in root.iter(STYLE + "font-face"):
                self.faces[f.get(STYLE + "name")] = (f.get(STYLE + "font-pitch") == "fixed"
                                                     or bool(_MONO.search(f"{f.get(STYLE + 'name')} {f.get(SVG + 'font-family') or ''}")))
            for d in root.iter(STYLE + "default-style"):
                tp = d.find(STYLE + "text-properties")
                if d.get(STYLE + "family") == "paragraph" and tp is not None and tp.get(STYLE + "font-name"):
                    self.default = tp.get(STYLE + "font-name")

    def font(self, family: str, name: str | None) -> str | None:
        seen = set()
        while name and (family, name) in self.styles and name not in seen:
            seen.add(name)
            s = self.styles[(family, name)]
            tp = s.find(STYLE + "text-properties")
            if tp is not None and tp.get(STYLE + "font-name"):
                return tp.get(STYLE + "font-name")
            name = s.get(STYLE + "parent-style-name")
        return None

    def level(self, name: str | None) -> int | None:
        """The heading level a paragraph style gives by its name ("Heading 2": 2, "Title": 0, as displayed, a
        style the file names without defining it by that name) or its default outline level, along its parents."""
        seen = set()
        while name and name not in seen:
            seen.add(name)
            s = self.styles.get(("paragraph", name))
            shown = re.sub(r"_([0-9a-fA-F]{2})_", lambda m: chr(int(m.group(1), 16)), (s.get(STYLE + "display-name") if s is not None else None) or name)
            if m := re.fullmatch(r"heading\s*(\d+)|title", shown, re.I):
                return int(m.group(1)) if m.group(1) else 0
            if s is None:
                return None
            if (o := s.get(STYLE + "default-outline-level") or "").isdigit():
                return int(o)
            name = s.get(STYLE + "parent-style-name")
        return None

    def mono(self, font: str | None) -> bool:
        return bool(font) and self.faces.get(font, bool(_MONO.search(font)))


def _pieces(el, font: str | None, fonts: Fonts, out: list, in_link: bool = False) -> None:
    """(text, font, in an in-document link) pieces of an element's visible text, tails included."""
    if el.text:
        out.append((el.text, font, in_link))
    for c in el:
        if not isinstance(c.tag, str) or c.tag in _OUTSIDE:
            pass
        elif c.tag == TEXT + "s":
            out.append((" " * int(c.get(TEXT + "c") or 1), font, in_link))
        elif c.tag in (TEXT + "tab", TEXT + "line-break"):
            out.append((" " if c.tag == TEXT + "tab" else "\n", font, in_link))
        elif c.tag == TEXT + "span":
            _pieces(c, fonts.font("text", c.get(TEXT + "style-name")) or font, fonts, out, in_link)
        elif c.tag == TEXT + "a":
            _pieces(c, font, fonts, out, in_link or (c.get(XLINK + "href") or "").startswith("#"))
        else:
            _pieces(c, font, fonts, out, in_link)
        if c.tail:
            out.append((c.tail, font, in_link))


def _text(el) -> str:
    out: list = []
    _pieces(el, None, _NO_FONTS, out)
    return "".join(t for t, _, _ in out)


class _NoFonts:
    def font(self, family, name):
        return None


_NO_FONTS = _NoFonts()


def truth(path: Path, styled: bool = False) -> dict:
    """What the file holds, read from its XML; with `styled`, a text:p in a heading style (by its name or
    default outline level: `Fonts.level`) is a heading too (the --manual-headings truth: rewritten like text:h)."""
    from lxml import etree

    z = zipfile.ZipFile(path)
    content = etree.fromstring(z.read("content.xml"))
    fonts = Fonts(z, content)
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    paras, heads, lists, rows, links, words, levels = [], [], [], [], [], [], []
    runs = MonoRuns()

    for p in body.iter(TEXT + "p", TEXT + "h"):
        anc = [a.tag for a in p.iterancestors()]
        if _OUTSIDE & set(anc):
            continue
        pieces: list = []
        _pieces(p, fonts.font("paragraph", p.get(TEXT + "style-name")) or fonts.default, fonts, pieces)
        raw = "".join(t for t, _, _ in pieces)
        text = _fold(raw)
        if not _words(text):
            continue
        words += _words(text)
        in_table = TABLE + "table-cell" in anc
        in_index = bool(_INDEXES & set(anc))
        mono = not in_table and all(fonts.mono(f) for t, f, _ in pieces if _words(t))
        if not mono:
            runs.end()
        if (p.tag == TEXT + "h" or (styled and fonts.level(p.get(TEXT + "style-name")) is not None and not in_table)) and not in_index:
            heads.append(text)
            levels.append(_level(p) if p.tag == TEXT + "h" else fonts.level(p.get(TEXT + "style-name")))
            continue
        linked = _fold("".join(t for t, _, link in pieces if link))
        if (linked == text and not in_table) or in_index:
            links.append(text)
            continue
        if p.getparent().tag in (TEXT + "list-item", TEXT + "list-header"):
            if not in_table:  # (a list inside a table cell is part of its row)
                lists.append(text)
            continue
        if not in_table:
            if mono:
                runs.add(raw)
            elif len(text.split()) >= 8:
                paras.append(text)
    runs.end()
    for tr in body.iter(TABLE + "table-row"):
        if tr.find(f".//{TABLE}table") is not None or _OUTSIDE & {a.tag for a in tr.iterancestors()}:
            continue
        cells = [_fold(" ".join(_text(p) for p in tc.iter(TEXT + "p", TEXT + "h"))) for tc in tr.iter(TABLE + "table-cell")]
        cells = [c for c in cells if _words(c)]
        if len(cells) >= 2:
            rows.append(cells)
    notes = [_fold(" ".join(_text(p) for p in nb.iter(TEXT + "p", TEXT + "h"))) for nb in body.iter(TEXT + "note-body")]
    return {"words": words, "paragraphs": paras, "headings": heads, "code": runs.code, "lists": lists, "rows": rows, "links": links,
            "note_words": _words(" ".join(notes)), "levels": levels}


def _level(h) -> int:
    v = h.get(TEXT + "outline-level") or "1"
    return max(1, int(v)) if v.isdigit() else 1


def measure(path: Path, n_samples: int = 0) -> dict:
    return score(path.name, truth(path), load(path), n_samples, link_kinds=("toc", "index"))


def _size(roots: list, name: str | None) -> float | None:
    """The font size in points a paragraph style gives, along style:parent-style-name, else the default paragraph style's."""
    by = {s.get(STYLE + "name"): s for r in roots for s in r.iter(STYLE + "style") if s.get(STYLE + "family") == "paragraph"}
    seen = set()
    while name and name in by and name not in seen:
        seen.add(name)
        tp = by[name].find(STYLE + "text-properties")
        if tp is not None and (tp.get(FO + "font-size") or "").endswith("pt"):
            return float(tp.get(FO + "font-size")[:-2])
        name = by[name].get(STYLE + "parent-style-name")
    for r in roots:
        for d in r.iter(STYLE + "default-style"):
            tp = d.find(STYLE + "text-properties")
            if d.get(STYLE + "family") == "paragraph" and tp is not None and (tp.get(FO + "font-size") or "").endswith("pt"):
                return float(tp.get(FO + "font-size")[:-2])
    return None


def manual(path: Path, dest: Path, style: str) -> Path:
    """`path` rewritten to `dest` with its headings formatted by hand in `style` (_measure_office.VARIANTS): each
    text:h outside tables, indexes, notes and drawings becomes a text:p (no outline level, no number) in a new
    automatic paragraph style, as LibreOffice writes direct formatting: based on the body's paragraph style
    ("bold, larger", "larger only") or on Default Paragraph Style ("mixed") and setting the weight and size by
    level; "bold only" instead keeps Default Paragraph Style and wraps the text in a bold text:span (Ctrl+B on
    the selected text)."""
    from lxml import etree

    z = zipfile.ZipFile(path)
    content = etree.fromstring(z.read("content.xml"))
    roots = [etree.fromstring(z.read("styles.xml")), content]
    autos = {s.get(STYLE + "name"): s for s in content.iter(STYLE + "style")}
    fonts = Fonts(z, content)
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    used: Counter = Counter()
    todo = []
    for p in body.iter(TEXT + "p", TEXT + "h"):
        anc = {a.tag for a in p.iterancestors()}
        if anc & (_OUTSIDE | _INDEXES | {TABLE + "table-cell"}):
            continue
        if p.tag == TEXT + "h" or fonts.level(p.get(TEXT + "style-name")) is not None:
            todo.append(p)
        elif TEXT + "list-item" not in anc and _words(_text(p)):
            name = p.get(TEXT + "style-name")
            name = autos[name].get(STYLE + "parent-style-name") if name in autos else name  # (an automatic style: its parent)
            used[name] += len(_text(p))
    body_style = used.most_common(1)[0][0] if used else "Standard"
    body_size = _size(roots, body_style) or 12.0
    auto = content.find(OFFICE + "automatic-styles")
    made = set()
    for h in todo:
        level = _level(h) if h.tag == TEXT + "h" else fonts.level(h.get(TEXT + "style-name"))
        bold, more, extra = VARIANTS[style](level)
        h.tag = TEXT + "p"
        for a in ("outline-level", "is-list-header", "restart-numbering", "start-value"):
            h.attrib.pop(TEXT + a, None)
        for n in h.findall(TEXT + "number"):
            if n.tail:
                prev = n.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + n.tail
                else:
                    h.text = (h.text or "") + n.tail
            h.remove(n)
        props = {FO + "font-weight": "bold" if bold else "normal", FO + "font-size": f"{body_size + more:g}pt",
                 **({FO + "text-transform": "uppercase"} if extra == "caps" else {}), **({FO + "font-style": "italic"} if extra == "italic" else {}),
                 **({STYLE + "text-underline-style": "solid"} if extra == "underline" else {})}
        if style == "bold only":
            name, family, parent = "MHT", "text", None
            span = etree.Element(TEXT + "span", {TEXT + "style-name": name})
            span.text, h.text = h.text, None
            for c in list(h):
                span.append(c)
            h.append(span)
            h.set(TEXT + "style-name", "Standard")
        else:
            name, family, parent = f"MH{level}", "paragraph", body_style if style != "mixed" else "Standard"
            h.set(TEXT + "style-name", name)
        if name not in made:
            made.add(name)
            s = etree.SubElement(auto, STYLE + "style", {STYLE + "name": name, STYLE + "family": family})
            if parent:
                s.set(STYLE + "parent-style-name", parent)
            etree.SubElement(s, STYLE + "text-properties", props)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for item in z.infolist():
            out.writestr(item, etree.tostring(content, xml_declaration=True, encoding="UTF-8") if item.filename == "content.xml" else z.read(item))
    return dest


def measure_manual(path: Path, n_samples: int = 0) -> dict:
    """The row of `path` rewritten with hand-made headings (`manual`), against the styled file's truth."""
    style = variant(path.name)
    dest = manual(path, MANUAL / path.name, style)
    return manual_score(path.name, truth(path, styled=True), load(dest), load(path), style, n_samples, link_kinds=("toc", "index"))


def render(rows: list[dict], which: str, vers: str) -> str:
    cmd = f"python -m evals.measure_odt --set {which}" if which != "files" else "python -m evals.measure_odt --odt FILE ..."
    lines = ["# ODT extraction: what of each OpenDocument Text file's content the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}; converter: {vers}). Counts from each file's own XML "
             "(evals/measure_odt.py says how each is counted). No before: .odt was not read before rag/odf.py.", "",
             *table(rows, columns(COLS))]
    return "\n".join(lines) + "\n"


render_manual = manual_render("ODT", "measure_odt", "odt", PACKAGES, "converter", COLS)


def _in_turn(paths: list[Path]) -> list[Path]:
    in_turn([p.name for p in paths])
    return paths


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    hand = "--manual-headings" in argv  # (see the module's docstring)
    if hand:
        argv.remove("--manual-headings")
    return cli(argv, description=__doc__.splitlines()[0], name="odt_manual" if hand else "odt", files=("odt", "measure these files instead of a set"),
               sets=SETS, packages=PACKAGES, paths=lambda pages: (_in_turn if hand else list)([convert(p) for p in map(Path, pages) if p.exists()]),
               measure=measure_manual if hand else measure, render=render_manual if hand else render, tools=("soffice",), before=hand)


if __name__ == "__main__":
    raise SystemExit(main())
