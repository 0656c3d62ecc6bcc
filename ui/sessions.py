"""Conversations persisted per browser session under <data_dir>/sessions/<id>.json.

The browser keeps only the session id (gr.BrowserState, localStorage); the turns
live on disk, so a reload or a server restart brings the conversation back.
Ids are 32 hex chars and validated before use, so a forged id can't name a path.
Left out: listing old conversations in the UI (the current one can be deleted).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from pathlib import Path

_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_TURNS = 200  # older turns are dropped from the file; the pipeline only uses the last few anyway


def new_id() -> str:
    return uuid.uuid4().hex


def valid_id(sid) -> bool:
    return isinstance(sid, str) and bool(_ID.match(sid))


class SessionStore:
    def __init__(self, root: Path):
        self.root = root

    def path(self, sid: str) -> Path:
        if not valid_id(sid):
            raise ValueError(f"invalid session id {sid!r}")
        return self.root / f"{sid}.json"

    def load(self, sid) -> list[dict]:
        if not valid_id(sid):
            return []
        try:
            data = json.loads(self.path(sid).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        turns = data.get("turns") if isinstance(data, dict) else None
        return [t for t in turns or [] if isinstance(t, dict) and "id" in t and "question" in t]

    def delete(self, sid: str) -> None:
        self.path(sid).unlink(missing_ok=True)

    def save(self, sid: str, turns: list[dict]) -> None:
        target = self.path(sid)
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".session-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"id": sid, "turns": turns[-MAX_TURNS:]}, f, ensure_ascii=False)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
