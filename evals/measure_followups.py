"""Follow-up questions over the realdocs manuals: `python -m evals.measure_followups`.

evals/datasets/followups.jsonl holds 24 two-turn conversations written blind (2026-12-04, by a helper who never ran the
system; described in evals/datasets/realdocs.md): the earlier turn in `history`, and a follow-up that swaps the subject
("And --abort?"), points back ("Can I raise that limit?"), stands alone after an unrelated turn, or asks what the
manuals do not hold ("And in PostgreSQL?"). Each is answered by the pipeline over the realdocs suite's index (built or
reused under --cache, as `rag eval realdocs` builds it) and scored as realdocs scores a case.

evals/datasets/followups2.jsonl (`--dataset`) holds 24 more, written blind the same way (2026-12-05) over 17 other documents
of the suite; its results go to evals/results/followups2.json and .md. evals/datasets/followups3.jsonl (2026-12-05) holds 24
more over 14 documents neither earlier set used, the committed SAVED ones among them (manual.pdf, faq.pdf, the DOCX, the ODT).

Writes evals/results/<dataset name>.json and .md. Not a CI gate: the set is small, and it measures what the offline
condensing (rag.pipeline.condense_offline) does to a conversation. Left out: an LLM's condensing (`--mode openai`).
"""

from __future__ import annotations

import json
from pathlib import Path

DATASET = Path(__file__).resolve().parent / "datasets" / "followups.jsonl"


def run(cache: Path, dataset: Path = DATASET) -> list[dict]:
    from evals import runner
    from evals.cli import open_suite
    from evals.judges import make_judge
    from evals.suites import Case, _jsonl
    from rag.embeddings import make_embedder
    from rag.pipeline import model_backend
    from rag.settings import Settings

    base = Settings()
    emb = make_embedder(base.embedder, base.embed_batch_size, model_backend(base, reader=False))
    suite, settings_for = open_suite("realdocs", base, emb, cache=cache, limit=None, seed=0, data=None)
    headers = suite.cases[0].running_headers
    cases = [Case(id=r["id"], question=r["question"], index="main", answerable=r["answerable"], kind=r["kind"],
                  history=tuple(tuple(h) for h in r["history"]), answers=tuple(r["answers"]), evidence=tuple(r["evidence"]),
                  section=r.get("section", ""), running_headers=headers, group=r.get("group", dataset.stem))
             for r in _jsonl(dataset)]
    pipe = runner.prepare(suite, settings_for, emb)["main"]
    judge = runner.Judged(make_judge("offline", embedder=emb, settings=base))
    return [runner.run_case(pipe, c, judge, None, base.k) for c in cases]


def summary(records: list[dict]) -> dict:
    ans = [r for r in records if r["answerable"]]
    neg = [r for r in records if not r["answerable"]]
    return {"answerable": len(ans), "right": sum(bool(r["correct"]) for r in ans), "falsely_refused": sum(r["refused"] for r in ans),
            "cited_right": sum(bool(r.get("cited_right")) for r in ans), "negatives": len(neg), "negatives_refused": sum(r["refused"] for r in neg)}


def main() -> None:
    import argparse
    import subprocess

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "rag" / "evals")
    ap.add_argument("--dataset", type=Path, default=DATASET, help="a follow-up set (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=None, help="results stem (default: evals/results/<dataset name>)")
    a = ap.parse_args()
    if not a.dataset.is_file():
        ap.error(f"no such follow-up set: {a.dataset} (the sets are in {DATASET.parent})")
    a.out = a.out or Path(__file__).resolve().parent / "results" / a.dataset.stem
    records = run(a.cache, a.dataset)
    s = summary(records)
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent).stdout.strip()
    keep = ("id", "kind", "question", "history", "standalone_question", "refused", "correct", "cited_right", "answer", "notes")
    a.out.with_suffix(".json").write_text(json.dumps({"commit": commit, "summary": s, "cases": [{k: r.get(k) for k in keep} for r in records]}, indent=1) + "\n")
    name = a.dataset.name
    flag = "" if a.dataset.resolve() == DATASET else f" --dataset evals/datasets/{name}"
    lines = [f"# Follow-up questions (evals/datasets/{name}, blind), commit `{commit}`", "",
             f"`python -m evals.measure_followups{flag}`: each follow-up answered after its one earlier turn, over the realdocs index.", "",
             f"- answerable: {s['right']} of {s['answerable']} answered with the reference ({s['cited_right']} cited right), "
             f"{s['falsely_refused']} falsely refused", f"- out of scope: {s['negatives_refused']} of {s['negatives']} refused", "",
             "| id | result | question as retrieved (after condensing) |", "|---|---|---|"]
    for r in records:
        res = "right" if r["correct"] else "refused" if r["refused"] else "wrong" if r["answerable"] else "answered"
        if not r["answerable"] and r["refused"]:
            res = "refused (right)"
        lines.append(f"| {r['id']} | {res} | {r['standalone_question'].replace('|', '/')} |")
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:7]))


if __name__ == "__main__":
    main()
