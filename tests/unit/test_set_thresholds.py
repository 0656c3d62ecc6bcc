"""evals.set_thresholds: derived gates, and a gate the measure still passes is never loosened."""

from evals.set_thresholds import update

CURRENT = """[realdocs-manuals9.min]  # from old
answer_contains = 0.6  # measured 0.7, SE 0.1
hit_at_k = 0.9  # measured 0.95, SE 0.02

[realdocs-manuals9.max]  # from old
false_refusal_rate = 0.1  # measured 0.05, SE 0.05
"""


def _rep(**metrics):
    return {"metrics": metrics, "se": {k: 0.1 for k in metrics}, "stamp": {"commit": "abc"}}


def test_a_gate_the_measure_passes_is_kept_when_the_derived_one_is_looser():
    # answer_contains 0.65 - 0.1 = 0.55 < 0.6, and 0.65 passes 0.6: kept; false_refusal_rate 0.08 + 0.1 = 0.18 > 0.1, 0.08 passes: kept
    text, changes = update(CURRENT, {"realdocs-manuals9": (_rep(answer_contains=0.65, false_refusal_rate=0.08, hit_at_k=0.95), "r.json")}, 1.0)
    assert "answer_contains = 0.6  # measured 0.6500, SE 0.1000; kept: the derived 0.55 would loosen it, and the measure passes" in text
    assert "false_refusal_rate = 0.1  #" in text and "kept: the derived 0.18" in text
    assert not any("LOOSER" in c for c in changes)


def test_a_gate_the_measure_fails_is_rederived_and_reported_looser():
    text, changes = update(CURRENT, {"realdocs-manuals9": (_rep(answer_contains=0.5, false_refusal_rate=0.05, hit_at_k=0.95), "r.json")}, 1.0)
    assert "answer_contains = 0.4  # measured 0.5000" in text
    assert "realdocs-manuals9.min.answer_contains: 0.6 -> 0.4  (LOOSER: say why in the commit)" in changes


def test_a_tighter_derived_gate_replaces_the_old_one():
    text, changes = update(CURRENT, {"realdocs-manuals9": (_rep(answer_contains=0.9, false_refusal_rate=0.0, hit_at_k=0.95), "r.json")}, 1.0)
    assert "answer_contains = 0.8  # measured 0.9000" in text
    assert "realdocs-manuals9.min.answer_contains: 0.6 -> 0.8" in changes


def test_a_new_part_gets_its_gates():
    text, _ = update(CURRENT, {"realdocs-manuals16": (_rep(answer_contains=0.5, false_refusal_rate=0.1), "r16.json")}, 1.0)
    assert "[realdocs-manuals16.min]" in text and "answer_contains = 0.4  # measured 0.5000" in text
    assert "[realdocs-manuals9.min]  # from old" in text  # other suites verbatim


def test_a_passing_gate_whose_derived_floor_is_zero_is_kept_not_dropped():
    # refusal_recall 0.125 (1 of 8) - 0.2 < 0: derive leaves it out; the measure passes the current 0.125, so it stays
    current = "[realdocs-manuals8.min]  # from old\nrefusal_recall = 0.125  # hand-set\n"
    rep = {"metrics": {"refusal_recall": 0.125}, "se": {"refusal_recall": 0.2}, "stamp": {"commit": "abc"}}
    text, changes = update(current, {"realdocs-manuals8": (rep, "r.json")}, 1.0)
    assert "refusal_recall = 0.125  # measured 0.1250; kept: the derived threshold would drop the gate" in text
    assert not any("LOOSER" in c for c in changes)
    rep["metrics"]["refusal_recall"] = 0.0  # fails it: re-derived, and dropped, said as a loosening
    text, changes = update(current, {"realdocs-manuals8": (rep, "r.json")}, 1.0)
    assert "refusal_recall =" not in text and any("LOOSER" in c for c in changes)
