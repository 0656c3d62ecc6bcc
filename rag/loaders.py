"""Files -> Documents. Supports .txt, .md, .html/.htm, .pdf and .docx.

The title is the document's own (HTML <title>/<h1>, first Markdown heading, PDF or
DOCX metadata), else the file name. A file that can't be read is reported as a
`Failure` with a reason and the rest still load. Markdown is kept as written (not rendered) so that citation spans
point at the text the user sees in the file. Left out: OCR of scanned PDFs,
tables as structures, .doc/.odt/.pptx.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rag.errors import NoDocuments, UsageError
from rag.types import Document

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


@dataclass(frozen=True)
class Failure:
    source: str
    reason: str


class Unreadable(Exception):
    """Raised by a reader; the message is the reason shown to the user."""


def discover(path: Path) -> tuple[Path, list[Path]]:
    """Return (root, files): a folder is walked recursively; a single file is its own list."""
    if not path.exists():
        raise UsageError(f"Path not found: {path}. Give an existing file or folder, e.g. `rag ingest seeds/`.")
    if path.is_file():
        return path.parent.resolve(), [path.resolve()]
    files = sorted(p.resolve() for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise NoDocuments(f"No files in {path}: add .txt, .md, .html, .pdf or .docx files there.")
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
    reader = {".pdf": _pdf, ".docx": _docx, ".html": _html, ".htm": _html}.get(ext, _text)
    text, page_starts, title = reader(raw)
    if not text.strip():
        raise Unreadable("no extractable text" + (" (scanned PDF? OCR is not supported)" if ext == ".pdf" else ""))
    source = path.relative_to(root).as_posix()
    return Document(
        source=source,
        root=str(root),
        title=_clean_title(title) or (_heading(text) if ext in (".md", ".markdown") else "") or path.stem.replace("_", " "),
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        page_starts=tuple(page_starts),
    )


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


def _decode(raw: bytes) -> str:
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
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * max(len(sample), 1):
        raise Unreadable("binary content, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text(raw: bytes) -> tuple[str, list[int], str | None]:
    return _decode(raw), [], None


def _html(raw: bytes) -> tuple[str, list[int], str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(raw), "html.parser")
    title = soup.title.get_text() if soup.title else (soup.h1.get_text() if soup.h1 else None)
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = [ln.strip() for ln in soup.get_text("\n").splitlines()]
    return "\n".join(ln for ln in lines if ln), [], title


def _pdf(raw: bytes) -> tuple[str, list[int], str | None]:
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise Unreadable("encrypted PDF")
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
        parts, starts, pos = [], [], 0
        for page in reader.pages:
            starts.append(pos)
            t = (page.extract_text() or "").strip()
            parts.append(t)
            pos += len(t) + 2
    except Unreadable:
        raise
    except Exception as e:  # pypdf raises many types on corrupt input
        raise Unreadable(f"corrupt or unreadable PDF ({type(e).__name__}: {str(e)[:80]})") from e
    return "\n\n".join(parts), starts, str(title) if title else None


def _docx(raw: bytes) -> tuple[str, list[int], str | None]:
    import io

    try:
        import docx

        d = docx.Document(io.BytesIO(raw))
    except Exception as e:
        raise Unreadable(f"corrupt or unreadable DOCX ({type(e).__name__})") from e
    paras = [p.text.strip() for p in d.paragraphs if p.text.strip()]
    for table in d.tables:
        for row in table.rows:
            paras.append(" | ".join(c.text.strip() for c in row.cells))
    return "\n\n".join(paras), [], d.core_properties.title
