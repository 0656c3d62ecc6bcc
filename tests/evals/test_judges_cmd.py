"""`rag eval judges` on a small subset of the dev sets' TEST split (its default, gated path), and the learned checker itself.
The full judges gate runs in CI's `make eval-gate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.judges import BEGIN_FILES, WICE_FILES, load_begin, load_wice

ROOT = Path(__file__).resolve().parents[2]
RAG = Path(sys.executable).parent / "rag"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """A data root laid out like the shared one (begin-dev/, wice-dev/) holding a few TEST-split rows
    of the real dev sets: `rag eval judges` then takes its default, gated path on them."""
    if not (BEGIN_FILES and WICE_FILES[0].exists()):
        pytest.skip("the shared BEGIN/WiCE dev sets are missing: set RAG_EVAL_DATA")
    tmp = tmp_path_factory.mktemp("judges")
    (tmp / "data" / "begin-dev").mkdir(parents=True)
    (tmp / "data" / "wice-dev").mkdir(parents=True)
    test_begin = {e.id.split(":")[1] for e in load_begin(BEGIN_FILES[0]) if e.split == "test"}
    lines = BEGIN_FILES[0].read_text(encoding="utf-8").splitlines()
    head, rows = lines[0], [r for i, r in enumerate(lines[1:], start=1) if str(i) in test_begin]
    fa = [r for r in rows if r.endswith("\tFully attributable")][:6]
    nfa = [r for r in rows if not r.endswith("\tFully attributable")][:6]
    (tmp / "data" / "begin-dev" / BEGIN_FILES[0].name).write_text("\n".join([head, *fa, *nfa]) + "\n", encoding="utf-8")
    claims = {e.id: e.label for e in load_wice(WICE_FILES[0]) if e.split == "test"}
    keep = [i for i, lab in claims.items() if lab][:2] + [i for i, lab in claims.items() if not lab][:2]
    (tmp / "data" / "wice-dev" / "dev.jsonl").write_text(
        "".join(l + "\n" for l in WICE_FILES[0].read_text(encoding="utf-8").splitlines() if json.loads(l)["meta"]["id"] in keep),
        encoding="utf-8")
    return tmp


def _judges(tmp: Path, thresholds: str, out: str) -> tuple[subprocess.CompletedProcess, dict]:
    (tmp / f"{out}.toml").write_text(thresholds)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp / "index"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               RAG_EVAL_DATA=str(tmp / "data"), RAG_EVAL_THRESHOLDS=str(tmp / f"{out}.toml"))
    p = subprocess.run([str(RAG), "eval", "judges", "--out", str(tmp / out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return p, json.loads((tmp / out / "judges" / "report.json").read_text())


def test_judges_command_reports_balanced_accuracy_and_confusion_and_gates(small_data):
    name = "begin/" + BEGIN_FILES[0].stem.replace("begin_dev_", "")
    p, rep = _judges(small_data, f'[judges.min]\n"offline/{name}" = 0.01\n"offline/wice" = 0.01\n', "lenient")
    assert set(rep["judges"]) == {"offline", "heuristic"}
    for judge, per in rep["judges"].items():
        assert set(per) == {name, "wice"}
        assert per[name]["n"] == 12 and per["wice"]["n"] == 4
        for r in per.values():
            c = r["confusion"]
            assert sum(c.values()) == r["n"] and c["tp"] + c["fn"] == r["n"] // 2
            expected = round((c["tp"] / (c["tp"] + c["fn"]) + c["tn"] / (c["tn"] + c["fp"])) / 2, 4)
            assert r["balanced_accuracy"] == expected
    assert (small_data / "lenient" / "judges" / "report.md").exists()
    assert p.returncode == 0 and len(rep["checks"]) == 2 and all(c["ok"] for c in rep["checks"]), p.stderr[-2000:]
    assert set(rep["se"]) == set(rep["metrics"]) and rep["stamp"]["commit"]


def test_judges_gate_fails_below_threshold(small_data):
    p, rep = _judges(small_data, '[judges.min]\n"offline/wice" = 0.999\n', "strict")
    assert p.returncode == 1 and [c["ok"] for c in rep["checks"]] == [False], p.stderr[-2000:]
    assert "FAIL" in p.stderr


def test_learned_checker_is_a_checker_and_separates_obvious_cases():
    from rag.embeddings import make_embedder
    from rag.verify import Checker, LearnedChecker, Verdict

    chk: Checker = LearnedChecker(embedder=make_embedder("minilm"))
    passage = "Representatives of all 30 members of the bloc have gathered in Brussels on 14 June to discuss the current challenges."
    quoted = chk.check("Representatives of all 30 members of the bloc have gathered in Brussels on 14 June", [passage])
    assert isinstance(quoted, Verdict) and quoted.supported and quoted.support == 1.0
    para = chk.check("Delegates of the 30 members met in Brussels on 14 June.", [passage])
    wrong = chk.check("Delegates of the 25 members met in Paris on 3 May.", [passage])
    off = chk.check("I love cheerleading, do you?", [passage])
    assert para.support > wrong.support and para.support > off.support
    assert not wrong.supported and not off.supported
    assert chk.check("anything", []) == Verdict(0.0, False, "no cited passage")
