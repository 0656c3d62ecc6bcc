"""Measure retrieval of the gold passage on SQuAD 2.0 dev: dense vs BM25 vs hybrid, per chunk size.

    python -m evals.measure_retrieval [--n 500] [--chunk-sizes 128,192,256] [--work DIR]

All 18 articles are ingested with the real MiniLM into an index under --work
(a temp dir by default; pass a fixed one to reuse the index across runs), one
collection per chunk size. A seeded sample of answerable questions is asked.

A retrieved chunk *hits* when its [start, end) span overlaps the gold passage's
span in the article text ("passage" columns). Because a small chunk can overlap
the passage without holding the answer, the "answer" columns also require the
chunk to contain one of the gold answer strings (SQuAD-normalised). Hybrid runs
reuse the same dense and BM25 candidate lists through `HybridRetriever.fuse`,
so every method sees identical candidates.
The table goes to stdout and to evals/results/retrieval.md.

Tuning is kept apart from reporting (evals/splits.toml): the sampled questions are split by
article (split_by_article, seed 0); the configuration is chosen on the *fit* half's questions
and every number in the table is the *report* half's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import string
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from evals.data import data_root

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("RAG_SQUAD_DIR", data_root() / "squad2-dev"))
RESULTS = ROOT / "evals" / "results"


# --- SQuAD helpers (shared with train/refusal.py) -------------------------------


def normalize(s: str) -> str:
    """SQuAD's answer normalisation: lowercase, drop punctuation and articles, squeeze spaces."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def contains_answer(text: str, answers: list[str]) -> bool:
    t = f" {normalize(text)} "
    return any(a and f" {a} " in t for a in (normalize(x) for x in answers))


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    article: str  # file name, equals the ingested source
    passage_id: str


def load_squad(data: Path) -> tuple[list[Question], dict[str, tuple[str, int, int]]]:
    """Questions, and passage_id -> (article, start, end) in the article text as the loader reads it."""
    from rag.loaders import load_file

    arts = data / "articles"
    texts = {p.name: load_file(p, arts, 10**9).text for p in sorted(arts.glob("*.txt"))}
    spans: dict[str, tuple[str, int, int]] = {}
    cursor: dict[str, int] = {}
    for line in (data / "passages.jsonl").read_text().splitlines():
        p = json.loads(line)
        text = texts[p["article"]]
        at = text.find(p["text"], cursor.get(p["article"], 0))
        if at < 0:
            at = text.find(p["text"])
        if at < 0:
            continue  # not verbatim in the article: such questions are skipped
        spans[p["passage_id"]] = (p["article"], at, at + len(p["text"]))
        cursor[p["article"]] = at + 1
    qs = [
        Question(d["id"], d["question"], tuple(d["answers"]), d["answerable"], d["article"], d["passage_id"])
        for d in map(json.loads, (data / "questions.jsonl").read_text().splitlines())
        if d["passage_id"] in spans
    ]
    return qs, spans


def split_by_article(rows: list[dict], seed: int) -> tuple[list[dict], list[dict], set[str]]:
    """Half the articles (seeded) for fitting, the other half for reporting: (train, test, train articles)."""
    arts = sorted({r["article"] for r in rows})
    random.Random(seed).shuffle(arts)
    train_arts = set(arts[: len(arts) // 2])
    return [r for r in rows if r["article"] in train_arts], [r for r in rows if r["article"] not in train_arts], train_arts


def index_articles(data: Path, work: Path, chunk_size: int, chunk_overlap: int, embedder, **settings):
    """A pipeline over all articles in its own collection (incremental: reuses an existing index)."""
    from rag.pipeline import build
    from rag.settings import Settings

    s = Settings(data_dir=work, collection=f"squad_{chunk_size}_{chunk_overlap}", chunk_size=chunk_size, chunk_overlap=chunk_overlap, **settings)
    pipe = build(s, embedder=embedder)
    t = time.perf_counter()
    rep = pipe.ingest([data / "articles"])
    if rep.indexed:
        print(f"  indexed {len(rep.indexed)} articles -> {rep.total_chunks} chunks in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return pipe


def squad_pipeline(work: Path | None, prefix: str = "rag-squad-"):
    """SQuAD 2.0 dev's articles indexed with the default settings (reused when `work` already holds
    them), MiniLM run as a long-running process runs it: the index the measure_* scripts share."""
    from rag.embeddings import MiniLMEmbedder, QueryCache
    from rag.pipeline import model_backend
    from rag.settings import Settings

    d = Settings()
    embedder = QueryCache(MiniLMEmbedder(backend=model_backend(d, reader=False)), 100_000)
    return index_articles(DEFAULT_DATA, work or Path(tempfile.mkdtemp(prefix=prefix)), d.chunk_size, d.chunk_overlap, embedder)


def hit_rank(ranking, q: Question, spans, need_answer: bool, depth: int = 10) -> int | None:
    art, s, e = spans[q.passage_id]
    for r, h in enumerate(ranking[:depth], start=1):
        c = h.chunk
        if c.source == art and c.start < e and s < c.end and (not need_answer or contains_answer(c.text, list(q.answers))):
            return r
    return None


def summarise(ranks: list[int | None]) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(r == 1 for r in ranks if r) / n,
        "hit@3": sum(r <= 3 for r in ranks if r) / n,
        "hit@5": sum(r <= 5 for r in ranks if r) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=500, help="answerable questions to sample")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chunk-sizes", default="128,192,256")
    ap.add_argument("--overlap", type=int, default=32)
    ap.add_argument("--candidates", type=int, default=20, help="per retriever, before fusion")
    ap.add_argument("--work", type=Path, default=None, help="index dir to (re)use; a temp dir by default")
    ap.add_argument("--out", type=Path, default=RESULTS / "retrieval.md")
    ap.add_argument("--render-only", action="store_true", help="re-render the table from the saved .json next to --out")
    a = ap.parse_args(argv)
    if a.render_only:
        rows = json.loads(a.out.with_suffix(".json").read_text())
        a.out.write_text(md := render(rows, a.n, a))
        print(md)
        return 0

    from rag.embeddings import MiniLMEmbedder, QueryCache
    from rag.retrieval import BM25Retriever, DenseRetriever, HybridRetriever

    qs, spans = load_squad(a.data)
    pool = [q for q in qs if q.answerable]
    sample = random.Random(a.seed).sample(pool, min(a.n, len(pool)))
    from evals.splits import fit_articles

    fit_arts = fit_articles("squad2-dev")
    emb = QueryCache(MiniLMEmbedder(), maxsize=100_000)
    work = a.work or Path(tempfile.mkdtemp(prefix="rag-retrieval-"))

    methods: dict[str, callable] = {"dense": lambda d, b: d, "bm25": lambda d, b: b}
    for w in (0.5, 0.3, 0.2, 0.1):
        methods[f"rrf w_dense={w}"] = (lambda h: lambda d, b: h.fuse(d, b, 10))(HybridRetriever(None, None, w, 60, a.candidates, "rrf"))
    for w in (0.5, 0.4, 0.3, 0.2):
        methods[f"score w_dense={w}"] = (lambda h: lambda d, b: h.fuse(d, b, 10))(HybridRetriever(None, None, w, 60, a.candidates, "score"))

    rows = []
    for cs in (int(x) for x in a.chunk_sizes.split(",")):
        print(f"chunk_size={cs} overlap={a.overlap}", file=sys.stderr)
        pipe = index_articles(a.data, work, cs, a.overlap, emb)
        dense, bm25 = DenseRetriever(pipe.store, emb), BM25Retriever(pipe.store)
        n_chunks = pipe.store.count()
        ranks = {m: ([], []) for m in methods}
        fit_ranks = {m: ([], []) for m in methods}
        for q in sample:
            d, b = dense.retrieve(q.question, a.candidates), bm25.retrieve(q.question, a.candidates)
            for m, f in methods.items():
                ranking = f(d, b)
                dest = fit_ranks if q.article in fit_arts else ranks
                dest[m][0].append(hit_rank(ranking, q, spans, False))
                dest[m][1].append(hit_rank(ranking, q, spans, True))
        for m in methods:
            rows.append({"chunk_size": cs, "chunks": n_chunks, "method": m, "passage": summarise(ranks[m][0]), "answer": summarise(ranks[m][1]),
                         "fit": {"passage": summarise(fit_ranks[m][0]), "answer": summarise(fit_ranks[m][1])},
                         "n_report": len(ranks[m][0]), "n_fit": len(fit_ranks[m][0])})
            p, an = rows[-1]["passage"], rows[-1]["answer"]
            print(f"  {m:18s} passage hit@1 {p['hit@1']:.3f} hit@5 {p['hit@5']:.3f} mrr {p['mrr@10']:.3f} | answer hit@1 {an['hit@1']:.3f} hit@5 {an['hit@5']:.3f}", file=sys.stderr)

    md = render(rows, rows[0]["n_report"] if rows else 0, a)
    print(md)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    return 0


def render(rows: list[dict], n: int, a) -> str:
    if "fit" in rows[0]:  # chosen on the fit half, reported on the other
        best = max(rows, key=lambda r: (r["fit"]["passage"]["mrr@10"] + r["fit"]["answer"]["mrr@10"]))
    else:
        best = max(rows, key=lambda r: (r["passage"]["mrr@10"] + r["answer"]["mrr@10"]))
    lines = [
        "# Retrieval on SQuAD 2.0 dev (18 articles, MiniLM)",
        "",
        f"`python -m evals.measure_retrieval --n {a.n} --seed {a.seed} --chunk-sizes {a.chunk_sizes} --overlap {a.overlap}`: "
        f"{n} answerable questions on the report articles of evals/splits.toml (of {a.n} sampled with seed {a.seed}; "
        f"the others, on the fit articles, chose the bold row); {a.candidates} candidates per retriever before fusion.",
        "*passage*: the chunk overlaps the gold passage; *answer*: it also contains a gold answer string.",
        "",
        "| chunk | chunks | method | passage hit@1 | hit@3 | hit@5 | MRR@10 | answer hit@1 | hit@3 | hit@5 | MRR@10 |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        p, an = r["passage"], r["answer"]
        mark = "**" if r is best else ""
        lines.append(
            f"| {r['chunk_size']} | {r['chunks']} | {mark}{r['method']}{mark} | {p['hit@1']:.3f} | {p['hit@3']:.3f} | {p['hit@5']:.3f} | {p['mrr@10']:.3f} "
            f"| {an['hit@1']:.3f} | {an['hit@3']:.3f} | {an['hit@5']:.3f} | {an['mrr@10']:.3f} |"
        )
    from rag.settings import Settings

    d = Settings()
    lines += [
        "",
        f"Chosen on the fit half by passage + answer MRR: chunk {best['chunk_size']}, {best['method']} "
        f"(fit half: passage MRR {best.get('fit', best)['passage']['mrr@10']:.3f}); its numbers above are the report half's.",
        "",
        f"Defaults in rag/settings.py: chunk_size {d.chunk_size}, chunk_overlap {d.chunk_overlap}, retrieval {d.retrieval}, "
        f"fusion {d.fusion}, dense_weight {d.dense_weight}, candidates {d.candidates}, k {d.k}. "
        "Score fusion beats weighted RRF at every chunk size and every weight tried: RRF throws away how far ahead "
        "the top BM25 hit is. Equal-weight RRF is below BM25 alone at hit@1, as measured before. 192 tokens is chosen over 256 "
        "(similar MRR) because MiniLM reads at most 256 *wordpieces*, which 256 splitter tokens can exceed, and "
        "smaller chunks make citations more precise.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
