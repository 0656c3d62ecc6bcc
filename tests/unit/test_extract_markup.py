"""HTML, DOCX and Markdown structure: main content only, headings give the section path,
code and tables kept as blocks, only prose/list items/table rows quotable, spans exact."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from rag.blocks import SEP, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import load_file

PROSE = "The bisect command finds the commit that introduced a bug by binary search over the history."


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def kinds(doc) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def check_chunks(doc):
    for c in chunk_document(doc, 64, 8):
        assert c.text == doc.text[c.start:c.end]
        for s, e in quotable_spans(c):
            assert c.text[s:e] and c.text[s:e] == c.text[s:e].strip()


HTML = f"""<html><head><title>git-bisect(1)</title></head><body>
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/docs">Documentation</a></li></ul></nav>
<div id="content">
<h1>git-bisect(1)</h1>
<h2>DESCRIPTION</h2>
<p>{PROSE} It asks you whether each selected commit is good or bad, and it keeps
narrowing down the range until it finds the exact commit that introduced the change.</p>
<h3>Basic bisect commands</h3>
<p>As an example, suppose you are trying to find the commit that broke a feature that was known to work in an older version of your project.</p>
<pre>$ git bisect start
$ git bisect bad
$ git bisect good v2.6.13-rc2</pre>
<ul><li>Use git bisect reset to return to the original branch when you are done.</li>
<li>Use git bisect log to see what has been done so far in the session.</li></ul>
<table><tr><th>Term</th><th>Meaning</th></tr><tr><td>bad</td><td>the commit has the bug</td></tr></table>
</div>
<footer>Copyright 2024 Example Corp. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"""


def test_html_main_content_headings_code_lists_tables(tmp_path, monkeypatch):
    def no_network(*a, **k):
        raise AssertionError("HTML extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    (tmp_path / "bisect.html").write_text(HTML, encoding="utf-8")
    doc = load(tmp_path / "bisect.html")
    t = doc.text
    assert doc.title == "git-bisect(1)"
    assert "cookies" not in t and "Documentation" not in t and "Copyright" not in t
    assert PROSE in t and "\nnarrowing" not in t
    blocks = kinds(doc)
    assert ("code", "$ git bisect start\n$ git bisect bad\n$ git bisect good v2.6.13-rc2") in blocks
    assert ("list_item", "Use git bisect log to see what has been done so far in the session.") in blocks
    assert ("table_row", "bad | the commit has the bug") in blocks
    assert doc.section_at(t.index("As an example")).endswith(f"DESCRIPTION{SEP}Basic bisect commands")
    check_chunks(doc)


def test_html_without_main_content_falls_back_to_every_block(tmp_path):
    (tmp_path / "tiny.html").write_text("<html><body><h1>Tiny</h1><p>One short line.</p></body></html>")
    doc = load(tmp_path / "tiny.html")
    assert kinds(doc) == [("heading", "Tiny"), ("paragraph", "One short line.")]


def make_docx(path: Path) -> Path:
    import docx

    from docx.enum.style import WD_STYLE_TYPE

    d = docx.Document()
    d.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)  # what Word's "Insert table of contents" writes
    d.add_paragraph("Backups\t2", style="TOC 1")
    d.add_heading("Operations guide", level=1)
    d.add_paragraph("This guide explains how the service is run.")
    d.add_heading("Backups", level=2)
    d.add_paragraph("Backups run every night at two o'clock and are kept for thirty days.")
    d.add_paragraph("Check the backup log every Monday.", style="List Bullet")
    t = d.add_table(rows=2, cols=3)
    for r, row in enumerate([["Volume", "Schedule", "Retention"], ["db", "nightly", "30 days"]]):
        for c, cell in enumerate(row):
            t.cell(r, c).text = cell
    d.add_heading("Restores", level=2)
    d.add_paragraph("A restore takes about an hour for the main database.")
    d.save(str(path))
    return path


def test_docx_heading_styles_give_the_section_path_and_tables_stay_rows(tmp_path):
    doc = load(make_docx(tmp_path / "ops.docx"))
    t = doc.text
    assert doc.section_at(t.index("Backups run")) == f"Operations guide{SEP}Backups"
    assert doc.section_at(t.index("A restore takes")) == f"Operations guide{SEP}Restores"
    blocks = kinds(doc)
    assert ("table_row", "db | nightly | 30 days") in blocks
    assert ("list_item", "Check the backup log every Monday.") in blocks
    assert t.index("db | nightly") < t.index("Restores"), "tables stay where they are in the body"
    assert ("toc", "Backups 2") in blocks
    c = chunk_document(doc, 512, 0)[0]
    assert not any("Backups 2" in c.text[s:e] for s, e in quotable_spans(c)), "a TOC entry is never quoted"
    check_chunks(doc)


MD = """# Widget handbook

Widgets are configured in one file.

## Install

Run the installer once:

```sh
./install --prefix /opt/widget

./install --check
```

- The installer needs root.
- It writes a log to /var/log/widget.

| Option | Default |
|--------|---------|
| depth  | 8       |

## Use

Start the widget with one command.
"""


def test_markdown_is_verbatim_with_sections_and_fenced_code(tmp_path):
    (tmp_path / "w.md").write_text(MD, encoding="utf-8")
    doc = load(tmp_path / "w.md")
    assert doc.text == MD
    blocks = kinds(doc)
    assert ("code", "```sh\n./install --prefix /opt/widget\n\n./install --check\n```") in blocks
    assert ("list_item", "- The installer needs root.") in blocks
    assert ("table_row", "| depth  | 8       |") in blocks
    assert doc.section_at(MD.index("Start the widget")) == f"Widget handbook{SEP}Use"
    assert doc.section_at(MD.index("./install --check")) == f"Widget handbook{SEP}Install"
    c = chunk_document(doc, 512, 0)[0]
    quoted = [c.text[s:e] for s, e in quotable_spans(c)]
    assert "Widgets are configured in one file." in quoted
    assert "The installer needs root." in quoted, "a list item is quoted without its bullet"
    assert not any("#" in q or "./install" in q for q in quoted), "headings and code are not quoted"
    check_chunks(doc)


def test_html_reference_page_keeps_name_line_and_definition_lists(tmp_path):
    """A man page as asciidoc writes it: the NAME line sits in div#header and the options are a
    definition list; both are content (trafilatura alone drops them), the TOC div is not."""
    options = "".join(f"<dt>--option-{i}</dt><dd><p>Option {i} changes how the command treats file number {i} in the index.</p></dd>" for i in range(12))
    page = (f"<html><head><title>git-add(1)</title></head><body><div id='header'><h1>git-add(1) Manual Page</h1><h2>NAME</h2>"
            f"<div class='sectionbody'><p>git-add - Add file contents to the index</p></div></div>"
            f"<div id='toc'><a href='#a'>OPTIONS</a></div>"
            f"<div id='content'><h2>DESCRIPTION</h2><p>{PROSE}</p><h2>OPTIONS</h2><dl>{options}</dl></div>"
            f"<div id='footer'>Last updated 2023-01-01</div></body></html>")
    (tmp_path / "git-add.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "git-add.html")
    t = doc.text
    assert "git-add - Add file contents to the index" in t
    assert "Option 11 changes how the command treats file number 11 in the index." in t
    assert doc.section_at(t.index("Option 11")).endswith(f"{SEP}OPTIONS")
    assert "Last updated" not in t and "OPTIONS\n\nDESCRIPTION" not in t


LIMIT = ("The query planner does not accept a join of more than sixty-four tables, because the bitmask "
         "that tracks which tables are used has sixty-four bits in it.")
LIMITS_PAGE = f"""<html><head><title>Limits</title><script>var antiRobot = 0;</script></head><body>
<div class="menu mainmenu"><ul><li><a href="index.html">Home</a></li><li><a href="docs.html">Documentation</a></li></ul></div>
<script>function antiRobotGo() {{ return 0; }}</script>
<h2>Limits In The Engine</h2>
<p>This article defines the hard limits of the engine and explains how each of them can be changed
at compile time or at run time for a given connection.</p>
<p>Most applications never come near these limits, but an application that generates its own
statements can, and it then gets a clear error instead of running out of memory.</p>
<ol>
<li><p><b>Maximum Number Of Tables In A Join</b></p>
<p>{LIMIT} The limit cannot be raised at run time, and it is tested as part of the test suite.</p></li>
<li><b>Maximum Depth Of Trigger Recursion</b>
<p>The engine limits the depth of recursion of triggers in order to prevent a statement from using an unbounded amount of memory.</p></li>
<li><b>Maximum Length Of A Pattern</b><br>The pattern matching algorithm can be slow for very long patterns, so their length is limited.</li>
</ol>
<p>This page last modified on 2022-01-20 by the documentation team of the project.</p>
</body></html>"""


def test_html_headings_outside_containers_and_bold_item_titles_give_sections(tmp_path):
    """Headings straight in <body> after a script (trafilatura drops them) still give the section
    path; a bold-only item title (<li><p><b>..</b></p>, <li><b>..</b><p>, <b>..</b><br>) is a
    heading of its own, never glued to the sentence after it."""
    (tmp_path / "limits.html").write_text(LIMITS_PAGE, encoding="utf-8")
    doc = load(tmp_path / "limits.html")
    t = doc.text
    assert "Documentation" not in t
    assert doc.section_at(t.index("This article defines")) == "Limits In The Engine"
    assert doc.section_at(t.index(LIMIT)) == f"Limits In The Engine{SEP}Maximum Number Of Tables In A Join"
    assert doc.section_at(t.index("The engine limits the depth")).endswith(f"{SEP}Maximum Depth Of Trigger Recursion")
    assert doc.section_at(t.index("The pattern matching")).endswith(f"{SEP}Maximum Length Of A Pattern")
    blocks = kinds(doc)
    for title in ("Maximum Number Of Tables In A Join", "Maximum Depth Of Trigger Recursion", "Maximum Length Of A Pattern"):
        assert ("heading", title) in blocks
    quoted = [c.text[s:e] for c in chunk_document(doc, 512, 0) for s, e in quotable_spans(c)]
    assert LIMIT in quoted
    assert not any("Maximum" in q for q in quoted), "a title is never part of a quoted sentence"
    check_chunks(doc)


def test_html_nested_list_items_are_not_repeated_in_their_parent():
    from rag.markup import _html_fallback

    blocks = _html_fallback("<body><h1>Columns</h1><ul><li><p>The column limit applies to:</p>"
                            "<ul><li>The number of columns in a table</li><li>The number of columns in an index</li></ul></li></ul></body>")
    texts = [b.text for b in blocks]
    assert texts.count("The number of columns in a table") == 1
    assert not any("applies to:" in x and "in a table" in x for x in texts)


def test_docx_heading_levels_nest_and_each_sentence_has_its_own_section(tmp_path):
    """Heading 1/2 styles build the nested path; the sentence under "2.1" is in "2 › 2.1", the one
    before that heading stays in "2" (python-docx generated, as the realdocs DOCX is)."""
    import docx

    d = docx.Document()
    d.add_heading("1. Datatypes", level=1)
    d.add_paragraph("Most engines use static typing for every column of a table.")
    d.add_heading("2. Storage Classes", level=1)
    d.add_paragraph("Any column may be used to store a value of any storage class.")
    d.add_heading("2.1. Boolean Datatype", level=2)
    d.add_paragraph("There is no separate Boolean storage class. Boolean values are stored as integers 0 and 1.")
    d.add_heading("3. Type Affinity", level=1)
    d.add_paragraph("Affinity is the recommended type of a column.")
    d.save(str(tmp_path / "types.docx"))
    doc = load(tmp_path / "types.docx")
    t = doc.text
    assert doc.section_at(t.index("Boolean values are stored")) == f"2. Storage Classes{SEP}2.1. Boolean Datatype"
    assert doc.section_at(t.index("Any column may")) == "2. Storage Classes"
    assert doc.section_at(t.index("Affinity is")) == "3. Type Affinity"
    from rag.blocks import chunk_section_at

    c = chunk_document(doc, 512, 0)[0]
    assert chunk_section_at(c, c.text.index("Boolean values are stored") - 0) == f"2. Storage Classes{SEP}2.1. Boolean Datatype"
    check_chunks(doc)


DEFAULTS = "If this is set to true, the show command without an option shows the diffstat of the entry. Defaults to true."


@pytest.mark.parametrize("n_options", [2, 12])  # few: trafilatura's blocks are kept; many: the block walk wins
def test_html_definition_terms_open_their_description_and_descriptions_are_kept_once(tmp_path, n_options):
    """A man page's <dt>/<dd> (asciidoc: <dd><p>..</p><div class=paragraph><p>..</p></div></dd>):
    the term opens its description's first block, a sentence of the description is in the text once,
    and "Defaults to true." is quoted with the sentence it completes."""
    options = "".join(f"<dt>--option-{i}</dt><dd><p>Option {i} changes how the command treats file number {i} in the index.</p>"
                      f"<div class='paragraph'><p>Its second paragraph number {i} says more about the option.</p></div></dd>"
                      for i in range(n_options))
    page = (f"<html><head><title>git-stash(1)</title></head><body><div id='content'><h2>DESCRIPTION</h2><p>{PROSE}</p>"
            f"<h2>OPTIONS</h2><div class='dlist'><dl><dt>-a</dt><dt>--all</dt><dd><p>All ignored files are stashed.</p></dd>{options}</dl></div>"
            f"<h2>CONFIGURATION</h2><div class='dlist'><dl><dt>stash.showStat</dt><dd><p>{DEFAULTS}</p></dd></dl></div></div></body></html>")
    (tmp_path / "stash.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "stash.html")
    t = doc.text
    assert t.count("Option 1 changes how") == 1 and t.count("second paragraph number 1 ") == 1
    assert f"stash.showStat: {DEFAULTS}" in t
    assert "-a, --all: All ignored files are stashed." in t
    assert doc.section_at(t.index("stash.showStat")).endswith("CONFIGURATION")
    quoted = [c.text[s:e] for c in chunk_document(doc, 512, 0) for s, e in quotable_spans(c)]
    assert f"stash.showStat: {DEFAULTS}" in quoted, "the term opens the sentence; the 3-word fragment is not left alone"
    assert "Defaults to true." not in quoted
    check_chunks(doc)


def test_quotable_units_join_fragments_and_back_references_within_a_block_only():
    from rag.blocks import quotable_units
    from rag.text import sentence_spans

    def units(t):
        out = quotable_units(t, sentence_spans(t))
        assert all(t[s:e] == t[s:e].strip() and e > s for s, e in out)
        return [t[s:e] for s, e in out]

    t = ("Patterns for every repository go into the file named by core.excludesFile. Its default value is "
         "$XDG_CONFIG_HOME/git/ignore. When that variable is unset, the home folder is used instead.")
    assert units(t) == ["Patterns for every repository go into the file named by core.excludesFile. Its default value is $XDG_CONFIG_HOME/git/ignore.",
                        "When that variable is unset, the home folder is used instead."]
    assert units("The show command prints the diffstat. Defaults to true. See the show command for more.") == [
        "The show command prints the diffstat. Defaults to true.", "See the show command for more."]
    assert units("Default: true. The show command prints the diffstat of the entry.") == [
        "Default: true. The show command prints the diffstat of the entry."]
    # at most one sentence is carried along by a back reference, and never across a paragraph break
    assert units("The parser is case sensitive. It ignores every comment line. It reads one module at a time.") == [
        "The parser is case sensitive. It ignores every comment line.", "It reads one module at a time."]
    assert units("The parser is case sensitive.\n\nIt ignores comments entirely.") == [
        "The parser is case sensitive.", "It ignores comments entirely."]
    assert units("Short one.") == ["Short one."]
    # a source's own reference marker never ends up inside a quote (it would read as a citation)
    assert units("Paris is the capital and largest city of France.[12] It has about two million inhabitants.[3]") == [
        "Paris is the capital and largest city of France.[12]", "It has about two million inhabitants.[3]"]


def test_each_citation_names_the_section_of_the_sentence_it_quotes(tmp_path):
    """Two sentences quoted from one passage under different headings: each gets a citation of its
    own, naming its own section (not the section of the passage's first quoted sentence)."""
    import docx

    from rag.pipeline import build
    from rag.settings import Settings

    d = docx.Document()
    d.add_heading("2. Storage Classes", level=1)
    d.add_paragraph("SQLite does not store Boolean values in a storage class of their own.")
    d.add_heading("2.1. Boolean Datatype", level=2)
    d.add_paragraph("Instead, SQLite does store Boolean values as the integers 0 (false) and 1 (true).")
    (tmp_path / "docs").mkdir()
    d.save(str(tmp_path / "docs" / "types.docx"))
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    pipe.ingest([tmp_path / "docs"])
    doc = load(tmp_path / "docs" / "types.docx")
    ans = pipe.ask("How does SQLite store Boolean values?")
    assert not ans.refused and len([s for s in ans.sentences if s.shown]) == 2
    assert len({c.chunk_id for c in ans.citations}) == 1, "one passage holds both sentences"
    by_n = {c.n: c for c in ans.citations}
    for s in ans.sentences:
        (n,) = s.cites
        assert by_n[n].section == doc.section_at(doc.text.index(s.text)), s.text
        assert any(doc.text[a:b] == s.text for a, b in by_n[n].highlights)
    assert {c.section for c in ans.citations} == {"2. Storage Classes", f"2. Storage Classes{SEP}2.1. Boolean Datatype"}
    assert [s.cites for s in ans.sentences] == [(1,), (2,)]


def test_html_block_walk_joins_inline_markup_like_a_browser():
    """No space is invented before punctuation at an inline tag ("refs/stash ; older"), while a <br>
    or a box element still separates words."""
    from rag.markup import _html_fallback

    blocks = _html_fallback("<body><h2>DESCRIPTION</h2><p>It is stored in <code>refs/stash</code>; older ones are in its "
                            "reflog (see <em>git-log</em>).</p><ul><li>Like <code>pop</code>, but keeps it.<br>Second line"
                            "<div>boxed</div>after</li></ul><table><tr><td>INT<br>BIGINT</td><td><b>INTEGER</b></td></tr></table></body>")
    texts = [b.text for b in blocks]
    assert "It is stored in refs/stash; older ones are in its reflog (see git-log)." in texts
    assert "Like pop, but keeps it. Second line boxed after" in texts
    assert "INT BIGINT | INTEGER" in texts


def test_html_unclosed_man2html_paragraphs_and_terms_become_blocks():
    """man2html writes <P>, <DT> and <DD> without closing them; each still ends at the next block,
    as in a browser, so a heading is never swallowed into one page-long paragraph."""
    from rag.markup import html_blocks

    page = ("<HTML><BODY><H1>BASH</H1>Section: User Commands<BR><H2>NAME</H2>bash - GNU Bourne-Again SHell"
            "<H2>OPTIONS</H2>The shell reads the options first. They come before any file name.<P>"
            "<B>Bash</B> reads them all.<P><DL COMPACT><DT><B>-c</B>"
            "<DD>Commands are read from the first non-option argument.<DT><B>-i</B><DD>The shell is interactive.</DL>"
            "<PRE>$ bash -c 'echo hi'</PRE><P>All of the single-character options can be given."
            "<H2>ARGUMENTS</H2>If arguments remain after option processing, the first is a file of commands.</BODY></HTML>")
    blocks = html_blocks(page)
    texts = [b.text for b in blocks]
    assert "The shell reads the options first. They come before any file name." in texts
    assert [b.text for b in blocks if b.kind == "heading"] == ["BASH", "NAME", "OPTIONS", "ARGUMENTS"]
    last = next(b for b in blocks if b.text.startswith("If arguments remain"))
    assert last.section[-1] == "ARGUMENTS" and "OPTIONS" not in last.text
    assert not any("ARGUMENTS" in t and t != "ARGUMENTS" for t in texts), "a heading glued into a paragraph"


def test_html_pre_with_inline_markup_stays_code_and_permalinks_leave_headings():
    from rag.markup import html_blocks

    page = ("<html><body><main><h1>Numeric Types<a class='headerlink' href='#n'>¶</a></h1>"
            "<p>To declare a column of type numeric use the syntax shown below, with a precision and a scale.</p>"
            "<pre class='programlisting'>NUMERIC(<em class='replaceable'><code>precision</code></em>, <em><code>scale</code></em>)</pre>"
            "<p>The precision must be positive, while the scale may be positive or negative in any declaration.</p>"
            "<h2>Integer Types<a href='#i'>#</a></h2><p>The types smallint, integer and bigint store whole numbers only.</p>"
            "</main></body></html>")
    blocks = html_blocks(page)
    assert ("code", "NUMERIC(precision, scale)") in [(b.kind, b.text.strip()) for b in blocks]
    assert [b.text for b in blocks if b.kind == "heading"] == ["Numeric Types", "Integer Types"]
    assert all("¶" not in " ".join(b.section) for b in blocks)


def test_html_a_section_trafilatura_dropped_from_the_middle_goes_back_in_order():
    """_fill_gaps: walk blocks missing between two that trafilatura kept are put back after the
    first; what the walk found before the first kept block (navigation) stays out."""
    from rag.blocks import Block
    from rag.markup import _fill_gaps

    kept = [Block("paragraph", "Keep usage notes to where they belong, in the NEWS file of the package."),
            Block("paragraph", "Debconf templates may be translated by the translation teams of the project.")]
    walk = [Block("paragraph", "Home Previous Next Index of every chapter of this reference manual for everyone"),
            kept[0],
            Block("heading", "6.6.2 General recommendations"),
            Block("paragraph", "Most Debian package maintainers are not native English speakers, so templates need care."),
            Block("paragraph", "Avoid technical jargon as much as possible in every question that you ask users."),
            kept[1]]
    out = _fill_gaps(kept, walk)
    assert [b.text for b in out] == [kept[0].text, "6.6.2 General recommendations", walk[3].text, walk[4].text, kept[1].text]
    assert _fill_gaps(kept, kept) == kept


def test_html_margin_paragraph_numbers_and_bold_class_section_titles():
    # SiSU's markup: a numbered link in the margin beside each block, section titles as <p class="bold">
    from rag.markup import html_blocks

    def para(n: int, inner: str, tag: str = "p", cls: str = "i0") -> str:
        return (f'<div class="substance"><label class="ocn"><a href="#o{n}" class="lnkocn">{n}</a></label>'
                f'<{tag} class="{cls}" id="o{n}">{inner}</{tag}></div>')

    page = ("<html><body><div class='content'>" + para(1, "4. The basics", "h1", "norm")
            + para(2, "This chapter gives a brief overview of the build process and the three most common image types.")
            + para(3, '<a name="h4.1"></a>4.1 What is a live system?', cls="bold")
            + para(4, "A live system is an operating system booted from a removable medium, ready to use without installation.")
            + para(5, "4.1.1 Parts of a live system", cls="bold")
            + para(6, 'It is made of a kernel, an initial RAM disk and a system image, as note <a href="#n1">1</a> explains in full.')
            + para(7, "This whole paragraph is set in bold type because the author wanted it to stand out.", cls="bold")
            + "<p id='n1'>1. The notes of this chapter follow its last section.</p></div></body></html>")
    blocks = html_blocks(page)
    texts = [b.text for b in blocks]
    assert not any(t.strip().isdigit() for t in texts), "margin paragraph numbers are not blocks"
    assert not any(t[:2] in ("2 ", "4 ", "6 ") for t in texts), "... nor glued to the paragraph beside them"
    heads = [(b.text, b.section) for b in blocks if b.kind == "heading"]
    assert heads == [("4. The basics", ("4. The basics",)),
                     ("4.1 What is a live system?", ("4. The basics", "4.1 What is a live system?")),
                     ("4.1.1 Parts of a live system", ("4. The basics", "4.1 What is a live system?", "4.1.1 Parts of a live system"))]
    assert any(t.endswith("as note 1 explains in full.") for t in texts), "a numbered link to a note elsewhere is kept"
    assert ("paragraph", "This whole paragraph is set in bold type because the author wanted it to stand out.") in [(b.kind, b.text) for b in blocks]


def test_html_code_class_paragraphs_are_code_blocks_with_their_lines():
    """SiSU sets code as <p class="code">, its lines split by <br>: read as prose, "$ sed \\ -e 's|@CODENAME@|stretch|g'"
    was quoted as an answer sentence (live-manual.en.epub, realdocs `dc-codename-9`). It is a code block, its lines kept,
    its margin number still dropped; a prose paragraph with the word code in its class stays prose."""
    from rag.markup import html_blocks

    page = ("<html><body><div class='content'>"
            '<div class="substance"><label class="ocn"><a href="#o1" class="lnkocn">1</a></label>'
            '<p class="i0" id="o1">An announcement mail can be generated with the template below and the following command:</p></div>'
            '<div class="substance"><label class="ocn"><a href="#o2" class="lnkocn">2</a></label>'
            '<p class="code" id="o2">\n    $ sed \\<br />\n     -e \'s|@MAJOR@|9.0|g\' \\<br />\n     -e \'s|@CODENAME@|stretch|g\'<br />\n  </p></div>'
            '<div class="substance"><label class="ocn"><a href="#o3" class="lnkocn">3</a></label>'
            '<p class="i0 codename" id="o3">Please check the mail carefully before sending it to the list for proof-reading.</p></div>'
            "</div></body></html>")
    blocks = html_blocks(page)
    assert [(b.kind, b.text) for b in blocks if b.kind == "code"] == [("code", "$ sed \\\n-e 's|@MAJOR@|9.0|g' \\\n-e 's|@CODENAME@|stretch|g'")]
    assert ("paragraph", "Please check the mail carefully before sending it to the list for proof-reading.") in [(b.kind, b.text) for b in blocks]
    assert not any(b.text.strip().isdigit() or b.text.startswith("2") for b in blocks), "the margin number beside the code is dropped"


# A cut from live-manual.fr.epub's the-basics.xhtml (SiSU): each block alone in a <div class="substance"> beside its margin
# number, the list item too, with no <ul> around it. (A hand-written page of five such blocks kept the item: this cut lost it.)
SISU_ORPHAN_ITEM = """<?xml version='1.0' encoding='utf-8'?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>the-basics - </title>
<meta http-equiv='Content-Type' content='text/html; charset=utf-8' /><link rel="stylesheet" href="css/xhtml.css" type="text/css" />
</head><body lang="fr"><div class="content"><div class="substance">
  <label class="ocn"><a href="#o276" class="lnkocn">276</a></label>
  <p class="i0" id="o276">
    La création d'images netboot est facile avec <i>live-build</i>, mais les tests des images sur des machines physiques peuvent prendre vraiment beaucoup de temps.
  </p>
</div><div class="substance">
  <label class="ocn"><a href="#o277" class="lnkocn">277</a></label>
  <p class="i0" id="o277">
    Afin de rendre notre vie plus facile, nous pouvons utiliser la virtualisation.
  </p>
</div><div class="substance">
  <label class="ocn"><a href="#o278" class="lnkocn">278</a></label>
  <p class="bold" id="o278"><a name="278"></a>
    <a name="c4.8.5" /><a name="h4.8.5" />4.8.5 Qemu
  </p>
</div><div class="substance">
  <label class="ocn"><a href="#o279" class="lnkocn">279</a></label>
  <li class="bullet" id="o279">
    Installer <i>qemu</i>, <i>bridge-utils</i>, <i>sudo</i>.
  </li>
</div><div class="substance">
  <label class="ocn"><a href="#o280" class="lnkocn">280</a></label>
  <p class="i0" id="o280">
    Éditer <tt>/etc/qemu-ifup</tt>:
  </p>
</div><div class="substance">
  <label class="ocn"><a href="#o281" class="lnkocn">281</a></label>
  <p class="code" id="o281">
    #!/bin/sh<br />
sudo -p "Password for $0:" /sbin/ifconfig $1 172.20.0.1<br />
echo "Executing /etc/qemu-ifup"<br />
sleep 2<br />
  </p>
</div></div></body></html>"""


def test_html_a_list_item_outside_any_list_is_kept_as_an_item():
    """SiSU (live-manual's EPUBs) sets each <li class="bullet"> alone in a <div>, with no <ul>: trafilatura dropped such an
    item ("Installer qemu, bridge-utils, sudo." under "4.8.5 Qemu": 33 of the French book's 182 items were missing, 42 were
    paragraphs). It is read as the list item a browser shows, in its section, the text around it unchanged."""
    from rag.markup import html_blocks

    blocks = [(b.kind, b.text, b.section) for b in html_blocks(SISU_ORPHAN_ITEM)]
    qemu = ("4.8.5 Qemu",)
    assert ("heading", "4.8.5 Qemu", qemu) in blocks
    assert ("list_item", "Installer qemu, bridge-utils, sudo.", qemu) in blocks
    assert ("paragraph", "Éditer /etc/qemu-ifup:", qemu) in blocks
    assert [k for k, _, _ in blocks] == ["paragraph", "paragraph", "heading", "list_item", "paragraph", "code"]


def test_html_a_page_too_short_for_trafilatura_keeps_its_blocks():
    """On a page this short (the cut's heading, item and lead-in only), trafilatura finds no main content and gives one run of
    all the text, spaced before punctuation after inline markup: "4.8.5 Qemu Installer qemu , bridge-utils , sudo . Éditer
    /etc/qemu-ifup :" outweighed the walk's blocks by its spaces alone. What shows is compared: the walk's blocks win."""
    import re

    from rag.markup import html_blocks

    divs = re.findall(r'<div class="substance">.*?</div>', SISU_ORPHAN_ITEM, re.S)
    page = "<html><body><div class='content'>" + "".join(divs[2:5]) + "</div></body></html>"
    assert [(b.kind, b.text) for b in html_blocks(page)] == [
        ("heading", "4.8.5 Qemu"), ("list_item", "Installer qemu, bridge-utils, sudo."), ("paragraph", "Éditer /etc/qemu-ifup:")]


def test_html_items_outside_a_list_each_stay_an_item_and_adjacent_ones_share_a_list():
    """The style guide's rule titles (<li class="bullet"><i>Be concise</i></li>, each followed by its paragraph) were all
    missing; two items side by side go in one list, and an item already in a list is left alone."""
    from rag.markup import _list_orphan_items, html_blocks, parse_html

    def div(inner: str) -> str:
        return f'<div class="substance">{inner}</div>'

    rules = ["Use plain English", "Be balanced", "Be concise"]
    body = "".join(div(f'<li class="bullet"><i>{r}</i></li>') + div(f"<p>{r} is a rule of this manual: every sentence is written with "
                                                                     "it in mind, and the reviewers of each chapter check it before the "
                                                                     "chapter is merged.</p>")
                   for r in rules)
    page = ("<html><body><div class='content'><h1>19. Style guide</h1>" + body
            + div("<li>From the Debian repository</li> <li>From source</li>") + "<ul><li>From snapshots</li></ul></div></body></html>")
    blocks = [(b.kind, b.text) for b in html_blocks(page)]
    for r in rules:
        assert ("list_item", r) in blocks
    assert ("list_item", "From the Debian repository") in blocks and ("list_item", "From source") in blocks
    soup = parse_html(page)
    assert _list_orphan_items(soup)
    assert [len(ul.find_all("li")) for ul in soup.find_all("ul")] == [1, 1, 1, 2, 1]
    assert not _list_orphan_items(soup), "every item is in a list now"
    assert not _list_orphan_items(parse_html("<ul><li>a</li></ul><ol><li>b</li></ol>"))


def test_html_a_bold_question_alone_in_its_paragraph_is_a_heading():
    from rag.markup import html_blocks

    page = ("<html><body><h2>Frequently Asked Questions</h2>"
            "<p><b>(1) How do I create an AUTOINCREMENT field?</b></p>"
            "<p>A column declared INTEGER PRIMARY KEY will autoincrement whenever a NULL is inserted into it.</p>"
            "<p><b>Is it fast?</b> Yes: it takes no more time than any other insert into the same table.</p>"
            "</body></html>")
    blocks = html_blocks(page)
    heads = [b.text for b in blocks if b.kind == "heading"]
    assert heads == ["Frequently Asked Questions", "(1) How do I create an AUTOINCREMENT field?"]
    answer = next(b for b in blocks if b.text.startswith("A column declared"))
    assert answer.section == ("Frequently Asked Questions", "(1) How do I create an AUTOINCREMENT field?")
    assert any(b.text.startswith("Is it fast? Yes") for b in blocks), "a bold question opening a paragraph stays in it"


def test_html_main_content_cell_keeps_a_line_break_as_a_space(tmp_path):
    # trafilatura writes "3.39.2<br>(2022-07-21)" in a cell as "3.39.2<p>(2022-07-21)</p>": the two must stay two words
    # (sqlite3-doc's cves.html; glued, "2022-07-21" was no longer a word of the row).
    row = "<tr><td>CVE-2022-35737</td><td><a href='r.html'>3.39.2</a><br>(2022-07-21)</td><td>An array-bounds overflow.</td></tr>"
    (tmp_path / "cves.html").write_text(HTML.replace("<tr><td>bad</td><td>the commit has the bug</td></tr>", row), encoding="utf-8")
    doc = load(tmp_path / "cves.html")
    assert ("table_row", "CVE-2022-35737 | 3.39.2 (2022-07-21) | An array-bounds overflow.") in kinds(doc)
    check_chunks(doc)


def test_html_a_table_trafilatura_flattens_keeps_its_rows(tmp_path):
    # SQLite's dbstat.html: a table inside <center><blockquote>, a <th> row key in each row. trafilatura keeps its
    # cells but no rows (one paragraph "Column Normal meaning ... name The name ..."); the walker's rows replace it.
    table = ("<center><blockquote><table border='1'><tr><th>Column</th><th>Normal meaning</th><th>Aggregate-mode meaning</th></tr>"
             "<tr><th>name</th><td colspan='2'>The name of the table or index</td></tr>"
             "<tr><th>pageno</th><td>The page number of the page</td><td>The total number of pages in the btree</td></tr>"
             "</table></blockquote></center>")
    (tmp_path / "dbstat.html").write_text(HTML.replace("<table><tr><th>Term</th><th>Meaning</th></tr><tr><td>bad</td><td>the commit has the bug</td></tr></table>", table), encoding="utf-8")
    doc = load(tmp_path / "dbstat.html")
    blocks = kinds(doc)
    assert ("table_head", "Column | Normal meaning | Aggregate-mode meaning") in blocks
    assert ("table_row", "pageno | The page number of the page | The total number of pages in the btree") in blocks
    assert not any("Normal meaning" in text for kind, text in blocks if kind == "paragraph")
    assert doc.section_at(doc.text.index("pageno |")).endswith("Basic bisect commands")
    check_chunks(doc)


@pytest.mark.parametrize("main_content", [True, False])
def test_html_a_header_of_two_rows_with_spanned_cells_names_each_column(tmp_path, main_content):
    # SQLite's walformat.html: "Name" spans two header rows, "Offset" spans two columns over "xShmLock" and "File".
    # trafilatura reads the first header row only, as "Name | Offset |"; the walker reads the spans.
    table = ("<table border='1'><tr><th rowspan='2'>Name</th><th colspan='2'>Offset</th></tr><tr><th>xShmLock</th><th>File</th></tr>"
             "<tr><td>WAL_WRITE_LOCK</td><td>0</td><td>120</td></tr><tr><td>WAL_CKPT_LOCK</td><td>1</td><td>121</td></tr></table>")
    page = HTML.replace("<table><tr><th>Term</th><th>Meaning</th></tr><tr><td>bad</td><td>the commit has the bug</td></tr></table>", table)
    if not main_content:
        page = f"<html><body>{table}</body></html>"
    (tmp_path / "wal.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "wal.html")
    rows = {doc.text[b.start : b.end]: b.head for b in doc.blocks if b.kind == "table_row"}
    assert rows == {"WAL_WRITE_LOCK | 0 | 120": "Name | Offset xShmLock | Offset File", "WAL_CKPT_LOCK | 1 | 121": "Name | Offset xShmLock | Offset File"}
    assert [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table_head"] == ["Name | Offset", "xShmLock | File"]
    check_chunks(doc)


def test_plain_text_headings_give_sections_and_are_never_quoted(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text(
        "Harbour report\n\n"
        f"{PROSE}\n\n"
        "No Return to 'Business as Usual' With Russia\n\n"
        "The members agreed not to return to the old relations. They said so twice.\n"
        "- first item of a list\n- second item\n  wrapped onto a second line\n\n"
        "Setup\n=====\n\n"
        "Install it first, then run it once.\n\n"
        "2.1 Library notes\n\n"
        "The header file of this library is libtasn1.h and it is small.\n\n"
        "Members agreed on this\n"
        "and on more, over two lines.\n\n"
        "\"A quoted line\"\n\n"
        "the end of the file without a full stop\n\n"
        "Closing words"
    )
    doc = load(p)
    got = kinds(doc)
    assert got[0] == ("heading", "Harbour report")
    assert ("heading", "No Return to 'Business as Usual' With Russia") in got
    assert ("list_item", "- second item\n  wrapped onto a second line") in got
    assert ("heading", "Setup") in got and ("heading", "2.1 Library notes") in got
    assert ("paragraph", "Members agreed on this\nand on more, over two lines.") in got  # two lines: a paragraph
    assert ("paragraph", "\"A quoted line\"") in got and ("paragraph", "the end of the file without a full stop") in got
    assert got[-1] == ("paragraph", "Closing words")  # nothing follows it: no heading
    sec = {doc.text[b.start:b.end]: b.section for b in doc.blocks}
    assert sec["The header file of this library is libtasn1.h and it is small."] == f"Setup{SEP}2.1 Library notes"
    assert sec["Install it first, then run it once."] == "Setup"
    quoted = [c.text[s:e] for c in chunk_document(doc, 64, 8) for s, e in quotable_spans(c)]
    assert not any("Business as Usual" in q or q in ("Setup", "Harbour report") for q in quoted)
    assert "second item\n  wrapped onto a second line" in quoted  # quoted without its bullet
    check_chunks(doc)


def test_markdown_underlined_headings_front_matter_and_breaks(tmp_path):
    """"Title" over "=====" or "-----" is a heading in Markdown too (apt's README.md), YAML front matter and a "---"
    thematic break are no blocks, and no heading is glued into the sentence below it."""
    md = (
        "---\ntitle: Hacking on APT\nlayout: default\n---\n\n"
        "APT\n===\n\n"
        "apt is the main command-line package manager for Debian.\n\n"
        "---\n\n"
        "Contributing\n------------\n"
        "APT is maintained in git; patches are welcome on the list.\n\n"
        "Debugging\n---------\n\n"
        "Run it with -o Debug::pkgProblemResolver=1 to see why.\n"
    )
    (tmp_path / "README.md").write_text(md, encoding="utf-8")
    doc = load(tmp_path / "README.md")
    assert doc.text == md
    got = kinds(doc)
    assert [t for k, t in got if k == "heading"] == ["APT", "Contributing", "Debugging"]
    assert not any("title: Hacking" in t or t.strip() == "---" for _, t in got)
    assert doc.section_at(md.index("APT is maintained")) == f"APT{SEP}Contributing"
    assert doc.section_at(md.index("Run it with")) == f"APT{SEP}Debugging"
    quoted = [c.text[s:e] for c in chunk_document(doc, 512, 0) for s, e in quotable_spans(c)]
    assert "APT is maintained in git; patches are welcome on the list." in quoted
    assert not any("Contributing" in q or "---" in q or "layout" in q for q in quoted)
    check_chunks(doc)


def test_plain_text_title_underlined_right_above_its_text_and_a_line_with_a_sentence_end(tmp_path):
    p = tmp_path / "README.txt"
    p.write_text(
        "Contributing\n------------\nAPT is maintained in git, and patches go to the list.\n\n"
        "APT uses CMake. To start building, you need to run\n\n"
        "    mkdir build; cd build; cmake ..\n\n"
        "Then run make.\n"
    )
    doc = load(p)
    got = kinds(doc)
    assert ("heading", "Contributing") in got
    assert ("paragraph", "APT is maintained in git, and patches go to the list.") in got
    assert ("paragraph", "APT uses CMake. To start building, you need to run") in got  # prose, not a heading
    assert doc.section_at(doc.text.index("Then run make")) == "Contributing"
    check_chunks(doc)


NOTE_BOX_PAGE = """<html><head><title>mod_alias</title></head><body>
<div id="page-header"><p class="menu"><a href="#">Modules</a> | <a href="#">Directives</a></p></div>
<div id="page-content">
<h1>Apache Module mod_alias</h1>
<div class="section"><h2>Redirect Directive</h2>
<p>The Redirect directive maps an old URL into a new one by asking the client to refetch the resource at the new location.</p>
<div class="note"><h3>Note</h3>
<p>Redirect directives take precedence over Alias and ScriptAlias directives, irrespective of their ordering in the file.</p>
</div>
<p>If no status argument is given, the redirect will be temporary, and the server answers with HTTP status 302.</p>
<ul>
<li>permanent: Returns a permanent redirect status (301) indicating that the resource has moved permanently.</li>
<li>gone: Returns a gone status (410) indicating that the resource has been permanently removed.</li>
</ul>
<div class="example"><h3>Example</h3><pre>Redirect permanent "/one" "http://example.com/two"</pre></div>
<p>Other status codes can be returned by giving the numeric status code as the value of status.</p>
</div>
<div class="section"><h2>ScriptAlias Directive</h2>
<p>The ScriptAlias directive has the same behavior as the Alias directive, except that in addition it marks the target directory as containing CGI scripts.</p>
</div>
</div></body></html>"""


def test_html_a_note_box_heading_heads_the_box_only(tmp_path):
    """Apache's <div class="note"><h3>Note</h3>...</div>: its title is the section of the note's text, and the text
    after the box goes back to the section around it (the status list had been cited as "Redirect Directive › Note")."""
    (tmp_path / "mod_alias.html").write_text(NOTE_BOX_PAGE, encoding="utf-8")
    doc = load(tmp_path / "mod_alias.html")
    t = doc.text
    redirect = f"Apache Module mod_alias{SEP}Redirect Directive"
    assert doc.section_at(t.index("Redirect directives take precedence")) == f"{redirect}{SEP}Note"
    assert doc.section_at(t.index("If no status argument")) == redirect
    assert doc.section_at(t.index("gone: Returns a gone status")) == redirect
    assert doc.section_at(t.index("Other status codes")) == redirect  # after the second box, the "Example" one
    assert doc.section_at(t.index("The ScriptAlias directive")) == f"Apache Module mod_alias{SEP}ScriptAlias Directive"
    check_chunks(doc)


APACHE_PAGE = """<html><head><title>Name-based Virtual Host Support - Apache HTTP Server Version 2.4</title></head>
<body id="manual-page"><div id="page-header">
<p class="menu"><a href="../mod/index.html">Modules</a> | <a href="../glossary.html">Glossary</a> | <a href="../sitemap.html">Sitemap</a></p>
<p class="apache">Apache HTTP Server Version 2.4</p>
<img alt="" src="../../images/feather.png"></div>
<div id="path"><a href="https://www.apache.org/">Apache</a> &gt; <a href="./index.html">Virtual Hosts</a></div>
<div id="page-content"><div id="preamble"><h1>Name-based Virtual Host Support</h1>
<div class="toplang"><p><span>Available Languages: </span><a href="../../de/x.html">&nbsp;de&nbsp;</a> |
<a href="../../en/x.html">&nbsp;en&nbsp;</a> | <a href="../../fr/x.html">&nbsp;fr&nbsp;</a></p></div>
<p>This document describes when and how to use name-based virtual hosts.</p></div>
<div class="section"><h2 id="namevip">Name-based vs. IP-based Virtual Hosts</h2>
<p>IP-based virtual hosts use the IP address of the connection to determine the correct virtual host to serve.
Therefore you need to have a separate IP address for each host.</p>
<p>With name-based virtual hosting, the server relies on the client to report the hostname as part of the HTTP
headers. Using this technique, many different hosts can share the same IP address.</p>
<p>Name-based virtual hosting is usually simpler, since you need only configure your DNS server to map each hostname
to the correct IP address and then configure the Apache HTTP Server to recognize the different hostnames.</p></div>
<div class="section"><h2 id="using">Using Name-based Virtual Hosts</h2>
<p>The first step is to create a VirtualHost block for each different host that you would like to serve. Inside each
VirtualHost block, you will need at minimum a ServerName directive to designate which host is served.</p>
<p>Many servers want to be accessible by more than one name. This is possible with the ServerAlias directive, placed
inside the VirtualHost section.</p></div>
<div class="bottomlang"><p><span>Available Languages: </span><a href="../../de/x.html">&nbsp;de&nbsp;</a> |
<a href="../../en/x.html">&nbsp;en&nbsp;</a></p></div>
<div id="footer"><p class="apache">Copyright 2025 The Apache Software Foundation.</p></div></div></body></html>"""


def test_html_a_site_banner_and_language_switch_are_no_text_and_the_page_title_heads_the_page(tmp_path):
    """Apache's manual pages: "Apache HTTP Server Version 2.4" (the <div id="page-header"> banner) had been quoted as
    an answer, "Available Languages: de | en | fr" was a paragraph, and the page's <h1> was lost because the block
    right after it (the language switch) was."""
    (tmp_path / "name-based.html").write_text(APACHE_PAGE, encoding="utf-8")
    doc = load(tmp_path / "name-based.html")
    t = doc.text
    assert "Apache HTTP Server Version 2.4" not in t and "Available Languages" not in t and "Modules | Glossary" not in t
    title = "Name-based Virtual Host Support"
    assert doc.section_at(t.index("This document describes")) == title
    assert doc.section_at(t.index("The first step is")) == f"{title}{SEP}Using Name-based Virtual Hosts"
    check_chunks(doc)


@pytest.mark.parametrize("box", ["page-header", "tagline"])
def test_html_a_banner_or_tagline_that_holds_the_page_title_is_content(box):
    """A blog's <header class="entry-header"><h1>...</h1></header> is the article's title, not a site banner; a
    "tagline" box holding a heading likewise (markup._page_header, markup._tagline)."""
    from rag.markup import html_blocks

    page = (f"<html><body><div class='{box}'><h1>Release notes for version 3</h1></div><article>"
            + "".join(f"<p>Paragraph {i} of the release notes says what changed in this version and why it did.</p>" for i in range(6))
            + "</article></body></html>")
    blocks = html_blocks(page)
    assert blocks[0].kind == "heading" and blocks[0].text == "Release notes for version 3"
    assert all(b.section[:1] == ("Release notes for version 3",) for b in blocks)


def test_html_a_heading_whose_next_block_trafilatura_dropped_goes_before_the_one_after():
    """_restore_headings: the walk's heading is placed before the second or third block after it when trafilatura
    dropped the first, but only close to where the last heading was placed, and never left empty."""
    from rag.blocks import Block
    from rag.markup import _restore_headings

    kept = [Block("paragraph", "This document describes when and how to use name-based virtual hosts."),
            Block("paragraph", "IP-based virtual hosts use the IP address of the connection to pick a host.")]
    walk = [Block("heading", "Name-based Virtual Host Support", ("Name-based Virtual Host Support",)),
            Block("paragraph", "Available Languages: de | en | fr"),
            kept[0],
            Block("heading", "Name-based vs. IP-based", ("Name-based Virtual Host Support", "Name-based vs. IP-based")),
            kept[1]]
    out = _restore_headings(kept, walk)
    assert [(b.kind, b.text) for b in out] == [("heading", walk[0].text), ("paragraph", kept[0].text), ("heading", walk[3].text), ("paragraph", kept[1].text)]
    assert out[-1].section == ("Name-based Virtual Host Support", "Name-based vs. IP-based")


def test_a_line_break_inside_a_list_item_or_a_paragraph_separates_its_words():
    """QA stop 48: json1.html's "json_array_length(json)<br>json_array_length(json,path)" became one word."""
    from rag.markup import html_blocks

    page = ("<html><body><article><h1>JSON functions</h1><p>There are several scalar functions, and their forms are listed "
            "here in the order the page describes them, one item for each function:</p><ol>"
            "<li><a href='#a'>json_array_length</a>(<i>json</i>)<br><a href='#a'>json_array_length</a>(<i>json</i>,<i>path</i>)</li>"
            "<li><a href='#b'>json_type</a>(<i>json</i>)<br><a href='#b'>json_type</a>(<i>json</i>,<i>path</i>)</li></ol>"
            "<p>Small. Fast. Reliable.<br>Choose any three of the three properties that the library was built to have.</p>"
            "<p>See <code>json_type</code>'s page for the <b>types</b> it returns.</p></article></body></html>")
    texts = [b.text for b in html_blocks(page)]
    assert "json_array_length(json) json_array_length(json,path)" in texts
    assert "json_type(json) json_type(json,path)" in texts
    assert any(t.startswith("Small. Fast. Reliable. Choose any three") for t in texts)
    assert "See json_type's page for the types it returns." in texts  # inline markup still joins without a gap


def test_an_example_box_of_code_lines_is_a_code_block_not_prose():
    """QA stop 48: Apache's <div class="example"><p><code> with <br> lines was flattened into one quoted 'sentence':
    "# htpasswd -c ... rbowen New password: mypassword Re-type new password: ..."."""
    from rag.markup import html_blocks

    page = ("<html><body><div id='page-content'><h1>Authentication</h1>"
            "<p>The htpasswd utility creates the password file, and it asks you for the password twice, as here:</p>"
            "<div class=\"example\"><p><code>\n  # htpasswd -c /usr/local/apache/passwd/passwords rbowen<br>\n"
            "  New password: mypassword<br>\n  Adding password for user rbowen\n</code></p></div>"
            "<div class=\"example\"><p><code>\n  GroupName: rbowen dpitts sungo\n</code></p></div>"
            "<p>Use <code>htpasswd</code> without the <code>-c</code> option to add a user to an existing file.</p>"
            "<p><code>AuthType</code></p></div></body></html>")
    blocks = [(b.kind, b.text) for b in html_blocks(page)]
    assert ("code", "# htpasswd -c /usr/local/apache/passwd/passwords rbowen\nNew password: mypassword\nAdding password for user rbowen") in blocks
    assert ("code", "GroupName: rbowen dpitts sungo") in blocks  # one line, but in the example box
    assert ("paragraph", "Use htpasswd without the -c option to add a user to an existing file.") in blocks
    assert not any(k == "code" and t == "AuthType" for k, t in blocks)  # a lone <code> outside a box and without lines stays text


def test_inline_code_in_a_list_item_a_definition_or_a_cell_is_its_text_and_block_code_stays_code(tmp_path):
    """Trial s64, defect 2: Apache's mod_expires lists its bases and units as <li><code>years</code></li>: each was a
    one-word code block, and "<li><code>now</code> (equivalent to '<code>access</code>')</li>" four pieces (code "now",
    item "(equivalent to '", code "access", item "')"), so "what does the now base mean?" had no sentence to quote."""
    from rag.loaders import load_file
    from rag.markup import html_blocks

    page = ("<html><body><div id='page-content'><h1>Apache Module mod_expires</h1><h2>Alternate Interval Syntax</h2>"
            "<p>The ExpiresDefault and ExpiresByType directives can also be defined in a more readable syntax.</p>"
            "<pre class='prettyprint lang-config'>ExpiresDefault \"base [plus num type]\"</pre>"
            "<p>where <var>base</var> is one of:</p><ul><li><code>access</code></li>"
            "<li><code>now</code> (equivalent to\n      '<code>access</code>')</li><li><code>modification</code></li></ul>"
            "<p>The <code>plus</code> keyword is optional, and <var>type</var> is one of:</p>"
            "<ul><li><code>years</code></li><li><code>months</code></li><li><code>seconds</code></li></ul>"
            "<dl><dt><code>-c</code></dt><dd>Create the file; <code>htpasswd</code> asks for the password twice.</dd></dl>"
            "<table><tr><th>Directive</th><th>Meaning</th></tr><tr><td><code>ExpiresActive</code></td>"
            "<td>Turns <code>Expires</code>, and <code>Cache-Control</code>, headers on or off</td></tr></table>"
            "<ul><li>Build it first:<pre><code>./configure\nmake</code></pre></li></ul>"
            "<p>For example, any of the following directives can be used to make documents expire a month after access.</p>"
            "</div></body></html>")
    blocks = [(b.kind, b.text) for b in html_blocks(page)]
    assert ("list_item", "now (equivalent to 'access')") in blocks
    for word in ("access", "modification", "years", "months", "seconds"):
        assert ("list_item", word) in blocks and ("code", word) not in blocks
    assert any(k == "list_item" and t.startswith("-c") and "Create the file; htpasswd asks" in t for k, t in blocks)
    assert ("table_row", "ExpiresActive | Turns Expires, and Cache-Control, headers on or off") in blocks  # not "Expires ,"
    assert ("code", "./configure\nmake") in blocks  # a <pre> in an item is code
    assert ("code", 'ExpiresDefault "base [plus num type]"') in blocks
    assert ("paragraph", "The plus keyword is optional, and type is one of:") in blocks
    (tmp_path / "mod_expires.html").write_text(page)
    doc = load_file(tmp_path / "mod_expires.html", tmp_path, 10**9)
    assert "now (equivalent to 'access')" in [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "list_item"]


def test_inline_code_in_trafilaturas_xml_joins_its_item_with_the_space_trafilatura_dropped():
    """trafilatura's XML of Apache's install.html has "usam<code>dnf</code> em vez de" (the page: "usam\n<code>dnf</code>"):
    the joined item needs its space back; a <code> whose text is the page's <pre> stays a code block."""
    from lxml import etree

    from rag.markup import _inline_code, parse_html

    root = etree.fromstring("<doc><list><item>usam<code>dnf</code> em vez de <code>yum</code>.</item>"
                            "<item>Run:<code>make install</code></item><item>(<code>x</code>)</item></list></doc>")
    _inline_code(root, parse_html("<pre>make install</pre>").find_all("pre"))
    items = root.findall(".//item")
    assert items[0].text == "usam dnf em vez de yum." and items[0].find("code") is None
    assert items[1].text == "Run:" and items[1].find("code").text == "make install"
    assert items[2].text == "(x)"


def test_a_one_cell_table_holding_code_is_a_code_block_and_an_admonition_is_its_labelled_text():
    """SQLite sets its SQL examples in <center><table><tr><td><pre>: they were table rows. asciidoc sets a note as a
    table of an icon cell and a content cell: it was quoted "Note | ORIG_HEAD is not guaranteed ..."."""
    from rag.markup import html_blocks

    html = """<html><body><h1>Rebase</h1>
    <p>The query below looks up the price of peaches in the table that the example made for this purpose.</p>
    <center><table><tr><td><pre>
SELECT price FROM fruitsforsale
 WHERE fruit='Peach';
</pre></table></center>
    <p>To satisfy this query, SQLite reads every row out of the table and checks the fruit column of each.</p>
    <div class="admonitionblock"><table><tr><td class="icon"><div class="title">Note</div></td>
    <td class="content"><code>ORIG_HEAD</code> is not guaranteed to still point to the previous branch tip at the end of
    the rebase if other commands that write that pseudo-ref are used during the rebase.</td></tr></table></div>
    <p>The previous branch tip, however, is accessible using the reflog of the current branch in every case.</p>
    <table><tr><td>Name</td><td>Size</td></tr><tr><td>header</td><td>100</td></tr></table>
    </body></html>"""
    blocks = html_blocks(html)
    code = [b for b in blocks if b.kind == "code"]
    assert [b.text for b in code] == ["SELECT price FROM fruitsforsale\n WHERE fruit='Peach';"]
    note = next(b for b in blocks if "ORIG_HEAD" in b.text)
    assert note.kind == "paragraph" and note.text.startswith("Note: ORIG_HEAD is not guaranteed")
    assert any(b.kind == "table_row" and "header" in b.text for b in blocks)  # a real table stays rows


def test_headings_trafilatura_stacked_after_the_text_go_back_above_their_text():
    """SQLite's query planner page came out of trafilatura with the text of sections 1.1-1.8 first, all under
    "Overview", and the headings "1. Searching" ... "1.7" stacked after it ("1.8" dropped). The stacked headings go
    back above the text the page has under them; a heading right above another ("1. Searching") goes with it."""
    from rag.blocks import Block
    from rag.markup import _restore_headings, _unstacked

    def b(kind, text, section=()):
        return Block(kind, text, section, 0)

    fallback = [b("heading", "Overview", ("Overview",)), b("paragraph", "The best feature of SQL is that it is declarative."),
                b("heading", "1. Searching", ("1. Searching",)), b("heading", "1.1. Tables Without Indices", ("1. Searching", "1.1")),
                b("paragraph", "Most tables in SQLite consist of zero or more rows."),
                b("heading", "1.2. Lookup By Rowid", ("1. Searching", "1.2")), b("paragraph", "One technique for avoiding a full table scan is to look up by rowid."),
                b("heading", "1.3. Lookup By Index", ("1. Searching", "1.3")), b("paragraph", "The problem with looking up information by rowid is the rowid.")]
    trafilatura = [b("heading", "Overview", ("Overview",)), b("paragraph", "The best feature of SQL is that it is declarative."),
                   b("paragraph", "Most tables in SQLite consist of zero or more rows."),
                   b("paragraph", "One technique for avoiding a full table scan is to look up by rowid."),
                   b("heading", "1. Searching", ("1. Searching",)), b("heading", "1.1. Tables Without Indices", ("1. Searching", "1.1")),
                   b("heading", "1.2. Lookup By Rowid", ("1. Searching", "1.2")),
                   b("paragraph", "The problem with looking up information by rowid is the rowid.")]
    out = _restore_headings(_unstacked(trafilatura, fallback), fallback)
    section = {x.text: x.section[-1] for x in out if x.kind != "heading"}
    assert section["Most tables in SQLite consist of zero or more rows."] == "1.1. Tables Without Indices"
    assert section["One technique for avoiding a full table scan is to look up by rowid."] == "1.2. Lookup By Rowid"
    assert section["The problem with looking up information by rowid is the rowid."] == "1.3. Lookup By Index"
    heads = [x.text for x in out if x.kind == "heading"]
    assert heads == ["Overview", "1. Searching", "1.1. Tables Without Indices", "1.2. Lookup By Rowid", "1.3. Lookup By Index"]


@pytest.mark.parametrize("main_content", [True, False])
def test_html_a_title_line_above_a_table_is_its_caption_searchable_but_never_quoted(tmp_path, main_content):
    # SQLite's walformat.html sets "WAL-Index Locks Controlled By xShmLock()" in <center><i>..</i><br> over the lock
    # table; quoted, it read as a heading glued into the answer. A lead-in sentence above a table stays prose, with or
    # without its colon (Apache's "The following directives are used during the search/bind phase").
    table = "<table border='1'><tr><th>Name</th><th>Offset</th></tr><tr><td>WAL_WRITE_LOCK</td><td>120</td></tr></table>"
    body = (f"<p>These are the eight locks supported by the shared-memory method of a database connection:</p>"
            f"<center><i>WAL-Index Locks Controlled By xShmLock()</i><br>{table}</center>"
            f"<p>The following directives are used during the search/bind phase</p>{table.replace('WAL_WRITE', 'WAL_CKPT')}")
    page = HTML.replace("<table><tr><th>Term</th><th>Meaning</th></tr><tr><td>bad</td><td>the commit has the bug</td></tr></table>", body)
    if not main_content:
        page = f"<html><body>{body}</body></html>"
    (tmp_path / "wal.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "wal.html")
    blocks = kinds(doc)
    assert ("caption", "WAL-Index Locks Controlled By xShmLock()") in blocks
    assert ("paragraph", "These are the eight locks supported by the shared-memory method of a database connection:") in blocks
    assert ("paragraph", "The following directives are used during the search/bind phase") in blocks
    assert ("table_row", "WAL_WRITE_LOCK | 120") in blocks
    chunks = chunk_document(doc, 64, 8)
    assert any("Controlled By xShmLock()" in c.text for c in chunks), "searchable"
    quoted = [c.text[s:e] for c in chunks for s, e in quotable_spans(c)]
    assert quoted and not any("Controlled By" in q for q in quoted), quoted
    assert any(q.startswith("WAL_WRITE_LOCK") for q in quoted)
    check_chunks(doc)


def _directive(name: str, description: str, text: str) -> str:
    return (f'<div class="top"><a href="#page-header"><img alt="top" src="up.gif"></a></div>'
            f'<div class="directive-section"><h2 id="{name.lower()}"><span id="{name}">{name}</span> Directive '
            f'<a title="Permanent link" href="#{name.lower()}" class="permalink">&para;</a></h2>'
            f'<table class="directive"><tr><th><a href="directive-dict.html#Description">Description:</a></th><td>{description}</td></tr>'
            f'<tr><th><a href="directive-dict.html#Syntax">Syntax:</a></th><td><code>{name} URL-path file-path</code></td></tr>'
            f'<tr><th><a href="directive-dict.html#Status">Status:</a></th><td>Base</td></tr></table>{text}</div>')


def test_html_sections_whose_first_blocks_start_alike_keep_a_heading_each(tmp_path):
    """mod_alias.html: trafilatura drops the directives' <h2>s, and each goes back before the first block the walk
    found under it. Alias's and AliasMatch's first rows start with the same 40 characters ("Description: | Maps URLs to
    filesystem locations" and "... using regular expressions"), so both headings went before Alias's row: Alias's whole
    text was cited as "AliasMatch Directive" and AliasMatch's had no heading of its own."""
    para = "<p>{} directive {} and this sentence runs long enough for the main content of the page to count as prose.</p>"
    sections = [("Alias", "Maps URLs to filesystem locations", "allows documents to be stored in the local filesystem"),
                ("AliasMatch", "Maps URLs to filesystem locations using regular expressions", "is equivalent to Alias, but makes use of regular expressions"),
                ("Redirect", "Sends an external redirect asking the client to fetch a different URL", "maps an old URL into a new one"),
                ("ScriptAlias", "Maps a URL to a filesystem location and designates the target as a CGI script", "has the same behavior as the Alias directive"),
                ("ScriptAliasMatch", "Maps a URL to a filesystem location using a regular expression and designates the target as a CGI script", "is equivalent to ScriptAlias")]
    body = "".join(_directive(n, d, para.format(f"The {n}", t) + para.format(f"More about the {n}", "is here")) for n, d, t in sections)
    page = (f'<html><head><title>mod_alias</title></head><body><div id="page-content"><div id="preamble"><h1>Apache Module mod_alias</h1>'
            f'<p>The directives contained in this module allow for manipulation and control of URLs as requests arrive at the server.</p></div>'
            f'<div id="quickview"><h3 class="directives">Directives</h3><ul id="toc">'
            + "".join(f'<li><img alt="" src="down.gif"> <a href="#{n.lower()}">{n}</a></li>' for n, _, _ in sections)
            + f'</ul></div>{body}</div></body></html>')
    (tmp_path / "mod_alias.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "mod_alias.html")
    t = doc.text
    for name, description, text in sections:
        want = f"Apache Module mod_alias{SEP}{name} Directive"
        assert doc.section_at(t.index(f"Description: | {description}")) == want, name
        assert doc.section_at(t.index(f"The {name} directive {text}")) == want, name
    heads = [x for k, x in kinds(doc) if k == "heading"]
    assert heads[-len(sections):] == [f"{n} Directive" for n, _, _ in sections], heads  # once each, in page order
    check_chunks(doc)


def test_restored_headings_of_sections_whose_first_blocks_start_alike_do_not_stack():
    """The same at the level of _restore_headings: each of two headings whose first blocks share a 40-character
    prefix goes before its own block; a heading right above another still goes with it."""
    from rag.blocks import Block
    from rag.markup import _restore_headings

    def b(kind, text, section=()):
        return Block(kind, text, section, 0)

    first = "Description: | Maps URLs to filesystem locations"
    fallback = [b("heading", "Module", ("Module",)), b("heading", "Alias Directive", ("Module", "Alias Directive")),
                b("table_row", first), b("paragraph", "The Alias directive allows documents to be stored elsewhere."),
                b("heading", "AliasMatch Directive", ("Module", "AliasMatch Directive")),
                b("table_row", first + " using regular expressions"), b("paragraph", "This directive is equivalent to Alias.")]
    trafilatura = [b("table_row", first), b("paragraph", "The Alias directive allows documents to be stored elsewhere."),
                   b("table_row", first + " using regular expressions"), b("paragraph", "This directive is equivalent to Alias.")]
    out = _restore_headings(trafilatura, fallback)
    assert [(x.kind, x.text) for x in out] == [("heading", "Module"), ("heading", "Alias Directive"), *[(x.kind, x.text) for x in trafilatura[:2]],
                                                ("heading", "AliasMatch Directive"), *[(x.kind, x.text) for x in trafilatura[2:]]]
    assert {x.text: x.section[-1] for x in out}[first] == "Alias Directive"


FOOTNOTE_ASIDE = """<p class="rubric">Footnotes</p>
<aside class="footnote-list brackets">
<aside class="footnote brackets" id="id2" role="note">
<span class="label"><span class="fn-bracket">[</span><a role="doc-backlink" href="#id1">1</a><span class="fn-bracket">]</span></span>
<p>Actually, <em>call by object reference</em> would be a better description, since if a mutable object is passed,
the caller will see any changes the callee makes to it.</p>
</aside>
<aside class="footnote brackets" id="id4" role="note">
<span class="label"><span class="fn-bracket">[</span>2<span class="fn-bracket">]</span></span>
<span class="backrefs">(<a role="doc-backlink" href="#id3">1</a>,<a role="doc-backlink" href="#id5">2</a>)</span>
<p>Short note.</p>
</aside>
</aside>"""


@pytest.mark.parametrize("notes", ["aside", "epub"])
def test_html_footnotes_in_an_aside_are_kept_under_their_rubric(tmp_path, notes):
    """Python's tutorial (docutils' HTML5 writer): <p class="rubric">Footnotes</p> then each note in an <aside class="footnote">.
    Both extractors drop every <aside>, so the "[1]" mark stayed in the text and the note itself was lost, under a
    "Footnotes" paragraph. The rubric is a heading, each note a paragraph led by its label; an <aside> that is no note
    (a sidebar) stays out. EPUB 3's <aside epub:type="footnote"> is a note too."""
    if notes == "aside":
        tail = FOOTNOTE_ASIDE
    else:
        tail = ('<p class="rubric">Footnotes</p><aside epub:type="footnote" id="fn1"><p><a href="#r1">1</a> Actually, '
                '<em>call by object reference</em> would be a better description.</p></aside>'
                '<aside epub:type="footnote" id="fn2"><p>Short note.</p></aside>')
    page = f"""<html><head><title>4. More Control Flow Tools</title></head><body>
<div class="body" role="main"><section id="more-control-flow-tools"><h1>4. More Control Flow Tools</h1>
<p>{PROSE} Besides the while statement just introduced, Python uses a few more control flow tools that you will meet here.</p>
<section id="defining-functions"><h2>4.7. Defining Functions</h2>
<p>The actual parameters (arguments) to a function call are introduced in the local symbol table of the called function
when it is called; thus, arguments are passed using call by value (where the value is always an object reference, not
the value of the object). <a class="footnote-reference brackets" href="#id2" id="id1">[1]</a> When a function calls
another function, a new local symbol table is created for that call.</p>
<aside class="sidebar"><p class="sidebar-title">See also</p><p>Unrelated sidebar text about something else entirely.</p></aside>
<p>A function definition associates the function name with the function object in the current symbol table. The
interpreter recognizes the object pointed to by that name as a user-defined function.</p>
{tail}
</section></section></div></body></html>"""
    (tmp_path / "controlflow.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "controlflow.html")
    blocks = kinds(doc)
    t = doc.text
    footnotes = f"4. More Control Flow Tools{SEP}Footnotes"  # the page's notes, not 4.7's (see the test below)
    assert ("heading", "Footnotes") in blocks
    first = "[1] Actually, call by object reference" if notes == "aside" else "1 Actually, call by object reference"
    assert any(k == "paragraph" and x.startswith(first) for k, x in blocks), blocks
    assert doc.section_at(t.index(first)) == footnotes
    assert ("paragraph", "[2] Short note." if notes == "aside" else "Short note.") in blocks
    assert doc.section_at(t.index("Short note.")) == footnotes
    assert "Unrelated sidebar text" not in t
    assert "(1,2)" not in t
    check_chunks(doc)


def _sphinx_page(inner: str) -> str:
    """A Sphinx page (docutils' HTML5 writer) around `inner`, with a sidebar whose headings are no part of the content."""
    return f"""<html><head><title>4. More Control Flow Tools</title></head><body><div class="document"><div class="body" role="main">
<section id="top"><h1>4. More Control Flow Tools</h1>
<p>{PROSE} Besides the while statement just introduced, Python uses a few more control flow tools that you will meet here.</p>
{inner}
</section></div><div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><h4>Previous topic</h4></div></div></body></html>"""


def test_html_footnotes_at_the_end_are_the_pages_not_its_last_subsections(tmp_path):
    """Sphinx sets `.. rubric:: Footnotes` at the end of the page's last subsection (controlflow.html: after 4.9.x), and
    the rubric, as a heading one level below the last one, made "[1] Actually, call by object reference ..." a part of
    "4.9. Intermezzo: Coding Style > 4.9.1. Style" in every citation. The notes are the page's: "Footnotes" is a
    top-level section of it, beside "4.9. ...", whatever the sidebar's headings after it."""
    inner = f"""<section id="a"><h2>4.8. Defining Functions</h2>
<p>Arguments are passed using call by value (where the value is always an object reference, not the value of the object).
<a class="footnote-reference brackets" href="#id2" id="id1">[1]</a> {PROSE}</p></section>
<section id="b"><h2>4.9. Intermezzo: Coding Style</h2><p>{PROSE} Now that you are about to write longer pieces of Python.</p>
<section id="c"><h3>4.9.1. Style</h3><p>Use 4-space indentation, and no tabs. {PROSE} Wrap lines so that they do not exceed 79 characters.</p>
{FOOTNOTE_ASIDE}
</section></section>"""
    (tmp_path / "controlflow.html").write_text(_sphinx_page(inner), encoding="utf-8")
    doc = load(tmp_path / "controlflow.html")
    t = doc.text
    assert doc.section_at(t.index("[1] Actually, call by object reference")) == f"4. More Control Flow Tools{SEP}Footnotes"
    assert doc.section_at(t.index("[2] Short note.")) == f"4. More Control Flow Tools{SEP}Footnotes"
    assert doc.section_at(t.index("Use 4-space indentation")) == f"4. More Control Flow Tools{SEP}4.9. Intermezzo: Coding Style{SEP}4.9.1. Style"
    check_chunks(doc)


def test_html_footnotes_mid_page_are_the_notes_of_the_section_they_end(tmp_path):
    """A "Footnotes" rubric in the middle of a page (ssl.html: after a subsection of "SSL Contexts", before <h2>Certificates</h2>)
    heads the notes of the outermost section that ends with them: "SSL Contexts", not its last subsection, and the
    section after the notes is not filed under "Footnotes"."""
    inner = f"""<section id="a"><h2>4.8. Defining Functions</h2><p>{PROSE} Functions are defined with the def keyword.</p>
<section id="a1"><h3>4.8.1. Default Argument Values</h3><p>{PROSE} The most useful form is to give a default value.</p>
{FOOTNOTE_ASIDE}
</section></section><section id="b"><h2>4.9. Intermezzo: Coding Style</h2><p>{PROSE} Now that you are about to write longer pieces.</p>
<section id="b1"><h3>4.9.1. Style</h3><p>Use 4-space indentation, and no tabs. {PROSE}</p></section></section>"""
    (tmp_path / "mid.html").write_text(_sphinx_page(inner), encoding="utf-8")
    doc = load(tmp_path / "mid.html")
    t = doc.text
    page = "4. More Control Flow Tools"
    assert doc.section_at(t.index("[2] Short note.")) == f"{page}{SEP}4.8. Defining Functions{SEP}Footnotes"
    assert doc.section_at(t.index("Now that you are about")) == f"{page}{SEP}4.9. Intermezzo: Coding Style"
    assert doc.section_at(t.index("Use 4-space indentation")) == f"{page}{SEP}4.9. Intermezzo: Coding Style{SEP}4.9.1. Style"
    check_chunks(doc)


@pytest.mark.parametrize("rubric", ["", " ", "\u200b", "<span>\u00ad</span>"])
def test_html_a_rubric_with_no_text_is_no_heading(tmp_path, rubric):
    """A rubric that shows nothing (empty, or only a zero-width space or soft hyphen) is no heading (it made an empty-looking
    section that the text after it was cited under) and no paragraph."""
    inner = f"""<section id="a"><h2>4.8. Defining Functions</h2><p>{PROSE} Functions are defined with the def keyword.</p>
<p class="rubric">{rubric}</p><p>The text after the empty rubric stays in its section, as the reader of the page sees it.</p></section>"""
    (tmp_path / "empty.html").write_text(_sphinx_page(inner), encoding="utf-8")
    doc = load(tmp_path / "empty.html")
    assert [x for k, x in kinds(doc) if k == "heading"] == ["4. More Control Flow Tools", "4.8. Defining Functions"]
    assert doc.section_at(doc.text.index("The text after")) == f"4. More Control Flow Tools{SEP}4.8. Defining Functions"
    assert "\u200b" not in doc.text and "\u00ad" not in doc.text
    check_chunks(doc)


def test_restore_headings_finds_a_block_trafilatura_cut_at_inline_code():
    """Apache's netware.html: trafilatura dropped <h3>Additional NetWare specific directives:</h3> and cut the item under
    it, "<li><code>CGIMapExtension</code> - This directive maps ...", into a code block and the rest. The heading goes
    back before the first piece, since the pieces read on open the walk's item."""
    from rag.blocks import Block
    from rag.markup import _restore_headings

    def b(kind, text, section=()):
        return Block(kind, text, section, 0)

    item = "CGIMapExtension - This directive maps a CGI file extension to a script interpreter."
    fallback = [b("heading", "NetWare", ("NetWare",)), b("paragraph", "Information on creating loadable modules is also available."),
                b("heading", "Additional NetWare specific directives:", ("NetWare", "Additional NetWare specific directives:")),
                b("list_item", item), b("list_item", "SecureListen - Enables SSL encryption for a specified port.")]
    trafilatura = [b("heading", "NetWare", ("NetWare",)), b("list_item", "Information on creating loadable modules is also available."),
                   b("code", "CGIMapExtension"), b("list_item", "- This directive maps a CGI file extension to a script interpreter."),
                   b("code", "SecureListen"), b("list_item", "- Enables SSL encryption for a specified port.")]
    out = _restore_headings(trafilatura, fallback)
    assert [x.text for x in out][2:4] == ["Additional NetWare specific directives:", "CGIMapExtension"]
    assert out[5].section == ("NetWare", "Additional NetWare specific directives:")
    # a short piece that only begins the item (under 8 characters) is no anchor
    short = [b("heading", "NetWare", ("NetWare",)), b("code", "CGI"), b("list_item", "Map")]
    assert "Additional NetWare specific directives:" not in [x.text for x in _restore_headings(short, fallback)]


def test_a_tables_spacer_column_is_no_cell():
    """SQLite's lang_datefunc.html sets an empty spacer column between a name and its meaning (<td width="10"></td>);
    its rows read "%w |  | day of week 0-6 with Sunday==0" and an answer showed "Function | | Equivalent (or nearly)
    strftime()". A column with text in any row (a header's) stays, and so does a table of two columns."""
    from rag.markup import html_blocks

    html = """<html><body><h1>Date And Time Functions</h1><p>The following is a complete list of valid substitutions:</p>
    <table border="0" cellpadding="0" cellspacing="0">
    <tr><td></td><td width="10"></td><td></td></tr>
    <tr><td> %d </td><td></td><td> day of month: 00 </td></tr>
    <tr><td> %w </td><td>&nbsp;</td><td> day of week 0-6 with Sunday==0 </td></tr>
    </table>
    <p>All other date and time functions can be expressed in terms of strftime():</p>
    <table><tr><th>Function</th><th>Note</th><th>Equivalent</th></tr>
    <tr><td>date(...)</td><td></td><td>strftime('%Y-%m-%d', ...)</td></tr>
    <tr><td>time(...)</td><td></td><td>strftime('%H:%M:%S', ...)</td></tr></table>
    <table><tr><td>a</td><td></td></tr><tr><td>b</td><td></td></tr></table></body></html>"""
    rows = [b.text for b in html_blocks(html) if b.kind in ("table_row", "table_head")]
    assert "%w | day of week 0-6 with Sunday==0" in rows, rows
    assert "%d | day of month: 00" in rows
    assert "date(...) |  | strftime('%Y-%m-%d', ...)" in rows  # its column has a header: kept
    assert not [r for r in rows if r.startswith("%") and "|  |" in r]


def test_a_first_row_set_bold_in_a_table_without_th_is_its_header():
    """lang_datefunc.html heads a table with "<td><b>Function</b></td> ... <td><b>Equivalent (or nearly) strftime()</b></td>";
    read as a plain row it was quoted alone as an answer. Its rows now carry it; a table whose first column is bold in
    every row (names, not a header) keeps its first row a row."""
    from rag.markup import html_blocks

    html = """<html><body><h1>Date And Time Functions</h1><p>All other date and time functions can be expressed in terms of strftime():</p>
    <table><tr><td><b>Function</b></td><td><b>Equivalent (or nearly) strftime()</b></td></tr>
    <tr><td>date(...)</td><td>strftime('%Y-%m-%d', ...)</td></tr>
    <tr><td>datetime(...)</td><td>strftime('%Y-%m-%d %H:%M:%S', ...)</td></tr></table>
    <p>The limits of the library are these:</p>
    <table><tr><td><b>SQLITE_MAX_LENGTH</b></td><td><b>1000000000</b></td></tr>
    <tr><td><b>SQLITE_MAX_COLUMN</b></td><td><b>2000</b></td></tr></table></body></html>"""
    blocks = [b for b in html_blocks(html) if b.kind in ("table_row", "table_head")]
    assert [b.text for b in blocks if b.kind == "table_head"] == ["Function | Equivalent (or nearly) strftime()"], blocks
    row = next(b for b in blocks if b.text.startswith("datetime"))
    assert row.kind == "table_row" and row.head == "Function | Equivalent (or nearly) strftime()"
    assert next(b for b in blocks if b.text.startswith("SQLITE_MAX_LENGTH")).kind == "table_row"


SQLITE_MENU = """<div class=nosearch>
<a href="../index.html">
<img class="logo" src="../images/sqlite370_banner.gif" alt="SQLite" border="0">
</a>
<div><!-- IE hack to prevent disappearing logo --></div>
<div class="tagline desktoponly">
Small. Fast. Reliable.<br>Choose any three.
</div>
<div class="menu mainmenu">
<ul>
<li><a href="../index.html">Home</a>
<li class='mobileonly'><a href="javascript:void(0)" onclick='toggle_div("submenu")'>Menu</a>
<li class='wideonly'><a href='../about.html'>About</a>
<li class='desktoponly'><a href="../docs.html">Documentation</a>
<li class='desktoponly'><a href="../download.html">Download</a>
<li class='wideonly'><a href='../copyright.html'>License</a>
<li class='desktoponly'><a href="../support.html">Support</a>
<li class='desktoponly'><a href="../prosupport.html">Purchase</a>
<li class='search' id='search_menubutton'>
<a href="javascript:void(0)" onclick='toggle_search()'>Search</a>
</ul>
</div>
</div>"""


def test_html_a_site_tagline_is_no_text(tmp_path):
    """SQLite's <div class="tagline">Small. Fast. Reliable.<br>Choose any three.</div> opened releaselog/3_16_0.html
    as a quotable paragraph, and its first chunk had an empty section (markup._tagline)."""
    page = (f"<html><head><title>SQLite Release 3.16.0</title></head><body>{SQLITE_MENU}<script>function toggle_div(nm) {{ }}</script>"
            "<h2>SQLite Release 3.16.0 On 2017-01-02</h2><p><ol class='lessindent'>"
            + "".join(f"\n<li>Change number {i} makes the <a href='q.html'>query planner</a> faster on joins." for i in range(4))
            + "\n<p><b>Bug Fixes:</b>\n<li>Fix a long-standing bug in the query planner on a LEFT JOIN.\n</ol></p>"
            "\n<p>A <a href='../changes.html'>complete list of SQLite releases</a>\n in a single page and a <a href='../chronology.html'>"
            "chronology</a> are both also available. A detailed history of every\n check-in is available at\n"
            " <a href='http://www.sqlite.org/src/timeline'>\n SQLite version control site</a>.</p>\n</body></html>")
    (tmp_path / "3_16_0.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "3_16_0.html")
    t = doc.text
    assert "Small. Fast" not in t and "Choose any three" not in t
    assert kinds(doc)[0] == ("heading", "SQLite Release 3.16.0 On 2017-01-02")
    first = chunk_document(doc, 64, 8)[0]
    assert first.section == "SQLite Release 3.16.0 On 2017-01-02"
    check_chunks(doc)


SQLITE_FANCY = f"""<html><head><title>SQLite's Built-in printf()</title></head><body>{SQLITE_MENU}
<script>function toggle_toc(){{}}</script>
<div class=fancy>
<div class=nosearch>
<div class="fancy_title">
SQLite's Built-in printf()
</div>
<div class="fancy_toc"><a onclick="toggle_toc()"><span class="fancy_toc_mark" id="toc_mk">&#x25ba;</span>Table Of Contents</a>
<div id="toc_sub"><div class="fancy-toc1"><a href="#overview">1. Overview</a></div>
<div class="fancy-toc1"><a href="#details">2. Details</a></div></div></div>
</div>
<h1 id="overview"><span>1. </span>Overview</h1>
<p>SQLite contains its own implementation of the string formatting routine "printf()", accessible through the
format() SQL function and the sqlite3_mprintf() C interface.</p>
<p>The built-in printf() is portable: it formats the same way on every platform, whatever the C library does.</p>
<h1 id="details"><span>2. </span>Details</h1>
<p>The format string may contain substitutions introduced by a percent sign, each taking one argument in turn.</p>
<p>A substitution has optional flags, a width, a precision and a length before its conversion character.</p>
</div></body></html>"""


def test_html_a_page_title_set_as_a_div_heads_the_page(tmp_path):
    """SQLite's newer pages set their title as <div class="fancy_title">, not a heading, over <h1>1. Overview</h1>:
    it read as a quotable paragraph and the sections had no top (markup._page_title)."""
    (tmp_path / "printf.html").write_text(SQLITE_FANCY, encoding="utf-8")
    doc = load(tmp_path / "printf.html")
    t, title = doc.text, "SQLite's Built-in printf()"
    assert "Small. Fast" not in t
    assert kinds(doc)[0] == ("heading", title) and t.count(title) == 1
    assert all(b.kind != "paragraph" for b in doc.blocks if title in t[b.start:b.end])
    assert doc.section_at(t.index("SQLite contains its own")) == f"{title}{SEP}1. Overview"
    assert doc.section_at(t.index("A substitution has")) == f"{title}{SEP}2. Details"
    for c in chunk_document(doc, 64, 8):
        assert c.section.startswith(title)
        assert all(title not in c.text[s:e] for s, e in quotable_spans(c))
    check_chunks(doc)


def test_html_a_page_title_that_repeats_the_first_heading_is_not_doubled():
    from rag.markup import html_blocks

    page = SQLITE_FANCY.replace("<span>1. </span>Overview", "SQLite's Built-in printf()")
    blocks = html_blocks(page)
    assert [b.text for b in blocks if b.kind == "heading"] == ["SQLite's Built-in printf()", "2. Details"]
    assert blocks[1].section == ("SQLite's Built-in printf()",)


def test_html_a_heading_closed_by_another_levels_end_tag_ends_there(tmp_path):
    """SQLite's docs.html opens its list "<h2 align="center">Documentation</h1>": lxml ignored the stray end tag and read
    the whole page into the heading, so every block's section was the page's menu (markup._HEAD_MISCLOSED)."""
    page = ("<html><head><title>SQLite Documentation</title></head><body><h2 align=\"center\">Documentation</h1>"
            "<div><p>These documents describe the SQLite library, its file format and its command-line shell in detail.</p><ul>"
            + "".join(f"<li><a href='d{i}.html'>Document {i}</a> describes one part of the library and how to use it.</li>" for i in range(5))
            + "</ul></div><h2>Obsolete Documents</h2><p>These pages describe SQLite version 2, which is no longer supported.</p></body></html>")
    (tmp_path / "docs.html").write_text(page, encoding="utf-8")
    doc = load(tmp_path / "docs.html")
    t = doc.text
    assert kinds(doc)[0] == ("heading", "Documentation")
    assert doc.section_at(t.index("These documents describe")) == "Documentation"
    assert doc.section_at(t.index("Document 3 describes")) == "Documentation"
    assert doc.section_at(t.index("These pages describe")) == "Obsolete Documents"
    check_chunks(doc)
