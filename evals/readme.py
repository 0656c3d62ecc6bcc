"""Fill the README's generated tables from evals/results/*.json.

    python -m evals.readme [--check]

The README marks each generated table with `<!-- results:NAME -->` ... `<!-- /results:NAME -->`;
this script rewrites what is between the markers from the results files (suites, judges,
injection). `--check` exits 1 when the README is not what the results files give.
tests/evals/test_readme_numbers.py checks every number in every README measurement table
(generated or not) against the text of evals/results/.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "evals" / "results"
README = ROOT / "README.md"


def _f(v, digits: int = 3) -> str:
    return "null" if v is None else f"{v:.{digits}f}"


def _ms(v) -> str:
    return "null" if v is None else f"{v:.0f}"


def _load(name: str) -> dict | None:
    p = RESULTS / f"{name}.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def suites_table() -> str:
    lines = ["| suite | cases | hit@5 | MRR | answer contains | refusal recall | false refusals | false premise handled "
             "| faithfulness | citation P | hidden by verification | p50 ms | p95 ms | commit |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name in ("seeds", "squad2", "rgb", "generated", "realdocs"):
        r = _load(name)
        if not r:
            continue
        m = r["metrics"]
        lines.append(f"| {name} ({r['mode']}) | {r['n_cases']} | {_f(m.get('hit_at_k'))} | {_f(m.get('mrr'))} | {_f(m.get('answer_contains'))} "
                     f"| {_f(m.get('refusal_recall'))} | {_f(m.get('false_refusal_rate'))} | {_f(m.get('premise_handled'))} "
                     f"| {_f(m.get('faithfulness'))} | {_f(m.get('citation_precision'))} | {_f(m.get('hidden_share'))} "
                     f"| {_ms(m.get('latency_p50_ms'))} | {_ms(m.get('latency_p95_ms'))} | `{r['stamp']['commit']}` |")
    return "\n".join(lines)


def kinds_table() -> str:
    lines = ["| suite / kind | cases | answer contains | refused | false refusals | false premise handled |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in ("seeds", "rgb", "generated"):
        r = _load(name)
        if not r:
            continue
        for kd, m in r.get("metrics_by_kind", {}).items():
            lines.append(f"| {name} / {kd} | {r['kinds'][kd]} | {_f(m.get('answer_contains'))} | {_f(m.get('refusal_recall'))} "
                         f"| {_f(m.get('false_refusal_rate'))} | {_f(m.get('premise_handled'))} |")
    return "\n".join(lines)


def judges_table() -> str:
    r = _load("judges")
    if not r:
        return "(no evals/results/judges.json: run `make eval`)"
    sets = sorted({d for per in r["judges"].values() for d in per})
    lines = ["| judge | " + " | ".join(sets) + " |", "|---|" + "---:|" * len(sets)]
    for jn, per in r["judges"].items():
        lines.append(f"| `{jn}` | " + " | ".join(_f(per.get(d, {}).get("balanced_accuracy")) for d in sets) + " |")
    lines.append("| n (TEST split) | " + " | ".join(str(next(iter(r["judges"].values()))[d]["n"]) for d in sets) + " |")
    return "\n".join(lines)


def injection_table() -> str:
    r = _load("injection")
    if not r:
        return "(no evals/results/injection.json: run `make eval`)"
    m = r["metrics"]
    lines = ["| attacks | n | complied, hardening OFF | neutralised, hardening ON | missed by redaction, hidden by verification "
             "| hidden by verification alone (redaction off) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in ("dev", "heldout", "heldout2"):
        n = sum(1 for a in r["attacks"] if a["split"] == name)
        if not n:
            continue
        seen = sum(1 for a in r["attacks"] if a["split"] == name and a.get("seen"))
        label = f"{name} ({seen} seen)" if seen else name
        lines.append(f"| {label} | {n} | {_f(m[f'complied_without_hardening_{name}'])} | {_f(m[f'neutralised_{name}'])} "
                     f"| {_f(m[f'hidden_when_missed_{name}'])} | {_f(m.get(f'hidden_without_redaction_{name}'))} |")
        first = r.get("first_measured", {}).get(name)  # a split tuned on after its first, unseen measurement
        if first:
            lines.append(f"| {name}, first measured unseen ({first['commit']}) | {first['n']} | {_f(first['complied_without_hardening'])} "
                         f"| {_f(first['neutralised'])} | {_f(first['hidden_when_missed'])} | {_f(first['hidden_without_redaction'])} |")
    return "\n".join(lines)


TABLES = {"suites": suites_table, "kinds": kinds_table, "judges": judges_table, "injection": injection_table}


def fill(text: str) -> str:
    for name, make in TABLES.items():
        pat = re.compile(rf"(<!-- results:{name} -->\n)(?:.*?\n)?(<!-- /results:{name} -->)", re.S)
        text = pat.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv)
    old = README.read_text(encoding="utf-8")
    new = fill(old)
    if a.check:
        if new != old:
            print("README.md tables differ from evals/results/: run `python -m evals.readme`", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
