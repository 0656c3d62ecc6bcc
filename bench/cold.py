"""Cold `rag ask` against another commit, alternating, in the same run: wall time and peak RSS.

    python bench/cold.py --baseline 4e3b96d [--rounds 6] [--index DIR] [--drop-caches] [--env K=V ...]
    python -m evals.record bench_cold -- python bench/cold.py --baseline 4e3b96d

The baseline commit is checked out into a temporary git worktree; both trees answer the same
question in fresh processes (cwd outside both, PYTHONPATH pointing at the tree), against one
index of the seed documents built by the current tree, one after the other for --rounds rounds,
so machine load hits both alike. --drop-caches empties the OS page cache before every run (root only),
so that each run reads the index from disk as after a reboot. Peak RSS comes from wait4() of each child. Prints a Markdown
table and, last, one JSON line (medians, ratio, whether torch was imported by each tree).
Left out: indexes built by the baseline (the index format must be readable by both trees),
warm latency (bench/query.py), ingestion (bench/ingest.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Who proposed the 2030 strategic concept?"
PROBE = "import sys, runpy; sys.argv = ['rag', 'ask', %r]; import atexit; atexit.register(lambda: print('TORCH', 'torch' in sys.modules, file=sys.stderr))\nrunpy.run_module('rag.cli', run_name='__main__')"


def drop_caches() -> None:
    """Empty the page cache, as after a reboot (Linux, root)."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as e:
        raise SystemExit(f"--drop-caches needs root on Linux ({e}); run without it to measure with a warm page cache") from None


def run_once(tree: Path, env: dict, cwd: Path, cold_disk: bool = False) -> tuple[float, float, bool]:
    """(wall s, peak RSS MB, torch imported) of one cold `rag ask` run from `tree`."""
    if cold_disk:
        drop_caches()
    t = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", PROBE % QUESTION], cwd=cwd, env=env | {"PYTHONPATH": str(tree)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read() if p.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"rag ask from {tree} failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, "TORCH True" in err


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="a commit (hash, tag, HEAD~3) to compare the working tree against")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--index", type=Path, default=None, help="data dir to reuse (default: a temp dir, seeds ingested)")
    ap.add_argument("--drop-caches", action="store_true", help="empty the OS page cache before each run (root; a cold disk)")
    ap.add_argument("--env", action="append", default=[], metavar="K=V", help="extra environment for both trees (e.g. RAG_EMBEDDER=hash-384)")
    a = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cold-") as tmp:
        tmp = Path(tmp)
        base = tmp / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(base), a.baseline], check=True, capture_output=True)
        try:
            data = a.index or tmp / "data"
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RAG_"))} | {"RAG_DATA_DIR": str(data)}
            env |= dict(kv.split("=", 1) for kv in a.env)
            if a.index is None:
                subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(ROOT / "seeds")], cwd=tmp, env=env | {"PYTHONPATH": str(ROOT)},
                               check=True, capture_output=True)
            runs: dict[str, list[tuple[float, float, bool]]] = {"current": [], "baseline": []}
            for _ in range(a.rounds):
                for name, tree in (("current", ROOT), ("baseline", base)):
                    runs[name].append(run_once(tree, env, tmp, a.drop_caches))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], capture_output=True)

    med = {n: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs), any(r[2] for r in rs)) for n, rs in runs.items()}
    load = os.getloadavg()[0]
    where = f"the index in {a.index}" if a.index else "the seeds index"
    extra = "".join(f", {kv}" for kv in a.env) + (", page cache dropped before each run" if a.drop_caches else "")
    print(f"# bench/cold.py: cold `rag ask` on {where}, {a.rounds} alternating rounds; baseline {a.baseline}{extra}\n")
    print("| tree | wall s, median | wall s, min–max | peak RSS MB, median | imports torch |")
    print("|---|---:|---:|---:|---|")
    for n, rs in runs.items():
        w = [r[0] for r in rs]
        print(f"| {n} | {med[n][0]:.2f} | {min(w):.2f}–{max(w):.2f} | {med[n][1]:.0f} | {med[n][2]} |")
    ratio = med["current"][0] / med["baseline"][0]
    print(f"\nratio current / baseline (median wall): {ratio:.2f}; RSS {med['current'][1] / med['baseline'][1]:.2f}; load average at the end {load:.1f} on {os.cpu_count()} CPUs\n")
    print(json.dumps({"baseline": a.baseline, "rounds": a.rounds, "index": str(a.index or "seeds"), "env": a.env, "drop_caches": a.drop_caches, "wall_s": {n: round(m[0], 3) for n, m in med.items()},
                      "rss_mb": {n: round(m[1], 1) for n, m in med.items()}, "torch": {n: m[2] for n, m in med.items()},
                      "ratio_wall": round(ratio, 3), "load": round(load, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
