"""How often does the extractive answer hold the gold answer? Tunes the sentence ranking.

    python -m evals.measure_extractive [--n 600] [--k 5] [--work DIR] [--reader]

On SQuAD 2.0 dev (all 18 articles indexed with the default settings), for a seeded
sample of answerable questions, every sentence of the retrieved chunks is scored
(`rank_sentences` with no prefilter, so each feature is known for each sentence)
and labelled "holds a gold answer string" (SQuAD-normalised). Then:
  * a logistic regression on the sentence features is fitted on the questions of
    half the articles (by a seeded split) and everything is reported on the others;
  * selection policies (how many sentences, how close to the best) are compared by
    answer containment and answer length on the held-out half.
The fitted weights are printed as a `SENTENCE_WEIGHTS` dict; copying them into
rag/answer.py is a deliberate, reviewed step. Results: evals/results/extractive.md.

--reader adds the shipped reader's P(answers) for the 16 best sentences of the lexical
shortlist (`reader`, with the neighbour sentences as context; `reader_nc`, without), and
fits the reader weights (`READER_SENTENCE_WEIGHTS`: reader, lex, ctx, rank, type; no cosine,
so that the shortlist is not embedded at answer time) on the fitting half only. The reader
was trained on SQuAD 2.0 dev's fitting half too (train/reader.py), never on the reported one.
Results: evals/results/extractive_reader.md and .json.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from evals.measure_retrieval import DEFAULT_DATA, RESULTS, contains_answer, index_articles, load_squad, split_by_article

FEATS = ("cos", "lex", "ctx", "rank", "type")
READER_FEATS = ("reader", "lex", "ctx", "rank", "type")
SHORTLIST_WEIGHTS = {"cos": 0.55, "lex": 0.35, "ctx": 0.0, "rank": 0.10, "type": 0.0}  # = SENTENCE_WEIGHTS; only the shortlist order matters


def candidate_rows(ranked, holds) -> list[dict]:
    """Ranked candidates as stored for `rescore` / `evaluate`: features, gold (`holds(text)`), length and place."""
    return [{"f": dict(c.features), "gold": holds(c.text), "words": len(c.text.split()), "src": c.source, "start": c.start} for c in ranked]


def collect(pipe, sample, k: int, reader=None) -> list[dict]:
    from rag.answer import rank_sentences

    rows = []
    for n, q in enumerate(sample):
        hits = pipe.retrieve(q.question, k)
        qvec = pipe.embedder.embed_query(q.question)
        if reader is None:
            cands = rank_sentences(q.question, qvec, hits, pipe.embedder, prefilter=0)
        else:
            cands = rank_sentences(q.question, qvec, hits, pipe.embedder, prefilter=16, weights=SHORTLIST_WEIGHTS, reader=reader, embed=True)
            nc = reader.answers(q.question, [c.text for c in cands])
            cands = [dataclasses.replace(c, features=tuple(sorted({**dict(c.features), "reader_nc": float(p)}.items()))) for c, p in zip(cands, nc)]
            if n % 50 == 0:
                print(f"  read {n}/{len(sample)}", file=sys.stderr, flush=True)
        rows.append(
            {
                "id": q.id,
                "article": q.article,
                "question": q.question,
                "n_sources": len(hits),
                "cands": [dict(row, text=c.text) for row, c in zip(candidate_rows(cands, lambda t: contains_answer(t, list(q.answers))), cands)],
            }
        )
    return rows


def rescore(row: dict, w: dict, prefilter: int) -> list[dict]:
    """Emulate rank_sentences (cheap prefilter, then the linear score) from stored features."""
    cands = row["cands"]
    cheap = [sum(SHORTLIST_WEIGHTS.get(f, 0.0) * c["f"][f] for f in ("lex", "ctx", "rank", "type")) + 0.02 * (row["n_sources"] - c["src"]) for c in cands]
    order = sorted(range(len(cands)), key=lambda i: (-cheap[i], i))[: prefilter or len(cands)]
    out = [dict(cands[i], score=sum(v * cands[i]["f"].get(f, 0.0) for f, v in w.items())) for i in order]
    out.sort(key=lambda c: (-c["score"], c["src"], c["start"]))
    return out


def select(ranked: list[dict], max_sentences: int, keep_ratio: float, margin: float | None = None) -> list[dict]:
    """Mirror of ExtractiveAnswerer.select (ratio to the best score, or an absolute margin)."""
    if not ranked:
        return []
    best = ranked[0]
    picked = [best]
    for c in ranked[1:]:
        if len(picked) >= max_sentences:
            break
        close = (best["score"] - c["score"] <= margin) if margin is not None else (c["score"] >= keep_ratio * best["score"])
        if close and c["f"]["lex"] > 0:
            picked.append(c)
    return picked


def evaluate(rows, w, prefilter=16, max_sentences=3, keep_ratio=0.85, margin=None) -> dict:
    hit = words = sents = oracle = top1 = 0
    for r in rows:
        ranked = rescore(r, w, prefilter)
        picked = select(ranked, max_sentences, keep_ratio, margin)
        hit += any(c["gold"] for c in picked)
        top1 += bool(ranked and ranked[0]["gold"])
        oracle += any(c["gold"] for c in r["cands"])
        words += sum(c["words"] for c in picked)
        sents += len(picked)
    n = len(rows) or 1
    return {"contains": hit / n, "top1": top1 / n, "oracle": oracle / n, "words": words / n, "sentences": sents / n}


PREFILTERS = (4, 6, 8, 10, 12, 16, 0)  # 0: no prefilter (every retrieved sentence embedded)


def choose_prefilter(fit_rows) -> tuple[int, dict[int, float]]:
    """The smallest prefilter within one question of the best `contains` on the fitting half (ties go to fewer embeddings)."""
    from rag.answer import SENTENCE_WEIGHTS

    got = {pf: evaluate(fit_rows, SENTENCE_WEIGHTS, prefilter=pf, max_sentences=3, keep_ratio=0.85)["contains"] for pf in PREFILTERS}
    best, tol = max(got.values()), 1.0 / max(len(fit_rows), 1) + 1e-9
    ok = [pf for pf in PREFILTERS if got[pf] >= best - tol]
    return min(ok, key=lambda pf: pf or 10**9), got


def fit(rows, seed: int = 0, feats=FEATS) -> dict:
    """Logistic regression of "holds the answer" on the features; weights rescaled so cos has its old scale."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([[c["f"][f] for f in feats] for r in rows for c in r["cands"]])
    y = np.array([c["gold"] for r in rows for c in r["cands"]])
    m = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(X, y)
    coef = m.coef_[0]
    scale = 1.0 / (abs(coef).sum() or 1.0)  # a ranking is invariant to a positive scale; keep weights summing to ~1
    return {f: round(float(c * scale), 3) for f, c in zip(feats, coef)}


def report_reader(a, rows, k, d) -> int:
    """Sentence ranking with the reader: weights fitted on the fitting half, every number on the other."""
    from rag.answer import READER_SENTENCE_WEIGHTS, SENTENCE_WEIGHTS

    train, test, train_arts = split_by_article(rows, a.seed)
    fitted = fit(train, a.seed, READER_FEATS)
    fitted_nc = fit(train, a.seed, ("reader_nc",) + READER_FEATS[1:])
    fitted_cos = fit(train, a.seed, READER_FEATS + ("cos",))
    print(f"fitted on {len(train)} questions ({len(train_arts)} articles): {fitted}; no context: {fitted_nc}; with cos: {fitted_cos}", file=sys.stderr)
    sel = dict(max_sentences=3, keep_ratio=0.85)
    # The runtime names the reader's score `reader` with or without context (Settings.reader_context).
    shipped = READER_SENTENCE_WEIGHTS if d.reader_context else {("reader_nc" if f == "reader" else f): v for f, v in READER_SENTENCE_WEIGHTS.items()}
    configs = [
        ("no reader: shipped cos+lex weights (shortlist 12)", SENTENCE_WEIGHTS, 12),
        ("reader alone, with context (shortlist 12)", {"reader": 1.0}, 12),
        ("reader alone, without context (shortlist 12)", {"reader_nc": 1.0}, 12),
        ("fitted: reader (context), lex, ctx, rank, type, shortlist 12", fitted, 12),
        ("fitted: the same + cosine, shortlist 12", fitted_cos, 12),
        ("fitted: reader (context), shortlist 8", fitted, 8),
        ("fitted: reader (context), shortlist 6", fitted, 6),
        ("fitted: reader (no context), lex, ctx, rank, type, shortlist 12", fitted_nc, 12),
        ("fitted: reader (no context), shortlist 8", fitted_nc, 8),
        ("fitted: reader (no context), shortlist 6", fitted_nc, 6),
        (f"shipped READER_SENTENCE_WEIGHTS, shortlist {d.reader_shortlist}, {'with' if d.reader_context else 'without'} context", shipped, d.reader_shortlist),
    ]
    res = {}
    lines = [
        "# Extractive answering with the reader on SQuAD 2.0 dev",
        "",
        f"`python -m evals.measure_extractive --reader --n {a.n} --seed {a.seed}`: answerable questions, k={k} passages "
        f"(chunk {d.chunk_size}/{d.chunk_overlap}, {d.retrieval} retrieval). Weights fitted on {len(train)} questions from "
        f"{len(train_arts)} articles (the reader's own training half); **every number below is on the other {len(test)} questions "
        f"({len({r['article'] for r in test})} articles)**. The reader reads the lexical shortlist's best 16 sentences at most.",
        "",
        "*contains*: the composed answer (at most 3 sentences within 0.85 of the best score) holds a gold answer; *top1*: the best sentence alone; "
        "*oracle*: some sentence of the 16-sentence shortlist does.",
        "",
        "| sentence scoring | contains | top1 | oracle | words | sentences | on the fitting half: contains |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, w, pf in configs:
        r = evaluate(test, w, prefilter=pf, **sel)
        rt = evaluate(train, w, prefilter=pf, **sel)
        res[name] = {"weights": w, "prefilter": pf, "test": r, "fit_half_contains": rt["contains"]}
        lines.append(f"| {name} | {r['contains']:.3f} | {r['top1']:.3f} | {r['oracle']:.3f} | {r['words']:.1f} | {r['sentences']:.2f} | {rt['contains']:.3f} |")
    lines += [
        "",
        f"Fitted weights (no cosine, so the shortlist is not embedded at answer time): `{json.dumps(fitted)}`; reader without context: `{json.dumps(fitted_nc)}`; with cosine: `{json.dumps(fitted_cos)}`.",
        f"Shipped (rag/answer.py READER_SENTENCE_WEIGHTS): `{json.dumps(READER_SENTENCE_WEIGHTS)}`.",
        "",
    ]
    md = "\n".join(lines)
    print(md)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps({"command": f"python -m evals.measure_extractive --reader --n {a.n} --seed {a.seed}",
                                                       "n_fit": len(train), "n_test": len(test), "fitted": fitted, "fitted_nc": fitted_nc, "fitted_cos": fitted_cos,
                                                       "shipped": READER_SENTENCE_WEIGHTS, "results": res}, indent=1) + "\n")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--k", type=int, default=None, help="passages per question (default: Settings().k)")
    ap.add_argument("--work", type=Path, default=None, help="index dir to (re)use; a temp dir by default")
    ap.add_argument("--cache", type=Path, default=None, help="reuse collected sentence features from this JSON")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/extractive.md (extractive_reader.md with --reader)")
    ap.add_argument("--reader", action="store_true", help="measure sentence ranking with the shipped reader")
    a = ap.parse_args(argv)
    a.out = a.out or RESULTS / ("extractive_reader.md" if a.reader else "extractive.md")

    from rag.answer import SENTENCE_WEIGHTS, rank_sentences
    from rag.settings import Settings

    d = Settings()
    k = a.k or d.k
    if a.cache and a.cache.exists():
        rows = json.loads(a.cache.read_text())
    else:
        from rag.embeddings import MiniLMEmbedder, QueryCache

        qs, _ = load_squad(a.data)
        pool = [q for q in qs if q.answerable]
        sample = random.Random(a.seed + 1).sample(pool, min(a.n, len(pool)))  # not the retrieval-tuning sample
        work = a.work or Path(tempfile.mkdtemp(prefix="rag-extractive-"))
        pipe = index_articles(a.data, work, d.chunk_size, d.chunk_overlap, QueryCache(MiniLMEmbedder(), 100_000))
        reader = None
        if a.reader:
            from rag.reader import load_reader

            reader = load_reader()
        rows = collect(pipe, sample, k, reader)
        if a.cache:
            a.cache.write_text(json.dumps(rows))
    if a.reader:
        return report_reader(a, rows, k, d)

    train, test, train_arts = split_by_article(rows, a.seed)
    fitted = fit(train, a.seed)
    print(f"fitted on {len(train)} questions ({len(train_arts)} articles): {fitted}", file=sys.stderr)

    lines = [
        "# Extractive answering on SQuAD 2.0 dev",
        "",
        f"`python -m evals.measure_extractive --n {a.n} --seed {a.seed}`: answerable questions, k={k} passages "
        f"(chunk {d.chunk_size}/{d.chunk_overlap}, {d.retrieval} retrieval). Weights fitted on {len(train)} questions from "
        f"{len(train_arts)} articles; every number below is on the other {len(test)} questions ({len({r['article'] for r in test})} articles).",
        "",
        "*contains*: the composed answer holds a gold answer string; *top1*: the best sentence alone does; "
        "*oracle*: some retrieved sentence does (the ceiling for sentence selection).",
        "",
        "| weights | selection | contains | top1 | oracle | words | sentences | on the fitting half: contains |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    configs = [("current", SENTENCE_WEIGHTS), ("fitted", fitted), ("cosine only", {"cos": 1.0}), ("lexical only", {"lex": 1.0, "rank": 0.01})]
    selections = [("1 sentence", dict(max_sentences=1)), ("<=2, ratio 0.85", dict(max_sentences=2, keep_ratio=0.85)),
                  ("<=3, ratio 0.85", dict(max_sentences=3, keep_ratio=0.85)), ("<=2, ratio 0.9", dict(max_sentences=2, keep_ratio=0.9)),
                  ("<=3, ratio 0.9", dict(max_sentences=3, keep_ratio=0.9)), ("<=2, margin 0.05", dict(max_sentences=2, margin=0.05)),
                  ("<=3, margin 0.05", dict(max_sentences=3, margin=0.05)), ("<=2, margin 0.1", dict(max_sentences=2, margin=0.1)),
                  ("2 sentences", dict(max_sentences=2, margin=9.0)), ("3 sentences", dict(max_sentences=3, margin=9.0))]
    for name, w in configs:
        for sname, kw in selections:
            r, rt = evaluate(test, w, **kw), evaluate(train, w, **kw)
            lines.append(f"| {name} | {sname} | {r['contains']:.3f} | {r['top1']:.3f} | {r['oracle']:.3f} | {r['words']:.1f} | {r['sentences']:.2f} | {rt['contains']:.3f} |")
    shipped_pf = inspect.signature(rank_sentences).parameters["prefilter"].default
    pick, fit_rows = choose_prefilter(train)
    for pf in PREFILTERS:
        r = evaluate(test, SENTENCE_WEIGHTS, prefilter=pf, max_sentences=3, keep_ratio=0.85)
        lines.append(f"| current, prefilter {pf or 'off'} | <=3, ratio 0.85 | {r['contains']:.3f} | {r['top1']:.3f} | {r['oracle']:.3f} | {r['words']:.1f} | {r['sentences']:.2f} | {fit_rows[pf]:.3f} |")
    lines += [
        "",
        f"Fitted weights: `{json.dumps(fitted)}`. Shipped (rag/answer.py): `{json.dumps(SENTENCE_WEIGHTS)}`, at most "
        f"3 sentences within 0.85 of the best score, prefilter {shipped_pf}. A fixed 3 sentences finds more answers but doubles the length.",
        "",
        f"**Prefilter chosen on the fitting half only** ({len(train)} questions): the smallest prefilter whose *contains* on the "
        f"fitting half is within one question of the best there (fewer sentences embedded per question). Fitting half: "
        + ", ".join(f"{pf or 'off'} {fit_rows[pf]:.3f}" for pf in PREFILTERS)
        + f" -> **{pick or 'off'}**; shipped default (rag/answer.py `rank_sentences`): {shipped_pf}"
        + (" (the default follows the fitting half)." if pick == shipped_pf else " (differs: change the default).")
        + f" Its reported number is the *current, prefilter {pick or 'off'}* row above (the other half).",
        "",
    ]
    md = "\n".join(lines)
    print(md)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
