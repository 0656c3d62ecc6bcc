"""HTML extraction (rag/markup.py) on manuals' web pages: what of the page's content the document keeps.

    python -m evals.measure_html [--set dev|heldout | --html FILE ...] [--out evals/results/html_heldout.md]
                                 [--before OLD.json] [--samples N]

Per page, from the page's own elements (outside nav/header/footer/aside, script and style):
  * paragraphs kept: each <p> of 8+ words whose words, in order, are in the document text
    (a paragraph counts as kept when 90% of its 4-word runs are there);
  * code kept as code: each <pre> whose first non-blank line's words sit in a `code` block;
  * table rows kept as rows: each <tr> of 2+ cells with words whose cells' words all sit in one
    `table_row` block, in order;
  * quotable sentences with an artefact (evals/readability.py), and navigation-only ones:
    a sentence made only of words such as Prev, Next, Up, Home, Contents.
Words are lower-cased \\w+ runs, so that spacing around inline markup does not count. Elements
whose class or id names navigation (nav, header, footer, menu, breadcrumb, sidebar) are left out.
Left out: whether a heading is the right level, lists (a <li> is often navigation), images.
Uses no document the independent check uses.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import readability  # noqa: E402

PG, CM, AP, DR, DV = ("/usr/share/doc/postgresql-doc-15/html", "/usr/share/doc/cmake-data/html", "/usr/share/doc/apache2-doc/manual/en",
                      "/usr/share/debian-reference", "/usr/share/developers-reference")
# Split before the first run (2026-11-30): `dev` pages were read to find what goes wrong, `heldout` ones only measured.
SETS = {
    "dev": [f"{PG}/sql-createtable.html", f"{PG}/datatype-numeric.html", f"{CM}/command/add_custom_command.html",
            f"{AP}/mod/mod_rewrite.html", f"{DR}/ch01.en.html", f"{DV}/best-pkging-practices.html", "/usr/share/doc/bash/bash.html"],
    "heldout": [f"{PG}/sql-select.html", f"{PG}/datatype-datetime.html", f"{PG}/runtime-config-resource.html",
                f"{CM}/command/install.html", f"{CM}/manual/cmake-variables.7.html", f"{AP}/mod/core.html", f"{AP}/vhosts/examples.html",
                f"{DR}/ch02.en.html", f"{DR}/ch03.en.html", f"{DV}/developer-duties.html", "/usr/share/doc/bash/bashref.html"],
}
PACKAGES = "postgresql-doc-15 cmake-doc apache2-doc debian-reference-en developers-reference bash-doc"
_NAV_CLASS = re.compile(r"nav|header|footer|menu|breadcrumb|sidebar|toplang|bottomlang", re.I)
_NAV = {"prev", "previous", "next", "up", "home", "top", "contents", "index", "table", "of", "toc", "back", "search", "menu",
        "skip", "to", "content", "main", "navigation", "chapter", "part", "section"}


def _fold(s: str) -> str:
    return " ".join(s.split())


def _words(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def page_elements(html: str):
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "lxml")  # closes an unclosed <P> or <DD> as a browser does
    for tag in soup(["script", "style", "noscript", "template", "nav", "header", "footer", "aside"]):
        tag.decompose()
    for tag in soup.find_all(True):  # navigation bars and footers marked by class or id (PostgreSQL's navheader, Apache's menu)
        if tag.attrs is not None and _NAV_CLASS.search(" ".join([tag.get("id") or "", *(tag.get("class") or [])])):
            tag.decompose()
    paras = [_fold(p.get_text(" ")) for p in soup.find_all("p") if p.find_parent("pre") is None]
    paras = [p for p in paras if len(p.split()) >= 8]
    firsts = (next((x.strip() for x in pre.get_text().splitlines() if x.strip()), "") for pre in soup.find_all("pre"))
    pres = [x for x in firsts if x]  # each <pre>'s first non-blank line
    rows = []
    for tr in soup.find_all("tr"):
        if tr.find("table") is not None:  # a layout table holding a table: its inner rows count
            continue
        cells = [_fold(c.get_text(" ")) for c in tr.find_all(["td", "th"])]
        cells = [c for c in cells if _words(c)]
        if len(cells) >= 2:
            rows.append(cells)
    return paras, pres, rows


def kept_paragraph(para: str, doc_words: str) -> bool:
    w = _words(para)
    runs = [" ".join(w[i : i + 4]) for i in range(0, max(1, len(w) - 3))]
    return sum(r in doc_words for r in runs) >= 0.9 * len(runs)


def row_kept(cells: list[str], row_blocks: list[str]) -> bool:
    """Whether one `table_row` block (as " word word ... ") holds every cell's words, in order."""
    for r in row_blocks:
        at = 0
        for c in cells:
            at = r.find(" " + " ".join(_words(c)) + " ", at)
            if at < 0:
                break
            at += 1
        else:
            return True
    return False


def measure(path: Path, n_samples: int = 0) -> dict:
    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document
    from rag.loaders import load_file

    html = path.read_text(errors="replace")
    doc = load_file(path.resolve(), path.resolve().parent, 10**10)
    paras, pres, rows = page_elements(html)
    doc_words = " " + " ".join(_words(doc.text)) + " "
    # Compared as words (markup puts spaces where the page has none, and the other way round).
    # (a header row is a row too: `table_head` since 2026-12-01)
    by_kind = {k: [" " + " ".join(_words(doc.text[b.start : b.end])) + " " for b in doc.blocks if b.kind.replace("table_head", "table_row") == k]
               for k in ("code", "table_row")}
    lost_p = [p for p in paras if not kept_paragraph(p, doc_words)]
    lost_pre = [ln for ln in pres if not any(" " + " ".join(_words(ln)) + " " in c for c in by_kind["code"])]

    lost_rows = [" | ".join(r) for r in rows if not row_kept(r, by_kind["table_row"])]
    sentences = []
    for c in chunk_document(doc, 192, 0):
        sentences += [c.text[s:e] for s, e in quotable_spans(c)]
    bad = [s for s in sentences if readability.artefacts(s)]
    nav = [s for s in sentences if (w := _words(s)) and set(w) <= _NAV]
    row = {"file": f"{path.parent.name}/{path.name}", "paragraphs": len(paras), "paragraphs_lost": len(lost_p), "pre": len(pres),
           "pre_lost": len(lost_pre), "rows": len(rows), "rows_lost": len(lost_rows), "sentences": len(sentences),
           "artefact": len(bad), "nav": len(nav), "blocks": {k: sum(b.kind == k for b in doc.blocks) for k in sorted({b.kind for b in doc.blocks})}}
    if n_samples:
        row["samples"] = {"paragraphs_lost": lost_p[:n_samples], "pre_lost": lost_pre[:n_samples], "rows_lost": lost_rows[:n_samples],
                          "artefact": bad[:n_samples], "nav": nav[:n_samples]}
    return row


def _kept(n: int, lost: int) -> str:
    return f"{n - lost}/{n}" if n else "–"


def render(rows: list[dict], which: str, before: list[dict] | None = None, before_name: str = "") -> str:
    old = {r["file"]: r for r in before or []}
    cmd = f"python -m evals.measure_html --set {which} --out evals/results/html_{which}.md" if which != "files" else "python -m evals.measure_html --html FILE ..."
    lines = ["# HTML extraction: what of each page's content the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}). Counts from the page's own elements outside "
             "nav/header/footer/aside (evals/measure_html.py says how each is counted)" + (f"; before → after against `{before_name}`" if before else "") + ".", "",
             "| page | paragraphs kept | <pre> kept as code | table rows kept as rows | quotable sentences | with an artefact | navigation only | blocks |",
             "|---|---|---|---|---|---|---|---|"]

    def cell(r: dict, b: dict | None, n: str, lost: str) -> str:
        now = _kept(r[n], r[lost])
        return f"{_kept(b[n], b[lost])} → {now}" if b else now

    for r in rows:
        b = old.get(r["file"])
        lines.append(f"| {r['file']} | {cell(r, b, 'paragraphs', 'paragraphs_lost')} | {cell(r, b, 'pre', 'pre_lost')} | {cell(r, b, 'rows', 'rows_lost')} | "
                     f"{r['sentences']} | {(str(b['artefact']) + ' → ') if b else ''}{r['artefact']} | {(str(b['nav']) + ' → ') if b else ''}{r['nav']} | "
                     + ", ".join(f"{k} {v}" for k, v in r["blocks"].items()) + " |")
    tot = {k: sum(r[k] for r in rows) for k in ("paragraphs", "paragraphs_lost", "pre", "pre_lost", "rows", "rows_lost", "artefact", "nav", "sentences")}
    lines.append(f"| all | {_kept(tot['paragraphs'], tot['paragraphs_lost'])} | {_kept(tot['pre'], tot['pre_lost'])} | {_kept(tot['rows'], tot['rows_lost'])} | "
                 f"{tot['sentences']} | {tot['artefact']} | {tot['nav']} | |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", type=Path, nargs="*", default=None)
    ap.add_argument("--set", choices=sorted(SETS), default="heldout")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/html_<set>.md")
    ap.add_argument("--before", type=Path, help="the .json of the same measure on older code: shows before → after")
    ap.add_argument("--samples", type=int, default=0, help="also write N lost/artefact examples per page to <out>.samples.json")
    a = ap.parse_args(argv)
    which = a.set if a.html is None else "files"
    out = a.out or ROOT / "evals" / "results" / f"html_{which}.md"
    paths = [p for p in (a.html if a.html is not None else [Path(p) for p in SETS[a.set]]) if p.exists()]
    if not paths:
        print(f"no pages found: apt-get install {PACKAGES}", file=sys.stderr)
        return 2
    rows = [measure(p, a.samples) for p in paths]
    if a.samples:
        out.with_suffix(".samples.json").write_text(json.dumps({r["file"]: r.pop("samples") for r in rows}, indent=1, ensure_ascii=False))
    before = json.loads(a.before.read_text()) if a.before else None
    md = render(rows, which, before, a.before.name if a.before else "")
    out.write_text(md)
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
