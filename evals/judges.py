"""Judges (faithfulness checkers behind rag.verify.Checker) and how they are measured.

* `offline` (default): rag.verify.LearnedChecker, deterministic, trained by train/judge.py.
  With the reader installed it is the reader judge (rag/checker_reader_model.json, train/judge.py --reader).
* `offline-lexical`: the learned judge without the reader (rag/checker_model.json), for comparison.
* `heuristic`: rag.verify.HeuristicChecker, the answer-time checker, for comparison.
* `llm`: evals/llm_judge.py (any OpenAI-compatible endpoint), imported lazily.

Human-labelled data (`rag eval judges`):
* BEGIN (*.tsv): "Fully attributable" = supported; "Not fully attributable" and "Generic" = unsupported.
* WiCE oracle chunks (dev.jsonl): rows are grouped by claim id and the judge's score is the max over
  a claim's rows. `supported` = supported; `partially_supported` and `not_supported` = unsupported
  (a partly supported claim is not faithful; this is how LLM-AggreFact binarises WiCE).
The held-out split: a claim/knowledge passage goes to TEST when sha1(group key) mod 10 < 3 (30%),
grouping BEGIN rows by their knowledge passage so that no passage is on both sides. The learned
judge is trained on TRAIN only; `rag eval judges` reports TEST only for the default files.
Left out: per-statement decomposition for the offline judge (answers are already split into sentences).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from evals.data import data_root
from rag.errors import ConfigError, UsageError

DATA = data_root()
BEGIN_FILES = tuple(sorted((DATA / "begin-dev").glob("*.tsv")))
WICE_FILES = (DATA / "wice-dev" / "dev.jsonl",)
WICE_ORDER = ("not_supported", "partially_supported", "supported")


@dataclass(frozen=True)
class Example:
    """One labelled judgement: does the evidence support the claim? Several evidence sets = take the max."""

    id: str
    dataset: str
    claim: str
    evidence: tuple[tuple[str, ...], ...]
    label: bool
    group: str  # split key

    @property
    def split(self) -> str:
        return "test" if int(hashlib.sha1(self.group.encode()).hexdigest(), 16) % 10 < 3 else "train"


def load_begin(path: Path) -> list[Example]:
    path = Path(path)
    try:
        rows = list(csv.reader(path.open(newline="", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as e:
        raise UsageError(f"Cannot read BEGIN file {path}: {e.strerror}. Pass a BEGIN .tsv (knowledge, response, begin_label columns).")
    head = rows[0] if rows else []
    try:
        ik, ir, il = head.index("knowledge"), head.index("response"), head.index("begin_label")
    except ValueError:
        raise UsageError(f"{path} is not a BEGIN .tsv: it needs the columns knowledge, response and begin_label.")
    return [
        Example(f"{path.stem}:{i}", f"begin/{path.stem.replace('begin_dev_', '')}", r[ir], ((r[ik],),), r[il].strip() == "Fully attributable", r[ik])
        for i, r in enumerate(rows[1:], start=1)
        if len(r) == len(head)
    ]


def load_wice(path: Path) -> list[Example]:
    path = Path(path)
    groups: dict[str, dict] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise UsageError(f"Cannot read WiCE file {path}: {e.strerror}. Pass a WiCE oracle-chunks .jsonl.")
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            cid, label = r["meta"]["id"], r["label"]
            g = groups.setdefault(cid, {"claim": r["claim"], "evidence": [], "label": label})
            g["evidence"].append(tuple(r["evidence"]))
            if WICE_ORDER.index(label) > WICE_ORDER.index(g["label"]):
                g["label"] = label
        except (ValueError, KeyError) as e:
            raise UsageError(f"{path}:{n} is not a WiCE row ({e}); each line needs label, claim, evidence[] and meta.id.")
    return [Example(cid, "wice", g["claim"], tuple(g["evidence"]), g["label"] == "supported", cid) for cid, g in groups.items()]


def load_sets(begin: Sequence[Path] | None = None, wice: Sequence[Path] | None = None) -> dict[str, list[Example]]:
    """Dataset name -> examples. With no files given, both default dev sets (TEST split only);
    otherwise only the given files, whole (a default dev file given by name keeps its TEST split)."""
    out: dict[str, list[Example]] = {}
    given = bool(begin or wice)
    for files, loader, defaults in ((begin, load_begin, BEGIN_FILES), (wice, load_wice, WICE_FILES)):
        for f in (files or []) if given else defaults:
            exs = loader(f)
            if not given or Path(f).resolve() in {d.resolve() for d in defaults}:
                exs = [e for e in exs if e.split == "test"]
            for e in exs:
                out.setdefault(e.dataset, []).append(e)
    return out


def score_example(checker, ex: Example) -> float:
    return max(checker.check(ex.claim, list(ev)).support for ev in ex.evidence)


def verdict_example(checker, ex: Example) -> bool:
    return any(checker.check(ex.claim, list(ev)).supported for ev in ex.evidence)


def make_judge(name: str, embedder=None, settings=None):
    """A Checker by name; `llm` is imported lazily because it needs an endpoint."""
    from rag import verify

    if name == "offline":  # with the reader when it is installed and its judge fitted (train/judge.py --reader)
        from rag.pipeline import shipped_reader

        if verify.READER_CHECKER_PATH.is_file() and shipped_reader(settings or _default_settings()) is not None:
            return verify.LearnedChecker(embedder=embedder, path=verify.READER_CHECKER_PATH)
        return verify.LearnedChecker(embedder=embedder)
    if name == "offline-lexical":  # the learned judge without the reader, for comparison
        return verify.LearnedChecker(embedder=embedder)
    if name == "heuristic":
        return verify.HeuristicChecker(settings.support_threshold if settings else 0.5, embedder=embedder)
    if name == "llm":
        try:
            from evals import llm_judge
        except ImportError as e:
            raise ConfigError(f"The llm judge is not available ({e}). Use --judge offline.")
        return llm_judge.make_judge(settings) if hasattr(llm_judge, "make_judge") else llm_judge.LLMJudge(settings)
    raise UsageError(f"Unknown judge '{name}': use offline, offline-lexical, heuristic or llm.")


def _default_settings():
    from rag.settings import Settings

    return Settings()


def measure(checker, examples: Iterable[Example], tick: Callable[[], None] = lambda: None) -> dict:
    from evals.metrics import balanced_accuracy, confusion

    gold, pred = [], []
    for ex in examples:
        gold.append(ex.label)
        pred.append(verdict_example(checker, ex))
        tick()
    ba = balanced_accuracy(gold, pred)
    return {"balanced_accuracy": ba.value, "n": len(gold), "confusion": confusion(gold, pred), **({"reason": ba.reason} if ba.reason else {})}


class RecordingEmbedder:
    """Collects the texts a judge would embed (returns zero vectors): a cheap first pass."""

    def __init__(self, name: str, dim: int):
        self.name, self.dim = name, dim
        self.texts: dict[str, None] = {}

    def embed_documents(self, texts):
        import numpy as np

        self.texts.update(dict.fromkeys(texts))
        return np.zeros((len(texts), self.dim), dtype=np.float32)

    def embed_query(self, text):
        return self.embed_documents([text])[0]


class PrefetchEmbedder:
    """Embeds many texts in big batches up front and serves them from a table.

    Same vectors as calling the inner embedder directly; many small calls cost several
    times more than one batched pass on a busy CPU.
    """

    def __init__(self, inner, batch: int = 512):
        self.inner, self.batch = inner, batch
        self.name, self.dim = inner.name, inner.dim
        self.table: dict = {}

    def prefetch(self, texts, tick=lambda n: None) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self.table]
        for i in range(0, len(todo), self.batch):
            part = todo[i : i + self.batch]
            self.table.update(zip(part, self.inner.embed_documents(part)))
            tick(len(part))

    def embed_documents(self, texts):
        import numpy as np

        self.prefetch(texts)
        return np.stack([self.table[t] for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text):
        return self.embed_documents([text])[0]
