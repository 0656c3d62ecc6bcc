"""Small text utilities shared by answerers, verification and evals: sentence spans and key terms.

The sentence splitter is a regex with an abbreviation guard. NLTK punkt also gives exact
spans (`PunktSentenceTokenizer.span_tokenize`), and was measured against it
(evals/results/sentences.md, `python -m evals.measure_sentences`): on SQuAD the regex cuts
fewer gold answers across a boundary, and on real manuals punkt splits after "e.g.", initials
and list numbers far more often; so the regex stays. It does not handle every abbreviation;
a missed one splits a sentence in two, which costs recall but never invents text. Which
sentences of a chunk may be quoted at all is decided by its blocks (rag/blocks.py).
"""

from __future__ import annotations

import functools
import re

from rag.retrieval import STOPWORDS, tokenize

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "no", "fig", "inc", "ltd",
    "co", "corp", "gen", "gov", "sen", "rep", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "approx", "ca", "cf", "al", "mt", "ft", "lt", "col", "capt", "sgt",
}
# A sentence ends at . ! or ?, then optional closing quotes/brackets and reference or citation
# markers ("France.[12] It", "sources.[1][2] Next"), then whitespace and a capital or digit.
_BOUNDARY = re.compile(
    r"""(?<=[.!?])["'”’)\]]*(?:\[\d+(?:\s*[,;–-]\s*\d+)*\])*(?P<ws>\s+)(?=["'“‘(\[]?[A-Z0-9])|(?P<par>\n\s*\n|\n(?=\s*(?:[-*#•]|\d+[.)]\s)))"""
)
# An ellipsis after a space elides inside a sentence when the words on either side are of one series: keywords in
# capitals ("ALTER TABLE ... ADD COLUMN"), small numbers ("0 ... 7", "1.1.2 ... 1.2"), single letters in order ("A ... F"),
# numbers with one unit ("200 k ... 900 k"), or identifiers that start alike ("ARG1 ... ARG9", "ARGV[0] ... ARGV[ARGC]").
# Otherwise it ends one, as in search snippets ("Mar 16, 2023 ... GPT-3 is").
_ELISION = re.compile(r"(?:(\S+) )?(\S+) \.\.\.$")  # (a boundary follows . ! or ?, so never a "…")
_NEXT_WORDS = re.compile(r"(\S+)(?: (\S+))?")  # the word after an ellipsis and, after one space, the next
_KEYWORD = re.compile(r"[A-Z]{2,}")
_SMALL_NUMBER = re.compile(r"\d{1,3}(?:\.\d+)*")
_NUMBER = re.compile(r"\d[\d,.]*")
_LETTER = re.compile(r"[A-Za-z]")


def _one_series(before: str, after: str, before2: str = "", after2: str = "") -> bool:
    """`before` ... `after` elide one series; `before2` is the word before `before`, `after2` the one after `after`."""
    before, after = before.rstrip(",;"), after.rstrip(",;.)")
    if _KEYWORD.fullmatch(before) and _KEYWORD.fullmatch(after) or _SMALL_NUMBER.fullmatch(before) and _SMALL_NUMBER.fullmatch(after):
        return True
    if _LETTER.fullmatch(before) and _LETTER.fullmatch(after) and before < after:  # "9 A ... F a ... f"
        return True
    if _NUMBER.fullmatch(before2.rstrip(",;")) and _NUMBER.fullmatch(after) and after2.rstrip(",;.)") == before:  # "100 k, 200 k ... 900 k"
        return True
    ident = any(re.search(r"[\d\[\]_-]", w) for w in (before, after))
    return ident and len(before) >= 2 and before[:2] == after[:2] and bool(re.search(r"[A-Za-z]", before[:2]))


_TRAILING_REFS = re.compile(r"(?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+$")
_MIN_CHARS = 3


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences in `text`, stripped of surrounding whitespace."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.group("ws") is not None:
            cut = m.start("ws")
            if "\n" not in m.group("ws"):
                # Abbreviation guard: "Dr. Smith", "U.S. Army", initials like "J. Smith".
                word = re.search(r"([\w.]+)[.!?]$", _TRAILING_REFS.sub("", text[start:cut]).rstrip("\"'”’)]"))
                w = word.group(1).lower() if word else ""
                if w in _ABBREV or (len(w) == 1 and w.isalpha()):
                    continue
                if text.endswith(" ...", start, cut) and (el := _ELISION.search(text, start, cut)):
                    after = _NEXT_WORDS.match(text, m.end())
                    if _one_series(el.group(2), after.group(1), el.group(1) or "", after.group(2) or ""):
                        continue
        else:
            cut = m.start("par")
        spans.append((start, cut))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        seg = text[s:e]
        ls = len(seg) - len(seg.lstrip())
        rs = len(seg.rstrip())
        if rs - ls >= _MIN_CHARS:
            out.append((s + ls, s + rs))
    return out


def strip_trailing_refs(text: str, start: int, end: int) -> int:
    """End of the span `text[start:end]` without trailing reference markers like "[12]"."""
    m = _TRAILING_REFS.search(text, start, end)
    return m.start() if m and m.start() > start else end


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


_POSSESSIVE = re.compile(r"['’]s?$")


@functools.lru_cache(maxsize=1 << 16)  # pure, and called for every word of every candidate sentence
def stem(tok: str) -> str:
    """A crude, deterministic stemmer: enough to match 'proposed'/'proposal' on a shared prefix.
    A possessive is dropped first, so "alliance's" matches "alliance"."""
    tok = _POSSESSIVE.sub("", tok)
    for suf in ("ational", "ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if tok.endswith(suf) and len(tok) - len(suf) >= 4:
            return tok[: len(tok) - len(suf)]
    return tok


def content_words(text: str) -> list[str]:
    """Content tokens (lowercase, no stopwords), stemmed, in order, repeats kept."""
    return [stem(t) for t in tokenize(text)]


def key_terms(text: str) -> list[str]:
    """Content tokens (lowercase, no stopwords), stemmed, in order, without duplicates."""
    return list(dict.fromkeys(content_words(text)))


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without|cannot)\b|n't\b", re.I)


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial: a cheap proxy for named entities."""
    out = set()
    for sent in sentences(text) or [text]:
        words = re.findall(r"[A-Za-z][\w'’-]*", sent)
        for w in words[1:]:
            if w[0].isupper() and w.lower() not in STOPWORDS:
                out.add(w.lower())
    return out


def has_negation(text: str) -> bool:
    return bool(_NEGATION.search(text))
