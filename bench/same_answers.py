"""Do two versions of the code give the same answers? Answers, citations, refusals and scores, in full.

    python bench/same_answers.py --old DIR [--new DIR] [--work DIR] [--squad 100] [--out DIR]

DIR is a checkout of the repository (e.g. `git archive 70afd62 | tar -x -C DIR`); --new defaults to this one.
Each version answers, in its own process (its `rag` on PYTHONPATH), every seeds question (evals/datasets/seeds.jsonl,
with its history, over an index of seeds/) and --squad SQuAD 2.0 dev questions (seeded sample) over bench/query.py's
kept index in --work (`python bench/query.py --work DIR` builds it). Extractive mode, the default reader and
backend, as a long-running process answers. Each Answer's `to_dict()` minus its timings is written as JSON lines, then
the two files are compared: strings and booleans exactly, floats within --tol. Exit 1 on any difference.
The seeds index is built by the first version and only read by the second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def questions(n_squad: int, seed: int = 0) -> list[dict]:
    """The seeds cases, then `n_squad` SQuAD dev questions (bench/query.py's pool, another seeded draw)."""
    from evals.data import data_root

    out = []
    for line in (ROOT / "evals/datasets/seeds.jsonl").read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            out.append({"set": "seeds", "id": r["id"], "question": r["question"], "history": r.get("history", [])})
    squad = [json.loads(line) for line in (data_root() / "squad2-dev" / "questions.jsonl").read_text().splitlines() if line.strip()]
    squad.sort(key=lambda r: r["id"])
    for r in random.Random(seed).sample(squad, n_squad):
        out.append({"set": "squad", "id": r["id"], "question": r["question"], "history": []})
    return out


def answer_all(qs: list[dict], work: Path, seeds_data: Path, out: Path) -> None:
    """Worker: answer `qs` with the `rag` on sys.path, writing one JSON line per question."""
    from rag.pipeline import build
    from rag.settings import Settings

    pipes = {"seeds": build(Settings(data_dir=seeds_data, collection="seeds", mode="extractive")),
             "squad": build(Settings(data_dir=work / "data", collection="bench", mode="extractive"))}
    pipes["seeds"].ingest([ROOT / "seeds"])
    code = str(Path(sys.modules["rag"].__file__).resolve().parents[1])  # which checkout answered
    with out.open("w") as f:
        for q in qs:
            d = pipes[q["set"]].ask(q["question"], history=[tuple(h) for h in q["history"]]).to_dict()
            d.pop("timings_ms")
            f.write(json.dumps({"set": q["set"], "id": q["id"], "code": code, "answer": d}, sort_keys=True) + "\n")


def diff(a, b, tol: float, path: str = "") -> list[str]:
    """Where JSON values a and b differ: floats beyond `tol`, anything else at all."""
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tol
        return [] if ok else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in diff(a.get(k), b.get(k), tol, f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, tol, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, default=ROOT)
    ap.add_argument("--work", type=Path, default=ROOT / ".cache/bench-query", help="bench/query.py's kept index")
    ap.add_argument("--squad", type=int, default=100)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--out", type=Path, default=Path("out/same_answers"))
    ap.add_argument("--worker", nargs=2, metavar=("QUESTIONS", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    a.out, a.work = a.out.resolve(), a.work.resolve()  # the workers run in their checkouts
    seeds_data = a.out / "seeds-data"
    if a.worker:
        answer_all(json.loads(Path(a.worker[0]).read_text()), a.work, seeds_data, Path(a.worker[1]))
        return 0

    a.out.mkdir(parents=True, exist_ok=True)
    qfile = a.out / "questions.json"
    qfile.write_text(json.dumps(questions(a.squad)))
    results = {}
    for name, code in (("old", a.old), ("new", a.new)):
        env = dict(os.environ, PYTHONPATH=str(code.resolve()), HF_HUB_OFFLINE="1")
        env = {k: v for k, v in env.items() if not k.startswith(("RAG_", "OPENAI_"))}
        dest = a.out / f"{name}.jsonl"
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--old", str(a.old), "--work", str(a.work), "--out", str(a.out),
                        "--worker", str(qfile), str(dest)], env=env, check=True, cwd=str(code))
        results[name] = [json.loads(line) for line in dest.read_text().splitlines()]

    same, lines = 0, []
    for o, n in zip(results["old"], results["new"]):
        d = diff(o["answer"], n["answer"], a.tol)
        same += not d
        lines += [f"{o['set']} {o['id']}: {x}" for x in d[:5]]
    print(f"code: old {results['old'][0]['code']}, new {results['new'][0]['code']}")
    by_set = {s: sum(1 for r in results["old"] if r["set"] == s) for s in ("seeds", "squad")}
    print("\n".join(lines))
    print(f"{same} of {len(results['old'])} answers identical (seeds {by_set['seeds']}, squad {by_set['squad']}; floats within {a.tol:g}); "
          f"refused: old {sum(r['answer']['refused'] for r in results['old'])}, new {sum(r['answer']['refused'] for r in results['new'])}")
    return 0 if same == len(results["old"]) == len(results["new"]) else 1


if __name__ == "__main__":
    sys.exit(main())
