"""Plain text from a terminal or nroff: escapes and overstrikes go, hyphenated line ends join, page furniture goes."""

from __future__ import annotations

from rag.markup import dehyphenated, untermed
from tests.unit.test_extract_markup import check_chunks, kinds, load


def test_ansi_escapes_and_overstrikes_are_not_text_and_a_short_colored_file_is_no_binary(tmp_path):
    p = tmp_path / "sgr.txt"
    p.write_bytes(b"The \x1b[1mGNU \x1b[22mROFF (\x1b[1mGROFF\x1b[22m) suite offers \x1b[4mX\x1b[24m output.\n")
    doc = load(p)  # was "binary content, not text"
    assert doc.text == "The GNU ROFF (GROFF) suite offers X output.\n"
    assert kinds(doc) == [("paragraph", "The GNU ROFF (GROFF) suite offers X output.")]
    p.write_bytes(b"NAME\n\nB\x08Bo\x08ol\x08ld and _\x08u_\x08n_\x08d_\x08e_\x08r text.\n\n  +\x08o first item\n  +\x08o second item\n")
    doc = load(p)
    assert "\x08" not in doc.text and "Bold and under text." in doc.text
    assert "• first item" in doc.text
    check_chunks(doc)


def test_untermed_other_escape_sequences():
    assert untermed("a\x1b[01;34mdir\x1b[0m b\x1b[K c") == "adir b c"
    assert untermed("\x1b]8;;http://x\x07link\x1b]8;;\x1b\\ end") == "link end"
    assert untermed("plain text, no codes") == "plain text, no codes"


def test_nroff_hyphenated_line_ends_join_and_real_hyphens_stay():
    text = (
        "The suite offers a choice of output types includ-\n"
        "ing X, dvi and postscript, and it al-\n"
        "lows un-\n"
        "comment of a line; see un-comment above and the cross-\n"
        "compiling notes for cross builds when compiling.\n"
        "    Use --enable-auto-\n"
        "    matic-create with --enable-automatic-create.\n"
    )
    got = dehyphenated(text, nroff=True)
    assert "output types including\nX, dvi" in got
    assert "it allows\nun-\ncomment" in got  # "un-comment" is how the document spells it
    assert "the cross-\ncompiling" in got  # both halves are words of the document: a compound
    assert "--enable-automatic-create\n    with" in got  # the chain the document has whole
    hand = "A wrapped command-\nline option, and a re-\nread.\n"  # hand-wrapped text: only attested joins
    assert dehyphenated(hand) == hand
    assert dehyphenated("The includ-\ning and including.\n") == "The including\nand including.\n"


def _page(body: str, number: int) -> str:
    return body + "\n\n\n\n\n" + " " * 30 + f"{number}\n\n\n\n\n\n\nfoo-tool        v1.2        2023-01-08\n\n\n"


def test_nroff_page_headers_and_numbers_go_and_a_sentence_reads_on_across_the_page_break(tmp_path):
    text = (
        "foo-tool        v1.2        2023-01-08\n\n\n"
        + _page("Intro\n\nThe first page says enough about the tool to fill a line.", 1)
        + _page(
            "The table below shows the \x1b[4msection\x1b[0m\n____________________\n"
            "   2 one line description of the manual page",
            2,
        )
        + _page("numbers of the manual and what they hold.\n\n    a) Look where it might be\n\n    OR", 3)
        + "    b) start at one end of the floor.\n"
    )
    p = tmp_path / "manual.txt"
    p.write_text(text)
    doc = load(p)
    got = kinds(doc)
    assert "2023-01-08" not in doc.text and not any(t.strip().isdigit() for _, t in got)
    assert ("paragraph", "The table below shows the section\nnumbers of the manual and what they hold.") in got
    assert ("paragraph", "2 one line description of the manual page") in got  # the footnote, after the sentence
    assert ("paragraph", "OR") in got and ("paragraph", "b) start at one end of the floor.") in got  # an item: not joined
    check_chunks(doc)


def test_lines_that_repeat_without_page_gaps_stay(tmp_path):
    p = tmp_path / "notes.txt"
    text = "".join(f"Release 1.{i}\n\nFixed a bug in the parser for case {i}.\n\n" for i in range(4))
    p.write_text(text)
    assert load(p).text == text


def test_plain_text_bullets_and_pipe_and_ascii_tables_are_items_and_rows(tmp_path):
    p = tmp_path / "gear.txt"
    p.write_text(
        "Optional gear:\n• a headlamp with spare batteries\n• trekking poles\n\n"
        "Changes to the set builtin:\n\to new options: -B and -o onecmd\n\to options removed: -l\n\n"
        "Only one o in a line. Another o line that is prose.\n\n"
        "| Item | Price |\n|------|-------|\n| Tent | 40 EUR |\n| Stove | 25 EUR |\n\n"
        " +---------+-------------+------------+\n |Language | Territory   | Directory  |\n"
        " +---------+-------------+------------+\n |French   | any         | /usr/fr    |\n"
        " |         |             | or /fr.UTF |\n |German   | Switzerland | /usr/de_CH |\n"
        " +---------+-------------+------------+\n"
    )
    doc = load(p)
    got = kinds(doc)
    assert ("paragraph", "Optional gear:") in got and ("list_item", "• trekking poles") in got
    assert ("list_item", "o new options: -B and -o onecmd") in got and ("list_item", "o options removed: -l") in got
    assert ("paragraph", "Only one o in a line. Another o line that is prose.") in got
    assert ("table_head", "| Item | Price |") in got and ("table_row", "| Stove | 25 EUR |") in got
    assert ("table_head", "|Language | Territory   | Directory  |") in got
    assert ("table_row", "|French   | any         | /usr/fr    |\n |         |             | or /fr.UTF |") in got
    assert ("table_row", "|German   | Switzerland | /usr/de_CH |") in got
    assert not any("+----" in t or "|---" in t for _, t in got)  # borders and rules are no blocks
    assert [b.head for b in doc.blocks if doc.text[b.start:b.end].startswith("| Stove")] == ["| Item | Price |"]
    check_chunks(doc)


def test_a_lead_in_line_is_no_heading_and_numbered_sections_nest_under_their_numbered_parent(tmp_path):
    p = tmp_path / "leadin.txt"
    p.write_text(
        "1.  Intro\n\nSome text here that is a sentence.\n\n"
        "If the file\n\n     /etc/foo\n\nexists it is read.\n\n"
        "Manual pages may require pre-processing by any of the following\n\n"
        "     eqn, tbl and pic\n\n"
        "1.2.  Later section\n\nText of the later section.\n\n"
        "Glossary\n\nA list of the terms.\n\n"
        "1.3.  Last section\n\nText of the last section.\n"
    )
    doc = load(p)
    got = kinds(doc)
    assert ("paragraph", "If the file") in got
    assert ("paragraph", "Manual pages may require pre-processing by any of the following") in got
    assert doc.section_at(doc.text.index("Text of the later")) == "1. Intro › 1.2. Later section"
    assert ("heading", "Glossary") in got  # a real unnumbered heading stays one ...
    assert doc.section_at(doc.text.index("Text of the last")) == "1. Intro › 1.3. Last section"  # ... but 1.3 is not under it
    check_chunks(doc)
