"""Fit the refusal model on SQuAD 2.0 dev and report its trade-off on held-out articles.

    python train/refusal.py [--n 1000] [--seed 0] [--work DIR] [--write] [--reader | --span [--realdocs]] [--absent N [--fit-absent]]

All 18 articles are indexed with the default settings. A seeded sample of n
answerable and n unanswerable questions goes through `Pipeline.assess` (the exact
retrieval, sentence ranking and features used at answer time). The articles are
split in two halves by a seeded shuffle: a logistic regression over standardised
`refusal_features` is fitted on the questions of one half, and every number in
the report is measured on the other half. The threshold is chosen on the
*training* half (the highest P(answerable) cut that keeps false refusals there at
or below --max-false-refusal) and then reported on the test half.
--write stores the model in rag/refusal_model.json (deterministic for a seed). The low-confidence cut that
train/confidence.py wrote into that file is kept when the fit reproduces the model, and dropped otherwise (keep_caution).
Results: evals/results/refusal.md.
--span does the same with the shipped span reader (train/span_reader.py), fits over
`SPAN_MODEL_FEATURES` and writes rag/refusal_span_model.json (results: refusal_span.md,
extractive_span.md); the span reader was also trained on the fitting half only.
--reader runs the same with the shipped reader (rag/reader.py) scoring the sentences, fits
over `READER_MODEL_FEATURES` (the reader's P(answers) plus retrieval and lexical signals) and
writes rag/refusal_reader_model.json; results in evals/results/refusal_reader.md and .json.
The reader was trained on the same fitting half of the articles (train/reader.py), so its
scores there are optimistic; the reported half was seen by neither.
--absent N also measures N other answerable questions asked of the index without their answer (`collect_absent`:
the chunks that overlap the gold passage or hold a gold answer are dropped from the retrieved list): what a
negative-only or out-of-scope question looks like, reported on the test half apart from the SQuAD numbers.
--fit-absent fits on those of the fitting half too. Tried 2026-11-30 (refusal_span_fit_absent.md,
refusal_fit_absent_suites.md): the test half's absent questions refused 0.398 -> 0.460, SQuAD's unanswerables
unchanged at 0.164 with false refusals 0.037 -> 0.048, the seeds one case better and one worse, RGB and the
manuals unchanged; not shipped.
--realdocs (with --span) pools the realdocs suite's questions of REALDOCS_FIT_PARTS (`collect_realdocs`: the suite's
`rag eval` index, out-of-scope and false-premise questions to refuse) with SQuAD's fitting half, unweighted, and chooses
the threshold on both; the blind parts (evals.realdocs.BLIND_PARTS) are reported. The shipped span model since 2026-12-04:
`python train/refusal.py --span --n 500 --seed 0 --absent 500 --realdocs --write` (the same model without --absent; rule and results: evals/results/refusal_realdocs_fit.md).
It needs the realdocs documents (`.ci/run` installs them) and rewrites extractive_span.md/.json as every --span run does.
Left out: weighting the two sources, features a manual's questions might need (none was added), any other suite.
SQuAD 2.0's unanswerable questions are adversarial: written by crowd workers to
look answerable from the same paragraph, so high lexical overlap is normal.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `python train/refusal.py` from a checkout

from evals.realdocs import BLIND_PARTS  # noqa: E402
from evals.measure_retrieval import DEFAULT_DATA, RESULTS, contains_answer, index_articles, load_squad, split_by_article  # noqa: E402

MODEL_OUT = ROOT / "rag" / "refusal_model.json"


def row_features(question: str, features: dict, ranked) -> dict:
    """A row's features: the pipeline's, plus (with the span reader) `SPAN_SENTENCE_FEATURES`, which no shipped model
    weighs and so the answer path does not compute (evals/measure_span_sentence.py measures them)."""
    from rag.answer import question_type
    from rag.refusal import span_sentence_features

    if not any("span" in dict(c.features) for c in ranked):
        return features
    return features | span_sentence_features(ranked, question_type(question) is not None)


def collect(pipe, questions) -> list[dict]:
    from evals.measure_extractive import candidate_rows
    from rag.answer import ExtractiveAnswerer, rank_sentences

    ex = ExtractiveAnswerer(pipe.embedder, max_sentences=pipe.settings.max_answer_sentences)
    rows = []
    for n, q in enumerate(questions):
        if n % 100 == 0:
            print(f"  assessed {n}/{len(questions)}", file=sys.stderr, flush=True)
        a = pipe.assess(q.question)
        text = ex.answer_from(a.ranked)
        row = {
            "id": q.id,
            "article": q.article,
            "answerable": q.answerable,
            "features": row_features(q.question, a.features, a.ranked),
            # Would the extractive answer (if not refused) hold the gold answer?
            "correct": bool(q.answerable and contains_answer(text, list(q.answers))),
        }
        if q.answerable:  # the shortlisted sentences, so that sentence weights can be fitted and measured on the same pass
            row["n_sources"] = len(a.hits)
            holds = lambda text: contains_answer(text, list(q.answers))  # noqa: E731
            row["cands"] = candidate_rows(a.ranked, holds)
            if pipe.span is not None or pipe.reader is not None:  # the same question's ranking without a reader, for comparison
                row["cands_off"] = candidate_rows(rank_sentences(q.question, pipe.embedder.embed_query(q.question), a.hits, pipe.embedder), holds)
        rows.append(row)
    return rows


def collect_absent(pipe, questions, passages, extra: int = 10) -> list[dict]:
    """Answerable questions asked of an index that lacks their answer: the retrieved chunks that overlap the
    gold passage or hold a gold answer are dropped before ranking, as if those chunks had never been ingested
    (retrieving k + `extra` keeps k left). The label is "refuse": what the documents hold does not answer it.
    This is the case RGB's negative-only records and out-of-scope questions pose, and SQuAD 2.0's own
    unanswerables (a crowd-written question beside the very passage it imitates) do not."""
    from rag.refusal import refusal_features

    k = pipe.settings.k
    rows = []
    for n, q in enumerate(questions):
        if n % 100 == 0:
            print(f"  assessed without the answer {n}/{len(questions)}", file=sys.stderr, flush=True)
        art, s, e = passages[q.passage_id]
        hits = [h for h in pipe.retrieve(q.question, k + extra)
                if not (h.chunk.source == art and h.chunk.start < e and s < h.chunk.end) and not contains_answer(h.chunk.text, list(q.answers))][:k]
        ranked = pipe.rank(q.question, hits)
        rows.append({"id": q.id, "article": q.article, "answerable": False, "absent": True, "correct": False,
                     "features": row_features(q.question, refusal_features(q.question, hits, ranked), ranked)})
    return rows


# realdocs parts (evals/datasets/realdocs.jsonl "group") that --realdocs fits on; it reports evals.realdocs.BLIND_PARTS.
REALDOCS_FIT_PARTS = ("manuals", "manuals2", "mixed4", "sheets", "tables", "tables2", "tables3", "tables4", "tables5")


def collect_realdocs() -> list[dict]:
    """Refusal rows from the realdocs suite on its `rag eval` index (built if missing): each question's
    `Pipeline.assess` features with the default settings (the shipped span reader). Out-of-scope and false-premise
    questions are rows to refuse. "article" is "realdocs:<part>"; "lookup" marks a table row that answers the question
    (rag.lookup), which the pipeline answers whatever P(answerable) says."""
    from evals import runner
    from evals.cli import default_cache, open_suite
    from rag.embeddings import make_embedder
    from rag.pipeline import model_backend
    from rag.settings import Settings

    base = Settings()
    emb = make_embedder(base.embedder, base.embed_batch_size, model_backend(base, reader=False))
    suite, settings_for = open_suite("realdocs", base, emb, cache=default_cache())  # evals.realdocs.Missing says what to install
    pipes = runner.prepare(suite, settings_for, emb)
    rows = []
    for n, case in enumerate(suite.cases):
        if n % 100 == 0:
            print(f"  assessed realdocs {n}/{len(suite.cases)}", file=sys.stderr, flush=True)
        a = pipes[case.index].assess(case.question)
        rows.append({"id": case.id, "article": f"realdocs:{case.group}", "answerable": case.answerable, "correct": False,
                     "features": row_features(case.question, a.features, a.ranked), "lookup": a.lookup is not None})
    return rows


def split_realdocs(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """`collect_realdocs` rows -> (fitting parts, blind parts); a part in neither list is an error, not a silent leak."""
    part = lambda r: r["article"].split(":", 1)[1]  # noqa: E731
    unknown = sorted({part(r) for r in rows} - set(REALDOCS_FIT_PARTS) - set(BLIND_PARTS))
    if unknown:
        raise SystemExit(f"realdocs parts {unknown} are in neither REALDOCS_FIT_PARTS nor BLIND_PARTS: add each to one")
    return [r for r in rows if part(r) in REALDOCS_FIT_PARTS], [r for r in rows if part(r) in BLIND_PARTS]


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    pos, neg = scores[labels], scores[~labels]
    if not len(pos) or not len(neg):
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="stable")
    ranks = np.empty(len(order))
    allv = np.concatenate([pos, neg])[order]
    # average ranks for ties
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def fit(rows: list[dict], features: tuple[str, ...], seed: int, C: float = 1.0) -> dict:
    from sklearn.linear_model import LogisticRegression

    X = np.array([[r["features"][f] for f in features] for r in rows])
    y = np.array([r["answerable"] for r in rows])
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    m = LogisticRegression(C=C, max_iter=2000, random_state=seed).fit((X - mean) / scale, y)
    r = lambda v: round(float(v), 5)  # noqa: E731
    return {
        "weights": {f: r(w) for f, w in zip(features, m.coef_[0])},
        "bias": r(m.intercept_[0]),
        "mean": {f: r(v) for f, v in zip(features, mean)},
        "scale": {f: r(v) for f, v in zip(features, scale)},
    }


def predict(model: dict, rows: list[dict]) -> np.ndarray:
    from rag.refusal import RefusalModel

    m = RefusalModel(model["weights"], model["bias"], model.get("mean"), model.get("scale"))
    return np.array([m.p_answerable(r["features"]) for r in rows])


def tradeoff(p: np.ndarray, rows: list[dict], t: float) -> dict:
    ans = np.array([r["answerable"] for r in rows])
    cor = np.array([r["correct"] for r in rows])
    refused = p < t
    return {
        "refuse_unans": float(refused[~ans].mean()) if (~ans).any() else float("nan"),
        "false_refusal": float(refused[ans].mean()) if ans.any() else float("nan"),
        "answered_correct": float((~refused & cor)[ans].mean()) if ans.any() else float("nan"),
        "refused_wrong": float((refused & ~cor)[ans].sum() / max((~cor)[ans].sum(), 1)),
    }


def mark_correct(rows: list[dict], reader: str, max_sentences: int) -> None:
    """Set each row's "correct" under the shipped sentence weights of `reader` ("span" or "reader"):
    rows may come from a cache collected before those weights were set."""
    from evals.measure_extractive import rescore, select
    from rag.answer import READER_SENTENCE_WEIGHTS, SPAN_SENTENCE_WEIGHTS

    weights = SPAN_SENTENCE_WEIGHTS if reader == "span" else READER_SENTENCE_WEIGHTS
    for r in rows:
        if "cands" in r:
            r["correct"] = any(c["gold"] for c in select(rescore(r, weights, 0), max_sentences, 0.85))


def choose_threshold(p: np.ndarray, rows: list[dict], max_false_refusal: float, hold_refused: float | None = None) -> float:
    """The highest cut with at most `max_false_refusal` false refusals on `rows`; with `hold_refused`, instead the lowest
    cut that refuses at least that share of their unanswerable questions (an operating point fixed before a refit)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    if hold_refused is not None:
        ok = [t for t in grid if tradeoff(p, rows, t)["refuse_unans"] >= hold_refused]
        return float(min(ok)) if ok else 0.95
    ok = [t for t in grid if tradeoff(p, rows, t)["false_refusal"] <= max_false_refusal]
    return float(max(ok)) if ok else 0.05


def sentence_report(a, train, test, train_arts, d) -> None:
    """Sentence ranking with the reader (--reader) or the span reader (--span), measured on the answerable
    questions of this same pass (runtime settings): weights fitted on the fitting half, every number on the
    other half. Writes evals/results/extractive_reader.md / extractive_span.md and .json."""
    from evals.measure_extractive import READER_FEATS, evaluate, fit as fit_sentences
    from rag.answer import READER_SENTENCE_WEIGHTS, SPAN_SENTENCE_WEIGHTS

    tr = [r for r in train if r["answerable"]]
    te = [r for r in test if r["answerable"]]
    if a.span:
        feats, shipped, name, flag, tag = ("span",) + READER_FEATS[1:], SPAN_SENTENCE_WEIGHTS, "span reader", "--span", "span"
        setup = "the span reader reads every retrieved passage whole; every sentence is scored"
    else:
        feats, shipped, name, flag, tag = READER_FEATS, READER_SENTENCE_WEIGHTS, "reader", "--reader", "reader"
        setup = f"the reader reads the {d.reader_shortlist} best sentences of the lexical shortlist, {'with' if d.reader_context else 'without'} their neighbours"
    fitted = fit_sentences(tr, a.seed, feats)
    sel = dict(prefilter=0, max_sentences=d.max_answer_sentences, keep_ratio=0.85)
    configs = [(f"{name} alone", {feats[0]: 1.0}), ("lexical alone (lex, rank)", {"lex": 1.0, "rank": 0.01}),
               (f"fitted on the fitting half: {', '.join(feats)}", fitted), (f"shipped {'SPAN' if a.span else 'READER'}_SENTENCE_WEIGHTS", shipped)]
    res = {}
    lines = [f"# Extractive answering with the {name} on SQuAD 2.0 dev", "",
             f"From the pass of `python train/refusal.py {flag} --n {a.n} --seed {a.seed}`: the answerable questions, runtime settings "
             f"(k={d.k}, chunk {d.chunk_size}/{d.chunk_overlap}, {setup}). Weights fitted on {len(tr)} questions of the fitting articles "
             f"(the {name}'s own training half); **every number below is on the other {len(te)} questions ({len({r['article'] for r in te})} articles)**.", "",
             "*contains*: the composed answer (at most 3 sentences within 0.85 of the best score) holds a gold answer; *top1*: the best sentence alone; "
             "*oracle*: some candidate sentence does (the ceiling).", "",
             "| sentence scoring | contains | top1 | oracle | words | sentences | fitting half: contains |", "|---|---:|---:|---:|---:|---:|---:|"]
    if all("cands_off" in r for r in tr + te):  # the same questions ranked with the reader off (the default)
        from rag.answer import SENTENCE_WEIGHTS

        off = lambda rows: [dict(r, cands=r["cands_off"]) for r in rows]  # noqa: E731
        configs.append(("reader off (RAG_READER=off: cosine + lexical on the shortlist of 16), same questions", SENTENCE_WEIGHTS, off))
    for cname, w, *rows_of in configs:
        pick = rows_of[0] if rows_of else (lambda rows: rows)
        r, rt = evaluate(pick(te), w, **sel), evaluate(pick(tr), w, **sel)
        res[cname] = {"weights": w, "test": r, "fit_half_contains": rt["contains"]}
        lines.append(f"| {cname} | {r['contains']:.3f} | {r['top1']:.3f} | {r['oracle']:.3f} | {r['words']:.1f} | {r['sentences']:.2f} | {rt['contains']:.3f} |")
    lines += ["", f"Fitted: `{json.dumps(fitted)}`; shipped (rag/answer.py): `{json.dumps(shipped)}`.",
              "evals/results/extractive.md measures the reader-off ranking on its own sample of questions (0.849 on these articles there); "
              f"the *reader off* row above is the same {len(te)}-question sample as the other rows." if any(c[0].startswith("reader off") for c in configs) else
              "evals/results/extractive.md measures the reader-off ranking on its own sample of questions; rerun this pass to compare on the same ones.", ""]
    out = RESULTS / f"extractive_{tag}.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    out.with_suffix(".json").write_text(json.dumps({"command": f"python train/refusal.py {flag} --n {a.n} --seed {a.seed}", "n_fit": len(tr), "n_test": len(te),
                                                     "fitted": fitted, "shipped": shipped, "results": res}, indent=1) + "\n")


def keep_caution(old: dict, new: dict) -> tuple[dict, str | None]:
    """The model to write: `new`, with the old file's low-confidence cut (train/confidence.py's `caution`) when the fit
    reproduced the old weights, since the cut is calibrated on this model's P(answerable). A changed model drops it, and the
    returned message says how to refit it."""
    cut = {k: old[k] for k in ("caution", "caution_script") if k in old}
    if not cut:
        return new, None
    fitted = ("weights", "bias", "mean", "scale", "threshold")
    if all(old.get(k) == new.get(k) for k in fitted):
        return {**new, **cut}, None
    return new, ("the model changed, so its low-confidence cut (`caution`) no longer fits it and is not written: refit it with "
                 "`python train/confidence.py --report REPORT --model MODEL --write` on a new `rag eval realdocs` report")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=1000, help="questions of each kind to sample")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-false-refusal", type=float, default=0.05)
    ap.add_argument("--hold-refused", type=float, default=None, help="choose the lowest threshold that refuses at least this share of the SQuAD fitting half's unanswerable questions (e.g. the shipped model's share, to hold its operating point in a refit), not by --max-false-refusal")
    ap.add_argument("--work", type=Path, default=None, help="index dir to (re)use; a temp dir by default")
    ap.add_argument("--cache", type=Path, default=None, help="reuse collected features from this JSON")
    ap.add_argument("--write", action="store_true", help=f"write the model to {MODEL_OUT} (rag/refusal_reader_model.json with --reader)")
    ap.add_argument("--reader", action="store_true", help="score sentences with the shipped reader and fit the reader refusal model")
    ap.add_argument("--span", action="store_true", help="score sentences with the shipped span reader and fit the span refusal model")
    ap.add_argument("--absent", type=int, default=0, help="also measure this many answerable questions asked without their answer in the index (collect_absent)")
    ap.add_argument("--fit-absent", action="store_true", help="fit on the --absent questions of the fitting half too (tried 2026-11-30, not shipped)")
    ap.add_argument("--realdocs", action="store_true", help="with --span: fit on the realdocs fitting parts too (REALDOCS_FIT_PARTS; shipped 2026-12-04, see evals/results/refusal_realdocs_fit.md)")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/refusal.md (refusal_reader.md with --reader, refusal_span.md with --span)")
    a = ap.parse_args(argv)
    if a.reader and a.span:
        ap.error("--reader and --span are two different readers: pick one")
    if a.realdocs and not a.span:
        ap.error("--realdocs fits the span refusal model: add --span")
    flag = " --reader" if a.reader else " --span" if a.span else ""
    a.out = a.out or RESULTS / ("refusal_reader.md" if a.reader else "refusal_span.md" if a.span else "refusal.md")

    from rag.refusal import FEATURES, READER_MODEL_FEATURES, READER_MODEL_PATH, SPAN_MODEL_FEATURES, SPAN_MODEL_PATH
    from rag.settings import Settings

    model_out = READER_MODEL_PATH if a.reader else SPAN_MODEL_PATH if a.span else MODEL_OUT
    features = READER_MODEL_FEATURES if a.reader else SPAN_MODEL_FEATURES if a.span else FEATURES

    d = Settings()
    if a.cache and a.cache.exists():
        rows = json.loads(a.cache.read_text())
    if not (a.cache and a.cache.exists()) or sum(r.get("absent", False) for r in rows) < a.absent:
        from rag.embeddings import MiniLMEmbedder, QueryCache

        qs, passages = load_squad(a.data)
        rng = random.Random(a.seed)
        ans = rng.sample([q for q in qs if q.answerable], a.n)
        una = rng.sample([q for q in qs if not q.answerable], a.n)
        taken = {q.id for q in ans}
        absent = rng.sample([q for q in qs if q.answerable and q.id not in taken], a.absent) if a.absent else []
        work = a.work or Path(tempfile.mkdtemp(prefix="rag-refusal-"))
        pipe = index_articles(a.data, work, d.chunk_size, d.chunk_overlap, QueryCache(MiniLMEmbedder(), 100_000))
        pipe.span = None
        if a.reader:
            from rag.reader import load_reader

            pipe.reader = load_reader()
        elif a.span:
            from rag.reader import load_span_reader

            pipe.reader, pipe.span = None, load_span_reader()
        else:
            pipe.reader = None  # the scoring without the reader, whatever is installed
        if not (a.cache and a.cache.exists()):
            rows = collect(pipe, ans + una)
        rows = [r for r in rows if not r.get("absent")] + collect_absent(pipe, absent, passages)
        if a.cache:
            a.cache.write_text(json.dumps(rows))

    if a.reader or a.span:
        mark_correct(rows, "span" if a.span else "reader", d.max_answer_sentences)
    rows = [r for r in rows if not r.get("absent")] + [r for r in rows if r.get("absent")][: a.absent]
    train, test, train_arts = split_by_article(rows, a.seed)
    absent_test = [r for r in test if r.get("absent")]  # reported on their own: the SQuAD numbers stay comparable
    test = [r for r in test if not r.get("absent")]
    if a.reader or a.span:
        sentence_report(a, train, test, train_arts, d)
    fit_rows = train if a.fit_absent else [r for r in train if not r.get("absent")]
    squad_fit = [r for r in train if not r.get("absent")]  # the fitting-half numbers: SQuAD's own questions
    real_fit = real_held = []
    if a.realdocs:
        real_cache = a.cache.with_suffix(".realdocs.json") if a.cache else None
        real = json.loads(real_cache.read_text()) if real_cache and real_cache.exists() else collect_realdocs()
        if real_cache:
            real_cache.write_text(json.dumps(real))
        real_fit, real_held = split_realdocs(real)
        fit_rows = fit_rows + real_fit  # pooled, unweighted
    thr_rows = squad_fit + real_fit  # the threshold is chosen on both; the "fitting half" numbers stay SQuAD's
    model = fit(fit_rows, features, a.seed)
    p_train, p_test = predict(model, squad_fit), predict(model, test)
    y_test = np.array([r["answerable"] for r in test])
    if a.hold_refused is not None:  # the operating point fixed beforehand: the SQuAD fitting half's refused share
        threshold = choose_threshold(p_train, squad_fit, a.max_false_refusal, a.hold_refused)
    else:
        threshold = choose_threshold(predict(model, thr_rows), thr_rows, a.max_false_refusal)

    run = f"python train/refusal.py{flag} --n {a.n} --seed {a.seed}{f' --absent {a.absent}' if a.absent else ''}{' --fit-absent' if a.fit_absent else ''}{' --realdocs' if a.realdocs else ''}"
    command = f"{run} --hold-refused {a.hold_refused}" if a.hold_refused is not None else f"{run} --max-false-refusal {a.max_false_refusal}"
    lines = [
        "# Refusal on SQuAD 2.0 dev",
        "",
        f"`{command}`: "
        f"{a.n} answerable + {a.n} unanswerable questions sampled with seed {a.seed}; k={d.k}, chunk {d.chunk_size}/{d.chunk_overlap}, "
        f"{d.retrieval} retrieval ({d.fusion} fusion, dense weight {d.dense_weight}).",
        f"Model fitted on {len(fit_rows)} questions from {len(train_arts)} articles{f' and the realdocs fitting parts ({len(real_fit)})' if real_fit else ''}; **all numbers below are on the other "
        f"{len(test)} questions ({len({r['article'] for r in test})} articles)** ({int(y_test.sum())} answerable, {int((~y_test).sum())} unanswerable).",
        "",
        "## Separation (ROC AUC, answerable vs unanswerable, test half)",
        "",
        "| signal | AUC |",
        "|---|---:|",
        f"| refusal model ({len(features)} features) | {auc(p_test, y_test):.3f} |",
    ]
    for f in (("reader_max", "top_dense", "best_lex", "q_missing") if a.reader else ("span_max", "span_top1", "top_dense", "best_lex", "q_missing") if a.span else ("top_dense", "best_cos", "best_lex", "best_both", "q_missing")):
        v = np.array([r["features"][f] for r in test])
        sign = -1 if f == "q_missing" else 1
        lines.append(f"| {f} alone{' (lower = answerable)' if sign < 0 else ''} | {auc(sign * v, y_test):.3f} |")
    lines += [
        "",
        "## Trade-off by threshold on P(answerable) (test half)",
        "",
        "*refused unanswerable*: unanswerable questions refused (higher is better); *false refusals*: answerable questions refused; "
        "*answered & correct*: answerable, not refused, and the extractive answer holds a gold answer; "
        "*refused of wrong*: of the answerable questions the extractive answer gets wrong, the share refused.",
        "",
        "| threshold | refused unanswerable | false refusals | answered & correct | refused of wrong |",
        "|---:|---:|---:|---:|---:|",
    ]
    for t in sorted({0.2, 0.3, 0.4, 0.5, 0.6, 0.7, threshold}):
        r = tradeoff(p_test, test, t)
        mark = " **(default)**" if t == threshold else ""
        lines.append(f"| {t:.2f}{mark} | {r['refuse_unans']:.3f} | {r['false_refusal']:.3f} | {r['answered_correct']:.3f} | {r['refused_wrong']:.3f} |")
    rt = tradeoff(p_train, squad_fit, threshold)
    lines += [
        "",
        (f"Default threshold {threshold:.2f}: the lowest cut refusing at least {a.hold_refused:.3f} of the *training* half's unanswerables "
         if a.hold_refused is not None else
         f"Default threshold {threshold:.2f}: the highest cut with at most {a.max_false_refusal:.0%} false refusals on the *training* half"
         f"{' and the realdocs fitting parts together' if real_fit else ''} ")
        + f"(there: {rt['false_refusal']:.3f} false refusals, {rt['refuse_unans']:.3f} of unanswerables refused).",
        "",
        f"Model: `{json.dumps(model['weights'])}` (standardised features, bias {model['bias']}).",
        "",
    ]
    summary = {
        "command": command,
        "n_fit": len(fit_rows), "n_test": len(test), "fit_articles": sorted(train_arts), "features": list(features),
        "threshold": threshold, "auc_test": round(auc(p_test, y_test), 4),
        "test_at_threshold": {k: round(v, 4) for k, v in tradeoff(p_test, test, threshold).items()},
        "fit_half_at_threshold": {k: round(v, 4) for k, v in rt.items()},
    }
    if absent_test:
        pa = predict(model, absent_test)
        n_fit_absent = sum(bool(r.get("absent")) for r in train) if a.fit_absent else 0
        summary["absent"] = {"n_fit": n_fit_absent, "n_test": len(absent_test), "refused_test": round(float((pa < threshold).mean()), 4),
                             "auc_test_vs_answerable": round(auc(np.concatenate([p_test[y_test], pa]), np.array([True] * int(y_test.sum()) + [False] * len(pa))), 4)}
        lines += [f"Answerable questions asked without their answer in the index (`--absent {a.absent}`, `collect_absent`; {n_fit_absent} of them fitted on): "
                  f"on the {len(absent_test)} of the test half, {summary['absent']['refused_test']:.3f} refused at this threshold; AUC against the "
                  f"test half's answerable questions {summary['absent']['auc_test_vs_answerable']:.3f}.", ""]
    if real_held:
        ph = predict(model, real_held)
        yh = np.array([r["answerable"] for r in real_held])
        refused = (ph < threshold) & ~np.array([r["lookup"] for r in real_held])
        summary["realdocs"] = {"n_fit": len(real_fit), "n_held": len(real_held), "auc_held": round(auc(ph, yh), 4),
                               "held_refused_unans": round(float(refused[~yh].mean()), 4), "held_false_refusal": round(float(refused[yh].mean()), 4)}
        lines += [f"realdocs (`--realdocs`): fitted on {len(real_fit)} questions of {', '.join(REALDOCS_FIT_PARTS)} (pooled with SQuAD's; the threshold "
                  f"is chosen on both). On the {len(real_held)} questions of the blind parts {', '.join(BLIND_PARTS)}: AUC "
                  f"{summary['realdocs']['auc_held']:.3f}; by P(answerable) alone (a table-row lookup answers anyway; the pipeline's other refusal "
                  f"rules not counted) {summary['realdocs']['held_refused_unans']:.3f} of out-of-scope and false-premise questions refused at "
                  f"{summary['realdocs']['held_false_refusal']:.3f} false refusals. `rag eval realdocs` measures the whole pipeline.", ""]
    if a.reader or a.span:
        # For comparison: the reader's best score alone, thresholded the same way (on the fitting half).
        alone = fit(fit_rows, ("span_max",) if a.span else ("reader_logit",), a.seed)
        pa_te = predict(alone, test)
        ta = choose_threshold(predict(alone, thr_rows), thr_rows, a.max_false_refusal)
        ra = tradeoff(pa_te, test, ta)
        summary["reader_alone"] = {"auc_test": round(auc(pa_te, y_test), 4), "threshold": ta, "test_at_threshold": {k: round(v, 4) for k, v in ra.items()}}
        lines += [f"For comparison, the {'span reader' if a.span else 'reader'}'s best score alone (threshold {ta:.2f}, chosen as the model's): AUC {auc(pa_te, y_test):.3f}, "
                  f"{ra['refuse_unans']:.3f} of unanswerables refused at {ra['false_refusal']:.3f} false refusals (test half).", ""]
    md = "\n".join(lines)
    print(md)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps(summary, indent=1) + "\n")
    if a.write:
        model.update(
            threshold=threshold,
            trained_on=f"SQuAD 2.0 dev, {len(fit_rows) - len(real_fit)} questions from articles {sorted(train_arts)}"
                       + (f"; realdocs, {len(real_fit)} questions of parts {list(REALDOCS_FIT_PARTS)}" if real_fit else ""),
            seed=a.seed,
            features=list(features),
            script=f"{run} --write",
        )
        model, warn = keep_caution(json.loads(model_out.read_text()) if model_out.exists() else {}, model)
        if warn:
            print(f"{model_out.name}: {warn}", file=sys.stderr)
        model_out.write_text(json.dumps(model, indent=1) + "\n")
        print(f"wrote {model_out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
