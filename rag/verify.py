"""Verification: does a passage support a claim? One Protocol, a deterministic checker.

The checker works in readable steps:
  1. split the passages into sentences and find the ones closest to the claim;
  2. measure how much of the claim's content is in them (stemmed token recall);
  3. look for content in the claim that is *not* in the passages: numbers,
     names, a negation that flips the meaning;
  4. optionally add the embedding cosine of the best passage sentence;
  5. combine into a support score in [0, 1]; supported means score >= threshold.
The evals measure it against human labels (BEGIN, WiCE) and a learned judge
can replace it behind the same Protocol. Left out: entailment models (none is
packaged offline), coreference, paraphrase of numbers ("two" vs "2").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from rag.text import has_negation, key_terms, names, numbers, sentences


@dataclass(frozen=True)
class Verdict:
    support: float
    supported: bool
    reason: str = ""


class Checker(Protocol):
    def check(self, claim: str, passages: Sequence[str]) -> Verdict: ...


FEATURES = ("recall", "best_sent_recall", "novel_numbers", "novel_names", "negation_flip", "cosine", "claim_len")


def features(claim: str, passages: Sequence[str], embedder=None) -> dict[str, float]:
    """The evidence a checker decides on; shared by the heuristic and any learned judge."""
    text = "\n".join(passages)
    claim_terms = key_terms(claim)
    passage_terms = set(key_terms(text))
    recall = sum(t in passage_terms for t in claim_terms) / len(claim_terms) if claim_terms else 1.0

    sents = [s for p in passages for s in (sentences(p) or [p])] or [""]
    best_recall, best_sent = -1.0, ""
    for s in sents:
        st = set(key_terms(s))
        r = sum(t in st for t in claim_terms) / len(claim_terms) if claim_terms else 1.0
        if r > best_recall:
            best_recall, best_sent = r, s

    novel_num = len(numbers(claim) - numbers(text))
    pnames = {n for n in names(text)} | {w.lower() for w in key_terms(text)}
    novel_names = len({n for n in names(claim) if n not in pnames and n.rstrip("s") not in pnames})
    flip = float(has_negation(claim) != has_negation(best_sent)) if claim_terms else 0.0

    cosine = 0.0
    if embedder is not None and sents:
        vecs = embedder.embed_documents([claim, *sents[:64]])
        cosine = float(np.max(vecs[1:] @ vecs[0]))
    return {
        "recall": recall,
        "best_sent_recall": max(best_recall, 0.0),
        "novel_numbers": float(novel_num),
        "novel_names": float(novel_names),
        "negation_flip": flip,
        "cosine": cosine,
        "claim_len": math.log1p(len(claim_terms)),
    }


class HeuristicChecker:
    """Hand-weighted combination of `features`; deterministic, no training data."""

    def __init__(self, threshold: float = 0.5, embedder=None):
        self.threshold = threshold
        self.embedder = embedder

    def score(self, f: dict[str, float]) -> float:
        base = 0.55 * f["recall"] + 0.45 * f["best_sent_recall"]
        if self.embedder is not None:
            base = 0.75 * base + 0.25 * max(f["cosine"], 0.0)
        penalty = 0.35 * min(f["novel_numbers"], 2) + 0.2 * min(f["novel_names"], 3) + 0.3 * f["negation_flip"]
        return float(min(1.0, max(0.0, base - penalty)))

    def check(self, claim: str, passages: Sequence[str]) -> Verdict:
        if not passages:
            return Verdict(0.0, False, "no cited passage")
        if any(claim.strip() and claim.strip() in p for p in passages):
            return Verdict(1.0, True, "quoted verbatim")
        f = features(claim, passages, self.embedder)
        s = self.score(f)
        reasons = [
            msg
            for key, msg in (
                ("novel_numbers", "number not in source"),
                ("novel_names", "name not in source"),
                ("negation_flip", "negation differs"),
            )
            if f[key] > 0
        ]
        if f["recall"] < 0.6:
            reasons.append("little of the claim is in the source")
        return Verdict(s, s >= self.threshold, "; ".join(reasons))
