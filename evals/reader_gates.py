"""The reader issue's gates in one table, computed from results files (nothing is re-measured here).

    python -m evals.reader_gates [--seeds out/eval/seeds/report.json] [--rgb out/eval/rgb/report.json]
                                 [--realdocs out/eval/realdocs/report.json]

Reads the `rag eval` reports of the seeds and rgb suites (copied, without per-case text, to
evals/results/reader_seeds.json and reader_rgb.json; realdocs, the manuals of the real-documents
issue, to reader_realdocs.json: reported beside the gates, with that issue's goals), and evals/results/{refusal_reader,
extractive_reader,judge_reader}.json and bench_query_reader.md (bench/query.py output). Refusal counts real refusals only
(`refused`), never an answer that merely contains a rebuttal word. Writes
evals/results/reader_gates.md and .json. Every input was measured on data not used to fit
anything: seeds questions are never fitted on, RGB is never trained or fitted on, and the SQuAD
and judge numbers are the held-out halves of their scripts.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ANSWERABLE_KINDS = ("answerable", "paraphrase", "followup")
REFUSE_KINDS = ("unanswerable", "false_premise")


def share(cases: list[dict], kinds: tuple[str, ...], refused: bool) -> tuple[float | None, int, int]:
    sel = [c for c in cases if c["kind"] in kinds]
    k = sum(bool(c["refused"]) == refused for c in sel)
    return (k / len(sel) if sel else None), k, len(sel)


def handled(cases: list[dict]) -> tuple[float | None, int, int]:
    """False-premise cases refused or corrected (evals/runner.py `premise_verdict`), of those with a stated premise."""
    sel = [c for c in cases if c["kind"] == "false_premise" and c.get("premise")]
    k = sum(bool(c["premise"]["handled"]) for c in sel)
    return (k / len(sel) if sel else None), k, len(sel)


def slim(report: dict) -> dict:
    keep = ("id", "kind", "group", "question", "answerable", "answer", "refused", "correct", "refusal_score", "premise")
    return {k: v for k, v in report.items() if k != "cases"} | {"cases": [{k: c.get(k) for k in keep} for c in report["cases"]]}


def bench_numbers(path: Path) -> dict:
    if not path.exists():
        return {}
    text = path.read_text()
    out = {}
    m = re.search(r"warm extractive answer[^|]*\|\s*([\d.]+)\s*\|\s*([\d.]+)", text)
    if m:
        out["warm_p50_ms"], out["warm_p95_ms"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"cold `rag ask`[^|]*\|\s*([\d.]+)\s*s", text)
    if m:
        out["cold_s"] = float(m.group(1))
    return out


def rgb_audited(report: dict) -> list[tuple[str, int, int]]:
    """evals/rgb_audit.py's split of the negative cases, when RGB's data (for the evidence text) is installed."""
    from evals import rgb_audit
    from evals.data import data_root

    data = data_root() / "rgb-en-dev" / "en_fact.jsonl"
    if not data.exists():
        return []
    audit = rgb_audit.load()
    rows = rgb_audit.split_gate(report, rgb_audit.record_verdicts(audit), rgb_audit.evidence_texts(audit, data))
    names = {"lacks: refused": "no snippet gives even part of the answer: refused",
             "partial: refused": "a snippet gives part of the answer: refused",
             "answers: refused": "a snippet answers the question: refused",
             "answers: answered, quoting an answering snippet's evidence": "a snippet answers the question: answered with its words"}
    got = {w: (k, n) for w, k, n in rows}
    return [(name, *got[w]) for w, name in names.items()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=None, help="a `rag eval seeds` report.json (default: the copy in evals/results)")
    ap.add_argument("--rgb", type=Path, default=None, help="a `rag eval rgb` report.json (default: the copy in evals/results)")
    ap.add_argument("--realdocs", type=Path, default=None, help="a `rag eval realdocs` report.json (default: the copy in evals/results)")
    ap.add_argument("--tag", default="reader", help="names the copies and the output: TAG_seeds.json, TAG_rgb.json, TAG_gates.md "
                    "('reader_off' for the same suites run with RAG_READER=off, for comparison)")
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)
    a.out = a.out or RESULTS / f"{a.tag}_gates.md"

    def load(given: Path | None, copy: str) -> dict | None:
        dest = RESULTS / copy
        if given:
            rep = slim(json.loads(given.read_text()))
            dest.write_text(json.dumps(rep, indent=1, ensure_ascii=False) + "\n")
            return rep
        return json.loads(dest.read_text()) if dest.exists() else None

    def opt(name: str) -> dict:
        p = RESULTS / name
        return json.loads(p.read_text()) if p.exists() else {}

    seeds, rgb = load(a.seeds, f"{a.tag}_seeds.json"), load(a.rgb, f"{a.tag}_rgb.json")
    realdocs = load(a.realdocs, f"{a.tag}_realdocs.json")
    # The SQuAD, judge and bench files of the cross-encoder ("reader") and of the span reader ("span"); other
    # tags (reader_off: the same suites with RAG_READER=off) show the suites only. The span reader has no
    # support head: the judge is not its own, so its table leaves the judge rows out.
    own = a.tag in ("reader", "span")
    refusal, extractive = (opt(f"refusal_{a.tag}.json"), opt(f"extractive_{a.tag}.json")) if own else ({}, {})
    judge = opt("judge_reader.json") if a.tag == "reader" else {}
    bench = bench_numbers(RESULTS / f"bench_query_{a.tag}.md") if own else {}
    rows: list[tuple[str, float | None, str, str, str]] = []  # measure, value, op, goal, source

    def add(measure, value, op, goal, source):
        rows.append((measure, value, op, goal, source))

    if seeds:
        v, k, n = share(seeds["cases"], ANSWERABLE_KINDS, True)
        add(f"seeds: false refusals, answerable + paraphrase + follow-up ({k}/{n})", v, "<=", 0.05, f"{a.tag}_seeds.json")
        v, k, n = share(seeds["cases"], REFUSE_KINDS, True)
        add(f"seeds: unanswerable + false-premise really refused ({k}/{n})", v, ">=", 0.90, f"{a.tag}_seeds.json")
        for kind in ("answerable", "paraphrase", "followup", "unanswerable", "false_premise"):
            v, k, n = share(seeds["cases"], (kind,), kind in REFUSE_KINDS)
            add(f"  seeds {kind}: {'refused' if kind in REFUSE_KINDS else 'answered'} ({k}/{n})", v, "", "", f"{a.tag}_seeds.json")
        sel = [c for c in seeds["cases"] if c["kind"] in ANSWERABLE_KINDS]
        add(f"  seeds answerable kinds: answer contains the reference ({sum(bool(c['correct']) for c in sel)}/{len(sel)})",
            sum(bool(c["correct"]) for c in sel) / len(sel) if sel else None, "", "", f"{a.tag}_seeds.json")
    if rgb:
        v, k, n = share(rgb["cases"], ("negative",), True)
        add(f"RGB dev, only negative passages indexed: refused ({k}/{n})", v, ">=", 0.40, f"{a.tag}_rgb.json")
        for what, k, n in rgb_audited(rgb):  # the gate above split by evals/rgb_audit.py's reading of the negatives
            add(f"  RGB negatives audited, {what} ({k}/{n})", k / n if n else None, "", "", f"{a.tag}_rgb.json + rgb_audit.json")
        v, k, n = share(rgb["cases"], ("positive",), True)
        add(f"RGB dev, positive passages indexed: falsely refused ({k}/{n})", v, "<=", 0.05, f"{a.tag}_rgb.json")
    if realdocs:  # not a gate of the reader issue: the real-documents issue's goals, to show how the reader carries to real files
        from evals.realdocs import BLIND_PARTS

        groups = sorted({c.get("group") for c in realdocs["cases"]} - {None, ""})
        parts = [("all", realdocs["cases"])] + [(g, [c for c in realdocs["cases"] if c.get("group") == g]) for g in groups]
        if set(BLIND_PARTS) & set(groups):  # the parts no model or weight was fitted on, together
            parts.insert(1, ("blind", [c for c in realdocs["cases"] if c.get("group") in BLIND_PARTS]))
        for g, cases in parts if len(parts) > 2 else parts[:1]:
            name = {"all": "realdocs", "blind": f"realdocs blind parts ({', '.join(p for p in BLIND_PARTS if p in groups)})"}.get(g, f"realdocs {g}")
            v, k, n = share(cases, ("unanswerable", "false_premise"), True)
            add(f"{name}: out-of-scope + false-premise refused ({k}/{n})", v, ">=", 0.90, f"{a.tag}_realdocs.json")
            if g == "all":  # the gate above split in two, shown, not gated: a false premise can also be answered by its rebuttal
                v, k, n = share(cases, ("unanswerable",), True)
                add(f"  realdocs out-of-scope only: refused ({k}/{n})", v, "", "", f"{a.tag}_realdocs.json")
                v, k, n = handled(cases)
                add(f"  realdocs false premise: refused, or corrected by its rebuttal with no sentence affirming it ({k}/{n})", v, "", "",
                    f"{a.tag}_realdocs.json")
            v, k, n = share(cases, ("answerable",), True)
            add(f"{name}: answerable falsely refused ({k}/{n})", v, "<=", 0.05, f"{a.tag}_realdocs.json")
            sel = [c for c in cases if c["kind"] == "answerable"]
            add(f"{name}: answer contains the reference ({sum(bool(c['correct']) for c in sel)}/{len(sel)})",
                sum(bool(c["correct"]) for c in sel) / len(sel) if sel else None, ">=", 0.85, f"{a.tag}_realdocs.json")
    if refusal:
        t = refusal["test_at_threshold"]
        fitted = "the fitting half" + (" and the realdocs fitting parts" if refusal.get("realdocs") else "")
        add(f"SQuAD 2.0 held-out: unanswerables refused (threshold {refusal['threshold']:.2f} from {fitted})", t["refuse_unans"], ">=", 0.35, f"refusal_{a.tag}.json")
        add("SQuAD 2.0 held-out: false refusals at that threshold", t["false_refusal"], "<=", 0.05, f"refusal_{a.tag}.json")
    if extractive:
        shipped = next((r for name, r in extractive["results"].items() if name.startswith("shipped")), None)
        if shipped:
            add("SQuAD 2.0 held-out: extractive answer contains gold", shipped["test"]["contains"], ">=", 0.88, f"extractive_{a.tag}.json")
    if judge:
        te = judge["test"]
        if "wice" in te:
            add("judge balanced accuracy, held-out WiCE", te["wice"]["balanced_accuracy"], ">=", 0.75, "judge_reader.json")
        begin = [v["balanced_accuracy"] for d, v in te.items() if d.startswith("begin/")]
        if begin:
            add(f"judge balanced accuracy, held-out BEGIN (mean of {len(begin)})", sum(begin) / len(begin), ">=", 0.90, "judge_reader.json")
            for d, v in sorted(te.items()):
                if d.startswith("begin/"):
                    add(f"  {d}", v["balanced_accuracy"], "", "", "judge_reader.json")
    if "warm_p50_ms" in bench:
        add("bench/query.py --chunks 10000: warm extractive p50 (ms)", bench["warm_p50_ms"], "<=", 80, f"bench_query_{a.tag}.md")
    if "cold_s" in bench:
        add("cold `rag ask` (s)", bench["cold_s"], "<=", 2.5, f"bench_query_{a.tag}.md")

    def ok(v, op, goal):
        if v is None or not op:
            return ""
        return "met" if (v <= goal if op == "<=" else v >= goal) else "**missed**"

    lines = [f"# Reader issue gates ({a.tag}; measured on data not used for fitting)", "",
             f"`python -m evals.reader_gates --tag {a.tag}` from the results files named in the last column.", "",
             "realdocs: the parts other than the blind ones were fitted on (train/sentence_weights.py's sentence weights, and "
             "train/refusal.py --realdocs's span refusal model); the blind parts' row is the held-out measure.", "",
             "| measure | measured | goal | | source |", "|---|---:|---:|---|---|"]
    for m, v, op, goal, src in rows:
        val = "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) and v < 10 else f"{v:g}")
        lines.append(f"| {m} | {val} | {op} {goal} | {ok(v, op, goal)} | {src} |")
    md = "\n".join(lines) + "\n"
    print(md)
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps([{"measure": m, "value": v, "op": op, "goal": g, "source": s} for m, v, op, g, s in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
