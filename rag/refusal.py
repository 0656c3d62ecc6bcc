"""Refusal: estimate P(the sources answer the question) and refuse below a threshold.

A threshold on the top retrieval score alone barely separates answerable from
unanswerable questions (AUC ~0.65 on SQuAD 2.0), so the estimate combines several
signals computed from what retrieval and sentence ranking already produced:
how well the best *sentence* matches (cosine, key-term coverage), how much of the
question appears nowhere in the retrieved passages, whether a sentence holds the
kind of answer asked for (a number for "how many", a name for "who").
A negation in the question separates SQuAD 2.0's adversarial questions well (AUC 0.55
alone, the largest weight when included) but refused real questions like "What did they
agree not to do?", so it is left out: it fits the dataset's trick, not answerability. The weights are a logistic regression fitted by
`train/refusal.py` on SQuAD 2.0 dev (half the articles) and stored in
`refusal_model.json`; hand-set defaults are used when the file is absent.
With the reader (rag/reader.py, a cross-encoder trained here) the model also sees the
reader's P(a shortlisted sentence answers the question) (`READER_FEATURES`); that model is
fitted by `train/refusal.py --reader` and stored in `refusal_reader_model.json`, with its
threshold. Verification adds a second gate in pipeline.py: an answer with no supported
sentence is refused too.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from rag.answer import Candidate, question_type
from rag.blocks import reader_view
from rag.text import STOPWORDS, key_terms, numbers, sentence_spans
from rag.types import ScoredChunk

MODEL_PATH = Path(__file__).with_name("refusal_model.json")
# The model used with the reader (rag/reader.py): fitted by `train/refusal.py --reader`.
READER_MODEL_PATH = Path(__file__).with_name("refusal_reader_model.json")
# The model used with the span reader: fitted by `train/refusal.py --span`.
SPAN_MODEL_PATH = Path(__file__).with_name("refusal_span_model.json")
FEATURES = (
    "top_dense",  # best chunk cosine
    "best_cos",  # best sentence cosine to the question
    "best_lex",  # best sentence coverage of the question's key terms (IDF-weighted)
    "best_ctx",  # ... counting the sentence before it too
    "best_both",  # best (cosine + coverage) / 2 of one sentence
    "margin",  # best cosine minus the runner-up's
    "q_missing",  # share of the question's key terms found in no retrieved passage
    "q_missing_top",  # ... not in the top passage
    "typed",  # the question asks for a number/date/person/place
    "type_hit",  # ... and one of the 3 best sentences holds one
    "q_terms",  # log(1 + number of key terms)
)
# Computed when the ranked sentences carry the reader's P(answers) (rag.answer.rank_sentences(reader=...)).
READER_FEATURES = (
    "reader_max",  # the reader's best P(this sentence answers the question) over the shortlist
    "reader_logit",  # ... as a logit (clipped), so a logistic regression can use it linearly
    "reader_gap",  # best minus second best
    "reader_top3",  # mean of the 3 best
)

# Computed when the ranked sentences carry the span reader's score (rank_sentences(span=...)): a logit
# difference, best answer span minus "no answer".
SPAN_FEATURES = (
    "span_max",  # the best sentence's span score over all sources
    "span_top1",  # ... over the sentences of the top-ranked source
    "span_pos",  # share of the sources holding a span that beats "no answer"
)
# Of the sentence holding the best span (span_sentence_features): candidates measured in evals/results/refusal_span_sentence.md,
# not shipped, so computed only where training rows are collected (train/refusal.py row_features), never at answer time.
SPAN_SENTENCE_FEATURES = (
    "span_lex",  # its key-term coverage (best_lex's measure)
    "span_ctx",  # ... counting the sentence before it (best_ctx's)
    "span_type_miss",  # the question asks for a number/date/person/place and it holds none
    "lex_span",  # the span score of the sentence that covers the question best
)
# The reader model's inputs: the reader signals and the retrieval/lexical ones. The cosine features are
# left out because with the reader the shortlist is not embedded (answer-time latency).
READER_MODEL_FEATURES = ("top_dense", "best_lex", "best_ctx", "q_missing", "q_missing_top", "typed", "type_hit", "q_terms") + READER_FEATURES
SPAN_MODEL_FEATURES = ("top_dense", "best_lex", "best_ctx", "q_missing", "q_missing_top", "typed", "type_hit", "q_terms") + SPAN_FEATURES


def _logit(p: float, eps: float = 1e-4) -> float:
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def span_features(by_src: dict[int, float]) -> dict[str, float]:
    """`span_max`, `span_top1`, `span_pos` from each source's best span score (source rank -> score)."""
    return {"span_max": max(by_src.values()), "span_top1": by_src.get(1, min(by_src.values())),
            "span_pos": sum(v > 0 for v in by_src.values()) / len(by_src)}


def span_sentence_features(ranked: Sequence[Candidate], typed: bool) -> dict[str, float]:
    """Does the sentence the span reader answers from cover the question? (`SPAN_SENTENCE_FEATURES`)"""
    f = [dict(c.features) for c in ranked]
    at = max(range(len(ranked)), key=lambda i: f[i].get("span", float("-inf")))
    lex = max(range(len(ranked)), key=lambda i: ranked[i].lexical)
    return {"span_lex": ranked[at].lexical, "span_ctx": f[at].get("ctx", ranked[at].lexical),
            "span_type_miss": float(typed and f[at].get("type", 0.0) <= 0), "lex_span": f[lex].get("span", 0.0)}


def refusal_features(question: str, hits: Sequence[ScoredChunk], ranked: Sequence[Candidate]) -> dict[str, float]:
    """Signals of answerability. They avoid the answerer's tuned sentence score on purpose,
    so re-tuning the sentence ranking doesn't silently invalidate the calibrated model."""
    dense = [h.dense for h in hits if h.dense is not None]
    cos = sorted((c.cosine for c in ranked), reverse=True)
    both = sorted(ranked, key=lambda c: -(c.cosine + c.lexical))
    q_terms = key_terms(question)
    top_terms = set(key_terms(reader_view(hits[0].chunk)[0])) if hits else set()  # a table row counts its column names
    all_terms = top_terms.union(*(key_terms(reader_view(h.chunk)[0]) for h in hits[1:])) if hits else set()
    nq = len(q_terms) or 1
    typed = question_type(question) is not None
    read = sorted((dict(c.features)["reader"] for c in ranked if "reader" in dict(c.features)), reverse=True)
    extra = {}
    if read:
        extra = {"reader_max": read[0], "reader_logit": _logit(read[0]), "reader_gap": read[0] - (read[1] if len(read) > 1 else 0.0),
                 "reader_top3": sum(read[:3]) / len(read[:3])}
    spans = [(c.source, dict(c.features)["span"]) for c in ranked if "span" in dict(c.features)]
    if spans:
        by_src: dict[int, float] = {}
        for src, v in spans:
            by_src[src] = max(v, by_src.get(src, v))
        extra |= span_features(by_src)
    return extra | {
        "top_dense": max(dense) if dense else 0.0,
        "best_cos": cos[0] if cos else 0.0,
        "best_lex": max((c.lexical for c in ranked), default=0.0),
        "best_ctx": max((dict(c.features).get("ctx", c.lexical) for c in ranked), default=0.0),
        "best_both": (both[0].cosine + both[0].lexical) / 2 if both else 0.0,
        "margin": cos[0] - cos[1] if len(cos) > 1 else (cos[0] if cos else 0.0),
        "q_missing": sum(t not in all_terms for t in q_terms) / nq,
        "q_missing_top": sum(t not in top_terms for t in q_terms) / nq,
        "typed": float(typed),
        "type_hit": float(typed and any(dict(c.features).get("type", 0.0) > 0 for c in both[:3])),
        "q_terms": math.log1p(len(q_terms)),
    }


# A number as a constraint: 2022, 1,000, 3.11; not a decade or an ordinal (1700s, 1990's, 20th, 3rd).
_EXACT_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)*(?![\w'’])")


def unmet_numbers(question: str, hits: Sequence[ScoredChunk]) -> list[str]:
    """The numbers of the question (a year, a count, a version) that no retrieved passage contains.

    A question about "2022" can't be answered from passages that never say 2022, however close
    their topic: the constraint-failure RGB's negative passages show (the right prize, another
    year). The refusal model can't learn this from SQuAD 2.0, whose unanswerable questions rarely
    change a number, so it is a rule. On SQuAD 2.0 dev's fitting articles it refused 0 of 279
    answerable questions and 10 of 326 unanswerable ones (evals/results/refusal_features.md).
    "3" counts as found in "3.11" (a version's major number). Decades and ordinals ("the 1700s",
    "20th Century Fox", "the 3rd ruler") are not exact numbers and are left to the model: a text
    says "1685" or "third" for them."""
    asked = {m.group().replace(",", "") for m in _EXACT_NUMBER.finditer(question) if not _in_expression(question, m.start(), m.end())}
    if not asked:
        return []
    found: set[str] = set()
    bounds: list[tuple[str, tuple[int, ...]]] = []
    for h in hits:
        text = reader_view(h.chunk)[0]  # a table row read with its column names
        for n in numbers(text):
            parts = n.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        bounds += version_bounds(text)
    return sorted(n for n in asked - found if not _within(n, bounds))


def _in_expression(text: str, start: int, end: int) -> bool:
    """Is the number at text[start:end] an operand the user typed ("rrange [1:10]", "print 2^3", "7/2", "x=5"), their
    own data rather than a fact the answer must state? A colon counts only inside square brackets: "SQL:2016",
    "*:80" and "10:30" name a standard, a port and a time."""
    if (start > 0 and text[start - 1] in "[^/*=<>{") or (end < len(text) and text[end] in "]^/*=<>}"):
        return True
    if not ((start > 0 and text[start - 1] == ":") or text[end:end + 1] == ":"):
        return False
    return text.rfind("[", 0, start) > text.rfind("]", 0, start) and "]" in text[end:].split(" ", 1)[0]


# A version range a passage states: ">= 3.26.0", "3.8.3 and later", "since 3.35.0", "prior to 3.7.0", "<= 2.1".
_V = r"(\d+(?:\.\d+)+)"
_FROM = re.compile(rf"(?:>=|≥|\bsince(?: version)?|\bas of(?: version)?|\bstarting (?:with|in|at)(?: version)?)\s*{_V}"
                   rf"|{_V},?\s+(?:and|or)\s+(?:later|newer|above|higher|greater|up)\b", re.I)
_UPTO = re.compile(rf"(?:<=|≤|\bprior to(?: version)?|\bbefore(?: version)?|\bup to(?: and including)?(?: version)?)\s*{_V}"
                   rf"|{_V},?\s+(?:and|or)\s+(?:earlier|older|below|lower|prior)\b", re.I)


def version_bounds(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The version ranges of a text, as (">=" or "<=", version)."""
    return [(op, tuple(int(x) for x in (m.group(1) or m.group(2)).split("."))) for op, rx in ((">=", _FROM), ("<=", _UPTO))
            for m in rx.finditer(text)]


def _within(asked: str, bounds: list[tuple[str, tuple[int, ...]]]) -> bool:
    """Is a dotted version the question asks about (SQLite 3.30) inside a range a passage states (">= 3.26.0")?
    Only within the same major version: "since 2.0" says little about 3.30. Years and counts are never ranges here."""
    if "." not in asked:
        return False
    v = tuple(int(x) for x in asked.split("."))
    return any(b[0] == v[0] and (v >= b if op == ">=" else v <= b) for op, b in bounds)


# A distinctive name: a capital after the first letter (PostgreSQL, NATO, iPhone, ASN.1, non-Arab, WWII).
_DISTINCT_NAME = re.compile(r"(?<![\w-])[A-Za-z][\w.-]*[A-Z][\w.-]*")


# The asker as the subject ("I ran ...", "we still run ..."), or a sentence about their own things ("My script ...").
# Not a "my" further in: "gnuplot samples at 1000 points, yet my plot looks jagged" states a (false) fact.
_FIRST_PERSON = re.compile(r"\b(?:I|we)\b|^\W*(?:my|our)\b", re.I)


_WISH = re.compile(r"\b(?:I|we)(?:['’]d| would|['’]m|['’]re| am| are)? (?:want|need|like|wish|looking for)\b", re.I)  # a request: its terms count


def asked_part(question: str) -> str:
    """The question without the sentences that tell the asker's own situation: "I bzip2'd a 40-byte config file and
    the .bz2 came out bigger. Why?" asks why, not about 40 bytes; a document explains it without the user's number, or
    the USB stick of "My worktree is on a USB drive. How do I keep Git from pruning it?". Such a sentence is a
    statement (it ends without "?") in the first person, and not a wish ("I want several HTTPS sites on one IP."
    is the request). Its numbers and names are not constraints for the numbers and
    names rules. A question of one sentence, or one with no "?", is kept whole."""
    spans = sentence_spans(question)
    if len(spans) < 2:
        return question
    kept = [question[a:b] for a, b in spans if question[a:b].rstrip().endswith("?") or not _FIRST_PERSON.search(question[a:b])
            or _WISH.search(question[a:b])]
    return " ".join(kept) if any(k.rstrip().endswith("?") for k in kept) else question


def unmet_names(question: str, hits: Sequence[ScoredChunk], spelled_out: bool = True) -> list[str]:
    """The distinctive names of the question (PostgreSQL, NATO, iPhone) that no retrieved passage contains.

    The numbers rule's sibling: a question about PostgreSQL can't be answered from passages that never
    say PostgreSQL (realdocs: a SQLite manual's "maximum number of rows" was quoted for "What is the
    maximum number of columns in a PostgreSQL table?"). Only names with a capital after their first letter
    count: ordinary capitalised words ("British", "the Board") are often paraphrased. A name matches a
    whole word of a passage, its title or its section path, ignoring case, accents, dots ("U.S." = "US"), dash styles and a
    plural or possessive; a typed "WHat" is not a name. An acronym is also met by its words spelled out
    ("North Atlantic Treaty Organization" for NATO; `spelled_out`). Chosen on SQuAD 2.0 dev's fitting
    articles among four forms; the counts on the other articles are in evals/results/names_rule.md."""
    asked = distinct_names(question)
    if not asked:
        return []
    raw = " ".join(" ".join([reader_view(h.chunk)[0], h.chunk.title, *_sections(h.chunk)]) for h in hits)  # a row's column names count: "eol-lts" names LTS
    return unmentioned(asked, raw, spelled_out)


def _sections(chunk) -> list[str]:
    """The section paths a passage sits in (its own and its blocks'): a clause of the GPL printed under
    "GNU GENERAL PUBLIC LICENSE" is about the GPL, though the clause never names it."""
    return list(dict.fromkeys(s for s in (chunk.section, *(b[3] for b in chunk.blocks)) if s))


def distinct_names(question: str) -> list[str]:
    """The question's distinctive names (see unmet_names), in order, each once."""
    letters = [c for c in question if c.isalpha()]
    if sum(c.isupper() for c in letters) > len(letters) / 2:  # A QUESTION TYPED IN CAPITALS names nothing by its case
        return []
    asked = []
    for m in _DISTINCT_NAME.finditer(question):
        a = m.group(0).rstrip(".-")  # "NATO's" matches as "NATO": an apostrophe ends a name
        if len(_name_key(a)) >= 2 and a.lower() not in STOPWORDS and a not in asked:
            asked.append(a)
    return asked


def unmentioned(names: Sequence[str], raw: str, spelled_out: bool = True) -> list[str]:
    """The names that `raw` neither mentions nor (for an acronym) spells out."""
    text = _name_key(raw)
    return sorted(a for a in names if not _mentions(text, _name_key(a)) and not (spelled_out and _spells(raw, a)))


_ACRONYM = re.compile(r"[A-Z]{2,6}")
_FILLERS = {"of", "and", "the", "for", "in", "on", "to", "de", "&"}


def _spells(text: str, name: str) -> bool:
    """Whether `text` spells an acronym out: "North Atlantic Treaty Organization" for NATO, "American
    Automobile Association" for AAA, "Department of Defense" for DOD (capitalised words; a short filler
    such as "of" or "and" between them may give a letter or none)."""
    if not _ACRONYM.fullmatch(name):
        return False
    words = re.findall(r"[A-Za-z][\w'-]*|&", text)

    def match(j: int, k: int) -> bool:
        if k == len(name):
            return True
        if j == len(words):
            return False
        w = words[j]
        if w[0] == name[k] and match(j + 1, k + 1):
            return True
        return bool(k) and w.lower() in _FILLERS and ((w[0].upper() == name[k] and match(j + 1, k + 1)) or match(j + 1, k))

    return any(w[0] == name[0] and match(i, 0) for i, w in enumerate(words))


def _name_key(s: str) -> str:
    s = re.sub(r"[\u2010-\u2015\u2212]", "-", s)  # en and em dashes, minus -> "-"
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace(".", "")  # "Éclair" -> "eclair"


def _mentions(text: str, name: str) -> bool:
    """A whole word of `text`, or one glued to the number before it: "2048SP" mentions SP ("RX 580 2048 SP").
    A hyphen of the name matches a hyphen, a space or nothing: "NULL-handling" is mentioned by a page titled
    "NULL Handling in SQLite", "GPT-3" by "GPT 3" and "GPT3". A name of letters only is also mentioned with a
    number glued after it: "CRC" by "CRC32", "SHA" by "SHA256" (the bzip2 manual's "rather than a CRC32 checksum")."""
    stems = {name, name[:-1]} if name.endswith("s") and len(name) > 3 else {name}
    pats = (re.escape(n).replace(r"\-", r"[-\s]?") for n in stems)  # re.escape writes "-" as "\-"
    version = r"\d*" if name.isalpha() else ""
    end = "" if name.endswith("_") else rf"(?:{version}|e?s)(?![a-z0-9])"  # "STATS_" names a prefix: STATS_min mentions it
    return any(re.search(rf"(?<![a-z]){p}{end}", text) for p in pats)


@dataclass(frozen=True)
class RefusalModel:
    weights: dict[str, float]
    bias: float
    # Feature standardisation stored with the weights (z = (x - mean) / scale).
    mean: dict[str, float] | None = None
    scale: dict[str, float] | None = None
    threshold: float = 0.26  # refuse below this P(answerable) unless Settings.refusal_threshold says otherwise
    caution: float | None = None  # an answer below this P(answerable) is marked low confidence (train/confidence.py)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "RefusalModel":
        if path.exists():
            d = json.loads(path.read_text())
            return cls(weights=d["weights"], bias=d["bias"], mean=d.get("mean"), scale=d.get("scale"), threshold=d.get("threshold", 0.26),
                       caution=d.get("caution"))
        return cls(weights={"best_cos": 8.0, "best_lex": 4.0}, bias=-5.0)

    def p_answerable(self, f: dict[str, float]) -> float:
        z = self.bias
        for k, w in self.weights.items():
            x = f.get(k, 0.0)
            if self.mean is not None and self.scale is not None:
                x = (x - self.mean.get(k, 0.0)) / (self.scale.get(k, 1.0) or 1.0)
            z += w * x
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
