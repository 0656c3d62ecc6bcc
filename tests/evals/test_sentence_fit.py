"""evals/measure_sentence_fit.py: refits the sentence scoring on the fitting half, reports on the other half."""

import json
import random

from evals import measure_sentence_fit as M


def test_a_ranking_signal_is_found_and_every_scoring_is_reported_held_out(tmp_path):
    rng = random.Random(0)
    rows = []
    for i in range(80):
        gold_at = rng.randrange(6)
        cands = []
        for j in range(6):
            f = {k: rng.gauss(0, 1) for k in ("span", "lex", "ctx", "rank", "type")}
            f["lex"] += 3.0 if j == gold_at else 0.0  # the gold sentence has the most word overlap
            cands.append({"f": f, "gold": j == gold_at, "words": 20, "src": 1 + j // 3, "start": j})
        rows.append({"id": str(i), "article": f"a{i % 8}.txt", "answerable": True, "features": {}, "n_sources": 2, "cands": cands})
        rows.append({"id": f"u{i}", "article": f"a{i % 8}.txt", "answerable": False, "features": {}})  # skipped: no candidates
    cache = tmp_path / "rows.json"
    cache.write_text(json.dumps(rows))
    out = tmp_path / "fit.md"
    M.main(["--cache", str(cache), "--out", str(out)])
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["n_fit"] + res["n_test"] == 80 and res["n_test"] > 0
    by = {r["scoring"]: r for r in res["rows"]}
    assert {"shipped SPAN_SENTENCE_WEIGHTS", "pairwise", "pointwise, refitted"} <= set(by)
    for name in ("pairwise", "pointwise, refitted"):  # the fits find lex, and rank the gold sentence first
        assert by[name]["weights"]["lex"] == max(by[name]["weights"].values())
        assert by[name]["test"]["top1"] > 0.9
    assert "| pairwise |" in out.read_text()


def test_derived_features_are_relative_to_the_question_and_the_passage():
    row = {"cands": [{"f": {"span": 2.0, "lex": 0.5}, "src": 1}, {"f": {"span": -1.0, "lex": 0.9}, "src": 1},
                     {"f": {"span": 0.5, "lex": 0.1}, "src": 2}]}
    M.derive([row])
    f = [c["f"] for c in row["cands"]]
    assert [x["span_rel"] for x in f] == [0.0, -3.0, -1.5]
    assert [x["src_span"] for x in f] == [2.0, 2.0, 0.5]
    assert [x["span_pos"] for x in f] == [1.0, 0.0, 1.0]
    assert abs(f[1]["lex_rel"]) < 1e-12 and f[0]["span_soft"] == 1.0
