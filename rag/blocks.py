"""Document structure as blocks: what each stretch of the cleaned text is, and where it sits.

A loader that understands a format (PDF layout, HTML, DOCX, Markdown) emits `Block`s:
kind (heading, paragraph, list_item, table_row, table_head, code, toc, index, boilerplate),
text, section path and page. `assemble` joins them into the document text, a blank line
between blocks, so no sentence can run from one block into the next (a heading is never
glued to the sentence after it), and returns each block's exact span in that text.

Only prose, list items and table rows are *quotable*: headings, code, table-of-contents,
index and boilerplate blocks are indexed (searchable) but never quoted as an answer
sentence. `quotable_spans(chunk)` gives the sentence spans of a chunk that may be quoted.
A table's header row (`table_head`: HTML <th>, a Markdown header, Word's repeated header row or
a bold/"Table Heading" first row, ODF header rows, PowerPoint's first-row flag, a PDF table's bold
first row, a spreadsheet's first row of text) is not quoted either; each row under it carries its
text (`with_heads`), so a quoted row is shown with its column names (`labelled_row`) and the
models read it that way (`reader_view`). A table's title line (`caption`: HTML's "WAL Header Format" above its table,
rag.markup._captions) is indexed but not quoted, and heads no section.
Left out: captions in DOCX and ODF, and in PDF but a numbered table title over its table (rag.pdf_layout._TABLE_TITLE); nesting (a list inside a table cell), reading order across multi-column pages.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

# Bump when extraction changes what text or metadata a document gets: `rag ingest`
# re-extracts every document that the index holds under an older version.
EXTRACTION_VERSION = 89  # 89: HTML: a site's tagline or slogan (id or class "tagline", "slogan") holding no heading is no text, like a banner (markup._tagline: SQLite's <div class="tagline">Small. Fast. Reliable.<br>Choose any three.</div> opened releaselog/3_16_0.html, session/*.html, c3ref/*.html as a quotable paragraph, so their first chunk had no section: 170 of sqlite3-doc's 766 pages held it as a block, 39 more inside one run of the whole page, none now); SQLite's page title set as <div class="fancy_title"> over its <h1>s is the page's top heading, above every section path (markup._page_title, markup._titled: "SQLite's Built-in printf() › 1. Overview", not "1. Overview"; only SQLite's class: other "title" classes in the Debian HTML here are box and figure titles, Python's 271 pages of "admonition-title", git's 33 <div class="title">Note</div>, DocBook's <p class="title">Figure 3.1 ...</p>): of its 134 pages, 82 had read it as a quotable paragraph (printf.html, dbstat.html), 52 had dropped it (fileformat2.html); a heading closed by another level's end tag ends there, as a browser ends it (markup._HEAD_MISCLOSED: docs.html's <h2 align="center">Documentation</h1> took the rest of the page, so every block's section was the page's whole menu, up to 14,510 characters; doclist.html, keyword_index.html likewise: 6 pages under /usr/share/doc hold one, 5 of SQLite's and nettle.html, unchanged); suite HTML pages: 8 of 33 changed, only SQLite's fancy-title pages, each now opening with its title as a heading atop every section path: printf 83, dbstat 43, lang_upsert 31, autoinc 21 blocks (the title paragraph now a heading), fileformat2 404 -> 405, walformat 183 -> 184, wal 90 -> 91, cves 70 -> 71 (the dropped title added); no other block's text or kind changed; live-manual.en.epub unchanged; sqlite3-doc: 347 of 766 pages changed: 168 only by the tagline block gone, 133 only by the title (and tagline), docs.html (106 -> 103 blocks), doclist.html, keyword_index.html and consortium_agreement-20071201.html by their sections, 39 one-block pages that trafilatura ran together (syntax/*.html, c3ref/objlist.html, chronology.html) by the tagline gone from the run, and 3 beyond these rules' own blocks, trafilatura choosing otherwise without the tagline or title element: lang_aggfunc.html 14 -> 58 blocks (its headings and syntax lines found), c3ref/reset_auto_extension.html gains and session/c_changesetapply_invert.html loses a "SQLite C Interface" / "Session Module C Interface" line; python3.11, apache2-doc, git-doc and the other *-doc HTML hold none of these elements (nettle.html's misclosed <h5> reads the same); 88: the merge of 86 and 87 (each written on its own branch from 85): every document is read anew; 87: PDF (DocBook through Apache FOP): a short chapter's running header, its title set small at the head of its later pages, too few times for `_running` (3+ pages), is dropped: a page's top line at the body's size, not bold, 2+ pitches above the text, whose words are those of the last "Chapter N." / "Appendix X." title before it less the label (pdf_layout._chapter_echoes: xlfd.pdf p. 7 split "... a few characters from each of" / "Requirements and Goals" / "many differently transformed fonts", likewise p. 33, 35, 37, 40; icccm.pdf p. 57, 74, 75); a word that FOP breaks inside one link of a hyphenated chain, or before a capital, joins when the document spells it whole elsewhere, and a chain's link also when it spells neither half as a word (pdf_layout._broken_link: xlfd "da-ta-processing", "implemen-tation-dependent", "device-depen-dent", "Font-Name"; icccm "tri-stimu-lus", "Addi-son-Wesley", "Selection-Notify"; pdfium marks every line-end hyphen so, the author's too: 148 of the 2,291 in these 18 PDFs are real, "top-level", "--with-lapack", so the mark alone does not decide); a table footnote's one-letter mark that pdfium reads as a line of its own, raised over its note's capital, is dropped (pdf_layout._letter_marks: icccm p. 21 "a", "b", "c", p. 27 and 55 "a" were paragraphs; not an exponent after text on its baseline, R-intro p. 69 "e" "z"); suite PDFs: only bash.pdf changed, 5 blocks, each one such word joined ("sin-gle-quoted", "case-insensi-tive", "non-print-ing", "mark-sym-linked", "re-exe-cute"); xlfd: 5 headers gone, 7 words joined; icccm: 3 headers gone, 11 words joined, 5 marks gone; doxygen_manual unchanged; 86: chunks: a lead-in (a paragraph whose last sentence ends in ":", or one of whose last two ends in "." and announces what follows, rag.chunking.ANNOUNCES, shared with rag.answer) and the list items right under it, as many as fit in the chunk size (192 tokens) counted from it, are in one chunk; its paragraph comes along when the sentences before the lead-in are short (32 tokens), and a heading right above (chunking._with_list: valgrind_manual.pdf p. 73 "Memcheck is a memory error detector. It can detect the following problems ..." ended a chunk with the first of its 6 bullets, the other 5 in the next, and "Which problems can Memcheck detect?" quoted the lead-in and one item; icccm.pdf p. 21 "Selection owners are required to support the following targets." had TARGETS, not MULTIPLE); the chunk holding the lead-in ends after the items if they fit, else starts at the lead-in if the chunk before covers what precedes it, else ends before the lead-in and the next chunk starts there, ending at a sentence end within 192 tokens that reaches the chunk after it (or that one starts right after it), or within 224 (size + overlap), else nothing moves; blocks unchanged (all 59 suite documents, valgrind, icccm: identical); chunk counts unchanged; lead-in/list pairs whose lead-in shares no chunk with its items (up to 6, 600 characters): suite 74 of 207 -> 20 (with no item: 18 -> 7), valgrind 42 of 133 -> 6, icccm 14 of 57 -> 3; chunks moved in 20 of 59 suite documents (developers-reference.pdf 29, bashref 16, lockingv3.html 10, R-exts 10, manual.pdf 8, fileformat2.html 7, live-manual.en.epub 7, bash 7, R-intro 6, datatype3.docx 6, pragma.html 5, gnuplot 3, R-FAQ, cves, R-lang, R-ints, caching, mod_dir, errors, foreignkeys.docx 2 each), chunks over 192 tokens 606 -> 630; 85: PDF: a table row whose last cell ends a sentence (".", "!", "?") is a row when it stands in a table: the line right above or below it (within 1.5 pitches) is a row in the same columns (within a quarter em), or 2+ such lines in the same columns stand under a row in them that opens bold (pdf_layout._sentence_rows: xlfd.pdf's RELATIVE_WEIGHT table read "40 SemiLight SemiLight, Book, ... 50 Medium Medium, Normal, Regular,... 60 SemiBold SemiBold, DemiBold, ..." as one paragraph while "70 | Bold" was a row; FONT_TYPE's '"Type 1" Any Type 1 font. "TrueType" Any TrueType font. ...', SPACING's "P" row, SLANT's last row likewise: 10 places, one a BNF rule now a row like the rules around it; before, only a line that ends no sentence got cells, so that a justified line's wide gap after a period makes none, and that stays for every other line); suite PDFs: 10 of 15 changed, each place a two-column entry whose description ends a sentence now a row like the entries around it, or split off the paragraph it was glued into (bash 21 places: "−i | If the −i option is present, the shell is interactive.", bashref 21: "blank | A space or tab character.", "-n | Copy at most count lines. ..." 5 rows out of one paragraph; R-ints 4, R-FAQ 3, R-data 2, R-intro 2, R-admin 1, R-exts 1, R-lang 1, refcard-a4 1); octave.pdf 72 places, refcard-letter 1, crc-doc.1.0 12: its C listings' numbered lines that end a sentence ("8 | // add ((b * x**k) mod P) to the result.") are rows like the listing's other lines, and no longer glued to the next line; 84: the merge of 80-83 (each written on its own branch from 79): every document is read anew; 83: PDF: titles at the page margin, left of an indented text column, set in two or more sizes a point or more above the body's are levelled by size, not as a man page's outdented titles (pdf_layout._ranked_by_size: the X.org ICCCM, DocBook through Apache FOP, titles at x 72 in 24.9/20.7/17.3/14.4 pt and the text at x 120, had every title at one level, below its 12 pt note titles: "Chapter 2. Peer-to-Peer Communication by Means of Selections" was under "... › What Are Atoms? › Rationale" and WM_NORMAL_HINTS under "... › Convention"; 1337 of its 1342 blocks changed section; its p. 9 name-space rows, read as prose, are no longer cut at a short line, the man-page paragraph rule: 2 paragraphs are 1); none of the 15 suite PDFs changed, nor octave, refcard-letter, crc-doc.1.0, copyright-release, nettle, reportlab-userguide, valgrind_manual, xlfd, doxygen_manual; a line that opens with a word set a point or more larger and goes on in the body's size (6+ words or a sentence end, not numbered) is no heading (pdf_layout._term_then_text: doxygen_manual.pdf's 9 pt configuration options open with their 10 pt term on the description's first line, "TAB_SIZE The TAB_SIZE tag can be used to set ... Doxygen uses this value to", which was a heading over the rest, as were 184 prose lines opening with a 10 pt word: 442 headings gone, 7089 -> 6826 blocks, mostly paragraphs whole again), nor is a larger line set 130 or more lighter than the body (doxygen's typewriter words, pdfium weight 205 against 425: 48 more fragments, "DoxyDocs.pm.", "#include <func.h>", "Slovak, Slovene, ..., Vietnamese.", which headed all of 23.2's later options; its p. 73 file names over their code run on in one code block): doxygen 1302 -> 820 headings, 7089 -> 6792 blocks; reportlab-userguide: its note box "NOTE Note: Two previous bookmark methods ..." is a paragraph; crc-doc.1.0 p. 29: a figure legend's last line, "... “Slicing” implements algorithm described in section 4.9.", leaves the legend's heading; none of the 15 suite PDFs changed; 82: PDF: a DocBook option entry as FOP sets it (a fixed-pitch term at the margin that opens with an option and carries its argument and default, "--num-callers=<number> [default: 12]", maybe wrapped onto a second line, then the description 1.2-3 ems in, a paragraph's space below) is one row, term | description (pdf_layout._fop_option: valgrind_manual.pdf read each term as a code block, never quoted, and its description as a paragraph that does not name the option, so "How many entries does Valgrind show in stack traces by default?" was answered from the release notes; 232 entries, 5 of them split off the end of a code example above them); a code example at the margin stays code (no option opens it, or a code line is right above it); none of the 15 suite PDFs changed, nor octave.pdf, refcard-letter, crc-doc.1.0, copyright-release; 81: PDF: a table whose header row is set in a proportional face and its rows in a fixed-pitch one, each row's wide gaps at the header's columns, is a table, not a one-row table over a code block (pdf_layout._fixed_tables: reportlab-userguide.pdf's Table 6-2 "Attribute | Synonyms" over "fontSize  fontSize, fontsize, size" in Courier, p. 78-79, and Table 6-3, p. 83, were code, never quoted); suite PDFs: 5 changed, each one code block of a texinfo table set in @code under its header now rows (R-exts p. 142 "logical | int * | INTEGER" 4 rows, R-intro p. 67 "binomial | logit, probit, log, cloglog" 4, R-lang p. 8 "logical | logical | logical" 5, R-ints p. 6 "0 | NILSXP | NULL" 1, bashref p. 32 "~/foo | $HOME/foo" 1); no other code block changed; a numbered figure caption that would be a heading by its size ("Figure 6-5: Definition Lists", centred at 12 pt over a 10-pt body) is a caption, and text drawn in the figure above it (on its page, back to the nearest line at the text's left edge) is no heading (pdf_layout._figure_labels: reportlab's 79 captions and labels such as "(0,0) the Origin", "SPUMONI" headed 364 blocks, Q09 cited "6.1 Using Paragraph Styles › Figure 6-5: Definition Lists"); a line that opens larger but is set mostly at the body's size and ends a sentence is no heading (reportlab's note box "NOTE Note: Two previous ..."); a numbered table title right under its table ("Table 6-2 - Synonyms for style attributes", 10 in reportlab) is a caption; no suite PDF changed; octave.pdf: 4 plot titles drawn in figures ("Simple 2-D Plot") are no headings, 2 "Table 15.1: ..." titles under their table are captions; crc-doc.1.0.pdf p. 29: a chart legend that pdfium ran into a sentence is a paragraph; 80: chunks: a chunk edge inside a line of a code block longer than 600 characters moves to that line's edge, at most 200 characters (chunking._whole_rows: argparse.html's 639-character >>> example was cut after "nargs='?", the splitter's sentence end, and quoted so); blocks unchanged (the 34 suite HTML/EPUB pages dumped block for block: identical); suite chunk counts unchanged, chunk edges moved only inside code blocks over 600 characters: 6 of 43 non-PDF documents (foreignkeys.docx 14 edges, errors.html 5, git-worktree.html 3, nulls.html 3, git-stash.html 2, dbstat.html 2) and 9 of 15 PDFs (R-exts 87, R-ints 17, gnuplot 16, bashref 15, R-data 6, R-intro 6, R-FAQ 2, R-lang 2, liboctave 1); 79: Markdown: a link in a heading reads as its text and an image as nothing ("README: [libcbor](https://github.com/PJK/libcbor) › Getting started" -> "libcbor › Getting started"; markup._md_title); no suite document is Markdown; 78: PDF: a code block's lines keep their indent: each fixed-pitch line opens with (its first glyph's origin - the least of its page's lines' in the block) / the line's character width, rounded, in spaces, in the document text (a first line's indent sits before the block's span: blocks.assemble(code_indent=True)), so shown_code dedents the block together (pdf_layout._code_text: reportlab-userguide.pdf's Python examples read "def hello(c):" over a flush-left body); a block that runs on over a page break is measured across its pages, each page's x from the text's left edge on that side's pages (reportlab's p. 12-13 example); of the 15 suite PDFs 11 changed, only by leading spaces in code blocks (gnuplot 177 blocks, R-exts 167, bashref 75, R-intro 44, R-FAQ 18, R-lang 17, R-data 14, R-admin 12, R-ints 11, faq 3, bash 1); an option broken after its "--" at a line end joins without a space when the document spells the joined "--name" elsewhere (valgrind_manual.pdf: 33 blocks read "option -- read-inline-info=yes", "-- xml=yes"; its " -- " dashes in prose stay; no suite PDF changed); a line that opens with a numbered mark ("(5)", "8.") under prose left open (no sentence end, no lead-in ":") goes on with its sentence when no sequence leads to it (not "(1)"/"a", no "(4)" before it: pdf_layout._mid_sequence; valgrind_manual.pdf's "... set to a low value" / "(5) by default." was a list item quoted as an answer; 3 such in valgrind); suite PDFs: bash 2 blocks ("a subscript of" / "0. Any reference"), gnuplot 2 ("with a superscript" / "2."), manual 1 ("are" / "8. Under LP64"), each a paragraph whole again; TeX's spacing accent (¨ ´ ` ˆ ˜ ˇ) set over the letter after it is composed with it, the accent's index `_GONE` (pdf_layout._tex_accents: nettle.pdf's "Niels M¨oller", "Micha¨el" read "Möller", "Michaël"); not one set beside a letter (groff's "ˆC", "˜/.bashrc"); suite PDFs: gnuplot 3 blocks (its authors' heading "Jérôme", "Mikulík"; "Moiré" twice), R-exts 2 ("José", "Jöreskog"), R-FAQ 1 ("Wirtschaftsuniversität"); 77: PDF: an underscore drawn as a rule is "_": texinfo and LaTeX (OT1) set "_" outside the typewriter font as a 0.3 em rule on the baseline, which pdfium read as a word space (pdf_layout._rule_underscores: nettle.pdf lost 1,881, its prototypes read "struct sha256 ctx *ctx, size t length, const uint8 t *data"); a space between two letters or digits whose gap holds such a rule (0.25-0.6 em long, at most 0.12 em high, on the baseline, no rule continuing it) becomes "_"; of the 15 suite PDFs 9 changed, only by such underscores (gnuplot 247 blocks: "GPVAL_X_MIN", "Using_examples"; R-exts 22: "size_t", "give_log"; liboctave 15; R-intro 10; bashref 7: "SIG_DFL"; refcard-a4 7: "unwind_protect"; R-ints 4: the heading "1.13.1 Internals of R_alloc"; R-FAQ 3; R-admin 1); a texinfo prototype wrapped onto an indented line that opens in the size of its argument names (10.9 pt under a 12 pt "void") stays in its row (nettle.pdf: "uint8 t *data)" had opened the description, "Hash some more data.", and a second wrapped line at 12 pt, "authlen, size t msglen, size t taglen)", had been a heading: 18 such headings over 124 blocks; no suite PDF changed); 76: Markdown: raw HTML is no text: a heading title loses its tags (Tcl/Tk's "## <a id=\"intro\">1.</a> Introduction" was cited as "README: Tk › <a id=\"intro\">1.</a> Introduction", now "README: Tk › 1. Introduction"), a line of tags only is boilerplate (zstd's "<p align=\"center\"><img ...></p>", "<details>", "<!-- comment -->"), and a paragraph starts and ends inside the block-level tags around its line (libcbor's "<summary>Packaged libcbor is ...</summary>" is the summary's text; markup._html_edges); a bare "<code>" is a tag only where the file closes that element ("to <country_code>-<code>" stays text; blocks.html_tags); a chunk keeps the labels of its shortcut links ("[lz4]") whose definition is elsewhere in the file (Chunk.links, blocks.links_defined_elsewhere), so they show as their text (zstd's benchmark row "[lz4] 1.9.3", its definitions in the next chunk); no suite document is Markdown; 75: Markdown: indented code (4+ columns past an open list item's content, not continuing a paragraph) is a code block, blank lines inside kept (markup.markdown_spans: PyYAML's README quoted "If you don't trust the input YAML stream, you should use:" without its "yaml.safe_load(stream)", and vcpkg's five commands ran together as one line); a paragraph of badge lines ("[![Build Status](...svg)](...)", markup._badges) is boilerplate, never quoted ("What is libxcrypt?" was answered with 700 characters of badge links); no suite document is Markdown; 74: PDF: a page's text keeps one character per pdfium index: pdfium's text leaves out a glyph whose Unicode value is 0 (TeX's math extension font without a ToUnicode map: a displayed formula's big parentheses), and every character after it took the box of one before it (pdf_layout._page_text; zlib's crc-doc.1.0.pdf read its page 3 as table rows of letters split off their words, "C yclic R edundancy | C hecks", and set every page's words apart by boxes that were not theirs: "Mapp ing bits treams"); a section number and its title a quad apart ("2   Related work", LaTeX's \\section) are a heading, not a two-cell row (pdf_layout._number_and_title: crc-doc's sections 1-3 went under "Contents", section 5 under "4.7 Rolling CRC"); a line-end hyphen before a capital stays ("February-" / "March 2007" read "FebruaryMarch"; pdf_layout._capital_after); none of 11 suite PDFs changed; a superscript footnote mark after a number that ends a table cell is no digit of it: 1-2 digits (or a list of them, or *, †, ‡) set at most 0.8 of the number's size and raised, before a column gap, are dropped as after a word (crc-doc's cells read "3.283", "1.293,7", "CRC-649" for 3.28³, 1.29³,⁷, CRC-64⁹; not in prose, where "2³¹" is an exponent; pdf_layout._drop_note_marks, _cell_ends; none of 15 suite PDFs changed); HTML: a table's spacer column (empty in every row, 3+ columns: SQLite's <td width="10"></td>) is no cell ("%w |  | day of week ..." read "%w | day of week ..."; markup._drop_spacer_columns; of 22 suite HTML pages only gnuplot's node520.html changed: its STATS_* rows lost their empty middle cell); a table without <th> whose first row alone is bold in every cell has it as its header row (markup._bold_head_rows: lang_datefunc.html's "Function | Equivalent (or nearly) strftime()" was quoted alone as an answer; no suite HTML page changed); 73: chunks: a chunk that ends inside a sentence of prose or a list item that no chunk holds whole ends at that sentence's end, at most 400 characters on (chunking._whole_sentences: llama-index's splitter ended git-stash.html's chunk at "... reflog syntax (e.g." and the answer quoted the sentence cut off); 72: PDF: a running header that names the page's chapter and section, so that its words change from page to page (dblatex: "CHAPTER 7. BASICS OF THE DEBIAN PACKAGE… 7.3. WHY ARE ...", page number in the footer), is dropped: a page's top line at the body's size, not bold, 2+ pitches above the text, whose first two words open the top line at the same height on 3+ pages (pdf_layout._section_heads; the Debian FAQ kept 38, debmake-doc 64, each splitting the sentence that ran on over the page break; no suite PDF changed); a hyphen after ">", "]" or ")" at a line end joins a "<name>" on the next line without a space ("<VersionNumber>-<DebianRevisionNumber>"); a numbered table title right above a table ("Table 5.1 The multiarch library path options") is its caption, and the table's first row, each cell a name, its header though set like the rows (pdf_layout._TABLE_TITLE; debmake-doc's header row "Classic path | i386 multiarch path | amd64 multiarch path" was quoted alone as an answer); LaTeX's opening quote that pdfium reads as a no-break space and a combining grave on no letter (the FAQ's "tagged \xa0stable’ ̀ it") reads "‘stable’" (pdf_layout._tex_quotes; 73 in the FAQ, none in the suite); 71: HTML/EPUB: an <li> set outside any list (SiSU's live-manual: each <li class="bullet"> alone in a <div class="substance">) is read in a <ul>, as a browser shows it: trafilatura dropped such items ("Install qemu, bridge-utils, sudo.", the style guide's rule titles: 39 of live-manual.en.epub's 182 items were missing, 20 more read as paragraphs; markup._list_orphan_items); on a page too short for trafilatura's main-content search, its one run of all the text no longer beats the walk's blocks by its spaces before punctuation (markup._ink); 70: plain text: terminal formatting is no text: ANSI escapes (ESC[1m ... ESC[22m) and nroff overstrikes ("X\bX", "_\bX"; "+\bo" is "•") go from the document text, so a short colored file is no longer "binary content" (markup.untermed: man-db-manual.txt kept them in 251 of 381 blocks); a word hyphenated at a line end joins ("includ-" / "ing"), a real hyphen stays (markup.dehyphenated); nroff page furniture goes: a running header or page number that repeats at 3+ page gaps is dropped, the paragraph it split reads on, and the page's footnotes follow it as a paragraph (markup.unpaged; "The table below shows the section ____ 2 one line description"); a bare number and a lower-case word ("2 one line description") is no heading; "•" lines, and "o" lines where two open so, are list items; in a paragraph with 2+ pipe lines of 2+ cells, each is a row (the first, over a "|---|" rule or a "+---+" border, the header; a row with an empty first cell goes on with the row above; borders are no block); a lead-in line is no heading: 4+ words ending in a function word ("... by any of the following"), or an unnumbered line over one indented line whose next paragraph opens in lower case ("If the file" / "/etc/foo" / "exists ..."), and a numbered heading ("3.6.") goes under its numbered parent ("3."), not under an unnumbered heading between them (markup._lead_in); 69: HTML: inline <code> in a list item or a table cell is the item's text (mod_expires' "<li><code>now</code> (equivalent to '<code>access</code>')</li>" was code "now", "(equivalent to '", code "access", "')", and its units one-word code blocks; markup._inline_code); 68: PDF (fontconfig-user.pdf): a bare number that counts the pages is a page number however close the text comes above it (pdf_layout._folios: "10" sat inside an XML example, "1" between table rows); in a dblatex document (tags' angle brackets in a TeX math font) URW's Courier is fixed-pitch, so its XML examples are code blocks line by line (pdf_layout._dblatex_code); a fixed-pitch header over a rule of dashes heads an ASCII table: the rule is no text, rows split at the header's columns ("ftface | FT_Face | Use ..."; pdf_layout._ascii_tables); a wrapped line set mostly a point smaller goes on with the sentence left open above it (pdf_layout._open_sentence_sizes); a line-end hyphen stays in a compound whose joined form the document never spells ("comma-separated", "machine-dependent"; pdf_layout._compound) and joins without a space before "<", a digit and the like ("cache-<version>", "ISBN 978-0521872652"); a code example split by a page break is one code block (pdf_layout._code_over_page); 67: CSV/TSV, XLSX, ODS: title lines above a table (rows of one cell before its first row of two or more: "Server inventory - exported 2026-11-30") are captions, so the header row under them is found (rag.sheets.titled); 66: HTML: a page's "Footnotes" rubric is a top-level section of the page (Sphinx sets it at the end of the last subsection: controlflow.html's notes were cited under "4.9. Intermezzo: Coding Style"), and mid-page, before a heading of level L, a section of level L+1 in the section it ends (ssl.html: under "SSL Contexts", not its last subsection; markup._notes_level); a rubric or bold title that shows nothing (empty, a zero-width space) is no heading; a heading trafilatura dropped goes back before an item it cut at inline code (Apache's netware.html: "<code>CGIMapExtension</code> - This directive ...", markup._opens_cut); 65: Markdown: fences follow CommonMark (one closes only at a run of its own character at least as long, so pip's ````{admonition} holding ``` code no longer swaps code and prose; ~~~ fences; indent up to 3 spaces); a MyST directive whose body is prose ({note}, {warning}, {admonition} Title, {versionadded}, ...) is read as Markdown, not code, its first paragraph shown led by its label ("Note: ..."); other directives stay code; link reference definitions ("[pip-tools]: https://...") and MyST target labels ("(repeatability)=") are boilerplate (never quoted); roles show as their text ("{ref}`pip freeze`" -> "pip freeze"); 64: PDF: a texinfo option entry (option names fixed-pitch at the margin, one a line, the description indented under its own column: octave.pdf's "--norc" over "-f  Don't read any ...", R-intro.pdf's "Invoking R", bashref.pdf) is one row, "--norc, -f | Don't read any ..." (the names had been a code block and the description a paragraph or a row of its own; pdf_layout._option_entries); a table row's last cell open at a page's foot goes on at the next page's head; a page's last line, hyphenated onto the next page, that pdfium joins to the footer under it is kept apart from the footer (bash.pdf page 71 lost it with the footer; pdf_layout._segments); a PDF without /Title metadata is titled by its title page's largest line, set 1.5 times the body's size or more ("GNU Octave", "An Introduction to R", not the file's stem; pdf_layout._title_page); 63: HTML: a heading the walk puts back goes before a block no other heading took, so two sections whose first blocks start alike keep a heading each (mod_alias's Alias and AliasMatch had both stacked over Alias's text); footnotes in an <aside> (docutils' HTML5, EPUB 3 epub:type="footnote") are text, each led by its label ("[1] Actually, ..."), and a docutils rubric (<p class="rubric">Footnotes</p>) is a heading; 62: PDF: a line that repeats at a page's head or foot is a running header/footer only when a margin sets it apart from the text: one within 1.5 line pitches of the text next to it (or a blank line below fixed-pitch code, inside the text block) goes on with it (octave.pdf lost 10 "endif", 5 "endfor" and 8 "endfunction" closing code examples, and repeated docstring sentences; pdf_layout._in_text_flow); 61: PDF: a glyph pdfium reads as a control code or private-use code point (TeX's math fonts without a ToUnicode map: R-exts.pdf's U+001C) is the character its name in the font's own encoding stands for ("lessmuch": "≪"), a Symbol bracket piece its Unicode one (U+F8F4: "⎪"), or dropped (pdf_layout._named_glyphs); an index page's numbered headings ("D.1 Index of ...") head its entries, an unnumbered index title is a chapter and its letters go under it (bashref.pdf's index sat under "Appendix C GNU Free Documentation License"); 60: PDF: a C1 control code opening a line (gnuplot.pdf's bullets, U+0088) is a bullet, so its list items are items, not one paragraph; 59: PDF: a line opening with a word set a point smaller (a man page's variable name) still continues its paragraph (pdf_layout._line_size); a short term at the margin under an indented definition without a sentence end starts a paragraph (pdf_layout._hanging_term); 58: HTML: a short title line right above a table, with no sentence end, is its caption (indexed, never quoted); 57: PDF: a table header set on two lines (words over a row of data) is one header row (pdf_layout._stacked_heads); 56: chunks: a chunk edge never cuts a code block of 600 characters or fewer (chunking._whole_rows); 55: PDF: neighbouring justified lines that each have one wide gap (after a sentence's period), at different places, are prose, not two-cell table rows; 54: PDF: a chapter's own contents list (DocBook/PassiveTeX) ends at its last entry: the text below it on the page is text, and the chapter title above it a heading; 53: PDF: an identifier broken after its underscore ("TOP_" / "SRCDIR") joins without a space; 52: HTML: a one-cell table holding a <pre> is a code block; an admonition table (icon | content) is its text led by its label ("Note: ..."); headings trafilatura stacked out of place go back above their text, and a heading right above another (e.g. "1. Searching" over "1.1") is kept with it; 51: PDF: a texinfo definition's prototype wrapped onto indented lines ("... | [Function]" / "int* ierr)") stays in its row and heads nothing; 50: HTML: a paragraph that is one <code> with line breaks, or in an example box (Apache), is a code block; 49: PDF: each chunk keeps the printed labels of its pages ("iv", "5") where they are not the page numbers; 48: PDF: a justified line whose every space is a wide, even gap and which has function words or commas is prose, not a row of one-word cells; 47: HTML: a line break (<br>) inside a paragraph or list item separates its words; 46: DOCX: under Word's "Header Row" table option, a first row of short names above a row of data is the header; 45: PDF: a line bold only at its start ("Note: There should be ...") is no heading; 44: 43's short-line paragraph end only in a man page (43 also split the texinfo manuals' paragraphs); 43: PDF: words pdfium runs together get their spaces back (groff's bash.pdf); a man page's outdented bold titles are its sections; in a man page, a paragraph ends at a sentence that ends well short of its justified column; 42: HTML: a site banner holding no heading (Apache's <div id="page-header">) and a language switch (class toplang) are no text; a heading whose next block trafilatura dropped goes before the one after; 41: HTML: a heading that titles a note box (<div class="note"><h3>Note</h3>) heads the box only; 40: Markdown: a paragraph underlined with === / --- is a heading, front matter and thematic breaks are no blocks; plain text: an underlined title right above its text, a line with a sentence end inside is no heading; UTF-16/32 text decoded; 39: plain text: headings (a short line that reads as no sentence) and list items; 38: PDF: a table cell's text wrapped under a hanging indent stays in its row; 37: HTML/EPUB: <p class="code"> (SiSU) is a code block; 36: PDF: a footnote's rest at the next page's foot joins its note; 35: PDF: a numbered item's bold title on a line of its own is a heading; 34: PDF: the line under an indented first line stays in its paragraph; a URL wrapped before its file extension; headings on contents and index pages; 33: a chunk never quotes the piece of a sentence that another chunk holds whole (chunk_layout); 32: a PDF footnote mark that pdfium reads as a line of its own is no page number; 31: at most 8 table rows per chunk (chunking._few_rows); 30: a chunk of table rows is indexed under its tables' column names; 28: chunks embedded and word-indexed under their title and section path (chunking.indexed_text); 29: not under a title of hex ids; 27: PDF "Appendix B" / "Chapter 3" headings are level 1; 22: CSV/TSV comment lines; 23: their header row found across blank lines; 24: HTML cells keep a <br> as a space; 25: tables trafilatura flattens keep their rows; 26: headers of several rows with spanned cells

KINDS = ("heading", "paragraph", "list_item", "table_row", "code", "toc", "index", "boilerplate", "table_head", "caption")  # append only: stored by index
QUOTABLE = frozenset({"paragraph", "list_item", "table_row"})
SEP = " › "  # between the headings of a section path
_WS = re.compile(r"\s+")
_BULLET = re.compile(r"[•◦▪▫‣⁃∙·●○■□–—*+-]\s+")


def page_label(source: str, page: int, printed: str = "") -> str:
    """How a citation names a block's page: "slide 3" in a deck (rag/slides.py), "p. 3" elsewhere; a PDF page whose
    printed label is not its number by that label and the number a viewer's page count gives ("p. 5 (pdf page 12)")."""
    if source.lower().endswith(".pptx"):
        return f"slide {page}"
    return f"p. {printed} (pdf page {page})" if printed and printed != str(page) else f"p. {page}"


@dataclass(frozen=True)
class Block:
    kind: str
    text: str
    section: tuple[str, ...] = ()  # headings above this block; a heading's path ends with itself
    page: int | None = None  # 1-based
    head: str = ""  # a table row: its table's header row (set by `with_heads`)


@dataclass(frozen=True)
class Span:
    """A block located in the document text (offsets are document-relative)."""

    start: int
    end: int
    kind: str
    section: str = ""
    head: str = ""  # a table row's header row (its column names), "" when the format names none


def section_label(path: Sequence[str]) -> str:
    return SEP.join(_WS.sub(" ", h).strip() for h in path if h.strip())


def assemble(blocks: Iterable[Block], n_pages: int = 0, code_indent: bool = False) -> tuple[str, tuple[int, ...], tuple[Span, ...]]:
    """(text, page_starts, spans). Page p starts where its first block starts; a page without
    blocks of its own starts where the next one does (so the starts never decrease). `code_indent` (PDF, whose code
    lines carry their indent: rag.pdf_layout._code_text): a code block's first line keeps its indent in the text, before
    the block's span, as a Markdown file's indented block does (shown_code dedents it with the lines below)."""
    parts: list[str] = []
    spans: list[Span] = []
    first_on_page: dict[int, int] = {}
    pos = 0
    for b in blocks:
        t = b.text.strip()
        if not t:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        if code_indent and b.kind == "code":
            first = b.text.rstrip().lstrip("\n").split("\n", 1)[0]
            indent = first[: len(first) - len(first.lstrip(" "))]
            parts.append(indent)
            pos += len(indent)
        parts.append(t)
        spans.append(Span(pos, pos + len(t), b.kind, section_label(b.section), b.head))
        if b.page is not None:
            first_on_page.setdefault(b.page, pos)
        pos += len(t)
    text = "".join(parts)
    starts: list[int] = []
    if n_pages:
        nxt = len(text)
        for p in range(n_pages, 0, -1):
            nxt = first_on_page.get(p, nxt)
            starts.append(nxt)
        starts.reverse()
        if starts:
            starts[0] = 0
    return text, tuple(starts), tuple(spans)


def with_heads(table: Sequence[Block]) -> list[Block]:
    """The blocks of ONE table (a reader knows where its tables end), each row given the header row above it."""
    out, head = [], ""
    for b in table:
        if b.kind == "table_head":
            head = b.text.strip()
        elif b.kind == "table_row" and head and not b.head:
            b = Block(b.kind, b.text, b.section, b.page, head)
        out.append(b)
    return out


def attach_heads(text: str, spans: Sequence[Span]) -> list[Span]:
    """`with_heads` for spans (Markdown), where any block other than a row ends the table."""
    out, head = [], ""
    for sp in spans:
        if sp.kind == "table_head":
            head = text[sp.start : sp.end]
        elif sp.kind == "table_row":
            sp = Span(sp.start, sp.end, sp.kind, sp.section, head) if head and not sp.head else sp
        else:
            head = ""
        out.append(sp)
    return out


_CELL_SPLIT = re.compile(r"\s*(?<!\\)\|\s*")


def cells_of(row: str) -> list[str]:
    """A row's cells: " | "-joined (the readers) or a Markdown row ("| a | b |")."""
    row = _WS.sub(" ", row).strip()
    if row.startswith("|") and row.endswith("|") and len(row) > 1:
        row = row[1:-1]
    return [c.strip() for c in _CELL_SPLIT.split(row)]


def column_names(head: str) -> list[str]:
    """A header row's column names; a leading '#' is a comment mark, not part of the name ("#codes": a CSV comment line)."""
    return [n[1:].strip() if n.startswith("#") and len(n) > 1 else n for n in cells_of(head)]


def labelled_row(row: str, head: str) -> str | None:
    """A table row shown with its column names ("Type: DATETIME; Affinity: NUMERIC"), or None when
    the header row does not name its cells one to one."""
    cells, names = cells_of(row), column_names(head)
    if len(cells) < 2 or len(cells) != len(names) or not any(names):
        return None

    def named(n: str, c: str) -> str:
        c = c or "–"  # an empty cell says so
        return f"{n}: {c}" if n and n != c else c  # (an unnamed column, or a cell that repeats its name, shows the cell)

    return "; ".join(named(n, c) for n, c in zip(names, cells))


def section_at(spans: Sequence[Span], offset: int) -> str:
    """Section path of the block holding `offset` (or the last block before it)."""
    lo, hi = 0, len(spans)
    while lo < hi:
        mid = (lo + hi) // 2
        if spans[mid].start <= offset:
            lo = mid + 1
        else:
            hi = mid
    return spans[lo - 1].section if lo else ""


def chunk_layout(spans: Sequence[Span], start: int, end: int, page_at=None, units=None, text: str = "") -> tuple[str, tuple[tuple, ...]]:
    """(section, blocks) of the chunk text[start:end]: blocks clipped to it, chunk-relative,
    each as (start, end, kind, section, page) with page 0 when the document has none, and a
    table row under a header row as (start, end, kind, section, page, header row text).
    With `units` (a Span -> its quotable units as (start, end, whether some chunk holds it whole), in
    document offsets) and the document's `text`, a paragraph or list item that the chunk's edge cuts is
    clipped further: the piece of a sentence cut by the edge is in no block, so it is never quoted
    ("tion (VECSXPs), and for ...", "a “cases by variables” matrix of data."), and the chunk that holds
    the sentence whole quotes it. The piece of a sentence that no chunk holds whole (one longer than a
    chunk) stays quotable, unless it is a stub of fewer than FRAGMENT_WORDS words.

    The chunk's section is that of its first quotable block (what an answer would be quoted
    from), else of its first block."""
    from bisect import bisect_right

    out = []
    i = max(bisect_right(spans, start, key=lambda sp: sp.start) - 1, 0)
    for sp in spans[i:]:
        if sp.end <= start:
            continue
        if sp.start >= end:
            break
        s, e = max(sp.start, start), min(sp.end, end)
        if units is not None and (sp.start < start or sp.end > end) and sp.kind in ("paragraph", "list_item"):
            us = units(sp)
            cut = next((u for u in us if u[0] < s < u[1]), None) if sp.start < start else None
            if cut and (cut[2] or len(text[s : cut[1]].split()) < FRAGMENT_WORDS):
                s = next((a for a, _, _ in us if a >= cut[1]), e)
            cut = next((u for u in us if u[0] < e < u[1]), None) if sp.end > end else None
            if cut and (cut[2] or len(text[cut[0] : e].split()) < FRAGMENT_WORDS):
                e = max((b for _, b, _ in us if b <= cut[0]), default=s)
            if e <= s:
                continue
        b = (s - start, e - start, sp.kind, sp.section, (page_at(s) or 0) if page_at else 0)
        out.append(b + (sp.head,) if sp.head else b)
    section = next((b[3] for b in out if b[2] in QUOTABLE), out[0][3] if out else "")
    return section, tuple(out)


def block_units(text: str, sp: Span) -> list[tuple[int, int]]:
    """The quotable units (`quotable_units`) of the block `sp` of the document text, in document offsets."""
    from rag.text import sentence_spans

    t = text[sp.start : sp.end]
    return [(sp.start + a, sp.start + b) for a, b in quotable_units(t, sentence_spans(t))]


def encode_layout(blocks: Sequence[tuple]) -> str:
    """Compact JSON for Chroma metadata (scalars only): sections listed once, blocks refer to them."""
    sections = list(dict.fromkeys(b[3] for b in blocks))
    idx = {s: i for i, s in enumerate(sections)}
    heads = list(dict.fromkeys(b[5] for b in blocks if len(b) > 5))  # a table's header row, once
    hidx = {h: i for i, h in enumerate(heads)}
    d = {"s": sections, "b": [[b[0], b[1], KINDS.index(b[2]), idx[b[3]], b[4]] + ([hidx[b[5]]] if len(b) > 5 else []) for b in blocks]}
    if heads:
        d["h"] = heads
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def decode_layout(raw: str | None) -> tuple[tuple, ...]:
    if not raw:
        return ()
    try:
        d = json.loads(raw)
        return tuple((int(b[0]), int(b[1]), KINDS[b[2]], d["s"][b[3]], int(b[4]) if len(b) > 4 else 0) + ((d["h"][b[5]],) if len(b) > 5 else ())
                     for b in d["b"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ()  # an unreadable layout only costs the quotable filter, never the chunk


FRAGMENT_WORDS = 4  # a "sentence" shorter than this ("Defaults to true.") does not stand alone
# A sentence that opens by pointing back ("Its default value is ...", "This takes ...") names its
# subject only in the sentence before it.
_BACK_REF = re.compile(r"(?:It|Its|This|These|They|Their|Them|Such|Otherwise)\b")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def quotable_units(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence spans of one block (or paragraph) merged into units a reader can quote alone:
    a fragment of fewer than FRAGMENT_WORDS words joins the sentence before it (or, first in its
    block, the one after it), and a sentence that opens by pointing back ("Its default value is
    X.") joins a single sentence before it. Never across a paragraph break, nor after a source's
    own reference marker ("France.[12] It ..."), which a quote would show as a citation; spans stay exact."""
    from rag.text import strip_trailing_refs

    out: list[list[int]] = []  # [start, end, sentences]
    lead: tuple[int, int] | None = None  # a fragment that opens the block, waiting for a sentence
    for s, e in spans:
        frag = len(text[s:e].split()) < FRAGMENT_WORDS
        joinable = (bool(out) and not _PARAGRAPH_BREAK.search(text, out[-1][1], s)
                    and strip_trailing_refs(text, out[-1][0], out[-1][1]) == out[-1][1])
        if joinable and (frag or (_BACK_REF.match(text, s) and out[-1][2] == 1)):
            out[-1][1] = e
            out[-1][2] += 0 if frag else 1
        elif frag and not out:
            lead = (lead[0], e) if lead else (s, e)
        else:
            if lead and not _PARAGRAPH_BREAK.search(text, lead[1], s):
                s, lead = lead[0], None
            out.append([s, e, 1])
    if lead:
        out.append([lead[0], lead[1], 1])
    return [(s, e) for s, e, _ in out]


def quotable_spans(chunk) -> list[tuple[int, int]]:
    """Spans of `chunk.text` that may be quoted: the sentences of its prose, list-item and
    table-row blocks, as units that stand alone (`quotable_units`). A chunk without layout
    (plain text, older index) is all prose."""
    from rag.text import sentence_spans

    blocks = getattr(chunk, "blocks", ())
    if not blocks:
        return quotable_units(chunk.text, sentence_spans(chunk.text))
    out = []
    for s, e, kind, *_ in blocks:
        if kind in QUOTABLE:
            if kind == "list_item":  # quote "Install it first.", not "- Install it first."
                m = _BULLET.match(chunk.text, s, e)
                s = m.end() if m else s
            block = chunk.text[s:e]
            out.extend((s + a, s + b) for a, b in quotable_units(block, sentence_spans(block)))
    return out


def kind_at(chunk, offset: int) -> str:
    """Block kind at a chunk-relative offset ("paragraph" without layout)."""
    for s, e, kind, *_ in getattr(chunk, "blocks", ()):
        if s <= offset < e:
            return kind
    return "paragraph"


def chunk_section_at(chunk, offset: int) -> str:
    """Section of the block holding a chunk-relative offset, else the chunk's own section."""
    for s, e, _, section, *_ in getattr(chunk, "blocks", ()):
        if s <= offset < e:
            return section
    return getattr(chunk, "section", "")


def chunk_page_at(chunk, offset: int) -> int | None:
    """Page of the block holding a chunk-relative offset, else the chunk's own page."""
    for s, e, _, _, page, *_ in getattr(chunk, "blocks", ()):
        if s <= offset < e and page:
            return page
    return getattr(chunk, "page", None)


def shown_row(quote: str, chunk) -> str | None:
    """How a quoted sentence is shown when it is a whole table row of `chunk` under a header row:
    labelled with the column names; a row of two cells whose first is a label ending in ":" (Apache's directive
    boxes, "Syntax: | ExpiresByType MIME-type <code>seconds") as the label and its value. None for anything else
    (prose, part of a row, a row with no header)."""
    key = _WS.sub(" ", quote).strip()
    for s, e, kind, *rest in getattr(chunk, "blocks", ()):
        if kind == "table_row" and _WS.sub(" ", chunk.text[s:e]).strip() == key:
            if len(rest) > 2 and rest[2]:
                row = labelled_row(key, rest[2])
            else:
                cells = cells_of(key)
                row = f"{cells[0]} {cells[1]}" if len(cells) == 2 and cells[0].endswith(":") and cells[1] else None
            # a Markdown table's cells read as a browser shows them too ("kernel >= 4.18[^1]" -> "kernel >= 4.18")
            return shown_markdown(row or key, chunk) or row
    return None


_FENCE_LINE = re.compile(r"^\s{0,3}(?:```|~~~)")


def shown_code(quote: str, chunk) -> str | None:
    """How a code block quoted after the sentence that introduces it ("roll back with:") is shown: as a Markdown fenced
    block with its own lines and indentation (common indent removed), blank and fence lines left out, and a last line
    "…" when only its head up to a blank line is quoted. None for anything else. rag.cite.render puts it on lines of its
    own; the UI shows it preformatted."""
    key = _WS.sub(" ", quote).strip()
    for s, e, kind, *_ in getattr(chunk, "blocks", ()):
        block = _WS.sub(" ", chunk.text[s:e]).strip()
        if kind == "code" and key and block.startswith(key):  # the whole block, or its head up to a blank line
            lines, seen = [], ""
            head = chunk.text.rfind("\n", 0, s) + 1  # an indented block starts after its first line's indent: keep it, so dedent sees it
            for ln in chunk.text[head if not chunk.text[head:s].strip() else s : e].splitlines():
                if len(seen) >= len(key):
                    break
                seen = f"{seen} {' '.join(ln.split())}".strip() if ln.strip() else seen
                if ln.strip() and not _FENCE_LINE.match(ln):
                    lines.append(ln.rstrip().expandtabs(8))
            if not lines:
                return None
            code = textwrap.dedent("\n".join(lines)) + ("" if block == key else "\n…")
            fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", code)), default=0))
            return f"{fence}\n{code}\n{fence}"
    return None


def is_code_display(text: str) -> bool:
    """Is a displayed sentence a fenced code block (shown_code)?"""
    return text.startswith("```") and text.endswith("```") and "\n" in text


_MD_LINK = re.compile(r"!?\[([^\]\n]+)\]\(\s*<?([^()\s>]+(?:\([^()\s]*\))?)>?(?:\s+\"[^\"]*\")?\s*\)")  # [text](url "title")
_MD_REF = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")  # [text][ref], [text][]
_MD_SHORTCUT = re.compile(r"(?<![\]\\!])\[([^\]\n]+)\](?![(\[:])")  # [text], a link when a definition "[text]: url" names it
_MD_DEFINED = re.compile(r"^ {0,3}\[([^\]\n]+)\]:", re.M)
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|[^<>\s@]+@[^<>\s@]+\.\w+)>")  # <https://...>
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")  # *word*, never snake_case
_MD_NOTE_REF = re.compile(r"\[\^[^\]\s]+\](?!:)")  # a footnote reference, "4.18[^1]": a superscript link in a browser, dropped as PDFs' note marks are
_MD_ROLE = re.compile(r"\{([A-Za-z][\w:.-]*)\}`([^`\n]+)`")  # a MyST role: {ref}`pip freeze`, {file}`setup.py`
# Raw HTML in Markdown: tags of HTML's own elements ("<a id=\"intro\">", "</p>", "<img ... />", "<br>") and one-line comments.
_HTML_BLOCK = ("address|article|aside|blockquote|center|details|div|dl|dt|dd|figcaption|figure|footer|header|h[1-6]|hr|li|nav|ol|p"
               "|picture|section|source|summary|table|tbody|td|th|thead|tr|ul")
_HTML_TAG = re.compile(rf"<!--[^\n]*?-->|<(/?)({_HTML_BLOCK}|a|abbr|b|big|br|code|em|font|i|img|kbd|s|small|span|strong|sub|sup|tt|u|wbr)"
                       r"(\s[^<>]*|\s*/)?>", re.I)  # groups: the closing slash, the name, the attributes
_HTML_BLOCK_NAME = re.compile(_HTML_BLOCK, re.I)
_HTML_VOID = frozenset({"br", "img", "hr", "wbr"})
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")


def html_closed(text: str) -> set[str]:
    """The element names that `text` closes somewhere ("</code>"): a bare opening tag of one of them is HTML (html_tags)."""
    return {n.lower() for n in re.findall(r"</([A-Za-z][\w-]*)\s*>", text)}


def html_tags(text: str, closed: set[str] | None = None) -> list[tuple[int, int, bool]]:
    """(start, end, block-level?) of each raw HTML tag of `text` outside code spans ("`<br>`" is code). A bare opening tag
    ("<code>", "<source>") counts only when the element is closed somewhere in `closed` (the document's names,
    `html_closed`): a placeholder reads so ("subdivision codes to <country_code>-<code>"); a tag with attributes, a
    closing tag, a void element ("<br>", "<img ...>") and a comment always count. An autolink "<https://...>" or
    "<cbor.h>" is no tag."""
    closed = html_closed(text) if closed is None else closed
    code = [m.span() for m in _CODE_SPAN.finditer(text)] if "`" in text else []
    out = []
    for m in _HTML_TAG.finditer(text):
        name = (m.group(2) or "").lower()
        if any(a <= m.start() < b for a, b in code):
            continue
        if m.group(0).startswith("<!--") or m.group(1) or m.group(3) or name in _HTML_VOID or name in closed:
            out.append((m.start(), m.end(), bool(name) and _HTML_BLOCK_NAME.fullmatch(name) is not None))
    return out


def without_html(text: str, closed: set[str] | None = None) -> str:
    """`text` with its raw HTML tags (html_tags) as spaces: "<a id=\"intro\">1.</a> Introduction" -> " 1.  Introduction"."""
    for s, e, _ in reversed(html_tags(text, closed)):
        text = f"{text[:s]} {text[e:]}"
    return text


# MyST/Sphinx directives whose body is prose (Sphinx's admonitions and version notes), read as Markdown by
# rag.markup.markdown_spans. Any other directive ({code-block}, {literalinclude}, {toctree}, {eval-rst}, {pip-cli}, an
# extension's own) stays a code block, as before: its body may be code, options or reStructuredText, which must not be
# quoted as an answer sentence, and a code block is still indexed and searchable.
MD_PROSE_DIRECTIVES = frozenset({"note", "warning", "tip", "important", "caution", "attention", "danger", "error", "hint",
                                 "seealso", "admonition", "versionadded", "versionchanged", "deprecated"})
_TEXT_ROLES = frozenset({"ref", "doc", "term", "numref", "any", "abbr", "eq", "download", "pep", "rfc", "issue", "pull", "user"})
# "```{note}" over a note's text, and the directive's options (":class: tip"), which are shown as its label
_MD_OPENER = re.compile(r"^[ ]{0,3}(?:`{3,}|~{3,})[ \t]*\{([A-Za-z][\w:.-]*)\}[ \t]*([^\n]*)\n(?:[ \t]*:[\w-]+:[^\n]*\n)*", re.M)
_VERSION_LABELS = {"versionadded": "New in version", "versionchanged": "Changed in version", "deprecated": "Deprecated since version"}


def _directive_label(name: str, arg: str) -> str:
    """How a MyST/Sphinx prose directive is labelled where a browser shows it: "Note", "See also", an admonition's own
    title ("Example"), "New in version 22.2"."""
    name, arg = name.lower(), " ".join(arg.split())
    if name in _VERSION_LABELS:
        return f"{_VERSION_LABELS[name]} {arg}".strip()
    if name == "admonition":
        return arg or "Note"
    return "See also" if name == "seealso" else name.capitalize()


def _labelled(shown: str, quote: str, text: str) -> tuple[str, str]:
    """(label, the rest) of a quote (`shown`: whitespace folded) that opens with a prose directive's fence line, found
    in the quote itself or in the chunk's `text` (a quote may come folded onto one line, and only the raw lines tell an
    admonition's title from its text); ("", shown) for any other quote."""
    found = _MD_OPENER.match(quote.lstrip(" \t"))
    for m in ([found] if found else []) + list(_MD_OPENER.finditer(text)):
        head = _WS.sub(" ", m.group(0)).strip()
        if m.group(1).lower() in MD_PROSE_DIRECTIVES and shown.startswith(head + " "):
            return _directive_label(m.group(1), m.group(2)), shown[len(head) + 1 :]
    return "", shown


def _role(m: re.Match) -> str:
    """A MyST role as it reads: its title ("{ref}`--no-deps <install_--no-deps>`" -> "--no-deps"), in backticks
    when it names code ({file}, {command}, {option}, {py:func}, ...)."""
    content = m.group(2)
    titled = re.fullmatch(r"(.*?\S)\s*<[^<>]+>", content)
    content = titled.group(1) if titled else content.lstrip("~!")
    return content if m.group(1).split(":")[-1].lower() in _TEXT_ROLES else f"`{content}`"


def is_markdown(source: str) -> bool:
    return str(source).lower().endswith((".md", ".markdown"))


def link_definitions(text: str) -> tuple[str, ...]:
    """The labels a Markdown document defines ("[lz4]: https://..."), in document order: read once per document."""
    return tuple(_MD_DEFINED.findall(text))


def links_defined_elsewhere(chunk: str, defined: tuple[str, ...]) -> tuple[str, ...]:
    """The labels of the shortcut reference links ("[lz4]") in a chunk of a Markdown document whose definition is
    among the document's `defined` labels (`link_definitions`) but not in the chunk: zstd's benchmark table is one
    chunk, its definitions the next, and shown_markdown, which reads a chunk alone, showed "[lz4] 1.9.3" (trial D7)."""
    here = {d.casefold() for d in _MD_DEFINED.findall(chunk)}
    used = {m.group(1).casefold(): m.group(1) for m in _MD_SHORTCUT.finditer(chunk)}
    wanted = used.keys() - here
    if not wanted:
        return ()
    return tuple(dict.fromkeys(used[d.casefold()] for d in defined if d.casefold() in wanted))


def shown_markdown(quote: str, chunk) -> str | None:
    """How a sentence quoted from a Markdown file is shown: its link, autolink and emphasis syntax read as a browser
    shows them ("[salsa](https://salsa.debian.org/apt)" -> "salsa (https://salsa.debian.org/apt)", a link whose text
    is its address once), MyST roles as their text ("{ref}`pip freeze`" -> "pip freeze"), and the fence line of a
    MyST note that opens it as the note's label ("```{note}" -> "Note: ...", rag.markup.markdown_spans); footnote
    references ("[^1]") and raw HTML tags (`html_tags`: "<br>", "<a id=...>") are dropped. None for
    other files, or when nothing changes. Backticks stay: they mark code."""
    if not is_markdown(getattr(chunk, "source", "")):
        return None

    def link(m: re.Match) -> str:
        text, url = m.group(1).strip(), m.group(2)
        return text if text == url or url.startswith("#") else f"{text} ({url})"

    text = getattr(chunk, "text", "") or ""
    defined = {d.casefold() for d in (*_MD_DEFINED.findall(text), *getattr(chunk, "links", ()))}
    shown = _WS.sub(" ", quote).strip()
    label, out = _labelled(shown, quote, text)
    out = _MD_LINK.sub(link, _MD_ROLE.sub(_role, _MD_NOTE_REF.sub("", out)))
    out = _MD_SHORTCUT.sub(lambda m: m.group(1) if m.group(1).casefold() in defined else m.group(0), _MD_REF.sub(r"\1", out))
    out = _MD_EM.sub(r"\1", _MD_STRONG.sub(r"\2", _MD_AUTOLINK.sub(r"\1", out)))
    out = _WS.sub(" ", without_html(out, html_closed(text))).strip()  # "**TurboJPEG API**<br>"
    if label:
        out = f"{label}{'' if label[-1] in ':.!?' else ':'} {out}"
    return out if out != shown or label else None


def reader_view(chunk) -> tuple[str, Callable[[int], int]]:
    """`chunk.text` as the models and the word statistics read it: each whole table row under a header row
    written with its column names, since a reader trained on prose reads "release: 2019-07-06" and not
    "10 | Buster | ... | 2019-07-06 | ...". Returns that text and a map from chunk offsets to offsets in it
    (a row's start and end map to its labelled form's). What is quoted and cited stays `chunk.text`."""
    table = []  # (start, end, start in the view, end in the view) of each relabelled row
    parts, pos, shift = [], 0, 0
    for s, e, kind, *rest in getattr(chunk, "blocks", ()):
        if kind == "table_row" and len(rest) > 2 and s >= pos and (lab := labelled_row(chunk.text[s:e], rest[2])):
            parts += [chunk.text[pos:s], lab]
            table.append((s, e, s + shift, s + shift + len(lab)))
            shift += len(lab) - (e - s)
            pos = e
    if not table:
        return chunk.text, lambda x: x
    parts.append(chunk.text[pos:])
    starts = [t[0] for t in table]

    def to_view(x: int) -> int:
        from bisect import bisect_right

        i = bisect_right(starts, x) - 1
        if i < 0:
            return x
        s, e, vs, ve = table[i]
        return x - e + ve if x >= e else min(vs + (x - s), ve)

    return "".join(parts), to_view


def normalize_ws(text: str) -> str:
    """Whitespace folded to single spaces: how a quoted sentence is displayed."""
    return _WS.sub(" ", text).strip()
