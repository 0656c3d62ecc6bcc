"""What the office-file measures share (evals/measure_docx.py, measure_odt.py, measure_pdf_export.py,
measure_pptx.py): reading a file as the project does, scoring a truth dict against the document, the
report's table and the command line. Each measure keeps what differs: its converter, its truth, its columns.

Texts are compared as measure_html's `_words` (lower-cased \\w+ runs); a block is " w1 w2 ... " (its words
between spaces), so that a text's words are found in it whole.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from evals import readability
from evals.measure_html import _NAV, _kept, _words, kept_paragraph, row_kept

ROOT = Path(__file__).resolve().parents[1]


class Column(NamedTuple):
    """A column of a report's table: its header, its cell for a row, and whether the cell shows "before → after"
    against --before."""

    header: str
    show: Callable[[dict], str]
    arrow: bool = False


def versions(*tools: str) -> str:
    """The first line of each tool's `--version` ("missing" where it does not run), joined by "; "."""
    def first(tool: str) -> str:
        try:
            return subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=60).stdout.splitlines()[0].strip()
        except (OSError, IndexError, subprocess.SubprocessError):
            return "missing"
    return "; ".join(first(t) for t in tools)


def load(path: Path):
    """The file as the project reads it (rag.loaders.load_file); one it refuses is an empty Document, all lost."""
    from rag.loaders import Unreadable, load_file
    from rag.types import Document

    try:
        return load_file(path.resolve(), path.resolve().parent, 10**10)
    except Unreadable as e:  # counted as all lost
        print(f"{path}: {e}", file=sys.stderr)
        return Document(source=str(path), root="", title="", text="", sha256="")


class MonoRuns:
    """Code in a truth: runs of consecutive monospace paragraphs (their raw text); a run of 2+, or one
    paragraph holding a line break, is code, counted by its first line with words."""

    def __init__(self):
        self.code: list[str] = []
        self.run: list[str] = []

    def add(self, raw: str) -> None:
        self.run.append(raw)

    def end(self) -> None:
        """The run stops here: a paragraph with words that is not monospace, or the end of the document."""
        if len(self.run) >= 2 or (self.run and "\n" in self.run[0]):
            self.code.append(next(x for x in self.run[0].split("\n") if _words(x)))
        self.run.clear()


def spaced(words: list[str]) -> str:
    return " " + " ".join(words) + " "


def by_kind(doc) -> dict[str, list[str]]:
    """The document's blocks, spaced words, by kind."""
    out: dict[str, list[str]] = {}
    for b in doc.blocks:
        out.setdefault(b.kind, []).append(spaced(_words(doc.text[b.start : b.end])))
    return out


def in_kind(blocks: dict[str, list[str]], text: str, *kinds: str) -> bool:
    """`text`'s words, whole and in order, inside one block of one of `kinds`."""
    w = spaced(_words(text))
    return any(w in blk for k in kinds for blk in blocks.get(k, []))


def coverage(want: list[str], have: Counter) -> tuple[int, int]:
    """(kept, all) of the words `want`, as multisets."""
    w = Counter(want)
    return sum(min(n, have[k]) for k, n in w.items()), len(want)


def words_kept(t: dict, doc, *keys: str) -> dict:
    """{key: how many, key_kept: how many found in the document text} for each word list of the truth."""
    have = Counter(_words(doc.text))
    out = {}
    for k in keys:
        kept, n = coverage(t[k], have)
        out |= {k: n, f"{k}_kept": kept}
    return out


def quotable(doc) -> tuple[list[str], list[str], list[str]]:
    """The quotable sentences of the document as chunked for the index, those with an artefact
    (evals/readability.py), the navigation-only ones."""
    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document

    sentences = []
    for c in chunk_document(doc, 192, 0):
        sentences += [c.text[s:e] for s, e in quotable_spans(c)]
    bad = [s for s in sentences if readability.artefacts(s)]
    nav = [s for s in sentences if (w := _words(s)) and set(w) <= _NAV]
    return sentences, bad, nav


def tally(head: dict, t: dict, lost: dict[str, list[str]], doc, n_samples: int = 0, **more) -> dict:
    """A file's row: `head`, then for each kind in `lost` how many the truth holds and how many were lost,
    `more`, the quotable sentences, those with an artefact, the navigation-only ones and the blocks by kind;
    with `n_samples`, that many examples of each under "samples"."""
    sentences, bad, nav = quotable(doc)
    row = {**head, **{k: len(t[k]) for k in lost}, **{f"{k}_lost": len(v) for k, v in lost.items()}, **more,
           "sentences": len(sentences), "artefact": len(bad), "nav": len(nav),
           "blocks": {k: sum(b.kind == k for b in doc.blocks) for k in sorted({b.kind for b in doc.blocks})}}
    if n_samples:
        row["samples"] = {**{f"{k}_lost": v[:n_samples] for k, v in lost.items()}, "artefact": bad[:n_samples], "nav": nav[:n_samples]}
    return row


def score(file: str, t: dict, doc, n_samples: int = 0, *, code_line: Callable[[str], str] = str,
          link_kinds: tuple[str, ...] = ("toc",)) -> dict:
    """The row of a word-processor file (measure_docx's and measure_odt's rules) from its truth `t`:
    words and note words kept; paragraphs kept (measure_html's `kept_paragraph`); headings as a `heading`
    block with the same words; code by `code_line` of its first line in a `code` block; list items in a
    `list_item` block; link lists in a block of `link_kinds`; table rows as measure_html's `row_kept`."""
    blocks = by_kind(doc)
    doc_words = spaced(_words(doc.text))
    heads = {b.strip() for b in blocks.get("heading", [])}
    lost = {"paragraphs": [p for p in t["paragraphs"] if not kept_paragraph(p, doc_words)],
            "headings": [h for h in t["headings"] if " ".join(_words(h)) not in heads],
            "code": [c for c in t["code"] if not in_kind(blocks, code_line(c), "code")],
            "lists": [x for x in t["lists"] if not in_kind(blocks, x, "list_item")],
            "links": [x for x in t["links"] if not in_kind(blocks, x, *link_kinds)],
            "rows": [" | ".join(r) for r in t["rows"] if not row_kept(r, blocks.get("table_row", []) + blocks.get("table_head", []))]}  # a header row is a row
    return tally({"file": file, **words_kept(t, doc, "words", "note_words")}, t, lost, doc, n_samples)


# --- manual headings (measure_docx / measure_odt --manual-headings) ---------------------------------------
# Each file of the corpus rewritten so that its heading-styled paragraphs are body paragraphs formatted by hand,
# the way people write reports and memos without heading styles. The style varies by file (VARIANTS, chosen by
# `variant`), as it varies between authors; the level's size is relative to the body's (points added):
VARIANTS = {
    "bold, larger": lambda lvl: (True, {0: 6, 1: 4, 2: 2}.get(lvl, 0), ""),  # 18/16/14pt bold on 12pt, deeper: bold only
    "bold only": lambda lvl: (True, 0, ""),  # every level bold at the body's size: levels cannot be told apart
    "larger only": lambda lvl: (False, {0: 8, 1: 6, 2: 4, 3: 2}.get(lvl, 1), ""),  # not bold, a size per level
    "mixed": lambda lvl: (True, 2, "caps") if lvl <= 1 else (True, 0, "underline") if lvl == 2 else (True, 0, "italic"),
}


ORDER: dict[str, int] = {}  # a set's files -> their place in it (set by the measures' --manual-headings paths)


def variant(name: str) -> str:
    """The hand-made heading style of the file `name`: the styles in turn along the set's files (each style
    on a quarter of them), or by a checksum of the name for a file outside the set."""
    import zlib

    return list(VARIANTS)[ORDER.get(name, zlib.crc32(name.encode())) % len(VARIANTS)]


def in_turn(names: list[str], stride: int = 1) -> None:
    """Give the files of a set their hand-made heading styles in turn (`variant`); with `stride` n, the set is n
    interleaved series (the same pages from n converters), each taking the styles in turn from its own start."""
    ORDER.clear()
    ORDER.update({n: i // stride + (i % stride) * len(VARIANTS) // stride for i, n in enumerate(names)})


def nesting(t: dict, doc) -> int:
    """How many of the truth's headings (t["headings"], at t["levels"]) are found, in order, as a `heading`
    block whose section path has the same words as the truth's path (the headings above it at lower levels)."""
    from rag.blocks import SEP

    heads = [(spaced(_words(doc.text[b.start : b.end])).strip(), b.section) for b in doc.blocks if b.kind == "heading"]
    stack: list[tuple[int, str]] = []
    right, i = 0, 0
    for h, lvl in zip(t["headings"], t["levels"]):
        while stack and stack[-1][0] >= lvl:
            stack.pop()
        stack.append((lvl, " ".join(_words(h))))
        for j in range(i, len(heads)):
            if heads[j][0] == stack[-1][1]:
                i = j + 1
                right += [" ".join(_words(x)) for x in heads[j][1].split(SEP) if _words(x)] == [w for _, w in stack]
                break
    return right


def manual_score(file: str, t: dict, doc, styled_doc, style: str, n_samples: int = 0, **kw) -> dict:
    """`score`'s row of a rewritten file against the styled file's truth `t`, with the headings at the right
    nesting, the false headings (`heading` blocks whose words are no heading of the truth) and, for reference,
    the headings and nesting the styled file `styled_doc` keeps."""
    row = score(file, t, doc, n_samples, **kw)
    truth_heads = {" ".join(_words(h)) for h in t["headings"]}
    false = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "heading" and " ".join(_words(doc.text[b.start : b.end])) not in truth_heads]
    styled = score(file, t, styled_doc, 0, **kw)
    row |= {"style": style, "nested": nesting(t, doc), "false_headings": len(false),
            "styled_headings_kept": styled["headings"] - styled["headings_lost"], "styled_nested": nesting(t, styled_doc)}
    if n_samples:
        row["samples"]["false_headings"] = false[:n_samples]
    return row


def manual_columns(kept: list[tuple[str, str]]) -> list[Column]:
    """The manual-heading report's columns: the style, headings kept, at the right nesting, false headings,
    then the other kept measures (`kept`) and the quotable sentences."""
    return columns([("headings kept", "headings")], first=[Column("style", lambda r: r.get("style", ""))],
                   then=[Column("at the right nesting", lambda r: f"{r['nested']}/{r['headings']}", arrow=True),
                         col("false headings", "false_headings", arrow=True),
                         Column("styled file: kept / nested", lambda r: f"{r['styled_headings_kept']} / {r['styled_nested']}"),
                         *[Column(h, lambda r, k=k: share(r[f"{k}_kept"], r[k]) if k.endswith("words") else _kept(r[k], r[f"{k}_lost"]), arrow=True)
                           for h, k in kept if k != "headings"]])


MANUAL_ABOUT = ("Each file rewritten so that every heading-styled paragraph is a body paragraph formatted by hand (the style "
                "varies by file: " + "; ".join(VARIANTS) + "; evals/_measure_office.py VARIANTS); the truth is the styled file's "
                "(its headings and their levels). Headings kept: a `heading` block with the same words; at the right nesting: its "
                "section path has the words of the truth's path; false headings: `heading` blocks that are no heading of the truth; "
                "styled file: what the unmodified file keeps, for reference.")


def manual_render(fmt: str, module: str, option: str, packages: str, converters: str, kept: list[tuple[str, str]]) -> Callable[..., str]:
    """The --manual-headings report writer of `evals.<module>` (measure_docx, measure_odt): `render(rows, which,
    versions[, before rows, before file name])`, the same for both but for the names."""

    def render(rows: list[dict], which: str, vers: str, before: list[dict] | None = None, before_name: str = "") -> str:
        cmd = f"python -m evals.{module} --manual-headings " + (f"--set {which}" if which != "files" else f"--{option} FILE ...")
        lines = [f"# {fmt} extraction: headings formatted by hand (bold, larger) instead of heading styles", "",
                 f"Regenerate: `{cmd}` (Debian packages {packages}; {converters}: {vers}). " + MANUAL_ABOUT
                 + (f" Before → after against `{before_name}`." if before else ""), "",
                 *table(rows, manual_columns(kept), before)]
        return "\n".join(lines) + "\n"

    return render


def share(kept: int, n: int) -> str:
    return f"{kept / n:.3f}" if n else "–"


def col(header: str, *keys: str, arrow: bool = False) -> Column:
    """A column of the row's values at `keys`, joined by " / "."""
    return Column(header, lambda r: " / ".join(str(r[k]) for k in keys), arrow)


def columns(kept: list[tuple[str, str]], *, first: Iterable[Column] = (), then: Iterable[Column] = ()) -> list[Column]:
    """The file, `first`, a column per (header, key) of `kept` (the share of words kept for a key ending in
    "words", else kept/all), `then`, the quotable sentences, those with an artefact, the navigation-only ones."""
    def cell(k: str) -> Callable[[dict], str]:
        return lambda r: share(r[f"{k}_kept"], r[k]) if k.endswith("words") else _kept(r[k], r[f"{k}_lost"])
    return [col("file", "file"), *first, *[Column(h, cell(k), arrow=True) for h, k in kept], *then,
            col("quotable sentences", "sentences"), col("with an artefact", "artefact", arrow=True), col("navigation only", "nav", arrow=True)]


def totals(rows: list[dict]) -> dict:
    return {k: sum(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], int)}


def table(rows: list[dict], cols: list[Column], before: list[dict] | None = None) -> list[str]:
    """A Markdown table: a line per row and one for "all" (the sums of the rows' counts); with `before`
    (the rows of an older run), "before → after" in the columns that show it."""
    old = {r["file"]: r for r in before or []}
    btot = totals(before) if before else None
    lines = ["| " + " | ".join(c.header for c in cols) + " |", "|" + "---|" * len(cols)]
    for r in [*rows, {**totals(rows), "file": "all"}]:
        b = old.get(r["file"]) if r["file"] != "all" else btot
        lines.append("| " + " | ".join(f"{c.show(b)} → {c.show(r)}" if b and c.arrow else c.show(r) for c in cols) + " |")
    return lines


def cli(argv, *, description: str, name: str, files: tuple[str, str], sets: dict[str, list[str]], packages: str,
        paths: Callable[[list[str]], list], measure: Callable[[object, int], dict], render: Callable[..., str],
        tools: tuple[str, ...], before: bool = True, samples: bool = True, ensure_ascii: bool = True) -> int:
    """A measure's command line: `--<files[0]> FILE ...` (help `files[1]`) or `--set`, `--out` (default
    evals/results/<name>_<set>.md), `--before OLD.json` when `before`, `--samples N` when `samples`.
    `paths` turns a set's pages into the items `measure(item, n_samples)` scores (none: the packages are not
    installed); `render(rows, which, versions of tools[, before rows, before file name])` writes the report
    to --out, the rows go beside it as .json (with --samples, the examples as .samples.json), and it is printed."""
    flag, files_help = files
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument(f"--{flag}", type=Path, nargs="+", default=None, help=files_help)
    ap.add_argument("--set", choices=sorted(sets), default="heldout")
    ap.add_argument("--out", type=Path, default=None, help=f"default: evals/results/{name}_<set>.md")
    if before:
        ap.add_argument("--before", type=Path, help="the .json of the same measure on older code: shows before → after")
    if samples:
        ap.add_argument("--samples", type=int, default=0, help="also write N lost/artefact examples per file to <out>.samples.json")
    a = ap.parse_args(argv)
    given = getattr(a, flag)
    which = a.set if given is None else "files"
    out = a.out or ROOT / "evals" / "results" / f"{name}_{which}.md"
    if given is not None:
        items = given
    else:
        items = paths(sets[a.set])
        if not items:
            print(f"no pages found: apt-get install {packages}", file=sys.stderr)
            return 2
    n_samples = a.samples if samples else 0
    rows = [measure(x, n_samples) for x in items]
    if n_samples:
        out.with_suffix(".samples.json").write_text(json.dumps({r["file"]: r.pop("samples") for r in rows}, indent=1, ensure_ascii=False))
    old = (json.loads(a.before.read_text()) if a.before else None, a.before.name if a.before else "") if before else ()
    out.write_text(render(rows, which, versions(*tools), *old))
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1, ensure_ascii=ensure_ascii))
    print(out.read_text())
    return 0
