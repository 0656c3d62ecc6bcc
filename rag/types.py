"""Plain data passed between stages: frozen dataclasses, no behaviour beyond (de)serialisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from rag.blocks import Span, decode_layout, encode_layout, section_at


@dataclass(frozen=True)
class Document:
    """One file's extracted text. `source` is relative to the ingest `root`."""

    source: str
    root: str
    title: str
    text: str
    sha256: str
    # Character offset at which each page starts (PDF only); empty for page-less formats.
    page_starts: tuple[int, ...] = ()
    # Structure (rag/blocks.py): each block's span, kind and section path; empty for plain text.
    blocks: tuple[Span, ...] = ()
    # The label a PDF viewer shows for each page ("iv", "5"), when some page's label is not its number; else empty.
    page_labels: tuple[str, ...] = ()

    def section_at(self, offset: int) -> str:
        return section_at(self.blocks, offset)

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        from bisect import bisect_right

        return max(bisect_right(self.page_starts, offset), 1)


@dataclass(frozen=True)
class Chunk:
    """A span of a document: `text == document.text[start:end]` always holds."""

    id: str
    source: str
    root: str
    title: str
    start: int
    end: int
    text: str
    doc_sha256: str
    n_chunks: int  # chunks in this document; lets ingest detect a half-written file
    page: int | None = None
    section: str = ""  # section path, e.g. "2 ASN.1 structure handling › 2.4 Library Notes"
    # (start, end, kind, section, page or 0) of the blocks in this chunk, chunk-relative; () for plain text.
    blocks: tuple[tuple, ...] = ()  # ... + (header row text,) for a table row under a header row
    extraction: int = 0  # rag.blocks.EXTRACTION_VERSION that produced it (0: before versions existed)
    page_labels: tuple[tuple[int, str], ...] = ()  # (page, printed label) of its pages whose label is not their number
    links: tuple[str, ...] = ()  # Markdown: labels of its "[lz4]" links defined elsewhere in the file (blocks.links_defined_elsewhere)

    def page_label(self, page: int | None) -> str:
        """The label printed on `page` (R-exts.pdf's page 12 is "5"), or "" where it is the page's number."""
        return next((label for p, label in self.page_labels if p == page), "")

    def metadata(self) -> dict:
        md = {
            "source": self.source,
            "root": self.root,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "doc_sha256": self.doc_sha256,
            "n_chunks": self.n_chunks,
        }
        if self.page is not None:
            md["page"] = self.page
        if self.section:
            md["section"] = self.section
        if self.blocks:
            md["blocks"] = encode_layout(self.blocks)
        if self.extraction:
            md["extraction"] = self.extraction
        if self.page_labels:
            md["page_labels"] = "\n".join(f"{p}\t{label}" for p, label in self.page_labels)
        if self.links:
            md["links"] = "\n".join(self.links)
        return md

    @classmethod
    def from_metadata(cls, id: str, text: str, md: dict) -> "Chunk":
        return cls(
            id=id,
            source=md["source"],
            root=md.get("root", ""),
            title=md.get("title", md["source"]),
            start=int(md["start"]),
            end=int(md["end"]),
            text=text,
            doc_sha256=md.get("doc_sha256", ""),
            n_chunks=int(md.get("n_chunks", 0)),
            page=md.get("page"),
            section=md.get("section", ""),
            blocks=decode_layout(md.get("blocks")),
            extraction=int(md.get("extraction", 0)),
            page_labels=tuple((int(p), label) for p, _, label in (x.partition("\t") for x in (md.get("page_labels") or "").split("\n") if x)),
            links=tuple(x for x in (md.get("links") or "").split("\n") if x),
        )


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, when the dense retriever saw it
    bm25: float | None = None


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    chunk_id: str
    start: int  # span of the cited passage (the chunk) in the document text
    end: int
    text: str
    score: float
    title: str = ""
    page: int | None = None
    page_label: str = ""  # the label printed on that page, where it is not the page's number ("5" for R-exts.pdf's 12th)
    section: str = ""  # section path of the quoted text
    # Spans, relative to the document, of the answer sentences quoted from this passage (for highlighting).
    highlights: tuple[tuple[int, int], ...] = ()
    keys: tuple[tuple[int, int], ...] = ()  # spans, relative to the document, of the answer phrases inside them (Sentence.key)


@dataclass(frozen=True)
class Closest:
    """A retrieved passage shown with a refusal ("closest passages, none of which answers this")."""

    source: str
    start: int  # span of the passage in the document text
    end: int
    text: str
    score: float  # retrieval score (cosine when the dense retriever saw it)
    page: int | None = None
    title: str = ""
    section: str = ""  # section path of the passage
    page_label: str = ""  # as Citation.page_label


@dataclass(frozen=True)
class Sentence:
    text: str
    cites: tuple[int, ...]
    supported: bool
    support: float
    shown: bool = True  # False when verification removed it from the displayed answer
    display: str = ""  # how it is shown when that differs from the quoted `text`: a table row with its column names
    key: str = ""  # the answer phrase inside `text` that the span reader found (shown bold); "" for none


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    timings_ms: dict = field(default_factory=dict)
    standalone_question: str = ""
    removed_citations: tuple[int, ...] = ()  # [n] markers that resolved to no source and were dropped
    removed_sentences: int = 0  # unsupported sentences hidden from `answer`
    notes: tuple[str, ...] = ()
    refusal_score: float | None = None  # estimated P(answerable); None when not computed
    closest: tuple[Closest, ...] = ()  # refused answers only: the nearest passages, so the user can check
    short_answer: str = ""  # the key phrase the reader is surest of among the shown sentences; "" for none
    short_answer_margin: float | None = None  # the span reader's margin for it over "no answer"
    # "low": answered, but P(answerable) is below the refusal model's `caution` cut (train/confidence.py), where most
    # answers were wrong on manuals it never saw; "" otherwise (refused, or no cut).
    confidence: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        for c in d["citations"]:
            c["highlights"] = [list(h) for h in c["highlights"]]
            c["keys"] = [list(k) for k in c["keys"]]
        for s in d["sentences"]:
            s["cites"] = list(s["cites"])
        for key in ("citations", "sentences", "removed_citations", "notes", "closest"):
            d[key] = list(d[key])
        return d
