"""evals/measure_refusal_size.py: fits on a third and on all of the fitting half, reports on the other half."""

import json
import random

from evals import measure_refusal_size
from rag.refusal import SPAN_MODEL_FEATURES


def test_it_reports_every_model_on_the_held_out_half(tmp_path):
    rng = random.Random(0)
    rows = []
    for i in range(240):
        ans = i % 2 == 0
        feats = {f: rng.gauss(0, 1) for f in SPAN_MODEL_FEATURES}
        feats["span_max"] += 1.5 if ans else -1.5  # a signal the fit must find
        rows.append({"id": str(i), "article": f"a{i % 8}.txt", "answerable": ans, "features": feats, "correct": ans})
    cache = tmp_path / "rows.json"
    cache.write_text(json.dumps(rows))
    out = tmp_path / "size.md"
    measure_refusal_size.main(["--cache", str(cache), "--out", str(out)])
    res = json.loads(out.with_suffix(".json").read_text())
    assert res["n_test"] == 120 and [r["n_fit"] for r in res["rows"]][1:] == [40] * 5 + [120]
    assert all(r["auc"] > 0.8 for r in res["rows"][1:])  # fitted models find span_max; the shipped one is only reported
    assert "B: the whole fitting half" in out.read_text()
