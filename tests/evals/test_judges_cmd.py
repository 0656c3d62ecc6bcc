"""`rag eval judges` on a small subset of the dev sets' TEST split, and the learned checker itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evals.judges import BEGIN_FILES, WICE_FILES, load_wice

ROOT = Path(__file__).resolve().parents[2]
RAG = Path(sys.executable).parent / "rag"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def small_files(tmp_path_factory):
    if not (BEGIN_FILES and WICE_FILES[0].exists()):
        pytest.skip("the shared BEGIN/WiCE dev sets are missing")
    tmp = tmp_path_factory.mktemp("judges")
    lines = BEGIN_FILES[0].read_text(encoding="utf-8").splitlines()
    head, rows = lines[0], lines[1:]
    fa = [r for r in rows if r.endswith("\tFully attributable")][:6]
    nfa = [r for r in rows if not r.endswith("\tFully attributable")][:6]
    begin = tmp / "small_begin.tsv"
    begin.write_text("\n".join([head, *fa, *nfa]) + "\n", encoding="utf-8")
    claims = {e.id: e.label for e in load_wice(WICE_FILES[0])}
    keep = [i for i, lab in claims.items() if lab][:2] + [i for i, lab in claims.items() if not lab][:2]
    wice = tmp / "small_wice.jsonl"
    wice.write_text("".join(l + "\n" for l in WICE_FILES[0].read_text(encoding="utf-8").splitlines()
                            if json.loads(l)["meta"]["id"] in keep), encoding="utf-8")
    return tmp, begin, wice


def test_judges_command_reports_balanced_accuracy_and_confusion(small_files):
    tmp, begin, wice = small_files
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp / "data"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               RAG_EVAL_THRESHOLDS=str(ROOT / "evals" / "thresholds.toml"))
    p = subprocess.run([str(RAG), "eval", "judges", "--begin", str(begin), "--wice", str(wice), "--out", str(tmp / "out")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    rep = json.loads((tmp / "out" / "judges" / "report.json").read_text())
    assert set(rep["judges"]) == {"offline", "heuristic"}
    for judge, per in rep["judges"].items():
        assert set(per) == {"begin/small_begin", "wice"}
        assert per["begin/small_begin"]["n"] == 12 and per["wice"]["n"] == 4
        for r in per.values():
            c = r["confusion"]
            assert sum(c.values()) == r["n"] and c["tp"] + c["fn"] == r["n"] // 2
            expected = round((c["tp"] / (c["tp"] + c["fn"]) + c["tn"] / (c["tn"] + c["fp"])) / 2, 4)
            assert r["balanced_accuracy"] == expected
    assert (tmp / "out" / "judges" / "report.md").exists()
    # Thresholds gate the default dev sets only: given files are measured, not gated.
    assert p.returncode == 0 and rep["checks"] == [], p.stderr[-2000:]


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
