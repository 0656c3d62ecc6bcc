"""evals/readability.py on hand-written strings: each artefact kind is caught, and clean prose,
list items and table rows are not flagged."""

from __future__ import annotations

import pytest

from evals.readability import KINDS, artefacts, readable

CLEAN = [
    "The header file of this library is libtasn1.h.",
    "SQLite does not support joins containing more than 64 tables.",
    "By default, read.table ignores empty lines.",
    "It covers pre- and post-processing of the data.",  # suspended hyphen
    "The maximum number of attached databases cannot be increased above 125.",
    "REAL DOUBLE DOUBLE PRECISION FLOAT | REAL | 4",  # a table row
    "If the declared type contains the string \"INT\" then it is assigned INTEGER affinity.",
    "Version 3.37.0 added STRICT tables... and more.",  # an ellipsis is not a dot leader
    "3 functions are exported by the library.",  # a number starting a sentence is not a heading
    "See Chapter 2 [Spreadsheet-like data], page 7, for details.",  # a cross reference, not a header
    "The Extra Packages for Enterprise Linux (EPEL) project provides ports of the Fedora RPMs.",  # names, not a heading
    "Brian Ripley is the author of the support for connections.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_sentences_are_readable(text):
    assert artefacts(text) == [], text
    assert readable(text)


@pytest.mark.parametrize("text", [
    "There is also an optional weight\nattribute which is used when sorting.",
    "The default weight value is\n50, and the maximum is 100.",
    "It tries in turn logical, integer, nu- meric and complex.",  # end-of-line hyphenation left behind
    "It tries in turn logical, integer, nu-\nmeric and complex.",
])
def test_line_break_artefacts(text):
    assert "line_break" in artefacts(text)


@pytest.mark.parametrize("text", [
    "Information found in a\n2\nShared MIME-info Database\ndirectory is added.",
    "the number\n11\nof rows to be read.",
    "the number\nxii\nof rows to be read.",
    "Results are shown on Page 3 of 40 of the report.",
    "as shown - 12 - in the table",
])
def test_page_number_artefacts(text):
    assert "page_number" in artefacts(text)


@pytest.mark.parametrize("text", [
    "Header file libtasn1.h . . . . . . . . . . 4",
    "2.4 Library Notes.......................12",
    "Contents · · · · 3",
    "make.socket . . . . . . . . . . . . . . . . . . . . . . 54",
    "Introduction ... 3",
])
def test_dot_leader_artefacts(text):
    assert "dot_leader" in artefacts(text)


@pytest.mark.parametrize("text", [
    "Formal arguments before ... can be partially matched, and so may ‘swallow’ actual arguments intended for ....",
    "And so on and so forth....",
    "Arguments after ... must be named in full.",
])
def test_an_ellipsis_is_no_dot_leader(text):
    """R's `...` argument (R-exts.pdf, R-lang.pdf) and an ellipsis followed by its full stop are prose."""
    assert "dot_leader" not in artefacts(text)


@pytest.mark.parametrize("text", [
    "2.1 ASN.1 syntax The parser is case sensitive.",
    "1.2 Export to text files Exporting results from R is usually a straightforward task.",
    "A.3 Building Octave It needs a C++ compiler.",
    "Maximum Number Of Tables In A Join SQLite does not support joins containing more than 64 tables.",
    "Situations Where SQLite Works Well Embedded devices and the internet of things need no administration.",
    "2\n2 ASN.1 structure handling\n2.1 ASN.1 syntax\nThe parser is case sensitive.",
])
def test_glued_heading_artefacts(text):
    assert "glued_heading" in artefacts(text)


def test_a_heading_alone_is_not_glued():
    assert "glued_heading" not in artefacts("2.1 Variations on read.table")


def test_a_cited_title_after_see_is_not_a_glued_heading():
    # SQLite's FAQ (realdocs faq.pdf): flagged before 2026-11-30
    assert readable("See How To Corrupt An SQLite Database File for further information.")
    assert "glued_heading" in artefacts("Seeing How To Corrupt An SQLite Database File Is Easy the rest follows.")


def test_a_table_row_shown_with_its_column_names_is_checked_cell_by_cell():
    # How rag.blocks.labelled_row shows a quoted row (2026-12-01): the column names are labels, not a glued heading
    assert readable("Example Typenames From The CREATE TABLE Statement or CAST Expression: NUMERIC DECIMAL(10,5) BOOLEAN DATE DATETIME; "
                    "Resulting Affinity: NUMERIC; Rule Used To Determine Affinity: 5")
    assert "glued_heading" in artefacts("Type: Maximum Number Of Tables In A Join SQLite does not support more; Limit: 64")


@pytest.mark.parametrize("text,headers", [
    ("and to give nrows, the number Chapter 2: Spreadsheet-like data 11 of rows to be read.", ()),
    ("Appendix B: Installing R 40 the rest of the sentence.", ()),
    ("that are Shared MIME-info Database directory added.", ("Shared MIME-info Database",)),
    ("the program GNU GENERAL PUBLIC LICENSE 9 and its terms.", ("GNU GENERAL PUBLIC LICENSE",)),
])
def test_repeated_header_artefacts(text, headers):
    assert "repeated_header" in artefacts(text, headers)


def test_headers_are_whitespace_insensitive_and_optional():
    s = "A database is opened by the Shared   MIME-info\nDatabase reader."
    assert "repeated_header" in artefacts(s, ["Shared MIME-info Database"])
    assert "repeated_header" not in artefacts(s)


def test_several_artefacts_in_kinds_order():
    found = artefacts("4\nH\nHeader file libtasn1.h . . . [1] 4\nH\nHeader file libtasn1.h . . . . . . .")
    assert found == [k for k in KINDS if k in {"line_break", "page_number", "dot_leader"}]


def test_surrounding_whitespace_is_not_an_artefact():
    assert readable("  \nSQLite competes with fopen().\n ")


@pytest.mark.parametrize(
    "text",
    [
        "tion (VECSXPs), and for ‘growable’ vectors which are created by slightly over-committing.",  # R-ints.pdf, a footnote's tail
        "ment of the journal is done by the pager.",
        "ing the database file, the reader takes a SHARED lock.",
        "ities of the two formats are the same.",
    ],
)
def test_a_sentence_that_starts_with_a_words_tail_is_a_fragment(text):
    assert artefacts(text) == ["word_fragment"]


@pytest.mark.parametrize(
    "text",
    [
        "less is a pager that can go back in the file.",  # a word that is also a suffix
        "fully qualified names are accepted.",
        "able to read it, the process continues.",
        "nrows is the number of rows to read.",  # an identifier
        "read.table ignores empty lines.",
        "git bisect run takes a script.",
        "e.g. the default is 50.",
        "Ment is not lowercase here.",
        "The notification is sent once.",  # "tion" only inside a word
    ],
)
def test_lowercase_words_and_identifiers_are_not_fragments(text):
    assert "word_fragment" not in artefacts(text)


@pytest.mark.parametrize("text", [
    "Its size is greater than 512 bytes, and",  # a list item quoted with the joint to the next one
    "Note also that when documenting data set bar,",  # a lead-in whose list is not shown
    "The rule is that corresponding array dimensions must either",
    "BASH_XTRACEFD to 2 (the standard error file descriptor) and then unsetting it will result in the",  # cut at a line
    "older stashes can be named using the usual reflog syntax (e.g.",  # cut where a splitter took "e.g." for an end
    "Some options, i.e.",
])
def test_a_sentence_cut_off_mid_clause_is_a_fragment(text):
    assert artefacts(text) == ["fragment"], text
    assert not readable(text)


@pytest.mark.parametrize("text", [
    "Rollback journals",  # a list item of names
    "Add XS-Autobuild: yes into the header part of debian/control;",  # a step of a list, ended by its semicolon
    "pinv (a) | compute pseudoinverse of a",  # a table row whose cell ends in a variable's name
    "`sqlite> PRAGMA foreign_keys = ON;`",  # quoted code ends as its language does
    "The remaining arguments are passed on to the function, and so on.",
    "Then git bisect will respond with something like:",
    "Use a pager (e.g. less) to read it.",  # an abbreviation inside, not at the end
])
def test_complete_items_rows_code_and_sentences_are_not_fragments(text):
    assert "fragment" not in artefacts(text), text


def test_a_lead_in_followed_by_what_it_introduces_is_no_fragment():
    assert artefacts("The rule is that corresponding array dimensions must either", continued=True) == []
    assert artefacts("Suppose the file data contains records like", continued=True) == []


@pytest.mark.parametrize("text", [
    "See set clip (p. 137). \x88 Extra lines to customize the key can be added in plot commands.",  # gnuplot.pdf's bullet
    "This should be provided by your platform for |x| \x1c 1.",  # a TeX math font's "much less than"
    "[time [-p]] [ ! ] command1 [ [|\uf8f4|&] command2 ... ]",  # a symbol font's private-use glyph
    "The file name was caf\ufffd.txt.",  # a byte that was not text
])
def test_a_character_no_reader_can_read_is_a_stray_glyph(text):
    assert "stray_glyph" in artefacts(text), text  # (U+001C also splits lines for str.splitlines: a line_break too)


def test_tabs_and_non_latin_text_are_no_stray_glyphs():
    assert "stray_glyph" not in artefacts("The value µ and ϕ are the mean and the scale; “quoted” — café, 東京.")
    assert "stray_glyph" not in artefacts("name\tvalue | 3")


def test_a_fenced_code_block_keeps_its_lines_but_is_checked_as_its_one_line_form():
    """An answer shows a quoted code block fenced, on its own lines (rag.blocks.shown_code): those line breaks are the
    code's, not artefacts. Its text is checked as the one line it was shown as before, so nothing else is let through."""
    code = "```\narchivectl restore --date YYYY-MM-DD \\\n  --target /srv/restore \\\n  --verify\n```"
    assert artefacts(code) == [] and artefacts("`archivectl restore --date YYYY-MM-DD \\ --target /srv/restore \\ --verify`") == []
    assert artefacts("```\nx = 1\n\x88 y = 2\n```") == ["stray_glyph"]
    assert artefacts("```\nprint(a) . . . . . . . 12\n```") == ["dot_leader"]
    assert "line_break" in artefacts("x = 1\ny = 2")  # without its fences, a line break is still one
