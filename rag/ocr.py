"""Scanned PDF pages -> lines for the layout extractor, read by OCR (Debian's `tesseract` binary).

A page is scanned when its text layer has fewer than MIN_CHARS letters and digits and an image covers
at least half of it. Such a page is rendered by pypdfium2 (DPI, grayscale) and read by `tesseract IMG -
hocr` (a subprocess: no Python dependency, no network; OMP_THREAD_LIMIT=1, TIMEOUT seconds a page).
Its hOCR lines become `pdf_layout.Line`s in PDF units (left edge, baseline, size from tesseract's
x_size), so that scanned pages go through the same rules as text pages (rag/pdf_layout.py): paragraphs,
wrapped lines joined, headings by size, running headers and page numbers, joins across pages. On top:
  * tesseract's paragraphs: a paragraph after the first of its block starts a new block (`Line.ocr_par`);
  * a line-end hyphen after a letter, before a line that starts in lower case (or at the page's foot), is
    an end-of-line hyphenation (pdfium's mark), undone unless the document spells the word with one;
  * noise: a line whose mean word confidence is below MIN_CONF, whose non-space characters are less
    than 40% letters and digits (a figure's strokes read as "| ~ —"), or set 3.5 times the median size, is dropped;
  * a superscript note mark set apart from its word (small, ending well above the baseline) is dropped;
    a raised number opening a line is a footnote's mark (`Line.lead_mark`, as pdf_layout sets it), and a raised
    sign there ("!", "?": a misread mark) is "*";
  * a round bullet read as "e", "o", "©" ... before a line's other words is "•";
  * running headers and footers read slightly differently on each page (OCR errors): among a page's two
    top and two bottom lines, one that nearly matches (difflib ratio 0.8, digits ignored) such a line on
    2+ other scanned pages (1+ in a document of fewer than 6) is dropped; bare page numbers there too, and
    lines there that start or end with a number when half the pages or more have one ("Chapter 4: Title 52");
  * sizes within 15% of the scanned lines' median are that median (tesseract's estimate wobbles from
    line to line), and so are those of lines not mostly letters ("$ v=123" is no heading); in a PDF with
    text pages too, the scanned sizes are scaled so that their median is the text pages' body size.
Settings: RAG_OCR=off never reads a scan; RAG_OCR_LANG (default eng; "eng+deu" needs tesseract-ocr-deu).
OCR is slow: seconds per page. Left out: handwriting, tables (a scanned table is read as lines of text),
fixed-pitch code (read as prose), bold headings (only larger type makes a heading), multi-column
reading order beyond tesseract's own, page orientation other than upright, pages whose text is vector outlines.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from statistics import median

log = logging.getLogger(__name__)

DPI = 300
TIMEOUT = 120  # seconds for one page
MIN_CHARS = 20  # a page with fewer letters/digits in its text layer may be a scan
MIN_CONF = 45  # mean word confidence (0-100) below which a line is noise
PARAGRAPHS = True  # tesseract's paragraph breaks start new blocks (evals/measure_ocr.py --no-paragraphs)
INSTALL = "scanned PDF: install tesseract-ocr (apt-get install tesseract-ocr) to read it"


class OcrError(Exception):
    """A scanned PDF that can't be read: the message says why and the fix."""


def options() -> tuple[bool, str]:
    """(on, language) from RAG_OCR and RAG_OCR_LANG (rag/settings.py)."""
    from rag.settings import Settings

    s = Settings()
    return s.ocr != "off", s.ocr_lang


def tesseract() -> str | None:
    return shutil.which("tesseract")


def is_scanned(page, lines) -> bool:
    """Almost no text layer, and an image covering half the page or more."""
    import pypdfium2.raw as raw

    if sum(ch.isalnum() for ln in lines for ch in ln.text) >= MIN_CHARS:
        return False
    area = max(page.get_width() * page.get_height(), 1.0)
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) >= 0.5 * area:
            return True
    return False


def page_lines(page, pno: int, lang: str = "eng", exe: str | None = None) -> list:
    """The scanned page's lines (pdf_layout.Line, PDF units) read by tesseract; [] when it times out."""
    exe = exe or tesseract()
    if not exe:
        raise OcrError(INSTALL)
    if not re.fullmatch(r"[A-Za-z_]+(?:\+[A-Za-z_]+)*", lang):
        raise OcrError(f"scanned PDF: bad OCR language {lang!r} (RAG_OCR_LANG, e.g. eng or eng+deu)")
    image = page.render(scale=DPI / 72, grayscale=True).to_pil()
    with tempfile.TemporaryDirectory(prefix="rag-ocr-") as tmp:
        path = os.path.join(tmp, "page.png")
        image.save(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            run = subprocess.run([exe, path, "-", "-l", lang, "hocr"], capture_output=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            log.warning("OCR of page %d took over %d s: skipped", pno, TIMEOUT)
            return []
    if run.returncode != 0:
        err = run.stderr.decode("utf-8", "replace")
        if "loading language" in err.lower() or "traineddata" in err:
            raise OcrError(f"scanned PDF: OCR language {lang!r} is not installed (apt-get install tesseract-ocr-{lang.split('+')[0]})")
        raise OcrError(f"scanned PDF: tesseract failed ({err.strip()[:80]})")
    return _lines(run.stdout.decode("utf-8", "replace"), pno, page.get_height())


class _Hocr(HTMLParser):
    """Collects lines: (block, paragraph, bbox, baseline, x_size, [(word, conf)])."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[dict] = []
        self.stack: list[str] = []
        self.block = self.par = 0
        self.word: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls, title = a.get("class") or "", a.get("title") or ""
        self.stack.append(cls)
        if cls == "ocr_carea":
            self.block += 1
        elif cls == "ocr_par":
            self.par += 1
        elif cls in ("ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"):
            self.lines.append({"block": self.block, "par": self.par, "bbox": _nums(title, "bbox"), "baseline": _nums(title, "baseline"),
                               "x_size": (_nums(title, "x_size") or [0.0])[0], "words": []})
        elif cls == "ocrx_word" and self.lines:
            self.word = []
            self.lines[-1]["words"].append([self.word, (_nums(title, "x_wconf") or [0.0])[0], _nums(title, "bbox")])

    def handle_endtag(self, tag):
        if self.stack and self.stack.pop() == "ocrx_word":
            self.word = None

    def handle_data(self, data):
        if self.word is not None:
            self.word.append(data)


def _nums(title: str, key: str) -> list[float]:
    m = re.search(rf"\b{key}\s+([-\d.\s]+)", title)
    return [float(x) for x in m.group(1).split()] if m else []


def _lines(hocr: str, pno: int, height: float) -> list:
    from rag.pdf_layout import SOFT_HYPHEN, Line

    p = _Hocr()
    p.feed(hocr)
    k = 72 / DPI
    out: list[Line] = []
    first_par: dict[int, float] = {}
    prev_par = None
    for ln in p.lines:
        first_par.setdefault(ln["block"], ln["par"])
        if len(ln["bbox"]) != 4:
            continue
        x0, y0, x1, y1 = ln["bbox"]
        offset = ln["baseline"][1] if len(ln["baseline"]) == 2 else 0.0
        xs = ln["x_size"] or y1 - y0
        words = [("".join(w).strip(), c) for i, (w, c, box) in enumerate(ln["words"]) if not (i and _note_mark("".join(w).strip(), box, y1 + offset, xs))]
        words = [(w, c) for w, c in words if w]
        if not words:
            continue
        if len(words) > 1 and words[0][0] in _BULLETS:
            words[0] = ("•", words[0][1])  # a round bullet read as a letter or sign
        text = " ".join(w for w, _ in words)
        chars = text.replace(" ", "")
        if sum(c for _, c in words) / len(words) < MIN_CONF or sum(ch.isalnum() for ch in chars) < 0.4 * len(chars):
            continue
        base = height - (y1 + offset) * k  # the baseline at the line's left edge (no slope: gaps measured at the left)
        size = round(xs * k, 1)
        starts = PARAGRAPHS and ln["par"] != first_par[ln["block"]] and ln["par"] != prev_par
        first = ln["words"][0][2]  # a raised number opening the line: a footnote's mark
        mark = len(words) > 1 and len(first) == 4 and first[3] <= y1 + offset - 0.2 * xs and bool(re.fullmatch(r"\d{1,3}|[^\w\s]{1,2}", words[0][0]))
        if mark and not words[0][0].isdigit():
            text = "*" + text[len(words[0][0]) :]  # a mark misread as "!" or "?"
        out.append(Line(text, x0 * k, x1 * k, base, base, size, 400, False, page=pno, lead_mark=mark, ocr_par=starts))
        prev_par = ln["par"]
    for a, b in zip(out, out[1:] + [None]):
        if re.search(r"[A-Za-z]{2}-$", a.text) and (b is None or b.text[:1].islower()):
            a.text = a.text[:-1] + SOFT_HYPHEN
    return out


def _note_mark(word: str, box: list[float], baseline: float, x_size: float) -> bool:
    """A superscript note mark set apart ("possible. 8"): 1-3 characters, small, ending well above the baseline."""
    return (len(word) <= 3 and len(box) == 4 and re.search(r"[\d*†‡°]", word) is not None and box[3] - box[1] <= 0.6 * x_size
            and box[3] <= baseline - 0.25 * x_size)


_BULLETS = {"e", "o", "°", "©", "«", "»", "¢", "@", "®", "•", "*", "+"}


def _key(text: str) -> str:
    return re.sub(r"[^a-z#]+", "", re.sub(r"\d+", "#", text.lower()))


def drop_running(pages: dict[int, list], heights: dict[int, float]) -> None:
    """Drop the running headers/footers and page numbers of the scanned pages (page -> lines), in place:
    among the two lines nearest a page's top or bottom edge (in its top or bottom 15%)."""
    from rag.pdf_layout import _PAGE_NO

    edges = {}
    for p, lines in pages.items():
        by_y, h = sorted(lines, key=lambda ln: -ln.top), heights[p]
        edges[p] = [ln for ln in by_y[:2] if ln.top > 0.85 * h] + [ln for ln in by_y[-2:] if ln.top < 0.15 * h]
    need = 2 if len(pages) >= 6 else 1
    # "Chapter 4: Shell Builtin Commands 52": edge lines that start or end with a number on half the pages or more
    numbered = {id(ln) for e in edges.values() for ln in e if re.search(r"^\d+\s|\s\d+$", ln.text) and not ln.lead_mark}
    if len(pages) < 6 or len({p for p, e in edges.items() if any(id(ln) in numbered for ln in e)}) < 0.5 * len(pages):
        numbered = set()
    for p, lines in pages.items():
        gone = {id(ln) for ln in edges[p] if id(ln) in numbered}
        for ln in edges[p]:
            key = _key(ln.text)
            if _PAGE_NO.match(ln.text.strip(" -–—.")):
                gone.add(id(ln))
            elif len(key) >= 3 and _seen_on(key, (edges[q] for q in edges if q != p), need):
                gone.add(id(ln))
        lines[:] = [ln for ln in lines if id(ln) not in gone]


def _seen_on(key: str, others, need: int) -> bool:
    """Does a line nearly matching `key` stand on at least `need` of the other pages' edges? (Stops counting at `need`:
    a 300-page scan compares each edge line with a few pages, not all of them.)"""
    found = 0
    for edge in others:
        if any(difflib.SequenceMatcher(None, key, _key(o.text)).ratio() >= 0.8 for o in edge):
            found += 1
            if found >= need:
                return True
    return False


def fit_sizes(pages: dict[int, list], body: float | None) -> None:
    """Snap the scanned lines' sizes within 15% of their median (and those of lines not mostly letters) to it,
    scaled to `body` (the text pages' body size) when given; drop lines 3.5 times the median size or more."""
    sizes = [ln.size for lines in pages.values() for ln in lines for _ in ln.text]
    if not sizes:
        return
    mid = median(sizes)
    scale = body / mid if body else 1.0
    for lines in pages.values():
        lines[:] = [ln for ln in lines if ln.size <= 3.5 * mid]  # a figure's strokes read as giant letters
        for ln in lines:
            chars = ln.text.replace(" ", "")
            wordy = re.search(r"[A-Za-z]{3}", ln.text) and sum(ch.isalpha() for ch in chars) >= 0.6 * len(chars)
            ln.size = round((mid if abs(ln.size - mid) <= 0.15 * mid or not wordy else ln.size) * scale, 1)
