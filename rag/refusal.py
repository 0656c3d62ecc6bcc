"""Refusal: estimate P(the sources answer the question) and refuse below a threshold.

A threshold on the top retrieval score alone barely separates answerable from
unanswerable questions (AUC ~0.65 on SQuAD 2.0), so the estimate also uses how
well the best *sentence* matches: its cosine to the question and how many of
the question's key terms it covers. Weights are a logistic regression fitted by
`evals/calibrate_refusal.py` on SQuAD 2.0 dev articles and stored in
`refusal_model.json`; the hand-set defaults below are used when it is absent.
Verification adds a second gate in pipeline.py: an answer with no supported
sentence is refused too.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rag.answer import Candidate
from rag.types import ScoredChunk

MODEL_PATH = Path(__file__).with_name("refusal_model.json")
FEATURES = ("top_dense", "best_cos", "best_lex", "best_score", "margin")


def refusal_features(hits: Sequence[ScoredChunk], ranked: Sequence[Candidate]) -> dict[str, float]:
    dense = [h.dense for h in hits if h.dense is not None]
    best = ranked[0] if ranked else None
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return {
        "top_dense": max(dense) if dense else 0.0,
        "best_cos": best.cosine if best else 0.0,
        "best_lex": best.lexical if best else 0.0,
        "best_score": best.score if best else 0.0,
        "margin": (best.score - second) if best else 0.0,
    }


@dataclass(frozen=True)
class RefusalModel:
    weights: dict[str, float]
    bias: float

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "RefusalModel":
        if path.exists():
            d = json.loads(path.read_text())
            return cls(weights=d["weights"], bias=d["bias"])
        return cls(weights={"best_cos": 8.0, "best_lex": 4.0}, bias=-5.0)

    def p_answerable(self, f: dict[str, float]) -> float:
        z = self.bias + sum(w * f.get(k, 0.0) for k, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
