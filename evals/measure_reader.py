"""Measure the reader (rag.reader.CrossEncoderReader) on held-out data only, against word overlap.

    python -m evals.measure_reader [--weights rag/models/reader.safetensors] [--data ../shared/data] [--n 400]

(a) SQuAD 2.0 dev, the REPORT half of the articles (evals.measure_retrieval.split_by_article,
    seed 0; train/reader.py trains on the other half): a seeded sample of n answerable and n
    unanswerable questions. Top-1: the top-scored sentence of the gold passage holds a gold answer
    (answerable questions whose passage has such a sentence). AUC: answerable vs unanswerable,
    scoring a question by the max P over its passage's sentences.
(b) RGB en dev, all 50 records (never trained on): AUC of positive vs negative passages of the
    same query, a passage scored by the max P over its sentences; per-record AUCs averaged
    (records with both kinds), and pooled over all records.
(c) Support: WiCE and BEGIN (wow, cmu, tc) TEST split (evals.judges, the judge's split), a claim
    scored by the max over its evidence sets; balanced accuracy at one threshold chosen on the
    TRAIN split (mean over data sets of each one's best threshold; the reader was trained on
    TRAIN, so that threshold is optimistic there, never on TEST).
Answer scores are taken with the neighbour sentences as context and without; the baseline is
rag.reader.LexicalReader (share of the query's key terms in the text).
Writes evals/results/reader.json and reader.md. Left out: latency (see bench/), calibration.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.data import data_root  # noqa: E402
from evals.judges import BEGIN_FILES, load_begin, load_wice  # noqa: E402
from evals.measure_retrieval import RESULTS, contains_answer, split_by_article  # noqa: E402
from rag.reader import WEIGHTS, LexicalReader  # noqa: E402
from rag.text import sentences  # noqa: E402

SPLIT_SEED = 0


def auc(pos, neg) -> float | None:
    """P(score of a random positive > a random negative), ties half."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if not len(pos) or not len(neg):
        return None
    gt = (pos[:, None] > neg[None, :]).mean()
    eq = (pos[:, None] == neg[None, :]).mean()
    return float(gt + 0.5 * eq)


def r4(x: float | None) -> float | None:
    return None if x is None or x != x else round(float(x), 4)


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def balanced_acc(y, pred) -> float:
    y, pred = np.asarray(y, bool), np.asarray(pred, bool)
    return float(0.5 * (pred[y].mean() + (~pred[~y]).mean()))


def best_threshold(y, s) -> float:
    cands = np.unique(np.round(s, 3))
    return float(max((balanced_acc(y, s >= t), -abs(t - 0.5), t) for t in cands)[2])


def contexts(sents: list[str]) -> list[str]:
    return [" ".join(sents[j] for j in (i - 1, i + 1) if 0 <= j < len(sents)) for i in range(len(sents))]


def sentence_scores(reader, question: str, text: str, ctx: bool) -> np.ndarray:
    sents = sentences(text) or [text]
    return reader.answers(question, sents, contexts(sents) if ctx else None), sents


def squad(readers, data: Path, n: int, seed: int) -> dict:
    passages = {p["passage_id"]: p for p in map(json.loads, (data / "squad2-dev" / "passages.jsonl").read_text().splitlines())}
    qs = [q for q in map(json.loads, (data / "squad2-dev" / "questions.jsonl").read_text().splitlines()) if q["passage_id"] in passages]
    _, _, fit = split_by_article([{"article": q["article"]} for q in qs], SPLIT_SEED)
    held = [q for q in qs if q["article"] not in fit]
    rng = random.Random(seed)
    ans = rng.sample([q for q in held if q["answerable"]], min(n, sum(q["answerable"] for q in held)))
    una = rng.sample([q for q in held if not q["answerable"]], min(n, sum(not q["answerable"] for q in held)))
    out = {"articles": sorted({q["article"] for q in held}), "answerable": len(ans), "unanswerable": len(una)}
    for name, reader, ctx in readers:
        top, maxes_a, maxes_u = [], [], []
        for q in ans:
            s, sents = sentence_scores(reader, q["question"], passages[q["passage_id"]]["text"], ctx)
            maxes_a.append(float(s.max()))
            holds = [contains_answer(x, q["answers"]) for x in sents]
            if any(holds):
                top.append(holds[int(np.argmax(s))])
        for q in una:
            s, _ = sentence_scores(reader, q["question"], passages[q["passage_id"]]["text"], ctx)
            maxes_u.append(float(s.max()))
        out[name] = {"top1_holds_answer": round(float(np.mean(top)), 4), "n_top1": len(top), "auc_answerable_vs_unanswerable": r4(auc(maxes_a, maxes_u))}
        print(f"squad {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def rgb(readers, data: Path) -> dict:
    recs = [json.loads(x) for x in (data / "rgb-en-dev" / "en_fact.jsonl").read_text().splitlines() if x.strip()]
    out = {"records": len(recs)}
    for name, reader, ctx in readers:
        per, allp, alln = [], [], []
        for r in recs:
            ps = [float(sentence_scores(reader, r["query"], t, ctx)[0].max()) for t in r["positive"]]
            ns = [float(sentence_scores(reader, r["query"], t, ctx)[0].max()) for t in r["negative"]]
            allp += ps; alln += ns
            a = auc(ps, ns)
            if a is not None:
                per.append(a)
        out[name] = {"auc_per_record_mean": round(float(np.mean(per)), 4), "n_records": len(per), "auc_pooled": r4(auc(allp, alln)),
                     "positives": len(allp), "negatives": len(alln)}
        print(f"rgb {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def support(readers, data: Path) -> dict:
    exs = [e for f in sorted((data / "begin-dev").glob("*.tsv")) for e in load_begin(f)] + load_wice(data / "wice-dev" / "dev.jsonl")
    out = {}
    for name, reader in readers:
        score = {e.id: max(float(reader.supports(e.claim, [" ".join(ev)])[0]) for ev in e.evidence) for e in exs}
        fams = sorted({e.dataset for e in exs})
        ths = []
        for f in fams:
            tr = [e for e in exs if e.dataset == f and e.split == "train"]
            ths.append(best_threshold(np.array([e.label for e in tr]), np.array([score[e.id] for e in tr])))
        t = float(np.mean(ths))
        res = {"threshold_from_train": round(t, 4)}
        for f in fams:
            te = [e for e in exs if e.dataset == f and e.split == "test"]
            y = np.array([e.label for e in te]); s = np.array([score[e.id] for e in te])
            res[f] = {"n": len(te), "balanced_accuracy": r4(balanced_acc(y, s >= t)), "auc": r4(auc(s[y], s[~y]))}
        out[name] = res
        print(f"support {name}: {res}", file=sys.stderr, flush=True)
    return out


def warm_latency(reader) -> dict:
    """Scoring 12 short sentences against a question, warm; median of 20 (single process, not a benchmark gate)."""
    sents = [f"The committee met in Brussels on {d} June 2021 to discuss the budget of the alliance." for d in range(1, 13)]
    reader.answers("When did NATO leaders meet in Brussels?", sents)
    ts = []
    for _ in range(20):
        t = time.perf_counter(); reader.answers("When did NATO leaders meet in Brussels?", sents); ts.append(time.perf_counter() - t)
    return {"answers_12_sentences_ms_p50": round(1000 * float(np.median(ts)), 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=WEIGHTS)
    ap.add_argument("--data", type=Path, default=data_root())
    ap.add_argument("--n", type=int, default=400, help="answerable and unanswerable SQuAD questions each")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "reader.json")
    a = ap.parse_args(argv)
    from rag.reader import CrossEncoderReader

    t0 = time.perf_counter()
    reader = CrossEncoderReader(a.weights)
    load_s = time.perf_counter() - t0
    lex = LexicalReader()
    ans_readers = [("reader+context", reader, True), ("reader", reader, False), ("word_overlap", lex, False)]
    res = {
        "command": f"python -m evals.measure_reader --n {a.n} --seed {a.seed}",
        "weights": a.weights.name,
        "sha256": json.loads((a.weights.parent / "reader.json").read_text())["sha256"] if (a.weights.parent / "reader.json").exists() else None,
        "squad2_heldout": squad(ans_readers, a.data, a.n, a.seed),
        "rgb_dev": rgb(ans_readers, a.data),
        "support_heldout": support([("reader", reader), ("word_overlap", lex)], a.data),
        "load_seconds": round(load_s, 2),
        **warm_latency(reader),
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=1) + "\n")
    a.out.with_suffix(".md").write_text(report(res))
    print(f"wrote {a.out} and {a.out.with_suffix('.md')}", file=sys.stderr)


def report(r: dict) -> str:
    sq, rg, su = r["squad2_heldout"], r["rgb_dev"], r["support_heldout"]
    names = ("reader+context", "reader", "word_overlap")
    lines = [
        "# Reader (cross-encoder) on held-out data",
        "",
        f"`{r['command']}` (weights {r['weights']}, sha256 {str(r['sha256'])[:12]}). Trained by `python train/reader.py`; see rag/models/READER.md.",
        "Nothing below was used for training or for choosing a threshold, except where a threshold is said to come from TRAIN.",
        "",
        f"## SQuAD 2.0 dev, held-out articles ({len(sq['articles'])}: {', '.join(a.removesuffix('.txt') for a in sq['articles'])})",
        "",
        f"{sq['answerable']} answerable + {sq['unanswerable']} unanswerable questions, gold passage only.",
        "",
        "| scorer | top-1 sentence holds the answer | AUC answerable vs unanswerable (max over sentences) |",
        "|---|---:|---:|",
        *[f"| {n} | {sq[n]['top1_holds_answer']:.3f} (n={sq[n]['n_top1']}) | {fmt(sq[n]['auc_answerable_vs_unanswerable'])} |" for n in names],
        "",
        f"## RGB en dev ({rg['records']} records, never trained on)",
        "",
        "Positive vs negative passages of the same query; a passage scores the max over its sentences.",
        "",
        "| scorer | AUC, mean over records | AUC pooled |",
        "|---|---:|---:|",
        *[f"| {n} | {rg[n]['auc_per_record_mean']:.3f} (n={rg[n]['n_records']}) | {fmt(rg[n]['auc_pooled'])} |" for n in names],
        "",
        "## Support (claim, evidence): held-out TEST split of WiCE and BEGIN",
        "",
        "Balanced accuracy at one threshold chosen on TRAIN (reader trained on TRAIN), and AUC.",
        "",
        "| scorer | threshold | " + " | ".join(k for k in su["reader"] if k != "threshold_from_train") + " |",
        "|---|---:|" + "---:|" * (len(su["reader"]) - 1),
        *[f"| {n} | {su[n]['threshold_from_train']:.3f} | " + " | ".join(f"{fmt(v['balanced_accuracy'])} (AUC {fmt(v['auc'])}, n={v['n']})" for k, v in su[n].items() if k != "threshold_from_train") + " |" for n in su],
        "",
        f"Load {r['load_seconds']} s; scoring 12 sentences warm: p50 {r['answers_12_sentences_ms_p50']} ms (this run, machine shared).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
