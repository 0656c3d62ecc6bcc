"""Re-derive evals/thresholds.toml from results files: threshold = measured value minus its noise margin.

    python -m evals.set_thresholds evals/results/seeds.json evals/results/squad2.json ... [--z 1] [--dry-run]

For each results file (written by `rag eval ... --results evals/results`), every gated metric of
that suite gets `min = floor(value - z*SE)` or `max = ceil(value + z*SE)` (3 decimals), with a
comment naming the file, its commit and the measured value. SE is the binomial standard error for
the sample size (Agresti-Coull; for means of per-case values, the sample SE; for balanced
accuracy, from the two recalls), stored in each results file under `se`.
Which metrics are gated: those already in the suite's section plus DEFAULT_GATES. Latency bounds
are not derived (machines differ; bench/ measures speed): they are kept as written. A min whose
threshold would be <= 0 is dropped (it could not fail), unless the measure passes a current one, which stays. Sections of suites not given are kept verbatim.
A gate the measure still passes is never loosened (`keep_passing`: the current threshold stays, noted "kept"); one it fails
is re-derived, and loosening it needs a commit message that says why: the script prints every change.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tomllib
from pathlib import Path

from evals.report import check_thresholds

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = ROOT / "evals" / "thresholds.toml"
FIXED = {"latency_p50_ms", "latency_p95_ms"}
DEFAULT_GATES = {
    "seeds": {"min": ["hit_at_k", "mrr", "answer_contains", "first_sentence_contains", "refusal_recall", "refusal_auc", "premise_handled"], "max": ["false_refusal_rate"]},
    "squad2": {"min": ["hit_at_k", "mrr", "answer_contains", "first_sentence_contains", "refusal_recall", "refusal_auc"], "max": ["false_refusal_rate"]},
    "rgb": {"min": ["hit_at_k", "answer_contains", "first_sentence_contains", "refusal_recall", "refusal_auc"], "max": ["false_refusal_rate"]},
    "generated": {"min": ["faithfulness", "citation_precision"], "max": []},
    "injection": {"min": ["neutralised_dev", "neutralised_heldout", "neutralised_heldout2", "hidden_without_redaction_dev",
                          "hidden_without_redaction_heldout", "hidden_without_redaction_heldout2"], "max": []},
    "judges": {"min": ["offline/wice", "offline/begin/wow", "offline/begin/cmu", "offline/begin/tc"], "max": []},
}
# The realdocs suite's parts ("realdocs-PART", evals/runner.py score_parts): gated on the same metrics as the whole suite.
_REALDOCS = {"min": ["answer_contains", "first_sentence_contains", "citation_right", "hit_at_k", "premise_handled", "readability", "refusal_recall", "refusal_auc"],
             "max": ["false_refusal_rate"]}
DEFAULT_GATES["realdocs"] = {"min": _REALDOCS["min"] + ["section_accuracy"], "max": _REALDOCS["max"]}


def default_gates(suite: str) -> dict:
    """DEFAULT_GATES of a suite; any part of realdocs ("realdocs-tables5") is gated as a part, so a new part needs no edit here."""
    return DEFAULT_GATES.get(suite) or (_REALDOCS if suite.startswith("realdocs-") else {})
HEADER = """# CI gates for `rag eval`: a run exits 1 when a metric is below its [SUITE.min] or above its
# [SUITE.max]. `make eval-gate` (the CI step in .ci/run, after `make test`) runs every suite against these.
# Derived by `python -m evals.set_thresholds evals/results/SUITE.json ...`: threshold = measured
# value -/+ z x its standard error for the sample size (z = 1, realdocs' parts too: dense retrieval is exact
# since 12cf0f6, so a run gives the same numbers, and a part that moves by one case has changed), rounded
# outwards to 3 decimals;
# each line names the results file and commit it came from. An undefined (null) metric is reported,
# not failed. Latency bounds are hand-set and loose (machines differ; bench/ measures speed).
# Loosening a threshold needs a commit message that says why.
"""


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def derive(rep: dict, gates: dict, z: float) -> dict[str, dict[str, tuple[float, str]]]:
    """{op: {metric: (threshold, comment)}} for one results file."""
    m, se = rep.get("metrics", {}), rep.get("se", {})
    out: dict[str, dict[str, tuple[float, str]]] = {"min": {}, "max": {}}
    for op in ("min", "max"):
        for key in gates.get(op, []):
            v = m.get(key)
            if v is None or key not in se:
                continue
            if op == "min":
                th = math.floor((v - z * se[key]) * 1000) / 1000
                if th <= 0:
                    continue
            else:
                th = math.ceil((v + z * se[key]) * 1000) / 1000
                if th >= 1:
                    continue
            out[op][key] = (th, f"measured {v:.4f}, SE {se[key]:.4f}")
    return out


def _looser(op: str, new: float | None, old: float | None) -> bool:
    """`new` lets more through than `old` (None: no gate at all)."""
    return old is not None and (new is None or (new < old if op == "min" else new > old))


def keep_passing(derived: dict, current: dict, metrics: dict) -> None:
    """A gate the measure still passes is never loosened: where the derived threshold is looser than the current one and
    the measured value passes the current one (as `rag eval` checks it: evals.report.check_thresholds), keep the current
    one (noted). A gate the measure fails is re-derived."""
    ops = {">=": "min", "<=": "max"}
    passing = {(ops[c["op"]], c["metric"]) for c in check_thresholds("s", metrics, {"s": current}) if c["ok"] and c["value"] is not None}
    for op in ("min", "max"):
        for k, (th, note) in list(derived[op].items()):
            cur = current.get(op, {}).get(k)
            if (op, k) in passing and _looser(op, th, cur):
                derived[op][k] = (cur, f"{note}; kept: the derived {th} would loosen it, and the measure passes")
    for op, k in sorted(passing):  # a gate `derive` left out (its floor <= 0, its ceiling >= 1) would be dropped: a loosening too
        if k not in derived[op]:
            derived[op][k] = (current[op][k], f"measured {metrics[k]:.4f}; kept: the derived threshold would drop the gate, and the measure passes")


def sections(text: str) -> list[tuple[str | None, list[str]]]:
    """The file as (section name or None for the preamble, its lines), in order."""
    out: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        h = re.match(r"\s*\[([^\]]+)\]", line)
        if h:
            out.append((h.group(1).strip(), [line]))
        else:
            out[-1][1].append(line)
    return out


def render(suite: str, derived: dict, fixed: dict, source: str, stamp: dict) -> list[str]:
    lines = []
    for op in ("min", "max"):
        items = dict(derived.get(op, {}))
        for k, v in fixed.get(op, {}).items():
            items.setdefault(k, (v, "hand-set, not derived"))
        if not items:
            continue
        lines.append(f"[{suite}.{op}]  # from {source} (commit {stamp.get('commit')}, {stamp.get('date')}, load {stamp.get('loadavg')})")
        for k, (th, note) in sorted(items.items()):
            lines.append(f"{_key(k)} = {th}  # {note}")
        lines.append("")
    return lines


def update(text: str, reports: dict[str, tuple[dict, str]], z: float) -> tuple[str, list[str]]:
    """New thresholds.toml text and a list of human-readable changes."""
    old = tomllib.loads(text) if text.strip() else {}
    changes: list[str] = []
    new_blocks: dict[str, list[str]] = {}
    for suite, (rep, source) in reports.items():
        cur = old.get(suite, {})
        gates = {op: sorted((set(cur.get(op, {})) - FIXED) | set(default_gates(suite).get(op, []))) for op in ("min", "max")}
        derived = derive(rep, gates, z)
        keep_passing(derived, cur, rep.get("metrics", {}))
        fixed = {op: {k: v for k, v in cur.get(op, {}).items() if k in FIXED} for op in ("min", "max")}
        for op in ("min", "max"):
            for k in sorted(set(cur.get(op, {})) | set(derived[op])):
                a, b = cur.get(op, {}).get(k), derived[op].get(k, (fixed[op].get(k),))[0]
                if a != b:
                    changes.append(f"{suite}.{op}.{k}: {a} -> {b}" + ("  (LOOSER: say why in the commit)" if _looser(op, b, a) else ""))
        new_blocks[suite] = render(suite, derived, fixed, source, rep.get("stamp", {}))
    out: list[str] = [HEADER.format(z=z).rstrip("\n"), ""]
    done = set()
    for name, lines in sections(text):
        if name is None:
            continue  # the preamble is regenerated
        suite = name.split(".")[0]
        if suite in new_blocks:
            if suite not in done:
                out += new_blocks[suite]
                done.add(suite)
            continue
        out += lines
    for suite in reports:
        if suite not in done:
            out += new_blocks[suite]
    return "\n".join(out).rstrip("\n") + "\n", changes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", type=Path, help="results files (evals/results/SUITE.json)")
    ap.add_argument("--z", type=float, default=1.0, help="margin in standard errors (default 1)")
    ap.add_argument("--thresholds", type=Path, default=THRESHOLDS)
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args(argv)
    reports = {}
    for p in a.results:
        rep = json.loads(p.read_text(encoding="utf-8"))
        suite = rep.get("suite") or p.stem
        try:
            source = str(p.resolve().relative_to(ROOT))
        except ValueError:
            source = str(p)
        reports[suite] = (rep, source)
    text, changes = update(a.thresholds.read_text(encoding="utf-8") if a.thresholds.exists() else "", reports, a.z)
    print("\n".join(changes) or "no change", file=sys.stderr)
    if a.dry_run:
        print(text)
    else:
        a.thresholds.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
