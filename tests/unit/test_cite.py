"""Citations: parsing `[n]` markers, dropping numbers that resolve to nothing, renumbering,
and the same contract end to end through the pipeline with a scripted answerer
(hash embedder, real Chroma in tmp)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rag import cite
from rag.pipeline import build
from rag.settings import Settings
from rag.text import sentences

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"


def test_parse_splits_sentences_and_keeps_their_markers():
    drafts, invalid = cite.parse("NATO met in Brussels [1]. It adopted a concept [2][3]. Russia was named. [3]", 3)
    assert [(d.text, d.cites) for d in drafts] == [
        ("NATO met in Brussels.", (1,)),
        ("It adopted a concept.", (2, 3)),
        ("Russia was named.", (3,)),  # a marker after the full stop belongs to the sentence before it
    ]
    assert invalid == []


@pytest.mark.parametrize(
    "text, cites",
    [("A claim [1, 2].", (1, 2)), ("A claim [1; 3].", (1, 3)), ("A claim [1-3].", (1, 2, 3)), ("A claim [2][2].", (2,)), ("A claim.", ())],
)
def test_parse_marker_forms(text, cites):
    (d,), invalid = cite.parse(text, 3)
    assert d.text == "A claim." and d.cites == cites and invalid == []


def test_parse_removes_numbers_that_match_no_source():
    drafts, invalid = cite.parse("First [1][7]. Second [0]. Third [9] sentence.", 3)
    assert [(d.text, d.cites) for d in drafts] == [("First.", (1,)), ("Second.", ()), ("Third sentence.", ())]
    assert sorted(invalid) == [0, 7, 9]
    assert not any(re.search(r"\[\d", d.text) for d in drafts)


def test_renumber_in_order_of_first_use_and_render():
    mapping = cite.renumber([(3,), (1, 3), (2,)])
    assert mapping == {3: 1, 1: 2, 2: 3}
    assert cite.render("A.", (1, 2)) == "A. [1][2]"
    assert cite.render("A.", ()) == "A."


# --- end to end through the pipeline ------------------------------------------------


class ScriptedAnswerer:
    """An 'LLM' that answers with sentences copied from the sources it is given, citing them
    with the numbers chosen by the test (plus whatever extra text the test appends)."""

    name = "scripted"

    def __init__(self, picks: list[tuple[int, list[int]]], extra: str = ""):
        self.picks, self.extra = picks, extra
        self.sources = None

    def stream(self, question, sources, history=()):
        self.sources = list(sources)
        parts = []
        for src, cites in self.picks:
            sent = max(sentences(sources[src - 1].chunk.text), key=len)
            parts.append(sent.rstrip(".") + " " + "".join(f"[{n}]" for n in cites) + ".")
        yield " ".join(parts) + self.extra


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), d / "nato.txt")
    for name in ("Normans", "Rhine"):
        shutil.copy(ARTICLES / f"{name}.txt", d / f"{name}.txt")
    return d


def make(tmp_path, corpus, answerer):
    # refusal_threshold=0: these tests are about citations, not about the refusal gate.
    s = Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0, k=5)
    pipe = build(s, scripted=answerer)
    pipe.ingest([corpus])
    return pipe


def markers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def test_pipeline_renumbers_citations_and_points_them_at_the_cited_chunks(tmp_path, corpus):
    fake = ScriptedAnswerer([(3, [3]), (1, [1])])
    pipe = make(tmp_path, corpus, fake)
    ans = pipe.ask("Who proposed the new 2030 strategic concept of NATO?", mode="scripted")
    assert not ans.refused
    assert len(fake.sources) >= 3
    # Source 3 was cited first, so it becomes [1]; source 1 becomes [2].
    assert [c.chunk_id for c in ans.citations] == [fake.sources[2].chunk.id, fake.sources[0].chunk.id]
    assert markers(ans.answer) == [1, 2]
    assert [s.cites for s in ans.sentences] == [(1,), (2,)]
    assert ans.removed_citations == ()


def test_pipeline_removes_hallucinated_numbers_and_records_it(tmp_path, corpus):
    fake = ScriptedAnswerer([(1, [1, 9])], extra=" Something else entirely [12].")
    pipe = make(tmp_path, corpus, fake)
    ans = pipe.ask("Who proposed the new 2030 strategic concept of NATO?", mode="scripted")
    assert sorted(ans.removed_citations) == [9, 12]
    assert any("match no source" in n for n in ans.notes)
    numbers = {c.n for c in ans.citations}
    assert markers(ans.answer) and set(markers(ans.answer)) <= numbers  # every [n] shown resolves
    assert "[9]" not in ans.answer and "[12]" not in ans.answer
    # The uncited, unsupported extra sentence is flagged and hidden, with a visible note.
    hidden = [s for s in ans.sentences if not s.shown]
    assert [s.text for s in hidden] == ["Something else entirely."] and not hidden[0].supported
    assert ans.removed_sentences == 1 and any("unsupported sentence" in n for n in ans.notes)
    assert "Something else" not in ans.answer


def test_to_dict_shape_is_stable(tmp_path, corpus):
    pipe = make(tmp_path, corpus, ScriptedAnswerer([(1, [1])]))
    d = pipe.ask("Who proposed the new 2030 strategic concept of NATO?").to_dict()
    assert {"question", "answer", "refused", "mode", "citations", "sentences", "timings_ms"} <= set(d)
    assert isinstance(d["answer"], str) and isinstance(d["refused"], bool) and d["mode"] == "extractive"
    c = d["citations"][0]
    assert {"n": int, "source": str, "chunk_id": str, "start": int, "end": int, "text": str, "score": float}.items() <= {
        k: type(v) for k, v in c.items()
    }.items()
    s = d["sentences"][0]
    assert isinstance(s["text"], str) and isinstance(s["cites"], list) and isinstance(s["supported"], bool) and isinstance(s["support"], float)
    assert {"retrieve", "generate", "verify", "total"} <= set(d["timings_ms"])


def test_a_sentence_the_model_repeats_is_shown_once(tmp_path, corpus):
    """Small local models loop ("... [1] ... [2] ... [1] ..."): the repeat is dropped, with a note."""
    fake = ScriptedAnswerer([(1, [1]), (2, [2]), (1, [1]), (1, [1])])
    pipe = make(tmp_path, corpus, fake)
    ans = pipe.ask("Who proposed the new 2030 strategic concept of NATO?", mode="scripted")
    assert not ans.refused
    texts = [s.text for s in ans.sentences]
    assert len(texts) == 2 == len(set(texts))
    assert markers(ans.answer) == [1, 2]
    assert any("removed 2 repeated sentences" in n for n in ans.notes)
    assert ans.removed_sentences == 0  # a repeat is not an unsupported sentence
