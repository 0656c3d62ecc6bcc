"""Two-column PDFs for the extraction measure: SQLite's pages (public domain) typeset in two columns.

    python -m evals.twocol            # -> out/twocol_corpus/{groff,reportlab}-<page>.pdf
    python -m evals.measure_extraction --set twocol-dev|twocol-heldout

No manual installed here is set in two columns, so the text of SQLite's pages (sqlite3-doc) is set in
two by two typesetters: groff's ms macros (`.2C`, numbered `.NH` section headings, indented `.PP`
paragraphs; groff + ghostscript from Debian) and reportlab's frames (Heading2 headings, block
paragraphs). Each page gives its <p> paragraphs of 20+ words, a section heading before every 8th.
Which pages are dev and which held out is fixed in evals/measure_extraction.py (SETS).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "out" / "twocol_corpus"
PAGES = "/usr/share/doc/sqlite3"


def paragraphs(html: Path) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    paras = [" ".join(p.get_text(" ", strip=True).split()) for p in soup.find_all("p")]
    return [p for p in paras if len(p.split()) >= 20]


def groff(paras: list[str], title: str, dest: Path) -> None:
    out = [".TL", title, ".2C"]
    for i, p in enumerate(paras):
        if i % 8 == 0:
            out += [".NH", f"Part {i // 8 + 1} of {title}"]
        out += [".PP", "\\&" + p.replace("\\", "\\e")]
    pdf = subprocess.run(["groff", "-k", "-ms", "-Tpdf"], input=("\n".join(out) + "\n").encode(), capture_output=True, check=True).stdout
    dest.write_bytes(pdf)


def reportlab(paras: list[str], title: str, dest: Path) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    ss = getSampleStyleSheet()
    doc = BaseDocTemplate(str(dest), pagesize=A4, title=title, invariant=1)
    w, h = A4
    m, gap = 50, 20
    cw = (w - 2 * m - gap) / 2
    doc.addPageTemplates([PageTemplate(id="two", frames=[Frame(m, m, cw, h - 2 * m, id="c1"), Frame(m + cw + gap, m, cw, h - 2 * m, id="c2")])])
    story = [Paragraph(escape(title), ss["Title"])]
    for i, p in enumerate(paras):
        if i % 8 == 0:
            story.append(Paragraph(f"Part {i // 8 + 1} of {escape(title)}", ss["Heading2"]))
        story.append(Paragraph(escape(p), ss["BodyText"]))
    doc.build(story)


def build(names: list[str]) -> list[Path]:
    out = []
    for name in names:
        html = Path(PAGES) / f"{name}.html"
        paras = paragraphs(html)
        for kind, make in (("groff", groff), ("reportlab", reportlab)):
            dest = CORPUS / f"{kind}-{name}.pdf"
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                make(paras, name, dest)
            out.append(dest)
    return out


if __name__ == "__main__":
    from evals.measure_extraction import SETS

    for p in build(sorted({Path(x).stem.split("-", 1)[1] for k in ("twocol-dev", "twocol-heldout") for x in SETS[k]})):
        print(p)
    sys.exit(0)
