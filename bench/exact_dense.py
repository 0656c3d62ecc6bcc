"""Exact dense search against Chroma's HNSW on one index, in one process, alternating question by question.

    python bench/exact_dense.py WORK    # WORK: an index kept by `bench/scale.py --sizes N --keep --work DIR`

Prints dense and hybrid retrieval p50/p95 with exact search forced on (RAG_EXACT_DENSE_MAX above the size) and off
(0: HNSW), and how many questions get the same dense top 20 from both. The questions are realdocs' first 80; the
vectors are whatever the kept index holds (bench/scale.py: hash-384, which HNSW finds worse than real embeddings).
Results: evals/results/exact_dense.md."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from rag.pipeline import build
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def ms(f) -> float:
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def main(work: Path) -> None:
    pipes = {name: build(Settings(data_dir=work / "data", collection="scale", embedder="hash-384", mode="extractive", reader="off",
                                  exact_dense_max=limit))
             for name, limit in (("exact", 1_000_000), ("hnsw", 0))}
    qs = [json.loads(line)["question"] for line in open(ROOT / "evals/datasets/realdocs.jsonl")][:80]
    for p in pipes.values():  # warm up: mapped pages, the HNSW load
        for q in qs[:5]:
            p.retrieve(q, 5)
    t: dict[str, list[float]] = {f"{n}_{w}": [] for n in pipes for w in ("hybrid", "dense")}
    for q in qs:
        for n, p in pipes.items():
            # the dense run gets another text than the hybrid one, so the query-embedding cache serves neither
            t[f"{n}_dense"].append(ms(lambda: p.retriever.dense.ranked_ids(q + " ?", 20)))
            t[f"{n}_hybrid"].append(ms(lambda: p.retrieve(q, 5)))
    print("chunks", pipes["exact"].store.count())
    for k, v in t.items():
        print(k, "p50 %.1f ms p95 %.1f" % (statistics.median(v), sorted(v)[int(0.95 * len(v))]))
    same = sum([i for i, _ in pipes["exact"].retriever.dense.ranked_ids(q, 20)] == [i for i, _ in pipes["hnsw"].retriever.dense.ranked_ids(q, 20)]
               for q in qs)
    print("identical dense top 20 (exact vs HNSW):", same, "of", len(qs))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
