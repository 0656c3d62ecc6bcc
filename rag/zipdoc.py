"""Opening a zip-container document (EPUB, ODT, PPTX) from its bytes, refused with the reason.

Each reader passes its own error (a reason -> the exception it raises), so the wording the user sees
stays the reader's: "not a zip archive", "a damaged zip (…)", or "it expands to more than N MB" for a zip whose members
add up to more than the reader's limit (a zip bomb, not a document). What the zip must hold, and
whether it is encrypted, is each reader's to check.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Callable


def open_zip(raw: bytes, limit: int, error: Callable[[str], Exception]) -> zipfile.ZipFile:
    """The zip in `raw`; raises error(reason) when it is not a zip or expands past `limit` bytes."""
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as e:
        raise error("not a zip archive") from e
    except (UnicodeDecodeError, ValueError, NotImplementedError, EOFError, OSError) as e:  # e.g. a member name flagged UTF-8 that is not
        raise error(f"a damaged zip ({type(e).__name__})") from e
    if sum(i.file_size for i in z.infolist()) > limit:
        raise error(f"it expands to more than {limit // 2**20} MB")
    return z


def part_name(base: str, target: str) -> str:
    """An Office package relationship's target as a part name: absolute ("/word/x.xml") from the package
    root, else relative to `base`, the folder of the part that holds the relationship (DOCX, PPTX)."""
    return posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(base, target))
