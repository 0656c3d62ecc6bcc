"""Suites: a list of cases plus the documents each case's index must hold.

* `seeds`  - the hand-written golden set evals/datasets/seeds.jsonl over the repo's seeds/.
* `squad2` - SQuAD 2.0 dev articles (articles/, passages.jsonl, questions.jsonl) in one index;
             a seeded sample, half answerable and half not, of questions on the *report*
             articles of evals/splits.toml only (the other half fitted the refusal model and
             tuned retrieval). All 18 articles are indexed: the fit half is just distractors.
* `realdocs` - manuals from Debian -doc packages (PDF, HTML, a generated DOCX; evals/realdocs.py) and
             the hand-written questions evals/datasets/realdocs.jsonl; skips when they are not installed.
* `rgb`    - RGB en_fact: per record three small indexes: `positive` (positive + negative
             passages: answer), `negative` (negatives only: refuse) and `counterfactual`
             (positive_wrong + negatives: the answer must follow the documents, i.e. contain
             `fakeanswer` and not `answer`).
Indexes live under the cache dir and are ingested incrementally, so a second run re-embeds nothing.
Left out: RGB's other subsets (integration, information rejection across languages).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from evals.data import data_root
from rag.errors import UsageError

REPO = Path(__file__).resolve().parents[1]
DATA = data_root()
SEEDS_DATASET = Path(__file__).resolve().parent / "datasets" / "seeds.jsonl"


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    index: str  # which index (collection) answers it
    answerable: bool
    kind: str = "answerable"
    history: tuple[tuple[str, str], ...] = ()
    answers: tuple[str, ...] = ()  # any of these, normalised, in the answer = correct
    must_not: tuple[str, ...] = ()  # ...unless one of these is in it too (RGB counterfactual)
    rebuttal: tuple[str, ...] = ()  # false premise: the correcting fact (any of these)
    premise: str = ""  # false premise, stated as a claim: a shown sentence supporting it affirms the premise
    evidence: tuple[str, ...] = ()  # gold quotes: a chunk containing one is relevant
    gold_spans: tuple[tuple[str, int, int], ...] = ()  # (source, start, end) of gold passages
    gold_sources: tuple[str, ...] = ()  # whole documents that are gold
    section: str = ""  # heading the evidence sits under (realdocs: section accuracy)
    running_headers: tuple[str, ...] | None = None  # realdocs: set -> answers are checked for readability
    group: str = ""  # a part of a suite scored and gated on its own as well (realdocs: "manuals", "sheets")


@dataclass
class Suite:
    name: str
    cases: list[Case]
    indexes: dict[str, list[Path]] = field(default_factory=dict)  # index name -> paths to ingest
    data_key: str = ""  # identifies the data, so that a cache built from other data is not reused

    def collection(self, index: str) -> str:
        return f"{self.name}-{index}"[:63]


def _digest(*parts) -> str:
    return hashlib.sha1("\x00".join(map(str, parts)).encode()).hexdigest()[:10]


def _files_digest(folder: Path) -> str:
    """The folder's files by relative name and content: the same documents give the same key in any checkout (a clone
    in another directory reuses the cached index), and an edited document gives another."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return _digest(*(f"{p.relative_to(folder).as_posix()}:{hashlib.sha1(p.read_bytes()).hexdigest()}" for p in files))


def _jsonl(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as e:
        raise UsageError(f"Cannot read {path}: {e.strerror}. Check --data.")
    except ValueError as e:
        raise UsageError(f"{path} is not JSON lines ({e}).")


def seeds(limit: int | None = None, seed: int = 0, data: Path | None = None) -> Suite:
    path = Path(data) if data else SEEDS_DATASET
    if path.is_dir():
        path = path / "seeds.jsonl"
    cases = [
        Case(
            id=r["id"], question=r["question"], index="main", answerable=r["answerable"], kind=r.get("kind", "answerable"),
            history=tuple(tuple(h) for h in r.get("history", [])), answers=tuple(r.get("answers", [])),
            rebuttal=tuple(r.get("rebuttal", [])), premise=r.get("premise", ""), evidence=tuple(r.get("evidence", [])),
        )
        for r in _jsonl(path)
    ]
    docs = REPO / "seeds"
    return Suite("seeds", cases[:limit] if limit else cases, {"main": [docs]}, _files_digest(docs))


def squad2(limit: int | None = None, seed: int = 0, data: Path | None = None) -> Suite:
    root = Path(data) if data else DATA / "squad2-dev"
    for need in ("articles", "passages.jsonl", "questions.jsonl"):
        if not (root / need).exists():
            raise UsageError(f"{root} lacks {need}: --data must be a folder with articles/, passages.jsonl and questions.jsonl.")
    n = limit or 300
    # Gold passage -> its character span in the article file, so any chunking can be scored.
    spans: dict[str, tuple[str, int, int]] = {}
    texts: dict[str, str] = {}
    for p in _jsonl(root / "passages.jsonl"):
        art = p["article"]
        if art not in texts:
            texts[art] = (root / "articles" / art).read_text(encoding="utf-8")
        at = texts[art].find(p["text"])
        if at >= 0:
            spans[p["passage_id"]] = (art, at, at + len(p["text"]))
    qs = sorted(_jsonl(root / "questions.jsonl"), key=lambda q: q["id"])
    if data is None:  # the shared dev set: only questions that nothing was fitted or tuned on
        from evals.splits import report_articles

        keep = report_articles("squad2-dev")
        qs = [q for q in qs if q["article"] in keep]
    rng = random.Random(seed)
    pos = [q for q in qs if q["answerable"]]
    neg = [q for q in qs if not q["answerable"]]
    n_neg = min(len(neg), n // 2)
    picked = rng.sample(pos, min(len(pos), n - n_neg)) + rng.sample(neg, n_neg)
    rng.shuffle(picked)
    cases = [
        Case(
            id=q["id"], question=q["question"], index="main", answerable=bool(q["answerable"]),
            kind="answerable" if q["answerable"] else "unanswerable", answers=tuple(q.get("answers", [])),
            gold_spans=(spans[q["passage_id"]],) if q["answerable"] and q.get("passage_id") in spans else (),
        )
        for q in picked
    ]
    return Suite("squad2", cases, {"main": [root / "articles"]}, _digest(root.resolve()))


def _flat(x) -> tuple[str, ...]:
    if isinstance(x, str):
        return (x,)
    return tuple(s for item in x for s in _flat(item))


def rgb(limit: int | None = None, seed: int = 0, data: Path | None = None, cache: Path | None = None) -> Suite:
    path = Path(data) if data else DATA / "rgb-en-dev"
    if path.is_dir():
        path = path / "en_fact.jsonl"
    records = _jsonl(path)
    docs_root = Path(cache or REPO / ".cache" / "evals") / f"rgb-docs-{_digest(path.resolve())}"
    cases: list[Case] = []
    indexes: dict[str, list[Path]] = {}
    for r in records:
        rid = str(r["id"])
        setups = {
            "positive": (r["positive"] + r["negative"], True, _flat(r["answer"]), ()),
            "negative": (r["negative"], False, (), ()),
            "counterfactual": (r["positive_wrong"] + r["negative"], True, _flat(r["fakeanswer"]), _flat(r["answer"])),
        }
        for cond, (passages, answerable, answers, must_not) in setups.items():
            name = f"{rid}-{cond}"
            folder = docs_root / name
            gold = []
            folder.mkdir(parents=True, exist_ok=True)
            for i, text in enumerate(passages):
                f = folder / f"p{i:02d}.txt"
                if not f.exists() or f.read_text(encoding="utf-8") != text:
                    f.write_text(text, encoding="utf-8")
                if answerable and i < len(passages) - len(r["negative"]):
                    gold.append(f.name)
            indexes[name] = [folder]
            cases.append(Case(id=name, question=r["query"], index=name, answerable=answerable, kind=cond,
                              answers=answers, must_not=must_not, gold_sources=tuple(gold)))
    rng = random.Random(seed)
    if limit:
        cases = sorted(rng.sample(cases, min(limit, len(cases))), key=lambda c: cases.index(c))
        indexes = {c.index: indexes[c.index] for c in cases}
    return Suite("rgb", cases, indexes, _digest(path.resolve()))


REALDOCS_DATASET = Path(__file__).resolve().parent / "datasets" / "realdocs.jsonl"


def realdocs(limit: int | None = None, seed: int = 0, data: Path | None = None, cache: Path | None = None) -> Suite:
    """Raises evals.realdocs.Missing (the CLI skips the suite) when the Debian manuals are not installed."""
    from evals import realdocs as R

    folder = R.prepare_docs(Path(cache or REPO / ".cache" / "evals"))
    pdfs = [Path(p).name for _, p, fmt in R.DOCS if fmt == "pdf"] + [p.name for p in R.SAVED if p.suffix == ".pdf"]
    headers = tuple(sorted({h for name in pdfs for h in R.running_headers(folder / name)}))
    path = Path(data) if data else REALDOCS_DATASET
    cases = [
        Case(id=r["id"], question=r["question"], index="main", answerable=r["answerable"], kind=r["kind"],
             answers=tuple(r["answers"]), evidence=tuple(r["evidence"]), section=r.get("section", ""), running_headers=headers,
             premise=r.get("premise", ""), rebuttal=tuple(r.get("rebuttal", [])), group=r.get("group", "manuals"))
        for r in _jsonl(path)
    ]
    if limit:  # a seeded sample that keeps the answerable : unanswerable ratio
        rng = random.Random(seed)
        pos, neg = [c for c in cases if c.answerable], [c for c in cases if not c.answerable]
        n_neg = round(limit * len(neg) / len(cases))
        keep = set(rng.sample([c.id for c in pos], min(len(pos), limit - n_neg)) + rng.sample([c.id for c in neg], min(len(neg), n_neg)))
        cases = [c for c in cases if c.id in keep]
    # The index is built from the documents alone, and the folder's name is a hash of their contents: the questions'
    # path stays out of the key, so a copy of the tree (or another questions file) reuses the same index.
    return Suite("realdocs", cases, {"main": [folder]}, _digest(folder.name))


SUITES = {"seeds": seeds, "squad2": squad2, "rgb": rgb, "realdocs": realdocs}
