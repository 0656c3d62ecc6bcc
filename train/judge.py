"""Train the offline judge (rag.verify.LearnedChecker) on the TRAIN split of BEGIN + WiCE dev.

    .venv/bin/python train/judge.py [--out rag/checker_model.json]
    .venv/bin/python train/judge.py --reader [--out rag/checker_reader_model.json]

--reader adds the reader's P(supported) (rag/reader.py, the shipped cross-encoder) to the
lexical features and leaves out the MiniLM cosines (no sentence embedding at check time);
that model is the answer-time checker and the offline judge when the reader is installed. The reader's SUPPORT head was trained on the same TRAIN split (train/reader.py),
so TEST stays held out for both.

Deterministic: fixed split (evals.judges.Example.split, by hash), fixed seed, features
from rag.verify.learned_features with the packaged MiniLM. Model choice (logistic
regression vs small gradient-boosted trees) and the decision threshold are picked by
grouped 5-fold cross-validation on TRAIN only; TEST is scored once at the end and printed.
Features are cached in .cache/evals/ (git-ignored) keyed by the data and feature code.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evals.judges import BEGIN_FILES, WICE_FILES, load_begin, load_wice  # noqa: E402
from rag import verify  # noqa: E402

SEED = 0


def rows():
    """(example, evidence-set index) pairs: a WiCE claim has about 3 evidence sets."""
    exs = [e for f in BEGIN_FILES for e in load_begin(f)] + [e for f in WICE_FILES for e in load_wice(f)]
    return exs


def featurize(exs, cache_dir: Path, reader=None, reader_key: str = "") -> list[list[dict]]:
    if reader is None:
        return featurize_base(exs, cache_dir)
    cosines = ("cos_max", "cos_top2", "cos_all")  # zero without an embedder: left out of the reader judge
    base = [[{k: v for k, v in verify.learned_features(e.claim, list(ev)).items() if k not in cosines} for ev in e.evidence] for e in exs]
    path = cache_dir / f"judge_reader_features_{hashlib.sha1((reader_key + inspect.getsource(verify.reader_features)).encode()).hexdigest()[:16]}.json"
    if path.exists():
        extra = json.loads(path.read_text())
    else:
        extra = []
        for i, e in enumerate(exs):
            extra.append([verify.reader_features(e.claim, list(ev), reader) for ev in e.evidence])
            if i % 200 == 0:
                print(f"read {i}/{len(exs)}", file=sys.stderr, flush=True)
        cache_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(extra))
    return [[b | x for b, x in zip(bs, xs)] for bs, xs in zip(base, extra)]


def featurize_base(exs, cache_dir: Path) -> list[list[dict]]:
    key = hashlib.sha1(
        (inspect.getsource(verify.learned_features) + inspect.getsource(verify.features) + json.dumps([(e.id, e.claim, e.evidence) for e in exs])).encode()
    ).hexdigest()[:16]
    path = cache_dir / f"judge_features_{key}.json"
    if path.exists():
        return json.loads(path.read_text())
    from rag.embeddings import MiniLMEmbedder

    # Embed every distinct text once, in big batches (per-call overhead dominates otherwise),
    # then compute the features against a lookup table: same vectors as the runtime path.
    class Recorder:
        def __init__(self):
            self.texts: dict[str, None] = {}

        def embed_documents(self, texts):
            self.texts.update(dict.fromkeys(texts))
            return np.zeros((len(texts), 384), dtype=np.float32)

    class Lookup:
        def __init__(self, table):
            self.table = table

        def embed_documents(self, texts):
            return np.stack([self.table[t] for t in texts])

    rec = Recorder()
    for e in exs:
        for ev in e.evidence:
            verify.learned_features(e.claim, list(ev), rec)
    texts = list(rec.texts)
    emb = MiniLMEmbedder(batch_size=64)
    table = {}
    for i in range(0, len(texts), 1024):
        vecs = emb.embed_documents(texts[i : i + 1024])
        table.update(zip(texts[i : i + 1024], vecs))
        print(f"embedded {min(i + 1024, len(texts))}/{len(texts)}", file=sys.stderr, flush=True)
    look = Lookup(table)
    out = [[verify.learned_features(e.claim, list(ev), look) for ev in e.evidence] for e in exs]
    cache_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def balanced_acc(y, p):
    y, p = np.asarray(y, bool), np.asarray(p, bool)
    return 0.5 * ((p[y]).mean() + (~p[~y]).mean())


def best_threshold(y, s):
    cands = np.unique(np.round(s, 3))
    scores = [(balanced_acc(y, s >= t), -abs(t - 0.5), t) for t in cands]
    return max(scores)[2]


def to_json(model, names, kind, threshold) -> dict:
    if kind == "logreg":
        scaler, lr = model.named_steps["scale"], model.named_steps["lr"]
        return {
            "kind": "logreg", "features": names, "mean": [round(x, 6) for x in scaler.mean_], "scale": [round(x, 6) for x in scaler.scale_],
            "coef": [round(x, 6) for x in lr.coef_[0]], "intercept": round(float(lr.intercept_[0]), 6),
        }
    init = float(np.log(model.init_.class_prior_[1] / model.init_.class_prior_[0]))
    trees = []
    for est in model.estimators_[:, 0]:
        t = est.tree_
        trees.append({
            "left": t.children_left.tolist(), "right": t.children_right.tolist(), "feature": t.feature.tolist(),
            "threshold": [round(float(x), 6) for x in t.threshold], "value": [round(float(v), 6) for v in t.value[:, 0, 0]],
        })
    return {"kind": "gbm", "features": names, "init": round(init, 6), "learning_rate": model.learning_rate, "trees": trees}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="default: rag/checker_model.json, or rag/checker_reader_model.json with --reader")
    ap.add_argument("--reader", action="store_true", help="add the shipped reader's P(supported) to the features")
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "evals")
    args = ap.parse_args(argv)

    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    reader, reader_key = None, ""
    if args.reader:
        from rag.reader import WEIGHTS, load_reader

        reader, reader_key = load_reader(), hashlib.sha256(Path(WEIGHTS).read_bytes()).hexdigest()
    if args.out is None:
        args.out = verify.READER_CHECKER_PATH if args.reader else verify.LEARNED_MODEL_PATH
    exs = rows()
    feats = featurize(exs, args.cache, reader, reader_key)
    names = sorted(feats[0][0])
    # One training row per (claim, evidence set); a claim's score is the max over its sets.
    X, y, g, owner = [], [], [], []
    for i, (e, fs) in enumerate(zip(exs, feats)):
        for f in fs:
            X.append([f[n] for n in names]); y.append(e.label); g.append(e.group); owner.append(i)
    X, y, owner = np.array(X), np.array(y), np.array(owner)
    is_train = np.array([exs[o].split == "train" for o in owner])
    # Each dataset weighs the same in training, and within it each class (balanced accuracy is the target).
    ds = np.array([exs[o].dataset.split("/")[0] for o in owner])
    w = np.ones(len(y))
    for d in np.unique(ds):
        for c in (True, False):
            m = (ds == d) & (y == c) & is_train
            w[m] = 1.0 / max(m.sum(), 1)
    w = w / w[is_train].mean()

    def make(kind):
        if kind == "logreg":
            return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(C=1.0, max_iter=2000))])
        return GradientBoostingClassifier(n_estimators=120, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=SEED)

    def fit(kind, idx):
        m = make(kind)
        if kind == "logreg":
            m.fit(X[idx], y[idx], lr__sample_weight=w[idx])
        else:
            m.fit(X[idx], y[idx], sample_weight=w[idx])
        return m

    def per_claim(scores, idx_mask):
        out = {}
        for s, o in zip(scores, owner[idx_mask]):
            out[o] = max(out.get(o, -1.0), s)
        keys = sorted(out)
        return np.array([exs[k].label for k in keys]), np.array([out[k] for k in keys]), keys

    tr = np.where(is_train)[0]
    groups = np.array(g)[tr]
    results = {}
    for kind in ("logreg", "gbm"):
        oof = np.zeros(len(tr))
        for a, b in GroupKFold(n_splits=5).split(tr, groups=groups):
            oof[b] = fit(kind, tr[a]).predict_proba(X[tr[b]])[:, 1]
        yc, sc, keys = per_claim(oof, is_train)
        # Threshold chosen per dataset family, then averaged: one global threshold at run time.
        fam = np.array([exs[k].dataset.split("/")[0] for k in keys])
        t = float(np.mean([best_threshold(yc[fam == f], sc[fam == f]) for f in np.unique(fam)]))
        cv = {f: round(balanced_acc(yc[fam == f], sc[fam == f] >= t), 4) for f in np.unique(fam)}
        results[kind] = (np.mean(list(cv.values())), t, cv)
        print(f"{kind}: cv balanced accuracy {cv} threshold {t:.3f}", file=sys.stderr)
    kind = max(results, key=lambda k: results[k][0])
    model = fit(kind, tr)
    spec = to_json(model, names, kind, round(results[kind][1], 4))
    if args.reader:
        spec.update(uses_reader=True, reader_sha256=reader_key)
    spec.update(uses_embedder=not args.reader, trained_on="BEGIN dev + WiCE dev (oracle chunks), TRAIN split (sha1(group) % 10 >= 3)",
                cv_balanced_accuracy=results[kind][2], seed=SEED, threshold=round(results[kind][1], 4))
    args.out.write_text(json.dumps(spec, separators=(",", ":")) + "\n")

    # Held-out TEST, scored through the runtime code path (LearnedChecker.proba on the cached features).
    chk = verify.LearnedChecker(path=args.out, embedder=object(), reader=reader or object())
    te = ~is_train
    s = np.array([chk.proba(dict(zip(names, x))) for x in X[te]])
    yc, sc, keys = per_claim(s, te)
    ds_c = np.array([exs[k].dataset for k in keys])
    report = {"command": "python train/judge.py" + (" --reader" if args.reader else ""), "model": args.out.name, "kind": kind,
              "threshold": chk.threshold, "cv_balanced_accuracy_train": results[kind][2], "test": {}}
    for d in sorted(set(ds_c)):
        m = ds_c == d
        ba = balanced_acc(yc[m], sc[m] >= chk.threshold)
        report["test"][d] = {"n": int(m.sum()), "balanced_accuracy": round(float(ba), 4)}
        print(f"TEST {d}: n={m.sum()} balanced accuracy {ba:.4f}")
    if args.reader:
        # For comparison: the reader's P(supported) alone, thresholded like the model (chosen on TRAIN).
        col = names.index("reader_support")
        ytr, s_tr, k_tr = per_claim(X[is_train][:, col], is_train)
        fam = np.array([exs[k].dataset.split("/")[0] for k in k_tr])
        t = float(np.mean([best_threshold(ytr[fam == f], s_tr[fam == f]) for f in np.unique(fam)]))
        yte, s_te, _ = per_claim(X[te][:, col], te)
        report["reader_alone"] = {"threshold": round(t, 4), **{d: round(float(balanced_acc(yte[ds_c == d], s_te[ds_c == d] >= t)), 4) for d in sorted(set(ds_c))}}
        print(f"reader alone: {report['reader_alone']}")
    results_dir = ROOT / "evals" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / ("judge_reader.json" if args.reader else "judge.json")).write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {kind})")


if __name__ == "__main__":
    main()
