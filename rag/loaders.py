"""Files -> Documents. Supports .txt, .md, .html/.htm, .pdf, .docx, .odt/.fodt, .epub, .pptx, and spreadsheets
(.csv/.tsv, .xlsx, .ods/.fods: rag/sheets.py).

The title is the document's own (HTML <title>/<h1>, first Markdown heading, PDF,
DOCX, ODT, EPUB or PPTX metadata; a deck's first slide title; a PDF without a /Title, its title page's largest line,
rag.pdf_layout._title_page), else the file name. A file that can't be read is reported as a
`Failure` with a reason and the rest still load. Markdown is kept as written (not rendered) so that citation spans
point at the text the user sees in the file. Plain text loses its terminal formatting (ANSI escapes, nroff overstrikes)
and its nroff line-end hyphenation: that cleaned text is the document text (rag.markup.untermed, dehyphenated). Scanned PDF pages are read by OCR (rag/ocr.py) when tesseract is installed. Left out:
.doc/.ppt/.xls.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.blocks import assemble
from rag.errors import NoDocuments, UsageError
from rag.types import Document

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt", ".fodt", ".epub", ".pptx", ".csv", ".tsv", ".xlsx", ".ods", ".fods"}
FORMATS = ".txt, .md, .html, .pdf, .docx, .odt, .epub, .pptx, .csv, .xlsx or .ods"  # for messages
MAX_EXPANDED = 512 * 1024 * 1024  # a DOCX whose parts expand past this is refused (a zip bomb, not a document)


@dataclass(frozen=True)
class Failure:
    source: str
    reason: str


class Unreadable(Exception):
    """Raised by a reader; the message is the reason shown to the user."""


def failure_reason(e: Exception) -> str:
    """The reason shown for a file that could not be indexed: an Unreadable's message, or, for an unexpected error in a
    reader or the chunker, what it was. Either way that file is reported and skipped, and the others are indexed."""
    if isinstance(e, Unreadable):
        return str(e)
    first = (str(e).splitlines() or [""])[0][:300]
    return f"could not be indexed, an unexpected error ({type(e).__name__}: {first}); this is a bug in rag: please report it with the file"


def folder_files(path: Path) -> Iterator[Path]:
    """The files under folder `path` that `rag ingest path` reads, outside hidden files and folders, unsorted."""
    return (p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))


def discover(path: Path) -> tuple[Path, list[Path]]:
    """Return (root, files): a folder is walked recursively; a single file is its own list."""
    if not path.exists():
        raise UsageError(f"Path not found: {path}. Give an existing file or folder, e.g. `rag ingest seeds/`.")
    if path.is_file():
        return path.parent.resolve(), [path.resolve()]
    files = sorted(p.resolve() for p in folder_files(path))
    if not files:
        raise NoDocuments(f"No files in {path}: add {FORMATS} files there.")
    return path.resolve(), files


def load_file(path: Path, root: Path, max_bytes: int) -> Document:
    """Read one file or raise Unreadable with the reason."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise Unreadable(f"unsupported file type '{ext or path.name}' (supported: {', '.join(sorted(SUPPORTED))})")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise Unreadable(f"cannot read file: {e.strerror}") from e
    if size == 0:
        raise Unreadable("empty file (0 bytes)")
    if size > max_bytes:
        raise Unreadable(f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB; raise RAG_MAX_FILE_MB to ingest it)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise Unreadable(f"cannot read file: {e.strerror}") from e
    reader = {".pdf": _pdf, ".docx": _docx, ".odt": _odt, ".fodt": _odt, ".epub": _epub, ".pptx": _pptx, ".html": _html, ".htm": _html, ".md": _markdown, ".markdown": _markdown,
              ".csv": _csv, ".tsv": _tsv, ".xlsx": _xlsx, ".ods": _ods, ".fods": _ods}.get(ext, _text)
    try:
        text, page_starts, title, spans = reader(raw)
    except Unreadable:
        raise
    except Exception as e:  # a reader's unforeseen failure on a damaged file: this file fails, the rest still load
        raise Unreadable(f"unreadable {ext[1:].upper()} file ({type(e).__name__}: {str(e)[:80]})") from e
    if not text.strip():
        raise Unreadable("no extractable text" + (" (a scanned PDF? OCR reads scans unless RAG_OCR=off; it found no text here)" if ext == ".pdf" else ""))
    source = path.relative_to(root).as_posix()
    return Document(
        source=source,
        root=str(root),
        title=_clean_title(title) or (_heading(text) if ext in (".md", ".markdown") else "") or path.stem.replace("_", " "),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        page_starts=tuple(page_starts),
        blocks=tuple(spans),
        page_labels=_pdf_page_labels(raw) if ext == ".pdf" and page_starts else (),
    )


def _pdf_page_labels(raw: bytes) -> tuple[str, ...]:
    """The label a viewer shows for each page of a PDF ("T-1", "i", "1"), or () when every page is labelled by its
    number or not at all (most PDFs)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except Exception:  # (the reader opened it already; a second open that fails only loses the labels)
        return ()
    try:
        labels = tuple(pdf.get_page_label(i) or str(i + 1) for i in range(len(pdf)))
    finally:
        pdf.close()
    return labels if any(label != str(i + 1) for i, label in enumerate(labels)) else ()


_PLACEHOLDER_TITLES = {"untitled", "(anonymous)", "anonymous", "unknown", "title"}  # what PDF/DOCX tools write by default


def _clean_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    return title if 0 < len(title) <= 200 and title.lower() not in _PLACEHOLDER_TITLES else ""


def _heading(text: str) -> str:
    """The first Markdown ATX heading near the top (`# Title`), if any."""
    for line in text.lstrip().splitlines()[:20]:
        m = re.match(r"#{1,2}\s+(.+?)\s*#*\s*$", line)
        if m:
            return _clean_title(m.group(1))
    return ""


def _utf16(raw: bytes) -> str | None:
    """The codec of UTF-16/32 text, by its byte-order mark ("Unicode" as Notepad saves it) or, without one, by
    the zero byte beside every ASCII character; None for anything else."""
    if raw[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return "utf-32"
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    head = raw[:8192] if len(raw) % 2 == 0 else b""
    if len(head) >= 8:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
    return None


def _decode(raw: bytes, terminal: bool = False) -> str:
    """Bytes -> text. `terminal`: plain text, whose terminal formatting (ANSI escapes, nroff overstrike) goes
    before the binary check (rag.markup.untermed), so a short colored file is text, not "binary content"."""
    if (codec := _utf16(raw)) is not None:
        try:
            raw = raw.decode(codec).encode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable(f"looks like {codec.upper()} text but does not decode as it") from None
    if b"\x00" in raw[:8192]:
        raise Unreadable("binary content, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: cp1252 covers most legacy Western text; latin-1 never fails.
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    if terminal:
        from rag.markup import untermed

        text = untermed(text)
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * max(len(sample), 1):
        raise Unreadable("binary content, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_NROFF = re.compile(rb"\x1b\[[0-9;]*m|[^\x08\s]\x08[^\x08\s]")  # terminal formatting: nroff/grotty output


def _text(raw: bytes) -> tuple[str, list[int], str | None, tuple]:
    from rag.markup import dehyphenated, text_spans, unpaged

    text = dehyphenated(unpaged(_decode(raw, terminal=True)), nroff=_NROFF.search(raw[:200_000]) is not None)
    return text, [], None, text_spans(text)


def _markdown(raw: bytes) -> tuple[str, list[int], str | None, tuple]:
    from rag.markup import markdown_spans

    text = _decode(raw)
    return text, [], None, markdown_spans(text)


def _html(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.markup import html_blocks, parse_html

    html = _decode(raw)
    soup = parse_html(html)
    title = soup.title.get_text() if soup.title else (soup.h1.get_text() if soup.h1 else None)
    text, _, spans = assemble(html_blocks(html))
    return text, (), title, spans


def _pdf(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag import ocr, pdf_layout

    try:
        blocks, n_pages, title = pdf_layout.extract(raw)
    except ocr.OcrError as e:  # a scan without tesseract (the reason says the fix), a missing OCR language
        raise Unreadable(str(e)) from e
    except Exception as e:  # pdfium raises PdfiumError (and others) on corrupt or encrypted input
        msg = str(e)
        if "password" in msg.lower():
            raise Unreadable("encrypted PDF: save a copy without the password, e.g. `qpdf --password=PASSWORD --decrypt in.pdf out.pdf`") from e
        raise Unreadable(f"corrupt or unreadable PDF ({type(e).__name__}: {msg[:80]})") from e
    text, starts, spans = assemble(blocks, n_pages, code_indent=True)
    return text, starts, title, spans


def _epub(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.epub import BadEpub, epub_blocks

    try:
        blocks, title = epub_blocks(raw)
    except BadEpub as e:
        raise Unreadable(f"unreadable EPUB: {e}") from e
    text, _, spans = assemble(blocks)
    return text, (), title, spans


def _docx(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.wordml import docx_blocks, open_docx
    from rag.zipdoc import open_zip

    open_zip(raw, MAX_EXPANDED, lambda reason: Unreadable(f"corrupt or unreadable DOCX ({reason})"))  # python-docx reads every part into memory
    try:
        d = open_docx(raw)
    except Exception as e:
        raise Unreadable(f"corrupt or unreadable DOCX ({type(e).__name__})") from e

    blocks = docx_blocks(d)
    n_pages = max((b.page for b in blocks if b.page is not None), default=0)  # Word's recorded page breaks, if any
    text, starts, spans = assemble(blocks, n_pages)
    return text, starts, d.core_properties.title, spans


def _odt(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.odf import BadOdt, odt_blocks

    try:
        blocks, title = odt_blocks(raw)
    except BadOdt as e:
        raise Unreadable(f"unreadable ODT: {e}") from e
    n_pages = max((b.page for b in blocks if b.page is not None), default=0)  # LibreOffice's soft page breaks, if any
    text, starts, spans = assemble(blocks, n_pages)
    return text, starts, title, spans


def _csv(raw: bytes, tab: bool = False) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.sheets import BadSheet, csv_blocks

    try:
        blocks = csv_blocks(_decode(raw), tab=tab)
    except BadSheet as e:
        raise Unreadable(str(e)) from e
    text, _, spans = assemble(blocks)
    return text, (), None, spans


def _tsv(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    return _csv(raw, tab=True)


def _workbook(raw: bytes, fmt: str) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag import sheets

    try:
        blocks, title = (sheets.xlsx_blocks if fmt == "XLSX" else sheets.ods_blocks)(raw)
    except sheets.BadSheet as e:
        raise Unreadable(f"unreadable {fmt}: {e}") from e
    text, _, spans = assemble(blocks)
    return text, (), title, spans


def _xlsx(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    return _workbook(raw, "XLSX")


def _ods(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    return _workbook(raw, "ODS")


def _pptx(raw: bytes) -> tuple[str, tuple[int, ...], str | None, tuple]:
    from rag.slides import pptx_blocks

    blocks, title, n_slides = pptx_blocks(raw)  # raises Unreadable with the reason; page = slide number
    text, starts, spans = assemble(blocks, n_slides)
    return text, starts, title, spans
