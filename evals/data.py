"""Where the public labelled data sets live (SQuAD 2.0, RGB, BEGIN, WiCE).

They are not in the repository (licenses, size). `RAG_EVAL_DATA` points at the
folder that holds `squad2-dev/`, `rgb-en-dev/`, `begin-dev/` and `wice-dev/`;
by default the `shared/data` folder beside the checkout, then /work/shared/data.
"""

from __future__ import annotations

import os
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
