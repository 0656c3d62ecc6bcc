"""The wired pipeline: the one place where concrete classes are chosen.

    retrieve (hybrid) -> postprocessors -> refusal gate -> answerer (streams)
    -> parse [n] -> verify each sentence -> renumber citations -> Answer

`Pipeline.stream()` yields text deltas (str) and finally the verified `Answer`;
`ask()` returns just the Answer. Follow-ups are condensed into a standalone
question before retrieval: by the LLM when one answers, else by carrying over
the previous question's key terms.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

from rag import cite
from rag.blocks import chunk_page_at, chunk_section_at, normalize_ws, quotable_spans, reader_view, shown_code, shown_markdown, shown_row
from rag.answer import (
    REFUSAL_TEXT,
    Answerer,
    Candidate,
    ExtractiveAnswerer,
    History,
    LLMAnswerer,
    QUOTE_RULES,
    asks_throughout,
    looks_like_refusal,
    rank_sentences,
    with_introduced,
)
from rag.embeddings import Embedder, QueryCache, make_embedder
from rag.errors import ConfigError, EmptyQuestion, QuestionTooLong, RagError
from rag.ingest import IngestReport, Progress, ingest
from rag.refusal import MODEL_PATH, READER_MODEL_PATH, SPAN_MODEL_PATH, RefusalModel, asked_part, refusal_features, unmet_names, unmet_numbers
from rag.lookup import RowMatch, key_row, lookup_first, row_lookup
from rag.retrieval import BM25Retriever, DenseRetriever, HybridRetriever, Reranker, Retriever, fill_dense_scores, tokenize
from rag.settings import Settings
from rag.store import Store
from rag.text import key_terms, sentence_spans
from rag.types import Answer, Citation, Closest, ScoredChunk, Sentence
from rag.untrusted import untrusted_support
from rag.verify import Checker, HeuristicChecker

_FOLLOWUP = re.compile(
    # A lead that continues the conversation ("And --abort?", "Even in WAL mode?", "What if I have no root access?"),
    # a trailing "too"/"as well"/"either"/"instead", or a bare condition. Pronouns are _BACKREF's.
    r"^\s*(?:and|but|also|so|what about|how about|then|even|what if|only|same|otherwise|instead|except)\b"
    r"|\b(?:too|as well|either|instead)\s*[?.!]?\s*$"
    r"|^\s*(?:if|unless|suppose|supposing|assuming)\b(?![^?]*\b(?:what|which|who|whom|whose|how|why|where)\b)[^,;:]*$",  # a condition
    # with no main clause and no question word: "If I leave val out?"
    re.I,
)
# "that"/"this"/"there" are left out: they are relative pronouns and adverbs far more often than references.
_BACKREF = re.compile(r"\b(?:it|its|they|them|their|these|those|he|she|his|her|him)\b", re.I)


# "that"/"this" that points back: opening the question or after a question word, an auxiliary or a preposition ("Does
# that setting survive ...?", "Is there an equivalent of that?"), with one noun at the question's end ("Can I raise that
# limit?", "Why that number?"), ending the question ("Can I change that?": a relative "that" never ends a clause), or
# before a verb's particle ("Can I get that down ...?", "How do I turn this off?"). After a noun or a verb of saying it is
# a relative pronoun or "that"-clause: not matched.
_DEMONSTRATIVE = re.compile(
    r"(?:^\s*|\b(?:why|where|when|how|what|which|does|do|did|is|are|was|were|can|could|will|would|should|of|for|about|with|in|on"
    r"|from|to|by|without|after|before|under|into|like)\s+)(?:that|this|these|those)\b"
    r"|\b(?:that|this|these|those)\s+[\w-]+\s*[?.!]?\s*$"
    r"|\b(?:that|this)\s*[?.!]?\s*$|\b(?:that|this)\s+(?:down|up|off|out|back|away)(?![\w-])",
    re.I,
)


_IDENT = r"[A-Za-z]\w*(?:[_.:]\w+)+(?:\(\))?|[A-Za-z]\w*\(\)"  # json_remove, os.path.join, sqlite3_open()
_SWAP_LEADS = r"and|but|or|what about|how about|then"
_SWAP_LEAD = re.compile(rf"^\s*(?:{_SWAP_LEADS})\b", re.I)  # "And China?", "What about --hard?"
_SLOTS = (  # kinds of word a bare follow-up swaps for the previous question's word of the same kind
    re.compile(r"--?(?:[A-Za-z][\w-]*|\d+)"),  # an option: --soft -> --hard, gzip's -1 -> -9
    re.compile(r"%[A-Za-z]"),  # a format specifier: strftime's %w -> %j
    re.compile(_IDENT),  # an identifier: json_remove -> json_replace
    re.compile(r"[A-Za-z]+-\d+(?:-\d+)*"),  # a numbered name: CVE-2021-20227 -> CVE-2020-13435, RFC-2616
    re.compile(r"\d[\d.,]*"),  # a number or a year: 2014 -> 2019
)  # Not names: "And what about China?" after a question about NATO's concerns narrows NATO's topic, it swaps nothing.


# "And in R?", "How about on Windows?": a follow-up that is one prepositional phrase swaps the object of the previous
# question's phrase with the same preposition ("... called in MATLAB?", "On unix-like systems, where ...").
_PREP_WORDS = ("in", "on", "for", "with", "under", "from", "at", "by", "inside", "within", "without", "via", "using")
_PREPS = "|".join(_PREP_WORDS)
_PREP_FOLLOWUP = re.compile(rf"^\s*(?:(?:{_SWAP_LEADS})\s+)?(?P<prep>{_PREPS})\s+(?!(?:which|what|whose|how)\b)(?P<obj>[^?!.,;:]+?)\s*[?!.]?\s*$", re.I)
# The object of a preposition in the previous question: up to 4 words, ending at punctuation, a clause's next word or
# another preposition; "of" and "by" stay inside it ("for a division by zero", "in the list of users").
_PREP_STOP = rf"(?:where|what|which|who|when|how|why|that|if|and|or|but|is|are|does|do|did|can|will|to|{'|'.join(w for w in _PREP_WORDS if w != 'by')})\b"
_PREP_OBJECT = rf"\s+(?P<obj>(?:(?!{_PREP_STOP})[^\s?!.,;:]+\s*){{1,4}}?)(?=[?!.,;:]|$|\s+{_PREP_STOP})"


def _swapped(question: str, prev: str) -> set[str]:
    """The words of the previous question that a bare follow-up swaps for its own: an option, identifier or number of
    the same kind ("And json_replace?" after json_remove), or else the object of the same preposition ("And in R?"
    after "... called in MATLAB?", the last such phrase: "What happened in Crimea in 2014?" keeps Crimea). Their terms
    are not borrowed ("remove" of json_remove, "matlab"). Asking the previous question again with the new word in
    place of the old was measured and not shipped: its fuller query retrieved worse ("What does git clean -X do?"
    quoted the command's summary, "And -X? (git clean)" the option's entry)."""
    prep = _PREP_FOLLOWUP.match(question)
    if not (_SWAP_LEAD.match(question) or prep) or len(key_terms(question)) > 3:
        return set()

    def words(q: str) -> list[str]:
        return [w.strip("?!,;:'\"()[]") for w in q.split()]

    new, old = words(question), words(prev)
    out: set[str] = set()
    for slot in _SLOTS:
        if any(slot.fullmatch(w) for w in new):
            out.update(t for w in old if slot.fullmatch(w) and w not in new for t in tokenize(w))
    if not out and prep and (objects := list(re.finditer(rf"\b{prep.group('prep')}{_PREP_OBJECT}", prev, re.I))):
        mine = set(tokenize(prep.group("obj")))
        out.update(t for t in tokenize(objects[-1].group("obj")) if t not in mine)
    return out


# "And which compiler version is required on Linux?": a lead word, then a whole question of its own. Not "And when ...?"
# (a condition: "And when the response has a Last-Modified header instead?"), nor one that points at the earlier turn
# through "same", "equivalent", "other", "instead", "too" ...
_LEAD_THEN_WH = re.compile(r"^\s*(?:and|but|also|so|then)\s+(?:which|what|who|whom|whose|how|why|where)\b(?!\s+about\b)", re.I)
_POINTS_BACK = re.compile(r"\b(?:same|equivalent|similar|counterpart|likewise|other|others|another|else|instead|too|either|"
                          r"as well|one|ones)\b", re.I)


def _asks_anew(question: str) -> bool:
    """A question that only opens with a lead word ("And", "So") and then asks in full, with more than two key terms of
    its own: it borrows nothing (trial D12: "And which compiler version is required on Linux?" in a chat about loong64
    had borrowed "loong64" and quoted the loong64 row again). One that names an option, identifier or number still
    borrows: "And what does --hard do to my working tree files?" asks about the earlier turn's command."""
    return bool(_LEAD_THEN_WH.match(question)) and not _POINTS_BACK.search(question) and not any(s.search(question) for s in _SLOTS)


_CONNECTIVES = {"after", "before", "once", "without", "while", "since", "until", "during", "within", "upon", "then", "also", "even"}


def _self_contained(question: str) -> bool:
    """A pronoun after the question's own leading clause points into that clause, not back: "If I call shift without
    a number, how many parameters does it drop?" ("it" is shift). The clause needs two key terms of its own; "After
    upgrading, does it keep my settings?" still points back."""
    lead, comma, rest = question.partition(",")
    own = [t for t in key_terms(lead) if t not in _CONNECTIVES]
    return bool(comma) and len(own) >= 2 and not (_BACKREF.search(lead) or _DEMONSTRATIVE.search(lead))


def condense_offline(question: str, history: History) -> str:
    """Deterministic follow-up rewriting: append the previous question's terms the new one lacks, but not those of
    a word or phrase the follow-up swaps for its own ("How does json_remove work?" -> "And json_replace?" borrows
    "work"; `_swapped`)."""
    extra = _borrowed(question, history)
    return f"{question} ({' '.join(extra)})" if extra else question


def _borrowed(question: str, history: History) -> list[str]:
    """The terms condense_offline appends to `question`. A back-reference ("Which license is it under?") after a turn
    that itself pointed back ("And how do I build it from a Git checkout? (libxcrypt)") points at the same thing: it
    borrows what that turn borrowed, not the turn's own words ("build git checkout" had made the license question
    quote the build sentence again: trial D3), with what the turn's answer named."""
    if not history:
        return []
    # Only a question that points back ("And China?", "Who proposed it?") or is too bare to stand
    # alone borrows terms; a full question keeps its own meaning.
    backref = _points_back(question)
    if len(key_terms(question)) > 2 and not backref and (not _FOLLOWUP.search(question) or _asks_anew(question)):
        return []
    before, answer = history[-1]
    theirs = _borrowed(before, history[:-1])
    asked = " ".join([before, *theirs])
    prev = " ".join(theirs) if backref and theirs and _points_back(before) else asked
    if backref:  # "Am I allowed to change what's in it?": "it" is often what the answer named (sqlite_sequence)
        prev = " ".join([prev, *_named_in(answer, asked)])
    have = set(tokenize(question)) | _swapped(question, before)
    return list(dict.fromkeys(t for t in tokenize(prev) if t not in have))


def _points_back(question: str) -> bool:
    return bool(_BACKREF.search(question) or _DEMONSTRATIVE.search(question)) and not _self_contained(question)


_IDENTIFIER = re.compile(rf"(?<![\w/.@-])(?:--[A-Za-z][\w-]*|{_IDENT})")
# Where an answer's identifiers are no names: a URL ("...?utm_source=github.com"), a Markdown link target "](...)", an
# e-mail address.
_NOT_NAMES = re.compile(r"(?:[A-Za-z][\w+.-]*://|www\.)[^\s<>\]\[]*|\]\([^)\s]*\)|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _named_in(answer: str, question: str, most: int = 3) -> list[str]:
    """Identifiers and long options that an earlier answer named and its question did not: the likely referent of a
    follow-up's "it"/"that". Prose words are left out: an answer's other words would pull the search back to it; so
    are URLs, link targets and e-mail addresses ("utm_source", "github.com" of a badge's link: trial D3)."""
    if not answer or looks_like_refusal(answer):
        return []
    asked = set(tokenize(question))
    found = [m.group(0).rstrip(".:") for m in _IDENTIFIER.finditer(_NOT_NAMES.sub(" ", answer))]
    return list(dict.fromkeys(w for w in found if not set(tokenize(w)) <= asked))[:most]


@dataclass(frozen=True)
class Assessment:
    hits: list[ScoredChunk]
    ranked: list[Candidate]  # sentences of the hits, best first
    features: dict[str, float]  # refusal features
    p_answerable: float
    lookup: RowMatch | None = None  # a table row that answers a lookup question (rag.lookup)


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        store: Store,
        retriever: Retriever,
        checker: Checker,
        refusal: RefusalModel,
        postprocessors: Sequence[Reranker] = (),
        answerers: dict[str, Answerer] | None = None,
        reader=None,
        span=None,
    ):
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.retriever = retriever
        self.checker = checker
        self.refusal = refusal
        self.postprocessors = list(postprocessors)
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self._lock = threading.Lock()
        self.reader = reader  # rag.reader.Reader or None: scores the shortlisted sentences
        self.span = span  # rag.reader.SpanReader or None: reads the passages for answer spans

    @property
    def refusal_threshold(self) -> float:
        t = self.settings.refusal_threshold
        return t if t is not None else getattr(self.refusal, "threshold", 0.26)

    @property
    def caution_below(self) -> float | None:
        """The P(answerable) below which an answer is marked low confidence; None: never marked."""
        t = self.settings.caution_below
        return t if t is not None else getattr(self.refusal, "caution", None)

    def confidence(self, p: float) -> str:
        cut = self.caution_below
        return "low" if cut is not None and p < cut else ""

    # --- documents ---------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], rebuild: bool = False, progress: Progress | None = None) -> IngestReport:
        # ingest() drops the old index only after the paths are validated, so a typo can't empty it.
        # Store writes keep the BM25 index in step (rag/bm25index.py): nothing to rebuild here.
        self.store.refresh()  # a long-running process: another one may have rebuilt the index meanwhile
        return ingest([Path(p) for p in paths], self.settings, self.store, self.embedder, progress, rebuild=rebuild)

    def documents(self) -> list[dict]:
        self.store.refresh()
        states = self.store.doc_states()
        return sorted(
            ({"source": s.source, "root": s.root, "chunks": s.present, "complete": s.complete} for s in states.values()),
            key=lambda d: (d["root"], d["source"]),
        )

    def info(self) -> dict:
        exists = self.store.exists()
        docs = self.documents() if exists else []
        return {
            "documents": len(docs),
            "chunks": self.store.count() if exists else 0,
            "embedding_model": self.embedder.name,
            "embedding_dim": self.embedder.dim,
            "data_dir": str(self.settings.data_dir),
            "collection": self.settings.collection,
            "store": self.store.kind,
            "mode": self.settings.resolved_mode(),
            "retrieval": self.settings.retrieval,
            "k": self.settings.k,
        }

    # --- answering ---------------------------------------------------------------
    def answerer(self, mode: str | None = None) -> Answerer:
        mode = mode or self.settings.resolved_mode()
        if mode == "auto":
            mode = self.settings.resolved_mode()
        with self._lock:
            if mode not in self._answerers:
                self._answerers[mode] = self._make_answerer(mode)
            return self._answerers[mode]

    def _make_answerer(self, mode: str) -> Answerer:
        s = self.settings
        if mode == "extractive":
            return ExtractiveAnswerer(self.embedder, max_sentences=s.max_answer_sentences, reader=self.reader)
        if mode == "openai":
            if not (s.openai_api_key or s.openai_base_url):
                raise ConfigError("mode=openai needs an endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (vLLM, Ollama, llama.cpp server).")
            from rag.answer import openai_chat

            return LLMAnswerer(openai_chat(s.openai_base_url, s.openai_api_key, s.openai_model, s.openai_timeout_s), name="openai")
        if mode == "local":
            from rag.answer import llamacpp_chat

            return LLMAnswerer(llamacpp_chat(s.local_model_path), name="local")
        raise ConfigError(f"Unknown answer mode '{mode}': use extractive, openai or local.")

    def validate(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise EmptyQuestion()
        if len(q) > self.settings.max_question_chars:
            raise QuestionTooLong(
                f"The question is {len(q)} characters long; the limit is {self.settings.max_question_chars} (RAG_MAX_QUESTION_CHARS). Shorten it."
            )
        return q

    def warm_up(self) -> None:
        """Load the query embedder and the reader now, so that the first question does not pay for it
        (the UI, `rag serve` and `rag chat` call this at start-up). Embedded Chroma also reads its whole
        vector index on the first call (2-4 s at 1M chunks): done here too, when an index exists."""
        try:
            self.store.count()
        except RagError:  # no index yet, or the server is down: the first question says so
            pass
        self.embedder.embed_query("warm up")
        load = getattr(self.span, "load", None)
        if load is not None:
            load()

    def refusal_note(self, question: str, a: Assessment) -> str | None:
        """Why the question is refused before anything is quoted or generated, or None: no passage answers it
        confidently, or a number or a distinctive name of the question is in no retrieved passage. The
        evals/measure_* scripts call this too, so that they measure the decision the pipeline takes."""
        if not a.hits or (a.p_answerable < self.refusal_threshold and a.lookup is None):  # a table lookup answers (rag.lookup)
            return "no passage answers this confidently"
        asked = asked_part(question)  # not the asker's own situation ("I bzip2'd a 40-byte file. Why is it bigger?")
        if missing := unmet_numbers(asked, a.hits) + unmet_names(asked, a.hits):  # every unmet constraint, named
            return f"no passage mentions {', '.join(missing)}, which the question asks about"
        return None

    @staticmethod
    def quote_note(question: str, picked: Sequence[Candidate]) -> str | None:
        """Why the sentences an extractive answer would quote are refused, or None (rag.answer.QUOTE_RULES: the year,
        count and version rules), when every part of the question asks what a rule checks (rag.answer.asks_throughout)."""
        for rule in QUOTE_RULES:
            if asks_throughout(rule, question) and not any(rule.states(c.text, question) for c in picked):
                return rule.note
        return None

    @staticmethod
    def quote_caveats(question: str, picked: Sequence[Candidate]) -> tuple[str, ...]:
        """The rules only a part of a compound question asks and no quoted sentence meets: the answer is given for the
        other parts, with a note saying what it lacks ("..., and which version is it?")."""
        return tuple(rule.note.replace("the question asks", "a part of the question asks") for rule in QUOTE_RULES
                     if rule.asks(question) and not asks_throughout(rule, question) and not any(rule.states(c.text, question) for c in picked))

    def retrieve(self, question: str, k: int | None = None) -> list[ScoredChunk]:
        k = k or self.settings.k
        try:
            hits = self.retriever.retrieve(question, k)
        except Exception:
            if not self.store.dropped():
                raise
            self.store.forget()  # another process rebuilt the index under this long-running one: reopen it
            hits = self.retriever.retrieve(question, k)
        for p in self.postprocessors:
            hits = p.rerank(question, hits, k)
        return fill_dense_scores(hits, self.embedder.embed_query(question), self.embedder, self.store)

    def assess(self, question: str, k: int | None = None, timings: dict | None = None) -> Assessment:
        """Retrieve, rank the passages' sentences and estimate P(answerable): everything before answering."""
        t = time.perf_counter()
        hits = self.retrieve(question, k)
        if timings is not None:
            timings["retrieve"] = _ms(t)
        t = time.perf_counter()
        ranked = self.rank(question, hits)
        features = refusal_features(question, hits, ranked)
        p = self.refusal.p_answerable(features) if hits else 0.0
        lookup = row_lookup(question, hits)
        if lookup is not None:
            ranked = lookup_first(ranked, lookup)
            features["row_lookup"] = lookup.coverage
        elif (keyed := key_row(question, hits, ranked)) is not None:  # "the L flag" and the row "last|L | ...": first, as quoted
            ranked = lookup_first(ranked, keyed, at_start=True)
        if timings is not None:
            timings["rank"] = _ms(t)  # sentence ranking + refusal estimate
        return Assessment(hits, ranked, features, p, lookup)

    def rank(self, question: str, hits: Sequence[ScoredChunk]) -> list[Candidate]:
        """The hits' sentences, best first: lexical shortlist, then the reader (or MiniLM cosine without one)."""
        if self.span is not None:
            return rank_sentences(question, None, hits, self.embedder, span=self.span, span_passages=self.settings.reader_passages)
        if self.reader is None:
            return rank_sentences(question, self.embedder.embed_query(question), hits, self.embedder)
        s = self.settings
        return rank_sentences(question, None, hits, self.embedder, prefilter=s.reader_shortlist, reader=_ContextFree(self.reader) if not s.reader_context else self.reader)

    def ask(self, question: str, history: History = (), mode: str | None = None, k: int | None = None) -> Answer:
        answer = None
        for ev in self.stream(question, history, mode, k):
            if isinstance(ev, Answer):
                answer = ev
        assert answer is not None
        return answer

    def stream(self, question: str, history: History = (), mode: str | None = None, k: int | None = None) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        q = self.validate(question)
        answerer = self.answerer(mode)
        timings = {"condense": 0.0, "retrieve": 0.0, "rank": 0.0, "generate": 0.0, "verify": 0.0}

        standalone = q
        if history:
            tc = time.perf_counter()
            standalone = answerer.condense(q, history) if isinstance(answerer, LLMAnswerer) else condense_offline(q, history)
            timings["condense"] = _ms(tc)

        a = self.assess(standalone, k, timings)
        hits, ranked, p = a.hits, a.ranked, a.p_answerable

        def done(**kw) -> Answer:
            timings["total"] = _ms(t0)
            if kw.get("refused"):
                kw["closest"] = closest_passages(hits, self.settings.closest_passages, self.settings.closest_min_score)
            else:
                kw["confidence"] = self.confidence(p)
            return Answer(question=q, mode=answerer.name, standalone_question=standalone, timings_ms=timings, refusal_score=round(p, 4), **kw)

        if note := self.refusal_note(standalone, a):
            yield done(answer=REFUSAL_TEXT, refused=True, notes=(note,))
            return

        tg = time.perf_counter()
        parts: list[str] = []
        drafts: list[cite.Drafted] | None = None
        caveats: tuple[str, ...] = ()
        if isinstance(answerer, ExtractiveAnswerer):
            # The answerer knows which source each quoted sentence came from: no need to parse
            # markers back out of the text (a source's own "[12]" must not become a citation).
            picked = with_introduced(answerer.select(ranked), hits, question=standalone)  # "... the following files:" and the files
            if picked and (note := self.quote_note(standalone, picked)):
                yield done(answer=REFUSAL_TEXT, refused=True, notes=(note,))
                return
            caveats = self.quote_caveats(standalone, picked)
            drafts = [cite.Drafted(normalize_ws(c.text), (c.source,), *self._key_phrase(c, hits)) for c in picked]  # shown on one line
            parts.append(normalize_ws(answerer.compose(picked)))
            yield parts[-1]
        else:
            for delta in answerer.stream(standalone, hits, history):
                parts.append(delta)
                yield delta
        text = "".join(parts).strip()
        timings["generate"] = _ms(tg)

        tv = time.perf_counter()
        if not text or (drafts is None and looks_like_refusal(text)):
            timings["verify"] = _ms(tv)
            yield done(answer=REFUSAL_TEXT, refused=True, notes=("the answerer found no answer in the sources",))
            return
        answer = self._finish(text, hits, done, tv, timings, drafts, question=standalone, caveats=caveats)
        yield answer

    def _finish(self, text: str, hits: list[ScoredChunk], done, tv: float, timings: dict, drafts: list[cite.Drafted] | None = None,
                question: str = "", caveats: Sequence[str] = ()) -> Answer:
        invalid: list[int] = []
        generated = drafts is None  # a model wrote it, and a model can be ordered about by a source
        if drafts is None:
            drafts, invalid = cite.parse(text, len(hits))
        notes = list(caveats)
        if invalid:
            notes.append(f"removed citation numbers that match no source: {sorted(set(invalid))}")
        if generated:  # small models loop: a sentence said again word for word is shown once
            seen: set[str] = set()
            kept = []
            for d in drafts:
                key = " ".join(d.text.lower().split())
                if key not in seen:
                    seen.add(key)
                    kept.append(d)
            if len(kept) < len(drafts):
                notes.append(f"removed {len(drafts) - len(kept)} repeated sentence{'s' if len(drafts) - len(kept) > 1 else ''}")
            drafts = kept
        keys_of = {d.text: (d.key, d.key_margin) for d in drafts if d.key}
        checked: list[tuple[str, tuple[int, ...], float, bool]] = []
        read = [_as_read(h.chunk) for h in hits]  # what each passage is checked as, once for every sentence
        for d in drafts:
            cites = d.cites
            verdict = self.checker.check(d.text, [read[n - 1] for n in cites]) if cites else None
            if verdict is None or not verdict.supported:
                # Citation repair: the sentence may be supported by another retrieved passage.
                best = max(
                    ((n, self.checker.check(d.text, [read[n - 1]])) for n in range(1, len(hits) + 1) if n not in cites),
                    key=lambda x: x[1].support,
                    default=None,
                )
                if best and best[1].supported:
                    notes.append(f"re-pointed a citation to the passage that supports it: {d.text[:60]}")
                    cites, verdict = (best[0],), best[1]
            support = verdict.support if verdict else 0.0
            ok = bool(verdict and verdict.supported)
            if ok and generated and self.settings.hide_unsupported:
                # Redaction's second line: a copied order or its payload is "supported" by the attacking source.
                why = untrusted_support(d.text, question, [h.chunk.text for h in hits], self.reader)
                if why:
                    notes.append(f"hid a sentence that {why}: {d.text[:60]}")
                    ok = False
            checked.append((d.text, cites, support, ok))

        hide = self.settings.hide_unsupported
        # A citation is a passage *and* the section of what is quoted from it: two sentences quoted
        # from one passage under different headings get a citation each, each naming its own section.
        keys = [tuple(dict.fromkeys((n, _section_of(t, hits[n - 1].chunk)) for n in cs)) for t, cs, _, _ in checked]
        mapping = cite.renumber([k for k, c in zip(keys, checked) if c[3] or not hide])
        sentences = tuple(
            Sentence(text=t, cites=tuple(mapping[key] for key in ks) if (ok or not hide) else (), supported=ok, support=round(sup, 4), shown=ok or not hide,
                     display=(shown := next((d for n in cs if (d := shown_row(t, hits[n - 1].chunk) or shown_code(t, hits[n - 1].chunk) or shown_markdown(t, hits[n - 1].chunk))), "")),
                     key="" if shown else keys_of.get(t, ("", 0.0))[0])
            for (t, cs, sup, ok), ks in zip(checked, keys)
        )
        marked = [(keys_of[s.text][1], s.key) for s in sentences if s.shown and s.key]
        short = max(marked, key=lambda m: m[0]) if marked else (None, "")
        removed = sum(1 for s in sentences if not s.shown)
        if removed:
            notes.append(f"{removed} unsupported sentence{'s' if removed > 1 else ''} removed")
        timings["verify"] = _ms(tv)
        if not any(s.shown for s in sentences):
            return done(answer=REFUSAL_TEXT, refused=True, sentences=sentences, removed_sentences=removed,
                        removed_citations=tuple(invalid), notes=tuple(notes + ["no sentence of the answer is supported by the sources"]))
        citations = tuple(self._citation(num, hits[n - 1], [s.text for s in sentences if s.shown and num in s.cites], sec,
                                         [s.key for s in sentences if s.shown and num in s.cites])
                          for (n, sec), num in mapping.items())
        body = cite.joined([cite.render(s.display or s.text, s.cites) for s in sentences if s.shown])
        return done(answer=body, refused=False, citations=citations, sentences=sentences, removed_sentences=removed,
                    removed_citations=tuple(invalid), notes=tuple(notes), short_answer=short[1], short_answer_margin=short[0])

    def _key_phrase(self, c: Candidate, hits: list[ScoredChunk]) -> tuple[str, float]:
        """The answer phrase the span reader found in a quoted sentence, whitespace folded as the sentence is shown,
        when its margin reaches Settings.key_phrase_margin and it is not the whole sentence; else ("", 0.0)."""
        t = self.settings.key_phrase_margin
        if t is None or c.key is None or c.key[2] < t:
            return "", 0.0
        key, text = normalize_ws(hits[c.source - 1].chunk.text[c.key[0] : c.key[1]]), normalize_ws(c.text)
        if not key or key not in text or len(key) >= 0.9 * len(text):
            return "", 0.0
        return key, c.key[2]

    def _citation(self, n: int, hit: ScoredChunk, quoted: list[str], section: str | None = None, keys: Sequence[str] = ()) -> Citation:
        """Citation `n` of the passage `hit` for the `quoted` sentences, under `section` (by default
        the section of the first quoted sentence), on the page of the first quoted sentence; `keys`, one per
        quoted sentence ("" for none), are located inside their sentences for the source card."""
        c = hit.chunk
        located = [_locate(q, c) for q in quoted]
        spans = [(c.start + a, c.start + b) for a, b in located if b > a]
        key_spans = []
        for (a, b), key in zip(located, keys):
            m = re.compile(r"\s+".join(map(re.escape, key.split()))).search(c.text, a, b) if key and b > a else None
            if m:
                key_spans.append((c.start + m.start(), c.start + m.end()))
        score = hit.dense if hit.dense is not None else hit.score
        if section is None:
            section = chunk_section_at(c, min(spans)[0] - c.start) if spans else c.section
        cit = Citation(n=n, source=c.source, chunk_id=c.id, start=c.start, end=c.end, text=c.text, score=round(float(score), 4),
                        title=c.title, page=c.page, highlights=tuple(sorted(set(spans))), section=section, keys=tuple(sorted(set(key_spans))))
        if spans:  # the page of the quoted sentence, not of the passage's first line
            cit = replace(cit, page=chunk_page_at(c, min(spans)[0] - c.start))
        return replace(cit, page_label=c.page_label(cit.page))


def _as_read(chunk) -> str:
    """What a sentence is checked against: the passage, and after it its table rows with their column names
    (as a model answering was shown them), so that "Buster was released on 2019-07-06" is checked against
    "release: 2019-07-06" while a quoted row is still found verbatim."""
    view = reader_view(chunk)[0]
    return chunk.text if view == chunk.text else f"{chunk.text}\n\n{view}"


def _locate(quote: str, chunk) -> tuple[int, int]:
    """Chunk-relative span of a quoted sentence (its whitespace folded); for a paraphrase, the
    quotable sentence sharing most key terms with it; (0, 0) when there is none."""
    m = re.search(r"\s+".join(map(re.escape, quote.split())), chunk.text) if quote.strip() else None
    if m:
        return m.start(), m.end()
    qt = set(key_terms(quote))
    ss = quotable_spans(chunk) or sentence_spans(chunk.text)  # never a TOC line
    if not ss:
        return 0, 0
    return max(ss, key=lambda se: (len(qt & set(key_terms(chunk.text[se[0]:se[1]]))), -se[0]))


def _section_of(quote: str, chunk) -> str:
    """Section path of the text a sentence quotes from `chunk` (the chunk's own when not found)."""
    a, b = _locate(quote, chunk)
    return chunk_section_at(chunk, a) if b > a else getattr(chunk, "section", "")


def closest_passages(hits: Sequence[ScoredChunk], n: int = 3, min_dense: float | None = None) -> tuple[Closest, ...]:
    """The n best-ranked retrieved passages, shown with a refusal so that the user can check it; none whose cosine
    to the question is below `min_dense` (an unrelated passage only clutters the refusal)."""
    out = []
    near = [h for h in hits if min_dense is None or h.dense is None or h.dense >= min_dense]
    for h in near[:n]:
        c = h.chunk
        score = h.dense if h.dense is not None else h.score
        out.append(Closest(source=c.source, start=c.start, end=c.end, text=c.text, score=round(float(score), 4), page=c.page, title=c.title, section=c.section,
                           page_label=c.page_label(c.page)))
    return tuple(out)


def _ms(t: float) -> float:
    return round((time.perf_counter() - t) * 1000, 2)


class _ContextFree:
    """A reader that is not shown the neighbour sentences (Settings.reader_context=False: faster)."""

    def __init__(self, reader):
        self.inner, self.name = reader, reader.name

    def answers(self, question, texts, contexts=None):
        return self.inner.answers(question, texts)

    def supports(self, claim, texts):
        return self.inner.supports(claim, texts)


class LazyReader:
    """The shipped reader, loaded on first use: `rag ingest` and `rag info` never pay for it."""

    name = "minilm-reader"

    def __init__(self):
        self._reader = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._reader is None:
                from rag.reader import load_reader

                self._reader = load_reader()
            return self._reader

    def answers(self, question, texts, contexts=None):
        return self._get().answers(question, texts, contexts)

    def supports(self, claim, texts):
        return self._get().supports(claim, texts)


class LazySpanReader:
    """The shipped span reader, loaded on first use (or by `load()`, to warm a server up)."""

    name = "minilm-span-reader"

    def __init__(self, backend: str = "numpy", precision: str = "fp32"):
        # "auto" in torch is resolved at load (the CPU check imports torch); anywhere else it is fp32 now
        self.backend, self.precision = backend, precision if backend == "torch" else resolve_precision(precision, backend)
        self._reader = None
        self._lock = threading.Lock()

    def load(self):
        with self._lock:
            if self._reader is None:
                from rag.reader import load_span_reader

                self.precision = resolve_precision(self.precision, self.backend)
                self._reader = load_span_reader(backend=self.backend, precision=self.precision)
        return self._reader

    def read(self, question, passages):
        return self.load().read(question, passages)

    def read_many(self, questions, passages):
        return self.load().read_many(questions, passages)


def warm_up_in_background(pipe) -> threading.Thread | None:
    """`pipe.warm_up()` in a daemon thread: the UI while its page opens, `rag chat` while the first
    question is typed. A load error is left for the first question to report."""
    warm = getattr(pipe, "warm_up", None)
    if warm is None:  # a pipeline stand-in without models
        return None

    def run() -> None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - reported by the first question instead
            pass

    t = threading.Thread(target=run, name="rag-warm-up", daemon=True)
    t.start()
    return t


def resolve_precision(precision: str, backend: str) -> str:
    """RAG_READER_PRECISION with "auto" resolved: bf16 when the reader runs in torch on a CPU with bf16
    units (AMX, AVX512-BF16), else fp32. Imports torch only when the backend is torch."""
    if precision != "auto":
        return precision
    if backend != "torch":
        return "fp32"
    from rag.quantized import bf16_supported

    return "bf16" if bf16_supported() else "fp32"


def model_backend(settings: Settings, one_shot: bool = False, reader: bool = True) -> str:
    """settings.model_backend with "auto" resolved: numpy for a one-question process (no torch
    import) unless the reader runs in bf16 (torch only), else torch when it is installed."""
    if settings.model_backend != "auto":
        return settings.model_backend
    if one_shot and not (reader and settings.reader_precision == "bf16"):
        return "numpy"
    import importlib.util

    return "torch" if importlib.util.find_spec("torch") is not None else "numpy"


def shipped_span_reader(settings: Settings, one_shot: bool = False):
    """The span reader when settings.reader is "span" and it is installed and calibrated, else None.
    `one_shot`: the process answers one question (`rag ask`), so "auto" picks the numpy backend."""
    if settings.reader != "span":
        return None
    from rag import reader as R

    if not Path(R.SPAN_WEIGHTS).is_file() or not SPAN_MODEL_PATH.is_file():
        raise ConfigError(f"RAG_READER=span (the default) needs {R.SPAN_WEIGHTS.name} and {SPAN_MODEL_PATH.name} in the package: reinstall it, or retrain them "
                          "(python train/span_reader.py, then python train/refusal.py --span --write), or use RAG_READER=off.")
    backend = model_backend(settings, one_shot)
    if settings.reader_precision == "bf16" and backend != "torch":  # fail at start-up, not at the first question
        raise ConfigError(R.BF16_NEEDS_TORCH)
    return LazySpanReader(backend, settings.reader_precision)


def shipped_reader(settings: Settings):
    """The cross-encoder when it is installed and calibrated for refusal, else None (the earlier scoring)."""
    if settings.reader in ("off", "span"):
        return None
    from rag import reader as R

    weights = getattr(R, "WEIGHTS", None)
    if weights is None or not Path(weights).is_file() or not READER_MODEL_PATH.is_file():
        return None
    return LazyReader()


def build(settings: Settings, embedder: Embedder | None = None, checker: Checker | None = None, reader=None, span=None, one_shot: bool = False,
          **answerers: Answerer) -> Pipeline:
    """`reader`: a rag.reader.Reader (tests pass the fake); by default the shipped one when installed.
    `one_shot`: this process answers one question (`rag ask`): the reader backend favours start-up."""
    emb = QueryCache(embedder or make_embedder(settings.embedder, settings.embed_batch_size, model_backend(settings, one_shot, reader=False)))
    store = Store(settings, emb.name, emb.dim)
    sparse = BM25Retriever(store)
    dense = DenseRetriever(store, emb, sparse, settings.exact_dense_max)
    retriever: Retriever = {
        "dense": dense,
        "bm25": sparse,
        "hybrid": HybridRetriever(dense, sparse, settings.dense_weight, settings.rrf_k, settings.candidates, settings.fusion),
    }[settings.retrieval]
    if settings.server_fusion and settings.retrieval == "hybrid":
        from rag.retrieval import ServerFusedRetriever

        retriever = ServerFusedRetriever(store, emb, retriever, settings.dense_weight)
    reader = reader if reader is not None else shipped_reader(settings)
    span = span if span is not None else shipped_span_reader(settings, one_shot)
    if checker is None:
        checker = answer_checker(settings, emb, reader)
    return Pipeline(
        settings,
        emb,
        store,
        retriever,
        checker,
        RefusalModel.load(SPAN_MODEL_PATH if span is not None else READER_MODEL_PATH if reader is not None and READER_MODEL_PATH.is_file() else MODEL_PATH),
        answerers=answerers,
        reader=reader,
        span=span,
    )


def answer_checker(settings: Settings, embedder: Embedder, reader=None) -> Checker:
    """The learned reader checker when a reader and its fitted judge are there, else the heuristic."""
    from rag.verify import READER_CHECKER_PATH, LearnedChecker

    if reader is not None and READER_CHECKER_PATH.is_file():
        return LearnedChecker(embedder=embedder, path=READER_CHECKER_PATH, reader=reader)
    return HeuristicChecker(settings.support_threshold, embedder=embedder)
