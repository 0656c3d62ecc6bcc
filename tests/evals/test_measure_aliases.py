"""evals/measure_aliases.py: the probe reads every question against its passage with the shipped reader."""

import json

from evals.measure_aliases import PROBES, main


def test_the_probe_writes_one_read_per_question(tmp_path):
    out = tmp_path / "aliases.md"
    assert main(["--out", str(out)]) == 0
    rows = json.loads(out.with_suffix(".json").read_text())["rows"]
    assert len(rows) == sum(len(forms) for _, forms in PROBES)
    assert all(isinstance(r["margin"], float) for r in rows)
    # the INF passage holds its answer: the reader's span is the year, however the question names the US
    assert {r["span"] for r in rows if r["passage"] == "INF Treaty"} == {"2019"}
    assert "| INF Treaty | Washington |" in out.read_text()
