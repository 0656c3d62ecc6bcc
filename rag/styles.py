"""What a word processor's style and font names say, for the DOCX (rag/wordml.py) and ODT (rag/odf.py) readers.

Word and LibreOffice name their built-in styles alike ("Preformatted Text", "Contents 1", "Index 1"),
and pandoc writes the same names into both, so one reading serves both formats. Each reader keeps
its own definition-list style names (rag/odf.py also takes pandoc's ODT names, "Definition Definition"
and the "… Tight" ones) and its own heading rules (outline levels count differently in the two formats).
"""

from __future__ import annotations

import re

MONO = re.compile(r"mono|courier|consolas|menlo|monaco|typewriter|fixedsys|\bcode\b", re.I)  # a monospaced font's name
CODE_STYLE = re.compile(r"(?:html )?preformatted(?: text)?|source ?code|plain text|code|verbatim|macro text", re.I)
TOC_STYLE = re.compile(r"(?:TOC|Table of Figures|Index|Contents (?:\d|Heading))\b", re.I)


def style_kind(name: str, term: re.Pattern, description: re.Pattern) -> str:
    """What a paragraph style's name says its paragraphs are: "toc", "index", "code", "term" or
    "description" (a definition list's term and its description, by the reader's own `term` and
    `description` names), or "" (nothing special). The first of these that matches wins."""
    if TOC_STYLE.match(name):
        return "index" if name.lower().startswith("index") else "toc"
    if CODE_STYLE.fullmatch(name.split(".")[0].strip()):
        return "code"
    if term.fullmatch(name):
        return "term"
    if description.fullmatch(name):
        return "description"
    return ""


# Headings formatted by hand (rag/wordml.py, rag/odf.py): reports, memos and policies typed without heading styles set
# a heading as a body paragraph, bold and/or larger than the body. The rule, fixed on the dev set of
# `python -m evals.measure_docx --manual-headings` / measure_odt before the held-out run (as evals/results/*_manual_*.md show):
#   * only in a document where no paragraph has a heading level from its style or outline level ("Title" alone does not
#     count): a document that uses heading styles marks its headings itself, and is read as before;
#   * a paragraph outside tables, lists, text boxes and notes, not code, a contents entry, a definition term or nothing
#     but links (the reader leaves those out: `None` below), of 1 to MANUAL_MAX_WORDS words, not ending in . , ; or :
#     (a question mark is fine: a FAQ's question), whose every character with text is bold at about the body's size or
#     larger, or at least 1pt larger than the body, bold or not. The body's size is the most common by characters
#     among the paragraphs outside tables;
#   * not a caption ("Table 4.1. Files", "Example 8.1. ...", as rag/pdf_layout.py says);
#   * which is not the document's last paragraph, and not next to a paragraph of the same format that would qualify (a
#     block of bold lines, an address, a bold warning of several short lines: none of it is a heading);
#   * its level ranks its format among those of the document's manual headings: larger first, then bold before not bold
#     (the same size and weight are one level; a Title keeps level 0 above them).
MANUAL_MAX_WORDS = 12
_NOT_A_HEADING_END = re.compile(r"[.,;:]$")
_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Example|Listing)\s+[A-Z0-9]+(?:[.-]\d+)*[.:]\s", re.I)  # as rag/pdf_layout.py


def manual_headings(paras: list, sizes: dict[float, int]) -> dict[int, int]:
    """{index: level} of the paragraphs `paras` that are headings formatted by hand. `paras` are the document's
    paragraphs with text in reading order (a table counts as one), each (text, all bold, smallest size in points
    among its characters with text), or None where the paragraph cannot be a heading (see the rule above);
    `sizes`: points -> characters of text at that size outside tables."""
    if not sizes:
        return {}
    body = max(sizes.items(), key=lambda kv: (kv[1], -kv[0]))[0]  # (a tie: the smaller size)

    def fmt(x) -> tuple[float, bool] | None:
        if x is None:
            return None
        text, bold, size = x
        words = text.split()
        if not 1 <= len(words) <= MANUAL_MAX_WORDS or _NOT_A_HEADING_END.search(text.rstrip()) or _CAPTION.match(text):
            return None
        if size >= body + 1:
            return (round(size, 1), bold)
        return (body, True) if bold and size >= body - 0.5 else None

    fmts = [fmt(x) for x in paras]
    heads = {i: f for i, f in enumerate(fmts)
             if f and i + 1 < len(fmts) and fmts[i + 1] != f and (i == 0 or fmts[i - 1] != f)}
    ranks = sorted(set(heads.values()), key=lambda f: (-f[0], not f[1]))
    return {i: ranks.index(f) + 1 for i, f in heads.items()}


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
          (5, "v"), (4, "iv"), (1, "i"))


def format_number(n: int, fmt: str) -> str:
    """A heading or list number as the style shows it; `fmt` is Word's numFmt ("decimal", "lowerLetter",
    "upperRoman", ...; rag/odf.py maps ODF's "a", "I", ... to these)."""
    if fmt in ("lowerLetter", "upperLetter"):
        s = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        s, m = "", n
        for v, r in _ROMAN:
            while m >= v:
                s, m = s + r, m - v
        return s.upper() if fmt == "upperRoman" else s
    if fmt == "decimalZero":
        return f"{n:02d}"
    return str(n)  # decimal, and the number itself for formats spelled out in words
