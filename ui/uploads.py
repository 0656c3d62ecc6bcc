"""Uploaded files -> the uploads dir, with sanitised names and a size limit.

An upload keeps only its base name, reduced to [A-Za-z0-9._-]; its extension must
be one the loaders read. The file is written to a temporary name inside the
uploads dir and then renamed over the target, so a symlink planted at the
target is replaced rather than followed, and the resolved target is checked to
lie inside the uploads dir. Uploading a file with the same name replaces the
earlier one (ingest then re-embeds it because its hash changed).
Left out: virus scanning and content sniffing (the loaders reject what they can't parse).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from rag.loaders import SUPPORTED

ALLOWED = tuple(sorted(SUPPORTED))
MAX_NAME = 120


def types_text() -> str:
    """The file types an upload may have, for the upload box's label and the rejection message alike."""
    return ", ".join(ALLOWED)


class UploadRejected(Exception):
    """The message says why and what to do; shown to the user as a warning."""


def sanitize_filename(name: str) -> str:
    """A safe base name for an uploaded file, or UploadRejected for an unsupported type."""
    base = re.split(r"[/\\]", (name or "").replace("\x00", ""))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = "." + ext.lower() if ext else ""
    if ext not in ALLOWED:
        raise UploadRejected(f"unsupported file type '{ext or base or '?'}': upload {types_text()} files")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    stem = re.sub(r"\.{2,}", ".", re.sub(r"_{2,}", "_", stem)).strip("._-")[: MAX_NAME - len(ext)] or "upload"
    return stem + ext


def save_upload(src: str | Path, uploads_dir: Path, max_mb: float, original_name: str | None = None) -> Path:
    """Copy one uploaded file into `uploads_dir` under a sanitised name; return the stored path."""
    src = Path(src)
    name = sanitize_filename(original_name or src.name)
    size = src.stat().st_size
    if size > max_mb * 1e6:
        raise UploadRejected(f"{name} is {size / 1e6:.1f} MB; the upload limit is {max_mb:g} MB (RAG_UPLOAD_MAX_MB)")
    if size == 0:
        raise UploadRejected(f"{name} is empty")
    root = uploads_dir.resolve()
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    if target.parent != root or name.startswith("."):  # can't happen after sanitising; kept as the invariant
        raise UploadRejected(f"refusing to write {name} outside the uploads dir")
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
        os.replace(tmp, target)  # replaces a symlink at `target` instead of writing through it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
