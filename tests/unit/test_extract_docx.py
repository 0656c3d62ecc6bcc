"""DOCX as Word, LibreOffice and pandoc write it (rag/wordml.py): text in content controls, tracked
changes and fields; tables with merged, equal and nested cells; code, definition lists, footnotes,
custom heading styles, Word's table of contents. Each file is python-docx's template with a body
written as WordprocessingML, the way those editors write it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from rag.blocks import SEP, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import load_file

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def p(text: str = "", style: str | None = None, inner: str | None = None, ppr: str = "") -> str:
    st = f'<w:pStyle w:val="{style}"/>' if style else ""
    runs = inner if inner is not None else f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
    return f"<w:p><w:pPr>{st}{ppr}</w:pPr>{runs}</w:p>"


def r(text: str, rpr: str = "") -> str:
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'


def tc(content: str, tcpr: str = "") -> str:
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{content if content.startswith('<') else p(content)}</w:tc>"


def table(*rows: str) -> str:
    return "<w:tbl><w:tblPr/>" + "".join(f"<w:tr>{row}</w:tr>" for row in rows) + "</w:tbl>"


def word_file(path: Path, body: str, footnotes: dict[int, str] | None = None, endnotes: dict[int, str] | None = None,
              extra_rels: str = "", numbering: str | None = None, heading_numbers: str | None = None) -> Path:
    """python-docx's template, its styles extended, with `body` as the document body."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    d = docx.Document()
    code = d.styles.add_style("Source Code", WD_STYLE_TYPE.PARAGRAPH)  # pandoc's code style
    code.font.name = "Consolas"
    code.font.size = Pt(9)
    for name in ("Definition Term", "Definition", "List Heading", "List Contents"):
        d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    chapter = d.styles.add_style("Chapter Title", WD_STYLE_TYPE.PARAGRAPH)  # a house style based on Heading 1
    chapter.base_style = d.styles["Heading 1"]
    assert d.styles["TOC Heading"].base_style.name == "Heading 1"  # as in Word's own template
    if heading_numbers:  # Word's multilevel heading numbering: the Heading styles carry the list
        from docx.oxml import parse_xml

        for level in (1, 2):
            d.styles[f"Heading {level}"].element.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {NS}><w:ilvl w:val="{level - 1}"/><w:numId w:val="{heading_numbers}"/></w:numPr>'))
    tmp = path.with_suffix(".tmp.docx")
    d.save(str(tmp))
    zin = zipfile.ZipFile(tmp)
    parts = {n: zin.read(n) for n in zin.namelist()}
    xml = parts["word/document.xml"].decode()
    start = xml.index("<w:body>") + len("<w:body>")
    parts["word/document.xml"] = (xml[:start] + body + xml[xml.index("<w:sectPr", start):]).encode()
    rels = parts["word/_rels/document.xml.rels"].decode()
    types = parts["[Content_Types].xml"].decode()
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        if notes:
            items = "".join(f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r><w:r><w:t xml:space="preserve"> {t}</w:t></w:r></w:p></w:{kind}>'
                            for i, t in notes.items())
            sep = f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
            parts[f"word/{kind}s.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s {NS}>{sep}{items}</w:{kind}s>'.encode()
            rels = rels.replace("</Relationships>", f'<Relationship Id="rId{kind}" Type="{REL}/{kind}s" Target="{kind}s.xml"/></Relationships>')
            types = types.replace("</Types>", f'<Override PartName="/word/{kind}s.xml" ContentType="application/'
                                  f'vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"/></Types>')
    if numbering:
        parts["word/numbering.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {NS}>{numbering}</w:numbering>'.encode()
    parts["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", extra_rels + "</Relationships>").encode()
    parts["[Content_Types].xml"] = types.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    tmp.unlink()
    return path


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def blocks(doc) -> list[tuple[str, str]]:
    return [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks]


def quoted(doc) -> list[str]:
    out = []
    for c in chunk_document(doc, 512, 0):
        assert c.text == doc.text[c.start:c.end]
        out += [c.text[s:e] for s, e in quotable_spans(c)]
    return out


def test_text_in_content_controls_tracked_insertions_and_fields_is_read(tmp_path):
    body = (
        '<w:sdt><w:sdtPr><w:alias w:val="Summary"/></w:sdtPr><w:sdtContent>'
        + p("The cluster keeps three replicas of every shard.") + "</w:sdtContent></w:sdt>"
        + p(inner=r("Requests are served by ")
            + '<w:sdt><w:sdtPr/><w:sdtContent>' + r("the nearest region") + "</w:sdtContent></w:sdt>"
            + '<w:ins w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z">' + r(" unless it is draining") + "</w:ins>"
            + '<w:del w:id="2" w:author="A" w:date="2026-01-01T00:00:00Z"><w:r><w:delText> or overloaded</w:delText></w:r></w:del>'
            + r("."))
        + p(inner=r("Version ") + '<w:fldSimple w:instr=" DOCPROPERTY Version ">' + r("4.2") + "</w:fldSimple>"
            + r(" was released in ") + '<w:smartTag w:uri="urn:x" w:element="date">' + r("March") + "</w:smartTag>"
            + r(" with ") + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> REF budget \\h </w:instrText></w:r>'
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("the new budget") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + r("."))
    )
    doc = load(word_file(tmp_path / "a.docx", body))
    assert blocks(doc) == [
        ("paragraph", "The cluster keeps three replicas of every shard."),  # a block content control (python-docx skips it)
        ("paragraph", "Requests are served by the nearest region unless it is draining."),  # inline control, insertion; no deletion
        ("paragraph", "Version 4.2 was released in March with the new budget."),  # field result, smart tag; no field code
    ]


def test_tables_keep_equal_cells_merged_cells_and_nested_tables(tmp_path):
    body = table(
        tc("File") + tc("Owner") + tc("Group"),
        tc("/etc/passwd") + tc("root") + tc("root"),  # equal cells are two cells
        tc("Mirror", '<w:vMerge w:val="restart"/>') + tc("eu", '<w:gridSpan w:val="2"/>'),
        tc("", "<w:vMerge/>") + tc("us") + tc("nightly"),  # continues "Mirror"
        tc(p("Limits") + table(tc("cpu") + tc("2 cores"), tc("memory") + tc("4 GiB"))) + tc("per job") + tc("hard"),
    )
    doc = load(word_file(tmp_path / "t.docx", body))
    assert [t for k, t in blocks(doc) if k == "table_row"] == [
        "File | Owner | Group", "/etc/passwd | root | root", "Mirror | eu", "Mirror | us | nightly",
        "Limits | per job | hard", "cpu | 2 cores", "memory | 4 GiB"]


def test_code_and_definition_lists(tmp_path):
    mono = '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>'
    body = (
        p("Create the table first.")
        + p(inner=r("CREATE TABLE t (a int);") + "<w:r><w:br/></w:r>" + r("INSERT INTO t VALUES (1);"), style="SourceCode")
        + p(inner=r("$ make", mono)) + p(inner=r("$ make install", mono))  # LibreOffice: one paragraph per line, monospace font
        + p("Then run the tests.")
        + p("fsync", style="DefinitionTerm") + p("Forces each write to disk before it returns.", style="Definition")
        + p("wal_level", style="ListHeading") + p("Determines how much information is written to the WAL.", style="ListContents")
    )
    doc = load(word_file(tmp_path / "c.docx", body))
    assert blocks(doc) == [
        ("paragraph", "Create the table first."),
        ("code", "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);"),
        ("code", "$ make\n$ make install"),
        ("paragraph", "Then run the tests."),
        ("paragraph", "fsync: Forces each write to disk before it returns."),  # a term opens its description, as in HTML
        ("paragraph", "wal_level: Determines how much information is written to the WAL."),
    ]
    assert not any("CREATE TABLE" in s or "make install" in s for s in quoted(doc))


def test_footnotes_follow_their_paragraph_and_endnotes_close_the_document(tmp_path):
    body = (p(inner=r("The archive is signed daily.") + '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/></w:r>')
            + p(inner=r("Mirrors sync every six hours.") + '<w:r><w:endnoteReference w:id="1"/></w:r>')
            + p("Report broken mirrors to the team."))
    doc = load(word_file(tmp_path / "n.docx", body, footnotes={1: "Keys rotate every two years."},
                         endnotes={1: "Six hours is the default; busy mirrors sync more often."}))
    assert [t for _, t in blocks(doc)] == [
        "The archive is signed daily.", "Keys rotate every two years.", "Mirrors sync every six hours.",
        "Report broken mirrors to the team.", "Six hours is the default; busy mirrors sync more often."]


def test_headings_by_house_style_and_outline_level_and_word_toc_is_never_quoted(tmp_path):
    toc = ('<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/></w:docPartObj></w:sdtPr>'
           "<w:sdtContent>" + p("Contents", style="TOCHeading")
           + p(inner='<w:hyperlink w:anchor="_Toc1">' + r("Installing") + r("\t3") + "</w:hyperlink>")
           + "</w:sdtContent></w:sdt>")
    body = (toc + p("Installing", style="ChapterTitle")
            + p("Unpack the archive into the target directory.")
            + p("Prerequisites", ppr='<w:outlineLvl w:val="1"/>')
            + p("A C compiler and make are needed.")
            + p(inner='<w:hyperlink w:anchor="_sec1">' + r("Installing") + "</w:hyperlink>" + r(" ")
                + '<w:hyperlink w:anchor="_sec2">' + r("Prerequisites") + "</w:hyperlink>")  # a list of sections
            + p(inner=r("See ") + '<w:hyperlink w:anchor="_sec2">' + r("Prerequisites") + "</w:hyperlink>" + r(" before you start.")))
    doc = load(word_file(tmp_path / "h.docx", body))
    got = blocks(doc)
    assert got[:2] == [("toc", "Contents"), ("toc", "Installing 3")], "Word's TOC control, its title not a section"
    assert ("heading", "Installing") in got and ("heading", "Prerequisites") in got
    assert doc.section_at(doc.text.index("A C compiler")) == f"Installing{SEP}Prerequisites"
    assert ("toc", "Installing Prerequisites") in got
    assert ("paragraph", "See Prerequisites before you start.") in got, "a sentence with a link in it is prose"
    assert "Installing 3" not in " ".join(quoted(doc))


def test_soft_line_breaks_in_prose_are_spaces(tmp_path):
    body = p(inner=r("Backups run nightly") + "<w:r><w:br/></w:r>" + r("and are kept for a month."))
    doc = load(word_file(tmp_path / "b.docx", body))
    assert blocks(doc) == [("paragraph", "Backups run nightly and are kept for a month.")]


def test_a_link_to_an_anchor_libreoffice_writes_as_a_part_does_not_make_the_file_unreadable(tmp_path):
    rel = '<Relationship Id="rIdTop" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="#page-header"/>'
    body = p(inner='<w:hyperlink r:id="rIdTop">' + r("Top") + "</w:hyperlink>") + p("The service listens on port 8080.")
    path = word_file(tmp_path / "lo.docx", body, extra_rels=rel)
    assert re.search(r'Target="#page-header"/>', zipfile.ZipFile(path).read("word/_rels/document.xml.rels").decode())
    doc = load(path)
    assert ("paragraph", "The service listens on port 8080.") in blocks(doc)


def test_a_document_typed_in_a_monospaced_font_is_prose(tmp_path):
    mono = '<w:rFonts w:ascii="Courier New" w:hAnsi="Courier New"/>'
    body = "".join(p(inner=r(t, mono)) for t in ("INT. KITCHEN - NIGHT", "Anna opens the fridge and finds it empty.",
                                                  "She calls the landlord, who does not answer."))
    doc = load(word_file(tmp_path / "s.docx", body))
    assert [k for k, _ in blocks(doc)] == ["paragraph"] * 3
    assert "She calls the landlord, who does not answer." in quoted(doc)


def lvl(i: int, fmt: str, text: str, style: str = "", start: int = 1) -> str:
    st = f'<w:pStyle w:val="{style}"/>' if style else ""
    return f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>{st}<w:lvlText w:val="{text}"/></w:lvl>'


def test_automatic_heading_numbers_are_part_of_the_heading_and_the_section_path(tmp_path):
    numbering = (
        '<w:abstractNum w:abstractNumId="5">' + lvl(0, "decimal", "%1", "Heading1") + lvl(1, "decimal", "%1.%2", "Heading2") + "</w:abstractNum>"
        + '<w:abstractNum w:abstractNumId="6">' + lvl(0, "bullet", "\u2022") + "</w:abstractNum>"
        + '<w:abstractNum w:abstractNumId="7">' + lvl(0, "upperRoman", "%1.") + lvl(1, "lowerLetter", "%2)") + "</w:abstractNum>"
        + '<w:num w:numId="10"><w:abstractNumId w:val="5"/></w:num><w:num w:numId="11"><w:abstractNumId w:val="6"/></w:num>'
        + '<w:num w:numId="12"><w:abstractNumId w:val="7"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="3"/></w:lvlOverride></w:num>')
    num = '<w:numPr><w:ilvl w:val="{}"/><w:numId w:val="{}"/></w:numPr>'
    body = (p("Introduction", "Heading1") + p("Scope", "Heading2") + p("Terms", "Heading2")
            + p("Design", "Heading1") + p("Storage", "Heading2")
            + p("Data is kept in one file per tenant.")
            + p("Keep a backup of every file.", ppr=num.format(0, 11))
            + p("History", "Heading2", ppr=num.format(0, 0))  # numId 0: this heading is not numbered
            + p("Appendix", "Heading1", ppr=num.format(0, 12)) + p("Limits", "Heading2", ppr=num.format(1, 12)))
    doc = load(word_file(tmp_path / "num.docx", body, numbering=numbering, heading_numbers="10"))
    assert [t for k, t in blocks(doc) if k == "heading"] == [
        "1 Introduction", "1.1 Scope", "1.2 Terms", "2 Design", "2.1 Storage", "History", "III. Appendix", "a) Limits"]
    assert doc.section_at(doc.text.index("Data is kept")) == f"2 Design{SEP}2.1 Storage"
    assert ("list_item", "Keep a backup of every file.") in blocks(doc), "a bullet adds nothing to the text"


def test_pages_come_from_the_breaks_word_recorded_and_only_from_those(tmp_path):
    brk = "<w:r><w:lastRenderedPageBreak/></w:r>"
    body = (p("Overview", "Heading1") + p("The service stores invoices for seven years.")
            + p(inner=r("Old invoices move to cold storage after a year, ") + '<w:r><w:t xml:space="preserve">and </w:t>'
                "<w:lastRenderedPageBreak/><w:t>cost less there.</w:t></w:r>")  # a page break inside a paragraph
            + p(inner=brk + r("Restores from cold storage take a day."))  # Word's usual place: before the first letter
            + table(tc(p(inner=brk + r("Tier"))) + tc("Cost"), tc("cold") + tc("low")))
    doc = load(word_file(tmp_path / "pages.docx", body))
    t = doc.text
    assert doc.page_at(t.index("The service stores")) == 1
    assert doc.page_at(t.index("Old invoices")) == 1, "a paragraph is on the page it starts on"
    assert doc.page_at(t.index("Restores from")) == 3
    assert doc.page_at(t.index("Tier | Cost")) == 4 and doc.page_at(t.index("cold | low")) == 4
    plain = load(word_file(tmp_path / "plain.docx", p("Overview", "Heading1") + '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
                           + p("The service stores invoices for seven years.")))
    assert plain.page_starts == () and plain.page_at(0) is None, "no recorded layout: no page rather than a guessed one"


def test_styles_based_on_each_other_in_a_loop_still_load(tmp_path):
    """A damaged or hostile file whose styles are based on each other in a circle loads; it does not hang."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    d = docx.Document()
    pa, pb = d.styles.add_style("Loop A", WD_STYLE_TYPE.PARAGRAPH), d.styles.add_style("Loop B", WD_STYLE_TYPE.PARAGRAPH)
    ca, cb = d.styles.add_style("Loop C", WD_STYLE_TYPE.CHARACTER), d.styles.add_style("Loop D", WD_STYLE_TYPE.CHARACTER)
    pa.base_style, pb.base_style, ca.base_style, cb.base_style = pb, pa, cb, ca
    d.add_paragraph(style="Loop A").add_run("The quota is ten gigabytes per tenant.", style="Loop C")
    d.save(str(tmp_path / "loop.docx"))
    doc = load(tmp_path / "loop.docx")
    assert blocks(doc) == [("paragraph", "The quota is ten gigabytes per tenant.")]


def test_a_text_box_is_read_once_after_the_paragraph_it_is_anchored_in(tmp_path):
    """Word writes a text box twice: as DrawingML (mc:Choice) and as a VML copy (mc:Fallback)."""
    box = p("Callout: the archive volume is read-only on weekends.")
    drawing = ('<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
               '<mc:Choice Requires="wps"><w:drawing><wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
               '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData>'
               '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:txbx><w:txbxContent>'
               + box + "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
               '<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
               + box + "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")
    body = p(inner=r("Backups are written to the archive volume.") + drawing) + p("Restores read from the same volume.")
    doc = load(word_file(tmp_path / "box.docx", body))
    assert blocks(doc) == [("paragraph", "Backups are written to the archive volume."),
                           ("paragraph", "Callout: the archive volume is read-only on weekends."),
                           ("paragraph", "Restores read from the same volume.")]


def _sections(doc) -> dict[str, str]:
    """Each block's text -> its section path."""
    return {doc.text[b.start:b.end]: b.section for b in doc.blocks}


def test_headings_formatted_by_hand_give_the_section_path_and_bold_sentences_do_not(tmp_path):
    body = (p(inner=r("Travel Policy", '<w:b/><w:sz w:val="36"/>'))  # 18pt bold: level 1
            + p("This policy covers every trip an employee takes for work, near or far.")
            + p(inner=r("Booking", '<w:sz w:val="28"/>'))  # 14pt, not bold: level 2
            + p("Book flights through the travel desk at least two weeks ahead of the trip.")
            + p(inner=r("Note: receipts are needed for every claim.", "<w:b/>"))  # a bold lead-in sentence: no heading
            + p("Claims without receipts are returned to the employee unpaid.")
            + p(inner=r("Hotels", "<w:b/>"))  # bold at the body's size: level 3
            + p(inner=r("Stay in the hotels ") + r("the travel desk", "<w:b/>") + r(" lists for the city."))  # a bold phrase in a sentence
            + p(inner=r("Note:", "<w:b/>"))  # a bold label ending in a colon
            + p("Rooms above the limit need a manager's approval."))
    doc = load(word_file(tmp_path / "a.docx", body))
    heads = [t for k, t in blocks(doc) if k == "heading"]
    assert heads == ["Travel Policy", "Booking", "Hotels"]
    s = _sections(doc)
    assert s["Book flights through the travel desk at least two weeks ahead of the trip."] == f"Travel Policy{SEP}Booking"
    assert s["Stay in the hotels the travel desk lists for the city."] == f"Travel Policy{SEP}Booking{SEP}Hotels"
    assert "Note: receipts are needed for every claim." in quoted(doc)
    assert "Booking" not in quoted(doc)


def test_a_document_with_heading_styles_is_read_by_its_styles_only(tmp_path):
    body = (p("Travel Policy", "Heading1") + p("This policy covers every trip an employee takes for work, near or far.")
            + p(inner=r("Hotels", "<w:b/>")) + p("Rooms above the limit need a manager's approval."))
    doc = load(word_file(tmp_path / "a.docx", body))
    assert [t for k, t in blocks(doc) if k == "heading"] == ["Travel Policy"]
    assert _sections(doc)["Rooms above the limit need a manager's approval."] == "Travel Policy"


def test_bold_by_character_style_counts_and_a_block_of_bold_lines_is_no_heading(tmp_path):
    body = (p(inner=r("ACME Corporation", "<w:b/>")) + p(inner=r("12 Main Street", "<w:b/>"))  # an address block
            + p("Dear customer, your order has shipped and will arrive within three days.")
            + p(inner=r("Returns", '<w:rStyle w:val="Strong"/>'))  # bold by the Strong character style
            + p("Return any item within thirty days for a full refund of its price."))
    doc = load(word_file(tmp_path / "a.docx", body))
    assert [t for k, t in blocks(doc) if k == "heading"] == ["Returns"]


def test_a_first_row_of_column_names_under_words_header_row_option_is_the_tables_header(tmp_path):
    """QA stop 48: a python-docx table (w:tblLook firstRow, Word's default "Header Row") whose first row names the
    columns got no header, and the header row itself was quoted as an answer. A first row of data stays a row."""
    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_heading("Bookings", level=1)
    for rows in ([("Instrument", "Maximum slot", "Approver"), ("Flow cytometer", "3 hours", "Marek Oduya"), ("Confocal", "4 hours", "Ines Varga")],
                 [("Flow cytometer", "3 hours", "Marek Oduya"), ("Confocal", "4 hours", "Ines Varga")],  # no names: all data
                 [("Term", "Meaning"), ("Slot", "A booked block of time"), ("Approver", "The person who signs off")]):  # glossary
        t = d.add_table(rows=0, cols=len(rows[0]))
        assert t._tbl.tblPr.find(qn("w:tblLook")) is not None  # the template's default: the Header Row option is on
        for row in rows:
            for cell, text in zip(t.add_row().cells, row):
                cell.text = text
    path = tmp_path / "lab.docx"
    d.save(str(path))
    doc = load_file(path, tmp_path, 10**9)
    kinds = [(b.kind, doc.text[b.start : b.end]) for b in doc.blocks if b.kind.startswith("table")]
    assert kinds[0] == ("table_head", "Instrument | Maximum slot | Approver")
    assert [k for k, _ in kinds[1:]] == ["table_row"] * 7  # its rows, the data-only table, and the glossary (its rows read as names too)
    row = next(b for b in doc.blocks if doc.text[b.start : b.end].startswith("Flow cytometer"))
    assert row.head == "Instrument | Maximum slot | Approver"  # the row carries its column names
