"""Where the public labelled data sets live (SQuAD 2.0, RGB, BEGIN, WiCE).

They are not in the repository (licenses, size). `RAG_EVAL_DATA` points at the
folder that holds `squad2-dev/`, `rgb-en-dev/`, `begin-dev/` and `wice-dev/`;
by default the `shared/data` folder beside the checkout, then /work/shared/data.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    env = os.environ.get("RAG_EVAL_DATA")
    if env:
        return Path(env)
    for cand in (REPO.parent / "shared" / "data", Path("/work/shared/data")):
        if cand.is_dir():
            return cand
    return REPO.parent / "shared" / "data"


def squad_sentences(*sets: str) -> list[str]:
    """The sentences (over 20 characters) of the SQuAD passages of `sets` ("squad2-dev", "squad11-extra"),
    in file order; a set that is missing gives none. The benches recombine them into distinct documents."""
    out = []
    for name in sets:
        f = data_root() / name / "passages.jsonl"
        if f.exists():
            for line in f.read_text().splitlines():
                out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", json.loads(line)["text"]) if len(s.strip()) > 20]
    return out
