"""PPTX extraction (rag/slides.py) on decks as two free writers make them: what of each deck the document keeps.

    python -m evals.measure_pptx [--set dev|heldout | --pptx FILE ...] [--out evals/results/pptx_heldout.md]

There are no real decks on this machine (no .pptx or .odp in any installed or searched Debian package
but empty templates), so the decks are made: manual pages from Debian's doc packages turned into
slides by pandoc (HTML -> Markdown -> PPTX, one slide per section up to level 3: a title, body text
with bullets, tables, often in the "Content with Caption" layout) and the same decks saved again by
LibreOffice Impress (`soffice --convert-to pptx`: its own writer, positions on every shape, bullets
on every paragraph). Converted once into out/pptx_corpus/. This tests the reader against XML that two
real writers made, not against how people design slides (no notes, groups, SmartArt or footers here:
the unit tests cover those).
The truth is each deck's own XML, read here with lxml apart from rag/slides.py:
  * slides: presentation.xml's slide list through its relationships, hidden slides (show="0") apart;
  * words: every a:t on a shown slide (shapes, groups, tables; not mc:Fallback copies) and in the
    body of its notes page, as a multiset; words in slide-number/date/footer/header placeholders and
    slide-number/date fields apart (left out by design), counted as "boilerplate words";
  * words on their slide: each slide's words found in blocks whose page is that slide's number;
  * slides covered: shown slides with words that have at least one block;
  * titles: a title placeholder's text found as a `heading` on its slide;
  * slides in the writer's order: slides with 2+ paragraphs of 4+ words found, whose paragraphs (their
    first four words) come in the order the XML holds them (these writers write shapes in reading
    order; the reader orders them by position);
  * table rows: a:tr with 2+ non-empty cells (cells merged away not counted), cells in order in one
    `table_row` block (as measure_html counts rows);
  * extra words: words of the document text beyond the truth's (a duplicate, an artefact), the
    "Notes" headings apart;
  * quotable sentences with an artefact (evals/readability.py).
"""

from __future__ import annotations

import posixpath
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals._measure_office import Column, cli, col, load, quotable, table  # noqa: E402
from evals.measure_html import AP, CM, DR, DV, PG, _kept, _words, row_kept  # noqa: E402

# Fixed before the first run (2026-11-30): `dev` decks were read to find what goes wrong, `heldout` ones only measured.
SETS = {
    "dev": [f"{PG}/sql-select.html", f"{DR}/ch04.en.html", f"{AP}/mod/mod_rewrite.html", f"{CM}/manual/cmake-language.7.html"],
    "heldout": [f"{PG}/functions-string.html", f"{PG}/ddl-constraints.html", f"{CM}/manual/cmake-buildsystem.7.html",
                f"{AP}/mod/mod_proxy.html", f"{DR}/ch03.en.html", f"{DV}/beyond-pkging.html"],
}
PACKAGES = "postgresql-doc-15 cmake-doc apache2-doc debian-reference-en developers-reference libreoffice-impress-nogui pandoc"
CORPUS = ROOT / "out" / "pptx_corpus"
PML = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
DML = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
RNS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
BOILER = {"sldNum", "dt", "ftr", "hdr"}


def convert(html: Path) -> list[Path]:
    """The page as a pandoc deck and as that deck saved again by LibreOffice Impress (cached)."""
    name = f"{html.parent.name}-{html.stem}.pptx"
    pandoc, lo = CORPUS / "pandoc" / name, CORPUS / "libreoffice" / name
    if not pandoc.exists():
        pandoc.parent.mkdir(parents=True, exist_ok=True)
        md = subprocess.run(["pandoc", "-f", "html", "-t", "gfm-raw_html", str(html)], check=True, capture_output=True).stdout
        subprocess.run(["pandoc", "-f", "gfm", "-t", "pptx", "--slide-level=3", f"--resource-path={html.parent}", "-o", str(pandoc)],
                       input=md, check=True, capture_output=True)
    if not lo.exists():
        tmp = lo.parent / "tmp"
        subprocess.run(["soffice", "--headless", "--convert-to", "pptx:Impress MS PowerPoint 2007 XML", "--outdir", str(tmp), str(pandoc)],
                       check=True, capture_output=True, timeout=600)
        (tmp / name).rename(lo)
    return [pandoc, lo]


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    from lxml import etree

    d, base = posixpath.split(part)
    try:
        root = etree.fromstring(z.read(posixpath.join(d, "_rels", base + ".rels")))
    except KeyError:
        return {}
    return {r.get("Id"): posixpath.normpath(posixpath.join(d, r.get("Target"))) for r in root
            if r.get("TargetMode") != "External" and r.get("Target")}


def _ph_type(el) -> str | None:
    """The placeholder type of the shape holding `el` ("" for a placeholder without one), None outside placeholders."""
    for a in el.iterancestors(PML + "sp"):
        ph = a.find(f"{PML}nvSpPr/{PML}nvPr/{PML}ph")
        return None if ph is None else (ph.get("type") or "")
    return None


def _field(t) -> bool:
    f = t.getparent()
    return f.tag == DML + "fld" and (f.get("type") or "").startswith(("slidenum", "datetime"))


def _para(p, fields: bool = False) -> str:
    """A paragraph's text: its runs joined as they show (a word may span runs), a:br a space; with
    `fields`, only its slide-number and date fields' text."""
    return "".join(" " if t.tag == DML + "br" else (t.text or "") if _field(t) == fields else ""
                   for t in p.iter(DML + "t", DML + "br"))


def _texts(root):
    """(text, boilerplate?) of every paragraph, mc:Fallback copies left out; slide-number and date
    fields are boilerplate wherever they are."""
    for p in root.iter(DML + "p"):
        if not any(a.tag == FALLBACK for a in p.iterancestors()):
            boiler = _ph_type(p) in BOILER
            yield _para(p), boiler
            yield _para(p, fields=True), True


def truth(path: Path) -> dict:
    from lxml import etree

    z = zipfile.ZipFile(path)
    pres_part = "ppt/presentation.xml"
    pres = etree.fromstring(z.read(pres_part))
    rels = _rels(z, pres_part)
    out = {"slides": [], "hidden": 0, "boiler": []}
    for n, sid in enumerate(pres.iter(PML + "sldId"), 1):
        part = rels[sid.get(RNS + "id")]
        root = etree.fromstring(z.read(part))
        if root.get("show") == "0":
            out["hidden"] += 1
            continue
        words, titles, rows, paras = [], [], [], []
        for text, boiler in _texts(root):
            (out["boiler"] if boiler else words).extend(_words(text))
            if not boiler and len(_words(text)) >= 4:
                paras.append(" ".join(_words(text)[:4]))
        for sp in root.iter(PML + "sp"):
            ph = sp.find(f"{PML}nvSpPr/{PML}nvPr/{PML}ph")
            if ph is not None and ph.get("type") in ("title", "ctrTitle"):
                titles.append(" ".join(_para(p) for p in sp.iter(DML + "p")))
        for tr in root.iter(DML + "tr"):
            cells = [" ".join(_para(p) for p in tc.iter(DML + "p")) for tc in tr.findall(DML + "tc")
                     if tc.get("hMerge") != "1" and tc.get("vMerge") != "1"]
            cells = [c for c in cells if _words(c)]
            if len(cells) >= 2:
                rows.append(cells)
        slide_rels = _rels(z, part)
        for dm in root.iter(DGM + "relIds"):
            data = etree.fromstring(z.read(slide_rels[dm.get(RNS + "dm")]))
            for pt in data.iter(DGM + "pt"):
                if pt.get("type", "node") in ("node", "asst"):
                    words += [w for p in pt.iter(DML + "p") for w in _words(_para(p))]
        notes = next((p for p in slide_rels.values() if "notesSlides/" in p), None)
        if notes:
            nroot = etree.fromstring(z.read(notes))
            words += [w for p in nroot.iter(DML + "p") if _ph_type(p) == "body" for w in _words(_para(p))]
        out["slides"].append({"n": n, "words": words, "titles": titles, "rows": rows, "paras": paras})
    return out


def measure(path: Path) -> dict:
    t = truth(path)
    doc = load(path)
    text, blocks = doc.text, doc.blocks
    on_page: dict[int, list] = {}
    for b in blocks:
        on_page.setdefault(doc.page_at(b.start), []).append(b)
    ordered = in_order = 0
    words = kept = on_slide = covered = with_words = titles = titles_lost = rows = rows_lost = 0
    want_all = Counter()
    for s in t["slides"]:
        mine = on_page.get(s["n"], [])
        have_here = Counter(w for b in mine for w in _words(text[b.start:b.end]))
        want = Counter(s["words"])
        want_all += want
        words += len(s["words"])
        on_slide += sum(min(n, have_here[k]) for k, n in want.items())
        if s["words"]:
            with_words += 1
            covered += bool(mine)
        heads = {" ".join(_words(text[b.start:b.end])) for b in mine if b.kind == "heading"}
        for h in s["titles"]:
            if _words(h):
                titles += 1
                titles_lost += " ".join(_words(h)) not in heads
        here = " ".join(w for b in mine for w in _words(text[b.start:b.end]))
        pos, found, ok = -1, 0, True
        for r in s["paras"]:  # each after the one before (a run can open two paragraphs)
            i = here.find(r, pos + 1)
            if i >= 0:
                pos, found = i, found + 1
            elif r in here:
                found, ok = found + 1, False
        if found >= 2:
            ordered += 1
            in_order += ok
        row_blocks = [" " + " ".join(_words(text[b.start:b.end])) + " " for b in mine if b.kind in ("table_row", "table_head")]
        for r in s["rows"]:
            rows += 1
            rows_lost += not row_kept(r, row_blocks)
    have = Counter(_words(text))
    kept = sum(min(n, have[k]) for k, n in want_all.items())
    notes_headings = sum(1 for b in blocks if b.kind == "heading" and text[b.start:b.end] == "Notes")
    extra = sum((have - want_all).values()) - notes_headings
    sentences, bad, _ = quotable(doc)
    boiler_left = sum(min(n, have[k]) for k, n in Counter(t["boiler"]).items() if k not in want_all)
    return {"file": f"{path.parent.name}/{path.name}", "slides": len(t["slides"]), "hidden": t["hidden"], "slides_with_words": with_words,
            "slides_covered": covered, "words": words, "words_kept": kept, "words_on_slide": on_slide, "titles": titles,
            "titles_lost": titles_lost, "ordered": ordered, "in_order": in_order, "rows": rows, "rows_lost": rows_lost, "extra_words": extra, "boiler_words": len(t["boiler"]),
            "boiler_words_kept": boiler_left, "sentences": len(sentences), "artefact": len(bad), "artefact_samples": bad[:5],
            "blocks": dict(Counter(b.kind for b in blocks))}


def _pct(a: int, n: int) -> str:
    return f"{a}/{n} ({100 * a / n:.1f}%)" if n else "–"


COLUMNS = [col("deck", "file"), Column("slides covered", lambda r: _kept(r["slides_with_words"], r["slides_with_words"] - r["slides_covered"])),
           Column("words kept", lambda r: _pct(r["words_kept"], r["words"])),
           Column("words on their slide", lambda r: _pct(r["words_on_slide"], r["words"])),
           Column("titles as headings", lambda r: _kept(r["titles"], r["titles_lost"])),
           Column("slides in the writer's order", lambda r: _kept(r["ordered"], r["ordered"] - r["in_order"])),
           Column("table rows as rows", lambda r: _kept(r["rows"], r["rows_lost"])), col("extra words", "extra_words"),
           Column("boilerplate words kept", lambda r: f"{r['boiler_words_kept']}/{r['boiler_words']}"),
           col("quotable sentences", "sentences"), col("with an artefact", "artefact")]


def render(rows: list[dict], which: str, vers: str) -> str:
    cmd = f"python -m evals.measure_pptx --set {which}" if which != "files" else "python -m evals.measure_pptx --pptx FILE ..."
    lines = ["# PPTX extraction: what of each deck's text the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}; writers: {vers}). Made decks, not real ones: pandoc's and "
             "LibreOffice Impress's PPTX of manual pages (evals/measure_pptx.py says how each is made and counted).", "",
             *table(rows, COLUMNS)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    return cli(argv, description=__doc__.splitlines()[0], name="pptx", files=("pptx", "measure these decks instead of a set"), sets=SETS,
               packages=PACKAGES, paths=lambda pages: [d for p in map(Path, pages) if p.exists() for d in convert(p)],
               measure=lambda path, _: measure(path), render=render, tools=("soffice", "pandoc"), before=False, samples=False,
               ensure_ascii=False)


if __name__ == "__main__":
    raise SystemExit(main())
