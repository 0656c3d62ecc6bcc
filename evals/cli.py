"""`rag eval [SUITE ...]`: run suites against the real pipeline, write reports, gate on thresholds.

Suites: seeds, squad2, rgb (see evals/suites.py), `judges` (judge accuracy on human labels,
see evals/judges.py) and `generated` (the seeds questions answered by SmolLM2 through a llama.cpp
server the suite starts itself, see evals/llama_server.py). Each suite writes
OUT/SUITE/{report.json, report.md, plots.png}; OUT/summary.json lists every threshold check.
`--results DIR` also writes a compact, stamped copy (DIR/SUITE.json and .md: metrics, noise,
checks, commit, load average; no per-case records) for evals/results/. Exit 1 when a threshold fails.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import List, Optional

import typer

THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
ALL = ("seeds", "squad2", "rgb", "realdocs", "judges", "generated")
# Cases per suite when --limit is not given: what CI gates and `make eval` records (see README,
# "Evaluation in CI"). squad2 samples reportable articles only (evals/splits.toml).
DEFAULT_LIMITS = {"squad2": 200}  # 200 of its report-article questions; every other suite runs whole


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rag" / "evals"


_COMMIT: list[str] = []  # the commit of the first stamp() in this process: the code that was imported and ran


def stamp(argv: list[str] | None = None) -> dict:
    """Where a number came from: commit (with -dirty), UTC time, load average, command. The commit is read once, when
    the run starts (`rag eval` calls this first): a commit made while a long run goes on is not the code that ran."""
    import datetime

    root = Path(__file__).resolve().parents[1]

    def git(*a: str) -> str:
        import subprocess

        try:
            return subprocess.run(["git", *a], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
        except OSError:
            return ""

    if not _COMMIT:
        commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
        if git("status", "--porcelain", "--untracked-files=no"):
            commit += "-dirty"
        _COMMIT.append(commit)
    commit = _COMMIT[0]
    return {"commit": commit, "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
            "loadavg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "command": " ".join(["rag", "eval", *(argv if argv is not None else sys.argv[2:])])}


def _progress(console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)


def _reader_info(base, pipes) -> dict:
    """Which reader answered, as the pipelines ran it (a span reader's "auto" precision is resolved at its load)."""
    from rag.pipeline import model_backend

    span = next((p.span for p in pipes if getattr(p, "span", None) is not None), None)
    if span is None:
        return {"reader": base.reader, "backend": model_backend(base), "precision": None}
    return {"reader": base.reader, "backend": span.backend, "precision": span.precision}


def open_suite(name, base, emb, *, cache: Path, limit=None, seed=0, data=None):
    """The suite's cases and, for each of its indexes, the settings of its cached index (under CACHE) for `base`
    and `emb`: what `run_suite` asks, and what train/refusal.py --realdocs assesses."""
    from evals import suites
    from rag.blocks import EXTRACTION_VERSION
    from rag.bm25index import LAYOUT as INDEX_LAYOUT

    kw = {"limit": limit, "seed": seed, "data": data}
    if name in ("rgb", "realdocs"):
        kw["cache"] = cache
    suite = suites.SUITES["seeds" if name == "generated" else name](**kw)
    suite.name = name
    # The extraction version too: an index that newer code re-extracted must not be reused by older code
    # (it would skip documents at a version >= its own), e.g. when measuring before and after a change.
    # And the local index's layout: an index from before it kept vectors would be rebuilt from Chroma's copies of
    # them, which can differ from the embedder's in the last bit, so a cached eval would not be a fresh one.
    key = suites._digest(suite.data_key, emb.name, base.chunk_size, base.chunk_overlap, EXTRACTION_VERSION, INDEX_LAYOUT)
    data_dir = cache / f"{name}-{key}"

    def settings_for(index: str):
        return base.model_copy(update={"data_dir": data_dir, "collection": suite.collection(index)})

    return suite, settings_for


def run_suite(name, *, out: Path, cache: Path, mode, judge_name, limit, seed, data, console, embedder=None, llm_url=None) -> dict:
    """Run one QA suite; returns its report dict (also written to OUT/NAME/)."""
    from evals import report as R
    from evals import runner
    from evals.judges import make_judge
    from rag.embeddings import make_embedder
    from rag.pipeline import model_backend
    from rag.settings import Settings

    base = Settings()
    if llm_url:  # the generated suite: SmolLM2 behind the openai backend
        base = base.model_copy(update={"openai_base_url": llm_url, "openai_api_key": "not-needed", "openai_model": "smollm2",
                                       "openai_timeout_s": max(base.openai_timeout_s, 300.0)})  # a loaded 2-core CI box
        mode = "openai"
    emb = embedder or make_embedder(base.embedder, base.embed_batch_size, model_backend(base, reader=False))
    suite, settings_for = open_suite(name, base, emb, cache=cache, limit=limit, seed=seed, data=data)
    judge = runner.Judged(make_judge(judge_name, embedder=emb, settings=base))
    mode = mode or base.resolved_mode()
    records = []
    with _progress(console) as bar:
        t_index = time.perf_counter()
        task = bar.add_task(f"{name}: indexing", total=len(suite.indexes))
        pipes = runner.prepare(suite, settings_for, emb, progress=lambda: bar.advance(task))
        index_s = time.perf_counter() - t_index
        task = bar.add_task(f"{name}: questions", total=len(suite.cases))
        t_q = time.perf_counter()
        for case in suite.cases:
            records.append(runner.run_case(pipes[case.index], case, judge, mode, base.k))
            bar.advance(task)
        questions_s = time.perf_counter() - t_q
    metrics, reasons = runner.score(records, base.k)
    se = runner.noise(records, base.k)
    kinds = sorted({r["kind"] for r in records})
    by_kind = {kd: runner.score([r for r in records if r["kind"] == kd], base.k)[0] for kd in kinds} if len(kinds) > 1 else {}
    rep = {
        "suite": name, "mode": mode, "judge": judge_name, "k": base.k, "seed": seed, "limit": limit,
        "metrics": metrics, "reasons": reasons, "se": se, "metrics_by_kind": by_kind, "cases": records,
        "n_cases": len(records), "stamp": stamp(),
        "reader": _reader_info(base, pipes.values()),
        "timings": {"index_s": round(index_s, 2), "questions_s": round(questions_s, 2)},
    }
    dest = out / name
    dest.mkdir(parents=True, exist_ok=True)
    thresholds = _thresholds()
    rep["parts"] = runner.score_parts(name, records, base.k, thresholds)
    checks = R.check_thresholds(name, metrics, thresholds) + [dict(c, metric=f"{g}/{c['metric']}") for g, p in rep["parts"].items() for c in p["checks"]]
    rep["checks"] = checks
    R.write_json(dest / "report.json", rep)
    R.write_md(dest / "report.md", rep, checks)
    R.write_plots(dest, rep)
    return rep


def run_judges(*, out: Path, begin, wice, judge_names, console, embedder=None) -> dict:
    from evals import report as R
    from evals.judges import PrefetchEmbedder, RecordingEmbedder, load_sets, make_judge, measure
    from rag.embeddings import make_embedder
    from rag.pipeline import model_backend
    from rag.settings import Settings

    base = Settings()
    emb = PrefetchEmbedder(embedder or make_embedder(base.embedder, base.embed_batch_size, model_backend(base, reader=False)))
    from evals.judges import BEGIN_FILES, WICE_FILES

    if not (begin or wice) and not (BEGIN_FILES and all(f.exists() for f in WICE_FILES)):
        from rag.errors import UsageError

        raise UsageError(f"The judges' dev sets are missing under {WICE_FILES[0].parents[1]} (begin-dev/*.tsv, wice-dev/dev.jsonl): "
                         "set RAG_EVAL_DATA to the folder that holds them, or pass --begin/--wice files.")
    sets = load_sets(begin or None, wice or None)
    result: dict = {"judges": {}, "split": "default files: TEST split only (sha1(group) % 10 < 3); given files: all rows",
                    "labels": {"begin": "Fully attributable = supported; Not fully attributable, Generic = unsupported",
                               "wice": "supported = supported; partially_supported, not_supported = unsupported; max over a claim's rows"}}
    t0 = time.perf_counter()
    with _progress(console) as bar:
        # First pass: collect every text the offline judges will embed, then embed them in batches.
        rec = RecordingEmbedder(emb.name, emb.dim)
        for jn in [j for j in judge_names if j != "llm"]:
            dry = make_judge(jn, embedder=rec, settings=base)
            task = bar.add_task(f"judge {jn}: collecting texts", total=sum(map(len, sets.values())))
            for exs in sets.values():
                measure(dry, exs, tick=lambda: bar.advance(task))
        task = bar.add_task("embedding", total=len(rec.texts))
        emb.prefetch(list(rec.texts), tick=lambda n: bar.advance(task, n))
        for jn in judge_names:
            judge = make_judge(jn, embedder=emb, settings=base)
            for ds, exs in sorted(sets.items()):
                task = bar.add_task(f"judge {jn} on {ds}", total=len(exs))
                result["judges"].setdefault(jn, {})[ds] = measure(judge, exs, tick=lambda: bar.advance(task))
    result["timings"] = {"total_s": round(time.perf_counter() - t0, 2)}
    from evals.metrics import balanced_accuracy_se

    flat = {f"{j}/{d}": r["balanced_accuracy"] for j, per in result["judges"].items() for d, r in per.items()}
    result["metrics"] = flat
    result["se"] = {f"{j}/{d}": balanced_accuracy_se(r["confusion"]) for j, per in result["judges"].items() for d, r in per.items()
                    if r["balanced_accuracy"] is not None}
    result["stamp"] = stamp()
    # The gate is on the default dev sets' TEST split; other files are measured, not gated.
    checks = [] if (begin or wice) else R.check_thresholds("judges", flat, _thresholds())
    result["checks"] = checks
    dest = out / "judges"
    dest.mkdir(parents=True, exist_ok=True)
    R.write_json(dest / "report.json", result)
    lines = ["# Judges: balanced accuracy against human labels", "", result["split"], "",
             "| judge | dataset | n | balanced accuracy | tp | fn | fp | tn |", "|---|---|---|---|---|---|---|---|"]
    for j, per in result["judges"].items():
        for d, r in per.items():
            c = r["confusion"]
            ba = "null" if r["balanced_accuracy"] is None else f"{r['balanced_accuracy']:.3f}"
            lines.append(f"| {j} | {d} | {r['n']} | {ba} | {c['tp']} | {c['fn']} | {c['fp']} | {c['tn']} |")
    lines += ["", "Reference points (LLM-AggreFact, which includes WiCE): MiniCheck-Flan-T5-Large 75.0, GPT-4 75.3, AlignScore ~71; always 'supported' = 50."]
    (dest / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return result


def _thresholds(path: Path | None = None) -> dict:
    path = path or Path(os.environ.get("RAG_EVAL_THRESHOLDS", THRESHOLDS))
    from rag.errors import ConfigError

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"Cannot read the thresholds file {path}: {e.strerror}.")
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"The thresholds file {path} is not valid TOML: {e}.")


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_cmd(
        suites: List[str] = typer.Argument(None, help="seeds | squad2 | rgb | realdocs | judges (default: seeds)."),
        out: Path = typer.Option(Path("out/eval"), "--out", help="Where reports are written (one folder per suite)."),
        mode: Optional[str] = typer.Option(None, "--mode", help="extractive | openai | local (default: the configured mode)."),
        judge: str = typer.Option("offline", "--judge", help="offline | heuristic | llm: who judges faithfulness."),
        limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N cases per suite (default: all; squad2: a 200-question sample)."),
        seed: int = typer.Option(0, "--seed", help="Sampling seed (squad2, rgb)."),
        data: Optional[Path] = typer.Option(None, "--data", help="Data folder for squad2 (articles/, passages.jsonl, questions.jsonl) or rgb."),
        cache: Optional[Path] = typer.Option(None, "--cache", help="Where suite indexes are kept (default ~/.cache/rag/evals)."),
        begin: Optional[List[Path]] = typer.Option(None, "--begin", help="judges: BEGIN .tsv file(s) (default: the dev set's TEST split)."),
        wice: Optional[List[Path]] = typer.Option(None, "--wice", help="judges: WiCE oracle-chunks .jsonl file(s)."),
        results: Optional[Path] = typer.Option(None, "--results", help="Also write stamped compact copies DIR/SUITE.json and .md (e.g. evals/results)."),
    ):
        """Evaluate faithfulness, citations, retrieval and refusal; exit 1 when a threshold in evals/thresholds.toml fails."""
        from rich.console import Console
        from rich.table import Table

        from rag.errors import UsageError

        console = Console(stderr=True)
        stamp()  # the commit is read now, before any suite runs (a commit made during the run is not what ran)
        names = list(dict.fromkeys(suites or ["seeds"]))
        bad = [n for n in names if n not in ALL]
        if bad:
            raise UsageError(f"Unknown suite(s) {', '.join(bad)}: choose from {', '.join(ALL)}.")
        if judge not in ("offline", "heuristic", "llm"):
            raise UsageError(f"Unknown judge '{judge}': use offline, heuristic or llm.")
        if data and len([n for n in names if n in ("squad2", "rgb", "seeds")]) > 1:
            raise UsageError("--data names one suite's data: run that suite alone.")
        cache = cache or default_cache()
        out.mkdir(parents=True, exist_ok=True)
        summary, failed = {}, []
        from rag.embeddings import make_embedder
        from rag.pipeline import model_backend
        from rag.settings import Settings

        s = Settings()
        emb = make_embedder(s.embedder, s.embed_batch_size, model_backend(s, reader=False))
        for name in names:
            if name == "generated":
                from evals import llama_server

                with llama_server.serve() as url:
                    rep = run_suite(name, out=out, cache=cache, mode="openai", judge_name=judge, limit=limit, seed=seed, data=data,
                                    console=console, embedder=emb, llm_url=url)
                summary[name] = {"metrics": rep["metrics"], "reasons": rep["reasons"]}
            elif name == "judges":
                jn = ["offline", "heuristic"] + (["llm"] if judge == "llm" else [])
                rep = run_judges(out=out, begin=begin, wice=wice, judge_names=jn, console=console, embedder=emb)
                summary[name] = {"judges": {j: {d: r["balanced_accuracy"] for d, r in per.items()} for j, per in rep["judges"].items()}}
            else:
                from evals.realdocs import Missing

                try:
                    rep = run_suite(name, out=out, cache=cache, mode=mode, judge_name=judge, limit=limit or DEFAULT_LIMITS.get(name),
                                    seed=seed, data=data, console=console, embedder=emb)
                except Missing as e:  # documents not installed: skipped with the reason, not failed
                    console.print(f"[yellow]SKIP[/] {name}: {e}", highlight=False)
                    summary[name] = {"skipped": str(e)}
                    continue
                summary[name] = {"metrics": rep["metrics"], "reasons": rep["reasons"]}
            summary[name]["checks"] = rep["checks"]
            failed += [(name, c) for c in rep["checks"] if not c["ok"]]
            _print(console, Table, name, rep)
            if results:
                from evals import report as R

                R.write_results(results, name, rep)
                for g, part in rep.get("parts", {}).items():  # NAME-PART.json: what set_thresholds derives the part's gates from
                    R.write_results(results, f"{name}-{g}", {**rep, **part, "suite": f"{name}-{g}", "parts": {},
                                                             "cases": [r for r in rep["cases"] if r.get("group") == g]})
        (out / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        for name, c in failed:
            console.print(f"[red]FAIL[/] {name}: {c['metric']} = {c['value']} (needs {c['op']} {c['threshold']})", highlight=False)
        console.print(f"Reports in {out}/", highlight=False)
        if failed:
            # SystemExit, not typer.Exit: rag.cli.main runs click with standalone_mode=False,
            # which turns Exit into a return value and would lose the code.
            sys.exit(1)


def _print(console, Table, name: str, rep: dict) -> None:
    t = Table(title=name, show_header=True)
    t.add_column("metric")
    t.add_column("value", justify="right")
    if "metrics" in rep:
        for k, v in rep["metrics"].items():
            t.add_row(k, "null" if v is None else f"{v:g}")
    else:
        for j, per in rep["judges"].items():
            for d, r in per.items():
                t.add_row(f"{j} / {d}", "null" if r["balanced_accuracy"] is None else f"{r['balanced_accuracy']:.3f}")
    console.print(t)
