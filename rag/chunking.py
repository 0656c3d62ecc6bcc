"""Document -> Chunks with exact character spans.

llama-index's SentenceSplitter decides the boundaries (sentence-aware, token-sized);
we then locate each piece in the original text so that
`chunk.text == document.text[chunk.start:chunk.end]` holds by construction,
which is what lets a citation point at the exact passage. Locating walks forward
with the splitter's overlap budget, so repeated boilerplate maps to the right copy
and the chunks cover every non-whitespace character of natural text.
Each chunk also carries the structure of the text it covers (rag/blocks.py): its section
path and its blocks' kinds, so answers quote only prose, list items and table rows.
A boundary that falls inside a table row or a short code block moves to its edge, one inside a line of a longer code block to
the line's edge (`_whole_rows`), and a chunk holds at most
MAX_ROWS table rows (`_few_rows`); a chunk that ends inside a sentence no chunk holds whole ends at its end
(`_whole_sentences`). A lead-in ("... the following problems ...", "... as follows:") and the list items under it
are in one chunk, as many as fit in the chunk size (`_with_list`). A long document is split SPLIT_AT_MOST characters at
a time, cut where a block starts (`_segments`). Left out: semantic
(embedding-based) splitting; chunk boundaries ignore headings (a chunk may end in one section and
start the next; its sentences never span a heading).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from rag.blocks import EXTRACTION_VERSION, block_units, chunk_layout, column_names, is_markdown, link_definitions, links_defined_elsewhere
from rag.types import Chunk, Document


_WS = re.compile(r"\s+")
_SPACE = re.compile(r"\s*")


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def indexed_text(chunk: Chunk) -> str:
    """What a chunk is embedded and word-indexed as: its document's title and section path above its text
    (a contextual header), so that a row of debian.csv that never says "Debian" is found for "When was
    Debian 10 released?", and a passage under "PRAGMA temp_store" by the pragma's name. What is read,
    quoted and cited stays `chunk.text`; the readers and the sentence ranking never see the header."""
    title, section = _meaningful(chunk.title or ""), (chunk.section or "").strip()
    if title and section.lower().startswith(title.lower()):  # "git-notes(1) Manual Page › ..." names git-notes(1) already
        title = ""
    path = " › ".join(x for x in (title, section) if x)
    header = "\n".join(x for x in (path, *_column_names(chunk)) if x)
    return f"{header}\n\n{chunk.text}" if header else chunk.text


def _column_names(chunk: Chunk) -> list[str]:
    """The header rows of the tables whose rows this chunk holds without their header row: a table split over
    chunks names its columns once in each ("codes | coordinates | TZ | comments" above the rows of zone1970.tsv
    that the first chunk does not hold), so "Which TZ ..." finds them as the first chunk's rows are found."""
    heads = dict.fromkeys(b[5] for b in chunk.blocks if b[2] == "table_row" and len(b) > 5 and b[5])
    return [" | ".join(column_names(h)) for h in heads if h not in chunk.text]


_HASH = re.compile(r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}")  # "e7591c0407e77bf5": an id, not a word


def _meaningful(title: str) -> str:
    """A title taken from a file name like "000_e7591c0407e77bf5.txt" says nothing: without its hex ids and with no
    letter left, it is dropped (in a 64-token chunk it took the embedding away from the text)."""
    words = [w for w in title.split() if not _HASH.fullmatch(w.lower())]
    return " ".join(words) if any(c.isalpha() for w in words for c in w) else ""


def chunk_id(doc: Document, i: int) -> str:
    # Deterministic ids make re-adding a file an idempotent upsert.
    return hashlib.sha1(f"{doc.root}\x00{doc.source}\x00{doc.sha256}\x00{i}".encode()).hexdigest()[:20]


def _find(text: str, piece: str, lo: int, prev_end: int, overlap_ok) -> int:
    """Where `piece` (the chunk after one ending at `prev_end`) starts in `text`, searching from `lo`.

    Repetitive text (boilerplate, repeated headers) has several textual matches; the first
    one may be an earlier copy, which would leave the real passage uncovered. So take the
    first match that extends past the previous chunk and overlaps it by no more than the
    splitter's overlap budget; failing that, the first match after it. The budget is counted
    on the joined text, which can undercount (a run of one character thousands long), so
    such degenerate text may still get an earlier copy: the span stays exact, coverage doesn't.
    """
    best = after = first = -1
    at = text.find(piece, lo)
    while at >= 0:
        first = at if first < 0 else first
        if at > prev_end:
            after = at
            break
        if at + len(piece) > prev_end and overlap_ok(at, prev_end):
            best = at
            break
        at = text.find(piece, at + 1)
    return best if best >= 0 else after if after >= 0 else first


class _Compact:
    """The document with whitespace removed, and where each kept character came from.

    The splitter only ever strips or joins whitespace, so a piece it returns is always a
    substring of the document once whitespace is ignored."""

    def __init__(self, text: str):
        self.pos = [i for i, ch in enumerate(text) if not ch.isspace()]
        self.text = "".join(text[i] for i in self.pos)

    def index(self, offset: int) -> int:
        # First compact index whose original offset is >= offset.
        return bisect_left(self.pos, offset)


MAX_WHOLE_CODE = 600  # characters: a code block up to this size is never cut by a chunk edge
MAX_LINE_REACH = 200  # characters a chunk edge inside a long code block may move to reach its line's edge


def _whole_rows(spans: list[tuple[int, int]], blocks, text: str = "") -> list[tuple[int, int]]:
    """Chunk spans widened so that none cuts a table row or a short code block: a table is one long "sentence" to the
    splitter, whose last resort splits at "," and "." and cut "5.0" in two ("5." | "0 | Lenny | ..."), leaving
    neither chunk with the row; a command was cut the same way ("$ git bisect start v2.6." | "20-rc6 ...") and
    quoted in half after the sentence that leads into it. A chunk ending inside such a block ends at its end; one
    starting inside it starts at its start. In code longer than MAX_WHOLE_CODE, given the document's `text`, an edge
    inside a line moves to that line's edge (at most MAX_LINE_REACH characters): argparse.html's 639-character
    example was cut after "nargs='?" (the splitter's sentence end) and quoted so. Prose is untouched."""
    rows = [(b.start, b.end) for b in blocks
            if b.kind in ("table_row", "table_head") or (b.kind == "code" and b.end - b.start <= MAX_WHOLE_CODE)]
    long_code = [(b.start, b.end) for b in blocks if b.kind == "code" and b.end - b.start > MAX_WHOLE_CODE] if text else []
    if not rows and not long_code:
        return spans

    def inside(spans_: list[tuple[int, int]], x: int) -> tuple[int, int] | None:
        i = bisect_right(spans_, x, key=lambda r: r[0]) - 1
        return spans_[i] if i >= 0 and spans_[i][0] < x < spans_[i][1] else None

    out = []
    for s, e in spans:
        if r := inside(rows, s):
            s = r[0]
        elif (r := inside(long_code, s)) and text[s - 1] != "\n":
            line = text.rfind("\n", r[0], s) + 1 or r[0]
            s = line if s - line <= MAX_LINE_REACH else s
        if r := inside(rows, e):
            e = r[1]
        elif (r := inside(long_code, e)) and text[e] != "\n":
            line = text.find("\n", e, r[1])
            line = r[1] if line < 0 else line
            e = line if line - e <= MAX_LINE_REACH else e
        out.append((s, e))
    return out


MAX_ROWS = 8  # table rows per chunk: a row of a long table is found by its own words, not diluted by 20 others


def _few_rows(spans: list[tuple[int, int]], blocks, max_rows: int = MAX_ROWS) -> list[tuple[int, int]]:
    """Chunk spans cut so that none holds more than `max_rows` table rows. The splitter counts tokens, so a
    table of short rows ("23505 | unique_violation") fills a chunk with 20-40 of them, and one row's words
    weigh little in the chunk's embedding. A cut falls between two rows; prose is untouched."""
    rows = [(b.start, b.end) for b in blocks if b.kind == "table_row"]
    if len(rows) <= max_rows:
        return spans
    starts = [r[0] for r in rows]
    out = []
    for s, e in spans:
        i = bisect_left(starts, s)  # the first row inside the span (spans never cut a row: _whole_rows)
        j = i
        while j < len(rows) and rows[j][1] <= e:
            j += 1
        for k in range(i + max_rows, j, max_rows):  # rows i..j-1 are inside; cut after every max_rows of them
            out.append((s, rows[k - 1][1]))
            s = rows[k][0]
        out.append((s, e))
    return out


MAX_REACH = 400  # characters a chunk's end may move to finish a sentence that no chunk holds whole


def _whole_sentences(spans: list[tuple[int, int]], doc: Document, split) -> list[tuple[int, int]]:
    """Chunk spans whose end, where it cuts a sentence of prose or a list item that no chunk holds whole, moves to that
    sentence's end (at most MAX_REACH characters on). llama-index's splitter ends sentences where rag.text does not
    ("e.g.", "etc."): git-stash.html's chunk ended at "... the usual reflog syntax (e.g." and the next one began after
    it, so neither held the sentence and the answer quoted it cut off (12 of 1,406 sentences of five realdocs documents)."""
    blocks = [b for b in doc.blocks if b.kind in ("paragraph", "list_item")]
    if not blocks:
        return spans
    starts = [b.start for b in blocks]
    out = list(spans)
    for i, (s, e) in enumerate(out):
        j = bisect_right(starts, e) - 1
        if j < 0 or not blocks[j].start < e < blocks[j].end:
            continue
        for a, b in split(blocks[j]):
            if a < e < b:
                near = out[max(i - 4, 0) : i + 5]
                if b - e <= MAX_REACH and not any(x <= a and b <= y for x, y in near) and (i + 1 == len(out) or b < out[i + 1][1]):
                    out[i] = (s, b)
                break
    return out


# A sentence ending in "." that points ahead to the list under it: "It can detect the following problems ..." (also rag.answer's).
ANNOUNCES = re.compile(r"\b(?:the following|as follows|(?:listed|shown|given) below|(?:are|include|includes) these)\b", re.I)


def _lead_ins(doc: Document, split) -> list[tuple[int, int, list[int]]]:
    """(paragraph start, lead-in sentence start, [ends of the list items right under it]) for each paragraph
    whose last sentence ends in ":" or whose last two hold one that ends in "." and announces what follows (`ANNOUNCES`),
    when list items follow it directly."""
    out, blocks, text = [], doc.blocks, doc.text
    for k, b in enumerate(blocks[:-1]):
        if b.kind != "paragraph" or blocks[k + 1].kind != "list_item":
            continue
        t = text[b.start : b.end].rstrip()
        if not t.endswith((":", ".")):
            continue
        sents = split(b)
        lead = sents[-1:] if t.endswith(":") else [x for x in sents[-2:] if text[x[0] : x[1]].rstrip().endswith(".") and ANNOUNCES.search(text[x[0] : x[1]])][:1]
        if not lead:
            continue
        items = []
        for c in blocks[k + 1 :]:
            if c.kind != "list_item":
                break
            items.append(c.end)
        out.append((b.start, lead[0][0], items))
    return out


def _with_list(spans: list[tuple[int, int]], doc: Document, split, tokens, size: int, slack: int) -> list[tuple[int, int]]:
    """Chunk spans moved so that a lead-in sentence and the list items right under it (as many as fit in `size` tokens
    counted from it) are in one chunk: valgrind_manual.pdf's "It can detect the following problems that are common in C
    and C++ programs." ended a chunk with the first of its six bullets, the other five in the next, and the answer quoted
    the lead-in with one item. The lead-in comes with its paragraph when the sentences before it are short (`slack`
    tokens, the overlap budget), and with a heading right above that. Where the chunk holding it stops inside its list,
    that chunk ends after the items if they fit in it; else it starts at the lead-in if the chunk before it holds what
    precedes it; else it ends right before the lead-in and the next chunk starts there. A chunk that grows so ends at the
    last sentence within `size` that reaches the chunk after it, or makes that one start right after it (if it stays
    within `size` + `slack`), or ends within `size` + `slack`; else nothing moves."""
    groups = _lead_ins(doc, split) if doc.blocks else []
    if not groups:
        return spans
    text, out, bstarts = doc.text, list(spans), [b.start for b in doc.blocks]

    def n(a: int, b: int) -> int:
        return len(tokens(text[a:b]))

    def unit_ends(a: int, b: int) -> list[int]:  # where a chunk may end in [a, b]: a sentence's end in prose or an item, a block's end
        return [u for blk in doc.blocks[max(bisect_right(bstarts, a) - 1, 0) : bisect_left(bstarts, b)]
                for _, u in (split(blk) if blk.kind in ("paragraph", "list_item") else [(blk.start, blk.end)]) if a <= u <= b]

    def holds(i: int, a: int, b: int) -> bool:
        return any(x <= a and b <= y for x, y in out[max(i - 4, 0) : i + 2])

    def moved(i: int, lead: int, end: int) -> dict[int, tuple[int, int]] | None:
        (s, e), (s2, e2) = out[i], out[i + 1]
        if end < e2 and n(s, end) <= size:
            return {i: (s, end)}
        before = len(text[:lead].rstrip())
        if i and out[i - 1][1] >= before:
            fits = [u for u in unit_ends(max(end, s2), e2 - 1) if n(lead, u) <= size]
            return {i: (lead, max(fits))} if fits and max(fits) > out[i - 1][1] else None
        if before <= s or i + 2 < len(out) and end >= out[i + 2][1]:
            return None
        e2 = max(e2, end)
        if i + 2 < len(out) and n(lead, e2) > size:
            t3, e3 = out[i + 2]
            cuts = unit_ends(end, e2)
            fits = [u for u in cuts if n(lead, u) <= size]
            if fits and max(fits) >= t3:
                return {i: (s, before), i + 1: (lead, max(fits))}
            if fits and n(after := _SPACE.match(text, max(fits)).end(), e3) <= size + slack:
                return {i: (s, before), i + 1: (lead, max(fits)), i + 2: (after, e3)}
            e2 = next((u for u in cuts if u >= t3), e2)
        return {i: (s, before), i + 1: (lead, e2)} if n(lead, e2) <= size + slack else None

    starts = [s for s, _ in out]
    for para, ls, ends in groups:
        i = bisect_right(starts, ls) - 1
        if i < 0 or i + 1 >= len(out) or holds(i, ls, ends[-1]):
            continue
        leads = [para, ls] if out[i][0] <= para < ls and n(para, ls) <= slack else [ls]
        k = bisect_left(bstarts, leads[0])
        if 0 < k < len(bstarts) and bstarts[k] == leads[0] and doc.blocks[k - 1].kind == "heading" and bstarts[k - 1] > out[i][0]:
            leads.insert(0, bstarts[k - 1])  # a chunk ends before a heading, not right after it
        for lead in leads:
            fit = [e for e in ends if n(lead, e) <= size]
            if not fit:
                continue
            if holds(i, ls, fit[-1]):
                break
            if new := moved(i, lead, fit[-1]):
                for k, sp in new.items():
                    out[k], starts[k] = sp, sp[0]
                break
    return out


# Characters per SentenceSplitter call. nltk (3.10) runs a whole punkt pass under one 5 s wall clock and raises TimeoutError
# past it: octave.pdf's 2.4M characters took 5.4 s here and were not indexed. 100k take about 0.3 s.
SPLIT_AT_MOST = 100_000


def _segments(doc: Document, most: int | None = None) -> list[tuple[int, int]]:
    """doc.text as consecutive (start, end) pieces of at most `most` (SPLIT_AT_MOST) characters, each cut where a block
    starts, or else at a line break or a space in the piece's second half."""
    most = most or SPLIT_AT_MOST
    text, starts = doc.text, [b.start for b in doc.blocks]
    out, a = [], 0
    while len(text) - a > most:
        limit, half = a + most, a + most // 2
        i = bisect_right(starts, limit) - 1
        cut = starts[i] if i >= 0 and starts[i] > half else max(text.rfind("\n", half, limit), text.rfind(" ", half, limit))
        cut = cut if cut > a else limit
        out.append((a, cut))
        a = cut
    return out + [(a, len(text))]


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    splitter = _splitter(chunk_size, chunk_overlap)
    text = doc.text
    pieces = [p.strip() for a, b in _segments(doc) for p in splitter.split_text(text[a:b]) if p.strip()]

    def overlap_ok(start: int, prev_end: int) -> bool:
        return len(splitter._tokenizer(text[start:prev_end])) <= chunk_overlap + 1

    spans: list[tuple[int, int]] = []
    compact: _Compact | None = None
    prev_start, prev_end = -1, 0
    for piece in pieces:
        at = _find(text, piece, prev_start + 1, prev_end, overlap_ok)
        if at < 0:  # only in degenerate repetitive text; any copy keeps text == doc.text[start:end]
            at = text.find(piece)
        if at >= 0:
            start, end = at, at + len(piece)
        else:  # whitespace was normalised: align on the non-whitespace characters
            compact = compact or _Compact(text)
            q = _WS.sub("", piece)
            lo = compact.index(prev_start + 1)
            cprev = compact.index(prev_end)
            c = _find(compact.text, q, lo, cprev, lambda s, e: overlap_ok(compact.pos[s], prev_end))
            c = c if c >= 0 else compact.text.find(q)
            if c < 0:
                raise RuntimeError(f"chunking: cannot locate a chunk of {doc.source} in its text")  # a bug, not user input
            start, end = compact.pos[c], compact.pos[c + len(q) - 1] + 1
        spans.append((start, end))
        prev_start, prev_end = start, max(prev_end, end)
    sentences: dict[int, list[tuple[int, int]]] = {}  # a block's start -> its sentences, split once (a long paragraph has many edges)

    def split(sp) -> list[tuple[int, int]]:
        if sp.start not in sentences:
            sentences[sp.start] = block_units(text, sp)
        return sentences[sp.start]

    spans = _whole_sentences(_few_rows(_whole_rows(spans, doc.blocks, text), doc.blocks), doc, split)
    spans = _with_list(spans, doc, split, splitter._tokenizer, chunk_size, chunk_overlap)
    cut: dict[int, list[tuple[int, int, bool]]] = {}  # a block that chunk edges cut -> its sentences, and whether a chunk holds each whole
    starts = [s for s, _ in spans]

    def held(a: int, b: int) -> bool:
        i = bisect_right(starts, a)
        return any(spans[j][1] >= b for j in range(max(i - 4, 0), i))

    def units(sp) -> list[tuple[int, int, bool]]:
        if sp.start not in cut:
            cut[sp.start] = [(a, b, held(a, b)) for a, b in split(sp)]
        return cut[sp.start]

    layouts = [chunk_layout(doc.blocks, s, e, doc.page_at, units, text) if doc.blocks else ("", ()) for s, e in spans]
    defined = link_definitions(doc.text) if is_markdown(doc.source) else None
    return [
        Chunk(
            id=chunk_id(doc, i),
            source=doc.source,
            root=doc.root,
            title=doc.title,
            start=s,
            end=e,
            text=doc.text[s:e],
            doc_sha256=doc.sha256,
            n_chunks=len(spans),
            page=doc.page_at(s),
            section=layouts[i][0],
            blocks=layouts[i][1],
            extraction=EXTRACTION_VERSION,
            page_labels=_labels(doc, s, e),
            links=links_defined_elsewhere(doc.text[s:e], defined) if defined else (),
        )
        for i, (s, e) in enumerate(spans)
    ]


def _labels(doc: Document, start: int, end: int) -> tuple[tuple[int, str], ...]:
    """(page, printed label) for the pages of doc.text[start:end] whose label is not their number."""
    if not doc.page_labels:
        return ()
    first, last = doc.page_at(start) or 1, doc.page_at(max(end - 1, start)) or 1
    return tuple((p, doc.page_labels[p - 1]) for p in range(first, last + 1)
                 if p <= len(doc.page_labels) and doc.page_labels[p - 1] != str(p))
