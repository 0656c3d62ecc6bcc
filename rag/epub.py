"""EPUB -> blocks: the book's XHTML documents in reading order, each read as a web page (rag/markup.py).

An EPUB is a zip: META-INF/container.xml names the package document (.opf), whose manifest lists
the files and whose spine gives the reading order. Each spine document goes through `html_blocks`,
so headings give the section path within a chapter, code stays code and tables stay rows. The book's
own navigation is never quoted: the EPUB 3 navigation document is left out, a document the package
marks as the table of contents (guide "toc") gives `toc` blocks for its list items, and one it marks
as the index (guide "index", or Sphinx's genindex) `index` blocks. Left out: images, footnotes as links (an aside
stays where the book puts it), page-list page numbers, DRM-protected books (their text is encrypted).
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from rag.blocks import Block
from rag.zipdoc import open_zip

_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XHTML = ("application/xhtml+xml", "text/html")
MAX_EXPANDED = 512 * 1024 * 1024  # a zip that expands past this is refused (a zip bomb, not a book)


class BadEpub(Exception):
    """The file is not a readable EPUB; the message says why."""


def _xml(z: zipfile.ZipFile, name: str):
    from lxml import etree

    try:
        return etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, no_network=True, recover=True))
    except KeyError as e:
        raise BadEpub(f"{name} is missing") from e


def epub_blocks(raw: bytes) -> tuple[list[Block], str | None]:
    """(blocks, title) of an EPUB file's bytes."""
    from rag.markup import html_blocks

    z = open_zip(raw, MAX_EXPANDED, BadEpub)
    if "META-INF/encryption.xml" in z.namelist() and b"EncryptedData" in z.read("META-INF/encryption.xml"):
        fonts_only = all(re.search(rb"\.(?:otf|ttf|woff2?)\"", u) for u in re.findall(rb'URI="[^"]+"', z.read("META-INF/encryption.xml")))
        if not fonts_only:
            raise BadEpub("its text is encrypted (DRM); export a DRM-free copy")
    root = _xml(z, "META-INF/container.xml")
    rootfile = next((el.get("full-path") for el in root.iter() if isinstance(el.tag, str) and el.tag.endswith("rootfile")), None)
    if not rootfile:
        raise BadEpub("META-INF/container.xml names no package document")
    opf = _xml(z, rootfile)
    base = posixpath.dirname(rootfile)

    def path(href: str) -> str:
        return posixpath.normpath(posixpath.join(base, href.split("#")[0]))

    manifest = {it.get("id"): it for it in opf.iter(_OPF + "item")}
    marked: dict[str, str] = {}  # document path -> "toc" / "index", as the package says
    for ref in opf.iter(_OPF + "reference"):  # EPUB 2 guide
        kind = (ref.get("type") or "").lower()
        if kind in ("toc", "index") and ref.get("href"):
            marked[path(ref.get("href"))] = kind
    nav_docs = {path(it.get("href")) for it in manifest.values() if "nav" in (it.get("properties") or "").split()}
    title_el = opf.find(f".//{_DC}title")
    title = " ".join(title_el.text.split()) if title_el is not None and title_el.text else None
    spine: list[str] = []
    for ref in opf.iter(_OPF + "itemref"):
        it = manifest.get(ref.get("idref"))
        if it is None or it.get("media-type") not in _XHTML or ref.get("linear") == "no":
            continue
        doc = path(it.get("href"))
        if doc not in nav_docs and doc not in spine:  # SiSU's books list a chapter once per section ("x.xhtml#o163"): read it once
            spine.append(doc)
    blocks: list[Block] = []
    for doc in spine:
        try:
            html = z.read(doc).decode("utf-8", errors="replace")
        except KeyError:
            continue  # a spine entry whose file is missing: the rest of the book still reads
        kind = marked.get(doc) or ("index" if re.search(r"(?:^|/)genindex\.x?html?$", doc) else "")
        for b in html_blocks(html):
            if (kind == "index" and b.kind != "heading") or (kind == "toc" and b.kind == "list_item"):
                b = Block(kind, b.text, b.section, b.page)  # (a contents page's own prose stays prose)
            blocks.append(b)
    if not blocks:
        raise BadEpub("its reading order (spine) holds no text")
    return blocks, title
