"""The warm query's shortcuts give the same numbers as the long way: the span reader's banded span search,
both readings of a question in one forward pass (`SpanReader.read_many`), and bf16's fused q/k/v Linear.
A tiny random BERT (2 layers, 64 wide, a 40-word vocabulary) stands in for MiniLM."""

import json

import numpy as np
import pytest

from rag.reader import MAX_ANSWER_TOKENS, SpanReader

WORDS = "the a of cache page file wal lock reader writer database is was in on by when what how many size bytes".split()


def _tiny_bert(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "?", ".", ",", *WORDS])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.save(str(tmp_path / "tokenizer.json"))
    dim, inter, layers = 64, 128, 2
    (tmp_path / "config.json").write_text(json.dumps({"num_attention_heads": 4, "num_hidden_layers": layers, "layer_norm_eps": 1e-12}))
    g = torch.Generator().manual_seed(0)

    def r(*shape):
        return torch.randn(*shape, generator=g) * 0.2

    w = {"embeddings.word_embeddings.weight": r(len(vocab), dim)}
    rest = {"embeddings.position_embeddings.weight": r(512, dim), "embeddings.token_type_embeddings.weight": r(2, dim),
            "embeddings.LayerNorm.weight": 1 + r(dim), "embeddings.LayerNorm.bias": r(dim), "qa.weight": r(2, dim), "qa.bias": r(2)}
    for i in range(layers):
        p = f"encoder.layer.{i}."
        for name, (o, n) in {"attention.self.query": (dim, dim), "attention.self.key": (dim, dim), "attention.self.value": (dim, dim),
                             "attention.output.dense": (dim, dim), "intermediate.dense": (inter, dim), "output.dense": (dim, inter)}.items():
            rest[p + name + ".weight"], rest[p + name + ".bias"] = r(o, n), r(o)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            rest[p + ln + ".weight"], rest[p + ln + ".bias"] = 1 + r(dim), r(dim)
    save_file(w, str(tmp_path / "model.safetensors"))
    save_file(rest, str(tmp_path / "span.safetensors"))
    return tmp_path


def _passages(n: int, seed: int = 0) -> list[str]:
    rnd = np.random.default_rng(seed)
    out = []
    for length in [12, 40, 300, 25, 700][:n]:  # 300 and 700 words: more than one window each
        words = rnd.choice(WORDS, size=length)
        out.append(" ".join(f"{w}." if k % 9 == 8 else w for k, w in enumerate(words)))
    return out


def _same(a, b) -> bool:
    return (a.null, a.score, a.start, a.end) == (b.null, b.score, b.start, b.end) and all(
        np.array_equal(x, y) for x, y in ((a.offsets, b.offsets), (a.best_from, b.best_from), (a.best_end, b.best_end)))


@pytest.mark.parametrize("backend,precision", [("numpy", "fp32"), ("torch", "fp32"), ("torch", "bf16")])
def test_read_many_gives_each_question_its_own_read_bit_for_bit(tmp_path, backend, precision):
    base = _tiny_bert(tmp_path)
    r = SpanReader(base / "span.safetensors", base, backend=backend, precision=precision)
    passages = _passages(5)
    qs = ["what is the size of the wal file ?", "how many bytes ?"]
    together = r.read_many(qs, passages)
    assert len(together) == 2 and all(len(t) == len(passages) for t in together)
    for q, reads in zip(qs, together):
        assert all(_same(a, b) for a, b in zip(reads, r.read(q, passages)))
    assert r.read_many(qs, []) == [[], []]


def test_bf16_fused_qkv_gives_the_unfused_numbers(tmp_path):
    base = _tiny_bert(tmp_path)
    r = SpanReader(base / "span.safetensors", base, backend="torch", precision="bf16")
    assert "encoder.layer.0.attention.self.qkv.weight" in r.model.w
    encs = [e for p in _passages(5, seed=1) for e0 in [r.tok.encode("what is the cache ?", p)] for e in [e0, *e0.overflowing]]
    ids, types = [e.ids for e in encs], [e.type_ids for e in encs]
    fused = r.model.token_logits(ids, types)
    for k in [k for k in r.model.w if ".qkv." in k]:
        del r.model.w[k]
    for a, b in zip(fused, r.model.token_logits(ids, types)):
        assert np.array_equal(a, b)


def _merge_full(parts):
    """SpanReader._merge as it was: every (start, end) pair of a window, masked to spans of up to MAX_ANSWER_TOKENS."""
    null = min(p[0] for p in parts)
    best, ends = [], []
    for _, ctx, lg, off in parts:
        s, e = lg[ctx, 0], lg[ctx, 1]
        k = np.arange(len(ctx))
        ok = (k[None, :] >= k[:, None]) & (k[None, :] - k[:, None] < MAX_ANSWER_TOKENS)
        pair = np.where(ok, s[:, None] + e[None, :], -np.inf)
        j = pair.argmax(1)
        best.append(pair[k, j])
        ends.append(off[ctx][j, 1])
    return null, np.concatenate(best), np.concatenate(ends)


@pytest.mark.parametrize("n", [1, 5, 29, 30, 31, 200])
def test_banded_span_search_equals_the_full_matrix(n):
    rnd = np.random.default_rng(n)
    parts = []
    for w in range(2):
        lg = rnd.integers(-3, 4, size=(n + 3, 2)).astype(np.float32)  # small integers: many ties, the first end must win
        ctx = np.arange(2, n + 2)
        off = np.stack([np.arange(n + 3) * 10, np.arange(n + 3) * 10 + 7], 1)
        parts.append((float(lg[0, 0] + lg[0, 1]), ctx, lg, off))
    got = SpanReader._merge(parts)
    null, best, ends = _merge_full(parts)
    assert got.null == null and np.array_equal(got.best_from, best) and np.array_equal(got.best_end, ends)
    assert got.best_from.dtype == best.dtype
