"""PDF extraction: plain pypdf text (the old loader) against rag/pdf_layout.py (pypdfium2), and
pdfplumber's speed, on Debian manuals.

    python -m evals.measure_extraction [--set suite|dev|heldout | --pdf FILE ...] [--out evals/results/extraction.md]

Per manual: CPU seconds to extract (same process, one after the other), and the artefacts in
the sentences an answer could quote (pypdf: every sentence of its text; layout: the
sentences of prose, list-item and table-row blocks):
  * line break inside the sentence (a wrapped line left broken),
  * dot leader (". . . ." a TOC or index line),
  * a running header/footer inside it: one of the lines that repeat at the top or bottom of
    3+ pages in pypdf's per-page text (digits ignored), on a line of its own or, when 10+
    characters long, anywhere in the sentence; or a bare page number on a line of its own,
  * end-of-line hyphenation left in ("confi- guration" / "confi-\\nguration"),
  * glued heading / page number as evals/readability.py finds them in the sentence,
  * a sentence that starts in lower case (a fragment: a bad join or split; in a technical manual
    some are real sentences that start with a command name, so compare extractors, not to zero);
the share of paragraph and table-row blocks that continue a sentence the block before left open
(they start in lower case after a quotable block that does not end a sentence, unlike a new row
of a table: a wrapped table cell or a paragraph split in two), and the word coverage: the share of the words of pdfium's plain page text (3+ letters, counted with
repeats) that the extracted document text keeps. What is dropped should be running headers and page
numbers only; a low share is lost text. (pdfium, not pypdf: pypdf glues the words of tightly
justified lines, "willfunctionbetterwithcertainflags".) Hyphens are dropped on both sides first, since
2026-11-30: a word hyphenated at a line end ("data-" "bases") was counted lost once the layout text
joined it, e.g. 0.949 instead of 1.000 on a groff two-column file.
Table rows that open a paragraph (since 2026-12-01; defined before the fix in rag/pdf_layout.py was
measured on held-out manuals): a `table_row` block with no `table_row` block just before or after it (a
"lone" row), followed by a `paragraph` block that continues the row's sentence: the row's text does not end
a sentence (no . ! ? : ; at its end, closing quotes and brackets aside) and either the paragraph starts with
a lower-case letter, or the row ends in a comma or in one of the words that cannot end an English sentence
(a, an, the, and, or, nor, of, to, in, on, at, by, for, from, with, as, is, are, be, that, which). That is
the first line of a justified paragraph read as a one-row table because the line has a wide gap (TeX's
space after a sentence's period, widened by justification): "By default, read.table ignores empty lines. |
This can be changed by setting" then "blank.lines.skip = FALSE, which ...". A definition-list row ("-u | Treat
unset variables ...") followed by a new paragraph or row is not counted. Reported per manual as a count,
with the number of lone rows beside it.
`--samples N` writes N sentences per artefact kind next to --out, to read (not on held-out manuals).
Uses no manual that the independent check uses (shared-mime-info, libtasn1).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import readability  # noqa: E402
from rag.blocks import quotable_spans  # noqa: E402
from rag.text import sentence_spans  # noqa: E402

DEFAULT = ["/usr/share/doc/r-doc-pdf/manual/R-intro.pdf", "/usr/share/doc/r-doc-pdf/manual/R-FAQ.pdf",
           "/usr/share/doc/r-doc-pdf/manual/R-data.pdf", "/usr/share/doc/gnuplot/gnuplot.pdf", "/usr/share/doc/octave/liboctave.pdf"]
# Manuals nobody here had extracted before 2026-11-30, split before the first run: `dev` ones were read to find
# what goes wrong; `heldout` ones only ever measured, before and after the change (evals/results/extraction_unseen.md).
_XORG = "/usr/share/doc/xorg-docs"
_TWO = ROOT / "out" / "twocol_corpus"
SETS = {
    "suite": DEFAULT,
    "dev": ["/usr/share/doc/bash/bashref.pdf", "/usr/share/doc/debian-policy/policy.pdf.gz", f"{_XORG}/Xserver/XACE-Spec.pdf.gz",
            f"{_XORG}/ReleaseNotes.pdf.gz", "/usr/share/doc/asymptote/CAD.pdf"],
    "heldout": ["/usr/share/doc/bash/bash.pdf", "/usr/share/developers-reference/developers-reference.pdf",
                "/usr/share/debian-reference/debian-reference.en.pdf", "/usr/share/doc/debian-policy/fhs/fhs-3.0.pdf.gz",
                "/usr/share/doc/asymptote/asymptote.pdf", f"{_XORG}/icccm/icccm.pdf.gz", f"{_XORG}/xlfd/xlfd.pdf.gz",
                f"{_XORG}/Xserver/analysis.pdf.gz"],
    # Two-column PDFs made by evals/twocol.py from SQLite's pages (split fixed 2026-11-30, before the first run).
    "twocol-dev": [f"{_TWO}/{k}-{n}.pdf" for n in ("atomiccommit", "lockingv3") for k in ("groff", "reportlab")],
    "twocol-heldout": [f"{_TWO}/{k}-{n}.pdf" for n in ("wal", "howtocorrupt", "testing", "malloc", "optoverview", "fileformat2",
                                                       "queryplanner-ng", "isolation") for k in ("groff", "reportlab")],
}
PACKAGES = {"suite": "r-doc-pdf gnuplot-doc octave-doc",
            "twocol-dev": "sqlite3-doc groff ghostscript (then python -m evals.twocol)",
            "twocol-heldout": "sqlite3-doc groff ghostscript (then python -m evals.twocol)",
            "dev": "bash-doc debian-policy xorg-docs asymptote-doc",
            "heldout": "bash-doc developers-reference debian-reference-en debian-policy asymptote-doc xorg-docs"}
_LEADER = re.compile(r"(?:\.\s){4,}|\.{5,}")
_HYPHEN = re.compile(r"[a-z]-(?:\n|\s)[a-z]")


def pypdf_pages(raw: bytes) -> list[str]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    return [(p.extract_text() or "").strip() for p in PdfReader(io.BytesIO(raw)).pages]


def running_lines(pages: list[str]) -> set[str]:
    edge = Counter()
    for t in pages:
        lines = [ln.strip() for ln in t.splitlines() if ln.strip()]
        for ln in set(lines[:2] + lines[-2:]):
            edge[re.sub(r"\d+", "#", ln)] += 1
    return {k for k, n in edge.items() if n >= 3 and len(k) >= 1}


def has_running(s: str, running: set[str]) -> bool:
    """A running line on a line of its own inside the sentence, or glued into it (one of 10+ characters)."""
    lines = [re.sub(r"\d+", "#", ln.strip()) for ln in s.split("\n")]
    flat = re.sub(r"\d+", "#", " ".join(s.split()))
    return (any(ln in running for ln in lines[1:-1]) or bool(re.search(r"\n\d{1,4}\n", s))
            or any(k in flat for k in running if len(k) >= 10))


def glued(s: str) -> bool:
    return bool({"glued_heading", "page_number"} & set(readability.artefacts(s)))


def checks(s: str, running: set[str]) -> dict[str, bool]:
    """Which artefact kinds one sentence has (each check run once)."""
    return {"line_break": "\n" in s, "dot_leader": bool(_LEADER.search(s)), "running_header": has_running(s, running),
            "hyphenation": bool(_HYPHEN.search(s)), "glued": glued(s), "lower_start": s.strip()[:1].islower()}


_CLEAN = ("line_break", "dot_leader", "running_header")  # the original three kinds: "clean"
_CLEAN_ALL = _CLEAN + ("hyphenation", "glued")


def artefacts(sentences: list[str], running: set[str]) -> dict:
    flags = [checks(s, running) for s in sentences]
    n = len(sentences) or 1
    out = {"sentences": len(sentences)} | {k: sum(f[k] for f in flags) / n for k in checks("", set())}
    out["clean"] = sum(not any(f[k] for k in _CLEAN) for f in flags) / n
    out["clean_all"] = sum(not any(f[k] for k in _CLEAN_ALL) for f in flags) / n
    return out


def _words(text: str) -> Counter:
    return Counter(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text))


def _unhyphenated(text: str) -> str:
    """pdfium's plain text keeps a line-end hyphenation as "data\ufffebases", the layout text joins it
    ("databases"): both sides drop hyphens and that mark, so a joined word is not counted lost."""
    return text.replace("\ufffe", "").replace("-", "")


def coverage(reference: str, text: str) -> float:
    ref, got = _words(_unhyphenated(reference)), _words(_unhyphenated(text))
    return sum(min(n, got[w]) for w, n in ref.items()) / max(1, sum(ref.values()))


def samples(sentences: list[str], running: set[str], n: int) -> dict[str, list[str]]:
    """Up to n sentences per artefact kind (the first, in document order), to read."""
    flags = [checks(s, running) for s in sentences]
    return {k: [s for s, f in zip(sentences, flags) if f[k]][:n] for k in checks("", set())}


def broken(doc) -> tuple[float, list[str]]:
    """(share of paragraph/table-row blocks that continue an open sentence, those blocks)."""
    quotable = [b for b in doc.blocks if b.kind in ("paragraph", "list_item", "table_row", "table_head")]  # (a header row is a row)
    out = []
    for a, b in zip(quotable, quotable[1:]):
        head, tail = doc.text[b.start : b.end].strip(), doc.text[a.start : a.end].rstrip()
        rows = {a.kind, b.kind} <= {"table_row", "table_head"} and " | " in head and " | " in tail  # a new row of a table
        if b.kind != "list_item" and not rows and head[:1].islower() and not re.search(r"[.!?:;][\"'”’)\]]*$", tail):
            out.append(doc.text[a.start : a.end][-80:] + " ⟂ " + head[:100])
    return len(out) / max(1, sum(b.kind != "list_item" for b in quotable)), out


ROWS = ("table_row", "table_head")  # a header row is a row of its table
# The same words as rag.pdf_layout's _OPEN_END, restated on purpose: a measure that imported the code it checks
# would follow that code's changes and stop measuring them.
_OPEN_END = re.compile(r"(?:,|\b(?:a|an|the|and|or|nor|of|to|in|on|at|by|for|from|with|as|is|are|be|that|which))$", re.I)


def rows_opening(doc) -> tuple[int, int, list[str]]:
    """(lone table rows, lone rows that open a paragraph continuing their sentence, those rows with the
    paragraph's start): see the module docstring."""
    blocks = doc.blocks
    lone, out = 0, []
    for i, b in enumerate(blocks):
        if b.kind != "table_row" or (i and blocks[i - 1].kind in ROWS) or (i + 1 < len(blocks) and blocks[i + 1].kind in ROWS):
            continue
        lone += 1
        if i + 1 == len(blocks) or blocks[i + 1].kind != "paragraph":
            continue
        row, head = doc.text[b.start : b.end].strip(), doc.text[blocks[i + 1].start : blocks[i + 1].end].strip()
        if not _ENDS.search(row) and (head[:1].islower() or _OPEN_END.search(row)):
            out.append(row[-100:] + " ⟂ " + head[:80])
    return lone, len(out), out


_ENDS = re.compile(r"[.!?:;][\"'”’)\]]*$")


def pdfium_text(raw: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(raw)
    try:
        out = []
        for page in pdf:
            tp = page.get_textpage()
            out.append(tp.get_text_range())
            tp.close()
            page.close()
        return "\n".join(out)
    finally:
        pdf.close()


def _unzipped(path: Path, tmp: Path) -> Path:
    """A gzipped manual (Debian ships some as .pdf.gz), written out as a .pdf under `tmp`."""
    if path.suffix != ".gz":
        return path
    import gzip

    out = tmp / path.stem
    out.write_bytes(gzip.decompress(path.read_bytes()))
    return out


def measure(path: Path, n_samples: int = 0) -> dict:
    from rag.chunking import chunk_document
    from rag.loaders import load_file

    raw = path.read_bytes()
    t = time.process_time()
    pages = pypdf_pages(raw)
    t_pypdf = time.process_time() - t
    running = running_lines(pages)
    text = "\n\n".join(pages)
    old = [text[s:e] for s, e in sentence_spans(text)]

    t = time.process_time()
    doc = load_file(path.resolve(), path.resolve().parent, 10**10)
    t_layout = time.process_time() - t
    new = []
    for c in chunk_document(doc, 192, 0):
        new += [c.text[s:e] for s, e in quotable_spans(c)]

    t_plumber = None
    try:
        if len(pages) > 120:
            raise ImportError  # pdfplumber takes minutes on a long manual: timed on the short ones only
        import pdfplumber

        t = time.process_time()
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for p in pdf.pages:
                p.extract_text()
        t_plumber = time.process_time() - t
    except ImportError:
        pass
    kinds = Counter(b.kind for b in doc.blocks)
    row = {"file": path.name, "pages": len(pages), "s_pypdf": t_pypdf, "s_layout": t_layout, "s_pdfplumber": t_plumber,
           "pypdf": artefacts(old, running), "layout": artefacts(new, running), "blocks": dict(kinds),
           "coverage": coverage(pdfium_text(raw), doc.text)}
    row["broken"], cut = broken(doc)
    row["lone_rows"], row["rows_opening"], opening = rows_opening(doc)
    if n_samples:
        row["samples"] = samples(new, running, n_samples) | {"broken": cut[:n_samples], "rows_opening": opening[:n_samples]}
    return row


def render(rows: list[dict], title: str = "", which: str = "suite", command: str = "") -> str:
    command = command or ("python -m evals.measure_extraction --pdf FILE ..." if which == "files" else
                          "python -m evals.measure_extraction" + (f" --set {which} --out evals/results/extraction_{which}.md" if which != "suite" else ""))
    lines = ["# PDF extraction: pypdf text vs rag/pdf_layout.py (pypdfium2)", "", *([title, ""] if title else []),
             f"Regenerate: `{command}` (Debian manuals from {PACKAGES.get(which, 'the packages named')}; "
             "pdfplumber timed only when installed, it is not a dependency). Seconds are CPU time of this process (the machine is shared, so wall time is noise), "
             "one extractor after the other; pdfplumber only on manuals of at most 120 pages.", "",
             "Share of quotable sentences with an artefact (pypdf: every sentence of its text; layout: sentences of prose, "
             "list-item and table-row blocks).", "",
             "| manual | pages | s pypdf | s layout | s pdfplumber | extractor | sentences | line break | dot leader | running header | hyphenation | glued heading / page no. | lower-case start | clean | clean, all kinds |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        plumber = f"{r['s_pdfplumber']:.1f}" if r["s_pdfplumber"] is not None else "–"
        for name in ("pypdf", "layout"):
            a = r[name]
            lines.append(f"| {r['file']} | {r['pages']} | {r['s_pypdf']:.1f} | {r['s_layout']:.1f} | {plumber} | {name} | {a['sentences']} | "
                         f"{a['line_break']:.3f} | {a['dot_leader']:.3f} | {a['running_header']:.3f} | {a['hyphenation']:.3f} | "
                         f"{a.get('glued', float('nan')):.3f} | {a.get('lower_start', float('nan')):.3f} | {a['clean']:.3f} | {a.get('clean_all', float('nan')):.3f} |")
    faster = all(r["s_layout"] < r["s_pypdf"] for r in rows)
    plumber = [r for r in rows if r["s_pdfplumber"] is not None]
    if all("broken" in r for r in rows):
        lines += ["", "Paragraph and table-row blocks that continue a sentence left open by the block before: "
                  + ", ".join(f"{r['file']} {r['broken']:.3f}" for r in rows) + "."]
    if all("rows_opening" in r for r in rows):
        lines += ["", "Table rows that open a paragraph (a lone table_row block whose next paragraph continues its sentence; of the lone rows): "
                  + ", ".join(f"{r['file']} {r['rows_opening']} of {r['lone_rows']}" for r in rows) + "."]
    if all("coverage" in r for r in rows):
        lines += ["", "Word coverage (the words of pdfium's plain page text, 3+ letters with repeats, that the layout text keeps): "
                  + ", ".join(f"{r['file']} {r['coverage']:.3f}" for r in rows) + "."]
    lines += ["", "**Choice: pypdfium2** (Apache-2.0/BSD-3, the PDFium engine). It gives what layout needs: character "
              "boxes, font size, weight and name per character, and pdfium's own reading order and hyphenation marks. "
              + ("In this run the whole layout extraction (pypdfium2 plus building blocks) took less CPU than pypdf's plain "
                 "text on every manual. " if faster else "")
              + (f"pdfplumber (MIT, pdfminer.six) gives the same kind of data but took {min(r['s_pdfplumber'] / r['s_layout'] for r in plumber):.0f}–"
                 f"{max(r['s_pdfplumber'] / r['s_layout'] for r in plumber):.0f}× the CPU of the layout extractor. " if plumber else "")
              + "pypdf (kept installed) gives no positions or fonts through `extract_text`, so it cannot tell a running header "
              "or a heading from body text.",
              "", "Blocks found by the layout extractor:", ""]
    for r in rows:
        lines.append(f"- {r['file']}: " + ", ".join(f"{k} {v}" for k, v in sorted(r["blocks"].items())))
    return "\n".join(lines) + "\n"


def compare(before: list[dict], after: list[dict], name: str) -> str:
    """Per manual, before -> after: quotable sentences with any artefact ("clean, all kinds"), blocks
    that continue an open sentence, word coverage, table_row blocks, table rows that open a paragraph."""
    old = {r["file"]: r for r in before}
    lines = ["", f"## Before ({name}) and after, layout extractor", "",
             "| manual | sentences with an artefact | share | blocks continuing an open sentence | word coverage "
             "| table rows | table rows that open a paragraph |", "|---|---|---|---|---|---|---|"]
    tot = [0, 0, 0, 0]
    rows_b = rows_a = open_b = open_a = 0
    for r in after:
        b = old.get(r["file"])
        if b is None:
            continue
        nb, na = b["layout"]["sentences"], r["layout"]["sentences"]
        ab, aa = round((1 - b["layout"]["clean_all"]) * nb), round((1 - r["layout"]["clean_all"]) * na)
        tot = [tot[0] + ab, tot[1] + nb, tot[2] + aa, tot[3] + na]
        lines.append(f"| {r['file']} | {ab}/{nb} → {aa}/{na} | {ab / max(1, nb):.4f} → {aa / max(1, na):.4f} | "
                     f"{b.get('broken', float('nan')):.3f} → {r.get('broken', float('nan')):.3f} | {b['coverage']:.3f} → {r['coverage']:.3f} | "
                     f"{b['blocks'].get('table_row', 0)} → {r['blocks'].get('table_row', 0)} | {b.get('rows_opening', '–')} → {r.get('rows_opening', '–')} |")
        rows_b, rows_a = rows_b + b["blocks"].get("table_row", 0), rows_a + r["blocks"].get("table_row", 0)
        open_b, open_a = open_b + b.get("rows_opening", 0), open_a + r.get("rows_opening", 0)
    lines.append(f"| all | {tot[0]}/{tot[1]} → {tot[2]}/{tot[3]} | {tot[0] / max(1, tot[1]):.4f} → {tot[2] / max(1, tot[3]):.4f} | | "
                 f"| {rows_b} → {rows_a} | {open_b} → {open_a} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, nargs="*", default=None, help="manuals to measure (.pdf or .pdf.gz); default: --set's")
    ap.add_argument("--set", choices=sorted(SETS), default="suite", help="a named list of manuals (default: the suite's)")
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "extraction.md")
    ap.add_argument("--samples", type=int, default=0, help="also write N sentences per artefact kind to <out>.samples.json")
    ap.add_argument("--title", default="", help="a line under the heading (which manuals, and why)")
    ap.add_argument("--before", type=Path, help="the .json of the same measure run on older code: adds a before/after table")
    ap.add_argument("--render-only", action="store_true", help="re-render the table from the saved .json next to --out")
    a = ap.parse_args(argv)
    if a.render_only:
        a.out.write_text(md := render(json.loads(a.out.with_suffix(".json").read_text()), a.title, a.set if a.pdf is None else "files"))
        print(md)
        return 0
    if a.pdf is None and a.set.startswith("twocol"):
        from evals.twocol import build

        build(sorted({Path(p).stem.split("-", 1)[1] for p in SETS[a.set]}))
    paths = a.pdf if a.pdf is not None else [Path(p) for p in SETS[a.set]]
    pdfs = [p for p in paths if p.exists() and not re.search(r"shared-mime|libtasn1", str(p))]
    if not pdfs:
        print(f"no manuals found: apt-get install {PACKAGES[a.set] if a.pdf is None else 'the packages that ship them'}", file=sys.stderr)
        return 2
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(_unzipped(p, Path(tmp)), a.samples) for p in pdfs]
    if a.samples:
        a.out.with_suffix(".samples.json").write_text(json.dumps({r["file"]: r.pop("samples") for r in rows}, indent=1))
    def rel(p: Path) -> str:
        p = p.resolve()
        return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)

    command = "" if a.pdf is not None else ("python -m evals.measure_extraction" + (f" --set {a.set}" if a.set != "suite" else "")
                                            + f" --out {rel(a.out)}" + (f" --before {rel(a.before)}" if a.before else ""))
    md = render(rows, a.title, a.set if a.pdf is None else "files", command)
    if a.before:
        md += compare(json.loads(a.before.read_text()), rows, a.before.name)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
