"""train/refusal.py collect_absent: an answerable question asked of an index that lacks its answer."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from evals.measure_retrieval import Question  # noqa: E402
from train.refusal import collect_absent  # noqa: E402

RHINE = ("The Rhine rises in the Swiss Alps and flows north. Its delta lies in the Netherlands, where it meets the North Sea. "
         "Barges carry coal and grain along the river. ")
OTHER = ("The Rhine valley holds many castles built in the Middle Ages. Vineyards line its slopes south of Bonn. "
         "Tourists take boats between Mainz and Koblenz in summer. ")


def test_collect_absent_ranks_only_chunks_without_the_answer(pipeline_over):
    pipe = pipeline_over({"rhine.txt": RHINE * 3, "valley.txt": OTHER * 3}, chunk_size=40, chunk_overlap=0)
    source = next(h.chunk.source for h in pipe.retrieve("Rhine delta North Sea", 10) if "delta" in h.chunk.text)
    gold = (source, 0, len(RHINE))  # the first copy of the passage
    q = Question("q1", "Where does the Rhine meet the sea?", ("the North Sea",), True, "rhine.txt", "p1")
    ranked_hits = []
    real_rank = pipe.rank
    pipe.rank = lambda question, hits: ranked_hits.append(list(hits)) or real_rank(question, hits)

    rows = collect_absent(pipe, [q], {"p1": gold})

    assert pipe.retrieve(q.question)[0].chunk.text.count("North Sea")  # with everything indexed, the answer comes first
    (hits,) = ranked_hits
    assert hits and len(hits) <= pipe.settings.k
    assert not any("North Sea" in h.chunk.text for h in hits)  # every chunk holding the answer is gone ...
    assert not any(h.chunk.source == source and h.chunk.start < len(RHINE) for h in hits)  # ... and so is the gold passage
    (row,) = rows
    assert row["answerable"] is False and row["absent"] and row["article"] == "rhine.txt"
    assert set(row["features"]) >= {"top_dense", "best_lex", "q_missing"}
