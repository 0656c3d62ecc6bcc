"""ODT as LibreOffice writes it (rag/odf.py): headings and their numbers, tables with merged, repeated
and nested cells, code, footnotes, tracked changes, tables of contents, text boxes, hidden text, pages,
and files refused with the reason. Each file is written here as OpenDocument XML in a zip (no LibreOffice)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from rag.blocks import SEP
from rag.loaders import Unreadable
from tests.unit.test_extract_docx import blocks, load
from tests.unit.test_extract_docx import quoted as docx_quoted

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" office:version="1.3"')
FONTS = ('<office:font-face-decls><style:font-face style:name="Liberation Serif" svg:font-family="\'Liberation Serif\'" style:font-pitch="variable"/>'
         '<style:font-face style:name="Liberation Mono" svg:font-family="\'Liberation Mono\'" style:font-pitch="fixed"/>'
         '<style:font-face style:name="Typist" svg:font-family="Typist" style:font-pitch="fixed"/></office:font-face-decls>')
STYLES = (  # LibreOffice's own common styles, as in a new Writer document
    '<style:default-style style:family="paragraph"><style:text-properties style:font-name="Liberation Serif"/></style:default-style>'
    '<style:style style:name="Standard" style:family="paragraph"/>'
    '<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="1"/>'
    '<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:default-outline-level="2"/>'
    '<style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph" style:parent-style-name="Standard">'
    '<style:text-properties style:font-name="Liberation Mono"/></style:style>'
    '<style:style style:name="List_20_Heading" style:display-name="List Heading" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="List_20_Contents" style:display-name="List Contents" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Contents_20_1" style:display-name="Contents 1" style:family="paragraph" style:parent-style-name="Standard"/>'
    '<style:style style:name="Loop_20_A" style:display-name="Loop A" style:family="paragraph" style:parent-style-name="Loop_20_B"/>'
    '<style:style style:name="Loop_20_B" style:display-name="Loop B" style:family="paragraph" style:parent-style-name="Loop_20_A"/>'
    '<style:style style:name="Source_20_Text" style:display-name="Source Text" style:family="text"><style:text-properties style:font-name="Liberation Mono"/></style:style>'
)
AUTO = (  # automatic styles, as LibreOffice writes them into content.xml
    '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Preformatted_20_Text"/>'
    '<style:style style:name="P2" style:family="paragraph" style:parent-style-name="Standard"><style:text-properties style:font-name="Typist"/></style:style>'
    '<style:style style:name="T1" style:family="text"><style:text-properties text:display="none"/></style:style>'
)


PAGES = ' text:use-soft-page-breaks="true"'


def odt(path: Path, body: str, title: str | None = None, outline: str = "", manifest_extra: str = "", mimetype: str = "application/vnd.oasis.opendocument.text",
        use_pages: bool = False) -> Path:
    """An .odt: mimetype first and stored, the manifest, styles.xml, content.xml with `body` as office:text, meta.xml."""
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS}>{FONTS}<office:automatic-styles>{AUTO}</office:automatic-styles>'
               f'<office:body><office:text{PAGES if use_pages else ""}>'
               f'<text:sequence-decls><text:sequence-decl text:display-outline-level="0" text:name="Table"/></text:sequence-decls>{body}'
               '</office:text></office:body></office:document-content>')
    numbering = f'<text:outline-style style:name="Outline">{outline}</text:outline-style>' if outline else ""
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NS}>{FONTS}<office:styles>{STYLES}'
              f'{numbering}</office:styles></office:document-styles>')
    meta = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NS}><office:meta>'
            f'{f"<dc:title>{title}</dc:title>" if title else ""}</office:meta></office:document-meta>')
    manifest = (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {NS}>'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
        z.writestr("styles.xml", styles)
        z.writestr("meta.xml", meta)
    return path


def p(text: str, style: str = "Text_20_body") -> str:
    return f'<text:p text:style-name="{style}">{text}</text:p>'


def h(text: str, level: int = 1) -> str:
    return f'<text:h text:style-name="Heading_20_{min(level, 2)}" text:outline-level="{level}">{text}</text:h>'


def cell(text: str, attrs: str = "") -> str:
    return f'<table:table-cell office:value-type="string" {attrs}>{p(text) if not text.startswith("<") else text}</table:table-cell>'


def table(*rows: str, columns: int = 3) -> str:
    return (f'<table:table table:name="T"><table:table-column table:number-columns-repeated="{columns}"/>'
            + "".join(r if r.startswith("<table:table-row") else f"<table:table-row>{r}</table:table-row>" for r in rows) + "</table:table>")


def quoted(doc) -> list[str]:
    """The quotable sentences, checking that every chunk and block is exactly its span of the document text."""
    for b in doc.blocks:
        assert b.end > b.start and doc.text[b.start:b.end] == doc.text[b.start:b.end].strip()
    return docx_quoted(doc)


def test_headings_give_the_section_path_with_libreoffice_outline_numbers(tmp_path):
    outline = ('<text:outline-level-style text:level="1" style:num-format="1" style:num-suffix="."/>'
               '<text:outline-level-style text:level="2" style:num-format="1" text:display-levels="2"/>')
    body = (h("Design") + p("The design keeps every write in a journal first.") + h("Storage", 2)
            + p("Blocks are stored in <text:span text:style-name=\"Source_20_Text\">chunks</text:span> of four megabytes.")
            + h("Network", 2) + h("Operations") + h("Backups", 2) + p("Backups run nightly.")
            + p("Appendix title set as a paragraph in a heading style", "Heading_20_1"))
    doc = load(odt(tmp_path / "design.odt", body, title="Design notes", outline=outline))
    assert doc.title == "Design notes"
    heads = [t for k, t in blocks(doc) if k == "heading"]
    assert heads == ["1. Design", "1.1 Storage", "1.2 Network", "2. Operations", "2.1 Backups", "3. Appendix title set as a paragraph in a heading style"]
    sections = {doc.text[b.start:b.end]: b.section for b in doc.blocks}
    assert sections["Blocks are stored in chunks of four megabytes."] == f"1. Design{SEP}1.1 Storage"
    assert sections["Backups run nightly."] == f"2. Operations{SEP}2.1 Backups"


def test_a_number_libreoffice_wrote_into_the_heading_is_used_once(tmp_path):
    doc = load(odt(tmp_path / "n.odt", '<text:h text:outline-level="1"><text:number>7.</text:number>Limits</text:h>' + p("Nothing is unlimited here at all.")))
    assert blocks(doc)[0] == ("heading", "7. Limits")


def test_tables_keep_merged_repeated_and_nested_cells_without_blowing_up(tmp_path):
    body = table(
        cell("Volume") + cell("Retention") + cell("Owner"),
        cell("db", 'table:number-rows-spanned="2"') + cell("30 days") + cell("ops"),
        "<table:covered-table-cell/>" + cell("90 days (archive)", 'table:number-columns-spanned="2"') + "<table:covered-table-cell/>",
        cell("logs") + cell("7 days") + '<table:table-cell table:number-columns-repeated="16384"/>',
        '<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>',
        '<table:table-row table:number-rows-repeated="1000000">' + cell("same") + cell("row") + "</table:table-row>",
        cell("outer") + cell(p("holds a table:") + table(cell("inner a") + cell("inner b"), columns=2)),
    )
    doc = load(odt(tmp_path / "t.odt", p("Retention of each volume is listed below in a table.") + body))
    rows = [t for k, t in blocks(doc) if k == "table_row"]
    assert rows[:4] == ["Volume | Retention | Owner", "db | 30 days | ops", "db | 90 days (archive)", "logs | 7 days"]
    assert rows.count("same | row") == 100  # a repeated row shows at most MAX_REPEAT times
    assert rows[-2:] == ["outer | holds a table:", "inner a | inner b"]
    assert any("90 days (archive)" in s for s in quoted(doc))


def test_code_stays_code_one_block_per_listing_with_its_spaces_and_blank_lines(tmp_path):
    body = (p("Run the backup like this:")
            + p("$ backup --all", "Preformatted_20_Text") + p("", "Preformatted_20_Text")
            + p('if ok:<text:line-break/><text:s text:c="4"/>notify()', "P1")
            + p("The command exits with status zero when every volume is saved.")
            + p('<text:span text:style-name="Source_20_Text">make install</text:span>'))  # a paragraph set wholly in a monospaced font
    doc = load(odt(tmp_path / "c.odt", body))
    assert blocks(doc) == [("paragraph", "Run the backup like this:"), ("code", "$ backup --all\n\nif ok:\n    notify()"),
                           ("paragraph", "The command exits with status zero when every volume is saved."), ("code", "make install")]
    assert not any("backup --all" in s for s in quoted(doc))


def test_xml_white_space_is_one_space_and_text_s_keeps_its_count(tmp_path):
    body = (p("Pretty printed\n    prose   stays <text:span>  one line.</text:span>")
            + p('\n  x =<text:s text:c="3"/>1 <text:span text:style-name="Source_20_Text">  # aligned</text:span>\n', "Preformatted_20_Text")
            + p("y = 2", "Preformatted_20_Text"))
    doc = load(odt(tmp_path / "ws.odt", body))
    assert blocks(doc) == [("paragraph", "Pretty printed prose stays one line."), ("code", "x =   1 # aligned\ny = 2")]


def test_a_document_typed_in_a_monospaced_font_is_prose(tmp_path):
    body = "".join(p(f"Dear reader, this letter number {i} is typed on an old machine.", "P2") for i in range(5))
    doc = load(odt(tmp_path / "letter.odt", body + p("x = 1", "Preformatted_20_Text")))
    kinds = [k for k, _ in blocks(doc)]
    assert kinds == ["paragraph"] * 5 + ["code"]  # only the code style makes code there


def test_footnotes_follow_their_paragraph_and_endnotes_close_the_document(tmp_path):
    note = ('<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            '<text:note-body>{}</text:note-body></text:note>')
    body = (p("The quota is ten gigabytes per user." + note.format(p("Raised from five gigabytes in 2024.", "Footnote")))
            + p("Quotas are checked every hour." + note.replace("footnote", "endnote").format(p("See the quota daemon manual.")))
            + p("Users over quota cannot write new files."))
    doc = load(odt(tmp_path / "n.odt", body))
    assert [t for _, t in blocks(doc)] == ["The quota is ten gigabytes per user.", "Raised from five gigabytes in 2024.",
                                           "Quotas are checked every hour.", "Users over quota cannot write new files.", "See the quota daemon manual."]


def test_deleted_tracked_text_comments_and_hidden_text_never_appear(tmp_path):
    changes = ('<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info><dc:creator>A</dc:creator>'
               '</office:change-info><text:p>or when the disk is nearly full</text:p></text:deletion></text:changed-region>'
               '<text:changed-region text:id="ct2"><text:insertion><office:change-info><dc:creator>A</dc:creator></office:change-info>'
               '</text:insertion></text:changed-region></text:tracked-changes>')
    body = (changes + p('Alerts fire when a node is down<text:change text:change-id="ct1"/> '
                        '<text:change-start text:change-id="ct2"/>for five minutes<text:change-end text:change-id="ct2"/>.'
                        '<office:annotation><dc:creator>B</dc:creator><text:p>Check this with the on-call team</text:p></office:annotation>')
            + p('Visible prose<text:span text:style-name="T1"> secret hidden words</text:span> stays.')
            + p('Draft paragraph<text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/> only for reviewers.')
            + '<text:section text:name="Old" text:display="none">' + p("A retired procedure nobody should follow.") + "</text:section>"
            + '<text:section text:name="Current">' + p("The current procedure is in this section.") + "</text:section>")
    doc = load(odt(tmp_path / "tc.odt", body))
    assert [t for _, t in blocks(doc)] == ["Alerts fire when a node is down for five minutes.", "Visible prose stays.",
                                           "The current procedure is in this section."]


def test_table_of_contents_index_and_link_lists_are_never_quoted(tmp_path):
    toc = ('<text:table-of-content text:name="Contents"><text:table-of-content-source text:outline-level="2">'
           '<text:index-title-template>Contents</text:index-title-template></text:table-of-content-source><text:index-body>'
           '<text:index-title text:name="Contents_Head">' + p("Table of Contents") + "</text:index-title>"
           + p('<text:a xlink:type="simple" xlink:href="#__RefHeading___1">Installing the server and its clients\t3</text:a>', "Contents_20_1")
           + "</text:index-body></text:table-of-content>")
    index = ('<text:alphabetical-index text:name="Index"><text:alphabetical-index-source/><text:index-body>'
             + p("backup, 4, 9") + p("quota, 7") + "</text:index-body></text:alphabetical-index>")
    body = (toc + '<text:h text:outline-level="1"><text:bookmark text:name="__RefHeading___1"/>Installing</text:h>'
            + p('<text:a xlink:href="#__RefHeading___1">Installing</text:a> <text:a xlink:href="setup.html#__RefHeading___1">again</text:a>')
            + p("Install the server package before any of its clients.") + index)
    doc = load(odt(tmp_path / "toc.odt", body))
    kinds = blocks(doc)
    assert ("toc", "Installing the server and its clients 3") in kinds and ("toc", "Table of Contents") in kinds
    assert ("toc", "Installing again") in kinds  # links to places in this document only
    assert ("index", "backup, 4, 9") in kinds
    assert quoted(doc) == ["Install the server package before any of its clients."]


def test_a_text_box_is_read_once_after_its_paragraph_and_pages_come_from_soft_page_breaks(tmp_path):
    box = ('<draw:frame draw:name="Box" text:anchor-type="paragraph" svg:width="2in"><draw:text-box>'
           + p("Sidebar: keep two spare disks in every rack.") + "</draw:text-box></draw:frame>")
    body = (p("Racks hold twelve servers each." + box) + "<text:soft-page-break/>" + p("Power is fed from two circuits.")
            + p("Each circuit<text:soft-page-break/> carries at most sixteen amperes.") + p("Cooling runs at night."))
    doc = load(odt(tmp_path / "box.odt", body, use_pages=True))
    assert [t for _, t in blocks(doc)] == ["Racks hold twelve servers each.", "Sidebar: keep two spare disks in every rack.",
                                           "Power is fed from two circuits.", "Each circuit carries at most sixteen amperes.", "Cooling runs at night."]
    assert doc.text.count("spare disks") == 1
    assert doc.page_starts == (0, doc.text.index("Power"), doc.text.index("Cooling"))
    assert load(odt(tmp_path / "nopages.odt", p("One page only, never laid out."))).page_starts == ()


def test_lists_nested_lists_and_definition_lists(tmp_path):
    body = ('<text:list><text:list-item>' + p("Stop the service first.") + '<text:list><text:list-item>' + p("Wait for open connections to close.")
            + "</text:list-item></text:list></text:list-item><text:list-item>" + p("Then upgrade the package.") + "</text:list-item></text:list>"
            + p("--force", "List_20_Heading") + p("Skips every safety check.", "List_20_Contents"))
    doc = load(odt(tmp_path / "l.odt", body))
    assert blocks(doc) == [("list_item", "Stop the service first."), ("list_item", "Wait for open connections to close."),
                           ("list_item", "Then upgrade the package."), ("paragraph", "--force: Skips every safety check.")]
    assert doc.title == "l"  # no title in meta.xml: the file name


def test_styles_pandoc_names_without_defining_them_still_count(tmp_path):
    body = (p("Operations guide", "Title") + p("--dry-run", "Definition_20_Term_20_Tight")
            + p("Prints what would change and changes nothing.", "Definition_20_Definition_20_Tight"))
    doc = load(odt(tmp_path / "pandoc.odt", body))
    assert blocks(doc) == [("heading", "Operations guide"), ("paragraph", "--dry-run: Prints what would change and changes nothing.")]


def test_styles_whose_parents_loop_still_load(tmp_path):
    doc = load(odt(tmp_path / "loop.odt", p("A paragraph in a style whose parent is itself, in the end.", "Loop_20_A")))
    assert blocks(doc) == [("paragraph", "A paragraph in a style whose parent is itself, in the end.")]


def test_flat_fodt_is_read_like_odt(tmp_path):
    flat = (f'<?xml version="1.0" encoding="UTF-8"?><office:document {NS} office:mimetype="application/vnd.oasis.opendocument.text">'
            f'<office:meta><dc:title>Flat notes</dc:title></office:meta>{FONTS}<office:styles>{STYLES}</office:styles>'
            f'<office:automatic-styles>{AUTO}</office:automatic-styles><office:body><office:text>'
            + h("Flat") + p("A flat file holds the whole document in one XML file.") + p("x = 1", "P1")
            + "</office:text></office:body></office:document>")
    (tmp_path / "flat.fodt").write_text(flat)
    doc = load(tmp_path / "flat.fodt")
    assert doc.title == "Flat notes"
    assert blocks(doc) == [("heading", "Flat"), ("paragraph", "A flat file holds the whole document in one XML file."), ("code", "x = 1")]


def only_mimetype(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")


@pytest.mark.parametrize("name, make, reason", [
    ("broken.odt", lambda path: path.write_bytes(b"PK\x03\x04 truncated zip"), "unreadable ODT: not a zip archive"),
    ("secret.odt", lambda path: odt(path, p("hidden"), manifest_extra='<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
                                    '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="x"/></manifest:encryption-data>'),
     "unreadable ODT: it is password-protected (encrypted)"),
    ("sheet.odt", lambda path: odt(path, p("x"), mimetype="application/vnd.oasis.opendocument.spreadsheet"),
     "unreadable ODT: not a text document (application/vnd.oasis.opendocument.spreadsheet)"),
    ("empty.odt", lambda path: odt(path, ""), "no extractable text"),
    ("nocontent.odt", lambda path: only_mimetype(path),
     "unreadable ODT: content.xml is missing"),
    ("garbage.fodt", lambda path: path.write_bytes(b"<office:document>not closed"), "unreadable ODT"),
])
def test_broken_encrypted_and_wrong_files_are_refused_with_the_reason(tmp_path, name, make, reason):
    make(tmp_path / name)
    with pytest.raises(Unreadable, match=re.escape(reason)):
        load(tmp_path / name)


def test_a_zip_bomb_is_refused(tmp_path, monkeypatch):
    import rag.odf

    monkeypatch.setattr(rag.odf, "MAX_EXPANDED", 1000)
    with pytest.raises(Unreadable, match="expands to more than"):
        load(odt(tmp_path / "bomb.odt", p("word " * 500)))


def test_loader_lists_odt_as_supported(tmp_path):
    from rag.loaders import FORMATS, SUPPORTED

    assert {".odt", ".fodt"} <= SUPPORTED and ".odt" in FORMATS
    doc = load(odt(tmp_path / "memo.odt", p("The memo is read through the loader like any other file.")))
    assert doc.source == "memo.odt" and doc.sha256 and doc.text == "The memo is read through the loader like any other file."


BOLD_AUTO = ('<style:style style:name="PB" style:family="paragraph" style:parent-style-name="Standard">'
             '<style:text-properties fo:font-size="18pt" fo:font-weight="bold"/></style:style>'
             '<style:style style:name="PL" style:family="paragraph" style:parent-style-name="Text_20_body">'
             '<style:text-properties fo:font-size="130%"/></style:style>'
             '<style:style style:name="TB" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>')
AUTO += BOLD_AUTO  # (direct formatting as LibreOffice writes it: automatic paragraph and text styles)


def test_headings_formatted_by_hand_give_the_section_path_and_bold_sentences_do_not(tmp_path):
    body = (p("Travel Policy", "PB")  # 18pt bold: level 1
            + p("This policy covers every trip an employee takes for work, near or far.")
            + p("Booking", "PL")  # 130% of the body, not bold: level 2
            + p("Book flights through the travel desk at least two weeks ahead of the trip.")
            + p('<text:span text:style-name="TB">Note: receipts are needed for every claim.</text:span>')  # a bold lead-in sentence
            + p("Claims without receipts are returned to the employee unpaid.")
            + p('<text:span text:style-name="TB">Hotels</text:span>')  # bold at the body's size: level 3
            + p('Stay in the hotels <text:span text:style-name="TB">the travel desk</text:span> lists for the city.')
            + p('<text:span text:style-name="TB">Note:</text:span>')
            + p("Rooms above the limit need a manager's approval."))
    doc = load(odt(tmp_path / "a.odt", body))
    assert [t for k, t in blocks(doc) if k == "heading"] == ["Travel Policy", "Booking", "Hotels"]
    s = {doc.text[b.start:b.end]: b.section for b in doc.blocks}
    assert s["Book flights through the travel desk at least two weeks ahead of the trip."] == f"Travel Policy{SEP}Booking"
    assert s["Stay in the hotels the travel desk lists for the city."] == f"Travel Policy{SEP}Booking{SEP}Hotels"
    assert "Note: receipts are needed for every claim." in quoted(doc)


def test_a_document_with_heading_styles_is_read_by_its_styles_only(tmp_path):
    body = (h("Travel Policy") + p("This policy covers every trip an employee takes for work, near or far.")
            + p('<text:span text:style-name="TB">Hotels</text:span>') + p("Rooms above the limit need a manager's approval."))
    doc = load(odt(tmp_path / "a.odt", body))
    assert [t for k, t in blocks(doc) if k == "heading"] == ["Travel Policy"]
