"""evals/measure_read_first.py replays rag.answer.read_first on stored rows: skipped passages score -SPAN_CLIP."""

from evals.measure_read_first import measure, replay
from rag.answer import SPAN_CLIP


def cand(src, span, gold, start, lex=0.5):
    return {"f": {"span": span, "lex": lex, "ctx": lex, "rank": 1.0 / src, "type": 0.0}, "gold": gold, "words": 12, "src": src, "start": start}


def row(first_span, late_span):
    feats = {"top_dense": 0.5, "best_lex": 0.5, "best_ctx": 0.5, "q_missing": 0.0, "q_missing_top": 0.0, "typed": 0.0,
             "type_hit": 0.0, "q_terms": 2.0, "span_max": max(first_span, late_span), "span_top1": first_span, "span_pos": 0.4}
    return {"answerable": True, "n_sources": 5, "features": feats, "article": "a",
            "cands": [cand(1, first_span, False, 0), cand(2, -8.0, False, 10), cand(4, late_span, True, 20, lex=0.9)]}


def test_a_confident_first_read_stops_and_the_late_passages_score_as_unread():
    new, stopped = replay(row(2.0, 6.0), first=3, margin=0.0)
    assert stopped
    assert [c["f"]["span"] for c in new["cands"]] == [2.0, -8.0, -SPAN_CLIP]
    assert new["features"]["span_max"] == 2.0 and new["features"]["span_pos"] == 1 / 3


def test_an_unsure_first_read_reads_everything_and_the_row_is_unchanged():
    r = row(-1.0, 6.0)
    new, stopped = replay(r, first=3, margin=0.0)
    assert not stopped and new is r
    assert replay(r, first=3, margin=None) == (r, False)


def test_measure_counts_stops_and_changed_answers():
    rows = [row(2.0, 6.0), row(-1.0, 6.0)]
    before, after = measure(rows, 3, None), measure(rows, 3, 0.0)
    assert before["stopped"] == 0 and before["changed"] == 0
    assert after["stopped"] == 1 and after["n"] == 2
