"""How `rag ask` lists an answer's citations: where each quoted sentence is, and which two citations are one passage."""

from __future__ import annotations

from rag.types import Answer, Citation, Sentence


def test_two_citations_of_one_passage_say_so_and_where_each_quote_is(capsys):
    """Trial 2026-12-06 (fontconfig-user.pdf): two sentences quoted from one passage under two headings got two
    citations, both printed as "(chars 30052-30950, ...)", which read as two sources. Each line now gives its quote's
    characters, and the second names the citation whose passage it shares."""
    from rag.cli import _print_answer

    text = "x" * 898
    files = Citation(n=1, source="fontconfig-user.pdf", chunk_id="c1", start=30052, end=30950, text=text, score=0.78, page=12,
                     section="Files", highlights=((30159, 30454),))
    env = Citation(n=2, source="fontconfig-user.pdf", chunk_id="c1", start=30052, end=30950, text=text, score=0.78, page=13,
                   section="Environment variables", highlights=((30809, 30876),))
    other = Citation(n=3, source="b.md", chunk_id="c2", start=0, end=40, text="y" * 40, score=0.5)
    ans = Answer(question="q", answer="A. [1] B. [2] C. [3]", refused=False, mode="extractive", citations=(files, env, other),
                 sentences=tuple(Sentence(text=t, cites=(n,), supported=True, support=1.0) for t, n in (("A.", 1), ("B.", 2), ("C.", 3))))
    _print_answer(ans)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  [")]
    assert "Files (quoted at chars 30159-30454 of passage 30052-30950, score 0.78)" in lines[0]
    assert "Environment variables (quoted at chars 30809-30876 of passage 30052-30950, same passage as [1], score 0.78)" in lines[1]
    assert lines[2].endswith("b.md (chars 0-40, score 0.50)")  # nothing quoted located: the passage's own span
