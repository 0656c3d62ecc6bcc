"""RGB's "negative" passages, audited: which of them answer the question after all.

    python -m evals.rgb_audit [--rgb REPORT.json]

RGB (Chen et al., AAAI 2024) calls a record's `negative` snippets passages that do not hold the answer; they
were chosen by string match on the answer. Read by people, some do: "Barty wins the 2021 Wimbledon" for "Who
won the women's singles Wimbledon in 2021?", "acquired by Meta" for "Who acquired Instagram?" (gold
"Facebook"). A system that answers from such a snippet is right, yet the gate "RGB dev, only negative passages
indexed: refused" counts it as a failure, and a refusal there as a success.

evals/datasets/rgb_audit.json holds, per dev record and negative snippet, two independent annotators' labels
(`A`, `B`: "answers", "partial" or "lacks"; the rules are in the file) and the adjudicated `final`, plus the
character spans of the evidence in the snippet; no RGB text (CC BY-NC-SA) is stored. A record is:
  * "answers" when at least one of its snippets answers the question as asked (every constraint: year,
    edition, men's or women's),
  * "partial" when none answers but one gives part of the answer (a release month without the day),
  * "lacks" otherwise: the negatives the gate means.
This prints the agreement (Cohen's kappa over snippets) and, with --rgb (a `rag eval rgb` report.json or its
evals/results copy), the gate split by that verdict, and how many "answers" records were answered with an
answering snippet's words.

Left out: the counterfactual cases (positive_wrong + negatives) use the same negatives, so an answer with the
true answer from an "answers" snippet fails their must-not check too; they are not re-scored here.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

AUDIT = Path(__file__).resolve().parent / "datasets" / "rgb_audit.json"
LABELS = ("answers", "partial", "lacks")


def load(path: Path = AUDIT) -> dict:
    return json.loads(path.read_text())


def record_verdicts(audit: dict) -> dict[str, str]:
    """{record id: "answers" | "partial" | "lacks"} from the adjudicated snippet labels."""
    out = {}
    for rec in audit["records"]:
        finals = {p["final"] for p in rec["passages"]}
        out[str(rec["id"])] = next((lab for lab in LABELS if lab in finals), "lacks")
    return out


def kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa of two annotators' labels of the same items."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement(audit: dict) -> dict:
    pairs = [(p["A"], p["B"]) for rec in audit["records"] for p in rec["passages"]]
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    return {"snippets": len(pairs), "agree": sum(x == y for x, y in pairs), "kappa": round(kappa(a, b), 3),
            "final": dict(Counter(p["final"] for rec in audit["records"] for p in rec["passages"]))}


def evidence_texts(audit: dict, data: Path) -> dict[str, list[str]]:
    """{record id: the longest evidence piece of each of its "answers" snippets}, read from the RGB file."""
    recs = {str(r["id"]): r for r in map(json.loads, filter(str.strip, data.read_text().splitlines()))}
    out: dict[str, list[str]] = {}
    for rec in audit["records"]:
        for p in rec["passages"]:
            if p["final"] == "answers":
                text = recs[str(rec["id"])]["negative"][p["i"]]
                out.setdefault(str(rec["id"]), []).append(max((text[a:b] for a, b in p["evidence"]), key=len))
    return out


def _norm(s: str) -> str:
    return " ".join((s or "").split()).lower()


def split_gate(report: dict, verdicts: dict[str, str], evidence: dict[str, list[str]]) -> list[tuple[str, int, int]]:
    """(what, k, n) rows: the negative cases refused, by the record's audited verdict; and, for "answers" records,
    the negative cases answered with an answering snippet's evidence (its longest piece, whitespace aside)."""
    neg = [c for c in report["cases"] if c["kind"] == "negative"]
    rid = lambda c: c["id"].rsplit("-", 1)[0]  # noqa: E731
    rows = [("all negatives: refused", sum(bool(c["refused"]) for c in neg), len(neg))]
    for verdict in LABELS:
        sel = [c for c in neg if verdicts.get(rid(c)) == verdict]
        rows.append((f"{verdict}: refused", sum(bool(c["refused"]) for c in sel), len(sel)))
    sel = [c for c in neg if verdicts.get(rid(c)) == "answers"]
    quoted = sum(not c["refused"] and any(_norm(e) in _norm(c.get("answer", "")) for e in evidence.get(rid(c), [])) for c in sel)
    rows.append(("answers: answered, quoting an answering snippet's evidence", quoted, len(sel)))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rgb", type=Path, default=None, help="a `rag eval rgb` report.json (or evals/results/span_rgb.json)")
    ap.add_argument("--data", type=Path, default=None, help="RGB's en_fact.jsonl (default: evals.data.data_root()/rgb-en-dev)")
    a = ap.parse_args(argv)
    audit = load()
    verdicts = record_verdicts(audit)
    print(json.dumps(agreement(audit)), json.dumps(dict(Counter(verdicts.values()))))
    if a.rgb:
        from evals.data import data_root

        evidence = evidence_texts(audit, a.data or data_root() / "rgb-en-dev" / "en_fact.jsonl")
        for what, k, n in split_gate(json.loads(a.rgb.read_text()), verdicts, evidence):
            print(f"{what}: {k}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
