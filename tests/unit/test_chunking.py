"""Chunk spans: `chunk.text == document.text[start:end]`, in order, covering every non-whitespace character."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.chunking import MAX_REACH, _splitter, chunk_document
from rag.loaders import load_file
from rag.types import Document

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SQUAD_ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"

SIZE, OVERLAP = 192, 32


def doc_of(text: str, source: str = "x.txt") -> Document:
    return Document(source=source, root="/r", title="x", text=text, sha256="s" * 64)


def check_spans(doc: Document, chunk_size: int = SIZE, overlap: int = OVERLAP):
    chunks = chunk_document(doc, chunk_size, overlap)
    assert chunks, "a non-empty document gives at least one chunk"
    covered = bytearray(len(doc.text))
    for c in chunks:
        assert 0 <= c.start < c.end <= len(doc.text)
        assert c.text == doc.text[c.start : c.end]
        assert c.text == c.text.strip(), "chunks don't start or end in whitespace"
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        assert (c.source, c.root, c.title, c.doc_sha256, c.n_chunks) == (doc.source, doc.root, doc.title, doc.sha256, len(chunks))
    for a, b in zip(chunks, chunks[1:]):
        assert a.start < b.start and a.end < b.end, "chunks advance through the document"
    missing = [i for i, ch in enumerate(doc.text) if not ch.isspace() and not covered[i]]
    assert not missing, f"text not in any chunk: {doc.text[missing[0]:missing[0] + 60]!r}"
    # The spans are the splitter's own pieces (whitespace aside), not just any substrings; a piece that ends inside a
    # sentence no chunk holds whole goes on to that sentence's end (`_whole_sentences`).
    pieces = [re.sub(r"\s+", "", p) for p in _splitter(chunk_size, overlap).split_text(doc.text) if p.strip()]
    got = [re.sub(r"\s+", "", c.text) for c in chunks]
    assert len(got) == len(pieces)
    for c, g, p in zip(chunks, got, pieces):
        assert g == p or (g.startswith(p) and len(c.text) - len(c.text.rstrip()) == 0 and len(g) - len(p) <= MAX_REACH), c.text[-80:]
    assert len({c.id for c in chunks}) == len(chunks)
    return chunks


def article_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) + sorted(SQUAD_ARTICLES.glob("*.txt"))


@pytest.mark.parametrize("path", article_paths(), ids=lambda p: p.name)
def test_real_articles(path):
    doc = load_file(path, path.parent, 10**9)
    chunks = check_spans(doc)
    if path.parent == SEEDS:
        assert len(chunks) >= 3, "the seed article must give several chunks, or ranking tests prove nothing"


def test_squad_articles_present():
    assert len(list(SQUAD_ARTICLES.glob("*.txt"))) >= 6, f"{SQUAD_ARTICLES} is missing"


TRICKY = {
    "whitespace": "Title\n\n\n\n  Leading   spaces.\tTabs\there.  Two  spaces.\n\n\n\nNew para   with \u00a0nbsp and\nwindows.   " * 40,
    "repeated_boilerplate": "".join(
        "HEADER Company Confidential\n\n" + " ".join(f"Body text {i}-{j} says something." for j in range(30)) + "\n\n" for i in range(20)
    ),
    "unicode_cjk": "Ünïcödé — “quotes” 中文句子。另一个句子！\n\n" * 200,
    "no_sentence_breaks": " ".join(f"word{i}" for i in range(3000)),
    "single_short": "Hi.",
    "leading_trailing_ws": "\n\n   \t A lone sentence surrounded by whitespace.   \n\n",
}


@pytest.mark.parametrize("name", TRICKY)
def test_tricky_text(name):
    check_spans(doc_of(TRICKY[name]))


def test_small_chunks_with_large_overlap():
    path = SQUAD_ARTICLES / "Normans.txt"
    check_spans(load_file(path, path.parent, 10**9), chunk_size=64, overlap=24)


def test_chunk_ids_are_deterministic_and_depend_on_content():
    a = chunk_document(doc_of(TRICKY["whitespace"]), SIZE, OVERLAP)
    b = chunk_document(doc_of(TRICKY["whitespace"]), SIZE, OVERLAP)
    changed = chunk_document(Document("x.txt", "/r", "x", TRICKY["whitespace"], "t" * 64), SIZE, OVERLAP)
    assert [c.id for c in a] == [c.id for c in b]
    assert not {c.id for c in a} & {c.id for c in changed}


def test_pages_follow_pdf_page_starts():
    text = "Page one text. " * 50 + "\n\n" + "Page two text. " * 50
    starts = (0, text.index("Page two"))
    doc = Document("d.pdf", "/r", "d", text, "s" * 64, page_starts=starts)
    chunks = chunk_document(doc, 64, 8)
    assert chunks[0].page == 1 and chunks[-1].page == 2
    assert all(c.page == (2 if c.start >= starts[1] else 1) for c in chunks)


def test_metadata_round_trip():
    c = chunk_document(doc_of("One sentence. Two sentences.", "sub/dir/file.md"), SIZE, OVERLAP)[0]
    from rag.types import Chunk

    assert Chunk.from_metadata(c.id, c.text, c.metadata()) == c


def test_structured_chunk_metadata_round_trip_and_old_metadata_still_reads():
    from rag.blocks import EXTRACTION_VERSION, SEP
    from rag.markup import markdown_spans
    from rag.types import Chunk

    text = "# Guide\n\nIntro sentence here.\n\n## Setup\n\n- Install it first.\n\n```\nmake\n```\n"
    doc = Document("g.md", "/r", "g", text, "s" * 64, blocks=markdown_spans(text))
    chunks = chunk_document(doc, SIZE, OVERLAP)
    c = chunks[0]
    assert c.extraction == EXTRACTION_VERSION and c.section == "Guide"
    assert [k for _, _, k, _, _ in c.blocks] == ["heading", "paragraph", "heading", "list_item", "code"]
    assert c.blocks[3][3] == f"Guide{SEP}Setup"
    md = c.metadata()
    assert all(isinstance(v, (str, int, float, bool)) for v in md.values()), "Chroma metadata must be scalars"
    assert Chunk.from_metadata(c.id, c.text, md) == c
    old = {k: v for k, v in md.items() if k not in ("section", "blocks", "extraction")}  # written before this release
    legacy = Chunk.from_metadata(c.id, c.text, old)
    assert (legacy.section, legacy.blocks, legacy.extraction) == ("", (), 0)


def test_no_chunk_cuts_a_table_row(tmp_path):
    """A table is one long "sentence" to the splitter, whose last resort splits at "." ("5." | "0 | Lenny"):
    chunk edges move to the rows' edges, and every row is whole in some chunk."""
    from rag.loaders import load_file

    rows = "\n".join(f"{i}.0,Name{i},name{i},2001-01-0{i % 9 + 1},2002-02-0{i % 9 + 1},2003-03-0{i % 9 + 1}" for i in range(1, 80))
    (tmp_path / "t.csv").write_text("version,codename,series,created,release,eol\n" + rows + "\n", encoding="utf-8")
    doc = load_file(tmp_path / "t.csv", tmp_path, 10**9)
    chunks = chunk_document(doc, 64, 8)
    assert len(chunks) > 3
    edges = {c.start for c in chunks} | {c.end for c in chunks}
    for b in doc.blocks:
        assert not any(b.start < x < b.end for x in edges), doc.text[b.start:b.end]
        assert any(c.start <= b.start and b.end <= c.end for c in chunks)
    assert all(c.text == doc.text[c.start:c.end] for c in chunks)


def test_no_chunk_cuts_a_short_code_block(tmp_path):
    """realdocs git-bisect.html: the splitter cut "$ git bisect start v2.6.20-rc6 v2.6.20-rc4 v2.6.20-rc1 --" after
    "v2.6.", and the answer quoted the half command after the sentence that leads into it. A code block of up to
    MAX_WHOLE_CODE characters is whole in some chunk, and no chunk edge falls inside it; a longer one may be cut."""
    from rag.chunking import MAX_WHOLE_CODE

    cmd = "$ git bisect start v2.6.20-rc6 v2.6.20-rc4 v2.6.20-rc1 --\n    # v2.6.20-rc6 is bad\n    # v2.6.20-rc4 and v2.6.20-rc1 are good"
    prose = " ".join(f"Sentence {i} says that bisecting narrows the range of commits." for i in range(12))
    long = "\n".join(f"x{i} <- c({i}.5, {i}.25, {i}.125)" for i in range(60))
    md = f"# Bisect\n\n{prose}\n\nIssue this command:\n\n```\n{cmd}\n```\n\n{prose}\n\n```\n{long}\n```\n\n{prose}\n"
    (tmp_path / "b.md").write_text(md, encoding="utf-8")
    doc = load_file(tmp_path / "b.md", tmp_path, 10**9)
    code = [b for b in doc.blocks if b.kind == "code"]
    assert len(code) == 2 and code[0].end - code[0].start <= MAX_WHOLE_CODE < code[1].end - code[1].start
    for size in (24, 32, 40, 48, 64):  # chunk edges at many places
        chunks = chunk_document(doc, size, 4)
        b = code[0]
        assert not any(b.start < x < b.end for c in chunks for x in (c.start, c.end)), size
        assert any(c.start <= b.start and b.end <= c.end for c in chunks), size
        assert all(c.text == doc.text[c.start:c.end] for c in chunks)
    assert any(code[1].start < c.end < code[1].end for c in chunk_document(doc, 64, 4))  # the long one is cut


def test_a_chunk_edge_inside_a_long_code_block_falls_at_a_line_edge(tmp_path):
    """argparse.html: the splitter cut a 639-character >>> example after "nargs='?" (it takes "?" for a sentence end),
    and the answer showed "...add_argument('outfile', nargs='?" as the example's last line. A code block longer than
    MAX_WHOLE_CODE may be cut, but only between its lines."""
    from rag.chunking import MAX_WHOLE_CODE

    lines = [f">>> parser.add_argument('f{i}', nargs='?', type=int, default={i})  # what? {i}" for i in range(14)]
    prose = " ".join(f"Sentence {i} says that nargs decides how many arguments are consumed." for i in range(10))
    html = (f"<html><head><title>argparse</title></head><body><h1>nargs</h1><p>{prose}</p>"
            f"<p>Some examples to illustrate this:</p><pre>{chr(10).join(lines)}</pre><p>{prose}</p></body></html>")
    (tmp_path / "a.html").write_text(html, encoding="utf-8")
    doc = load_file(tmp_path / "a.html", tmp_path, 10**9)
    code = [b for b in doc.blocks if b.kind == "code"]
    assert len(code) == 1 and code[0].end - code[0].start > MAX_WHOLE_CODE
    b, cut = code[0], 0
    for size in (24, 32, 40, 48, 64):  # chunk edges at many places
        chunks = chunk_document(doc, size, 4)
        assert all(c.text == doc.text[c.start:c.end] for c in chunks)
        for c in chunks:
            if b.start < c.start < b.end:
                cut += 1
                assert doc.text[c.start - 1] == "\n", (size, doc.text[c.start - 20 : c.start + 20])
            if b.start < c.end < b.end:
                cut += 1
                assert doc.text[c.end] == "\n", (size, doc.text[c.end - 20 : c.end + 20])
    assert cut  # the block is cut, between its lines


def test_a_chunk_holds_at_most_max_rows_table_rows(tmp_path):
    """Short rows ("23505 | unique_violation") would fill a 192-token chunk by the dozen: it is cut between rows,
    every row stays whole in some chunk, and a small table and the prose around it are chunked as before."""
    from rag.chunking import MAX_ROWS
    from rag.loaders import load_file

    rows = "\n".join(f"{22000 + i},condition_{i}" for i in range(40))
    (tmp_path / "e.csv").write_text("code,name\n" + rows + "\n", encoding="utf-8")
    doc = load_file(tmp_path / "e.csv", tmp_path, 10**9)
    chunks = chunk_document(doc, 192, 32)
    per_chunk = [sum(1 for b in c.blocks if b[2] == "table_row") for c in chunks]
    assert max(per_chunk) == MAX_ROWS and len(chunks) >= 40 // MAX_ROWS
    for b in doc.blocks:
        assert any(c.start <= b.start and b.end <= c.end for c in chunks)
    assert all(c.text == doc.text[c.start:c.end] for c in chunks)
    (tmp_path / "s.csv").write_text("code,name\n" + "\n".join(f"{i},n{i}" for i in range(MAX_ROWS)) + "\n", encoding="utf-8")
    small = load_file(tmp_path / "s.csv", tmp_path, 10**9)
    assert len(chunk_document(small, 192, 32)) == 1


@pytest.mark.parametrize("variant", ["fragment", "abbreviation"])
def test_no_chunk_quotes_the_piece_of_a_sentence_that_another_chunk_holds_whole(tmp_path, variant):
    """The splitter's sentences are not the quotable units: it cuts "Ok." from the sentence it is quoted with,
    and after "(e.g." where the units do not. A chunk that starts or ends inside such a unit quoted the piece
    ("tion (VECSXPs), and for ..."); now only the chunk that holds the unit whole quotes it."""
    import random

    from rag.blocks import block_units, quotable_spans

    rnd = random.Random(0)
    words = "archive mirror release signed keys rotate daily package upload builder checksum index manifest".split()
    paras = []
    for _ in range(6):
        sents = []
        for _ in range(8):
            w = " ".join(rnd.choice(words) for _ in range(rnd.randint(9, 16)))
            if variant == "abbreviation":
                w = w.replace(" keys ", " keys (e.g. Ed25519) ", 1)
            sents.append(w.capitalize() + ".")
            if variant == "fragment":
                sents.append("Ok.")
        paras.append(" ".join(sents))
    (tmp_path / "d.md").write_text("# Title\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    doc = load_file(tmp_path / "d.md", tmp_path, 10**9)
    chunks = chunk_document(doc, 48, 12)
    units = {u for b in doc.blocks if b.kind == "paragraph" for u in block_units(doc.text, b)}
    held = {u for u in units if any(c.start <= u[0] and u[1] <= c.end for c in chunks)}
    assert len(held) >= 0.9 * len(units)  # (a unit cut where the overlap starts is whole in no chunk: its pieces stay)
    quoted = {(c.start + a, c.start + b) for c in chunks for a, b in quotable_spans(c)}
    pieces = [(a, b) for a, b in quoted - units if any(x < b and a < y for x, y in held)]
    assert not pieces, [doc.text[a:b] for a, b in pieces]
    assert held <= quoted
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)


def test_a_long_document_reaches_the_splitter_in_pieces_cut_where_blocks_start(monkeypatch):
    """nltk (3.10) runs a whole punkt pass under one 5 s wall clock: octave.pdf's 2.4M characters raised TimeoutError and
    the run indexed nothing. The splitter now gets at most SPLIT_AT_MOST characters at a time, cut at a block's start, and
    the spans stay exact."""
    import rag.chunking as C
    from rag.blocks import Span

    paras = [f"Paragraph {i} says that item {i} weighs {i % 97} grams. It is kept in box {i % 13}." for i in range(400)]
    text = "\n\n".join(paras)
    starts = [text.index(p) for p in paras]
    doc = Document(source="long.txt", root="/r", title="x", text=text, sha256="s" * 64,
                   blocks=tuple(Span(a, a + len(p), "paragraph") for a, p in zip(starts, paras)))
    monkeypatch.setattr(C, "SPLIT_AT_MOST", 5_000)
    seen: list[str] = []
    real = C._splitter(SIZE, OVERLAP)

    class Spy:
        _tokenizer = real._tokenizer

        def split_text(self, t):
            seen.append(t)
            return real.split_text(t)

    monkeypatch.setattr(C, "_splitter", lambda *a: Spy())
    chunks = chunk_document(doc, SIZE, OVERLAP)
    assert len(seen) >= len(text) // 5_000 and max(map(len, seen)) <= 5_000
    assert "".join(seen) == text and all(text.index(t) in starts for t in seen)  # every piece starts a paragraph
    assert all(c.text == text[c.start : c.end] for c in chunks)
    covered = {i for c in chunks for i in range(c.start, c.end)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_segments_without_blocks_cut_at_a_line_break_or_space():
    from rag.chunking import _segments

    text = ("word " * 30 + "\n") * 200
    doc = doc_of(text)
    segs = _segments(doc, most=1_000)
    assert segs[0][0] == 0 and segs[-1][1] == len(text) and all(a[1] == b[0] for a, b in zip(segs, segs[1:]))
    assert all(b - a <= 1_000 for a, b in segs) and all(text[b - 1] in " \n" or text[b] in " \n" for a, b in segs[:-1])
    assert _segments(doc_of("short text."), most=1_000) == [(0, 11)]


def test_a_chunk_that_ends_inside_a_sentence_no_chunk_holds_whole_ends_at_its_end(tmp_path):
    """git-stash.html: llama-index's splitter ended a chunk at "... the usual reflog syntax (e.g." and began the next one
    after it, so no chunk held the sentence and the answer quoted "... reflog syntax (e.g." The chunk now ends where
    rag.text's sentence ends, and that chunk quotes it whole."""
    from rag.blocks import quotable_spans

    filler = " ".join(f"Sentence number {i} explains one more detail of how stashes are kept." for i in range(2))
    key = ("The latest stash you created is stored in refs/stash; older stashes are found in the reflog of this reference"
           " and can be named using the usual reflog syntax (e.g. stash@{0} is the most recently created stash, stash@{1}"
           " is the one before it, stash@{2.hours.ago} is also possible).")
    md = f"# DESCRIPTION\n\n{filler} {key} Stashes may also be referenced by the stash index alone.\n"
    (tmp_path / "stash.md").write_text(md, encoding="utf-8")
    doc = load_file(tmp_path / "stash.md", tmp_path, 10**9)
    raw = [p for p in _splitter(96, 16).split_text(doc.text) if p.strip()]
    assert any(p.rstrip().endswith("(e.g.") for p in raw)  # the splitter's own cut, inside the sentence
    chunks = chunk_document(doc, 96, 16)
    holders = [c for c in chunks if key in c.text]
    assert holders, [c.text[-60:] for c in chunks]
    quoted = [c.text[a:b] for c in chunks for a, b in quotable_spans(c)]
    assert key in quoted and not any(q.endswith("(e.g.") for q in quoted)
    assert all(c.text == doc.text[c.start : c.end] for c in chunks)


_FILL = ["The detector runs the program on a synthetic CPU and watches every memory access it makes.",
         "It reports each error with a stack trace that shows where the error happened in the source.",
         "Errors are printed as soon as they are found, so the output reads in the order the program ran."]
_ITEMS = ["Accessing memory you shouldn't, such as overrunning heap blocks or the top of the stack.",
          "Using undefined values, values that have not been initialised or that derive from them.",
          "Incorrect freeing of heap memory, such as double-freeing heap blocks.",
          "Overlapping source and destination pointers in memcpy and related functions.",
          "Passing a fishy, possibly negative, value to the size parameter of an allocation function.",
          "Memory leaks, where a block is allocated and never freed."]


@pytest.mark.parametrize("lead", ["It can detect the following problems that are common in C and C++ programs.",
                                  "It can detect these problems:"])
@pytest.mark.parametrize("n", [2, 5, 8])
def test_a_lead_in_and_the_list_under_it_are_in_one_chunk(tmp_path, n, lead):
    # valgrind_manual.pdf p. 73: the lead-in and its first bullet ended a chunk, the other five began the next, and the
    # answer quoted the lead-in with one item. Before the fix, the lead-in and the six items shared no chunk here.
    paras = [" ".join(_FILL[(k + j) % 3] for j in range(3)) for k in range(n)]
    md = ("# Overview\n\n" + "\n\n".join(paras) + f"\n\nMemcheck is a memory error detector. {lead}\n\n"
          + "\n".join("- " + x for x in _ITEMS) + "\n\nMore text follows here after the list of problems.\n")
    (tmp_path / "m.md").write_text(md)
    doc = load_file(tmp_path / "m.md", tmp_path, 10**9)
    chunks = chunk_document(doc, SIZE, OVERLAP)
    a, b = doc.text.index(lead), doc.text.index("never freed.") + len("never freed.")
    held = [c for c in chunks if c.start <= a and b <= c.end]
    assert held, [c.text[-60:] for c in chunks]
    assert held[0].start == doc.text.index("Memcheck is"), "its short paragraph comes with the lead-in"
    assert len(_splitter(SIZE, OVERLAP)._tokenizer(held[0].text)) <= SIZE + OVERLAP
    covered = bytearray(len(doc.text))
    for c in chunks:
        assert c.text == doc.text[c.start : c.end] == c.text.strip()
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    assert all(x.start < y.start and x.end < y.end for x, y in zip(chunks, chunks[1:]))
    assert all(covered[i] or ch.isspace() for i, ch in enumerate(doc.text))
