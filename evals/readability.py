"""Readability of an answer sentence as a reader sees it: a pure function, no I/O, no models.

`artefacts(text, headers)` lists the extraction artefacts found in one displayed sentence:

* `line_break`     - a hard line break inside the sentence, or an end-of-line hyphenation left
                     behind ("hyphen- ation"; a suspended hyphen such as "pre- and post-" is fine);
* `page_number`    - a line that is only a number (or "Page 3", "- 3 -", "3 of 40");
* `dot_leader`     - a table-of-contents / index dot leader (". . . .", "....." or "... 12"; not an
                     ellipsis and its full stop, "....", at a sentence's end);
* `glued_heading`  - a heading fused into the sentence: the sentence starts with a section
                     number and a capitalised title ("2.1 ASN.1 syntax The parser ..."), or with a
                     Title Case run of 4+ words holding a capitalised function word ("Maximum Number
                     Of Tables In A Join SQLite does ..."; not after "See": a cited title), or a line inside it
                     is a short numbered heading. A table row shown with its column names ("Resulting
                     Affinity: NUMERIC; Rule Used: 5") is checked cell by cell: a column name is a label;
* `repeated_header`- a running page header: one of `headers` (lines the caller found repeated at
                     the top of the document's pages), or a texinfo-style "Chapter 2: Title 11"
                     / "Appendix A: Title 40" with its page number;
* `word_fragment`  - the sentence starts with the tail of a word cut at a line or page break ("tion
                     (VECSXPs), and for ..."): a lowercase first word that is one of the endings English
                     hyphenation leaves (`_WORD_TAILS`) and not a word itself ("less", "able" are words);
* `fragment`       - a sentence cut off mid-clause: it ends with a comma, or with a word no
                     English sentence ends on ("and", "or", "either", "the", ...), with no sentence end
                     after it ("Its size is greater than 512 bytes, and"; "Note also that when documenting
                     data set bar,"), or with an abbreviation no sentence ends on ("... the usual reflog syntax (e.g.":
                     a splitter took its full stop for the sentence's). A lead-in that stops before the list or code it introduces is one too,
                     unless what it introduces is shown after it: `artefacts(..., continued=True)`;
* `stray_glyph`    - a character no reader can read: a control code (gnuplot.pdf's bullets came out as U+0088, a
                     TeX math font's "much less than" as U+001C), a private-use code point (a symbol font's
                     glyph) or U+FFFD, the replacement for a byte that was not text.

`readable(text)` is `not artefacts(text)`. Left out: artefacts we can't see in one sentence
without the document (a missing hyphen at a page break, reordered columns), and judging style.
"""

from __future__ import annotations

import re
from typing import Iterable

KINDS = ("line_break", "page_number", "dot_leader", "glued_heading", "repeated_header", "word_fragment", "fragment", "stray_glyph")

_HYPHEN_LEFT = re.compile(r"[a-z]-\s+([a-z]+)")
_SUSPENDED = {"and", "or", "nor", "to", "as", "vs"}  # "pre- and post-processing" is English, not an artefact
_NUMBER_LINE = re.compile(r"^\s*(?:[-–—]\s*)?(?:[Pp]age\s+)?(?:\d{1,4}|[ivxlc]{1,4})(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*[-–—])?\s*$")
_INLINE_PAGE = re.compile(r"\bpage\s+\d{1,4}\s+of\s+\d{1,4}\b|(?:^|\s)[-–—]\s?\d{1,4}\s?[-–—](?:\s|$)", re.I)
# Four spaced dots, five in a row, or dots before a page number; not "...." at a sentence's end (an ellipsis, or R's
# `...` argument, and its full stop: "arguments intended for ....").
_DOT_LEADER = re.compile(r"(?:\.\s){3,}\.|\.{5,}|\.{3,}\s*\d+\s*$|(?:·\s?){3,}|…{2,}")
_SECTION_NO = r"(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-Z]\.\d{1,2}(?:\.\d{1,2})*\.?)"
_HEADING_START = re.compile(rf"^{_SECTION_NO}\s+[A-Z]")
_NEW_SENTENCE_INSIDE = re.compile(r"[a-z0-9)]\s+[A-Z][a-z]+\s+[a-z]")  # "... syntax The parser is"
_HEADING_LINE = re.compile(rf"^{_SECTION_NO}\s+[A-Z][^!?;]{{0,70}}(?<![.:,])$")
# Capitalised function words are the signature of a Title Case heading ("Maximum Number Of Tables In A Join").
_TITLE_WORDS = {"Of", "In", "A", "An", "The", "For", "And", "To", "On", "With", "From", "By", "At", "Or", "As", "Into",
                "Where", "When", "How", "What", "Is", "Are", "May", "Be"}
_CROSS_REF = {"See", "Read", "Visit"}  # "See How To Corrupt An SQLite Database File for ...": a cited title, not a heading
# Word endings that a line or page break can leave at the start of a line and that are not English words.
_WORD_TAILS = frozenset(
    "tion tions sion sions ment ments nesses ing ings ity ities ance ances ence ences ency ancy ible ibly ical ically "
    "ized izes izing ised ises ising ation ations ative atively ture tures ously ively iness ional ionally ular ful tive "
    "tives cally tically lessly ization izations isation isations ement ements edly".split())
_FIRST_WORD = re.compile(r"[a-z]+(?=[\s,;:.)]|$)")
# A clause left open: a comma, a conjunction or a word that needs what follows it, at the very end.
_OPEN_END = re.compile(r"(?:,|\b(?:and|or|nor|but|either|neither|whether|the|a|an|of|to|that|which|than|such as|like|"
                       r"with|by|for|from|into|between|is|are|must|should|can|will)\b)\W{0,2}$", re.I)
_ABBREV_END = re.compile(r"\b(?:e\.g|i\.e|cf|viz)\.$", re.I)  # "... reflog syntax (e.g.": cut after an abbreviation
_FENCED = re.compile(r"(`{3,})\n(.*)\n\1", re.S)  # a code block the answer shows fenced, on lines of its own
_CLOSED_END = re.compile(r"[.!?:]['\"”’)\]]*$")
_STRAY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")  # (tab, newline, CR: line_break's)
_TEXINFO_HEADER = re.compile(r"\b(?:Chapter\s+\d{1,2}|Appendix\s+[A-Z]):\s+[^.!?\n]{1,70}?\s\d{1,4}\b")


def _squeeze(s: str) -> str:
    return " ".join(s.split())


def _cells(flat: str) -> list[str]:
    """The cell values of a row shown with its column names ("Name: value; Name: value"), else [flat]."""
    segs = flat.split("; ")
    if len(segs) > 1 and all(": " in seg for seg in segs):
        return [seg.split(": ", 1)[1] for seg in segs]
    return [flat]


def artefacts(text: str, headers: Iterable[str] = (), continued: bool = False) -> list[str]:
    """The artefact kinds found in one displayed answer sentence, in KINDS order (empty = readable). `continued`: the
    answer shows, right after it, what the sentence leads into (its list items or code), so an open end is no fragment."""
    body = text.strip()
    if fenced := _FENCED.fullmatch(body):  # a quoted code block keeps its lines on purpose: read as one line of code
        body = "`" + " ".join(ln.strip() for ln in fenced.group(2).splitlines() if ln.strip()) + "`"
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    flat = _squeeze(body)
    found: set[str] = set()

    if len(lines) > 1 or "\r" in body:
        found.add("line_break")
    for m in _HYPHEN_LEFT.finditer(flat):
        if m.group(1) not in _SUSPENDED:
            found.add("line_break")

    if len(lines) > 1 and any(_NUMBER_LINE.match(ln) for ln in lines):
        found.add("page_number")
    if _INLINE_PAGE.search(flat):
        found.add("page_number")

    if _DOT_LEADER.search(flat):
        found.add("dot_leader")

    start = _HEADING_START.match(flat)
    if start and _NEW_SENTENCE_INSIDE.search(flat, start.end()):
        found.add("glued_heading")  # "2.1 ASN.1 syntax The parser is ..." (a heading alone is not glued)
    for part in _cells(flat):
        words = part.split()
        run = next((i for i, w in enumerate(words) if not w[:1].isupper()), len(words))
        if 4 <= run < len(words) and any(w in _TITLE_WORDS for w in words[1:run]) and words[0] not in _CROSS_REF:
            found.add("glued_heading")  # "Maximum Number Of Tables In A Join SQLite does not support ..."
    if len(lines) > 1 and any(_HEADING_LINE.match(ln) and len(ln.split()) <= 10 for ln in lines):
        found.add("glued_heading")

    if _TEXINFO_HEADER.search(flat):
        found.add("repeated_header")
    for h in headers:
        h = _squeeze(h)
        if h and h in flat:
            found.add("repeated_header")

    first = _FIRST_WORD.match(flat)
    if first and first.group(0) in _WORD_TAILS:
        found.add("word_fragment")  # "tion (VECSXPs), and for ...": a word's tail from the line or page before

    code = flat.startswith("`") or flat.endswith("`")  # quoted code ends as its language does ("... = ON;")
    row = " | " in flat or len(_cells(flat)) > 1  # a table row's last cell is a value, not a clause ("... of a")
    if not (continued or code or row) and "\n" not in body and _OPEN_END.search(flat) and not _CLOSED_END.search(flat):
        found.add("fragment")  # "Its size is greater than 512 bytes, and": the rest of the clause is not shown
    if not code and _ABBREV_END.search(flat):
        found.add("fragment")

    if _STRAY.search(body):
        found.add("stray_glyph")  # "See set clip (p. 137). \x88 Extra lines ...": a bullet no font named

    return [k for k in KINDS if k in found]


def readable(text: str, headers: Iterable[str] = (), continued: bool = False) -> bool:
    return not artefacts(text, headers, continued)
