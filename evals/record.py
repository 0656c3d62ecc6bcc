"""Run a measuring command and keep what it printed as a stamped results file.

    python -m evals.record NAME -- COMMAND [ARGS...]

Writes evals/results/NAME.md (stamp + the command's stdout in a code block) and NAME.json
(stamp, command, exit code, stdout lines, and the last stdout line that parses as JSON, if any).
Used by `make bench` so that every benchmark number in the README has a file behind it.
RAG_* variables of the environment (but no *KEY*) are written before the command.
Left out: parsing each benchmark's table (the README copies numbers from the recorded output).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m evals.record NAME -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    from evals.cli import stamp

    name, cmd = argv[0], argv[2:]
    st = stamp()
    env = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("RAG_") and "KEY" not in k]  # the settings it ran with
    st["command"] = " ".join(env + cmd)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    sys.stdout.write(p.stdout)
    lines = p.stdout.splitlines()
    parsed = None
    for line in reversed(lines):
        try:
            parsed = json.loads(line)
            break
        except ValueError:
            continue
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({"stamp": st, "returncode": p.returncode, "stdout": lines, "parsed": parsed},
                                                     indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(
        f"# `{st['command']}`\n\nCommit `{st['commit']}` · {st['date']} · load average {st['loadavg']} on {st['cpus']} CPUs"
        f" · exit {p.returncode}\n\n```\n{p.stdout.rstrip()}\n```\n", encoding="utf-8")
    return p.returncode


if __name__ == "__main__":
    sys.exit(main())
