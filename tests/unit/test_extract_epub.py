"""EPUB (rag/epub.py): chapters in the spine's reading order, each read as a web page; the book's own
navigation, table of contents and index never quoted; a broken or encrypted book is refused with the
reason. Books are written here as EPUB 3 zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from rag.blocks import SEP, quotable_spans
from rag.chunking import chunk_document
from rag.loaders import Unreadable, discover, load_file

CONTAINER = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             '<rootfiles><rootfile full-path="OEBPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')


def page(body: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body>{body}</body></html>'


CHAPTERS = {
    "nav.xhtml": page('<nav epub:type="toc" xmlns:epub="http://www.idpf.org/2007/ops"><ol><li><a href="ch1.xhtml">Installing</a></li></ol></nav>'),
    "contents.xhtml": page("<h1>Field Guide</h1><p>This guide covers the tool from installation to daily use.</p>"
                           '<ul><li><a href="ch1.xhtml">1. Installing</a></li><li><a href="ch2.xhtml">2. Daily use</a></li></ul>'),
    "ch2.xhtml": page("<h1>2. Daily use</h1><h2>2.1 Backups</h2><p>Backups run every night and are kept for thirty days.</p>"
                      "<pre>tool backup --all\ntool backup --verify</pre>"),
    "ch1.xhtml": page("<h1>1. Installing</h1><p>Unpack the archive into /opt and add its bin folder to your path.</p>"),
    "genindex.xhtml": page("<h1>Index</h1><ul><li><a href='ch2.xhtml'>backups, 2.1</a></li><li><a href='ch1.xhtml'>installing, 1</a></li></ul>"),
    "appendix.xhtml": page("<h1>Colophon</h1><p>Set in a typeface nobody asked about.</p>"),
}


def book(path: Path, spine=("contents", "ch1", "ch2", "genindex", "appendix"), extra: dict[str, str] | None = None) -> Path:
    nav, nolinear = ' properties="nav"', ' linear="no"'
    items = "".join(f'<item id="{n.split(".")[0]}" href="{n}" media-type="application/xhtml+xml"{nav if n == "nav.xhtml" else ""}/>'
                    for n in CHAPTERS)
    refs = "".join(f'<itemref idref="{i}"{nolinear if i == "appendix" else ""}/>' for i in spine)
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
           '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Field Guide to the Tool</dc:title></metadata>'
           f"<manifest>{items}</manifest><spine>{refs}</spine>"
           '<guide><reference type="toc" title="Contents" href="contents.xhtml"/></guide></package>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/container.xml", CONTAINER)
        z.writestr("OEBPS/book.opf", opf)
        for name, html in CHAPTERS.items():
            z.writestr(f"OEBPS/{name}", html)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def load(path: Path):
    return load_file(path.resolve(), path.parent.resolve(), 10**9)


def test_chapters_in_reading_order_with_sections_and_code(tmp_path):
    doc = load(book(tmp_path / "guide.epub"))
    t = doc.text
    assert doc.title == "Field Guide to the Tool"
    assert t.index("Unpack the archive") < t.index("Backups run every night"), "the spine's order, not the manifest's"
    assert doc.section_at(t.index("Backups run every night")) == f"2. Daily use{SEP}2.1 Backups"
    kinds = [(b.kind, t[b.start:b.end]) for b in doc.blocks]
    assert ("code", "tool backup --all\ntool backup --verify") in kinds
    assert "Set in a typeface" not in t, "a spine item marked linear=no (a colophon) is left out"
    quoted = []
    for c in chunk_document(doc, 512, 0):
        assert c.text == t[c.start:c.end]
        quoted += [c.text[s:e] for s, e in quotable_spans(c)]
    assert "This guide covers the tool from installation to daily use." in quoted, "a contents page's own prose is prose"
    assert not any("backups, 2.1" in q or "2. Daily use" == q for q in quoted), "the contents list and the index are never quoted"
    assert ("toc", "2. Daily use") in kinds and ("index", "backups, 2.1") in kinds
    assert t.count("Installing") == 2, "the navigation document is left out (contents list + chapter heading only)"


def test_a_folder_with_a_book_is_ingested_like_any_document(tmp_path):
    book(tmp_path / "guide.epub")
    root, files = discover(tmp_path)
    assert [f.name for f in files] == ["guide.epub"]


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b"not a zip at all"), "not a zip archive"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("mimetype", "application/epub+zip"), "META-INF/container.xml is missing"),
    (lambda p: book(p, extra={"META-INF/encryption.xml": '<encryption><EncryptedData><CipherReference URI="OEBPS/ch1.xhtml"/></EncryptedData></encryption>'}),
     "encrypted (DRM)"),
    (lambda p: book(p, spine=()), "holds no text"),
])
def test_a_broken_or_encrypted_book_is_refused_with_the_reason(tmp_path, make, reason):
    path = tmp_path / "bad.epub"
    make(path)
    with pytest.raises(Unreadable, match="unreadable EPUB: .*" + reason.replace("(", r"\(").replace(")", r"\)")):
        load(path)


def test_a_chapter_listed_once_per_section_is_read_once(tmp_path):
    # SiSU's books give each section a manifest item and an itemref of its own: "ch2.xhtml#o7"
    path = tmp_path / "sisu.epub"
    book(path)
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    opf = files["OEBPS/book.opf"].decode()
    opf = opf.replace("</manifest>", '<item id="ch2.xhtml#o7" href="ch2.xhtml#o7" media-type="application/xhtml+xml"/></manifest>')
    opf = opf.replace('<itemref idref="ch2"/>', '<itemref idref="ch2"/><itemref idref="ch2.xhtml#o7"/>')
    files["OEBPS/book.opf"] = opf.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    t = load(path).text
    assert t.count("Backups run every night") == 1


def test_a_sisu_list_item_outside_any_list_is_kept_as_an_item(tmp_path, monkeypatch):
    """live-manual's EPUBs (SiSU) set each <li class="bullet"> alone in a <div class="substance">, with no <ul>: the style
    guide's rule titles ("Be concise") were missing from the book's text. Each is a list item of its section."""
    rules = ["Use plain English", "Be balanced", "Be concise"]
    body = "".join(f'<div class="substance"><li class="bullet" id="o{i}"><i>{r}</i></li></div>'
                   f'<div class="substance"><p class="i0">{r} is a rule of this manual: every sentence is written with it in mind, '
                   "and the reviewers of each chapter check it before the chapter is merged.</p></div>" for i, r in enumerate(rules))
    monkeypatch.setitem(CHAPTERS, "ch1.xhtml", page(f'<div class="content"><h1>19. Style guide</h1>{body}</div>'))
    doc = load(book(tmp_path / "sisu.epub"))
    items = [(doc.text[b.start:b.end], b.section) for b in doc.blocks if b.kind == "list_item"]
    for r in rules:
        assert (r, "19. Style guide") in items
    check = chunk_document(doc, 64, 8)
    assert all(c.text == doc.text[c.start:c.end] for c in check)
