"""Quality gate for the int8 / bf16 embedders: hybrid and dense retrieval on SQuAD 2.0 dev, vs fp32.

    python -m evals.measure_quantization [--variant int8|bf16] [--n 500] [--seed 0] [--work DIR]

Variants, each on the same seeded sample of answerable questions, chunks 192/32, the default
hybrid settings (score fusion, dense weight 0.4, 20 candidates per retriever):
  * fp32: documents and queries fp32 (the baseline);
  * int8 (or bf16) docs + fp32 queries;
  * int8 (or bf16) docs + int8 (bf16) queries.
Gate (issue 12): hybrid hit@1 and hit@5 within 0.01 of fp32. Also printed: the mean and minimum
cosine between each chunk's reduced-precision and fp32 vectors.
Output: evals/results/quantization.{md,json} (int8), quantization_bf16.{md,json} (bf16).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, hit_rank, index_articles, load_squad, summarise


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--variant", choices=["int8", "bf16"], default="int8")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/quantization.md (int8), quantization_bf16.md (bf16)")
    a = ap.parse_args(argv)
    v = a.variant
    a.out = a.out or RESULTS / ("quantization.md" if v == "int8" else f"quantization_{v}.md")

    import numpy as np

    from rag.embeddings import MiniLMEmbedder
    from rag.retrieval import BM25Retriever, DenseRetriever, HybridRetriever
    from rag.settings import Settings

    d = Settings()
    qs, spans = load_squad(a.data)
    pool = [q for q in qs if q.answerable]
    sample = random.Random(a.seed).sample(pool, min(a.n, len(pool)))
    work = a.work or Path(tempfile.mkdtemp(prefix="rag-quant-"))
    fuse = HybridRetriever(None, None, d.dense_weight, d.rrf_k, d.candidates, d.fusion)

    fp32, low = MiniLMEmbedder(), MiniLMEmbedder(**{v: True})
    pipes = {"fp32": index_articles(a.data, work / "fp32", 192, 32, fp32), v: index_articles(a.data, work / v, 192, 32, low)}
    ids = sorted(pipes["fp32"].store.collection.get(include=[])["ids"])
    v32, v8 = pipes["fp32"].store.vectors(ids), pipes[v].store.vectors(ids)
    cos = np.array([float(np.dot(v32[i], v8[i])) for i in ids if i in v8])
    print(f"chunk vectors {v} vs fp32: {len(cos)} chunks, cosine mean {cos.mean():.5f}, min {cos.min():.5f}", file=sys.stderr)

    variants = [("fp32 documents, fp32 queries", "fp32", False), (f"{v} documents, fp32 queries", v, False), (f"{v} documents, {v} queries", v, True)]
    rows = []
    for label, index, q8 in variants:
        pipe = pipes[index]
        emb = MiniLMEmbedder(**{v: True, f"{v}_queries": q8}) if index == v else fp32
        if index == v:
            emb._lean, emb._st = low._lean, low._st  # one loaded model; only the query path differs
        dense, bm25 = DenseRetriever(pipe.store, emb), BM25Retriever(pipe.store)
        ranks = {"dense": [], "hybrid": []}
        for q in sample:
            dr, br = dense.retrieve(q.question, d.candidates), bm25.retrieve(q.question, d.candidates)
            ranks["dense"].append(hit_rank(dr, q, spans, False))
            ranks["hybrid"].append(hit_rank(fuse.fuse(dr, br, 10), q, spans, False))
        rows.append({"variant": label, **{m: summarise(r) for m, r in ranks.items()}})
        print(f"  {label}: hybrid {rows[-1]['hybrid']}  dense {rows[-1]['dense']}", file=sys.stderr)

    base = rows[0]["hybrid"]
    from evals.cli import stamp

    st = stamp()
    lines = [
        f"# {v} embedder: retrieval quality gate on SQuAD 2.0 dev",
        "",
        f"`python -m evals.measure_quantization{'' if v == 'int8' else ' --variant ' + v} --n {a.n} --seed {a.seed}`: {len(sample)} answerable questions, 18 articles, "
        f"chunks 192/32, hybrid = {d.fusion} fusion with dense weight {d.dense_weight}, {d.candidates} candidates. A hit is a "
        "retrieved chunk overlapping the gold passage.",
        f"Commit `{st['commit']}` · {st['date']} · load average {st['loadavg']} on {st['cpus']} CPUs.",
        f"Chunk vectors, {v} vs fp32 ({len(cos)} chunks): cosine mean {cos.mean():.5f}, min {cos.min():.5f}.",
        "",
        "| variant | hybrid hit@1 | hybrid hit@5 | hybrid MRR@10 | dense hit@1 | dense hit@5 | gate (hybrid within 0.01 of fp32) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        h, dn = r["hybrid"], r["dense"]
        ok = abs(h["hit@1"] - base["hit@1"]) <= 0.01 and abs(h["hit@5"] - base["hit@5"]) <= 0.01
        r["gate"] = ok
        lines.append(f"| {r['variant']} | {h['hit@1']:.3f} | {h['hit@5']:.3f} | {h['mrr@10']:.3f} | {dn['hit@1']:.3f} | {dn['hit@5']:.3f} | {'baseline' if r is rows[0] else ('met' if ok else 'MISSED')} |")
    lines.append("")
    md = "\n".join(lines)
    print(md)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps({"stamp": st, "variant": v, "cosine_mean": float(cos.mean()), "cosine_min": float(cos.min()), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
