"""PowerPoint decks (rag/slides.py): slides in the deck's order, titles as headings and section paths,
bullets as list items, tables as rows, speaker notes after their slide, running boilerplate left out,
page = slide number; an encrypted, legacy or broken file refused with the reason. Decks are made here
with python-pptx (a test-only dependency: the reader itself reads the XML)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pptx
import pytest
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.util import Inches

from rag.blocks import SEP, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import Unreadable, load_file
from rag.slides import pptx_blocks

TITLE_ONLY, TITLE_AND_CONTENT, BLANK = 5, 1, 6  # python-pptx's default template's layouts
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
PML = "http://schemas.openxmlformats.org/presentationml/2006/main"
DML = "http://schemas.openxmlformats.org/drawingml/2006/main"


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def blocks(path: Path):
    return pptx_blocks(path.read_bytes())[0]


def footer_placeholders(slide, text: str) -> None:
    """The layout's slide-number, date and footer placeholders copied onto the slide, with text, as
    PowerPoint does when "Slide number" and "Footer" are ticked."""
    for ph in slide.slide_layout.placeholders:
        if ph.placeholder_format.type in (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE):
            slide.shapes.clone_placeholder(ph)
    for shape in slide.placeholders:
        if shape.placeholder_format.type in (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE):
            shape.text_frame.text = {PP_PLACEHOLDER.SLIDE_NUMBER: "7", PP_PLACEHOLDER.DATE: "1 March 2024"}.get(
                shape.placeholder_format.type, text)


def make_deck(path: Path) -> Path:
    """Five slides written in this order, shown in another: the deck's slide list moves the last
    written slide ("Budget") to second place and hides the fourth."""
    prs = pptx.Presentation()
    prs.core_properties.title = "Harbour Project Review"

    s = prs.slides.add_slide(prs.slide_layouts[0])  # 1: title slide
    s.shapes.title.text = "Harbour Project"
    s.placeholders[1].text = "Review for the steering board"

    s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])  # 2: bullets, notes, footer
    s.shapes.title.text = "Progress"
    tf = s.placeholders[1].text_frame
    tf.text = "The quay wall was finished in March."
    for text, level in (("Two cranes were moved to the north pier.", 1), ("Both passed their load tests.", 2),
                        ("Dredging starts after the summer.", 0)):
        p = tf.add_paragraph()
        p.text, p.level = text, level
    box = s.shapes.add_textbox(Inches(1), Inches(1.2), Inches(8), Inches(0.4))  # between title and body
    box.text_frame.text = "Status as reported by the site office."
    footer_placeholders(s, "Harbour Authority")
    p = tf.add_paragraph()
    p.text = "Figures are provisional."
    etree.SubElement(p._p.get_or_add_pPr(), f"{{{DML}}}buNone")  # its bullet switched off
    s.notes_slide.notes_text_frame.text = "Remind the board that the crane tests were delayed by wind."

    s = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])  # 3: a table with a merged cell, a group
    s.shapes.title.text = "Costs"
    t = s.shapes.add_table(3, 3, Inches(0.5), Inches(1.5), Inches(9), Inches(1.5)).table
    for r, row in enumerate((("Item", "Budget", "Spent"), ("Quay wall", "4.0 million", "3.8 million"), ("", "", "0.4 million"))):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    t.cell(1, 0).merge(t.cell(2, 0))  # "Quay wall" spans two rows
    t.cell(1, 1).merge(t.cell(2, 1))
    t.cell(2, 0).text = "Quay wall"  # text left in a covered cell (PowerPoint does not show it)
    grp = s.shapes.add_group_shape()
    grp.shapes.add_textbox(Inches(0.5), Inches(4), Inches(4), Inches(0.5)).text_frame.text = "Contingency is kept at ten percent."
    grp.shapes.add_textbox(Inches(5), Inches(4), Inches(4), Inches(0.5)).text_frame.text = "Overruns go to the board."
    box = s.shapes.add_textbox(Inches(0.5), Inches(5), Inches(8), Inches(1)).text_frame
    box.text = "Approved by the finance office."
    p = box.add_paragraph()
    p.text = "Spending is reviewed monthly."
    etree.SubElement(p._p.get_or_add_pPr(), f"{{{DML}}}buChar", char="•")  # a bulleted text box paragraph
    number = s.shapes.add_textbox(Inches(9), Inches(7), Inches(1), Inches(0.4)).text_frame.paragraphs[0]._p
    etree.SubElement(number, f"{{{DML}}}fld", id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}", type="slidenum").append(
        etree.fromstring(f'<a:t xmlns:a="{DML}">31</a:t>'))  # a slide-number field typed into a text box
    footer_placeholders(s, "Harbour Authority")

    s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])  # 4: hidden
    s.shapes.title.text = "Backup figures"
    s.placeholders[1].text = "The hidden slide mentions a secret tender price."
    s._element.set("show", "0")

    s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])  # 5: shown second
    s.shapes.title.text = "Budget"
    s.placeholders[1].text = "The budget was approved in January."

    ids = prs.slides._sldIdLst
    last = list(ids)[-1]
    ids.remove(last)
    ids.insert(1, last)
    prs.save(str(path))
    return path


@pytest.fixture
def deck(tmp_path):
    return make_deck(tmp_path / "harbour.pptx")


def test_slides_follow_the_decks_order_not_the_part_names(deck):
    with zipfile.ZipFile(deck) as z:
        assert "ppt/slides/slide5.xml" in z.namelist() and b"Budget" in z.read("ppt/slides/slide5.xml")
    doc = load(deck)
    t = doc.text
    assert t.index("Review for the steering board") < t.index("The budget was approved") < t.index("The quay wall was finished")
    assert doc.page_at(t.index("The budget was approved")) == 2, "page = the slide's number in the deck"
    assert doc.page_at(t.index("The quay wall was finished")) == 3
    assert doc.page_at(t.index("Contingency")) == 4


def test_titles_are_headings_and_the_section_path(deck):
    doc = load(deck)
    t = doc.text
    kinds = {t[b.start:b.end]: b.kind for b in doc.blocks}
    assert kinds["Progress"] == kinds["Costs"] == kinds["Harbour Project"] == "heading"
    assert doc.section_at(t.index("Dredging starts")) == "Progress"
    assert doc.section_at(t.index("Contingency")) == "Costs"
    assert doc.title == "Harbour Project Review", "docProps/core.xml's title"


def test_bullets_at_every_level_are_list_items_and_a_text_box_is_prose(deck):
    doc = load(deck)
    t = doc.text
    kinds = {t[b.start:b.end]: b.kind for b in doc.blocks}
    for item in ("The quay wall was finished in March.", "Two cranes were moved to the north pier.",
                 "Both passed their load tests.", "Dredging starts after the summer."):
        assert kinds[item] == "list_item", item
    assert kinds["Status as reported by the site office."] == "paragraph"
    assert kinds["Figures are provisional."] == "paragraph", "a body paragraph whose bullet is switched off"
    assert kinds["Approved by the finance office."] == "paragraph" and kinds["Spending is reviewed monthly."] == "list_item"
    assert kinds["Review for the steering board"] == "paragraph", "a subtitle has no bullets"
    order = [t.index(x) for x in ("Progress", "Status as reported", "The quay wall", "Two cranes", "Both passed", "Dredging")]
    assert order == sorted(order), "reading order: the text box sits above the body, whose position comes from the layout"


def test_a_table_row_per_row_and_a_merged_cell_not_repeated(deck):
    rows = [(b.kind, b.text) for b in blocks(deck) if b.kind in ("table_row", "table_head")]
    # python-pptx's tables have PowerPoint's "Header Row" flag set (a:tblPr firstRow="1"): the first row names the columns.
    assert rows == [("table_head", "Item | Budget | Spent"), ("table_row", "Quay wall | 4.0 million | 3.8 million"), ("table_row", "0.4 million")]
    doc = load(deck)
    heads = {doc.text[b.start:b.end]: b.head for b in doc.blocks if b.kind == "table_row"}
    assert heads["Quay wall | 4.0 million | 3.8 million"] == "Item | Budget | Spent"


def test_notes_follow_their_slides_content_under_a_notes_heading(deck):
    doc = load(deck)
    t = doc.text
    note = t.index("Remind the board")
    assert t.index("Dredging starts") < note < t.index("Costs")
    assert doc.section_at(note) == f"Progress{SEP}Notes"
    assert doc.page_at(note) == 3
    assert any(b.kind == "heading" and t[b.start:b.end] == "Notes" for b in doc.blocks)


def test_slide_number_date_and_footer_placeholders_are_left_out(deck):
    with zipfile.ZipFile(deck) as z:
        assert b"Harbour Authority" in z.read("ppt/slides/slide2.xml"), "the footer is on the slide"
    t = load(deck).text
    assert "Harbour Authority" not in t and "1 March 2024" not in t and "7" not in t.split()
    assert "31" not in t, "a slide-number field in a text box"


def test_a_hidden_slide_is_left_out(deck):
    t = load(deck).text
    assert "Backup figures" not in t and "secret tender" not in t


def test_group_shape_text_is_read_left_to_right(deck):
    t = load(deck).text
    assert t.index("Contingency is kept at ten percent.") < t.index("Overruns go to the board.")


def test_columns_side_by_side_are_read_one_after_the_other(tmp_path):
    prs = pptx.Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    s.shapes.title.text = "Two columns"
    s.shapes.add_textbox(Inches(5), Inches(3), Inches(4), Inches(1)).text_frame.text = "The right column ends here."
    s.shapes.add_textbox(Inches(0.5), Inches(1.6), Inches(4), Inches(4)).text_frame.text = "The left column is read first."
    s.shapes.add_textbox(Inches(5), Inches(1.5), Inches(4), Inches(1)).text_frame.text = "The right column starts a little higher."
    s.shapes.add_textbox(Inches(0.5), Inches(6), Inches(8), Inches(0.5)).text_frame.text = "A closing line below both."
    prs.save(str(tmp_path / "deck.pptx"))
    got = [b.text for b in blocks(tmp_path / "deck.pptx") if b.kind == "paragraph"]
    assert got == ["The left column is read first.", "The right column starts a little higher.", "The right column ends here.",
                   "A closing line below both."]


def test_a_caption_beside_a_table_that_ends_just_above_it_is_read_first(tmp_path):
    """As pandoc and LibreOffice lay out "Content with Caption": the table at the top right ends a
    hair above where the caption under the title starts; they are side by side, not one row above
    the other."""
    prs = pptx.Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[BLANK])
    s.shapes.add_table(2, 2, Inches(3.9), Inches(0.2), Inches(5.5), Inches(1.0)).table.cell(0, 0).text = "Setting"
    s.shapes.add_textbox(Inches(0.5), Inches(1.25), Inches(3.3), Inches(4)).text_frame.text = "The caption explains the table."
    prs.save(str(tmp_path / "deck.pptx"))
    assert [b.kind for b in blocks(tmp_path / "deck.pptx")] == ["paragraph", "table_head"]  # the table's only text is in its header row


def test_spans_are_exact_and_only_content_is_quoted(deck):
    doc = load(deck)
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == doc.text[b.start:b.end].strip() and doc.text[b.start:b.end]
    quoted = []
    for c in chunk_document(doc, 512, 0):
        assert c.text == doc.text[c.start:c.end]
        quoted += [c.text[s:e] for s, e in quotable_spans(c)]
    assert "The budget was approved in January." in quoted
    assert "Remind the board that the crane tests were delayed by wind." in quoted
    assert not any(q in ("Progress", "Costs", "Notes") for q in quoted), "titles are not quoted"


def test_text_repeated_on_every_slide_is_kept_once_as_boilerplate(tmp_path):
    prs = pptx.Presentation()
    for i, topic in enumerate(("Safety", "Schedule", "Staffing", "Suppliers")):
        s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])
        s.shapes.title.text = topic
        s.placeholders[1].text = f"{topic} is item {i + 1} of the review."
        s.shapes.add_textbox(Inches(0.3), Inches(7), Inches(5), Inches(0.3)).text_frame.text = "Internal use only"
    prs.save(str(tmp_path / "deck.pptx"))
    doc = load(tmp_path / "deck.pptx")
    assert doc.text.count("Internal use only") == 1
    (b,) = [b for b in doc.blocks if doc.text[b.start:b.end] == "Internal use only"]
    assert b.kind == "boilerplate"
    assert doc.text.count("is item") == 4


def test_deck_sections_are_the_upper_level_of_the_section_path(tmp_path):
    prs = pptx.Presentation()
    for topic in ("Plan", "Risks", "Wrap-up"):
        s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])
        s.shapes.title.text = topic
        s.placeholders[1].text = f"What we say about {topic.lower()}."
    ids = [el.get("id") for el in prs.slides._sldIdLst]
    pres = prs.part._element
    ext_lst = pres.find(f"{{{PML}}}extLst")
    if ext_lst is None:
        ext_lst = etree.SubElement(pres, f"{{{PML}}}extLst")
    ext = etree.SubElement(ext_lst, f"{{{PML}}}ext", uri="{521415D9-36F7-43E2-AB2F-B90AF26B5E84}")
    lst = etree.SubElement(ext, f"{{{P14}}}sectionLst")
    for name, members in (("Default Section", ids[:1]), ("Looking ahead", ids[1:])):
        sec = etree.SubElement(lst, f"{{{P14}}}section", name=name, id="{00000000-0000-0000-0000-000000000001}")
        sl = etree.SubElement(sec, f"{{{P14}}}sldIdLst")
        for i in members:
            etree.SubElement(sl, f"{{{P14}}}sldId", id=i)
    prs.save(str(tmp_path / "deck.pptx"))
    doc = load(tmp_path / "deck.pptx")
    t = doc.text
    assert doc.section_at(t.index("What we say about plan.")) == "Plan", "PowerPoint's 'Default Section' is no heading"
    assert doc.section_at(t.index("What we say about risks.")) == f"Looking ahead{SEP}Risks"
    assert doc.section_at(t.index("What we say about wrap-up.")) == f"Looking ahead{SEP}Wrap-up"


def test_a_layout_without_bullets_makes_its_body_text_paragraphs(tmp_path):
    prs = pptx.Presentation()
    layout = prs.slide_layouts[TITLE_AND_CONTENT]
    body = next(ph for ph in layout.placeholders if ph.placeholder_format.idx == 1)
    lst = body.text_frame._txBody.find(f"{{{DML}}}lstStyle")
    for lvl in (1, 2):
        etree.SubElement(etree.SubElement(lst, f"{{{DML}}}lvl{lvl}pPr"), f"{{{DML}}}buNone")
    s = prs.slides.add_slide(layout)
    s.shapes.title.text = "Summary"
    s.placeholders[1].text = "The project is on time."
    p = s.placeholders[1].text_frame.add_paragraph()
    p.text, p.level = "Except for the cranes.", 1
    prs.save(str(tmp_path / "deck.pptx"))
    got = [(b.kind, b.text) for b in blocks(tmp_path / "deck.pptx") if b.kind != "heading"]
    assert got == [("paragraph", "The project is on time."), ("list_item", "Except for the cranes.")], "indented: a list item"


DATA = ('<dgm:dataModel xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><dgm:ptLst>'
        '<dgm:pt modelId="0" type="doc"><dgm:t><a:bodyPr/><a:p><a:endParaRPr/></a:p></dgm:t></dgm:pt>'
        '<dgm:pt modelId="1"><dgm:t><a:bodyPr/><a:p><a:r><a:t>Survey the seabed</a:t></a:r></a:p></dgm:t></dgm:pt>'
        '<dgm:pt modelId="2" type="parTrans"><dgm:t><a:bodyPr/><a:p><a:r><a:t>connector</a:t></a:r></a:p></dgm:t></dgm:pt>'
        '<dgm:pt modelId="3"><dgm:t><a:bodyPr/><a:p><a:r><a:t>Pour the foundations</a:t></a:r></a:p></dgm:t></dgm:pt>'
        "</dgm:ptLst></dgm:dataModel>")


def test_smartart_text_is_read_from_the_diagrams_data(tmp_path):
    prs = pptx.Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    s.shapes.title.text = "Phases"
    part = Part(PackURI("/ppt/diagrams/data1.xml"), "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml",
                prs.part.package, DATA.encode())
    rid = s.part.relate_to(part, RT.DIAGRAM_DATA)
    frame = etree.fromstring(
        '<p:graphicFrame xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<p:nvGraphicFramePr><p:cNvPr id="9" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
        '<p:xfrm><a:off x="457200" y="1600200"/><a:ext cx="8229600" cy="4525963"/></p:xfrm>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/diagram">'
        f'<dgm:relIds xmlns:dgm="http://schemas.openxmlformats.org/drawingml/2006/diagram" r:dm="{rid}" r:lo="" r:qs="" r:cs=""/>'
        "</a:graphicData></a:graphic></p:graphicFrame>")
    s.shapes._spTree.append(frame)
    prs.save(str(tmp_path / "deck.pptx"))
    got = [(b.kind, b.text) for b in blocks(tmp_path / "deck.pptx") if b.kind != "heading"]
    assert got == [("list_item", "Survey the seabed"), ("list_item", "Pour the foundations")]


def test_line_breaks_are_spaces_and_the_first_title_names_an_untitled_deck(tmp_path):
    prs = pptx.Presentation()
    s = prs.slides.add_slide(prs.slide_layouts[0])
    s.shapes.title.text = "Night\vShift"  # python-pptx writes a vertical tab as a:br
    s.placeholders[1].text = "Doors open at\vten."
    prs.save(str(tmp_path / "deck.pptx"))
    with zipfile.ZipFile(tmp_path / "deck.pptx") as z:
        assert b"<a:br" in z.read("ppt/slides/slide1.xml")
    doc = load(tmp_path / "deck.pptx")
    assert doc.title == "Night Shift", "no dc:title of its own (python-pptx's is 'PowerPoint Presentation')"
    assert "Doors open at ten." in doc.text


def ole(path: Path) -> None:
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


@pytest.mark.parametrize("make, reason", [
    (ole, "password-protected or legacy .ppt"),
    (lambda p: p.write_bytes(b"PK\x03\x04 truncated"), "not a zip archive"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("word/document.xml", "<w:document/>"), "no presentation part"),
])
def test_an_encrypted_legacy_or_broken_deck_is_refused_with_the_reason(tmp_path, make, reason):
    path = tmp_path / "bad.pptx"
    make(path)
    with pytest.raises(Unreadable, match=reason.replace("(", r"\(").replace(".", r"\.")):
        load(path)


def test_a_zip_bomb_is_refused(tmp_path, monkeypatch):
    import rag.slides

    make_deck(tmp_path / "deck.pptx")
    monkeypatch.setattr(rag.slides, "MAX_EXPANDED", 1000)
    with pytest.raises(Unreadable, match="expands to more than"):
        load(tmp_path / "deck.pptx")


def test_a_deck_is_ingested_and_answers_cite_the_slide_and_its_title(tmp_path):
    """End to end (hash embedder, real Chroma), as for PDF: the answer quotes the slide's bullet and
    the citation gives the slide number and the slide's title."""
    from rag.pipeline import build
    from rag.settings import Settings

    d = tmp_path / "docs"
    d.mkdir()
    make_deck(d / "harbour.pptx")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    rep = pipe.ingest([d])
    assert rep.indexed == ["harbour.pptx"] and not rep.failed
    ans = pipe.ask("When was the quay wall finished?")
    assert not ans.refused
    assert "The quay wall was finished in March." in ans.answer
    cit = next(c for c in ans.citations if "quay wall was finished" in c.text)
    assert cit.page == 3 and cit.section == "Progress"


def test_citations_say_slide_for_a_deck_and_page_for_the_rest(tmp_path, cli):
    from ui.render import source_card

    d = tmp_path / "docs"
    d.mkdir()
    make_deck(d / "harbour.pptx")
    assert cli("ingest", d)[0] == 0
    code, out, _ = cli("ask", "When was the quay wall finished?")
    assert code == 0 and "harbour.pptx · slide 3 · Progress" in out, out
    card = {"n": 1, "source": "harbour.pptx", "start": 0, "end": 10, "page": 3, "section": "Progress", "text": "x", "highlights": []}
    assert "slide 3 · Progress" in source_card("t1", card)
    assert "p. 3 · Progress" in source_card("t1", {**card, "source": "manual.pdf"})
