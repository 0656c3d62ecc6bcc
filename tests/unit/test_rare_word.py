"""The question's rarest word gets a passage of its own (rag.retrieval.RareWordSlot), over the
real BM25 segments and embedded Chroma."""

from __future__ import annotations

from rag.bm25index import BM25Index
from rag.pipeline import build
from rag.retrieval import RareWordSlot
from rag.settings import Settings

PROSE = ("The TZ name you set selects the time zone of a computer; set the TZ environment variable to a zone name. "
         "A zone name such as a TZ value is read by the computer at start-up.")
ROWS = [f"{cc}\t{lat}\t{zone}\t{note}" for cc, lat, zone, note in [
    ("AR", "-3436-05827", "America/Argentina/Buenos_Aires", "Buenos Aires"), ("AT", "+4813+01620", "Europe/Vienna", ""),
    ("AU", "-3133+15905", "Australia/Lord_Howe", "Lord Howe Island"), ("AU", "-4253+14719", "Australia/Hobart", "Tasmania"),
    ("AU", "-3749+14458", "Australia/Melbourne", "Victoria"), ("AU", "-3352+15113", "Australia/Sydney", "New South Wales (most areas)"),
    ("AU", "-2728+15302", "Australia/Brisbane", "Queensland (most areas)"), ("AZ", "+4023+04951", "Asia/Baku", ""),
]]
QUESTION = "What TZ name should I set for a computer in Tasmania?"


def _pipe(tmp_path, **kw):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"guide{i}.txt").write_text(f"Part {i}. " + PROSE)
    (docs / "zones.tsv").write_text("#codes\tcoordinates\tTZ\tcomments\n" + "\n".join(ROWS * 3) + "\n")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", k=3, **kw))
    pipe.ingest([docs])
    return pipe


def test_a_chunk_holding_the_rarest_word_takes_the_last_passage(tmp_path):
    pipe = _pipe(tmp_path)
    hits = pipe.retrieve(QUESTION)
    assert len(hits) == 3
    assert "Tasmania" in hits[-1].chunk.text and hits[-1].chunk.source == "zones.tsv"
    assert all("Tasmania" not in h.chunk.text for h in hits[:-1])
    assert hits[-1].dense is not None and hits[-1].bm25 > 0  # scored like any hit, for the refusal features

    off = build(pipe.settings.model_copy(update={"rare_word_df": 0}))
    assert all("Tasmania" not in h.chunk.text for h in off.retrieve(QUESTION))  # without the slot it is not read
    assert [h.chunk.id for h in off.retrieve(QUESTION)][:2] == [h.chunk.id for h in hits][:2]


def test_nothing_changes_when_a_passage_holds_it_or_it_is_not_rare(tmp_path):
    pipe = _pipe(tmp_path)
    slot = pipe.postprocessors[0]
    assert isinstance(slot, RareWordSlot)
    held = pipe.retriever.retrieve("Tasmania Hobart zone", 3)
    assert any("Tasmania" in h.chunk.text for h in held)
    assert slot.rerank("Tasmania Hobart zone", held, 3) == held
    common = pipe.retriever.retrieve("Which zone name is set for the computer?", 3)  # every word in 3+ chunks
    assert slot.rerank("Which zone name is set for the computer?", common, 3) == common
    unknown = pipe.retriever.retrieve("What TZ name for Atlantis?", 3)  # no chunk holds 'atlantis'
    assert slot.rerank("What TZ name for Atlantis?", unknown, 3) == unknown
    assert RareWordSlot(slot.sparse, max_df=0).rerank(QUESTION, common, 3) == common


def test_rarest_holders_scores_equal_bm25_search_across_segments_and_deletes(tmp_path):
    ix = BM25Index(tmp_path / "bm25")
    ix.add(["a", "b", "c"], ["d1", "d1", "d2"], [["tz", "name", "zone"], ["tz", "tasmania", "hobart", "zone", "zone"], ["name", "set"]])
    ix.add(["d", "e"], ["d3", "d3"], [["tasmania", "tz", "devonport"], ["tz", "zone", "name", "computer"]])  # a second segment
    ix.remove(ids=["c"])
    q = ["tz", "name", "set", "computer", "tasmania"]
    term, holders = ix.rarest_holders(q, 3)
    assert term == "computer"  # df 1 ('set' was only in the deleted chunk: df 0, not a candidate)
    full = dict(ix.search(q, 10))
    assert [i for i, _ in holders] == ["e"] and abs(holders[0][1] - full["e"]) < 1e-5
    term, holders = ix.rarest_holders(["tz", "tasmania"], 3)
    assert term == "tasmania" and sorted(i for i, _ in holders) == ["b", "d"]
    full = dict(ix.search(["tz", "tasmania"], 10))
    assert all(abs(s - full[i]) < 1e-5 for i, s in holders) and holders[0][1] >= holders[1][1]
    assert ix.rarest_holders(["tz", "zone"], 2) is None  # tz in 4 chunks, zone in 3: neither is rare
    assert ix.rarest_holders(["atlantis"], 3) is None
