"""Table lookup: a question that names a table row and one of its columns is answered by that row.

"When was Debian 10 (Buster) released?" over a release table: the row is the one whose cells say
"10" and "Buster", the column is "release", and the answer is that row. The span reader was trained
on prose (SQuAD) and reads such a row badly: every date of "version: 10; codename: Buster; created:
2017-06-17; release: 2019-07-06; ..." looks alike to it, so it scores "no answer" and the question
was refused. A lookup is a plain word match instead, in four steps:

1. the question's key terms, and what they abbreviate: "long-term support (LTS)" makes "LTS" stand for
   "long", "term" and "support"; a column named "eol" stands for the question's "end of life";
2. per table row under a header row, in the retrieved passages: which terms its cells, its column
   names or its document's name (a sheet "debian.csv" is about Debian) hold;
3. the row must be named by one of its own cells (not only by the column names), and one column
   must be asked for: named by the question, not empty, with a value the question does not already
   give, of the asked kind (a date for "when", a number for "how many"); or, when the question names
   no column, a row pinned by two or more of its cells asks for its one other non-empty cell
   ("Which card has device ID 73BF with revision C1?" over device | revision | product);
4. every name (a capitalised word) and every number of the question is the row's, its columns', its
   document's or its group label's: "Debian 9" is not Ubuntu's "9.04". A group label is a row of one cell
   across the table above the rows it labels ("Class P0 — PL/pgSQL Error" above "P0001 | raise_exception"
   in PostgreSQL's error codes): its words count for the rows below it in the same passage;
5. the row that holds the most terms wins if it holds at least half of them, and no other row holds
   as many with a different answer, unless one of them alone has its cells where the question puts
   them: "SQLITE_TEMP_STORE to 2 and PRAGMA temp_store = 1" binds 2 to the column named by SQLITE and 1
   to the one named by PRAGMA (a value belongs to the column whose own name word came last before it),
   which the row "2 | 1 | file" has and "1 | 2 | memory" does not.

Left out: questions over several rows ("Which release came after Buster?"), sums and comparisons,
and synonyms beyond abbreviations (a column "eol" is not "support ends"): those are left to the
reader and the refusal model, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Iterable, Sequence

from rag.answer import Candidate, question_type
from rag.blocks import cells_of, column_names
from rag.text import content_words, key_terms, numbers, stem
from rag.types import ScoredChunk

MIN_COVERAGE = 0.5  # share of the question's key terms that the row, its column names and its document hold
_WORD = re.compile(r"[A-Za-z0-9]+")
_ACRONYM = re.compile(r"\(([A-Za-z]{2,6})\)")
_NAME = re.compile(r"(?<!^)(?<![.?!] )\b[A-Z][A-Za-z]+")  # a capitalised word, not the question's first
_EMPTY = {"", "–", "-", "—"}


@dataclass(frozen=True)
class RowMatch:
    source: int  # 1-based rank of the hit holding the row
    start: int  # the row in the hit's chunk text
    end: int
    column: str  # the column the question asks for
    value: str  # its cell in this row
    coverage: float  # share of the question's key terms held


def _same(a: str, b: str) -> bool:
    """Stems match, or one is a prefix of the other of at least 4 letters ('releas' / 'release'), or a word of
    three letters inflected ('fix' / 'fixed', 'use' / 'used'; the stemmer leaves words that short alone)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) == 3 and short.isalpha():
        return long_ in {short + x for x in ("s", "es", "d", "ed", "ing")}
    return len(short) >= 4 and long_.startswith(short)


def _held(term: str, words: Iterable[str]) -> bool:
    return any(_same(term, w) for w in words)


def abbreviations(question: str) -> dict[str, set[str]]:
    """'long-term support (LTS)' -> {'lts': {'long', 'term', 'support'}}: the words before a parenthesised
    acronym that spell it, right to left, by their initials or as a tail of it ('extended LTS (ELTS)')."""
    out: dict[str, set[str]] = {}
    for m in _ACRONYM.finditer(question):
        letters = m.group(1).lower()
        words = [w.lower() for w in _WORD.findall(question[: m.start()])]
        i, covered = len(letters), set()
        for w in reversed(words):
            if i == 0:
                break
            if letters[:i].endswith(w) and len(w) > 1:
                i -= len(w)
            elif w[0] == letters[i - 1]:
                i -= 1
            else:
                break
            covered.add(stem(w))
        if i == 0:
            out[stem(letters)] = covered
    return out


def spelled(acronym: str, question: str) -> set[str]:
    """The question's words whose initials, in a row, spell `acronym` ('eol' <- 'end of life'), as stems."""
    words = [w.lower() for w in _WORD.findall(question)]
    n = len(acronym)
    if n < 2:
        return set()
    for i in range(len(words) - n + 1):
        if "".join(w[0] for w in words[i : i + n]) == acronym:
            return {stem(w) for w in words[i : i + n]}
    return set()


def _file_words(source: str) -> str:
    """A file's name as words: 'iso3166.tsv' -> 'iso 3166', 'debian-releases_2024.csv' -> 'debian releases 2024'."""
    return re.sub(r"[_\-.]+", " ", _split_glued(PurePath(source).stem))


def _split_glued(text: str) -> str:
    """Letters and digits glued together, apart: '2048SP' -> '2048 SP', 'RX580' -> 'RX 580' (cells write them either way)."""
    return re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)


def _of_kind(kind: str | None, value: str) -> bool:
    return any(ch.isdigit() for ch in value) if kind in ("date", "number") else True


def group_label(cells: Sequence[str]) -> bool:
    """A row of one cell across the table: an HTML cell spanning the row, which extraction pads with empty
    cells (''). A sheet writes its empty cells '–', so a sheet row with only its first cell filled is data."""
    return len(cells) > 1 and cells[0] not in _EMPTY and all(c == "" for c in cells[1:])


def bindings(question: str, names: Sequence[str]) -> set[tuple[int, str]]:
    """(column, word) pairs the question binds: a word belongs to the column whose own name word (one no
    other column's name has) came last before it. 'SQLITE_TEMP_STORE to 2 and PRAGMA temp_store = 1' over
    columns 'SQLITE_TEMP_STORE', 'PRAGMA temp_store' -> {(0, '2'), (1, '1'), ...}."""
    words = [set(key_terms(n)) for n in names]
    own = [w - set().union(*(words[:j] + words[j + 1 :])) for j, w in enumerate(words)]
    out, at = set(), None
    for tok in content_words(question):
        named = [j for j, ws in enumerate(own) if _held(tok, ws)]
        if len(named) == 1:
            at = named[0]
        elif at is not None:
            out.add((at, tok))
    return out


def row_lookup(question: str, hits: Sequence[ScoredChunk]) -> RowMatch | None:
    """The table row of the hits that answers a lookup question, or None (see the module docstring)."""
    terms = key_terms(question)
    if len(terms) < 2:
        return None
    abbrev = abbreviations(question)
    kind = question_type(question)
    names_in_q = {stem(w.lower()) for w in _NAME.findall(question)}
    q_numbers = numbers(question)
    found: list[tuple[float, int, RowMatch]] = []
    columns: dict[str, tuple] = {}  # header row -> its columns' words, what the question spells of them, all their words, bindings
    for rank, hit in enumerate(hits, start=1):
        c = hit.chunk
        doc = set(key_terms(_file_words(c.source) + " " + (c.section or "")))
        label: tuple[str, set[str]] = ("", set())  # the group label above the rows that follow: (header, words)
        for s, e, kind_of, *rest in getattr(c, "blocks", ()):
            if kind_of != "table_row" or len(rest) < 3 or not rest[2]:
                continue
            cells, names = cells_of(c.text[s:e]), column_names(rest[2])
            if len(cells) != len(names) or len(cells) < 2:
                continue
            labelled = label[1] if label[0] == rest[2] else set()
            if group_label(cells):
                label, labelled = (rest[2], set(key_terms(cells[0]))), set()
            if rest[2] not in columns:  # a table's rows share its header: read it once
                name_words = [set(key_terms(n)) for n in names]
                spelled_by = [set().union(*(spelled(w, question) for w in ws if len(w) <= 5)) for ws in name_words]
                columns[rest[2]] = name_words, spelled_by, set().union(*name_words), bindings(question, names)
            name_words, spelled_by, all_names, bound_words = columns[rest[2]]
            cell_words = [set(key_terms(x)) for x in cells]
            row_words = set().union(*cell_words, key_terms(_split_glued(" ".join(cells))))  # '2048SP' holds 'SP' too

            def held(t: str) -> bool:
                if _held(t, row_words) or _held(t, all_names) or _held(t, doc) or _held(t, labelled) or any(t in sp for sp in spelled_by):
                    return True
                return any(t in cov and (_held(a, row_words) or _held(a, all_names)) for a, cov in abbrev.items())

            def names_asked(j: int) -> int:
                return sum(_held(w, terms) for w in name_words[j]) + len(spelled_by[j])

            named_row = any(_held(t, cell_words[j]) for t in terms for j in range(len(cells)) if not _held(t, name_words[j]))
            asked = [
                j for j in range(len(cells))
                if names_asked(j) and cells[j] not in _EMPTY
                and not all(_held(w, terms) for w in cell_words[j] or {""})  # a value the question gives is not asked for
                and _of_kind(kind, cells[j])
            ]
            if not asked:  # no column named: a row pinned by two or more of its cells asks for its one other cell
                given = [j for j in range(len(cells)) if cell_words[j] and all(_held(w, terms) for w in cell_words[j])]
                others = [j for j in range(len(cells)) if j not in given and cells[j] not in _EMPTY]
                if len(given) >= 2 and len(others) == 1 and _of_kind(kind, cells[others[0]]):
                    asked = others
            if not named_row or not asked:
                continue
            if not all(held(t) for t in names_in_q) or not q_numbers <= numbers(" ".join(cells + names)) | doc | labelled:
                continue  # every name and number of the question must be the row's, its columns', its document's or its label's
            coverage = sum(held(t) for t in terms) / len(terms)
            if coverage >= MIN_COVERAGE:
                j = max(asked, key=names_asked)
                bound = sum((i, w) in bound_words for i in range(len(cells)) if i != j for w in cell_words[i])
                found.append((coverage, rank, RowMatch(rank, s, e, names[j], cells[j], round(coverage, 4)), bound))
    if not found:
        return None
    found.sort(key=lambda f: (-f[0], f[1], f[2].start))
    tied = [f for f in found if f[0] == found[0][0]]
    if len({f[2].value for f in tied}) > 1:
        most = max(f[3] for f in tied)
        best = [f for f in tied if f[3] == most]
        if not most or len({f[2].value for f in best}) > 1:
            return None  # rows that hold as much of the question give different answers: not a lookup
        return best[0][2]  # one answer has its cells where the question puts them
    return found[0][2]


def lookup_first(ranked: Sequence[Candidate], m: RowMatch, at_start: bool = False) -> list[Candidate]:
    """The ranked sentences with the looked-up row first (scored as the best, so that the answerer quotes it); with
    `at_start`, the row's first sentence (the one holding its key cell), not its best-ranked one."""
    ranked = list(ranked)
    at = next((i for i, c in enumerate(ranked) if c.source == m.source and (c.start == m.start if at_start else c.start < m.end and m.start < c.end)), None)
    if at is None:
        return ranked
    row = ranked.pop(at)
    top = ranked[0].score if ranked else row.score
    return [replace(row, score=max(row.score, top)), *ranked]


# A question's word that names a table row by its key as a reference table spells it: 1-3 capitals called a flag or
# the like ("the L flag", "NC option"; not an acronym, "R" the language, nor "I"), or a format specifier ("%D", "%{VARNAME}e").
_KEY_WORD = re.compile(r"(?<![\w%{}\[\]=-])(?:[A-Z]{1,3}(?=\s+(?:flag|option|switch|modifier|specifier|letter)s?\b)"
                       r"|%\{?\w+\}?\w?(?![\w%{}\[\]=-]))")
_KEY_ALT = re.compile(r"[^\s\[=(]+")  # "R[=code]" -> "R", "H=Content-handler" -> "H"


def _keys(cell: str) -> set[str]:
    """The keys a key cell spells: its "|"-separated alternatives without their argument ("redirect|R[=code]" -> redirect, R)."""
    return {m.group() for alt in cell.strip("'\"` ").split("|") if (m := _KEY_ALT.match(alt.strip("'\"` ")))}


def key_row(question: str, hits: Sequence[ScoredChunk], ranked: Sequence[Candidate] = ()) -> RowMatch | None:
    """The table row (under a header row) whose key cell names what the question asks about, spelled as the question
    spells it: the first cell, or one of its "|"-separated alternatives without its argument, is a word of the question
    such as "L" or "%D" ("What does the L flag of RewriteRule do?" and mod_rewrite.html's row "last|L | Stop the
    rewriting process immediately ...", which the ranking put below a prose sentence that says "an L flag": HTML
    trial D1). The first such row of the best-ranked hit, else None; None too when the best of the `ranked` sentences
    opens with such a key itself (RewriteCond's list entry "'nocase|NC' (no case) This makes the test ..."). It is put
    first; the refusal is left as it was."""
    words = {w for w in _KEY_WORD.findall(question) if w not in ("I", "A")}
    first = ranked[0].text.split(maxsplit=1)[:1] if ranked else []
    if not words or (first and _keys(first[0]) & words):
        return None
    for rank, hit in enumerate(hits, start=1):
        c = hit.chunk
        for s, e, kind, *rest in getattr(c, "blocks", ()):
            if kind != "table_row" or len(rest) < 3 or not rest[2]:
                continue
            key = c.text[s:e].split(" | ", 1)[0].strip()  # as the row is joined: cells_of would split "last|L" too
            if len(key) <= 40 and _keys(key) & words:
                return RowMatch(rank, s, e, "", "", 0.0)
    return None
