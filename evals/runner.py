"""Run a suite's cases through the real pipeline (public API only), judge each answer, score.

Per case: pipeline.ask (with history) -> the answer's shown sentences are judged against
the passages they cite (faithfulness, citation precision/recall) -> pipeline.retrieve on the
standalone question gives the rank of the first gold passage (hit@k, MRR).
The judge is separate from the pipeline's answer-time checker: the pipeline's own verdicts
are kept in the record as `pipeline_support`, the eval's as `judge_*`.

Refusal metrics count real refusals only (`Answer.refused`). A false-premise case is also
scored on its own (`premise_handled`): refused, or corrected = the answer holds the correcting
fact AND the judge finds no shown sentence that supports the premise (stated as a claim in
the dataset); a shown sentence that states a written rebuttal of 4+ words, or whose negation differs
from the premise's, is not asked (the offline judge misses contradictions). A correction never counts as a refusal.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from evals import metrics as M
from evals import realdocs
from evals.suites import Case, Suite
from rag.text import has_negation


def relevant(case: Case, chunk) -> bool:
    if chunk.source in case.gold_sources:
        return True
    for src, s, e in case.gold_spans:
        if chunk.source == src:
            overlap = min(e, chunk.end) - max(s, chunk.start)
            if overlap > 0 and overlap >= 0.5 * min(e - s, chunk.end - chunk.start):
                return True
    if case.evidence:
        text = M.normalize(chunk.text)
        return any(M.normalize(q) in text for q in case.evidence)
    return False


def has_gold(case: Case) -> bool:
    return bool(case.evidence or case.gold_spans or case.gold_sources)


class Judged:
    """Caches judge verdicts: a one-citation sentence is judged once, not twice."""

    def __init__(self, judge):
        self.judge = judge
        self._cache: dict = {}

    def __call__(self, claim: str, passages: tuple[str, ...]):
        key = (claim, passages)
        if key not in self._cache:
            self._cache[key] = self.judge.check(claim, list(passages))
        return self._cache[key]


def premise_verdict(case: Case, refused: bool, shown: list[str], judge: Judged) -> dict | None:
    """For a false-premise case with a stated premise: was it refused, corrected, or affirmed?"""
    if not case.premise:
        return None
    # A sentence that states a written rebuttal (4+ words) is the correction: a word-overlap judge reads "By default, the
    # config file is shared across all worktrees." as support for "By default each worktree has its own config file".
    stated = [r for r in case.rebuttal if len(r.split()) >= 4]
    # A sentence negated where the premise is not (or the reverse) does not affirm it, whatever the overlap: "mod_cache_disk
    # does not itself pay attention to how much space is used" against "mod_cache_disk enforces a limit on its disk space".
    affirming = [s for s in shown if not (stated and M.contains(s, stated)) and has_negation(s) == has_negation(case.premise)
                 and judge(case.premise, (s,)).supported]
    text = " ".join(shown)
    corrected = (not refused) and bool(case.rebuttal) and M.contains(text, case.rebuttal) and not affirming
    return {"refused": refused, "corrected": corrected, "affirming": affirming, "handled": refused or corrected}


def holds_answer(text: str, answers, must_not) -> bool:
    """`text` holds a reference answer and none of the answers it must not give."""
    return M.contains(text, answers) and not (must_not and M.contains(text, must_not))


def run_case(pipe, case: Case, judge: Judged, mode: str | None, k: int) -> dict:
    t0 = time.perf_counter()
    ans = pipe.ask(case.question, history=list(case.history), mode=mode)
    wall = (time.perf_counter() - t0) * 1000
    shown = [s for s in ans.sentences if s.shown] if not ans.refused else []
    text = " ".join(s.text for s in shown)
    by_n = {c.n: c for c in ans.citations}

    tj = time.perf_counter()
    sents = []
    for s in shown:
        cited = tuple(by_n[n].text for n in s.cites if n in by_n)
        v = judge(s.text, cited) if cited else None
        per = [judge(s.text, (p,)) for p in cited]
        sents.append({
            "text": s.text, "cites": list(s.cites), "pipeline_support": s.support, "pipeline_supported": s.supported,
            "judge_support": round(v.support, 4) if v else 0.0, "judge_supported": bool(v and v.supported),
            "judge_per_citation": [bool(p.supported) for p in per], "judge_reason": v.reason if v else "no citation",
        })
    judge_ms = (time.perf_counter() - tj) * 1000

    rank = None
    if has_gold(case):
        hits = pipe.retrieve(ans.standalone_question or case.question, k)
        rank = next((i for i, h in enumerate(hits, start=1) if relevant(case, h.chunk)), None)

    correct = None
    f1 = None
    if case.answerable and case.answers:
        correct = (not ans.refused) and holds_answer(text, case.answers, case.must_not)
        f1 = round(M.best_f1(text, case.answers), 4) if not ans.refused else 0.0
    key_right = None
    if case.answerable and case.answers and not ans.refused and ans.short_answer:
        key_right = holds_answer(ans.short_answer, case.answers, case.must_not) or M.best_f1(ans.short_answer, case.answers) >= 0.5
    premise = premise_verdict(case, ans.refused, [s.text for s in shown], judge)
    extra = realdocs.case_fields(case, ans) if case.running_headers is not None else {}
    return {**extra,
        "id": case.id, "kind": case.kind, "question": case.question, "history": [list(h) for h in case.history], "group": case.group,
        "answerable": case.answerable, "answers": list(case.answers), "must_not": list(case.must_not),
        "answer": ans.answer, "refused": ans.refused, "premise": premise, "correct": correct, "token_f1": f1,
        "gold_rank": rank, "has_gold": has_gold(case), "refusal_score": ans.refusal_score, "confidence": ans.confidence,
        "short_answer": ans.short_answer, "short_answer_margin": ans.short_answer_margin, "key_right": key_right,
        "standalone_question": ans.standalone_question, "mode": ans.mode,
        "citations": [{"n": c.n, "source": c.source, "start": c.start, "end": c.end, "score": c.score} for c in ans.citations],
        "verdicts": sents, "notes": list(ans.notes),
        "drafted_sentences": len(ans.sentences), "hidden_sentences": sum(1 for x in ans.sentences if not x.shown),
        "timings": {**{k2: v for k2, v in ans.timings_ms.items()}, "wall_ms": round(wall, 2), "judge_ms": round(judge_ms, 2)},
    }


def score(records: list[dict], k: int) -> tuple[dict, dict]:
    """report.json's metrics (stable names) and the reasons for the undefined ones."""
    res = results(records, k)
    return {k2: v.value for k2, v in res.items()}, {k2: v.reason for k2, v in res.items() if v.reason}


def score_parts(name: str, records: list[dict], k: int, thresholds: dict) -> dict[str, dict]:
    """A suite with parts (cases with a `group`; realdocs: manuals, sheets) is scored and gated per part too, each
    against the thresholds of suite "NAME-PART": a new, harder part must not loosen the gates of the part that was
    there before. {part: {metrics, se, n_cases, checks}}; {} for a suite of one part."""
    from evals.report import check_thresholds

    parts = sorted({r["group"] for r in records if r.get("group")})
    out = {}
    for g in parts if len(parts) > 1 else ():
        sub = [r for r in records if r.get("group") == g]
        m, _ = score(sub, k)
        out[g] = {"metrics": m, "se": noise(sub, k), "n_cases": len(sub), "checks": check_thresholds(f"{name}-{g}", m, thresholds)}
    return out


def noise(records: list[dict], k: int) -> dict:
    """Each defined metric's standard error for this sample size (report.json `se`)."""
    return {k2: v.se for k2, v in results(records, k).items() if v.se is not None}


def first_sentence_correct(r: dict) -> bool:
    """The answer's first shown sentence alone holds a reference answer. `answer_contains` credits an answer of up to
    three quoted sentences whose first is wrong when a later one holds the answer; this does not."""
    return bool(r["verdicts"]) and not r["refused"] and holds_answer(r["verdicts"][0]["text"], r["answers"], r["must_not"])


def results(records: list[dict], k: int) -> dict[str, M.Result]:
    ranks = [r["gold_rank"] for r in records if r["answerable"] and r["has_gold"]]
    scored = [r for r in records if r["correct"] is not None]
    judged = [M.JudgedSentence(s["judge_supported"], tuple(s["judge_per_citation"])) for r in records for s in r["verdicts"]]
    res: dict[str, M.Result] = {
        "hit_at_k": M.hit_at_k(ranks, k),
        "mrr": M.mrr(ranks),
        "answer_contains": M.mean([float(r["correct"]) for r in scored], "no answerable case with a reference answer"),
        "first_sentence_contains": M.mean([float(first_sentence_correct(r)) for r in scored], "no answerable case with a reference answer"),
        "token_f1": M.mean([r["token_f1"] for r in scored], "no answerable case with a reference answer"),
        **M.refusal([r["answerable"] for r in records], [r["refused"] for r in records]),
        "refusal_auc": M.refusal_auc([r["answerable"] for r in records], [r.get("refusal_score") for r in records]),
        **key_phrase(scored),
        **caution(records),
        "premise_handled": M.premise_handled([r["premise"]["handled"] for r in records if r.get("premise")]),
        "faithfulness": M.faithfulness(judged),
        "citation_precision": M.citation_precision(judged),
        "citation_recall": M.citation_recall(judged),
        "hidden_share": _hidden(records),
        "latency_p50_ms": M.percentile([r["timings"]["total"] for r in records if "total" in r["timings"]], 50),
        "latency_p95_ms": M.percentile([r["timings"]["total"] for r in records if "total" in r["timings"]], 95),
    }
    res.update(realdocs.scores(records))  # readability, citation_right, section_accuracy (realdocs records only)
    return res


def key_phrase(scored: list[dict]) -> dict[str, M.Result]:
    """The answer phrase marked in an answer (Answer.short_answer): how often an answered question with a reference
    shows one (`key_phrase_shown`), and how often a shown one is right (`key_phrase_right`: it holds a reference
    answer, or overlaps one with token F1 >= 0.5)."""
    answered = [r for r in scored if not r["refused"]]
    shown = [r for r in answered if r.get("short_answer")]
    return {"key_phrase_shown": M._share(len(shown), len(answered), "no answered case with a reference answer"),
            "key_phrase_right": M._share(sum(bool(r.get("key_right")) for r in shown), len(shown), "no answer showed a key phrase")}


def answered_right(r: dict) -> bool:
    """An answered case is answered right: it holds a reference answer, or it quotes a false premise's correction."""
    return bool(r["correct"]) if r["answerable"] else bool((r.get("premise") or {}).get("corrected"))


def caution(records: list[dict]) -> dict[str, M.Result]:
    """The low-confidence mark (Answer.confidence, train/confidence.py): the share of answers marked low
    (`low_confidence_share`), and how often the marked and the unmarked answers are right (`right_when_low`,
    `right_when_high`; right as `answered_right`). A useful mark has right_when_low well below right_when_high."""
    answered = [r for r in records if not r["refused"]]
    low = [r for r in answered if r.get("confidence") == "low"]
    high = [r for r in answered if r.get("confidence") != "low"]
    return {"low_confidence_share": M._share(len(low), len(answered), "no answered case"),
            "right_when_low": M._share(sum(map(answered_right, low)), len(low), "no answer was marked low confidence"),
            "right_when_high": M._share(sum(map(answered_right, high)), len(high), "every answer was marked low confidence")}


def _hidden(records: list[dict]) -> M.Result:
    """Share of the answerer's sentences that verification hid (0 for verbatim extractive quotes)."""
    drafted = sum(r.get("drafted_sentences", 0) for r in records)
    return M._share(sum(r.get("hidden_sentences", 0) for r in records), drafted, "no drafted sentences")


TIMING_METRICS = ("latency_p50_ms", "latency_p95_ms")


def prepare(suite: Suite, settings_for: Callable[[str], object], embedder, progress=None) -> dict:
    """Build (and incrementally ingest) one pipeline per index; returns index -> Pipeline."""
    from rag.pipeline import build

    pipes = {}
    for name, paths in suite.indexes.items():
        pipe = build(settings_for(name), embedder=embedder)
        pipe.ingest(paths)
        pipes[name] = pipe
        if progress:
            progress()
    return pipes
