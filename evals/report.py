"""Write a suite's report: report.json (metrics + every case), report.md (summary, worst cases), PNG plots.

JSON is written with sorted keys and fixed rounding, so two runs differ only in timings.
Plots use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import json
from pathlib import Path

METRIC_ORDER = (
    "hit_at_k", "mrr", "answer_contains", "first_sentence_contains", "token_f1", "key_phrase_shown", "key_phrase_right", "refusal_recall", "refusal_precision", "false_refusal_rate", "refusal_auc",
    "premise_handled", "faithfulness", "citation_precision", "citation_recall", "hidden_share", "latency_p50_ms", "latency_p95_ms",
    "readability", "citation_right", "section_accuracy",  # realdocs only (evals/realdocs.py)
)


def badness(r: dict) -> tuple:
    """Sort key for 'worst cases': wrong refusal behaviour first, then wrong answers, then weak support."""
    wrong_refusal = (r["answerable"] and r["refused"]) or (not r["answerable"] and not _declined(r))
    unsupported = sum(not s["judge_supported"] for s in r["verdicts"])
    support = min((s["judge_support"] for s in r["verdicts"]), default=1.0)
    return (not wrong_refusal, r["correct"] is not False, -unsupported, support, r["id"])


def _declined(r: dict) -> bool:
    """Refused, or (false premise) corrected without affirming the premise."""
    return r["refused"] or bool(r.get("premise") and r["premise"]["handled"])


def why(r: dict) -> str:
    if r["answerable"] and r["refused"]:
        return "refused an answerable question"
    if not r["answerable"] and not _declined(r):
        if r.get("premise"):
            return "false premise neither refused nor corrected" + (" (a shown sentence affirms it)" if r["premise"]["affirming"] else "")
        return "answered an unanswerable question"
    if r["correct"] is False:
        return "answer lacks the reference answer" + (" or repeats the world's answer" if r["must_not"] else "")
    bad = [s for s in r["verdicts"] if not s["judge_supported"]]
    if bad:
        return f"{len(bad)} sentence(s) not supported by their citations"
    return "ok"


def write_json(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def _fmt(v) -> str:
    return "null" if v is None else (f"{v:.0f}" if isinstance(v, float) and v > 10 else f"{v:.3f}" if isinstance(v, float) else str(v))


def write_md(path: Path, report: dict, checks: list[dict], n_worst: int = 10) -> None:
    m, reasons = report["metrics"], report.get("reasons", {})
    lines = [f"# `{report['suite']}` suite", "",
             f"{len(report['cases'])} cases · mode `{report['mode']}` · judge `{report['judge']}` · k={report['k']} · seed {report['seed']}", "",
             "| metric | value | threshold | |", "|---|---|---|---|"]
    by_metric = {c["metric"]: c for c in checks}
    for key in METRIC_ORDER:
        if key not in m:
            continue
        c = by_metric.get(key)
        th = f"{c['op']} {c['threshold']}" if c else ""
        status = "" if not c else ("ok" if c["ok"] else "**FAIL**") if c["value"] is not None else "undefined"
        val = _fmt(m.get(key)) + (f" ({reasons[key]})" if key in reasons else "")
        lines.append(f"| {key} | {val} | {th} | {status} |")
    by_kind = report.get("metrics_by_kind") or {}
    if by_kind:
        cols = ("answer_contains", "hit_at_k", "refusal_recall", "false_refusal_rate", "premise_handled", "faithfulness")
        lines += ["", "## By kind of case", "", "| kind | n | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for kd, km in by_kind.items():
            n = sum(r["kind"] == kd for r in report["cases"])
            lines.append(f"| {kd} | {n} | " + " | ".join(_fmt(km.get(c)) for c in cols) + " |")
    lines += _parts(report.get("parts") or {})
    worst = [r for r in sorted(report["cases"], key=badness) if why(r) != "ok"][:n_worst]
    lines += ["", f"## Worst cases ({len(worst)} shown)", ""]
    if not worst:
        lines.append("None: every case behaved as expected.")
    for r in worst:
        exp = ", ".join(r["answers"]) if r["answerable"] else "a refusal or a correction" if r.get("premise") else "a refusal"
        lines += [f"- **{r['id']}** ({r['kind']}): {why(r)}", f"  - Q: {r['question']}", f"  - expected: {exp}",
                  f"  - got: {r['answer'][:300]}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_plots(out: Path, report: dict) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = report["cases"]
    judge = [s["judge_support"] for r in cases for s in r["verdicts"]]
    pipe = [s["pipeline_support"] for r in cases for s in r["verdicts"]]
    lat = [r["timings"].get("total", 0.0) for r in cases]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    bins = [i / 20 for i in range(21)]
    a.hist([judge, pipe], bins=bins, label=[f"eval judge ({report['judge']})", "pipeline checker"])
    a.set_xlabel("support score per answer sentence")
    a.set_ylabel("sentences")
    a.legend(fontsize=8)
    a.set_title(f"{report['suite']}: support scores")
    b.hist(lat, bins=30, color="tab:gray")
    b.set_xlabel("latency per question (ms)")
    b.set_ylabel("questions")
    b.set_title(f"{report['suite']}: latency")
    fig.tight_layout()
    path = out / "plots.png"
    # Fixed metadata keeps the file byte-stable when the data are.
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
    return [path]


def _parts(parts: dict) -> list[str]:
    """The suite's parts, each scored (and gated, as suite NAME-PART) on its own."""
    if not parts:
        return []
    cols = ("answer_contains", "citation_right", "refusal_recall", "false_refusal_rate", "refusal_auc", "premise_handled", "readability")
    lines = ["", "## By part (each gated on its own too)", "", "| part | n | " + " | ".join(cols) + " | gates |", "|---" * (len(cols) + 3) + "|"]
    for g, p in parts.items():
        failed = [c["metric"] for c in p.get("checks", []) if not c["ok"]]
        gate = ("FAIL: " + ", ".join(failed)) if failed else ("ok" if p.get("checks") else "none")
        lines.append(f"| {g} | {p['n_cases']} | " + " | ".join(_fmt(p["metrics"].get(c)) for c in cols) + f" | {gate} |")
    return lines


def check_thresholds(suite: str, metrics: dict, thresholds: dict) -> list[dict]:
    """Each threshold of the suite: {metric, op, threshold, value, ok}; an undefined metric is not a failure."""
    out = []
    for op, table in (("min", ">="), ("max", "<=")):
        for key, th in sorted(thresholds.get(suite, {}).get(op, {}).items()):
            v = metrics.get(key)
            ok = v is None or (v >= th if op == "min" else v <= th)
            out.append({"metric": key, "op": table, "threshold": th, "value": v, "ok": ok})
    return out


def write_results(folder: Path, name: str, rep: dict) -> tuple[Path, Path]:
    """The stamped record behind README numbers: FOLDER/NAME.json (everything but the per-case
    records, which stay in OUT/NAME/report.json) and FOLDER/NAME.md (the same as a table)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    compact = {k: v for k, v in rep.items() if k != "cases"}
    if "cases" in rep:
        compact["kinds"] = {kd: sum(r["kind"] == kd for r in rep["cases"]) for kd in sorted({r["kind"] for r in rep["cases"]})}
        compact["ids"] = [r["id"] for r in rep["cases"]]  # which cases were measured (splits test)
    j = folder / f"{name}.json"
    write_json(j, compact)
    st = rep.get("stamp", {})
    se = rep.get("se", {})
    by_metric = {c["metric"]: c for c in rep.get("checks", [])}
    lines = [f"# `rag eval {name}`", "",
             f"Commit `{st.get('commit')}` · {st.get('date')} · load average {st.get('loadavg')} on {st.get('cpus')} CPUs · "
             f"`{st.get('command')}`", ""]
    if "cases" in rep:
        lines += [f"{len(rep['cases'])} cases · mode `{rep['mode']}` · judge `{rep['judge']}` · k={rep['k']} · seed {rep['seed']}"
                  + (f" · indexing {rep['timings']['index_s']} s, questions {rep['timings']['questions_s']} s" if rep.get("timings") else ""), ""]
    lines += ["| metric | value | ± SE | threshold | |", "|---|---:|---:|---|---|"]
    keys = list(METRIC_ORDER) if "cases" in rep else sorted(rep.get("metrics", {}))
    for key in keys:
        v = rep.get("metrics", {}).get(key)
        c = by_metric.get(key)
        th = f"{c['op']} {c['threshold']}" if c else ""
        status = "" if not c else ("ok" if c["ok"] else "**FAIL**") if c["value"] is not None else "undefined"
        lines.append(f"| {key} | {_fmt(v)} | {'' if key not in se else f'{se[key]:.3f}'} | {th} | {status} |")
    by_kind = rep.get("metrics_by_kind") or {}
    if by_kind:
        cols = ("answer_contains", "refusal_recall", "false_refusal_rate", "premise_handled", "faithfulness", "hidden_share")
        lines += ["", "By kind:", "", "| kind | n | " + " | ".join(cols) + " |", "|---" * (len(cols) + 2) + "|"]
        for kd, km in by_kind.items():
            lines.append(f"| {kd} | {compact['kinds'].get(kd)} | " + " | ".join(_fmt(km.get(c)) for c in cols) + " |")
    lines += _parts(rep.get("parts") or {})
    if "judges" in rep:
        lines += ["", "| judge | dataset | n | balanced accuracy | tp | fn | fp | tn |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for jn, per in rep["judges"].items():
            for d, r in per.items():
                cf = r["confusion"]
                lines.append(f"| {jn} | {d} | {r['n']} | {_fmt(r['balanced_accuracy'])} | {cf['tp']} | {cf['fn']} | {cf['fp']} | {cf['tn']} |")
    m = folder / f"{name}.md"
    m.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return j, m
