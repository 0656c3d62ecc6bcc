"""The deterministic checker's verdicts on hand-made cases, with and without an embedder.

The same cases hold for the learned reader checker (the answer-time checker when the reader is
installed; skipped otherwise). The passages are the seed article's paragraphs; each claim is a copy, a faithful
paraphrase, or a copy with one fact changed (a number, a name, a negation).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embeddings import HashEmbedder
from rag.verify import HeuristicChecker

SEED = next((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt")).read_text()
PASSAGES = [p for p in SEED.split("\n\n") if p.strip()]
COPY = "Members of NATO have adopted a new 2030 strategic concept that was proposed by Secretary General Jens Stoltenberg."

SUPPORTED = {
    "copied sentence": COPY,
    "copied sentence, other paragraph": "They named Russia and China among the main causes of their concerns.",
    "paraphrase": "NATO members adopted the 2030 strategic concept, which Jens Stoltenberg proposed.",
}
UNSUPPORTED = {
    "changed number": COPY.replace("2030", "2040"),
    "changed count": "Representatives of all 35 members of the bloc have gathered in Brussels on 14 June.",
    "dropped negation": "The member states agreed to return to the pre-2014 relations with the Kremlin.",
    "added negation": "Members of NATO have not adopted a new 2030 strategic concept.",
    "invented name": COPY.replace("Jens Stoltenberg", "Anders Rasmussen"),
    "swapped country": "They named Russia and Iran among the main causes of their concerns.",
    "unrelated claim": "The alliance will double its defence budget to 3% of GDP by 2025.",
}


def _reader_checker():
    """The answer-time checker when the reader is installed: the learned judge over the reader's
    P(supported) and the explicit novel-number/name/negation features (train/judge.py --reader)."""
    from rag.pipeline import answer_checker, shipped_reader
    from rag.settings import Settings
    from rag.verify import LearnedChecker

    s = Settings(reader="auto")
    reader = shipped_reader(s)
    if reader is None:
        pytest.skip("the reader is not installed (rag/models/reader.safetensors + rag/refusal_reader_model.json)")
    chk = answer_checker(s, None, reader)
    if not isinstance(chk, LearnedChecker):
        pytest.skip("no reader checker fitted (rag/checker_reader_model.json)")
    return chk


@pytest.fixture(params=[None, "hash", "reader"], ids=["lexical", "with-embedder", "reader"])
def checker(request):
    if request.param == "reader":
        return _reader_checker()
    return HeuristicChecker(0.5, embedder=HashEmbedder() if request.param else None)


@pytest.mark.parametrize("case", SUPPORTED)
def test_supported(checker, case):
    v = checker.check(SUPPORTED[case], PASSAGES)
    assert v.supported and checker.threshold <= v.support <= 1.0, (case, v)


@pytest.mark.parametrize("case", UNSUPPORTED)
def test_unsupported(checker, case):
    v = checker.check(UNSUPPORTED[case], PASSAGES)
    assert not v.supported and 0.0 <= v.support < checker.threshold, (case, v)


def test_copy_is_fully_supported_and_says_why(checker):
    v = checker.check(COPY, PASSAGES)
    assert v.support == 1.0 and v.reason == "quoted verbatim"


@pytest.mark.parametrize(
    "case, reason",
    [("changed number", "number not in source"), ("invented name", "name not in source"), ("dropped negation", "negation differs")],
)
def test_reason_names_the_problem(checker, case, reason):
    assert reason in checker.check(UNSUPPORTED[case], PASSAGES).reason


def test_only_the_cited_passage_counts(checker):
    # Supported by the paragraph that holds it, not by an unrelated one.
    nato = [p for p in PASSAGES if "Stoltenberg" in p]
    other = [p for p in PASSAGES if "INF Treaty" in p]
    assert checker.check(COPY, nato).supported
    assert not checker.check(COPY, other).supported


def test_no_passage_is_unsupported(checker):
    v = checker.check(COPY, [])
    assert not v.supported and v.support == 0.0
