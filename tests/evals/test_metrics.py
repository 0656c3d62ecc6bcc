"""Metric functions on hand-computed cases; undefined metrics are None with a reason, never NaN."""

import json
import math

import pytest

from evals import metrics as M
from evals.metrics import JudgedSentence as J


def test_normalize_is_squad_style():
    assert M.normalize("The  Euro-Atlantic area, an ALLIANCE!") == "euroatlantic area alliance"
    assert M.normalize("“Business as usual”") == "business as usual"


def test_contains_matches_whole_words_after_normalisation():
    assert M.contains("They met in Brussels on 14 June.", ["brussels"])
    assert M.contains("It was the pre-2014 relations.", ["pre-2014"])
    assert not M.contains("In 2019 and 2020", ["201"])  # no partial-token match
    assert not M.contains("anything", [""])
    assert M.contains("x", ["nope", "X"])


def test_token_f1_hand_computed():
    # pred: {jens, stoltenberg, proposed, it}; gold: {jens, stoltenberg}: P = 2/4, R = 2/2 -> F1 = 2/3
    assert M.token_f1("Jens Stoltenberg proposed it", "Jens Stoltenberg") == pytest.approx(2 / 3)
    assert M.token_f1("the", "a") == 1.0  # both normalise to empty
    assert M.token_f1("Brussels", "") == 0.0
    assert M.token_f1("Paris", "Brussels") == 0.0
    assert M.best_f1("Brussels", ["Paris", "in Brussels"]) == pytest.approx(2 * 1 * 0.5 / 1.5)


def test_hit_at_k_and_mrr():
    ranks = [1, 3, None, 2]
    assert M.hit_at_k(ranks, 1).value == 0.25
    assert M.hit_at_k(ranks, 3).value == 0.75
    assert M.mrr(ranks).value == round((1 + 1 / 3 + 0 + 1 / 2) / 4, 4)
    assert M.hit_at_k([], 5) == M.Result(None, "no case with gold evidence")
    assert M.mrr([]).value is None


def test_refusal_metrics():
    answerable = [True, True, True, False, False]
    declined = [False, True, False, True, False]
    r = M.refusal(answerable, declined)
    assert r["refusal_recall"].value == 0.5  # 1 of 2 unanswerables refused
    assert r["refusal_precision"].value == 0.5  # 1 of 2 refusals was right
    assert r["false_refusal_rate"].value == round(1 / 3, 4)


def test_refusal_undefined_cases_have_reasons():
    r = M.refusal([True, True], [False, False])
    assert r["refusal_recall"] == M.Result(None, "no unanswerable cases")
    assert r["refusal_precision"] == M.Result(None, "nothing was refused")
    assert r["false_refusal_rate"].value == 0.0
    r = M.refusal([False], [True])
    assert r["false_refusal_rate"] == M.Result(None, "no answerable cases")


def test_faithfulness_and_citation_metrics():
    sents = [
        J(True, (True, False)),  # supported; one of two citations supports alone
        J(False, (False,)),
        J(True, (False, False)),  # supported only by the citations together
        J(False, ()),  # no citation at all
    ]
    assert M.faithfulness(sents).value == 0.5
    assert M.citation_precision(sents).value == 0.2  # 1 of 5 citations
    assert M.citation_recall(sents).value == 0.25  # 1 of 4 sentences has a supporting citation
    assert M.faithfulness([]).reason == "no answered sentences"
    assert M.citation_precision([J(False, ())]).reason == "no citations"


def test_percentile_linear_interpolation():
    xs = [10.0, 20.0, 30.0, 40.0]
    assert M.percentile(xs, 50).value == 25.0
    assert M.percentile(xs, 95).value == 38.5  # pos 2.85 -> 30 + 0.85 * 10
    assert M.percentile([7.0], 95).value == 7.0
    assert M.percentile([], 50) == M.Result(None, "no timed cases")


def test_balanced_accuracy_and_confusion():
    gold = [True, True, True, True, False, False]
    pred = [True, True, True, False, True, False]
    assert M.confusion(gold, pred) == {"tp": 3, "fn": 1, "fp": 1, "tn": 1}
    assert M.balanced_accuracy(gold, pred).value == round((3 / 4 + 1 / 2) / 2, 4)
    # "always supported" scores exactly 0.5
    assert M.balanced_accuracy(gold, [True] * 6).value == 0.5
    assert M.balanced_accuracy([True], [True]).value is None


def test_no_metric_is_ever_nan():
    results = [M.hit_at_k([], 1), M.mrr([]), M.mean([], "x"), M.faithfulness([]), M.percentile([], 50),
               *M.refusal([], []).values(), M.balanced_accuracy([], [])]
    for r in results:
        assert r.value is None and r.reason
    json.dumps([r.value for r in results], allow_nan=False)
    assert not any(isinstance(r.value, float) and math.isnan(r.value) for r in results)


def test_premise_handled_share_and_undefined():
    assert M.premise_handled([True, False, True, True]).value == 0.75
    assert M.premise_handled([]).value is None


def test_refusal_auc_hand_computed():
    # answerable 0.9, 0.6, 0.4 against unanswerable 0.5, 0.4: 0.9 beats both (2), 0.6 both (2),
    # 0.4 loses to 0.5 (0) and ties 0.4 (0.5): 4.5 of 6 pairs
    r = M.refusal_auc([True, True, True, False, False], [0.9, 0.6, 0.4, 0.5, 0.4])
    assert r.value == 0.75 and r.se is not None and 0 < r.se < 0.5
    assert M.refusal_auc([True, False], [0.2, 0.8]).value == 0.0, "a score that ranks backwards"
    assert M.refusal_auc([True, True, False], [0.3, None, 0.3]).value == 0.5, "a case without a score is left out; a tie is half"
    undefined = M.refusal_auc([True, True], [0.2, 0.8])
    assert undefined.value is None and "unanswerable" in undefined.reason
    assert M.refusal_auc([True, False], [None, 0.3]).value is None
