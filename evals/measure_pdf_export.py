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
    `table_row` or `table_head` block (measure_html's `row_kept`; a header row is a row, as in
    _measure_office's `score`): a wrapped cell's text must stay in its row;
  * header rows found (added with the PDF reader's header rows): the truth's header rows are the rows of 2+
    cells with words that carry w:trPr/w:tblHeader (Word's repeated header row) or are a table's first row
    whose every paragraph with words is in the "Table Heading" paragraph style (how LibreOffice writes an
    HTML <th> row); one is found when a `table_head` block has the same words, in the same order, and nothing
    else (as a multiset: two truth headers with the same words need two such blocks; a header repeated at the
    top of a continuation page counts once). False header rows: `table_head` blocks whose words are no truth
    header row's;
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

import re
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals._measure_office import by_kind, cli, col, columns, in_kind, load, spaced, table, tally, words_kept  # noqa: E402
from evals.measure_docx import CORPUS as DOCX_CORPUS  # noqa: E402
from evals.measure_docx import PACKAGES, SETS, W, Styles, _text, _val, convert, truth  # noqa: E402
from evals.measure_html import _fold, _words, row_kept  # noqa: E402

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


def head_rows(docx: Path) -> list[list[str]]:
    """The .docx's header rows, each as its cells (read as measure_docx's `truth` reads rows): a table's row
    with w:trPr/w:tblHeader (not switched off), or its first row when every paragraph with words in it is in
    the "Table Heading" paragraph style (by the style's name, along w:basedOn). Rows of 2+ cells with words only,
    and no row holding a nested table (as the truth's rows)."""
    from lxml import etree

    z = zipfile.ZipFile(docx)
    st = Styles(z)

    def name(sid: str | None) -> str:
        s = st.by_id.get(sid) if sid else None
        n = s.find(W + "name") if s is not None else None
        return (n.get(W + "val") or "") if n is not None else ""

    body = etree.fromstring(z.read("word/document.xml")).find(W + "body")
    out = []
    for tbl in body.iter(W + "tbl"):
        for i, tr in enumerate(tr for tr in tbl if tr.tag == W + "tr"):
            if tr.find(f".//{W}tbl") is not None:
                continue
            h = tr.find(f"{W}trPr/{W}tblHeader")
            flagged = h is not None and h.get(W + "val") not in ("0", "false", "off")
            styles = [_val(p, f"{W}pPr/{W}pStyle") for p in tr.iter(W + "p") if _words(_text(p))]
            styled = i == 0 and bool(styles) and all(re.fullmatch(r"table head(ing|er)", name(s), re.I) for s in styles)
            cells = [c for c in (_fold(" ".join(_text(p) for p in tc.iter(W + "p"))) for tc in tr.iter(W + "tc")) if _words(c)]
            if (flagged or styled) and len(cells) >= 2:
                out.append(cells)
    return out


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
    t = truth(docx)
    doc = load(pdf)
    words = [(b.kind, _words(doc.text[b.start : b.end])) for b in doc.blocks]
    blocks = by_kind(doc)
    paras = [w for k, w in words if k == "paragraph"]
    index: dict[str, set[int]] = defaultdict(set)
    for i, w in enumerate(paras):
        for g in _grams(w):
            index[g].add(i)
    entry_words = {w for x in t["links"] for w in _words(x)}
    link_only = [spaced(w) for k, w in words if k in QUOTED and w and sum(x in entry_words for x in w) >= 0.8 * len(w)]
    fates = [(p, paragraph_fate(p, paras, index)) for p in t["paragraphs"]]
    heads = {b.strip() for b in blocks.get("heading", [])}
    t["head_rows"] = head_rows(docx)
    want = Counter(spaced(_words(" ".join(r))) for r in t["head_rows"])
    have = Counter(blocks.get("table_head", []))
    missing = want - have  # (multisets: a truth header needs a header block of its own)
    false_heads = [b for b in blocks.get("table_head", []) if b not in want]
    lost = {"paragraphs": [f"{f}: {p}" for p, f in fates if f != "kept"],
            "headings": [h for h in t["headings"] if " ".join(_words(h)) not in heads],
            "code": [c for c in t["code"] if not in_kind(blocks, c, "code")],
            "lists": [x for x in t["lists"] if not in_kind(blocks, x, "list_item")],
            "links": [x for x in t["links"] if any(_words(x) and spaced(_words(x)) in b for b in link_only)],
            "rows": [" | ".join(r) for r in t["rows"] if not row_kept(r, blocks.get("table_row", []) + blocks.get("table_head", []))],  # a header row is a row
            "head_rows": [w.strip() for w, n in missing.items() for _ in range(n)]}
    row = tally({"file": pdf.name, "pages": len(doc.page_starts), **words_kept(t, doc, "words")}, t, lost, doc, n_samples,
                paragraphs_split=sum(f == "split" for _, f in fates), paragraphs_glued=sum(f == "glued" for _, f in fates),
                false_heads=len(false_heads))
    if n_samples:
        row["samples"]["false_heads"] = [b.strip() for b in false_heads[:n_samples]]
    return row


COLS = [("words kept", "words"), ("paragraphs kept as one block", "paragraphs"), ("headings kept", "headings"),
        ("code kept as code", "code"), ("list items kept", "lists"), ("link lists kept out of quotes", "links"),
        ("table rows kept as rows", "rows"), ("header rows found", "head_rows")]


def render(rows: list[dict], which: str, vers: str, before: list[dict] | None = None, before_name: str = "") -> str:
    cmd = (f"python -m evals.measure_pdf_export --set {which} --out evals/results/pdf_export_{which}.md" if which != "files"
           else "python -m evals.measure_pdf_export --docx FILE ...")
    lines = ["# PDF extraction on word-processor PDFs: what of each file's content the document keeps", "",
             f"Regenerate: `{cmd}` (Debian packages {PACKAGES}; PDFs exported by {vers}). Counts from the .docx each PDF was "
             "exported from (evals/measure_pdf_export.py says how each is counted)" + (f"; before → after against `{before_name}`" if before else "") + ".", "",
             *table(rows, columns(COLS, first=[col("pages", "pages")],
                                  then=[col("false header rows", "false_heads", arrow=True),
                                        col("paragraphs split / glued", "paragraphs_split", "paragraphs_glued", arrow=True)]), before)]
    return "\n".join(lines) + "\n"


def docx_files(pages: list[str]) -> list[Path]:
    """measure_docx's LibreOffice .docx of each page of a set, converted first when not cached (a cached one
    is measured even when its page is not installed)."""
    docs = []
    for page in map(Path, pages):
        d = DOCX_CORPUS / "libreoffice" / f"{page.parent.name}-{page.stem}.docx"
        if d.exists() or page.exists():
            docs.append(d if d.exists() else convert(page)[0])
    return docs


def main(argv=None) -> int:
    return cli(argv, description=__doc__.splitlines()[0], name="pdf_export", files=("docx", "export and measure these .docx files instead of a set"),
               sets=SETS, packages=PACKAGES, paths=docx_files, measure=lambda docx, n: measure(to_pdf(docx), docx, n), render=render,
               tools=("soffice",))


if __name__ == "__main__":
    raise SystemExit(main())
