"""PDF extraction (rag/pdf_layout.py) on PDFs exported from a word processor: what the document keeps.

    python -m evals.measure_pdf_export [--set dev|heldout | --docx FILE ...] [--out evals/results/pdf_export_heldout.md]
                                       [--before OLD.json] [--samples N]

The files: the LibreOffice-written .docx files of evals/measure_docx.py (manuals' web pages, same
`SETS` split), each exported to PDF once by LibreOffice (`soffice --convert-to pdf`, its version in
the report) into out/pdf_export_corpus/, and read by the project's loader (rag.loaders.load_file).
The truth is measure_docx's `truth()` of the .docx the PDF was made from. Words are lower-cased
\\w+ runs (measure_html's `_words`), so spacing and bullets do not count. Rules, fixed before the first run:
  * words kept: the body's words found in the document text, as a multiset;
  * paragraphs kept as one block: each paragraph of 8+ words outside tables has 90% of its 4-word
    runs in one `paragraph` block, and that block holds at most 10% + 2 words more than the
    paragraph: a paragraph split across a page or into two blocks is lost, and so is one glued to
    the next paragraph or heading;
  * headings kept: a `heading` block with the heading's words, exactly;
  * code kept as code: each multi-line monospace stretch's first line, its words in a `code` block;
  * list items kept: each numbered/bulleted paragraph's words, in order, inside one `list_item` block;
  * table rows kept as rows: each row of 2+ cells with words has every cell's words, in order, in one
    `table_row` block (measure_html's `row_kept`): a wrapped cell's text must stay in its row;
  * link lists kept out of quotes: each paragraph that is all links to places in the same document
    is in no quotable block made (80% of its words or more) of such paragraphs' words: alone, or glued to
    other entries. Changed three times after the first dev run (the held-out "before" was measured again on
    the old code with this rule), as the earlier rules counted what they should not: "its words in a
    non-quotable block and in no quotable one" (a one-word entry such as "Alias" is inside some sentence of
    nearly every page), "in a non-quotable block" (the heading the entry links to has the same words), "in no
    quotable block made only of entries' words" (a paragraph of 30 glued entries and one other word passed);
  * quotable sentences with an artefact (evals/readability.py) and navigation-only ones.
Left out: footnotes (the pages have none), images, headers/footers, reading order between blocks.
Some truth is not in the PDF at all and stays lost: a link to a bookmark the .docx lacks is exported as
plain text (not a link), and a paragraph numbered by w:numPr without a visible number is plain text.
Uses no document the independent check uses.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import readability  # noqa: E402
from evals.measure_docx import CORPUS as DOCX_CORPUS  # noqa: E402
from evals.measure_docx import PACKAGES, SETS, _coverage, _pct, convert, truth  # noqa: E402
from evals.measure_html import _NAV, _kept, _words, row_kept  # noqa: E402

CORPUS = ROOT / "out" / "pdf_export_corpus"
QUOTED = ("paragraph", "list_item", "table_row")


def to_pdf(docx: Path) -> Path:
    """The .docx exported to PDF by LibreOffice (cached). A profile of its own, so that another soffice
    running on the machine does not hold the lock."""
    dest = CORPUS / f"{docx.stem}.pdf"
    if not dest.exists():
        CORPUS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["soffice", f"-env:UserInstallation=file://{CORPUS / 'profile'}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(CORPUS), str(docx)], check=True, capture_output=True, timeout=300)
    return dest


def soffice_version() -> str:
    try:
        return subprocess.run(["soffice", "--version"], capture_output=True, text=True, timeout=60).stdout.splitlines()[0].strip()
    except (OSError, IndexError, subprocess.SubprocessError):
        return "missing"


def _grams(w: list[str]) -> list[str]:
    return [" ".join(w[i : i + 4]) for i in range(0, max(1, len(w) - 3))]


def paragraph_fate(para: str, blocks: list[list[str]], index: dict[str, set[int]]) -> str:
    """"kept", "split" (no one paragraph block holds 90% of its 4-word runs) or "glued" (the block that
    does holds more than 10% + 2 words besides). `blocks`: the paragraph blocks' words; `index`: 4-word run ->
    ids of the blocks holding it."""
    w = _words(para)
    runs = _grams(w)
    hits = Counter(b for r in runs for b in index.get(r, ()))
    good = [b for b, n in hits.items() if n >= 0.9 * len(runs)]
    if not good:
        return "split"
    return "kept" if any(len(blocks[b]) <= 1.1 * len(w) + 2 for b in good) else "glued"


def measure(pdf: Path, docx: Path, n_samples: int = 0) -> dict:
    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document
    from rag.loaders import Unreadable, load_file

    t = truth(docx)
    try:
        doc = load_file(pdf.resolve(), pdf.resolve().parent, 10**10)
    except Unreadable as e:  # counted as all lost
        from rag.types import Document

        print(f"{pdf}: {e}", file=sys.stderr)
        doc = Document(source=str(pdf), root="", title="", text="", sha256="")
    have = Counter(_words(doc.text))
    words = [(b.kind, _words(doc.text[b.start : b.end])) for b in doc.blocks]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for k, w in words:
        by_kind[k].append(" " + " ".join(w) + " ")
    paras = [w for k, w in words if k == "paragraph"]
    index: dict[str, set[int]] = defaultdict(set)
    for i, w in enumerate(paras):
        for g in _grams(w):
            index[g].add(i)

    def in_kind(text: str, *kinds: str) -> bool:
        w = " " + " ".join(_words(text)) + " "
        return any(w in blk for k in kinds for blk in by_kind.get(k, []))

    entry_words = {w for x in t["links"] for w in _words(x)}
    link_only = [" " + " ".join(w) + " " for k, w in words if k in QUOTED and w and sum(x in entry_words for x in w) >= 0.8 * len(w)]
    fates = [(p, paragraph_fate(p, paras, index)) for p in t["paragraphs"]]
    heads = {b.strip() for b in by_kind.get("heading", [])}
    lost = {"paragraphs": [f"{f}: {p}" for p, f in fates if f != "kept"],
            "headings": [h for h in t["headings"] if " ".join(_words(h)) not in heads],
            "code": [c for c in t["code"] if not in_kind(c, "code")],
            "lists": [x for x in t["lists"] if not in_kind(x, "list_item")],
            "links": [x for x in t["links"] if any(_words(x) and " " + " ".join(_words(x)) + " " in b for b in link_only)],
            "rows": [" | ".join(r) for r in t["rows"] if not row_kept(r, by_kind.get("table_row", []))]}
    sentences = []
    for c in chunk_document(doc, 192, 0):
        sentences += [c.text[s:e] for s, e in quotable_spans(c)]
    bad = [s for s in sentences if readability.artefacts(s)]
    nav = [s for s in sentences if (w := _words(s)) and set(w) <= _NAV]
    kw, nw = _coverage(t["words"], have)
    row = {"file": pdf.name, "pages": len(doc.page_starts), "words": nw, "words_kept": kw,
           **{k: len(t[k]) for k in lost}, **{f"{k}_lost": len(v) for k, v in lost.items()},
           "paragraphs_split": sum(f == "split" for _, f in fates), "paragraphs_glued": sum(f == "glued" for _, f in fates),
           "sentences": len(sentences), "artefact": len(bad), "nav": len(nav),
           "blocks": {k: sum(b.kind == k for b in doc.blocks) for k in sorted({b.kind for b in doc.blocks})}}
    if n_samples:
        row["samples"] = {**{f"{k}_lost": v[:n_samples] for k, v in lost.items()}, "artefact": bad[:n_samples], "nav": nav[:n_samples]}
    return row


COLS = [("words kept", "words"), ("paragraphs kept as one block", "paragraphs"), ("headings kept", "headings"),
        ("code kept as code", "code"), ("list items kept", "lists"), ("link lists kept out of quotes", "links"),
        ("table rows kept as rows", "rows")]


def render(rows: list[dict], which: str, vers: str, before: list[dict] | None = None, before_name: str = "") -> str:
    old = {r["file"]: r for r in before or []}
    cmd = (f"python -m evals.measure_pdf_export --set {which} --out evals/results/pdf_export_{which}.md" if which != "files"
           else "python -m evals.measure_pdf_export --docx FILE ...")
    lines = ["# PDF extraction on word-processor PDFs: what of each file's content the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}; PDFs exported by {vers}). Counts from the .docx each PDF was "
             "exported from (evals/measure_pdf_export.py says how each is counted)" + (f"; before → after against `{before_name}`" if before else "") + ".", "",
             "| file | pages | " + " | ".join(c for c, _ in COLS) + " | paragraphs split / glued | quotable sentences | with an artefact | navigation only |",
             "|---|---|" + "---|" * (len(COLS) + 4)]

    def cell(r: dict, b: dict | None, k: str) -> str:
        if k == "words":
            now = _pct(r["words_kept"], r["words"])
            return f"{_pct(b['words_kept'], b['words'])} → {now}" if b else now
        now = _kept(r[k], r[k + "_lost"])
        return f"{_kept(b[k], b[k + '_lost'])} → {now}" if b else now

    def arrow(r: dict, b: dict | None, *ks: str) -> str:
        now = " / ".join(str(r[k]) for k in ks)
        return f"{' / '.join(str(b[k]) for k in ks)} → {now}" if b else now

    tot = {k: sum(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], int)}
    btot = {k: sum(r[k] for r in before) for k in before[0] if isinstance(before[0][k], int)} if before else None
    for r in [*rows, {**tot, "file": "all"}]:
        b = old.get(r["file"]) if r["file"] != "all" else btot
        lines.append(f"| {r['file']} | {r['pages']} | " + " | ".join(cell(r, b, k) for _, k in COLS) +
                     f" | {arrow(r, b, 'paragraphs_split', 'paragraphs_glued')} | {r['sentences']} | {arrow(r, b, 'artefact')} | {arrow(r, b, 'nav')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docx", type=Path, nargs="+", default=None, help="export and measure these .docx files instead of a set")
    ap.add_argument("--set", choices=sorted(SETS), default="heldout")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/pdf_export_<set>.md")
    ap.add_argument("--before", type=Path, help="the .json of the same measure on older code: shows before → after")
    ap.add_argument("--samples", type=int, default=0, help="also write N lost/artefact examples per file to <out>.samples.json")
    a = ap.parse_args(argv)
    which = a.set if a.docx is None else "files"
    out = a.out or ROOT / "evals" / "results" / f"pdf_export_{which}.md"
    if a.docx is not None:
        docs = a.docx
    else:
        docs = []
        for page in map(Path, SETS[a.set]):  # measure_docx's LibreOffice .docx, converted first when not cached
            d = DOCX_CORPUS / "libreoffice" / f"{page.parent.name}-{page.stem}.docx"
            if d.exists() or page.exists():
                docs.append(d if d.exists() else convert(page)[0])
        if not docs:
            print(f"no pages found: apt-get install {PACKAGES}", file=sys.stderr)
            return 2
    rows = [measure(to_pdf(d), d, a.samples) for d in docs]
    if a.samples:
        out.with_suffix(".samples.json").write_text(json.dumps({r["file"]: r.pop("samples") for r in rows}, indent=1, ensure_ascii=False))
    before = json.loads(a.before.read_text()) if a.before else None
    out.write_text(render(rows, which, soffice_version(), before, a.before.name if a.before else ""))
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    print(out.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
