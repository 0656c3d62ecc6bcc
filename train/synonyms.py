"""Paraphrased questions for training: a content word the answer's sentence shares with the question is
replaced by a WordNet synonym the passage does not contain ("leaders met" -> "leaders gathered" in reverse).

    from train.synonyms import load, paraphrase
    syn = load()                      # {word: [synonyms]}, from WordNet 3.0's database files
    paraphrase(question, sentence, passage, syn, rng) -> str | None

Why: the span reader was trained on SQuAD, whose questions reuse the passage's words, and it refuses a
question that says "accord" where the passage says "treaty" (README, "The span reader"). These examples keep
the answer and change the wording, so that a word the passage lacks is not by itself a reason to refuse.
Numbers and capitalised names are never replaced: a changed one is what a no-answer example is made of
(train/reader.py perturb).

Data: the WordNet 3.0 database as Debian's `wordnet-base` installs it (/usr/share/wordnet; `apt-get install
wordnet-base`), read at training time only. WordNet 3.0 license (Princeton): use, copy, modify and distribute
for any purpose, with its notice. Nothing of WordNet ships in the repository.

Left out: word sense disambiguation (a word's first `senses` senses, WordNet's most frequent, are used as they
are, so some replacements are wrong-sense), inflection beyond regular -s, -ed and -ing forms, multi-word synonyms.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from rag.retrieval import STOPWORDS

WORDNET = Path("/usr/share/wordnet")
_WORD = re.compile(r"\b[a-z]{4,}\b")


def load(root: Path = WORDNET, senses: int = 1) -> dict[str, list[str]]:
    """{lower-case word: sorted single-word synonyms from its first `senses` senses}, in the part of speech
    where the word is most often sense-tagged ("company": the noun, not the verb "to company" = "companion").
    Synonyms with an irregular inflection ("have": "had") are left out, so that `synonyms_of` never writes "haved"."""
    if not (root / "index.noun").is_file():
        raise FileNotFoundError(f"WordNet database not found in {root}: `apt-get install wordnet-base`, or pass its folder")
    irregular = {f[1] for pos in ("noun", "verb", "adj") for f in map(str.split, (root / f"{pos}.exc").read_text(encoding="latin-1").splitlines()) if len(f) > 1}
    best: dict[str, tuple[int, set[str]]] = {}  # word -> (tagged count of its POS, synonyms)
    for pos in ("noun", "verb", "adj", "adv"):
        words_at: dict[str, list[str]] = {}
        for line in (root / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):  # the license header
                continue
            f = line.split()  # offset lex_filenum ss_type w_cnt(hex) (word lex_id)*w_cnt ...
            words_at[f[0]] = [re.sub(r"\(.*\)$", "", f[4 + 2 * i]) for i in range(int(f[3], 16))]
        for line in (root / f"index.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            f = line.split()  # lemma pos synset_cnt p_cnt ptr*p_cnt sense_cnt tagsense_cnt offset*synset_cnt
            lemma, tagged, offsets = f[0], int(f[4 + int(f[3]) + 1]), f[4 + int(f[3]) + 2 :]
            if not lemma.isalpha() or (lemma in best and best[lemma][0] >= tagged):
                continue
            syn = {w for off in offsets[:senses] for w in words_at.get(off, []) if w.isalpha() and w.islower() and w != lemma and w not in irregular}
            best[lemma] = (tagged, syn)
    return {w: sorted(s) for w, (_, s) in best.items() if s}


def _inflect(s: str, suffix: str) -> str:
    if suffix in ("ed", "ing") and s.endswith("e") and not s.endswith("ee"):
        return s[:-1] + suffix
    if suffix == "ed" and len(s) > 2 and s.endswith("y") and s[-2] not in "aeiou":
        return s[:-1] + "ied"
    return s + suffix


def synonyms_of(word: str, syn: dict[str, list[str]]) -> list[str]:
    """A word's synonyms, inflected as the word is when it is a regular plural, past or -ing form
    ("leaders", "awarded", "meeting"); irregular forms ("began") get none."""
    if word in syn:
        return syn[word]
    for suffix, stems in (("s", (word[:-1],)), ("ed", (word[:-2], word[:-1], word[:-3], word[:-3] + "y")), ("ing", (word[:-3], word[:-3] + "e", word[:-4]))):
        if word.endswith(suffix):
            for stem in stems:
                if len(stem) >= 3 and stem in syn and _inflect(stem, suffix) == word:
                    return [_inflect(s, suffix) for s in syn[stem] if not s.endswith(("s", "ed", "ing"))]
    return []


def paraphrase(question: str, sentence: str, passage: str, syn: dict[str, list[str]], rng: random.Random) -> str | None:
    """The question with one lower-case content word that `sentence` also holds replaced by a synonym that
    `passage` does not hold; None when no word qualifies."""
    low_sentence, low_passage = sentence.lower(), passage.lower()
    held = set(_WORD.findall(low_sentence))
    cands = []
    for m in _WORD.finditer(question):  # lower-case words only: names stay
        w = m.group()
        if w in STOPWORDS or w not in held:
            continue
        options = [s for s in synonyms_of(w, syn) if not re.search(rf"\b{s}\b", low_passage)]
        if options:
            cands.append((m, options))
    if not cands:
        return None
    m, options = rng.choice(cands)
    return question[: m.start()] + rng.choice(options) + question[m.end() :]
