"""A refusal shows what was closest: the nearest passages travel with a refused Answer
(`closest`), and the JSON, the CLI's text output and the UI's sources panel all show them."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from rag.pipeline import build
from rag.settings import Settings
from ui import render

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "Who proposed the 2030 strategic concept?"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("closest")
    docs = tmp / "docs"
    shutil.copytree(SEEDS, docs)
    build(Settings(data_dir=tmp / "data", embedder="hash", mode="extractive")).ingest([docs])
    return tmp


def _pipe(index, threshold: float):
    return build(Settings(data_dir=index / "data", embedder="hash", mode="extractive", refusal_threshold=threshold))


def test_a_refusal_carries_the_nearest_passages_as_exact_document_slices(index):
    ans = _pipe(index, 1.01).ask(QUESTION)  # P(answerable) is never above 1: always refused
    assert ans.refused and ans.citations == ()
    assert 1 <= len(ans.closest) <= 3
    doc = (SEEDS / "000_e7591c0407e77bf5.txt").read_text(encoding="utf-8")
    for c in ans.closest:
        assert c.source == "000_e7591c0407e77bf5.txt" and doc[c.start : c.end] == c.text
    hits = _pipe(index, 1.01).retrieve(QUESTION)
    assert [c.text for c in ans.closest] == [h.chunk.text for h in hits[: len(ans.closest)]]  # retrieval order
    d = ans.to_dict()
    assert isinstance(d["closest"], list) and set(d["closest"][0]) >= {"source", "page", "start", "end", "text", "score"}
    json.dumps(d)  # serialisable as is


def test_an_answer_has_no_closest_and_the_count_is_a_setting(index):
    ans = _pipe(index, 0.0).ask(QUESTION)
    assert not ans.refused and ans.closest == () and ans.to_dict()["closest"] == []
    one = build(Settings(data_dir=index / "data", embedder="hash", mode="extractive", refusal_threshold=1.01, closest_passages=1)).ask(QUESTION)
    assert len(one.closest) == 1


def _cli(monkeypatch, capsys, index, *args):
    from rag.cli import main

    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_MODE", "extractive")
    monkeypatch.setenv("RAG_DATA_DIR", str(index / "data"))
    monkeypatch.setenv("RAG_REFUSAL_THRESHOLD", "1.01")
    monkeypatch.setattr(sys, "argv", ["rag", *args])
    code = 0
    try:
        main()
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().out


def test_cli_text_and_json_show_the_closest_passages(monkeypatch, capsys, index):
    code, out = _cli(monkeypatch, capsys, index, "ask", QUESTION)
    assert code in (0, None), out
    lines = out.splitlines()
    at = lines.index("  Closest passages, none of which answers this:")
    shown = [ln for ln in lines[at + 1 :] if ln.startswith("  - ")]
    assert 1 <= len(shown) <= 3 and all(ln.startswith("  - 000_e7591c0407e77bf5.txt") and " chars " in ln and "(score " in ln for ln in shown)
    assert any("· No Return to 'Business as Usual' With Russia chars" in ln for ln in shown)  # a plain-text heading names the section
    code, out = _cli(monkeypatch, capsys, index, "ask", QUESTION, "--json")
    d = json.loads(out)
    assert d["refused"] and 1 <= len(d["closest"]) <= 3 and d["closest"][0]["text"]


def test_ui_sources_panel_lists_the_closest_passages_escaped():
    closest = [
        {"source": "a.txt", "start": 0, "end": 20, "text": "Near <b>miss</b> one.", "score": 0.41, "page": None, "title": ""},
        {"source": "b.pdf", "start": 5, "end": 30, "text": "Another near miss.", "score": 0.33, "page": 2, "title": "B"},
    ]
    ans = {"question": "q", "answer": "I couldn't find this in the documents.", "refused": True, "mode": "extractive",
           "citations": [], "sentences": [], "timings_ms": {}, "notes": [], "closest": closest}
    html = render.sources_html([{"id": "t1", "question": "q", "answer": ans}])
    assert "Closest passages, none of which answers this:" in html
    assert html.count('class="rag-src-card rag-closest"') == 2
    assert "Near &lt;b&gt;miss&lt;/b&gt; one." in html and "<b>miss" not in html
    assert re.search(r"(?:page|p\.) 2\b", html) and "relevance 0.41" in html
    refused_without = render.sources_html([{"id": "t2", "question": "q", "answer": dict(ans, closest=[])}])
    assert "No passage was cited: the answer was refused." in refused_without


def test_passages_far_from_the_question_are_not_shown(index):
    """QA stop 48: refusals listed unrelated passages at cosine 0.01-0.09. Below `closest_min_score` none is shown."""
    q = "Who won the 2018 FIFA World Cup?"
    hits = _pipe(index, 1.01).retrieve(q)
    cut = sorted(h.dense for h in hits)[len(hits) // 2]  # a floor between the retrieved passages' cosines
    ans = build(Settings(data_dir=index / "data", embedder="hash", mode="extractive", refusal_threshold=1.01, closest_min_score=cut)).ask(q)
    assert ans.refused and ans.closest and all(c.score >= cut for c in ans.closest)
    assert [c.text for c in ans.closest] == [h.chunk.text for h in hits if h.dense >= cut][:3]  # the nearest of those left, in order
    none = build(Settings(data_dir=index / "data", embedder="hash", mode="extractive", refusal_threshold=1.01, closest_min_score=1.0)).ask(q)
    assert none.refused and none.closest == () and none.to_dict()["closest"] == []
