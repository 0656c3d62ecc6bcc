"""DOCX extraction (rag/markup.py `docx_blocks`) on Word files as editors write them: what the document keeps.

    python -m evals.measure_docx [--set dev|heldout | --docx FILE ...] [--out evals/results/docx_heldout.md]
                                 [--before OLD.json] [--samples N] [--manual-headings]

The files: manuals' web pages saved as Word by LibreOffice Writer (`soffice --convert-to docx`) and by
pandoc, the two free producers of .docx most documents pass through. Converted once into
out/docx_corpus/, with the converters' versions in the report. The truth is each file's own XML
(word/document.xml, styles.xml, footnotes.xml), read here with lxml, not with python-docx:
  * words kept: the body's words (w:t, outside deleted text and mc:Fallback copies) found in the
    document text, as a multiset; footnote and endnote words apart;
  * paragraphs kept: each body paragraph of 8+ words outside tables, as in measure_html (90% of
    its 4-word runs in the document's words);
  * headings kept: paragraphs with an outline level (direct, or by their style and what it is based
    on) or a built-in heading/Title style, found as a `heading` block with the same words;
  * code kept as code: multi-line stretches of monospace, i.e. a paragraph holding a line break, or
    2+ paragraphs in a row, whose every character is in a monospaced font (the run's font, its
    character style, the paragraph style, the document defaults): the first line's words found in a
    `code` block;
  * table rows kept as rows: each w:tr of 2+ cells with words (not holding a table), cells in order
    in one `table_row` block;
  * list items kept: paragraphs numbered by w:numPr (direct or by style) outside tables, in a
    `list_item` block;
  * link lists kept out of quotes: paragraphs whose text is all inside links to places in the same
    document (w:hyperlink w:anchor: Word's TOC entries, a chapter's list of its sections), found in a
    `toc` block; they count here, not as list items or paragraphs;
  * quotable sentences with an artefact (evals/readability.py) and navigation-only ones.
Left out: text boxes and headers/footers (not document text here), images, comments.
Uses no document the independent check uses.

--manual-headings (report evals/results/docx_manual_<set>.md): the same files with their headings formatted by
hand, as in reports and memos written without heading styles: each heading-styled paragraph outside tables
becomes a body paragraph (the body's style or Normal, no outline level) whose runs are bold and/or larger by
level, the style varying by file (evals/_measure_office.py VARIANTS; `manual` here writes them into
out/docx_manual_corpus/). The truth is the styled file's, headings with their levels; also counted: headings at
the right nesting (the section path has the truth path's words) and false headings (`heading` blocks that are no
heading of the truth); the other columns are as above and should not change.
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

from evals._measure_office import (VARIANTS, MonoRuns, cli, columns, load, manual_render, manual_score, score,  # noqa: E402
                                   in_turn, table, variant)
from evals.measure_html import AP, CM, DR, DV, PG, _fold, _words  # noqa: E402

# Split before the first run (2026-11-30), pages none of the HTML sets use: `dev` files were read to find what
# goes wrong, `heldout` ones only measured, once before a change and once after. Each page is saved by both converters.
SETS = {
    "dev": [f"{PG}/sql-insert.html", f"{PG}/datatype-character.html", f"{CM}/command/find_package.html", f"{AP}/mod/mod_alias.html",
            f"{DR}/ch04.en.html", f"{DV}/pkgs.html"],
    "heldout": [f"{PG}/sql-update.html", f"{PG}/datatype-json.html", f"{PG}/runtime-config-logging.html", f"{CM}/command/target_link_libraries.html",
                f"{CM}/manual/cmake-properties.7.html", f"{AP}/mod/mod_ssl.html", f"{AP}/urlmapping.html", f"{DR}/ch05.en.html",
                f"{DR}/ch06.en.html", f"{DV}/resources.html", f"{DV}/tools.html"],
}
PACKAGES = "postgresql-doc-15 cmake-doc apache2-doc debian-reference-en developers-reference libreoffice-writer-nogui pandoc"
CORPUS = ROOT / "out" / "docx_corpus"
MANUAL = ROOT / "out" / "docx_manual_corpus"  # the corpus with hand-made headings (--manual-headings), rewritten on each run
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MONO = re.compile(r"mono|courier|consolas|menlo|monaco|typewriter|fixed|code", re.I)


def convert(html: Path) -> list[Path]:
    """The page saved as .docx by LibreOffice and by pandoc (cached)."""
    name = f"{html.parent.name}-{html.stem}.docx"
    out = []
    for conv in ("libreoffice", "pandoc"):
        dest = CORPUS / conv / name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            if conv == "pandoc":
                subprocess.run(["pandoc", "-f", "html", "-t", "docx", "-o", str(dest), str(html)], check=True, capture_output=True)
            else:
                tmp = dest.parent / "tmp"
                subprocess.run(["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp), str(html)],
                               check=True, capture_output=True, timeout=300)
                (tmp / f"{html.stem}.docx").rename(dest)
        out.append(dest)
    return out


class Styles:
    """styles.xml resolved along w:basedOn: outline level, numbering and monospace font."""

    def __init__(self, z: zipfile.ZipFile):
        from lxml import etree

        self.by_id: dict[str, object] = {}
        self.default_font = ""
        self.default_size: int | None = None
        if "word/styles.xml" in z.namelist():
            root = etree.fromstring(z.read("word/styles.xml"))
            for s in root.iter(W + "style"):
                self.by_id[s.get(W + "styleId")] = s
            f = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
            self.default_font = (f.get(W + "ascii") or "") if f is not None else ""
            sz = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}sz")
            self.default_size = int(sz.get(W + "val")) if sz is not None else None

    def chain(self, sid: str | None):
        seen = set()
        while sid and sid in self.by_id and sid not in seen:
            seen.add(sid)
            s = self.by_id[sid]
            yield s
            b = s.find(W + "basedOn")
            sid = b.get(W + "val") if b is not None else None

    def outline(self, sid: str | None) -> bool:
        return self.level(sid) is not None

    def level(self, sid: str | None) -> int | None:
        """The heading level the style gives (outline level + 1, "heading N": N, "title": 0), else None."""
        for s in self.chain(sid):
            name = (s.find(W + "name").get(W + "val") if s.find(W + "name") is not None else "").lower()
            o = s.find(f"{W}pPr/{W}outlineLvl")
            if m := re.fullmatch(r"heading (\d)|title", name):
                return int(m.group(1)) if m.group(1) else 0
            if o is not None and int(o.get(W + "val", "9")) < 9:
                return int(o.get(W + "val")) + 1
        return None

    def size(self, sid: str | None) -> int | None:
        """The font size (half-points) the style gives, along w:basedOn."""
        for s in self.chain(sid):
            if (v := _val(s, f"{W}rPr/{W}sz")) is not None:
                return int(v)
        return None

    def numbered(self, sid: str | None) -> bool:
        return any(s.find(f"{W}pPr/{W}numPr") is not None for s in self.chain(sid))

    def font(self, sid: str | None) -> str | None:
        for s in self.chain(sid):
            f = s.find(f"{W}rPr/{W}rFonts")
            if f is not None and f.get(W + "ascii"):
                return f.get(W + "ascii")
        return None


def _val(el, path: str) -> str | None:
    x = el.find(path)
    return x.get(W + "val") if x is not None else None


def _text(el) -> str:
    """Visible text of an element: w:t, tabs and breaks, outside deleted text and mc:Fallback copies."""
    parts = []
    for x in el.iter(W + "t", W + "tab", W + "br", W + "cr"):
        if any(a.tag in (W + "del", "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback") for a in x.iterancestors()):
            continue
        parts.append(x.text or "" if x.tag == W + "t" else " " if x.tag == W + "tab" else "\n")
    return "".join(parts)


def truth(path: Path) -> dict:
    """What the file holds, read from its XML."""
    from lxml import etree

    z = zipfile.ZipFile(path)
    st = Styles(z)

    def mono(p) -> bool:
        if any(a.tag == W + "tbl" for a in p.iterancestors()):
            return False
        fonts = []
        for r in p.iter(W + "r"):
            if _words(_text(r)):
                f = r.find(f"{W}rPr/{W}rFonts")
                fonts.append((f.get(W + "ascii") if f is not None else None) or st.font(_val(r, f"{W}rPr/{W}rStyle"))
                             or st.font(_val(p, f"{W}pPr/{W}pStyle")) or st.default_font)
        return bool(fonts) and all(_MONO.search(f or "") for f in fonts)
    body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    paras, heads, lists, rows, links, words, levels = [], [], [], [], [], [], []
    runs = MonoRuns()

    for p in body.iter(W + "p"):
        if any(a.tag in (W + "txbxContent",) for a in p.iterancestors()):
            continue
        raw = _text(p)
        text = _fold(raw)
        if not _words(text):
            continue
        if not mono(p):
            runs.end()
        words += _words(text)
        sid = _val(p, f"{W}pPr/{W}pStyle")
        in_table = any(a.tag == W + "tbl" for a in p.iterancestors())
        lvl = _val(p, f"{W}pPr/{W}outlineLvl")
        if (lvl is not None and int(lvl) < 9) or st.outline(sid):
            heads.append(text)
            levels.append(int(lvl) + 1 if lvl is not None and int(lvl) < 9 else st.level(sid))
            continue
        linked = _fold("".join(_text(h) for h in p.iter(W + "hyperlink") if h.get(W + "anchor")))
        if linked == text and not in_table:
            links.append(text)
            continue
        if p.find(f"{W}pPr/{W}numPr") is not None or st.numbered(sid):
            if not in_table:  # (a list inside a table cell is part of its row)
                lists.append(text)
            continue
        if not in_table:
            if mono(p):
                runs.add(raw)
            elif len(text.split()) >= 8:
                paras.append(text)
    runs.end()
    for tr in body.iter(W + "tr"):
        if tr.find(f".//{W}tbl") is not None:
            continue
        cells = [_fold(" ".join(_text(p) for p in tc.iter(W + "p"))) for tc in tr.iter(W + "tc")]
        cells = [c for c in cells if _words(c)]
        if len(cells) >= 2:
            rows.append(cells)
    notes = []
    for part in ("word/footnotes.xml", "word/endnotes.xml"):
        if part in z.namelist():
            for n in etree.fromstring(z.read(part)):
                if n.get(W + "type") in (None, "normal"):
                    notes.append(_fold(_text(n)))
    return {"words": words, "paragraphs": paras, "headings": heads, "code": runs.code, "lists": lists, "rows": rows, "links": links,
            "note_words": _words(" ".join(notes)), "levels": levels}


def measure(path: Path, n_samples: int = 0) -> dict:
    return score(f"{path.parent.name}/{path.name}", truth(path), load(path), n_samples, code_line=lambda c: c.split("  ")[0])


def manual(path: Path, dest: Path, style: str) -> Path:
    """`path` rewritten to `dest` with its headings formatted by hand in `style` (_measure_office.VARIANTS): each
    heading-styled paragraph outside tables and text boxes gets the body's paragraph style ("bold, larger" and
    "larger only") or none, i.e. Normal ("bold only" and "mixed"), loses its outline level, and each of its runs
    gets bold and a size by level directly (w:b, w:sz; "mixed" also caps, underline or italic)."""
    from lxml import etree

    z = zipfile.ZipFile(path)
    st = Styles(z)
    root = etree.fromstring(z.read("word/document.xml"))
    body_styles: Counter = Counter()
    todo = []
    for p in root.find(W + "body").iter(W + "p"):
        if any(a.tag in (W + "txbxContent", W + "tbl") for a in p.iterancestors()):
            continue
        sid, lvl = _val(p, f"{W}pPr/{W}pStyle"), _val(p, f"{W}pPr/{W}outlineLvl")
        level = int(lvl) + 1 if lvl is not None and int(lvl) < 9 else st.level(sid)
        if level is not None:
            todo.append((p, level))
        elif (p.find(f"{W}pPr/{W}numPr") is None and not st.numbered(sid) and _words(_text(p))
              and not re.search(r"code|preformatted|verbatim|toc|contents|index|definition|term|list", sid or "", re.I)):  # (the body style: no code, lists, terms)
            body_styles[sid] += len(_text(p))
    body_sid = body_styles.most_common(1)[0][0] if body_styles else None
    body_size = st.size(body_sid) or st.default_size or 20  # (half-points; 10pt when nothing says)
    for p, level in todo:
        bold, more, extra = VARIANTS[style](level)
        ppr = p.find(W + "pPr")
        if ppr is None:
            ppr = etree.SubElement(p, W + "pPr")
            p.insert(0, ppr)
        for x in ppr.findall(W + "pStyle") + ppr.findall(W + "outlineLvl"):
            ppr.remove(x)
        if body_sid and style in ("bold, larger", "larger only"):
            etree.SubElement(ppr, W + "pStyle").set(W + "val", body_sid)
            ppr.insert(0, ppr[-1])
        for r in [ppr, *p.iter(W + "r")]:
            if r is not ppr and any(a.tag == W + "txbxContent" for a in r.iterancestors()):
                continue
            rpr = r.find(W + "rPr")
            if rpr is None:
                rpr = etree.Element(W + "rPr")
                r.insert(0, rpr) if r is not ppr else ppr.append(rpr)
            for x in list(rpr):
                if x.tag in (W + "b", W + "bCs", W + "sz", W + "szCs", W + "caps", W + "u", W + "i"):
                    rpr.remove(x)
            etree.SubElement(rpr, W + "b").set(W + "val", "true" if bold else "false")
            if extra == "caps":
                etree.SubElement(rpr, W + "caps")
            if extra == "italic":
                etree.SubElement(rpr, W + "i")
            etree.SubElement(rpr, W + "sz").set(W + "val", str(body_size + 2 * more))
            if extra == "underline":
                etree.SubElement(rpr, W + "u").set(W + "val", "single")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for item in z.infolist():
            out.writestr(item, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                         if item.filename == "word/document.xml" else z.read(item))
    return dest


def measure_manual(path: Path, n_samples: int = 0) -> dict:
    """The row of `path` rewritten with hand-made headings (`manual`), against the styled file's truth."""
    name = f"{path.parent.name}/{path.name}"
    style = variant(name)
    dest = manual(path, MANUAL / path.parent.name / path.name, style)
    return manual_score(name, truth(path), load(dest), load(path), style, n_samples, code_line=lambda c: c.split("  ")[0])


COLS = [("words kept", "words"), ("note words kept", "note_words"), ("paragraphs kept", "paragraphs"), ("headings kept", "headings"),
        ("code kept as code", "code"), ("list items kept", "lists"), ("link lists kept out of quotes", "links"),
        ("table rows kept as rows", "rows")]


def render(rows: list[dict], which: str, vers: str, before: list[dict] | None = None, before_name: str = "") -> str:
    cmd = f"python -m evals.measure_docx --set {which}" if which != "files" else "python -m evals.measure_docx --docx FILE ..."
    lines = ["# DOCX extraction: what of each Word file's content the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}; converters: {vers}). Counts from each file's own XML "
             "(evals/measure_docx.py says how each is counted)" + (f"; before → after against `{before_name}`" if before else "") + ".", "",
             *table(rows, columns(COLS), before)]
    return "\n".join(lines) + "\n"


render_manual = manual_render("DOCX", "measure_docx", "docx", PACKAGES, "converters", COLS)


def _in_turn(paths: list[Path]) -> list[Path]:
    """(Each page is saved by both converters, one after the other: every second file starts from the other
    end of the styles, so that each converter's files get each style.)"""
    in_turn([f"{p.parent.name}/{p.name}" for p in paths], stride=2)
    return paths


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    hand = "--manual-headings" in argv  # (see the module's docstring)
    if hand:
        argv.remove("--manual-headings")
    return cli(argv, description=__doc__.splitlines()[0], name="docx_manual" if hand else "docx",
               files=("docx", "measure these files instead of a set"), sets=SETS, packages=PACKAGES,
               paths=lambda pages: _in_turn([d for p in map(Path, pages) if p.exists() for d in convert(p)]) if hand else
               [d for p in map(Path, pages) if p.exists() for d in convert(p)],
               measure=measure_manual if hand else measure, render=render_manual if hand else render, tools=("soffice", "pandoc"))


if __name__ == "__main__":
    raise SystemExit(main())
