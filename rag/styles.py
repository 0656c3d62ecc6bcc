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
