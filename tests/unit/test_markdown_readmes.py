"""Markdown as older READMEs write it (docs/trials/2026-12-07-markdown-readmes.md): commands in indented code blocks,
and rows of CI badges at the top. The text stays the file byte for byte; only the blocks change."""

from __future__ import annotations

from rag.chunking import chunk_document
from rag.markup import _badges, markdown_spans
from rag.types import Document
from tests.unit.test_markdown_myst import blocks, quoted


def test_indented_code_is_a_code_block_with_its_lines():
    """PyYAML's README: the safe loader sits in an indented block under its lead-in; vcpkg's steps are five commands."""
    text = ("# PyYAML\n\nIf you don't trust the input YAML stream, you should use:\n\n    >>> yaml.safe_load(stream)\n\n"
            "To install with vcpkg:\n\n    git clone https://github.com/Microsoft/vcpkg.git\n    cd vcpkg\n\n    ./vcpkg install zstd\n\n"
            "Then run the tests.\n")
    got = blocks(text)
    assert ("code", ">>> yaml.safe_load(stream)") in got
    assert ("code", "git clone https://github.com/Microsoft/vcpkg.git\n    cd vcpkg\n\n    ./vcpkg install zstd") in got
    assert ("paragraph", "If you don't trust the input YAML stream, you should use:") in got
    assert ("paragraph", "Then run the tests.") in got
    assert not any("vcpkg install" in q for q in quoted(text)), "code is searchable, never quoted as a sentence"


def test_indented_lines_that_continue_a_paragraph_or_a_list_item_stay_prose():
    text = ("A paragraph line\n    indented continuation stays prose.\n\n- a list item\n  continued lazily\n\n"
            "    the item's second paragraph\n\n        code inside the item\n\nBack at the margin.\n\n    code again\n")
    got = blocks(text)
    assert ("paragraph", "A paragraph line\n    indented continuation stays prose.") in got
    assert ("paragraph", "the item's second paragraph") in got
    assert ("code", "code inside the item") in got
    assert ("code", "code again") in got
    assert [k for k, _ in got].count("code") == 2


def test_fenced_code_and_tabs_keep_their_meaning():
    text = "Run:\n\n```\n    make check\n```\n\n\tcmake .\n"
    got = blocks(text)
    assert ("code", "```\n    make check\n```") in got
    assert ("code", "cmake .") in got


def test_badge_rows_are_boilerplate_never_quoted():
    """libxcrypt's README: "What is libxcrypt?" was answered with 700 characters of badge links."""
    badges = ("[![Build Status](https://ci.example/badge.svg)](https://ci.example/x) "
              "[![codecov](https://codecov.io/b.svg?x=(1))](https://codecov.io/gh/x)\n![Coverity](https://scan.coverity.com/x.svg)")
    text = f"# libxcrypt\n\n{badges}\n\nlibxcrypt is a modern library for one-way hashing of passwords.\n"
    got = blocks(text)
    assert ("boilerplate", badges) in got
    assert quoted(text) == ["libxcrypt is a modern library for one-way hashing of passwords."]


def test_what_counts_as_a_badge_line():
    assert _badges("[![CI](https://x/ci.svg)](https://x) | [![PyPI](https://x/p.svg)](https://pypi.org/p)")
    assert _badges('![logo](img/logo.png "The logo")')
    assert not _badges("[Docs](https://x/docs) | [Forum](https://x/forum)")  # links alone: navigation, not badges
    assert not _badges("See ![diagram](d.png) for the layout.")  # words around an image: prose
    assert not _badges("Plain text.")


def test_an_indented_block_is_shown_with_its_lines_dedented():
    from rag.blocks import shown_code

    text = "To install with vcpkg:\n\n    git clone https://github.com/Microsoft/vcpkg.git\n    cd vcpkg\n        ./bootstrap-vcpkg.sh\n"
    doc = Document("README.md", "/r", "r", text, "s" * 64, blocks=markdown_spans(text))
    chunk = chunk_document(doc, 512, 0)[0]
    assert shown_code("git clone https://github.com/Microsoft/vcpkg.git cd vcpkg ./bootstrap-vcpkg.sh", chunk) == (
        "```\ngit clone https://github.com/Microsoft/vcpkg.git\ncd vcpkg\n    ./bootstrap-vcpkg.sh\n```")


def test_a_two_part_question_is_answered_for_the_part_a_quote_meets(pipeline_over):
    """Tk's README (trial D4): "Which README describes ..., and which version is it?" was refused whole because no quoted
    sentence stated a version; the first part is answered, with a note on the part left unmet."""
    text = ("# README: Tk\n\n## Introduction\n\nThis directory contains the sources and documentation for Tk, a cross-platform "
            "GUI toolkit implemented with the Tcl scripting language.\n\nTk runs on Windows, macOS and most Unix systems.\n")
    p = pipeline_over({"tk-README.md": text}, refusal_threshold=0.0)
    a = p.ask("Which README describes a cross-platform GUI toolkit implemented with the Tcl scripting language, and which version is it?")
    assert not a.refused and "GUI toolkit implemented with the Tcl" in a.answer, a
    assert "no quoted sentence states a version number, which a part of the question asks for" in a.notes
    b = p.ask("Which Tk version does this README describe?")  # the version alone: refused as before
    assert b.refused and any("states a version number" in n for n in b.notes), b


def test_a_how_question_brings_the_lead_in_after_the_quoted_sentence_and_its_code():
    """GLib's README (trial D9): "... renamed to `main`. To update your local checkout, use:" and a fenced block; the
    quoted sentence was the first one, so the commands never came. Only a question that asks how brings them."""
    from rag.answer import Candidate, with_introduced
    from rag.types import ScoredChunk

    text = ("# GLib\n\n## Default branch renamed to `main`\n\nThe default development branch of GLib has been renamed to `main`. "
            "To update\nyour local checkout, use:\n```sh\ngit checkout master\ngit branch -m master main\n```\n\n"
            "The old branch is kept. Bugs go to the tracker.\n```sh\nrm -rf _build\n```\n")
    doc = Document("README.md", "/r", "r", text, "s" * 64, blocks=markdown_spans(text))
    chunk = chunk_document(doc, 512, 0)[0]
    hits = [ScoredChunk(chunk, 1.0)]

    def quoted_with(sentence: str, question: str, *more: str) -> list[str]:
        picked = [Candidate(1, (s := chunk.text.index(x)), s + len(x), x, 0.0, 0.0, 1.0) for x in (sentence, *more)]
        return [c.text for c in with_introduced(picked, hits, question=question)]

    renamed = "The default development branch of GLib has been renamed to `main`."
    how = "Which project renamed its branch to main, and how do I update my local checkout?"
    expected = [renamed, "To update\nyour local checkout, use:", "```sh\ngit checkout master\ngit branch -m master main\n```"]
    assert quoted_with(renamed, how) == expected
    assert quoted_with(renamed, how, "To update\nyour local checkout, use:") == expected  # the lead-in picked too: once, in order
    assert quoted_with(renamed, "Which project renamed its default branch to main?") == [renamed]  # not asked how
    kept = "The old branch is kept."  # the next sentence ends in a full stop: no lead-in
    assert quoted_with(kept, "How do I keep the old branch?") == [kept]


def test_raw_html_leaves_heading_titles_and_is_no_quotable_text():
    """Tcl/Tk's "## <a id="intro">1.</a> Introduction" was cited as "README: Tk › <a id="intro">1.</a> Introduction", zstd's
    logo paragraph and libcbor's <details> lines were paragraphs (trial D6)."""
    from rag.blocks import shown_markdown

    text = ('<p align="center"><img src="https://x/zstd_logo86.png" alt="Zstandard"></p>\n\n# README: Tk\n\n'
            '## <a id="intro">1.</a> Introduction\n\nTk is a cross-platform GUI toolkit implemented with the Tcl scripting language.\n\n'
            "### Others\n\n<details>\n  <summary>Packaged libcbor is available from 15+ major repositories.</summary>\n\n"
            "  [![Packaging status](https://repology.org/b.svg)](https://repology.org/p)\n</details>\n\n"
            "- **TurboJPEG API**<br>\n  This API compresses JPEG images in memory.\n\n"
            "Normalize all subdivision codes to <country_code>-<code> instead of dashes.\n")
    spans = markdown_spans(text)
    got = [(sp.kind, text[sp.start : sp.end]) for sp in spans]
    assert got[0] == ("boilerplate", '<p align="center"><img src="https://x/zstd_logo86.png" alt="Zstandard"></p>')
    assert ("boilerplate", "<details>") in got
    assert ("paragraph", "Packaged libcbor is available from 15+ major repositories.") in got  # the summary's text alone
    assert ("boilerplate", "[![Packaging status](https://repology.org/b.svg)](https://repology.org/p)\n</details>") in got
    tk = next(sp for sp in spans if text[sp.start : sp.end].startswith("Tk is"))
    assert tk.section == "README: Tk › 1. Introduction"
    q = quoted(text)
    assert not any("<" in s and "<code>" not in s and "<br>" not in s for s in q), q
    doc = Document("README.md", "/r", "r", text, "s" * 64, blocks=spans)
    chunk = chunk_document(doc, 512, 0)[0]
    item = next(s for s in q if s.startswith("**TurboJPEG"))
    assert shown_markdown(item, chunk) == "TurboJPEG API This API compresses JPEG images in memory."
    placeholder = next(s for s in q if s.startswith("Normalize"))  # "<code>" is never closed: a placeholder, kept
    assert shown_markdown(placeholder, chunk) is None


def test_a_shortcut_link_defined_in_another_chunk_shows_its_text():
    """zstd's benchmark table is one chunk and its "[lz4]: https://..." definitions the next: "Compressor name: [lz4] 1.9.3"
    kept its brackets (trial D7). The chunk keeps the labels it uses that the document defines elsewhere."""
    from rag.blocks import shown_markdown, shown_row
    from rag.types import Chunk

    rows = "".join(f"| [c{i}] 1.{i} | 2.{i} | {i}00 MB/s |\n" for i in range(12))
    prose = " ".join(f"Sentence {i} of the benchmark notes says nothing in particular about it." for i in range(12))
    text = (f"# Benchmarks\n\n| Compressor name | Ratio | Decompress. |\n| --- | --- | --- |\n{rows}\n{prose}\n\n"
            + "".join(f"[c{i}]: https://example.org/c{i}\n" for i in range(12)) + "\n[c0] and [not defined] are read so.\n")
    doc = Document("README.md", "/r", "r", text, "s" * 64, blocks=markdown_spans(text))
    chunks = chunk_document(doc, 64, 0)
    first = next(c for c in chunks if "| [c0] 1.0 |" in c.text)
    assert "[c0]: https" not in first.text, "the fixture needs the definitions in another chunk"
    assert "c0" in first.links and "not defined" not in first.links
    assert Chunk.from_metadata(first.id, first.text, first.metadata()) == first
    row = next(first.text[s:e] for s, e, kind, *_ in first.blocks if kind == "table_row" and "[c0]" in first.text[s:e])
    assert shown_row(row, first) == "Compressor name: c0 1.0; Ratio: 2.0; Decompress.: 000 MB/s"
    last = next(c for c in chunks if "[c0] and" in c.text)
    assert shown_markdown("[c0] and [not defined] are read so.", last) == "c0 and [not defined] are read so."  # no definition: text


def test_list_items_a_lead_in_brings_keep_the_documents_order():
    """GnuTLS's README (trial D8): the Automake item, picked for itself, came after the Make, Autoconf and Python items
    that the lead-in brought, though the document lists it second."""
    from rag.answer import Candidate, with_introduced
    from rag.types import ScoredChunk

    text = ("# GnuTLS\n\nWe require several tools to check out and build the software, including:\n\n"
            "* [Make](https://www.gnu.org/software/make/)\n* [Automake](https://www.gnu.org/software/automake/) (use 1.11.3 or later)\n"
            "* [Autoconf](https://www.gnu.org/software/autoconf/)\n* [Python](https://www.python.org/) (use 3.6 or later)\n")
    doc = Document("README.md", "/r", "r", text, "s" * 64, blocks=markdown_spans(text))
    chunk = chunk_document(doc, 512, 0)[0]

    def cand(sentence: str) -> Candidate:
        s = chunk.text.index(sentence)
        return Candidate(1, s, s + len(sentence), sentence, 0.0, 0.0, 1.0)

    lead = cand("We require several tools to check out and build the software, including:")
    automake = cand("[Automake](https://www.gnu.org/software/automake/) (use 1.11.3 or later)")
    for picked in ([lead, automake], [automake, lead]):  # whichever the ranking put first
        got = [c.text.split("]")[0].lstrip("[") for c in with_introduced(picked, [ScoredChunk(chunk, 1.0)])]
        assert got == ["We require several tools to check out and build the software, including:", "Make", "Automake", "Autoconf", "Python"]


def test_links_and_images_in_heading_titles_show_as_their_text():
    """libcbor's README cited "README: [libcbor](https://github.com/PJK/libcbor) › Getting started": a heading's link
    reads as its text, an image as nothing, and a checkbox-like "[x]" that is no link stays."""
    text = ("# [libcbor](https://github.com/PJK/libcbor)\n\n## ![logo](docs/logo.png) Getting started\n\n"
            "Install it with your package manager.\n\n## [x] Done items\n\nNothing is left to do here.\n")
    spans = markdown_spans(text)
    sections = {text[sp.start : sp.end]: sp.section for sp in spans if sp.kind == "paragraph"}
    assert sections["Install it with your package manager."] == "libcbor › Getting started"
    assert sections["Nothing is left to do here."] == "libcbor › [x] Done items"
