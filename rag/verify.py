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
        # Content the passage lacks is evidence *against* the claim, not just missing evidence:
        # one invented number, name or flipped negation is enough to fail an otherwise copied sentence.
        penalty = 0.55 * min(f["novel_numbers"], 2) + 0.45 * min(f["novel_names"], 2) + 0.6 * f["negation_flip"]
        return float(min(1.0, max(0.0, base - penalty)))

    def check(self, claim: str, passages: Sequence[str]) -> Verdict:
        if not passages:
            return Verdict(0.0, False, "no cited passage")
        c = " ".join(claim.split())  # quotes are shown whitespace-folded (wrapped PDF lines)
        if any(c and c in " ".join(p.split()) for p in passages):
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


# ---------------------------------------------------------------------------
# A learned checker: the same evidence plus a few more signals, weighted by a small
# model trained on human labels (BEGIN, WiCE train split) by `train/judge.py`.
# The artifact is plain JSON (no pickle) so it is small, diffable and safe to load.

import json  # noqa: E402  (kept with the learned checker: this block is appended by the evals work)
from pathlib import Path  # noqa: E402

LEARNED_MODEL_PATH = Path(__file__).with_name("checker_model.json")
# The same kind of model with the reader's P(supported) among its features (`train/judge.py --reader`):
# the answer-time checker and the offline judge when the reader is installed.
READER_CHECKER_PATH = Path(__file__).with_name("checker_reader_model.json")
_PERSONAL = {"i", "i'm", "im", "me", "my", "mine", "you", "your", "you're", "we", "us", "our", "lol", "yeah", "wow", "cool"}


def learned_features(claim: str, passages: Sequence[str], embedder=None, reader=None) -> dict[str, float]:
    """`features` without its cosine, plus embedding and surface signals a learned judge weighs;
    with a `reader` (rag.reader.Reader), its P(a cited passage supports the claim)."""
    import difflib
    import re

    f = features(claim, passages, None)
    text = "\n".join(passages)
    low_claim, low_text = " ".join(claim.lower().split()), " ".join(text.lower().split())
    ct, pt = key_terms(claim), key_terms(text)
    cbi = set(zip(ct, ct[1:]))
    pset = set(pt)
    pbi = set(zip(pt, pt[1:])) | {(b, a) for a, b in zip(pt, pt[1:])}
    words = re.findall(r"[a-z']+", low_claim)
    sents = [s for p in passages for s in (sentences(p) or [p])] or [""]
    sent_terms = [set(key_terms(s)) for s in sents]
    best = sents[max(range(len(sents)), key=lambda i: (sum(t in sent_terms[i] for t in ct), -len(sents[i]), -i))]
    out = {k: v for k, v in f.items() if k != "cosine"}
    out.update(
        bigram_recall=sum(b in pbi for b in cbi) / len(cbi) if cbi else 1.0,
        novel_terms=math.log1p(sum(t not in pset for t in ct)),
        seq_ratio=difflib.SequenceMatcher(None, low_claim, best.lower(), autojunk=False).ratio(),
        verbatim=float(bool(low_claim.strip(" .")) and low_claim.strip(" .") in low_text),
        personal=sum(w in _PERSONAL for w in words) / max(len(words), 1),
        question=float("?" in claim),
        passage_len=math.log1p(len(pt)),
        cos_max=0.0,
        cos_top2=0.0,
        cos_all=0.0,
    )
    if embedder is not None:
        vecs = embedder.embed_documents([claim, text[:2000], *sents[:64]])
        cos = np.sort(vecs[2:] @ vecs[0])[::-1]
        out.update(cos_max=float(cos[0]), cos_top2=float(cos[:2].mean()), cos_all=float(vecs[1] @ vecs[0]))
    if reader is not None:
        out.update(reader_features(claim, passages, reader))
    return out


def reader_features(claim: str, passages: Sequence[str], reader) -> dict[str, float]:
    """The reader's P(supported): all passages read together (evidence split over sentences) and
    each alone (a long joined text is cut at the reader's length limit); the max, and as a logit."""
    texts = [" ".join(passages)] + (list(passages) if len(passages) > 1 else [])
    p = float(np.max(reader.supports(claim, texts))) if passages else 0.0
    q = min(max(p, 1e-4), 1 - 1e-4)
    return {"reader_support": p, "reader_logit": math.log(q / (1 - q))}


def _tree_predict(tree: dict, x: np.ndarray) -> float:
    node = 0
    left, right, feat, thr, val = tree["left"], tree["right"], tree["feature"], tree["threshold"], tree["value"]
    while left[node] >= 0:
        node = left[node] if x[feat[node]] <= thr[node] else right[node]
    return val[node]


class LearnedChecker:
    """Checker whose weights were fitted on human faithfulness labels; see train/judge.py.

    Supports a logistic regression ("logreg": standardised features) or gradient-boosted
    trees ("gbm"), both stored as JSON. The support score is the model's probability.
    """

    def __init__(self, embedder=None, path=None, threshold: float | None = None, reader=None):
        spec = json.loads((path or LEARNED_MODEL_PATH).read_text())
        self.spec = spec
        self.names: list[str] = spec["features"]
        self.threshold = spec["threshold"] if threshold is None else threshold
        self.embedder = embedder if spec.get("uses_embedder") else None  # a model without cosines never embeds
        if spec.get("uses_embedder") and embedder is None:
            from rag.embeddings import make_embedder

            self.embedder = make_embedder("minilm")
        self.reader = reader
        if spec.get("uses_reader") and reader is None:
            from rag.reader import load_reader

            self.reader = load_reader()

    def proba(self, f: dict[str, float]) -> float:
        x = np.array([f[n] for n in self.names], dtype=np.float64)
        s = self.spec
        if s["kind"] == "logreg":
            z = s["intercept"] + float(((x - np.array(s["mean"])) / np.array(s["scale"])) @ np.array(s["coef"]))
        else:
            z = s["init"] + s["learning_rate"] * sum(_tree_predict(t, x) for t in s["trees"])
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def check(self, claim: str, passages: Sequence[str]) -> Verdict:
        if not passages:
            return Verdict(0.0, False, "no cited passage")
        c = " ".join(claim.split()).strip(" .")
        if c and any(c in " ".join(p.split()) for p in passages):
            return Verdict(1.0, True, "quoted verbatim")  # a quote is supported by definition; saves the model call
        f = learned_features(claim, passages, self.embedder, self.reader if self.spec.get("uses_reader") else None)
        p = self.proba(f)
        reasons = [msg for key, msg in (("novel_numbers", "number not in source"), ("novel_names", "name not in source"),
                                         ("negation_flip", "negation differs")) if f[key] > 0]
        return Verdict(round(p, 6), p >= self.threshold, "; ".join(reasons))
