"""Pure metric functions: plain values in, `Result(value, reason)` out.

A metric that is undefined on its input (no answerable cases, no citations, ...) is
`Result(None, reason)`, never NaN, so report.json stays valid JSON and a script can
tell "0.0" from "nothing to measure". Values are rounded to 4 decimals so that two
runs of the same suite print byte-identical numbers.
Answer normalisation is SQuAD's (lowercase, drop punctuation and articles, squeeze spaces).
"""

from __future__ import annotations

import collections
import math
import re
import string
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence


@dataclass(frozen=True)
class Result:
    value: Optional[float]
    reason: Optional[str] = None
    se: Optional[float] = None  # standard error for the sample size: the noise margin of a threshold


def _r(x: float) -> float:
    return round(float(x), 4)


def share_se(num: float, den: float) -> float:
    """Binomial standard error of a share, Agresti-Coull adjusted (x+2)/(n+4): a share of 0 or 1
    on a small sample still gets a margin instead of a false certainty."""
    p = (num + 2) / (den + 4)
    return _r(math.sqrt(p * (1 - p) / (den + 4)))


def _share(num: float, den: float, reason: str) -> Result:
    return Result(_r(num / den), None, share_se(num, den)) if den else Result(None, reason)


def _mean_se(values: Sequence[float]) -> float:
    """Standard error of a mean of per-case values in [0, 1] (MRR, token F1), never below the
    binomial one for the same mean, so that a constant sample still gets a margin."""
    n = len(values)
    m = sum(values) / n
    var = sum((v - m) ** 2 for v in values) / max(n - 1, 1)
    return max(_r(math.sqrt(var / n)), share_se(m * n, n))


# --- text ---------------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation) | {"‘", "’", "“", "”", "–", "—"}


def normalize(text: str) -> str:
    """SQuAD normalisation: lowercase, remove punctuation, articles and extra whitespace."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(answer: str, golds: Iterable[str]) -> bool:
    """Some gold answer occurs in the answer, as whole words after normalisation."""
    a = f" {normalize(answer)} "
    return any(g and f" {g} " in a for g in (normalize(x) for x in golds))


def token_f1(answer: str, gold: str) -> float:
    """SQuAD token F1 between two strings (both empty -> 1, one empty -> 0)."""
    p, g = normalize(answer).split(), normalize(gold).split()
    if not p or not g:
        return float(p == g)
    common = sum((collections.Counter(p) & collections.Counter(g)).values())
    if not common:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def best_f1(answer: str, golds: Sequence[str]) -> float:
    return max((token_f1(answer, g) for g in golds), default=0.0)


# --- retrieval ----------------------------------------------------------------------------


def hit_at_k(ranks: Sequence[Optional[int]], k: int) -> Result:
    """Share of questions whose first gold passage is ranked <= k (rank None = not retrieved)."""
    return _share(sum(1 for r in ranks if r is not None and r <= k), len(ranks), "no case with gold evidence")


def mrr(ranks: Sequence[Optional[int]]) -> Result:
    """Mean reciprocal rank of the first gold passage; a miss counts 0."""
    return mean([1.0 / r if r else 0.0 for r in ranks], "no case with gold evidence")


# --- correctness ----------------------------------------------------------------------------


def mean(values: Sequence[float], reason: str) -> Result:
    if not values:
        return Result(None, reason)
    return Result(_r(sum(values) / len(values)), None, _mean_se(values))


# --- refusal ----------------------------------------------------------------------------------


def refusal(answerable: Sequence[bool], refused: Sequence[bool]) -> dict[str, Result]:
    """Refusal as a detector of unanswerable questions; `refused` is the answer's own flag
    (Answer.refused), never a word match on the answer text.

    recall: refused unanswerables / unanswerables; precision: refused unanswerables / refusals;
    false_refusal_rate: refused answerables / answerables.
    """
    pairs = list(zip(answerable, refused))
    tp = sum(1 for a, d in pairs if not a and d)
    fp = sum(1 for a, d in pairs if a and d)
    n_un = sum(1 for a, _ in pairs if not a)
    n_ans = len(pairs) - n_un
    return {
        "refusal_recall": _share(tp, n_un, "no unanswerable cases"),
        "refusal_precision": _share(tp, tp + fp, "nothing was refused"),
        "false_refusal_rate": _share(fp, n_ans, "no answerable cases"),
    }


def refusal_auc(answerable: Sequence[bool], scores: Sequence[Optional[float]]) -> Result:
    """How well the refusal score ranks, whatever the threshold: the chance that an answerable case scores higher
    than an unanswerable one (ties count half). 0.5 is chance. Refusal recall and false refusals are read at one
    threshold and can trade against each other; this does not move with the threshold, only with the score.

    1. Keep the cases that have a score (P(answerable) before the answer-time rules).
    2. Count, over every (answerable, unanswerable) pair, the pairs the score orders right.
    3. Standard error: Hanley and McNeil (1982), from the AUC and the two group sizes.
    """
    pos = [s for a, s in zip(answerable, scores) if a and s is not None]
    neg = [s for a, s in zip(answerable, scores) if not a and s is not None]
    if not pos or not neg:
        return Result(None, "needs answerable and unanswerable cases with a refusal score")
    right = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    auc = right / (len(pos) * len(neg))
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (len(pos) - 1) * (q1 - auc * auc) + (len(neg) - 1) * (q2 - auc * auc)) / (len(pos) * len(neg))
    return Result(_r(auc), None, _r(math.sqrt(max(var, 0.0))))


def premise_handled(handled: Sequence[bool]) -> Result:
    """False-premise questions: share refused or corrected (see evals/runner.py `premise_verdict`).
    Kept apart from refusal recall: a correction is a good answer, not a refusal."""
    return _share(sum(handled), len(handled), "no false-premise case with a stated premise")


# --- faithfulness and citations ----------------------------------------------------------------


@dataclass(frozen=True)
class JudgedSentence:
    """One answer sentence: the judge's verdict on all its cited passages, and on each one alone."""

    supported: bool
    per_citation: tuple[bool, ...] = ()


def faithfulness(sentences: Sequence[JudgedSentence]) -> Result:
    """Share of answer sentences supported by the passages they cite (uncited = unsupported)."""
    return _share(sum(s.supported for s in sentences), len(sentences), "no answered sentences")


def citation_precision(sentences: Sequence[JudgedSentence]) -> Result:
    """Share of citations that, alone, support their sentence."""
    flags = [c for s in sentences for c in s.per_citation]
    return _share(sum(flags), len(flags), "no citations")


def citation_recall(sentences: Sequence[JudgedSentence]) -> Result:
    """Share of sentences with at least one citation that supports them."""
    return _share(sum(any(s.per_citation) for s in sentences), len(sentences), "no answered sentences")


# --- latency ----------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> Result:
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    xs = sorted(values)
    if not xs:
        return Result(None, "no timed cases")
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return Result(round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 2))


# --- judges -----------------------------------------------------------------------------------


def confusion(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, int]:
    """Counts with 'supported' as the positive class."""
    c = collections.Counter(zip(gold, pred))
    return {"tp": c[(True, True)], "fn": c[(True, False)], "fp": c[(False, True)], "tn": c[(False, False)]}


def balanced_accuracy(gold: Sequence[bool], pred: Sequence[bool]) -> Result:
    """Mean of the recall on supported and the recall on unsupported examples."""
    c = confusion(gold, pred)
    pos, neg = c["tp"] + c["fn"], c["tn"] + c["fp"]
    if not pos or not neg:
        return Result(None, "needs both supported and unsupported examples")
    return Result(_r((c["tp"] / pos + c["tn"] / neg) / 2), None, balanced_accuracy_se(c))


def balanced_accuracy_se(c: dict[str, int]) -> float:
    """Standard error of balanced accuracy: half the root sum of squares of the two recalls' SEs."""
    pos, neg = c["tp"] + c["fn"], c["tn"] + c["fp"]
    return _r(0.5 * math.sqrt(share_se(c["tp"], pos) ** 2 + share_se(c["tn"], neg) ** 2))
