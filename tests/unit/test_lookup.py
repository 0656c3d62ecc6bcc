"""Table lookup (rag/lookup.py): a question naming a row and a column is answered by that row; a question
whose names, numbers or column are not the row's is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.chunking import chunk_document
from rag.loaders import load_file
from rag.lookup import abbreviations, row_lookup, spelled
from rag.types import ScoredChunk

RELEASES = """version,codename,created,release,eol,eol-lts
1.0,Acorn,2012-01-05,2013-03-02,2015-01-31,2017-01-31
2.0,Birch,2013-03-02,2015-05-10,2017-12-31,2020-06-30
3.0,Cedar,2015-05-10,2017-09-01,2019-03-31,–
3.1,Cedar,2017-09-01,2018-02-14,2020-09-30,2023-09-30
4.0,Dogwood,2018-02-14,2019-11-20,2022-11-30,2025-11-30
9.04,Elm,2019-11-20,2021-04-22,2023-01-20,–
9.10,Fir,2021-04-22,2021-10-14,2022-07-14,–
"""


def hits_of(tmp_path: Path, name: str = "quokka.csv", text: str = RELEASES) -> list[ScoredChunk]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    doc = load_file((tmp_path / name).resolve(), tmp_path.resolve(), 10**9)
    return [ScoredChunk(c, 1.0) for c in chunk_document(doc, 2000, 0)]


def row_text(hits, m) -> str:
    return hits[m.source - 1].chunk.text[m.start : m.end]


def test_abbreviations_are_read_from_the_question():
    assert abbreviations("When did long-term support (LTS) end?") == {"lts": {"long", "term", "support"}}
    assert abbreviations("Until when is it covered by extended LTS (ELTS)?") == {"elts": {"extend", "lts"}}
    assert abbreviations("Is it (ABC) or not?") == {}, "no words before it spell ABC"
    assert spelled("eol", "When did it reach its end of life?") == {"end", "of", "life"}
    assert spelled("eol", "When did it end?") == set()


def test_a_row_named_by_its_cells_answers_the_column_asked_for(tmp_path):
    hits = hits_of(tmp_path)
    m = row_lookup("When was Quokka 2.0 (Birch) released?", hits)
    assert m is not None and (m.column, m.value) == ("release", "2015-05-10")
    assert row_text(hits, m).startswith("2.0 | Birch"), "the row itself is what is quoted and cited"
    m = row_lookup("When did long-term support (LTS) for Quokka 1.0 end?", hits)
    assert m is not None and m.value == "2017-01-31", "LTS names the column eol-lts"
    m = row_lookup("When did Quokka Dogwood reach its end of life?", hits)
    assert m is not None and (m.column, m.value) == ("eol", "2022-11-30"), "'end of life' spells the column eol"


GPUS = """device_id,revision_id,product_name
73BF,C0,Radeon RX 6900 XT
73BF,C1,Radeon RX 6800 XT
73BF,C3,Radeon RX 6800
15DD,81,Ryzen Embedded V1807B
15DD,82,Ryzen Embedded V1756B
"""


def test_a_row_pinned_by_two_cells_asks_for_its_one_other_cell(tmp_path):
    hits = hits_of(tmp_path, "gpus.csv", GPUS)
    m = row_lookup("Which graphics card has device 73BF with revision C1?", hits)
    assert m is not None and (m.column, m.value) == ("product_name", "Radeon RX 6800 XT")
    m = row_lookup("Which Ryzen Embedded processor shows up as device 15DD revision 82?", hits)
    assert m is not None and m.value == "Ryzen Embedded V1756B", "not the 15DD row with revision 81"
    assert row_lookup("Which graphics card has device 73BF?", hits) is None, "one cell given: three rows, no column named"
    assert row_lookup("Which graphics card has device 73BF with revision D7?", hits) is None, "no row holds D7"
    releases = hits_of(tmp_path)
    assert row_lookup("What happened to Quokka 2.0 Birch?", releases) is None, "two cells given, four others: nothing is asked"


TEMP_STORE = """SQLITE_TEMP_STORE,PRAGMA temp_store,Storage used for TEMP tables and indices
0,any,file
1,0,file
1,1,file
1,2,memory
2,0,memory
2,1,file
2,2,memory
3,any,memory
"""


def test_rows_that_tie_are_told_apart_by_where_the_question_puts_their_cells(tmp_path):
    hits = hits_of(tmp_path, "temp.csv", TEMP_STORE)
    q = "If the build sets SQLITE_TEMP_STORE to {} and I run PRAGMA temp_store = {}, where do temporary tables end up?"
    m = row_lookup(q.format(2, 1), hits)
    assert m is not None and m.value == "file" and row_text(hits, m) == "2 | 1 | file", "not the row 1 | 2 | memory"
    m = row_lookup(q.format(1, 2), hits)
    assert m is not None and m.value == "memory" and row_text(hits, m) == "1 | 2 | memory"
    assert row_lookup("With the values 2 and 1, where do SQLITE_TEMP_STORE temporary tables end up?", hits) is None, \
        "the question binds neither value to a column: still ambiguous"


def test_no_lookup_when_the_row_does_not_hold_the_question(tmp_path):
    hits = hits_of(tmp_path)
    assert row_lookup("Which compiler version did Quokka 2.0 use?", hits) is None, "the version is given, not asked; the compiler is nowhere"
    assert row_lookup("When was Quokka 9 released?", hits) is None, "9 is not 9.04 or 9.10"
    assert row_lookup("When was Debian Birch released?", hits) is None, "Debian is not this table's (quokka.csv) nor its rows'"
    assert row_lookup("When was Cedar released?", hits) is None, "two Cedar rows, two release dates: ambiguous"
    assert row_lookup("When did long-term support (LTS) for Quokka 3.0 end?", hits) is None, "its eol-lts cell is empty"
    assert row_lookup("Birch?", hits) is None, "one key term is no lookup"


def test_prose_and_rows_without_a_header_are_never_looked_up(tmp_path):
    prose = hits_of(tmp_path, "notes.txt", "Quokka 2.0 (Birch) was released on 2015-05-10 after a long beta.\n")
    assert row_lookup("When was Quokka 2.0 (Birch) released?", prose) is None
    bare = hits_of(tmp_path, "bare.md", "| 2.0 | Birch | 2015-05-10 |\n| 3.0 | Cedar | 2017-09-01 |\n")
    assert row_lookup("When was Quokka 2.0 (Birch) released?", bare) is None, "no header row: no column to ask for"


@pytest.mark.parametrize("lookup_on", [True, False])
def test_the_pipeline_answers_a_lookup_with_its_row(pipeline_over, monkeypatch, lookup_on):
    import rag.pipeline

    if not lookup_on:
        monkeypatch.setattr(rag.pipeline, "row_lookup", lambda q, hits: None)
    p = pipeline_over({"quokka.csv": RELEASES}, reader="span")
    a = p.ask("When did long-term support (LTS) for Quokka 1.0 end?")
    if lookup_on:
        assert not a.refused and a.answer.startswith("version: 1.0; codename: Acorn") and "eol-lts: 2017-01-31" in a.answer
        c = a.citations[0]
        (hs, he), = c.highlights
        assert c.text[hs - c.start : he - c.start] == "1.0 | Acorn | 2012-01-05 | 2013-03-02 | 2015-01-31 | 2017-01-31", "the citation points at the row as the document has it"
    else:
        assert a.refused, "without the lookup the span reader finds no answer in the row (why rag/lookup.py exists)"


ERRCODES = """<html><body><h1>Error Codes</h1><table>
<thead><tr><th>Error Code</th><th>Condition Name</th></tr></thead>
<tbody>
<tr><td colspan="2">Class 38 — External Routine Exception</td></tr>
<tr><td>38000</td><td>external_routine_exception</td></tr>
<tr><td>38002</td><td>modifying_sql_data_not_permitted</td></tr>
<tr><td colspan="2">Class 2F — SQL Routine Exception</td></tr>
<tr><td>2F000</td><td>sql_routine_exception</td></tr>
<tr><td>2F002</td><td>modifying_sql_data_not_permitted</td></tr>
<tr><td colspan="2">Class P0 — PL/pgSQL Error</td></tr>
<tr><td>P0001</td><td>raise_exception</td></tr>
</tbody></table></body></html>
"""


def test_a_group_label_row_names_the_rows_below_it(tmp_path):
    hits = hits_of(tmp_path, "errcodes.html", ERRCODES)
    m = row_lookup("Which error code goes with the PL/pgSQL condition raise_exception?", hits)
    assert m is not None and (m.column, m.value) == ("Error Code", "P0001"), "PL/pgSQL is the label's, not the label row's answer"
    m = row_lookup("What is the error code for modifying_sql_data_not_permitted in the External Routine Exception class?", hits)
    assert m is not None and m.value == "38002", "the label tells the two modifying_sql_data_not_permitted rows apart (2F002 is the other)"
    m = row_lookup("What is the error code for modifying_sql_data_not_permitted in the SQL Routine Exception class?", hits)
    assert m is None, "both rows hold every word here ('sql' is in the condition name): ambiguous, so no lookup"


def test_a_sheet_row_with_only_its_first_cell_is_data_not_a_label(tmp_path):
    from rag.lookup import group_label

    assert group_label(["Class P0 — PL/pgSQL Error", ""]) and not group_label(["P0001", "raise_exception"])
    assert not group_label(["application/vnd.ms-wmdrm.lic-resp", "–", "–"]), "a sheet writes its empty cells '–'"
    types = "type,ext1,ext2\napplication/x-lic,,\napplication/x-sh,sh,\n"
    hits = hits_of(tmp_path, "types.csv", types)
    assert row_lookup("Which type has the extension sh under application x-lic?", hits) is None, "x-lic labels nothing"


def test_a_short_table_row_is_quotable_as_read_with_its_column_names(tmp_path):
    from rag.answer import rank_sentences

    hits = hits_of(tmp_path, "errcodes.html", ERRCODES)
    ranked = rank_sentences("Which error code goes with the condition raise_exception?", None, hits, embedder=None, embed=False)
    texts = [hits[c.source - 1].chunk.text[c.start : c.end] for c in ranked]
    assert "P0001 | raise_exception" in texts, "three words as written, six as read ('Error Code: P0001; Condition Name: raise_exception')"


def test_glued_letters_and_digits_and_short_inflected_words_match(tmp_path):
    gpus = "device_id,revision_id,product_name\n67DF,C1,Radeon RX 580 Series\n6FDF,EF,Radeon RX 580 2048SP\n"
    hits = hits_of(tmp_path, "gpus.csv", gpus)
    m = row_lookup("What revision ID does the Radeon RX 580 2048 SP have?", hits)
    assert m is not None and m.value == "EF", "'2048SP' holds 'SP' (and 2048)"
    cves = "CVE Number,Fix,Comments\nCVE-2020-15358,3.32.3,heap overread\nCVE-2020-13631,3.32.0,virtual table rename\n"
    hits = hits_of(tmp_path, "cves.csv", cves)
    m = row_lookup("Which release fixed CVE-2020-13631?", hits)
    assert m is not None and (m.column, m.value) == ("Fix", "3.32.0"), "'fixed' names the column 'Fix'"


FLAGS = """<html><head><title>mod_rewrite</title></head><body><h1>Apache Module mod_rewrite</h1>
<h2>RewriteRule Directive</h2>
<p>The URL-path is completely replaced by the Substitution and the rewriting process continues until all rules have
been applied, or it is explicitly terminated by an L flag, or other flag which implies immediate termination, such as
END or F.</p>
<p>Flags is a comma-separated list, surround by square brackets, of any of the flags in the following table.</p>
<table><tr><th>Flag and syntax</th><th>Function</th></tr>
<tr><td>cookie|CO=NAME:VAL</td><td>Sets a cookie in the client browser. Full syntax is: CO=NAME:VAL:domain.</td></tr>
<tr><td>last|L</td><td>Stop the rewriting process immediately and don't apply any more rules. Especially note caveats for per-directory context.</td></tr>
<tr><td>nocase|NC</td><td>Makes the pattern comparison case-insensitive.</td></tr>
<tr><td>redirect|R[=code]</td><td>Forces an external redirect, optionally with the specified HTTP status code.</td></tr>
</table>
<h2>Header Directive</h2>
<table><tr><th>Format</th><th>Description</th></tr>
<tr><td>%t</td><td>The time the request was received. The value is preceded by t=.</td></tr>
<tr><td>%D</td><td>The time from when the request was received to the time the headers are sent. The value is preceded by D=.</td></tr>
</table></body></html>
"""


def test_a_row_whose_key_cell_the_question_spells_comes_first(tmp_path, pipeline_over):
    """HTML trial D1: "What does the L flag of RewriteRule do?" quoted the prose sentence "... terminated by an L flag
    ...", and "%D" another sentence, though the flags and format tables' rows "last|L | Stop the rewriting process
    ..." and "%D | The time from ..." were retrieved. A row whose key cell, or one of its "|" alternatives without its
    argument, is a flag or specifier the question spells, comes first; "I" in "How do I" names no row."""
    from rag.answer import Candidate
    from rag.lookup import key_row

    hits = hits_of(tmp_path, "mod_rewrite.html", FLAGS)
    assert row_text(hits, key_row("What does the L flag of RewriteRule do?", hits)).startswith("last|L | Stop the rewriting")
    assert row_text(hits, key_row("And what does the R flag do?", hits)).startswith("redirect|R[=code] | Forces")
    assert row_text(hits, key_row("What does the %D format specifier mean?", hits)).startswith("%D | The time from")
    assert key_row("How do I stop the rewriting process?", hits) is None
    assert key_row("What does the last flag do?", hits) is None  # a word, not a key as tables spell it: left to the ranking
    entry = "'nocase|NC' (no case) This makes the test case-insensitive."  # RewriteCond's own entry, ranked first: kept
    assert key_row("What does the NC flag do in a RewriteCond?", hits, [Candidate(1, 0, len(entry), entry, 0.0, 0.0, 1.0)]) is None
    assert key_row("What does the NC flag do in a RewriteCond?", hits) is not None
    p = pipeline_over({"mod_rewrite.html": FLAGS})
    a = p.ask("What does the L flag of RewriteRule do?")
    assert a.answer.startswith("last|L | Stop the rewriting process immediately and don't apply any more rules. [1]"), a.answer
