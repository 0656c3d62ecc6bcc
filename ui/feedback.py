"""Thumbs up/down on answers, appended to a JSONL file the eval suite can read.

One line per click:
    {"ts": ISO-8601 UTC, "session": id, "turn": id, "rating": "up" | "down" | null (withdrawn),
     "question", "standalone_question", "answer", "refused", "mode",
     "citations": [{"n", "source", "start", "end", "page", "section", "text", "highlights"}]}
Lines are written with one `write` under a lock, so concurrent clicks don't interleave.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path

_LOCK = threading.Lock()


def rating_of(liked) -> str | None:
    """gr.LikeData.liked -> "up" / "down" / None (feedback withdrawn)."""
    if liked is True or liked == "Like":
        return "up"
    if liked is False or liked == "Dislike":
        return "down"
    return None


def feedback_record(turn: dict, rating: str | None, session: str) -> dict:
    a = turn.get("answer") or {}
    return {
        "ts": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "session": session,
        "turn": turn.get("id"),
        "rating": rating,
        "question": turn.get("question"),
        "standalone_question": a.get("standalone_question"),
        "answer": a.get("answer", turn.get("error")),
        "refused": a.get("refused"),
        "mode": a.get("mode"),
        "citations": [
            {k: c.get(k) for k in ("n", "source", "start", "end", "page", "section", "text", "highlights")} for c in a.get("citations") or []
        ],
    }


def append_feedback(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(line)
