"""evals/splits.toml as code: which articles/records a fitted thing may see, which ones are reported.

`report_articles("squad2-dev")` is what the squad2 suite samples from; `leaks()` lists every
(reported number, fitted thing) pair whose data overlap, and must be empty (tests/evals/test_splits.py).
Left out: record-level lists for BEGIN/WiCE (their split is a hash, see evals.judges.Example.split).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "splits.toml"


@lru_cache(maxsize=1)
def load(path: Path = PATH) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def fit_articles(name: str = "squad2-dev") -> frozenset[str]:
    return frozenset(load()["sets"][name]["fit"])


def report_articles(name: str = "squad2-dev") -> frozenset[str]:
    return frozenset(load()["sets"][name]["report"])


def _parts(ref: str) -> tuple[str, str]:
    name, _, split = ref.partition(":")
    return name, split


def _members(ref: str) -> set[str]:
    """The concrete members of SET:SPLIT ('*' = the whole set)."""
    name, split = _parts(ref)
    listed = load()["sets"][name][split]
    return {f"{name}/{m}" for m in listed}


def overlap(a: str, b: str) -> bool:
    """Do two SET:SPLIT references share data?"""
    (na, _), (nb, _) = _parts(a), _parts(b)
    if na != nb:
        return False
    ma, mb = _members(a), _members(b)
    if not ma or not mb:
        return False
    star = f"{na}/*"
    return star in ma or star in mb or bool(ma & mb)


def leaks() -> list[tuple[str, str, str]]:
    """(reported, fitted, shared SET:SPLIT) for every reported number measured on fitted data."""
    cfg = load()
    out = []
    for rep, r in cfg["reported"].items():
        for fit, f in cfg["fitted"].items():
            for a in r["on"]:
                for b in f["sees"]:
                    if overlap(a, b):
                        out.append((rep, fit, a))
    return out
