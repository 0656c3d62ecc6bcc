"""HTML and Markdown -> blocks with section paths (see rag/blocks.py).

* HTML: trafilatura (Apache-2.0) finds the main content (no navigation, footers, cookie
  banners) and returns it as XML with headings, paragraphs, lists, tables and code kept
  apart; it is given the page as a string, so it fetches nothing. A walk over the page's
  block elements (BeautifulSoup, without nav/header/footer/aside and menu/cookie/sidebar
  containers) replaces it when it keeps clearly more text: trafilatura is tuned for articles
  and drops a man page's definition lists. When trafilatura drops headings the walk found
  (SQLite's pages: <h2> straight in <body>), they are put back before the block they head.
  A short bold-only title (<p><b>T</b></p>, <li><b>T</b><p>..., <b>T</b><br>) becomes a heading
  one level below the last real one; an item made of paragraphs gives one block per paragraph.
  The page is parsed with lxml's HTML parser, which closes an unclosed <P>, <DT> or <DD> as a
  browser does (man2html's pages); text set straight in <body> or a <div> between blocks is
  wrapped in a paragraph; a <pre> with markup inside stays code, and so does a <p class="code"> (SiSU; lines at
  its <br>); permalink marks ("¶") go, and so do a site banner that holds no heading (Apache's
  <div id="page-header">: "Apache HTTP Server Version 2.4"), a language switch ("Available Languages: de | en") and a
  site's tagline (SQLite's "Small. Fast. Reliable. Choose any three."). SQLite's page title set as <div class="fancy_title">
  heads the page, above its <h1>s; a heading closed by another level's end tag (<h2>Documentation</h1>) ends there.
  An <li> outside any list (SiSU's books: each alone in a <div>), which trafilatura drops, is put in a <ul> first.
  A stretch of content trafilatura drops from the middle of what it kept (20+ words the walk
  found between two blocks both kept) is put back in place (`_fill_gaps`). Footnotes set in an <aside> (docutils' HTML5
  writer, EPUB 3), which both extractors drop as sidebars, are kept, each led by its label ("[1] Actually, ..."), under
  their "Footnotes" rubric, which heads the notes of the outermost section they end: at the end of the page, a top-level
  section of the page (not of the subsection that happens to end before them).
  A definition list's term opens its description's first block ("stash.showStat: If this is
  set ..."), so a sentence that describes a term names it; a description's text is kept once.
* Markdown: the text stays exactly as written (spans point at what the user sees); ATX
  headings give the section path, fenced code and tables are their own blocks.
DOCX is read in rag/wordml.py.
Left out: setext Markdown headings, nested HTML tables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from rag.blocks import MD_PROSE_DIRECTIVES, Block, Span, attach_heads, html_closed, html_tags, section_label, with_heads, without_html

_WS = re.compile(r"\s+")


def parse_html(html: str):
    """The page as BeautifulSoup, through lxml's HTML parser: it closes elements the way browsers
    do (an unclosed <P>, <DT> or <DD>, as in man2html's pages, ends at the next block), where
    Python's html.parser nests everything after it inside it."""
    import warnings

    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():  # XHTML pages (git's) are HTML to read here
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


def _fold(text: str) -> str:
    return _WS.sub(" ", text).strip()


class _Sections:
    def __init__(self):
        self.stack: list[tuple[int, str]] = []

    def heading(self, level: int, text: str) -> tuple[str, ...]:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        return self.path

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(h for _, h in self.stack)


# --- HTML ------------------------------------------------------------------------------


_INLINE_CODE = frozenset({"br", "span", "a", "em", "strong", "b", "i", "code", "tt", "kbd", "var", "samp"})


def _code_paragraph(p) -> bool:
    """Is <p> one <code> element that holds line breaks, or that sits in an example box (class "example")?"""
    kids = [c for c in p.contents if not (isinstance(c, str) and not c.strip())]
    if len(kids) != 1 or getattr(kids[0], "name", None) != "code":
        return False
    return kids[0].find("br") is not None or "example" in (p.parent.get("class") or [] if p.parent else [])


def _inline_code(root, pres) -> None:
    """Inline <code> in a list item (a definition list's term or text too) or a table cell of trafilatura's XML becomes
    text of that item. The XML writes an inline <code> as it writes a code block (a <pre>), and the walk made
    "<li><code>now</code> (equivalent to '<code>access</code>')</li>" (Apache's mod_expires) code block "now", item
    "(equivalent to '", code block "access", item "')", and "<li><code>years</code></li>" a one-word code block; in a
    cell it was spaced off ("Turns Expires , and"). A <code> stays a code block when its text is a <pre>'s (`pres`: the
    page's, code paragraphs already made <pre>) or it holds a line break. Done on the XML, not the page: without the
    page's <code> tags trafilatura picks other content. Where trafilatura joins a box's text into the item it drops the
    space before a <code> ("usam<code>dnf</code>"): a letter or digit running into the code's gets one back (across 440
    Debian pages no inline <code> that starts with a letter or digit follows a word without a space)."""
    block = {_fold(pre.get_text()) for pre in pres}
    for code in list(root.iter("code")):
        item = code.getparent()
        if item is None or item.tag not in ("item", "cell") or code.find(".//lb") is not None or _fold("".join(code.itertext())) in block:
            continue
        text, prev = "".join(code.itertext()) + (code.tail or ""), code.getprevious()
        before = (prev.tail if prev is not None else item.text) or ""
        if before[-1:].isalnum() and text[:1].isalnum():
            text = " " + text
        if prev is not None:
            prev.tail = before + text
        else:
            item.text = before + text
        item.remove(code)


# A heading closed by another level's end tag: <h2 align="center">Documentation</h1> (SQLite's docs.html, doclist.html,
# keyword_index.html). A browser ends the heading there; lxml ignores the stray end tag and reads the rest of the page
# into the heading, so every block's section path was the page's whole menu ("Documentation ▼ Document Lists And Indexes
# Alphabetical Listing Of All Documents ..."). The end tag is made the heading's own. Across the HTML under
# /usr/share/doc, 6 pages hold one (5 of SQLite's, and nettle.html's <h5>...(1)</a></h3> footnote).
_HEAD_MISCLOSED = re.compile(r"(<h([1-6])\b[^>]*>)((?:(?!</?h[1-6]\b).){0,400}?)</h(?!\2)[1-6]\s*>", re.S | re.I)


def html_blocks(html: str) -> list[Block]:
    import trafilatura
    from lxml import etree

    html = _HEAD_MISCLOSED.sub(r"\1\3</h\2>", html)
    soup = parse_html(html)
    orphans = _list_orphan_items(soup)
    boxes = _titled_boxes(soup)
    # SiSU's code paragraphs (<p class="code">, lines split by <br>), and a paragraph that is one <code> with line breaks
    # or in an example box (Apache's <div class="example"><p><code>htpasswd ...<br>New password: ...</code></p></div>)
    for el in soup.find_all(["p", "div"], class_="code") + [p for p in soup.find_all("p") if _code_paragraph(p)]:
        if el.find(lambda t: t.name not in _INLINE_CODE) is None:
            for br in el.find_all("br"):
                br.replace_with("\x00")  # the line breaks; the markup's own newlines are only spaces
            pre = soup.new_tag("pre", attrs={"id": el["id"]} if el.has_attr("id") else {})  # (its margin number points at the id)
            pre.string = "\n".join(" ".join(ln.split()) for ln in el.get_text().split("\x00")).strip("\n")
            el.replace_with(pre)
    layout = _unbox_layout_tables(soup)
    layout = _drop_spacer_columns(soup) or layout
    layout = _bold_head_rows(soup) or layout
    pres = soup.find_all("pre")
    for pre in pres:  # trafilatura keeps <pre><code> as a code block, but folds any other <pre> into prose
        inner = [c for c in pre.contents if not (isinstance(c, str) and not c.strip())]
        if not (len(inner) == 1 and getattr(inner[0], "name", None) == "code" and inner[0].find(True) is None):
            code = soup.new_tag("code")  # (also a <pre> with markup inside: PostgreSQL's <em><code>precision</code></em>)
            code.string = pre.get_text()
            pre.clear()
            pre.append(code)
    anchors = [a for a in soup.find_all("a") if "headerlink" in (a.get("class") or []) or a.get_text(strip=True) in _PERMALINK or _number_mark(a)]
    for a in anchors:  # Sphinx's and MkDocs' permalink marks: "6.6.1. Do not abuse debconf¶"; SiSU's paragraph numbers
        a.decompose()
    notes = _note_asides(soup)
    wrapped = _wrap_bare_text(soup)
    title = _page_title(soup)
    banners = [el for el in soup.find_all(["div", "header"]) if _page_header(el)]
    banners += [el for el in soup.find_all(["div", "p", "ul", "nav"]) if any(_LANG_SWITCH.search(c) for c in el.get("class") or [])]
    banners += [el for el in soup.find_all(["div", "p", "span"]) if _tagline(el)]
    for el in banners:  # Apache's <div id="page-header">: the menu and "Apache HTTP Server Version 2.4"; "Available Languages: de | en"
        el.decompose()
    if _bold_headings(soup) or pres or anchors or wrapped or banners or layout or notes or orphans or title:
        html = str(soup)
    xml = trafilatura.extract(
        html, output_format="xml", include_formatting=False, include_tables=True, include_comments=False,
        include_links=False, include_images=False, favor_recall=True, with_metadata=False, deduplicate=False,
    )
    blocks: list[Block] = []
    if xml:
        root = etree.fromstring(xml.encode("utf-8"))
        main = root.find("main")
        _inline_code(root, soup.find_all("pre"))
        blocks = _join_terms(_walk_xml(main if main is not None else root))
    # trafilatura is tuned for articles: on reference pages it drops definition lists (a man
    # page's OPTIONS) or the NAME line. When the block walker, which also drops navigation,
    # footers and cookie/menu containers, keeps clearly more text, it wins; on a reference page
    # (a definition list of 8+ terms) it wins when it keeps at least as much.
    fallback = _join_terms(_html_fallback(html))
    kept, walked = sum(len(b.text) for b in blocks), sum(len(b.text) for b in fallback)
    reference = len(soup.find_all("dt")) >= 8
    if walked >= 1.2 * kept or (kept < 200 and _ink(fallback) >= _ink(blocks) - 5) or (reference and walked >= kept):
        return _titled(_captions(_close_boxes(fallback, boxes)), title)
    blocks = _fill_gaps(_unflatten_tables(blocks, fallback), fallback)
    if sum(b.kind == "heading" for b in fallback) > sum(b.kind == "heading" for b in blocks):
        # trafilatura sometimes drops every heading (SQLite's pages: <h2> straight in <body>
        # after a script); put the walker's headings back in front of the block they precede
        restored = _restore_headings(blocks, fallback)
        unstacked = _restore_headings(_unstacked(blocks, fallback), fallback)
        # Taking a stack apart is kept only when it loses no heading: a heading whose text trafilatura dropped has no place.
        heads = [{_fold(b.text) for b in bs if b.kind == "heading"} for bs in (restored, unstacked)]
        blocks = unstacked if heads[1] >= heads[0] else restored
    return _titled(_captions(_close_boxes(blocks, boxes)), title)


def _ink(blocks: list[Block]) -> int:
    """The blocks' characters other than whitespace. On a page too short for trafilatura's main-content search, it falls
    back to one run of all the text, a space before each punctuation mark after inline markup ("Installer qemu ,
    bridge-utils , sudo ."): its length overstates what it kept, so short pages compare what shows, not spaces."""
    return sum(len(_WS.sub("", b.text)) for b in blocks)


_CAPTION_END = re.compile(r"[.:;,!?]\W*$|[.!?]\s+[A-Z]")  # ends as a sentence or a lead-in, or holds a sentence end
_FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|can|could|will|would|may|might|must|should|does|do|did)\b", re.I)


def _title_like(text: str) -> bool:
    """At most five words, or every word of four letters or more capitalised ("Serial Type Codes Of The Record Format")."""
    words = text.split()
    return len(words) <= 5 or all(not w[:1].islower() for w in words if len(w) >= 4)


def _captions(blocks: list[Block]) -> list[Block]:
    """A table's title line: a paragraph of at most 12 words right above a table, title-like, with no sentence end,
    lead-in colon or finite verb ("WAL-Index Locks Controlled By xShmLock()" over SQLite's lock table, set as
    <center><i>...</i><br><table>). It stays searchable, but it is no sentence to quote ("These are the eight locks
    supported:" above it is, and so is Apache's "The following directives are used during the search/bind phase",
    which lacks its colon)."""
    out = list(blocks)
    for i, b in enumerate(blocks[:-1]):
        if (b.kind == "paragraph" and blocks[i + 1].kind in ("table_head", "table_row") and len(b.text.split()) <= 12
                and not _CAPTION_END.search(b.text) and not _FINITE.search(b.text) and _title_like(b.text)):
            out[i] = replace(b, kind="caption")
    return out


_LANG_SWITCH = re.compile(r"^(?:top|bottom)lang$|^lang(?:uage)?s?[-_]?(?:switch(?:er)?|select(?:or)?|picker|list|menu)$", re.I)
_PAGE_HEADER = re.compile(r"^(?:(?:page|site|top)[-_]?)?header$|^masthead$", re.I)


def _own_rows(table) -> list:
    """A table's own rows, not those of a table nested in one of its cells."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _drop_spacer_columns(soup) -> bool:
    """Drop a table's spacer column: a column of cells that are empty in every row (SQLite's pages set one between the
    name and its meaning: <td width="10"></td>). Its rows read "%w |  | day of week 0-6 with Sunday==0", an answer showed
    "Function | | Equivalent (or nearly) strftime()". Only in a table of 3+ columns whose every row has as many cells,
    none spanned; a column with any text (a header's) stays."""
    changed = False
    for table in soup.find_all("table"):
        rows = _own_rows(table)
        cells = [tr.find_all(["td", "th"], recursive=False) for tr in rows]
        if len(rows) < 2 or len(cells[0]) < 3 or any(len(c) != len(cells[0]) for c in cells):
            continue
        if any(td.get("colspan") or td.get("rowspan") for c in cells for td in c):
            continue
        empty = [k for k in range(len(cells[0])) if all(not c[k].get_text(strip=True) and c[k].find(["img", "svg", "input", "object"]) is None for c in cells)]
        if empty and len(empty) < len(cells[0]):
            for c in cells:
                for k in empty:
                    c[k].decompose()
            changed = True
    return changed


def _all_bold(cell) -> bool:
    """Is all of a cell's text inside <b> or <strong> (and is there any)?"""
    text = cell.get_text(strip=True)
    return bool(text) and "".join(b.get_text(strip=True) for b in cell.find_all(["b", "strong"]) if not b.find_parent(["b", "strong"])) == text


def _bold_head_rows(soup) -> bool:
    """A table without <th> whose first row's every cell is set bold, and no other row so, has that row as its header
    row: the cells become <th>. SQLite's lang_datefunc.html heads its table "<td><b>Function</b></td><td><b>Equivalent
    (or nearly) strftime()</b></td>", and the trial's answer quoted that row alone ("Function | Equivalent (or nearly)
    strftime() [1]") for "What does %w mean in SQLite's strftime?"."""
    changed = False
    for table in soup.find_all("table"):
        if table.find("th") is not None:
            continue
        rows = _own_rows(table)
        cells = [tr.find_all("td", recursive=False) for tr in rows]
        if len(rows) < 2 or len(cells[0]) < 2 or not all(_all_bold(td) for td in cells[0]):
            continue
        if any(c and all(_all_bold(td) for td in c) for c in cells[1:]):
            continue
        for td in cells[0]:
            td.name = "th"
        changed = True
    return changed


def _unbox_layout_tables(soup) -> bool:
    """Tables that only lay out one thing are that thing: a one-cell table holding a <pre> is the code block (SQLite's
    <center><table><tr><td><pre>SELECT ...), and an admonition (asciidoc's <table><tr><td class="icon">Note</td>
    <td class="content">...) is its text, led by its label: "Note: ORIG_HEAD is not guaranteed ...", not a row "Note | ..."."""
    changed = False
    for table in soup.find_all("table"):
        if table.decomposed or table.find("table"):
            continue
        cells = table.find_all(["td", "th"])
        icon = next((c for c in cells if "icon" in (c.get("class") or [])), None)
        if len(cells) == 1 and (pre := cells[0].find("pre")) is not None and cells[0].get_text(strip=True) == pre.get_text(strip=True):
            table.replace_with(pre.extract())
            changed = True
        elif len(cells) == 2 and icon is not None and "content" in (cells[1].get("class") or []):
            label, content = icon.get_text(" ", strip=True), cells[1]
            box = soup.new_tag("div")
            lead = content.find(True, recursive=False)
            if lead is None or lead.name not in _BLOCKS + ("dl",):
                para = soup.new_tag("p")  # inline text straight in the cell: one paragraph
                para.extend(list(content.contents))
                box.append(para)
            else:
                box.extend(list(content.contents))
            first = box.find(["p", "li", "dd"]) or box
            if label:
                first.insert(0, f"{label}: ")
            table.replace_with(box)
            changed = True
    return changed


_NOTE_NAME = re.compile(r"(?:foot|end|rear)notes?\b", re.I)


def _note_asides(soup) -> bool:
    """Footnotes set in an <aside> are text: docutils' HTML5 writer (Sphinx 6+, Python's docs: <aside class="footnote
    brackets"><span class="label">[1]</span><p>Actually, ...</p></aside>) and EPUB 3 (<aside epub:type="footnote">), while
    both extractors drop every <aside> as a sidebar (controlflow.html kept its "[1]" mark and lost the note). Each
    becomes a <div>, its label opening its first paragraph ("[1] Actually, call by object reference ..."), so that the
    mark in the text and its note read alike. An <aside> that is no note (class, role or epub:type naming none) stays out."""
    changed = False
    for el in soup.find_all("aside"):
        names = " ".join([*(el.get("class") or []), el.get("role") or "", el.get("epub:type") or ""])
        if not _NOTE_NAME.search(names):
            continue
        el.name = "div"
        changed = True
        label = el.find(class_="label", recursive=False)
        if label is None:
            continue
        for back in el.find_all(class_="backrefs"):  # "(1,2,3,4)": links back to the note's marks in the text
            back.decompose()
        mark = _rendered(label)
        first = label.find_next_sibling(True)
        first = first if first is None or first.name == "p" else first.find("p")
        label.extract()
        if mark and first is not None:
            first.insert(0, mark + " ")
        elif mark:
            para = soup.new_tag("p")  # the note's text straight in the <aside>: one paragraph, led by its label
            para.append(mark + " ")
            for c in list(el.contents):
                if getattr(c, "name", None) in _BLOCK_TAGS:
                    break
                para.append(c.extract())
            el.insert(0, para)
    return changed


def _page_header(el) -> bool:
    """A page's banner (id or class "page-header", "site-header", "masthead"...) holding no heading: the site's name and
    menu, the same on every page. One that holds the page's <h1> (a blog's "entry-header") is content."""
    return _named_furniture(el, _PAGE_HEADER)


def _named_furniture(el, pattern: re.Pattern) -> bool:
    """Does the element's id or one of its classes match `pattern`, while it holds no heading?"""
    names = [el.get("id") or "", *(el.get("class") or [])]
    return any(pattern.search(v) for v in names) and el.find(_HEADS) is None


def _tagline(el) -> bool:
    """A site's tagline or slogan (id or class "tagline", "slogan") holding no heading: SQLite's <div class="tagline
    desktoponly">Small. Fast. Reliable.<br>Choose any three.</div> beside its logo, on 762 of its 765 pages. It opened
    releaselog/3_16_0.html, session/*.html, c3ref/*.html, onefile.html... as a quotable paragraph, and a chunk's section
    being its first quotable block's, their first chunk had none."""
    return _named_furniture(el, _TAGLINE)


_TAGLINE = re.compile(r"^(?:site[-_]?)?(?:tagline|slogan)$", re.I)


def _page_title(soup) -> str:
    """The page's title set as a styled <div>, not a heading: SQLite's newer pages (134 of 765) open <div class=fancy>
    <div class="fancy_title">SQLite's Built-in printf()</div> ... <h1>1. Overview</h1>. It read as a quotable paragraph
    (printf.html, dbstat.html, lang_upsert.html, autoinc.html; fileformat2.html dropped it) and their sections had no top
    ("1. Overview"). The element is taken out and returns as the page's top heading (`_titled`): "SQLite's Built-in
    printf() › 1. Overview". Only SQLite's class: across the Debian HTML here, other "title" classes are a box's or a
    figure's title (Python's 271 pages of "admonition-title" Note, git's 33 <div class="title">Note</div>, DocBook's
    <p class="title">Figure 3.1. ...</p>), and Doxygen's page titles sit in a <div class="header"> that `_page_header`
    drops. One holding a heading stays (its heading is the title). Returns the title's text ("" for none)."""
    for el in soup.find_all("div", class_="fancy_title"):
        if el.find(_HEADS) is None:
            text = _fold(el.get_text(" "))
            el.decompose()
            return text
    return ""


def _titled(blocks: list[Block], title: str) -> list[Block]:
    """The page's title (`_page_title`) heads it: a heading first, and atop every block's section path. Not when the
    page's first heading already reads so."""
    if not title or (blocks and blocks[0].kind == "heading" and _fold(blocks[0].text) == title):
        return blocks
    return [Block("heading", title, (title,)), *(replace(b, section=(title, *b.section)) for b in blocks)]


_BOX_CLASS = re.compile(r"\b(?:note|warning|tip|caution|important|example|admonition|hint|notice|attention|danger|callout)\b", re.I)
_NO_WS = re.compile(r"\s+")


def _titled_boxes(soup) -> list[tuple[str, str]]:
    """(title, text without whitespace) of each note-like box that opens with a heading of its own, in page order:
    Apache's <div class="note"><h3>Main host goes away</h3>..., DocBook's <div class="note"><h3 class="title">Note</h3>."""
    out = []
    for box in soup.find_all(["div", "aside"]):
        if box.name == "div" and not _BOX_CLASS.search(" ".join(box.get("class") or [])):
            continue
        first = box.find(True)
        if first is not None and re.fullmatch(r"h[1-6]", first.name) and (title := _fold(first.get_text())):
            out.append((title, _NO_WS.sub("", box.get_text())))
    return out


def _close_boxes(blocks: list[Block], boxes: list[tuple[str, str]]) -> list[Block]:
    """A heading that titles a note box heads the box only: the blocks after the box return to the section around
    it (mod_alias's <h3>Note</h3> had become the section of every directive after it)."""
    blocks, at = list(blocks), 0
    for title, inside in boxes:
        i = next((j for j in range(at, len(blocks)) if blocks[j].kind == "heading" and blocks[j].text == title), None)
        if i is None or not blocks[i].section or blocks[i].section[-1] != title:
            continue
        titled, around = blocks[i].section, blocks[i].section[:-1]
        j = i + 1
        while j < len(blocks) and blocks[j].kind != "heading" and _NO_WS.sub("", blocks[j].text) in inside:
            j += 1  # the box's own blocks keep its title
        at = j
        while j < len(blocks) and blocks[j].section[: len(titled)] == titled and not (blocks[j].kind == "heading" and len(blocks[j].section) <= len(titled)):
            blocks[j] = replace(blocks[j], section=around + blocks[j].section[len(titled) :])
            j += 1
    return blocks


_LISTS = ("ul", "ol", "menu", "dir")


def _list_orphan_items(soup) -> bool:
    """Each run of <li> elements set outside any list (SiSU's books: one <li class="bullet"> alone in each
    <div class="substance">, with no <ul>) is wrapped in a <ul>, the list a browser shows it as: trafilatura drops
    an <li> that has no list around it ("Installer qemu, bridge-utils, sudo." under "4.8.5 Qemu"); the block walk
    reads it as an item either way. Adjacent items (only whitespace between them) share one list. True when any
    item was wrapped."""
    changed = False
    for li in soup.find_all("li"):
        if li.parent is None or li.parent.name in _LISTS:
            continue  # (an item wrapped in this loop already has its list)
        ul = soup.new_tag("ul")
        li.insert_before(ul)
        run, nxt = [li], li.next_sibling
        while nxt is not None and (getattr(nxt, "name", None) == "li" or (nxt.name is None and not str(nxt).strip())):
            run.append(nxt)
            nxt = nxt.next_sibling
        while run and getattr(run[-1], "name", None) != "li":
            run.pop()  # (the whitespace after the last item stays outside the list)
        for el in run:
            ul.append(el.extract())
        changed = True
    return changed


def _number_mark(a) -> bool:
    """A paragraph number in the margin: a link whose text is a number and whose target is the next
    element that has an id, i.e. the block it stands beside (SiSU's `<a href="#o160">160</a>` before
    `<p id="o160">`). Not a reference to a numbered note or page elsewhere."""
    href = a.get("href") or ""
    if not (href.startswith("#") and len(href) > 1 and re.fullmatch(r"\d{1,5}", a.get_text(strip=True))):
        return False
    nxt = a.find_next(lambda t: t.has_attr("id"))
    return nxt is not None and nxt.get("id") == href[1:] and a not in nxt.parents


_TERM = "term"  # a definition list's <dt>: internal to this module, joined by _join_terms
_FLAT_TABLE = "flat_table"  # a table trafilatura flattened into one element: internal, replaced by _unflatten_tables
_TABLE_MARK = "table_mark"  # before and after the rows of a table trafilatura read: internal, removed by _unflatten_tables
_PERMALINK = {"¶", "#", "§", "🔗"}
_CONTAINERS = ("body", "div", "section", "article", "main", "blockquote", "center")
_BLOCK_TAGS = frozenset(["h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "table", "ul", "ol", "dl", "div", "section", "article", "main",
                         "blockquote", "hr", "form", "nav", "header", "footer", "aside", "figure", "address", "center", "dt", "dd", "li", "tr"])


def _wrap_bare_text(soup) -> bool:
    """Text set straight in <body> or a <div> between blocks (man2html's pages: "<H2>NAME</H2>bash -
    GNU Bourne-Again SHell") is wrapped in a <p>, so that both extractors see it as a paragraph
    (the block walk skipped it, and so did trafilatura). True when anything was wrapped."""
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    not_text = (Comment, Declaration, Doctype, ProcessingInstruction)
    changed = False
    for box in soup.find_all(_CONTAINERS):
        if not any(getattr(c, "name", None) in _BLOCK_TAGS for c in box.children):
            continue  # a container of inline text only: itself a block to both extractors
        run: list = []

        def close():
            nonlocal changed
            if "".join(c.get_text() if hasattr(c, "get_text") else str(c) for c in run).strip():
                p = soup.new_tag("p")
                run[0].insert_before(p)
                for c in run:
                    p.append(c.extract())
                changed = True
            run.clear()

        for c in list(box.children):
            name = getattr(c, "name", None)
            if name in _BLOCK_TAGS or isinstance(c, not_text):
                close()
            else:
                run.append(c)
        close()
    return changed


def _runs(text: str) -> list[str]:
    w = re.findall(r"\w+", text.lower())
    return [" ".join(w[i : i + 4]) for i in range(max(1, len(w) - 3))]


def _unflatten_tables(blocks: list[Block], fallback: list[Block]) -> list[Block]:
    """trafilatura reads some tables as one run of cells without rows (SQLite's dbstat.html: a <th> row key in
    each row, cells spanning two columns): each such block is replaced by the rows the block walker read from
    the same <table>, found by their words; with no such rows it stays a paragraph."""
    if not any(b.kind in (_FLAT_TABLE, _TABLE_MARK) for b in blocks):
        return blocks
    tables: list[list[Block]] = []  # the walker's runs of consecutive rows
    for i, f in enumerate(fallback):
        if f.kind in ("table_row", "table_head"):
            if i and fallback[i - 1].kind in ("table_row", "table_head"):
                tables[-1].append(f)
            else:
                tables.append([f])

    runs_of = [_runs(" ".join(r.text for r in t)) for t in tables]  # once per walker table, not once per lookup

    def walked(text: str) -> list[Block] | None:
        words = " " + " ".join(re.findall(r"\w+", text.lower())) + " "
        return next((t for t, runs in zip(tables, runs_of) if runs and sum(r in words for r in runs) >= 0.9 * len(runs)), None)

    out: list[Block] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if b.kind == _FLAT_TABLE:
            rows = walked(b.text)
            out.extend([replace(r, section=b.section) for r in rows] if rows else [Block("paragraph", b.text, b.section)])
        elif b.kind == _TABLE_MARK:
            end = next(j for j in range(i + 1, len(blocks)) if blocks[j].kind == _TABLE_MARK)
            rows, alt = blocks[i + 1 : end], walked(" ".join(r.text for r in blocks[i + 1 : end]))
            spanned = alt is not None and sum(r.kind == "table_head" for r in alt) > 1 and len(alt) == len(rows)
            out.extend([replace(r, section=b.section) for r in alt] if spanned else rows)  # the walker read its spans
            i = end
        else:
            out.append(b)
        i += 1
    return out


def _fill_gaps(blocks: list[Block], fallback: list[Block]) -> list[Block]:
    """trafilatura's blocks, with what it dropped from the middle of the content it kept put back.

    The walk's blocks are matched to trafilatura's in order (most of a block's 4-word runs found
    in one of them). A stretch of unmatched walk blocks between two matched ones, holding 20+
    words, is a part of the main content trafilatura judged boilerplate (a Sphinx section of
    advice, for one): it goes back after the block matched before it. Unmatched blocks before
    the first match or after the last stay out (navigation, footers)."""
    if not blocks or not fallback:
        return blocks
    words = [" " + " ".join(re.findall(r"\w+", b.text.lower())) + " " for b in blocks]
    every = " ".join(words)
    where: list[int | None] = []
    cursor = 0
    for f in fallback:
        runs = _runs(f.text)
        j = next((j for j in range(cursor, len(blocks)) if sum(r in words[j] for r in runs) >= 0.9 * len(runs)), None)
        if j is None and sum(r in every for r in runs) >= 0.5 * len(runs):
            j = -1  # kept, in another shape (split or joined differently): neither a gap nor an anchor
        where.append(j)
        if j is not None and j >= 0:
            cursor = j
    inserts: dict[int, list[Block]] = {}
    anchor, gap = None, []
    for f, j in zip(fallback, where):
        if j is None:
            gap.append(f)
            continue
        if j >= 0:
            if anchor is not None and sum(len(g.text.split()) for g in gap) >= 20:
                inserts.setdefault(anchor, []).extend(gap)
            anchor, gap = j, []
    if not inserts:
        return blocks
    out: list[Block] = []
    for j, b in enumerate(blocks):
        out.append(b)
        out.extend(inserts.get(j, []))
    return out


def _join_terms(blocks: list[Block]) -> list[Block]:
    """Each run of definition terms opens the block after it ("-a, --all: All ignored and untracked
    files are ..."), when that block is prose or a list item of the same section: a description
    says "If this is set to true, ..." and only its term says what "this" is. A term followed by
    anything else (code, a heading) stays a paragraph of its own."""
    out: list[Block] = []
    terms: list[Block] = []
    for b in blocks:
        if b.kind == _TERM:
            terms.append(b)
            continue
        if terms:
            label = ", ".join(t.text for t in terms)
            if b.kind in ("paragraph", "list_item") and b.section == terms[-1].section:
                sep = " " if label[-1] in ":.;,!?" else ": "
                b = Block(b.kind, label + sep + b.text, b.section, b.page)
            else:
                out.append(Block("paragraph", label, terms[-1].section, terms[-1].page))
            terms = []
        out.append(b)
    if terms:
        out.append(Block("paragraph", ", ".join(t.text for t in terms), terms[-1].section, terms[-1].page))
    return out


def _key(text: str) -> str:
    return _fold(text).lower()[:40]


def _starts_like(text: str, key: str) -> bool:
    """Does a block whose text is `text` start like the block whose `_key` is `key` (the same, or a 12+ character prefix)?"""
    k = _key(text)
    return bool(key) and (k == key or len(key) >= 12 and k.startswith(key))


def _restore_headings(blocks: list[Block], fallback: list[Block]) -> list[Block]:
    """trafilatura's blocks with the fallback walk's missing headings put back in place, levels
    taken from the walk.

    A missing heading goes before the first trafilatura block, from where the last one matched,
    that starts like one of the (up to three) blocks the walker found right after the heading; a trafilatura block
    whose text is the heading itself becomes the heading. Two sections' first blocks may start alike (mod_alias's
    "Description: | Maps URLs to filesystem locations" under Alias, "... using regular expressions" under AliasMatch):
    a block that starts like the one looked for but is, word for word, another block of the walk is that other block,
    and a block takes one heading so found (the next one is looked for past it; a heading right above another heading
    goes with it all the same), so that each keeps a heading, not both stacked over the first. A heading whose place
    is not found is left out; trafilatura's own headings stay."""
    replaced: dict[int, int] = {}  # block index -> level
    inserts: dict[int, list[tuple[int, str]]] = {}
    waiting: list[tuple[int, str]] = []  # headings right above another heading, placed with it ("1. Searching" over "1.1. ...")
    cursor, taken = 0, -1  # taken: the block the last heading was put before
    walked = {_fold(b.text).lower() for b in fallback}
    full = [_fold(b.text).lower() for b in blocks]
    bare = [_NO_WS.sub("", t) for t in full]

    def fits(j: int, want: tuple[str, str]) -> bool:
        """blocks[j] is not taken and starts like the walk's block `want` (its key and text), or opens it cut in pieces,
        and is not, word for word, another block of the walk."""
        starts = _starts_like(blocks[j].text, want[0]) or _opens_cut(bare, j, want[1])
        return j != taken and starts and (full[j] == want[1] or full[j] not in walked)

    for i, h in enumerate(fallback):
        if h.kind != "heading":
            continue
        after = []  # the blocks right after it, up to the next heading: trafilatura may have dropped the first
        for n, b in enumerate(fallback[i + 1 : i + 4]):
            if b.kind == "heading":
                after += [(_key(b.text), _fold(b.text).lower())] if n == 0 else []  # (a later one would leave this heading empty)
                break
            after.append((_key(b.text), _fold(b.text).lower()))
        over_heading = i + 1 < len(fallback) and fallback[i + 1].kind == "heading"
        first, at = (after[0] if after else ("", "")), None
        for j in range(cursor, len(blocks)):
            if _fold(blocks[j].text) == _fold(h.text):
                replaced[j], cursor = len(h.section), j + 1
                break
            if fits(j, first):
                at = j
                break
        else:  # the second or third block after it only when the first is nowhere, and only close by
            near = range(cursor, min(cursor + 3, len(blocks)))
            at = next((j for a in after[1:] for j in near if fits(j, a)), None)
        if at is not None:
            inserts.setdefault(at, []).extend(waiting + [(len(h.section), h.text)])
            waiting, cursor, taken = [], at, at
        elif over_heading and not any(_fold(b.text) == _fold(h.text) for b in blocks[cursor:]):
            waiting.append((len(h.section), h.text))
        else:
            waiting = []
    sec = _Sections()
    out: list[Block] = []
    for j, b in enumerate(blocks):
        for level, text in inserts.get(j, []):
            out.append(Block("heading", text, sec.heading(level, text), b.page))
        if j in replaced or b.kind == "heading":
            level = replaced.get(j, len(b.section) or 1)
            out.append(Block("heading", b.text, sec.heading(level, b.text), b.page))
        else:
            out.append(Block(b.kind, b.text, sec.path, b.page, b.head))
    return out


def _opens_cut(bare: list[str], j: int, want: str) -> bool:
    """Do blocks j, j+1, ... (`bare`: their texts folded, lower case, without whitespace) open the walk's block `want`, which
    trafilatura cut at its inline code? Apache's "<li><code>CGIMapExtension</code> - This directive maps ..." came out as
    "CGIMapExtension" (code), then "- This directive maps ...": block j, of 8+ characters, is shorter than the walk's
    first 40 and begins them, and it and the (up to three) blocks after it hold them whole."""
    target = _NO_WS.sub("", want)[:40]
    if not (8 <= len(bare[j]) < len(target) and target.startswith(bare[j])):
        return False
    return "".join(bare[j : j + 4]).startswith(target)


def _unstacked(blocks: list[Block], fallback: list[Block]) -> list[Block]:
    """trafilatura's blocks without its headings that sit stacked out of place. SQLite's query planner page came out of
    trafilatura with its text first and the headings "1. Searching" ... "1.7. Covering Indexes" stacked after it. A heading
    in a run of two or more is out of place when the first text below it is not the text the walk found below it."""
    stacked = {j for j, b in enumerate(blocks) if b.kind == "heading"
               and any(0 <= k < len(blocks) and blocks[k].kind == "heading" for k in (j - 1, j + 1))}
    return [b for j, b in enumerate(blocks) if not (j in stacked and _misplaced(blocks, j, fallback))]


def _misplaced(blocks: list[Block], j: int, fallback: list[Block]) -> bool:
    """The first text below trafilatura's heading blocks[j] (past any headings right under it) is not the text the walk
    found below the same heading."""
    below = next((b for b in blocks[j + 1 :] if b.kind != "heading"), None)
    for i, f in enumerate(fallback):
        if f.kind == "heading" and _fold(f.text) == _fold(blocks[j].text):
            want = next((b for b in fallback[i + 1 :] if b.kind != "heading"), None)
            return below is not None and want is not None and not _starts_like(below.text, _key(want.text)) and not _starts_like(want.text, _key(below.text))
    return False


_BOLD = ("b", "strong")
_HEADS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("p", "ul", "ol", "dl", "div", "table", "pre", "blockquote")


_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(?:bold|[6-9]00)", re.I)
_SECTION_NO = re.compile(r"(\d{1,2}(?:\.\d{1,3}){1,4})\.?\s+\w")  # "4.1 What", "4.6.2. Testing": a numbered section title


def _bold_headings(soup) -> bool:
    """A short bold-only block (<p><b>Title</b></p>, or <b>Title</b><br> opening a block) is a
    heading one level below the last real heading: it gets its own block and section, so no
    sentence runs from it into the text after it. Returns whether the soup changed."""
    changed = False
    level = 1
    for el in soup.find_all(list(_HEADS) + ["p", "li", "dd", "div"]):
        if el.name in _HEADS:
            level = int(el.name[1])
            continue
        if el.name == "p" and ({"bold", "rubric"} & set(el.get("class") or []) or _BOLD_STYLE.search(el.get("style") or "")):
            # a paragraph set bold by its class or style (SiSU's <p class="bold">4.1 What is a live system?</p>), or a
            # docutils rubric, a title outside the contents (Sphinx's <p class="rubric">Footnotes</p>)
            title = _rendered(el)
            if _blank(title):  # nothing to read (an empty rubric, a zero-width space): no heading, no paragraph
                el.decompose()
                changed = True
                continue
            numbered = _SECTION_NO.match(title)
            if len(title) <= 80 and len(title.split()) <= 12 and (title[-1] not in ".,;:!?" or (numbered and title[-1] == "?")):
                notes = _NOTE_NAME.fullmatch(title) and _notes_level(el)
                h = soup.new_tag(f"h{min(numbered.group(1).count('.') + 1 if numbered else notes or level + 1, 6)}")
                h.string = title
                el.replace_with(h)
                changed = True
            continue
        kids = [c for c in el.contents if not (isinstance(c, str) and not c.strip())]
        if not kids or getattr(kids[0], "name", None) not in _BOLD:
            continue
        title = _fold(kids[0].get_text(" "))
        alone = len(kids) == 1 and el.name == "p"
        if _blank(title) or len(title) > 80 or len(title.split()) > 12 or (title[-1] in ".,;:!?" and not (alone and title[-1] == "?")):
            continue  # (a bold question alone in its paragraph is a FAQ's heading)
        before_br = len(kids) > 2 and getattr(kids[1], "name", None) == "br"
        before_block = el.name in ("li", "dd") and len(kids) > 1 and getattr(kids[1], "name", None) in _BLOCKS
        if not (alone or before_br or before_block):
            continue
        h = soup.new_tag(f"h{min(level + 1, 6)}")
        h.string = title
        if alone:
            el.replace_with(h)
        elif before_block:
            kids[0].replace_with(h)
        else:
            kids[1].decompose()
            kids[0].replace_with(h)
            if el.name == "p":  # a heading cannot sit inside a <p>: move it out, before it
                h.extract()
                el.insert_before(h)
            else:  # the rest of the item becomes a paragraph after its heading
                rest = soup.new_tag("p")
                for sib in list(h.next_siblings):
                    rest.append(sib.extract())
                h.insert_after(rest)
        changed = True
    return changed


def _blank(text: str) -> bool:
    """Does `text` show nothing: empty, or only spaces and invisible format characters (zero-width space, soft hyphen, BOM)?"""
    return not any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


def _content_box(el):
    """The element around `el` that holds the page's own headings, without its sidebars': the outermost section
    (<section>, docutils' <div class="section">), else the nearest <main>, <article>, role="main" or Sphinx's
    <div class="body">, else the <body>."""
    sections = [a for a in el.parents if a.name == "section" or (a.name == "div" and "section" in (a.get("class") or []))]
    if sections:
        return sections[-1]
    main = el.find_parent(lambda a: a.name in ("main", "article") or a.get("role") == "main" or "body" in (a.get("class") or []))
    return main or el.find_parent("body") or el.find_parent()


def _notes_level(el) -> int | None:
    """The level of a "Footnotes" title (a docutils rubric), which heads the notes of the outermost section that ends
    with them. Sphinx sets the rubric inside the page's last subsection, and a heading one level below the last one
    cited "[1] Actually, call by object reference ..." under "4.9. Intermezzo: Coding Style". At the end of the content
    the notes are the page's: the level of its top-level sections (below a lone page title). Before a heading of level
    L (ssl.html's notes, then <h2>Certificates</h2>), the notes close the section of level L they sit in: L + 1.
    None when the content has no headings."""
    box = _content_box(el)
    levels = [int(h.name[1]) for h in box.find_all(_HEADS)]
    if not levels:
        return None
    nxt = el.find_next(_HEADS)
    if nxt is not None and any(p is box for p in nxt.parents):
        return int(nxt.name[1]) + 1
    top = min(levels)
    if levels.count(top) == 1:  # the page's title: its sections are one level down (or the next level used)
        top = min((v for v in levels if v > top), default=top + 1)
    return top


def _walk_xml(main) -> list[Block]:
    sec = _Sections()
    out: list[Block] = []

    def visit(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "head":
            m = re.match(r"h(\d)", el.get("rend", "h2"))
            text = _line_text(el)
            if text:
                out.append(Block("heading", text, sec.heading(int(m.group(1)) if m else 2, text)))
        elif tag == "p" or tag == "quote":
            # cells with no rows around them: trafilatura lost the table's rows (a <th> row key per row); their text is
            # matched against the page's table as itertext() reads it
            flat = el.find(".//td") is not None or el.find(".//th") is not None
            text = _fold("".join(el.itertext())) if flat else _line_text(el)
            if text:
                out.append(Block(_FLAT_TABLE if flat else "paragraph", text, sec.path))
        elif tag == "code":
            text = "".join(el.itertext()).strip("\n")
            if text.strip():
                out.append(Block("code", text, sec.path))
        elif tag == "list":
            for item in el:
                if item.tag == "item" and (item.get("rend") or "").startswith("dt"):
                    text = _line_text(item)
                    if text:
                        out.append(Block(_TERM, text, sec.path))
                    continue
                if item.tag == "item":
                    # an item made of paragraphs (or holding a list/heading) gives one block per
                    # part, so no sentence runs from its first line into the next paragraph
                    parts = [c for c in item if c.tag in ("list", "p", "head", "code", "table", "quote")]
                    if not any(c.tag != "list" for c in parts):
                        for c in parts:
                            item.remove(c)
                        text = _line_text(item)
                        if text:
                            out.append(Block("list_item", text, sec.path))
                        for c in parts:
                            visit(c)
                        continue
                    lead = _fold(item.text or "")
                    if lead:
                        out.append(Block("list_item", lead, sec.path))
                    for c in item:
                        if c.tag == "p":
                            text = _line_text(c)
                            if text:
                                out.append(Block("list_item", text, sec.path))
                        elif c.tag in ("list", "head", "code", "table", "quote"):
                            visit(c)
                        else:
                            text = _line_text(c)
                            if text:
                                out.append(Block("list_item", text, sec.path))
                        tail = _fold(c.tail or "")
                        if tail:
                            out.append(Block("list_item", tail, sec.path))
                else:
                    visit(item)
        elif tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = [c for c in row if c.tag == "cell"]
                texts = [_fold(_spaced_text(c)) for c in cells]
                if any(texts):
                    head = len(cells) > 1 and all(c.get("role") == "head" for c in cells)  # trafilatura's <th>
                    rows.append(Block("table_head" if head else "table_row", " | ".join(texts), sec.path))
            if rows:  # marked, so that a table whose header trafilatura cannot read (spanned cells) takes the walker's rows
                out.extend([Block(_TABLE_MARK, "", sec.path), *with_heads(rows), Block(_TABLE_MARK, "", sec.path)])
        else:
            text = _fold(el.text or "")
            if text and tag not in ("main", "doc", "comments"):
                out.append(Block("paragraph", text, sec.path))
            for c in el:
                visit(c)

    for child in main:
        visit(child)
    return out


_FB_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "tr", "dt", "dd", "blockquote"]
_FB_SET = frozenset(_FB_TAGS)
_BOILER = re.compile(r"nav|menu|footer|cookie|consent|banner|sidebar|breadcrumb|^toc$|skip", re.I)


# Elements a browser lays out as boxes of their own: text on either side of them is never one word.
_BOXES = frozenset(_FB_TAGS) | {"div", "ul", "ol", "dl", "table", "thead", "tbody", "td", "th", "section", "article",
                                "main", "figure", "figcaption", "caption", "hr", "center", "details", "summary"}


_XML_BOXES = frozenset({"p", "lb", "list", "item", "head", "quote", "code"})


def _spaced_text(el, boxes: frozenset = _XML_BOXES) -> str:
    """An element of trafilatura's XML as text, a space where a box or line break separates words: it writes
    "3.39.2<br>(2022-07-21)" in a cell as "3.39.2<p>(2022-07-21)</p>", which itertext() glues into one word."""
    parts = [el.text or ""]
    for c in el:
        box = " " if c.tag in boxes else ""
        parts += [box, _spaced_text(c, boxes), box, c.tail or ""]
    return "".join(parts)


def _line_text(el) -> str:
    """A paragraph's or list item's text, a space for each line break (<br>, trafilatura's <lb>):
    "json_array_length(json)<br>json_array_length(json,path)" is two signatures, not one word."""
    return _fold(_spaced_text(el, frozenset({"lb"})))


def _rendered(el, skip: frozenset = frozenset()) -> str:
    """The text of `el` as a browser shows it, whitespace folded: inline markup joins its text
    without a gap ("refs/<code>stash</code>; older" -> "refs/stash; older", not "refs/stash ; older"),
    a <br> or a box element separates words. Children named in `skip` are left out."""
    from bs4 import NavigableString

    out: list[str] = []
    add = out.append

    def walk(node):
        for c in node.contents:
            name = c.name
            if name is None:
                if type(c) is NavigableString:  # not comments, doctypes or processing instructions
                    add(c)
            elif name in skip or name == "br":
                add(" ")
            elif name in _BOXES:
                add(" ")
                walk(c)
                add(" ")
            else:
                walk(c)

    walk(el)
    return _fold("".join(out))


def _spanned_head(table) -> str:
    """The column names of a header made of several rows with spanned cells, or "": each column's names top to
    bottom ("Name" spanning two rows, "Offset" over "xShmLock" and "File" -> "Name | Offset xShmLock | Offset File")."""
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue
        cells = tr.find_all(["td", "th"], recursive=False)
        if not cells or not (all(c.name == "th" for c in cells) or tr.find_parent("thead") is not None):
            break
        rows.append(cells)
    if len(rows) < 2:
        return ""

    def span(a) -> int:
        return int(a) if str(a).isdigit() and 0 < int(a) < 50 else 1

    grid: dict[tuple[int, int], str] = {}
    for r, cells in enumerate(rows):
        col = 0
        for c in cells:
            while (r, col) in grid:
                col += 1
            text = _rendered(c)
            for dr in range(span(c.get("rowspan"))):
                for dc in range(span(c.get("colspan"))):
                    grid[(r + dr, col + dc)] = text
            col += span(c.get("colspan"))
    width = max(col for _, col in grid) + 1
    names = []
    for col in range(width):
        parts = []
        for r in range(len(rows)):
            t = grid.get((r, col), "")
            if t and t not in parts:
                parts.append(t)
        names.append(" ".join(parts))
    return " | ".join(names)


def _html_fallback(html: str) -> list[Block]:
    """Every block element outside nav/header/footer/aside and cookie/menu-like containers."""
    soup = parse_html(html)
    for tag in soup(["script", "style", "noscript", "template", "nav", "footer", "aside", "header", "form"]):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.attrs is not None and any(_BOILER.search(v) for v in [tag.get("id") or "", *(tag.get("class") or []), tag.get("role") or ""]):
            tag.decompose()
    sec = _Sections()
    out: list[Block] = []
    body = soup.body or soup
    table: list = [None, ""]  # the <table> of the rows being read, and its header row
    for el in body.find_all(_FB_TAGS):
        if el.find_parent(["pre", "tr", "p"]) is not None and el.name not in ("li", "tr"):
            continue
        if el.name in ("li", "dd", "blockquote") and any(getattr(x, "name", None) in _FB_SET for x in el.descendants):
            # an item, a definition or a quote holding paragraphs, headings, a table or a nested list:
            # its own text only, the parts are blocks of their own (no duplicated nested items or
            # paragraphs, no title glued to its text)
            text = _rendered(el, skip=_FB_SET)
            if text:
                out.append(Block("list_item" if el.name == "li" else "paragraph", text, sec.path))
            continue
        if el.name == "dt":
            text = _rendered(el)
            if text:
                out.append(Block(_TERM, text, sec.path))
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            text = _rendered(el)
            if text:
                out.append(Block("heading", text, sec.heading(int(el.name[1]), text)))
        elif el.name == "pre":
            text = el.get_text().strip("\n")
            if text.strip():
                out.append(Block("code", text, sec.path))
        elif el.name == "tr":
            tds = el.find_all(["td", "th"])
            cells = [_rendered(c) for c in tds]
            if any(cells):
                head = len(tds) > 1 and (all(c.name == "th" for c in tds) or el.find_parent("thead") is not None)
                t = el.find_parent("table")
                if t is not table[0]:
                    table[:] = [t, "", _spanned_head(t)]
                if head:
                    table[1] = table[2] or " | ".join(cells)
                out.append(Block("table_head" if head else "table_row", " | ".join(cells), sec.path, head=table[1] if not head else ""))
        else:
            text = _rendered(el)
            if text:
                out.append(Block("list_item" if el.name == "li" else "paragraph", text, sec.path))
    return out


# --- Markdown --------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")  # a fence opens: its run of ``` or ~~~, then the info string
_MD_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_MD_LIST = re.compile(r"^(\s{0,8}(?:[-*+]|\d{1,3}[.)])\s+)\S")  # group 1: up to the item's content column
_MD_TABLE = re.compile(r"^\s*\|.*\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:[^\n]*\n){0,60}?---[ \t]*(?:\n|\Z)")  # "---\ntitle: ...\n---"
_MD_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")  # under a paragraph: it is a heading ("Contributing" / "------------")
_MD_BREAK = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")  # a thematic break: "---", "***", "_ _ _"
# "[pip-tools]: https://github.com/jazzband/pip-tools#readme": a link reference definition, which Markdown never shows
# (a footnote's "[^1]: text" is text)
_MD_LINK_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*<?\S+>?(?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?[ \t]*$")
_MD_TARGET = re.compile(r"^ {0,3}\([^\s()]+\)=[ \t]*$")  # a MyST target label, "(repeatability)=" above a heading
_MD_LINKED = re.compile(r"!?\[[^\[\]\n]*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"\n]*\")?\)")  # [text](url), ![alt](img)
_MD_DIRECTIVE = re.compile(r"\{([A-Za-z][\w:.-]*)\}[ \t]*(.*)")  # a MyST/Sphinx directive's info string: "{note}", "{admonition} Example"
_MD_DIRECTIVE_OPTION = re.compile(r"^ {0,3}:[\w-]+:(?:[ \t].*)?$")  # ":class: tip" right under the directive's fence


# An inline image or link in a heading: "![logo](logo.png)", "[libcbor](https://github.com/PJK/libcbor)"
_MD_TITLE_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")


def _md_title(raw: str, closed: set[str]) -> str:
    """A heading's title as a browser shows it, without raw HTML tags: "<a id=\"intro\">1.</a> Introduction" -> "1.
    Introduction", and a link as its text, an image as nothing: "[libcbor](https://github.com/PJK/libcbor)" -> "libcbor"
    (libcbor's sections read "README: [libcbor](https://github.com/PJK/libcbor) › Getting started")."""
    shown = _MD_TITLE_LINK.sub(lambda m: "" if m.group(1) else m.group(2), without_html(raw, closed))
    return " ".join(shown.split()) or raw.strip()


def _html_edges(body: str, closed: set[str]) -> tuple[int, int, bool]:
    """(start, end) of a Markdown line's text in `body` without the block-level HTML tags at its edges ("  <summary>
    Packaged libcbor is ...</summary>": the summary's text), and whether any tag is block-level; start = end = 0 for a line
    of raw HTML tags only ("<details>", "<p align=\"center\"><img src=...></p>"). `closed`: rag.blocks.html_tags."""
    tags = html_tags(body, closed)
    block = any(t[2] for t in tags)
    if not without_html(body, closed).strip():
        return 0, 0, block
    a, b = len(body) - len(body.lstrip()), len(body.rstrip())
    for s, e, blk in tags:
        if s != a or not blk:
            break
        a = e + len(body[e:]) - len(body[e:].lstrip())
    for s, e, blk in reversed(tags):
        if e != b or not blk:
            break
        b = len(body[:s].rstrip())
    return a, b, block


def _badges(line: str) -> bool:
    """A line made only of images and links, at least one an image: a README's badge row ("[![Build Status](...svg)](...)").
    Inner links go first, so an image inside a link goes with it; separators ("|", "·") may stand between them."""
    if "![" not in line:
        return False
    rest, n = line, 1
    while n:
        rest, n = _MD_LINKED.subn("", rest)
    return not rest.strip(" \t|·•-–—,")


def _md_fence(body: str) -> tuple[str, int, str] | None:
    """(character, length, info string) of a line that opens a fenced block (CommonMark: 3+ backticks or tildes indented
    at most 3 spaces; a backtick fence's info string holds no backtick), else None."""
    m = _MD_FENCE.match(body)
    if not m or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None
    return m.group(1)[0], len(m.group(1)), m.group(2).strip()


def _md_closes(body: str, fence: tuple[str, int]) -> bool:
    """Does this line close a block opened by `fence` (its character, its length)? CommonMark: a run of the same
    character at least as long, with nothing after it."""
    m = _MD_FENCE_CLOSE.match(body)
    return bool(m) and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1]


def _prose_directive(info: str) -> bool:
    """Is a fence's info string a directive whose body is prose ("{note}", "{admonition} Example")?"""
    m = _MD_DIRECTIVE.fullmatch(info)
    return bool(m) and m.group(1).lower() in MD_PROSE_DIRECTIVES


def markdown_spans(text: str) -> tuple[Span, ...]:
    """Block spans over Markdown kept verbatim: headings ("# Title", or a paragraph underlined with === / ---),
    fenced code, list items, table rows, paragraphs. A thematic break ("---" after a blank line) is no block, nor
    is YAML front matter (between "---" lines at the very top). Link reference definitions ("[pip]: https://...") and
    MyST target labels ("(install)="), which a browser never shows, are boilerplate: searchable, never quoted (as a
    block they also keep a chunk that holds nothing else from being read as all prose).

    Fences follow CommonMark: one closes only at a run of its own character at least as long, so a ````-fenced block
    holds ```-fenced code. A MyST directive whose body is prose (MD_PROSE_DIRECTIVES: "```{note}", "````{admonition}
    Example") is no code block: its body is read as Markdown (paragraphs, lists, nested code), its first paragraph's
    span starts at the directive's fence line (and options, ":class: tip"), which rag.blocks.shown_markdown shows as
    its label ("Note: ..."), and its closing fence is no block. Any other directive stays code (why:
    rag.blocks.MD_PROSE_DIRECTIVES).

    Indented code (CommonMark: lines indented 4+ columns past the open list item's content, that do not continue a
    paragraph) is a code block up to the next line indented less, blank lines inside kept: older READMEs show their
    commands so ("If you don't trust the input YAML stream, you should use:" / "    >>> yaml.safe_load(stream)" was
    read as a paragraph, and the answer quoted the lead-in alone). A paragraph of badge lines (`_badges`) is boilerplate."""
    sec = _Sections()
    out: list[Span] = []
    cur: list | None = None  # [start, end, kind]
    pos = 0
    code: tuple[str, int] | None = None  # the open code fence (character, length)
    boxes: list[tuple[str, int]] = []  # the open prose directives' fences, innermost last
    label: int | None = None  # where the fence line of a prose directive starts, until the line after it
    if front := _MD_FRONT_MATTER.match(text):
        pos, text_from = front.end(), text[front.end() :]
    else:
        text_from = text

    def flush():
        nonlocal cur
        if cur:
            out.append(Span(cur[0], cur[1], cur[2], section_label(sec.path)))
        cur = None

    def opened(start: int, end: int, kind: str) -> list:
        """A new block (ending the one before); a paragraph right under a prose directive's fence starts at it."""
        nonlocal label
        flush()
        if kind == "paragraph" and label is not None:
            start = label
        label = None
        return [start, end, kind]

    closed = html_closed(text)  # the HTML elements the file closes: its bare "<code>" is a tag, not a placeholder
    indented = False  # inside an indented code block
    item: int | None = None  # the open list item's content column, while lines may still continue it
    for line in text_from.splitlines(keepends=True):
        s, body = pos, line.rstrip("\n")
        e = s + len(body.rstrip())
        pos += len(line)
        lead = len(body) - len(body.lstrip())
        col = len(body.expandtabs(4)) - len(body.expandtabs(4).lstrip())  # the indent in columns, a tab to the next 4
        if indented:
            if not body.strip() or col >= 4 + (item or 0):
                cur[1] = e if body.strip() else cur[1]
                continue
            indented = False
            flush()
        if item is not None and body.strip() and cur is None and col < item:
            item = None  # a line left of the item's content after a blank line ends the list item
        if cur is None and body.strip() and code is None and not boxes and col >= 4 + (item or 0):
            cur, indented = opened(s + lead, e, "code"), True
            continue
        if code is not None:
            cur[1] = e if body.strip() else cur[1]
            if _md_closes(body, code):
                code = None
                flush()
            continue
        if boxes and _md_closes(body, boxes[-1]):
            flush()
            boxes.pop()
            label = None
            continue
        if label is not None and cur is None and _MD_DIRECTIVE_OPTION.match(body):
            continue  # the directive's options (":class: tip") go with its fence line, into its label
        f = _md_fence(body)
        if f:
            if _prose_directive(f[2]):
                flush()
                boxes.append(f[:2])
                label = s + lead
            else:
                cur, code = opened(s + lead, e, "code"), f[:2]
            continue
        if not body.strip():
            flush()
            label = None  # the label leads only a paragraph right under it: a blank line would leave it a quote of its own
            continue
        if (cur is None or cur[2] not in ("paragraph", "list_item")) and (_MD_LINK_DEF.match(body) or _MD_TARGET.match(body)):
            if cur and cur[2] == "boilerplate":  # (neither interrupts a paragraph)
                cur[1] = e
            else:
                cur = opened(s + lead, e, "boilerplate")
            continue
        h = _MD_HEADING.match(body)
        if h:
            opened(0, 0, "heading")
            item = None
            sec.heading(len(h.group(1)), _md_title(h.group(2), closed))
            out.append(Span(s + lead, e, "heading", section_label(sec.path)))
            continue
        u = _MD_SETEXT.match(body)
        if u and cur and cur[2] == "paragraph":  # the paragraph above is a heading: "=" level 1, "-" level 2
            sec.heading(1 if u.group(1)[0] == "=" else 2, _md_title(text[cur[0] : cur[1]], closed))
            out.append(Span(cur[0], cur[1], "heading", section_label(sec.path)))
            cur = None
            continue
        if _MD_BREAK.match(body):
            flush()
            continue
        if _MD_TABLE.match(body):
            opened(0, 0, "table_row")
            if not _MD_RULE.match(body):
                out.append(Span(s + lead, e, "table_row", section_label(sec.path)))
            elif out and out[-1].kind == "table_row" and "\n" not in text[out[-1].end : s - 1]:  # the rule under a header row
                out[-1] = Span(out[-1].start, out[-1].end, "table_head", out[-1].section)
            continue
        if m := _MD_LIST.match(body):
            cur = opened(s + lead, e, "list_item")
            item = len(m.group(1).expandtabs(4))
            continue
        a, b, block = _html_edges(body, closed) if "<" in body else (lead, e - s, False)
        if b == 0 and cur and cur[2] in ("paragraph", "list_item") and not block:
            cur[1] = e  # an inline tag alone on a line ("<br>") goes on with the paragraph
        elif cur and cur[2] in ("paragraph", "list_item") and b:
            cur[1] = s + b
        elif b == 0 or _badges(body):  # raw HTML only (zstd's "<p align="center"><img ...></p>", "<details>") or badges
            if cur and cur[2] == "boilerplate":
                cur[1] = e
            else:
                cur = opened(s + lead, e, "boilerplate")
        else:
            cur = opened(s + a, s + b, "paragraph")
    if cur and code is not None:
        cur[1] = len(text.rstrip())
    flush()
    return tuple(attach_heads(text, [sp for sp in out if sp.end > sp.start]))


# --- plain text ------------------------------------------------------------------------

_TXT_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")  # "2.1 Library notes", "3. Usage"
_TXT_UNDERLINE = re.compile(r"^\s*(=+|-+)\s*$")  # a Setext-style rule under a title
_TXT_SENTENCE_END = re.compile(r"[a-z0-9)][.!?]\s+[A-Z]")  # a sentence ends inside the line


_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
_OVERSTRIKE = re.compile(r"([^\x08\n])\x08([^\x08\n])")


def untermed(text: str) -> str:
    """Plain text without terminal formatting: ANSI escape sequences (SGR colors and bold, ESC[1m ... ESC[22m, other
    CSI codes such as grep's ESC[K, OSC hyperlinks) go, and nroff's overstrikes become the character they show: "X\bX"
    (bold) and "_\bX" (underline) are X, "+\bo" (nroff's bullet) is "•", any other "A\bB" is B. This cleaned text is
    the document text (spans point into it): man-db-manual.txt kept "\x1b[1mGNU\x1b[22m" in every quote, and its words
    glued to codes were not found."""
    if "\x1b" in text:
        text = _CSI.sub("", text)

    def shown(m: re.Match) -> str:
        a, b = m.group(1), m.group(2)
        if {a, b} == {"+", "o"}:
            return "•"
        return a if b == "_" else b

    while "\x08" in text:
        cleaned = _OVERSTRIKE.sub(shown, text)
        if cleaned == text:
            break
        text = cleaned
    return text.replace("\x08", "")


_NOTE_RULE = re.compile(r"^_{8,}\s*$")  # nroff's rule above a page's footnotes, at the margin
_ITEM_MARK = re.compile(r"^\s*\(?[a-z][.)]\s")  # "b) Start at one end": an item, not a sentence going on


def unpaged(text: str) -> str:
    """Plain text without its page furniture: a running header or footer, or a page number, is a line set apart by a
    page gap (a run of 3+ blank lines or a form feed next to it) whose text, with its digits as placeholders, comes
    back at 3 or more gaps ("man-db   v2.11.2   2023-01-08", "1", "2", ..., "ii": nroff's pages). A gap holding such lines is
    dropped. The paragraph it splits reads on when its line before the gap has no sentence end and the line after
    opens in lower case ("The table below shows the section" / "numbers of the manual ..."); the page's footnotes
    (under a "________" rule right above the gap) go after the joined paragraph, as a paragraph of their own, and the
    rule goes. Left out: pages with no repeated line at their gaps (blank-line page blocks alone)."""
    if "\n\n\n\n" not in text and "\f" not in text:
        return text
    lines = text.split("\n")
    n = len(lines)
    blank = [not ln.strip() for ln in lines]

    def gap_next(i: int, step: int) -> bool:  # a page gap right above (step -1) or below (step 1) line i
        j, run = i + step, 0
        while 0 <= j < n and blank[j]:
            if "\f" in lines[j]:
                return True
            run, j = run + 1, j + step
        return run >= 3 or j < 0 or j >= n  # (the document's start and end are gaps)

    def key(ln: str) -> str:  # page numbers, arabic or roman ("ii"), as "#"
        return re.sub(r"\d+|^[ivxlc]{1,6}$", "#", " ".join(ln.split()))

    cands = [i for i in range(n) if not blank[i] and len(lines[i].strip()) <= 100
             and ("\f" in lines[i] or gap_next(i, -1) or gap_next(i, 1))]
    counts: dict[str, int] = {}
    for i in cands:
        counts[key(lines[i])] = counts.get(key(lines[i]), 0) + 1
    furniture = {i for i in cands if counts[key(lines[i])] >= 3}
    if not furniture:
        return text
    gaps, i = [], 0
    while i < n:
        if i in furniture or blank[i]:
            j = i
            while j < n and (j in furniture or blank[j]):
                j += 1
            if any(k in furniture for k in range(i, j)):
                gaps.append((i, j))
            i = j
        else:
            i += 1
    for g0, g1 in reversed(gaps):
        if g0 == 0 or g1 >= n:
            lines[g0:g1] = [""] if 0 < g0 and g1 < n else []
            continue
        body_end, notes = g0, []
        for r in range(g0 - 1, max(g0 - 30, -1), -1):
            if _NOTE_RULE.match(lines[r]):
                body_end, notes = r, lines[r + 1 : g0]
                break
            if blank[r]:  # the notes are the lines right above the gap
                break
        last, first = lines[body_end - 1], lines[g1]
        goes_on = (last.strip() and last.rstrip()[-1] not in ".!?:;" and first.strip()[:1].islower()
                   and not _ITEM_MARK.match(first))
        if goes_on:
            k = g1
            while k < n and lines[k].strip():
                k += 1
            lines[body_end:k] = lines[g1:k] + ([""] + notes if notes else [])
        else:
            lines[body_end:g1] = [""] + (notes + [""] if notes else [])
    return "\n".join(lines)


_HYPHENATED = re.compile(r"(?<![\w-])([\w-]*[a-z])-\n([ \t]*)([a-z][\w-]*)([^\s\w-]*)[ \t]*")


def dehyphenated(text: str, nroff: bool = False) -> str:
    """Plain text with a word hyphenated at a line end ("includ-" / "ing X, dvi") joined ("including" / "X, dvi": the
    rest of the word moves up, its line keeps its indent), as rag.pdf_layout does for a PDF. A hyphen is kept where the
    document spells the word with it and never without ("un-" / "comment"), and, unless the text is nroff output (which
    hyphenates as it justifies), where the joined word is not in the document either: hand-wrapped text breaks at real
    hyphens ("command-" / "line"); nor where both halves are words of the document ("cross-" / "compiling"). In a hyphenated chain ("--enable-auto-" / "matic-create") it joins only where the
    document has the joined chain and not the hyphenated one."""
    if "-\n" not in text:
        return text
    unbroken = re.sub(r"[\w-]*-\n[ \t]*[\w-]*", " ", text)  # the words the document spells whole
    vocab = {w.lower() for w in re.findall(r"\w+(?:-\w+)*", unbroken)}

    def join(m: re.Match) -> str:
        a, indent, b, tail = m.group(1), m.group(2), m.group(3), m.group(4)
        joined, hyphened = (a + b).lstrip("-").lower(), f"{a}-{b}".lstrip("-").lower()
        if joined not in vocab and (hyphened in vocab or not nroff or "-" in a + b or _words(a, b, vocab)):
            return m.group(0)
        rest = m.string[m.end() : m.end() + 1]
        return a + b + tail + ("" if rest in ("\n", "") else "\n" + indent)

    return _HYPHENATED.sub(join, text)


def _words(a: str, b: str, vocab: set[str]) -> bool:
    """Are both halves of a hyphenated line end words of the document ("cross-" / "compiling", "package-" / "specific"):
    a compound nroff broke at its own hyphen, not a word it hyphenated ("includ-" / "ing", "man-" / "ual")?"""
    return len(a) >= 3 and len(b) >= 3 and a.lower() in vocab and b.lower() in vocab


_TXT_LIST = re.compile(r"^(?:\s{0,8}(?:[-*+]|\d{1,3}[.)])|\s{0,16}[•◦▪‣])\s+\S")  # "- a", "1) a", "• a"
_TXT_O_ITEM = re.compile(r"^\s{0,8}o\s+\S")  # nroff's ASCII bullet, an item only where two lines open with it
_TXT_BORDER = re.compile(r"^\s*\+(?:[-=]+\+)+\s*$")  # an ASCII-art table's border: "+------+------+"
_TXT_ROW_GOES_ON = re.compile(r"^\s*\|\s+\|")  # a row whose first cell is empty: the row above wraps


def text_spans(text: str) -> tuple[Span, ...]:
    """Block spans over plain text: paragraphs (runs of lines between blank lines), list items, and headings.

    A heading is a paragraph of one short line that does not read as a sentence: at most 12 words and 100
    characters, opening with a capital letter or a section number, not ending in . ! ? , ; : or a quote, with no
    sentence ending inside it ("APT uses CMake. To start building, run"), and followed by more text ("No Return to 'Business as Usual' With Russia" above the paragraphs it heads), or a
    line underlined with === / --- (its text may follow on the next line). "2.1 Library notes" is a level-2 heading, "===" underlines level 1 and "---"
    level 2, any other heading level 1. A plain-text file gets section paths from them, and no heading is quoted
    as an answer. "- ", "* ", "1. ", "1) " and "•" lines are list items, and so are "o " lines where two in a paragraph open
    so (nroff's ASCII bullet). In a paragraph with two or more "|...|" lines of 2+ cells, each "|...|" line is a table row
    (a header over a "|---|" rule or a "+---+" border when it is the table's first row; a row whose first cell is empty
    goes on with the row above) and the borders are no block. The text comes cleaned (rag.loaders._text: untermed,
    unpaged, dehyphenated). A lead-in line is no heading (`_lead_in`), and a numbered heading ("3.6.") goes under its
    numbered parent ("3.") when an unnumbered heading came between them. Left out: indented headings, tables drawn without pipes (columns of spaces)."""
    lines, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n").rstrip()
        lines.append((pos, pos + len(body), body))
        pos += len(line)
    paras: list[list[tuple[int, int, str]]] = []
    cur_para: list[tuple[int, int, str]] = []
    for ln in lines + [(pos, pos, "")]:  # a blank line closes a paragraph, and so does the end
        if ln[2].strip():
            cur_para.append(ln)
        elif cur_para:
            paras.append(cur_para)
            cur_para = []
    split: list[list[tuple[int, int, str]]] = []
    for para in paras:  # "Contributing" / "------------" / "APT is maintained in git": the title, then its text
        if len(para) > 2 and _TXT_UNDERLINE.match(para[1][2]) and len(para[1][2].strip()) >= 3:
            split += [para[:2], para[2:]]
        else:
            split.append(para)
    paras = split
    sec = _Sections()
    numbered: list = []  # the sections as of the last numbered heading
    out: list[Span] = []
    for i, para in enumerate(paras):
        rule = len(para) == 2 and _TXT_UNDERLINE.match(para[1][2]) and len(para[1][2].strip()) >= 3
        level = _text_heading(para[0][2], has_next=i + 1 < len(paras)) if len(para) == 1 or rule else None
        if rule and level is not None:
            level = 1 if "=" in para[1][2] else 2
        elif level is not None and _lead_in(paras, i):
            level = None
        if level is not None:
            if (m := _TXT_NUMBERED.match(para[0][2].strip())) and "." in m.group(1).rstrip("."):
                parent = m.group(1).rstrip(".").rsplit(".", 1)[0]  # "3.6." goes under "3.", not under an unnumbered
                if sec.stack and not _TXT_NUMBERED.match(sec.stack[-1][1]) and any(  # heading between them
                    (n := _TXT_NUMBERED.match(h)) and n.group(1).rstrip(".") == parent for _, h in numbered
                ):
                    sec.stack = list(numbered)
            s, e = para[0][0] + len(para[0][2]) - len(para[0][2].lstrip()), para[0][1]
            sec.heading(level, para[0][2].strip())
            if _TXT_NUMBERED.match(para[0][2].strip()):
                numbered = list(sec.stack)
            out.append(Span(s, e, "heading", section_label(sec.path)))
            continue
        label = section_label(sec.path)
        cur: list | None = None
        o_items = sum(1 for _, _, body in para if _TXT_O_ITEM.match(body)) >= 2  # "o first" / "o second": nroff bullets
        table = sum(1 for _, _, body in para if _MD_TABLE.match(body) and body.count("|") >= 3) >= 2  # rows of 2+ cells
        rows = seen = 0  # rows since the table's last border or rule; rows in the paragraph
        for s, e, body in para:
            lead = len(body) - len(body.lstrip())
            if table and (_TXT_BORDER.match(body) or _MD_RULE.match(body) and "|" in body):
                if cur:
                    out.append(Span(cur[0], cur[1], cur[2], label))
                    cur = None
                if rows == seen == 1 and out and out[-1].kind == "table_row":  # the first row, over a border: the header
                    out[-1] = Span(out[-1].start, out[-1].end, "table_head", out[-1].section)
                rows = 0
                continue  # a border is no block
            if table and _MD_TABLE.match(body):
                if cur and cur[2] == "table_row" and _TXT_ROW_GOES_ON.match(body):  # "|   |   | ISO-8859-1 |": its cell wraps
                    cur[1] = e
                    continue
                if cur:
                    out.append(Span(cur[0], cur[1], cur[2], label))
                cur, rows, seen = [s + lead, e, "table_row"], rows + 1, seen + 1
                continue
            if _TXT_LIST.match(body) or o_items and _TXT_O_ITEM.match(body):
                if cur:
                    out.append(Span(cur[0], cur[1], cur[2], label))
                cur = [s + lead, e, "list_item"]
            elif cur and cur[2] != "table_row":
                cur[1] = e
            else:
                if cur:
                    out.append(Span(cur[0], cur[1], cur[2], label))
                cur = [s + lead, e, "paragraph"]
        if cur:
            out.append(Span(cur[0], cur[1], cur[2], label))
    return tuple(attach_heads(text, [sp for sp in out if sp.end > sp.start]))


_LEAD_END = frozenset(
    "a an the of for as to in on by with from and or that which whose include includes including following is are be "
    "was were than into via such if when where because but nor".split()
)


def _lead_in(paras: list, i: int) -> bool:
    """Is paragraph i, one line that could be a heading, a sentence's start that goes on below it: a line of 4+ words
    ending in a function word ("Manual pages may require pre-processing by any of the following", "If a user's
    $MANPATH consists of or is determined as"), or an unnumbered line of 2+ words over an indented line alone, with no
    sentence end, whose next paragraph opens in lower case ("If the file" / "    /etc/foo" / "exists it is read.")?"""
    line = paras[i][0][2]
    words = line.split()
    if _TXT_NUMBERED.match(line.strip()):
        return False
    if len(words) >= 4 and words[-1].lower() in _LEAD_END:
        return True
    if i + 2 >= len(paras):
        return False
    indent = len(line) - len(line.lstrip())
    block, after = paras[i + 1], paras[i + 2][0][2]
    return (len(words) >= 2 and len(block) == 1 and len(block[0][2]) - len(block[0][2].lstrip()) > indent + 2
            and block[0][2][-1] not in ".:!?" and after.strip()[:1].islower())


def _text_heading(line: str, has_next: bool) -> int | None:
    """The level of a heading line of plain text (see text_spans), or None for text."""
    t = line.strip()
    words = t.split()
    if not has_next or not words or len(words) > 12 or len(t) > 100 or len(line) - len(line.lstrip()) > 3:
        return None
    if t[-1] in ".!?,;:\"'”’" or t[0] in "\"'“‘(-*+•":
        return None
    if m := _TXT_NUMBERED.match(t):
        if "." not in t[: m.end(1) + 1] and words[1][:1].islower():
            return None  # "2 one line description of the manual page": an nroff footnote, not a section
        return m.group(1).count(".") + 1 if len(words) <= 8 else None  # "1. Install the package and the docs" is an item
    if _TXT_SENTENCE_END.search(t):  # "APT uses CMake. To start building, you need to run" (code follows): prose
        return None
    return 1 if t[0].isupper() or t[0].isdigit() else None
