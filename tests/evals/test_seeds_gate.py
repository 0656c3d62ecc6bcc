"""The CI gate: `rag eval seeds` with the real pipeline (packaged MiniLM, extractive, offline judge)
must exit 0, meet every threshold in evals/thresholds.toml, and write its three outputs.
A second run on a fresh index must give byte-identical metrics and cases, apart from timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAG = Path(sys.executable).parent / "rag"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _run(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp / "data"), RAG_MODE="extractive", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([str(RAG), "eval", *args, "--out", str(tmp / "out"), "--cache", str(tmp / "cache")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eval1")
    return tmp, _run(tmp, "seeds")


def test_seeds_suite_passes_its_gate(first_run):
    tmp, proc = first_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp / "out" / "seeds"
    for name in ("report.json", "report.md", "plots.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "plots.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rep = json.loads((out / "report.json").read_text())
    assert rep["stamp"]["commit"] and len(rep["stamp"]["loadavg"]) == 3 and set(rep["se"]) <= set(rep["metrics"])
    assert set(rep["metrics"]) == {"hit_at_k", "mrr", "answer_contains", "first_sentence_contains", "token_f1", "key_phrase_shown", "key_phrase_right",
                                   "low_confidence_share", "right_when_low", "right_when_high", "refusal_recall", "refusal_precision", "refusal_auc",
                                   "false_refusal_rate", "premise_handled", "faithfulness", "citation_precision",
                                   "citation_recall", "hidden_share", "latency_p50_ms", "latency_p95_ms"}
    assert len(rep["cases"]) >= 30
    assert rep["checks"] and all(c["ok"] for c in rep["checks"]), rep["checks"]
    # The gate is real: every threshold names a metric that was measured.
    assert all(c["value"] is not None for c in rep["checks"])
    case = rep["cases"][0]
    for key in ("question", "answer", "citations", "verdicts", "timings"):
        assert key in case
    assert "Worst cases" in (out / "report.md").read_text()


def test_same_seed_gives_identical_report_apart_from_timings(first_run, tmp_path):
    tmp1, p1 = first_run
    p2 = _run(tmp_path, "seeds")
    assert p1.returncode == p2.returncode == 0, p2.stderr[-3000:]

    def stable(path: Path) -> str:
        rep = json.loads(path.read_text())
        for key in ("latency_p50_ms", "latency_p95_ms"):
            rep["metrics"].pop(key)
            rep["checks"] = [c for c in rep["checks"] if c["metric"] != key]
        rep.pop("timings")
        rep.pop("stamp")
        for c in rep["cases"]:
            c.pop("timings")
        for group in rep.get("metrics_by_kind", {}).values():  # per-kind metrics carry latencies too
            for key in ("latency_p50_ms", "latency_p95_ms"):
                group.pop(key, None)
        return json.dumps(rep, sort_keys=True)

    a, b = stable(tmp1 / "out" / "seeds" / "report.json"), stable(tmp_path / "out" / "seeds" / "report.json")
    assert a == b
    # metrics are compared byte for byte, not approximately
    m1 = json.loads(a)["metrics"]
    assert json.dumps(m1, sort_keys=True) == json.dumps(json.loads(b)["metrics"], sort_keys=True)
