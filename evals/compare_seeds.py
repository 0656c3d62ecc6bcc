"""The seeds suite under fp32 and a reduced-precision embedder, case by case.

    python -m evals.compare_seeds [--embedder minilm-bf16] [--work DIR]

Runs `rag eval seeds` twice as subprocesses (RAG_EMBEDDER=minilm, then the variant), each with
its own fresh index cache, and compares every metric but latency, and every case's answer,
refusal, gold rank and correctness. "Unchanged" means all of those are equal.
Output: evals/results/quantization_<variant>_seeds.{md,json} (e.g. quantization_bf16_seeds.md).
Left out: latency (the machine is shared; bench/ingest.py measures speed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CASE_FIELDS = ("refused", "correct", "gold_rank", "answer")


def run_seeds(embedder: str, work: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_EMBEDDER=embedder, RAG_DATA_DIR=str(work / f"data-{embedder}"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = work / f"out-{embedder}"
    cmd = [sys.executable, "-m", "rag.cli", "eval", "seeds", "--out", str(out), "--cache", str(work / f"cache-{embedder}")]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode not in (0, 1):  # 1: a threshold failed, still a report to compare
        sys.exit(f"rag eval seeds with RAG_EMBEDDER={embedder} failed:\n{p.stderr[-3000:]}")
    return json.loads((out / "seeds" / "report.json").read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--embedder", default="minilm-bf16", choices=["minilm-bf16", "minilm-int8"])
    ap.add_argument("--work", type=Path, default=None)
    a = ap.parse_args(argv)
    from evals.cli import stamp

    work = a.work or Path(tempfile.mkdtemp(prefix="rag-seeds-cmp-"))
    base, var = run_seeds("minilm", work), run_seeds(a.embedder, work)
    metrics = sorted(k for k in base["metrics"] if "latency" not in k)
    diff_metrics = {m: (base["metrics"][m], var["metrics"].get(m)) for m in metrics if base["metrics"][m] != var["metrics"].get(m)}
    vc = {c["id"]: c for c in var["cases"]}
    diff_cases = []
    for c in base["cases"]:
        o = vc.get(c["id"], {})
        changed = [f for f in CASE_FIELDS if c.get(f) != o.get(f)]
        if changed:
            diff_cases.append({"id": c["id"], "question": c["question"], "changed": changed,
                               "fp32": {f: c.get(f) for f in changed}, a.embedder: {f: o.get(f) for f in changed}})
    unchanged = not diff_metrics and not diff_cases and len(vc) == len(base["cases"])
    tag = a.embedder.split("-", 1)[1]
    st = stamp()
    lines = [
        f"# Seeds suite, fp32 (minilm) vs {a.embedder}",
        "",
        f"`python -m evals.compare_seeds --embedder {a.embedder}` · commit `{st['commit']}` · {st['date']}: "
        f"`rag eval seeds` with `RAG_EMBEDDER=minilm` and with `RAG_EMBEDDER={a.embedder}`, fresh indexes, {len(base['cases'])} cases. "
        "Latency is left out (shared machine).",
        "",
        f"| metric | fp32 (minilm) | {tag} ({a.embedder}) |",
        "|---|---:|---:|",
        *[f"| {m} | {base['metrics'][m]:g} | {var['metrics'].get(m, float('nan')):g} |" for m in metrics],
        "",
        f"Cases whose answer, refusal, correctness or gold rank differ: **{len(diff_cases)}** of {len(base['cases'])}"
        + ("".join(f"\n- {d['id']} ({', '.join(d['changed'])}): {d['question']}" for d in diff_cases) if diff_cases else "."),
        "",
        f"Seeds suite **{'unchanged' if unchanged else 'CHANGED'}** under {a.embedder}.",
        "",
    ]
    md = "\n".join(lines)
    print(md)
    out = RESULTS / f"quantization_{tag}_seeds.md"
    out.write_text(md, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({
        "stamp": st, "embedder": a.embedder, "unchanged": unchanged, "n_cases": len(base["cases"]),
        "metrics": {m: {"fp32": base["metrics"][m], tag: var["metrics"].get(m)} for m in metrics},
        "changed_cases": diff_cases,
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
