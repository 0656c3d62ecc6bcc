"""Loaders: each supported format yields its text; each kind of bad input is a Failure with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import NoDocuments, UsageError
from rag.loaders import Unreadable, discover, load_file

MB = 1_000_000
SENTENCE = "The 2030 strategic concept was proposed by Jens Stoltenberg."


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    if title:
        c.setTitle(title)
    for text in pages:
        c.drawString(72, 760, text)
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] = (), title: str | None = None) -> Path:
    import docx

    d = docx.Document()
    if title:
        d.core_properties.title = title
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    d.save(str(path))
    return path


def load(path: Path, max_mb: float = 50):
    return load_file(path.resolve(), path.parent.resolve(), int(max_mb * MB))


def test_txt_and_md_are_kept_verbatim(tmp_path):
    (tmp_path / "a.txt").write_text("Line one.\r\nLine two.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading\n\nSome *markdown* text.\n", encoding="utf-8")
    a, b = load(tmp_path / "a.txt"), load(tmp_path / "b.md")
    assert a.text == "Line one.\nLine two.\n"  # newlines normalised, nothing else
    assert b.text == "# Heading\n\nSome *markdown* text.\n"  # not rendered: spans point at what the user wrote
    assert (a.source, a.title) == ("a.txt", "a")
    assert len(a.sha256) == 64 and a.sha256 != b.sha256


def test_html_drops_markup_scripts_and_styles(tmp_path):
    (tmp_path / "page.html").write_text(
        "<html><head><title>T</title><style>p{color:red}</style><script>var x = 'secret';</script></head>"
        f"<body><h1>NATO</h1><p>{SENTENCE}</p></body></html>",
        encoding="utf-8",
    )
    doc = load(tmp_path / "page.html")
    assert SENTENCE in doc.text and "NATO" in doc.text
    assert "secret" not in doc.text and "color" not in doc.text and "<p>" not in doc.text


def test_pdf_text_and_page_starts(tmp_path):
    doc = load(make_pdf(tmp_path / "two_pages.pdf", [SENTENCE, "Second page about Brussels."]))
    assert SENTENCE in doc.text and "Second page about Brussels." in doc.text
    assert doc.title == "two pages"
    assert len(doc.page_starts) == 2
    assert doc.page_at(doc.text.index("Second")) == 2 and doc.page_at(0) == 1


def test_docx_paragraphs_and_tables(tmp_path):
    doc = load(make_docx(tmp_path / "memo.docx", [SENTENCE, "", "Another paragraph."], [["Country", "Members"], ["NATO", "30"]]))
    assert SENTENCE in doc.text and "Another paragraph." in doc.text
    assert "NATO | 30" in doc.text


def test_non_utf8_text_is_decoded_not_rejected(tmp_path):
    (tmp_path / "legacy.txt").write_bytes("Café déjà vu – naïve façade.".encode("cp1252"))
    doc = load(tmp_path / "legacy.txt")
    assert doc.text == "Café déjà vu – naïve façade."


def test_utf8_bom_is_stripped(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffHello world.".encode("utf-8"))
    assert load(tmp_path / "bom.txt").text == "Hello world."


@pytest.mark.parametrize("codec, bom", [("utf-16", ""), ("utf-16-le", ""), ("utf-16-be", ""), ("utf-16-be", "\ufeff"), ("utf-32", "")])
def test_utf16_and_utf32_text_is_decoded_not_called_binary(tmp_path, codec, bom):
    """Notepad's "Unicode" is UTF-16 with a byte-order mark; some exporters write it without one."""
    body = "Ça va: the 2030 strategic concept.\r\nSecond line – naïve."
    (tmp_path / "unicode.txt").write_bytes((bom + body).encode(codec))
    doc = load(tmp_path / "unicode.txt")
    assert doc.text == "Ça va: the 2030 strategic concept.\nSecond line – naïve."


def test_binary_with_zero_bytes_is_still_rejected(tmp_path):
    (tmp_path / "odd.txt").write_bytes(b"\xff\xfe" + bytes(range(1, 200)) * 3 + b"\x00\xd8")  # a UTF-16 BOM, then no UTF-16
    with pytest.raises(Unreadable, match="UTF-16|binary"):
        load(tmp_path / "odd.txt")


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"  \n\n\t \n", "no extractable text"),
        ("binary.txt", bytes(range(256)) * 40, "binary content"),
        ("elf.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "binary content"),
        ("corrupt.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nthis is not a real pdf\n%%EOF", "corrupt or unreadable PDF"),
        ("not_a_pdf.pdf", b"hello, I am plain text", "corrupt or unreadable PDF"),
        ("corrupt.docx", b"PK\x03\x04 truncated zip", "corrupt or unreadable DOCX"),
        ("slides.ppt", b"whatever", "unsupported file type '.ppt'"),
        ("Makefile", b"all:\n\techo hi\n", "unsupported file type 'Makefile'"),
    ],
)
def test_bad_input_is_unreadable_with_a_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(Unreadable, match=reason.replace("(", r"\(").replace(".", r"\.")):
        load(tmp_path / name)


def test_too_large_file_names_the_setting(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 300_000)  # 1.5 MB
    with pytest.raises(Unreadable, match=r"file too large \(1\.5 MB > 1 MB; raise RAG_MAX_FILE_MB"):
        load(tmp_path / "big.txt", max_mb=1)
    assert load(tmp_path / "big.txt", max_mb=2).text.startswith("word word")


def test_blank_pdf_says_ocr_is_not_supported(tmp_path):
    with pytest.raises(Unreadable, match="scanned PDF"):
        load(make_pdf(tmp_path / "scan.pdf", [""]))


def test_discover_walks_folders_skips_hidden_and_keeps_relative_sources(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub" / "deeper" / "b.md").write_text("b")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("hidden")
    (tmp_path / ".hidden.txt").write_text("hidden")
    root, files = discover(tmp_path)
    assert root == tmp_path.resolve()
    assert [f.relative_to(root).as_posix() for f in files] == ["a.txt", "sub/deeper/b.md"]
    doc = load_file(files[1], root, MB)
    assert doc.source == "sub/deeper/b.md" and doc.root == str(root)


def test_discover_single_file_is_its_own_root(tmp_path):
    (tmp_path / "one.txt").write_text("x")
    root, files = discover(tmp_path / "one.txt")
    assert root == tmp_path.resolve() and files == [(tmp_path / "one.txt").resolve()]


def test_discover_errors_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="Path not found"):
        discover(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDocuments, match="No files in") as e:
        discover(tmp_path / "empty")
    assert e.value.exit_code == 2


def test_titles_come_from_the_document_else_the_file_name(tmp_path):
    (tmp_path / "notes_2024.md").write_text("\n# NATO summit notes\n\nBody.\n")
    (tmp_path / "plain_notes.md").write_text("Body only.\n")
    (tmp_path / "shell.txt").write_text("# not a heading in plain text\nBody.\n")
    (tmp_path / "p.html").write_text("<html><head><title> The  Page </title></head><body><h1>H</h1>x</body></html>")
    (tmp_path / "h.html").write_text("<body><h1>Heading One</h1><p>x</p></body>")
    assert load(tmp_path / "notes_2024.md").title == "NATO summit notes"
    assert load(tmp_path / "plain_notes.md").title == "plain notes"
    assert load(tmp_path / "shell.txt").title == "shell"
    assert load(tmp_path / "p.html").title == "The Page"
    assert load(tmp_path / "h.html").title == "Heading One"
    assert load(make_pdf(tmp_path / "a.pdf", [SENTENCE], title="Strategic Concept")).title == "Strategic Concept"
    assert load(make_pdf(tmp_path / "no_title.pdf", [SENTENCE])).title == "no title"  # reportlab writes "untitled"
    assert load(make_docx(tmp_path / "m.docx", [SENTENCE], title="Memo to members")).title == "Memo to members"
    assert load(make_docx(tmp_path / "plain_memo.docx", [SENTENCE])).title == "plain memo"


def _bad_name_zip(path: Path) -> Path:
    """A zip whose member name is flagged UTF-8 but is not: Python's zipfile raises UnicodeDecodeError."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("OEBPS/\u00e9.xhtml", "<html/>")
    path.write_bytes(buf.getvalue().replace("\u00e9".encode(), b"\xff\xfe"))
    return path


@pytest.mark.parametrize("name", ["book.epub", "deck.pptx", "notes.odt", "report.docx"])
def test_a_zip_with_an_undecodable_member_name_is_refused_with_a_reason(tmp_path, name):
    with pytest.raises(Unreadable, match=r"damaged zip|corrupt or unreadable"):
        load(_bad_name_zip(tmp_path / name))


def test_a_reader_failing_in_an_unforeseen_way_fails_that_file_only(tmp_path, monkeypatch):
    import rag.loaders as L

    def broken(raw):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(L, "_html", broken)
    (tmp_path / "deep.html").write_text("<html><body><p>x</p></body></html>")
    with pytest.raises(Unreadable, match=r"unreadable HTML file \(RecursionError: maximum recursion"):
        load(tmp_path / "deep.html")


def test_a_docx_that_expands_past_the_limit_is_refused_before_python_docx_reads_it(tmp_path, monkeypatch):
    import docx

    import rag.loaders as L

    d = docx.Document()
    d.add_paragraph("A perfectly ordinary paragraph of a perfectly ordinary report.")
    d.save(str(tmp_path / "report.docx"))
    assert "ordinary report" in load(tmp_path / "report.docx").text
    monkeypatch.setattr(L, "MAX_EXPANDED", 1000)
    with pytest.raises(Unreadable, match="corrupt or unreadable DOCX \\(it expands to more than"):
        load(tmp_path / "report.docx")
