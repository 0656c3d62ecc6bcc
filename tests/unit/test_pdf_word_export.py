"""PDF layout extraction on pages set the way word processors (LibreOffice, Word) export them: Symbol-font
bullets after a tab, bold faces pdfium reports at weight 400, contents lists that are links or name the
headings, table rows read cell by cell, definition lists, bold captions, inline code at both ends of a
prose line, and URLs broken across lines."""

from __future__ import annotations

from pathlib import Path

from rag import pdf_layout

BODY = ["The archive keeps every upload for a week before it is moved to the mirror network, so that",
        "a broken upload can still be pulled back by its maintainer or by the archive team in time."]


def blocks(path: Path) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in pdf_layout.extract(path.read_bytes())[0]]


def draw(path: Path, items, fonts=()) -> Path:
    """items: (x, y, text, font, size); the body paragraph is drawn first so that its face sets the body size."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for name, file in fonts:
        pdfmetrics.registerFont(TTFont(name, file))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    for i, t in enumerate(BODY * 3):
        c.setFont("Helvetica", 11)
        c.drawString(72, 790 - 14 * i, t)
    for x, y, text, font, size in items:  # (from y=700 down: a blank line's space under the body paragraph)
        c.setFont(font, size)
        c.drawString(x, y - 30, text)
    c.save()
    return path


def raw_pdf(lines: list[tuple[int, int, str]], bullet: bytes = b"<F0B7>") -> bytes:
    """A one-page PDF in Helvetica whose byte 0x95 reads as U+F0B7, the private-use bullet of Word's
    Symbol font (through a ToUnicode map), as Word and LibreOffice export list bullets; `bullet`: what it reads as."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def 1 begincodespacerange <00> <FF> "
            b"endcodespacerange\n1 beginbfrange <20> <7E> <0020> endbfrange 1 beginbfchar <95> " + bullet + b" endbfchar endcmap "
            b"CMapName currentdict /CMap defineresource pop end end")
    content = b"".join(b"BT /F1 11 Tf %d %d Td (%s) Tj ET\n" % (x, y, t.encode("latin-1")) for x, y, t in lines)
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
                      b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /ToUnicode 6 0 R >>",
                      stream(content), stream(cmap)])


def stream(data: bytes, keys: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), keys) + data + b"\nendstream"


def pdf_bytes(objs: list[bytes]) -> bytes:
    """A PDF file of these objects, numbered from 1 (the first the catalog), with its cross-reference table."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return bytes(out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))


def test_symbol_font_bullets_after_a_tab_are_list_items():
    lines = [(72, 790 - 14 * i, t) for i, t in enumerate(BODY)]
    lines += [(72, 740, "\x95"), (95, 740, "Check the upload log every morning."), (72, 726, "\x95"), (95, 726, "Read the notes.")]
    out = [(b.kind, b.text) for b in pdf_layout.extract(raw_pdf(lines))[0]]
    assert ("list_item", "• Check the upload log every morning.") in out
    assert ("list_item", "• Read the notes.") in out


def test_a_control_code_opening_a_line_is_a_bullet_and_each_item_its_own():
    """gnuplot.pdf's bullets read as U+0088: before, its items ran together as one paragraph, "\x88" and all."""
    lines = [(72, 790 - 14 * i, t) for i, t in enumerate(BODY)]
    lines += [(72, 740, "\x95 Integer overflow is detected and handled according to user preference."),
              (72, 726, "\x95 All evaluation of expressions uses 64-bit integer arithmetic.")]
    out = [(b.kind, b.text) for b in pdf_layout.extract(raw_pdf(lines, bullet=b"<0088>"))[0]]
    assert ("list_item", "• Integer overflow is detected and handled according to user preference.") in out
    assert ("list_item", "• All evaluation of expressions uses 64-bit integer arithmetic.") in out
    assert not any("\x88" in t for _, t in out)


def test_a_symbol_bracket_piece_reads_as_its_unicode_character_and_a_control_code_no_font_names_is_dropped():
    """bash.pdf's "[ [|\\uf8f4|&] command2 ... ]": groff's \\(bv is the Symbol font's braceex, U+F8F4 in Adobe's private use
    area, U+23AA in Unicode. A control code whose font names no glyph for it (no embedded program here) is no text."""
    lines = [(72, 790 - 14 * i, t) for i, t in enumerate(BODY)] + [(72, 762, "The pipeline [ [|\x95|&] command2 ... ] runs on.")]
    for code, read in ((b"<F8F4>", "\u23aa"), (b"<001C>", "")):
        out = [(b.kind, b.text) for b in pdf_layout.extract(raw_pdf(lines, bullet=code))[0]]
        assert ("paragraph", " ".join(BODY) + f" The pipeline [ [|{read}|&] command2 ... ] runs on.") in out, out


def test_a_bold_face_pdfium_reports_at_weight_400_still_makes_a_heading(tmp_path):
    """LibreOffice's embedded fonts carry /StemV 80, so pdfium reports 400 even for "DejaVuSerif-Bold";
    the font's name says it is bold."""
    p = draw(tmp_path / "a.pdf", [(72, 700, "Security Tracker", "VeraBd", 11), (72, 686, "The security team keeps a tracker of every issue.", "Helvetica", 11)],
             fonts=[("VeraBd", "VeraBd.ttf")])
    p.write_bytes(p.read_bytes().replace(b"/StemV 165", b"/StemV 80 "))  # (same length: the xref stays right)
    assert ("heading", "Security Tracker") in blocks(p)


def test_lines_that_link_to_places_in_the_document_are_contents_entries(tmp_path):
    from reportlab.pdfgen import canvas

    p = tmp_path / "links.pdf"
    c = canvas.Canvas(str(p), pagesize=(595, 842))
    c.bookmarkPage("alias")
    for i, t in enumerate(BODY * 3):
        c.setFont("Helvetica", 11)
        c.drawString(72, 790 - 14 * i, t)
    for i, t in enumerate(["Alias", "Redirect", "ScriptAlias"]):
        y = 680 - 14 * i
        c.drawString(90, y, t)
        c.linkRect("", "alias", (88, y - 3, 90 + c.stringWidth(t, "Helvetica", 11) + 2, y + 11))
    c.drawString(72, 620, "A paragraph after the list, which is not a link at all.")
    c.save()
    out = blocks(p)
    assert [t for k, t in out if k == "toc"] == ["Alias", "Redirect", "ScriptAlias"]
    assert ("paragraph", "A paragraph after the list, which is not a link at all.") in out


def test_a_table_row_whose_cells_wrap_is_one_row_with_its_cells_in_order(tmp_path):
    """pdfium reads such a row cell by cell: the first cell's lines down, then up to the second cell."""
    f, items = "Helvetica", []
    for top, left, right in ((700, ["character", "varying(n),", "varchar(n)"], ["variable-length", "with limit"]),
                             (650, ["character(n),", "char(n)"], ["fixed-length,", "blank padded"])):
        items += [(60, top - 14 * i, t, f, 11) for i, t in enumerate(left)]
        dy = 7 * (len(left) - len(right))  # the second cell set in the row's middle
        items += [(170, top - dy - 14 * i, t, f, 11) for i, t in enumerate(right)]
    items.append((72, 580, "Both types store strings of up to n characters, not bytes.", f, 11))
    rows = [t for k, t in blocks(draw(tmp_path / "t.pdf", items)) if k == "table_row"]
    assert rows == ["character varying(n), varchar(n) | variable-length with limit", "character(n), char(n) | fixed-length, blank padded"]


def test_prose_that_opens_and_ends_with_inline_code_is_no_code(tmp_path):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    head, mid, tail = "CONFLICT DO NOTHING", " simply avoids inserting a row as its alternative action. ", "ON"
    x1 = 72 + stringWidth(head, "Courier", 11)
    x2 = x1 + stringWidth(mid, "Helvetica", 11)
    items = [(72, 700, "The clause names what happens on a conflict, and", "Helvetica", 11), (72, 686, head, "Courier", 11),
             (x1, 686, mid, "Helvetica", 11), (x2, 686, tail, "Courier", 11), (72, 672, "CONFLICT DO UPDATE updates the row.", "Helvetica", 11)]
    out = blocks(draw(tmp_path / "c.pdf", items))
    assert not [t for k, t in out if k == "code"]
    assert any(k == "paragraph" and "simply avoids inserting a row" in t for k, t in out)


def test_a_dash_that_opens_a_wrapped_line_inside_a_sentence_is_no_list_mark(tmp_path):
    items = [(72, 700, "The acceptable waiting period, the time between the report and the upload", "Helvetica", 11),
             (72, 686, "— is seven days for porters working on the unstable distribution.", "Helvetica", 11)]
    out = blocks(draw(tmp_path / "d.pdf", items))
    assert ("paragraph", "The acceptable waiting period, the time between the report and the upload — is seven days for porters "
                         "working on the unstable distribution.") in out


def test_a_definition_list_keeps_each_term_and_definition_apart(tmp_path):
    f = "Helvetica"
    items = [(72, 700, "permanent", f, 11), (100, 686, "Returns a permanent redirect status (301) indicating that the", f, 11),
             (100, 672, "resource has moved permanently.", f, 11), (72, 658, "temp", f, 11),
             (100, 644, "Returns a temporary redirect status (302). This is the default.", f, 11)]
    paras = [t for k, t in blocks(draw(tmp_path / "dl.pdf", items)) if k == "paragraph"]
    assert paras[-4:] == ["permanent", "Returns a permanent redirect status (301) indicating that the resource has moved permanently.",
                          "temp", "Returns a temporary redirect status (302). This is the default."]


def test_a_bold_caption_is_no_heading_and_a_long_numbered_bold_line_is_one(tmp_path):
    items = [(72, 700, "5.10.2.2. When to do a source NMU if you are a porter", "Helvetica-Bold", 11),
             (72, 686, "Porters doing a source upload follow the usual guidelines.", "Helvetica", 11),
             (72, 660, "Table 4.1. Three important configuration files for pam_unix", "Helvetica-Bold", 11)]
    out = blocks(draw(tmp_path / "h.pdf", items))
    assert ("heading", "5.10.2.2. When to do a source NMU if you are a porter") in out
    assert ("paragraph", "Table 4.1. Three important configuration files for pam_unix") in out


def test_a_list_of_the_documents_headings_is_a_contents_list(tmp_path):
    items = [(72, 700, "• 1. Storage", "Helvetica", 11), (72, 686, "• 2. Backups", "Helvetica", 11),
             (72, 650, "1. Storage", "Helvetica", 16), (72, 630, "Data is kept in one file per tenant.", "Helvetica", 11),
             (72, 600, "2. Backups", "Helvetica", 16), (72, 580, "Backups run every night.", "Helvetica", 11)]
    out = blocks(draw(tmp_path / "m.pdf", items))
    assert ("toc", "• 1. Storage") in out and ("toc", "• 2. Backups") in out
    assert ("heading", "1. Storage") in out


def test_a_url_broken_across_lines_is_joined_without_a_space(tmp_path):
    f = "Helvetica"
    items = [(72, 700, "The foreign package reads other formats (https://cran.r-project.org/", f, 11),
             (72, 686, "package=foreign) and so does Octave (https://www.gnu.org/software/octave/", f, 11),
             (72, 672, ") for its own files; see https://example.org/", f, 11), (72, 658, "for details.", f, 11)]
    text = " ".join(t for _, t in blocks(draw(tmp_path / "u.pdf", items)))
    assert "(https://cran.r-project.org/package=foreign)" in text
    assert "(https://www.gnu.org/software/octave/)" in text
    assert "https://example.org/ for details." in text  # a plain word after the URL keeps its space


def test_a_justified_line_of_a_list_item_stays_in_the_item(tmp_path):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    f, first = "Helvetica", "• Uploads to the stable release need the approval of the release team, and"
    words = ["they", "are", "announced", "on", "the", "list"]
    end = 72 + stringWidth(first, f, 11)  # the spread line ends where the line above ends
    step = (end - stringWidth("list", f, 11) - 86) / 5
    items = [(72, 700, first, f, 11)] + [(86 + i * step, 686, w, f, 11) for i, w in enumerate(words)]
    items.append((86, 672, "before the point release.", f, 11))
    out = blocks(draw(tmp_path / "j.pdf", items))
    assert ("list_item", "• Uploads to the stable release need the approval of the release team, and they are announced on the "
                         "list before the point release.") in out


def test_two_short_columns_of_prose_under_a_heading_are_no_table_row(tmp_path):
    f = "Helvetica"
    left = ["Data is kept in one file per tenant,", "and each file is opened on the first", "request, then kept open for an hour."]
    right = ["Backups run every night and are kept", "for thirty days on the archive volume,", "then moved to tape for a full year."]
    items = [(72, 700, "3. Storage and backups", "Helvetica", 16)]
    items += [(x, 676 - 14 * i, t, f, 11) for x, col in ((72, left), (320, right)) for i, t in enumerate(col)]
    out = blocks(draw(tmp_path / "cols.pdf", items))
    assert not [t for k, t in out if k == "table_row"]
    assert ("paragraph", " ".join(left)) in out and ("paragraph", " ".join(right)) in out


def test_a_hyphen_at_a_line_end_stays_in_a_hyphenated_chain_and_an_address(tmp_path):
    f = "Helvetica"
    items = [(72, 700, "The tarball must be identical byte-", f, 11), (72, 686, "for-byte with the original; ask debian-wb-", f, 11),
             (72, 672, "team@lists.debian.org for help.", f, 11)]
    text = " ".join(t for _, t in blocks(draw(tmp_path / "hy.pdf", items)))
    assert "identical byte-for-byte with" in text and "ask debian-wb-team@lists.debian.org for help." in text


def test_lines_are_spaced_by_their_baselines_not_their_first_and_last_glyphs(tmp_path):
    """A line that ends in a closing quote (set high) above one that opens with "p" (set low) is still
    the next line of the paragraph."""
    f = "Helvetica"
    items = [(72, 700, "It is not acceptable to take over other maintainers'", f, 11), (72, 686, "packages without asking them first.", f, 11)]
    assert ("paragraph", "It is not acceptable to take over other maintainers' packages without asking them first.") in blocks(draw(tmp_path / "q.pdf", items))


def test_a_bold_heading_wrapped_before_a_lower_case_word_is_one_heading(tmp_path):
    items = [(72, 700, "How a new upload can break other", "Helvetica-Bold", 11), (72, 686, "packages in testing", "Helvetica-Bold", 11),
             (72, 666, "The archive can hold one version of a package.", "Helvetica", 11)]
    assert ("heading", "How a new upload can break other packages in testing") in blocks(draw(tmp_path / "bh.pdf", items))


def test_a_faqs_bold_questions_are_headings_one_line_or_wrapped(tmp_path):
    # SQLite's FAQ as LibreOffice exports it: "(n) question?" bold on its own, some wrapped over two lines.
    H, B = "Helvetica", "Helvetica-Bold"
    path = draw(tmp_path / "faq.pdf", [
        (58, 700, "(1) How do I create an AUTOINCREMENT field?", B, 11),
        (86, 672, "A column declared INTEGER PRIMARY KEY will autoincrement when a NULL is inserted.", H, 11),
        (58, 644, "(4) Why doesn't SQLite allow me to use '0' and '0.0' as the primary key on", B, 11),
        (58, 630, "two different rows of the same table?", B, 11),
        (86, 602, "For a column with a numeric type, SQLite thinks that '0' and '0.0' are the same value.", H, 11),
        (58, 574, "Never run the archive tools as root on a shared machine.", B, 11),
        (86, 546, "They write to the pool directly and can leave it in a state the mirrors cannot read.", H, 11),
    ])
    got = pdf_layout.extract(path.read_bytes())[0]
    heads = [b.text for b in got if b.kind == "heading"]
    assert heads == ["(1) How do I create an AUTOINCREMENT field?",
                     "(4) Why doesn't SQLite allow me to use '0' and '0.0' as the primary key on two different rows of the same table?"]
    answer = next(b for b in got if b.text.startswith("For a column with a numeric type"))
    assert answer.kind == "paragraph" and answer.section[-1].startswith("(4) Why doesn't SQLite")
    # a bold sentence (a warning) stays prose
    assert ("paragraph", "Never run the archive tools as root on a shared machine.") in [(b.kind, b.text) for b in got]
