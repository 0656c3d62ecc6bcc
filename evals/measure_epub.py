"""EPUB extraction (rag/epub.py) on the EPUBs Debian ships: what of each book's XHTML the document keeps.

    python -m evals.measure_epub [--epub FILE ...] [--out evals/results/epub.md]

For every document in the book's reading order (spine), counted from the XHTML itself as
evals/measure_html.py counts a web page (outside nav/header/footer/aside): <p> paragraphs of 8+
words kept, <pre> kept as `code`, table rows kept as rows; then, over the whole book, the quotable
sentences with an artefact (evals/readability.py) and the headings (h1-h6) kept as `heading` blocks.
The two books were read while rag/epub.py was written (there is no held-out EPUB on this machine).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import readability  # noqa: E402
from evals.measure_html import _fold, _kept, _words, kept_paragraph, page_elements, row_kept  # noqa: E402

BOOKS = ["/usr/share/developers-reference/developers-reference.epub", "/usr/share/doc/debian-policy/policy.epub"]
PACKAGES = "developers-reference debian-policy"


def spine_documents(path: Path) -> list[str]:
    """The XHTML of each spine document, in reading order (the navigation document left out)."""
    from lxml import etree

    z = zipfile.ZipFile(path)
    rootfile = re.search(r'full-path="([^"]+)"', z.read("META-INF/container.xml").decode()).group(1)
    opf = etree.fromstring(z.read(rootfile))
    ns = "{http://www.idpf.org/2007/opf}"
    items = {it.get("id"): it for it in opf.iter(ns + "item")}
    base = rootfile.rsplit("/", 1)[0] + "/" if "/" in rootfile else ""
    out = []
    for ref in opf.iter(ns + "itemref"):
        it = items.get(ref.get("idref"))
        if it is not None and "nav" not in (it.get("properties") or "") and it.get("media-type") == "application/xhtml+xml":
            out.append(z.read(base + it.get("href")).decode("utf-8", "replace"))
    return out


def measure(path: Path) -> dict:
    from bs4 import BeautifulSoup

    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document
    from rag.loaders import load_file

    doc = load_file(path.resolve(), path.resolve().parent, 10**10)
    doc_words = " " + " ".join(_words(doc.text)) + " "
    by_kind: dict[str, list[str]] = {}
    for b in doc.blocks:
        kind = b.kind.replace("table_head", "table_row")  # a header row is a row too
        by_kind.setdefault(kind, []).append(" " + " ".join(_words(doc.text[b.start : b.end])) + " ")
    paras, pres, rows, heads = [], [], [], []
    for html in spine_documents(path):
        p, pre, rw = page_elements(html)
        paras += p
        pres += pre
        rows += rw
        heads += [_fold(h.get_text(" ")) for h in BeautifulSoup(html, "lxml").find_all(re.compile(r"^h[1-6]$")) if _words(h.get_text())]
    heading_words = {" ".join(b.split()) for b in by_kind.get("heading", [])}
    sentences = []
    for c in chunk_document(doc, 192, 0):
        sentences += [c.text[s:e] for s, e in quotable_spans(c)]
    return {"file": path.name, "title": doc.title, "paragraphs": len(paras),
            "paragraphs_lost": sum(not kept_paragraph(p, doc_words) for p in paras),
            "pre": len(pres), "pre_lost": sum(not any(" " + " ".join(_words(x)) + " " in c for c in by_kind.get("code", [])) for x in pres),
            "rows": len(rows), "rows_lost": sum(not row_kept(r, by_kind.get("table_row", [])) for r in rows),
            "headings": len(heads), "headings_lost": sum(" ".join(_words(h)) not in heading_words for h in heads),
            "sentences": len(sentences), "artefact": sum(bool(readability.artefacts(s)) for s in sentences),
            "blocks": {k: len(v) for k, v in sorted(by_kind.items())}}


def render(rows: list[dict]) -> str:
    lines = ["# EPUB extraction: what of each book's XHTML the document keeps", "",
             f"Regenerate: `python -m evals.measure_epub` (Debian packages {PACKAGES}). Counted from the spine documents' own "
             "elements (evals/measure_epub.py says how).", "",
             "| book | title | paragraphs kept | <pre> kept as code | table rows kept as rows | headings kept | quotable sentences | with an artefact | blocks |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['file']} | {r['title']} | {_kept(r['paragraphs'], r['paragraphs_lost'])} | {_kept(r['pre'], r['pre_lost'])} | "
                     f"{_kept(r['rows'], r['rows_lost'])} | {_kept(r['headings'], r['headings_lost'])} | {r['sentences']} | {r['artefact']} | "
                     + ", ".join(f"{k} {v}" for k, v in r["blocks"].items()) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epub", type=Path, nargs="+", default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "epub.md")
    a = ap.parse_args(argv)
    paths = [p for p in (a.epub or [Path(b) for b in BOOKS]) if p.exists()]
    if not paths:
        print(f"no books found: apt-get install {PACKAGES}", file=sys.stderr)
        return 2
    rows = [measure(p) for p in paths]
    a.out.write_text(render(rows))
    a.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    print(a.out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
