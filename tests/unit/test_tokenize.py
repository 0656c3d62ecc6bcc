"""Words for BM25 and the lexical features (rag.retrieval.tokenize): any script, accents folded; ASCII split
exactly as before; an index built by the earlier word splitter is rebuilt from the store, once."""

from __future__ import annotations

import random
import re
import string

from rag.pipeline import build
from rag.retrieval import STOPWORDS, TOKENIZER, tokenize
from rag.settings import Settings

_OLD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")  # TOKENIZER 1


def _old(text: str) -> list[str]:
    return [t for t in _OLD.findall(text.lower()) if t not in STOPWORDS]


def test_words_in_any_script_with_accents_folded():
    assert tokenize("Which time zone applies in Büsingen?") == ["time", "zone", "applies", "busingen"]
    assert tokenize("Zürich") == tokenize("Zurich") == ["zurich"], "not 'z' + 'rich'"
    assert "rich" not in tokenize("Zürich")
    assert tokenize("Москва и Αθήνα") == ["москва", "и", "αθηνα"], "Cyrillic and Greek have words (accents folded)"
    assert tokenize("the ﬁle") == ["file"], "a ligature is two letters"
    assert tokenize("שָׁלוֹם") == ["שלום"] and len(tokenize("हिन्दी भाषा")) == 2, "marks inside a word do not split it"
    assert tokenize("don’t stop, git's refs") == ["don’t", "stop", "git's", "refs"]


def test_ascii_text_splits_exactly_as_before():
    rnd = random.Random(0)
    alphabet = string.ascii_letters + string.digits + " _-'.,;:/()[]#@$%&*+=\n\t\"'"
    samples = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80))) for _ in range(2000)]
    samples += ["x'1f foo_bar O'Neill's 'quoted' 90's rock'n'roll", "SQLITE_TEMP_STORE = 2", "e.g. U.S.A. v1.2.3-rc1"]
    for s in samples:
        assert tokenize(s) == _old(s), s


def test_an_index_built_by_the_old_splitter_is_rebuilt_once(tmp_path, caplog):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zones.txt").write_text("Büsingen am Hochrhein keeps the time of Zürich.\n")
    (docs / "other.txt").write_text("A rich harbour town keeps its own time.\n")
    settings = Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive")
    pipe = build(settings)
    pipe.ingest([docs])
    ix = pipe.store.lexical
    assert ix.snapshot().meta["tokenizer"] == TOKENIZER  # a new index says how its words were split
    # What an index written by TOKENIZER 1 holds: 'b' + 'singen', 'z' + 'rich', and no version.
    chunks = pipe.store.get_chunks(list(pipe.store.ids()))
    from rag.store import doc_key

    ix.clear()
    ix.add([c.id for c in chunks], [doc_key(c.root, c.source) for c in chunks], [_old(c.text) for c in chunks])
    assert "tokenizer" not in ix.snapshot().meta

    fresh = build(settings)  # the next process
    with caplog.at_level("WARNING"):
        hits = fresh.retriever.sparse.retrieve("Busingen", 2)
    assert [h.chunk.source for h in hits] == ["zones.txt"], "found by the folded word after the rebuild"
    assert "older word splitter" in caplog.text
    assert fresh.store.lexical.snapshot().meta["tokenizer"] == TOKENIZER and fresh.store.lexical.live == len(chunks)
    caplog.clear()
    with caplog.at_level("WARNING"):
        hits = build(settings).retriever.sparse.retrieve("rich", 2)
    assert [h.chunk.source for h in hits] == ["other.txt"], "Zürich is not 'rich'"
    assert "older word splitter" not in caplog.text, "once"


def test_a_one_letter_option_keeps_its_case(tmp_path):
    """zsh's "-N file" is not "-n string": lowercased, both are the word "n" (trial D9: "-N" retrieved "-n" entries)."""
    from rag.retrieval import index_terms

    assert index_terms("-N file: true if file exists") == ["n", "file", "true", "file", "exists", "-N"]
    assert index_terms("git clean -x, not -X") == ["git", "clean", "x", "not", "x", "-x", "-X"]
    assert index_terms("%M is minutes, %m the month") == ["m", "minutes", "m", "month", "%M", "%m"]
    assert index_terms("a well-known co-op, x-y, 50%a and --long") == tokenize("a well-known co-op, x-y, 50%a and --long"), "not inside words"
    docs = tmp_path / "docs"
    docs.mkdir()
    entries = {  # the -n entries outnumber and outweigh -N's on the plain word "n"
        "a.txt": "-n string: true if length of string is non-zero. Use -n to test a string, as in [[ -n $var ]].",
        "b.txt": "The glob qualifier (#qN) sets the NULL_GLOB option: n for null, as -n is for non-empty strings.",
        "c.txt": "-N file: true if file exists and its access time is not newer than its modification time.",
        "d.txt": "-n name: the n option names a test. An n here and an n there make n tests.",
    }
    for name, text in entries.items():
        (docs / name).write_text(text + "\n")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive"))
    pipe.ingest([docs])
    assert pipe.retriever.sparse.retrieve("What does the -N condition test?", 1)[0].chunk.source == "c.txt"
    assert pipe.retriever.sparse.retrieve("What does -n test?", 1)[0].chunk.source in {"a.txt", "d.txt"}
