"""The answer phrase the span reader finds inside a quoted sentence (Sentence.key, Answer.short_answer): decoded
with the span's end, carried from ranking to the Answer only above Settings.key_phrase_margin, and shown bold in
the CLI and the UI without changing the answer's text."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.console import Console

from rag import pipeline as P
from rag.answer import rank_sentences
from rag.embeddings import HashEmbedder
from rag.reader import LexicalSpanReader, PassageRead, SpanReader
from rag.settings import Settings
from rag.types import Chunk, ScoredChunk
from tests.unit.test_span_reader_use import window

TEXT = "The treaty was signed in 1987 by two leaders after long talks. The US abandoned the treaty in 2019 after a dispute."


class YearReader(LexicalSpanReader):
    """Deterministic PassageReader fake: the answer span is the passage's last four-digit year, margin 6."""

    name = "year-span"

    def read(self, question, passages):
        out = []
        for text in passages:
            years = list(re.finditer(r"\b\d{4}\b", text))
            offsets = np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", text)], dtype=np.int64)
            best = np.full(len(offsets), -4.0, dtype=np.float32)
            ends = offsets[:, 1].copy()
            if years:
                y = years[-1]
                i = int(np.flatnonzero(offsets[:, 0] == y.start())[0])
                best[i] = 6.0
            b = int(best.argmax())
            out.append(PassageRead(0.0, float(best[b]), int(offsets[b, 0]), int(ends[b]), offsets, best, ends))
        return out


def hits(*texts):
    return [ScoredChunk(Chunk(f"c{i}", "a.txt", "/r", "a", 0, len(t), t, "x", len(texts)), 1.0 / (i + 1), dense=0.5) for i, t in enumerate(texts)]


def test_span_within_gives_the_best_span_that_starts_and_ends_in_the_range():
    r = SpanReader._merge([window(3, 10, {2: 4.0, 7: 2.0}, {4: 3.0, 8: 2.5}, null=(1.0, 1.0))])
    assert r.span_within(0, 100) == pytest.approx((5.0, 20, 49))  # tokens 2..4
    margin, s, e = r.span_within(60, 100)  # the span starting at token 7 ends at token 8
    assert (s, e) == (70, 89) and margin == pytest.approx(4.5 - 2.0)
    assert r.span_within(20, 40) is None  # the spans starting there run past it: never one cut short
    assert r.span_within(500, 600) is None


def test_or_better_keeps_the_end_of_the_reading_that_wins():
    a = SpanReader._merge([window(2, 6, {0: 3.0}, {0: 3.0}, null=(1.0, 1.0))])
    b = SpanReader._merge([window(5, 6, {2: 6.0}, {3: 6.0}, null=(0.0, 0.0))])  # token 2 -> 3: chars 20..39
    m = a.or_better(b)
    assert m.span_within(20, 60)[1:] == (20, 39)
    assert m.span_within(0, 10)[1:] == (0, 9)


def test_a_read_without_ends_gives_no_key():
    r = PassageRead(0.0, 1.0, 0, 5, np.array([[0, 5]]), np.array([1.0], dtype=np.float32))
    assert r.span_within(0, 10) is None and r.within(0, 10) == pytest.approx(1.0)


def test_ranking_carries_the_key_span_in_chunk_offsets():
    ranked = rank_sentences("When did the US abandon the treaty?", None, hits(TEXT), HashEmbedder(), span=YearReader())
    best = next(c for c in ranked if "abandoned" in c.text)
    s, e, margin = best.key
    assert TEXT[s:e] == "2019" and margin == pytest.approx(6.0)


def year_pipe(tmp_path, **kw):
    """A pipeline over TEXT alone, read by YearReader, with these settings."""
    p = P.build(Settings(data_dir=tmp_path, embedder="hash", reader="span", **kw), span=YearReader())
    doc = tmp_path / "docs" / "inf.txt"
    doc.parent.mkdir(exist_ok=True)
    doc.write_text(TEXT)
    p.ingest([doc.parent])
    return p


@pytest.fixture
def pipe(tmp_path):
    return lambda **kw: year_pipe(tmp_path, **kw)


def test_the_answer_marks_the_phrase_and_keeps_its_text(pipe):
    p = pipe(key_phrase_margin=0.0, refusal_threshold=0.0)
    ans = p.ask("When did the US abandon the treaty?", mode="extractive")
    assert not ans.refused and ans.short_answer in ("2019", "1987")
    keyed = [s for s in ans.sentences if s.key]
    assert keyed and all(s.key in s.text for s in keyed)
    assert "**" not in ans.answer and "<strong" not in ans.answer  # the text stays the quote
    d = ans.to_dict()
    assert d["short_answer"] == ans.short_answer and d["short_answer_margin"] == pytest.approx(6.0)
    assert [s["key"] for s in d["sentences"]] == [s.key for s in ans.sentences]
    # The source card knows where each phrase sits: inside a highlighted sentence, in document offsets.
    c = ans.citations[0]
    assert c.keys and all(any(a <= s and e <= b for a, b in c.highlights) for s, e in c.keys)
    assert {c.text[s - c.start : e - c.start] for s, e in c.keys} <= {"2019", "1987"} and d["citations"][0]["keys"] == [list(k) for k in c.keys]


def test_no_key_below_the_margin_or_when_switched_off(pipe):
    for margin in (7.0, None):
        ans = pipe(key_phrase_margin=margin, refusal_threshold=0.0).ask("When did the US abandon the treaty?", mode="extractive")
        assert not ans.refused and ans.short_answer == "" and ans.short_answer_margin is None
        assert all(s.key == "" for s in ans.sentences)


def test_the_cli_prints_the_phrase_bold_and_the_same_words():
    from rag.cli import _marked
    from rag.types import Answer, Sentence

    s = Sentence("The US abandoned the treaty in 2019 after a dispute.", (1,), True, 1.0, key="2019")
    ans = Answer("q", "The US abandoned the treaty in 2019 after a dispute. [1]", False, "extractive", sentences=(s,), short_answer="2019")
    text = _marked(ans)
    assert text.plain == ans.answer
    console = Console(record=True, force_terminal=True, color_system="standard", width=200)
    console.print(text)
    assert "\x1b[1m2019" in console.export_text(styles=True)
    odd = Answer("q", "something else [1]", False, "extractive", sentences=(s,))
    assert _marked(odd).plain == "something else [1]"  # never prints other words than the answer's


def test_the_source_card_bolds_the_phrase_inside_its_highlight():
    from ui.render import highlighted

    text = "Intro <x>. The US left it in 2019 after talks. Then 2019 again."
    s = text.index("The US")
    e = text.index(" Then")
    k = text.index("2019")
    html = highlighted(text, 100, [(100 + s, 100 + e)], [(100 + k, 100 + k + 4), (100 + text.rindex("2019"), 100 + len(text) - 7)])
    assert html == ('Intro &lt;x&gt;. <mark class="rag-hl">The US left it in <strong class="rag-key">2019</strong> after talks.</mark>'
                    " Then 2019 again.")  # a key outside every highlight is not bolded
    assert highlighted(text, 100, [(100 + s, 100 + e)]) == highlighted(text, 100, [(100 + s, 100 + e)], [])


def test_the_ui_wraps_the_first_occurrence_escaped():
    from ui.render import answer_html, with_key

    assert with_key("a <b> 2019 and 2019", "2019") == 'a &lt;b&gt; <strong class="rag-key">2019</strong> and 2019'
    assert with_key("no phrase here", "") == "no phrase here" and with_key("x", "y") == "x"
    turn = {"id": "t1", "answer": {"refused": False, "answer": "x", "citations": [{"n": 1, "source": "a.txt"}],
                                   "sentences": [{"text": "It ended in 2019.", "cites": [1], "supported": True, "shown": True, "key": "2019"}]}}
    assert '<strong class="rag-key">2019</strong>' in answer_html(turn)


@pytest.mark.parametrize("raw, want", [
    ("(2019),", "2019"), ("If-None-Match.", "If-None-Match"), ("end.)", "end"), ("[x", "x"), ('"quoted', "quoted"),
    ("(a) and (b)", "(a) and (b)"), ('"core" treaties', '"core" treaties'),
])
def test_a_phrase_loses_closing_punctuation_and_unpaired_brackets(raw, want):
    from rag.answer import _trimmed

    s, e = _trimmed(raw, 0, len(raw))
    assert raw[s:e] == want


class CutReader(YearReader):
    """Reads like the real reader cutting a word at a wordpiece: the span is "If-None" of "If-None-Match."."""

    def read(self, question, passages):
        out = []
        for text in passages:
            s = text.find("If-None")
            offsets = np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", text)], dtype=np.int64)
            best = np.where(offsets[:, 0] == s, 5.0, -4.0).astype(np.float32)
            ends = np.where(offsets[:, 0] == s, s + len("If-None"), offsets[:, 1])
            out.append(PassageRead(0.0, 5.0, s, s + 7, offsets, best, ends))
        return out


def test_a_phrase_is_widened_to_whole_words_and_never_spans_table_cells():
    text = "The cache revalidates with If-None-Match. Nothing else is sent with the request here."
    ranked = rank_sentences("Which header does the cache send?", None, hits(text), HashEmbedder(), span=CutReader())
    best = next(c for c in ranked if "revalidates" in c.text)
    assert text[best.key[0] : best.key[1]] == "If-None-Match"
    from rag.answer import _key_span

    row = "release 1987 | signed | two leaders"
    offsets = np.array([(m.start(), m.end()) for m in re.finditer(r"\S+", row)], dtype=np.int64)
    across = PassageRead(0.0, 5.0, 8, 21, offsets, np.array([-4, 5, -4, -4, -4, -4, -4], dtype=np.float32), offsets[:, 1].copy())
    across.best_end[1] = 21  # "1987 | signed"
    assert _key_span(across, 0, len(row), (row, lambda x: x), row) is None
    inside = PassageRead(0.0, 5.0, 8, 12, offsets, across.best_from, offsets[:, 1].copy())
    assert _key_span(inside, 0, len(row), (row, lambda x: x), row) == (8, 12, 5.0)


def test_the_margin_setting_reads_off_and_rejects_nonsense(monkeypatch):
    from pydantic import ValidationError

    from rag.settings import KEY_PHRASE_MARGIN

    assert Settings().key_phrase_margin == KEY_PHRASE_MARGIN
    for off in ("off", "None", ""):
        monkeypatch.setenv("RAG_KEY_PHRASE_MARGIN", off)
        assert Settings().key_phrase_margin is None
    monkeypatch.setenv("RAG_KEY_PHRASE_MARGIN", "2.5")
    assert Settings().key_phrase_margin == 2.5
    monkeypatch.setenv("RAG_KEY_PHRASE_MARGIN", "bold")
    with pytest.raises(ValidationError):
        Settings()


def test_the_api_gives_the_phrase_beside_the_answer(pipe, free_port):
    import httpx

    from tests.unit.test_server import LiveServer

    p = pipe(key_phrase_margin=0.0, refusal_threshold=0.0)
    srv = LiveServer(p, free_port())
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            body = c.post("/v1/chat/completions", json={"model": "rag", "messages": [{"role": "user", "content": "When did the US abandon the treaty?"}]}).json()
            asked = c.post("/v1/ask", json={"question": "When did the US abandon the treaty?"}).json()
    finally:
        srv.close()
    assert body["short_answer"] in ("2019", "1987") and "**" not in body["choices"][0]["message"]["content"]
    assert asked["short_answer"] == body["short_answer"] and any(s["key"] for s in asked["sentences"])
