"""OCR of scanned PDFs (rag/ocr.py) measured on "scans" made here from Debian's PDF manuals.

    python -m evals.measure_ocr --set dev|heldout [--pages 12] [--jobs 2] [--out evals/results/ocr_dev.md]

Corpus (written to out/ocr_corpus/<set>/): from each manual of evals/measure_extraction.py's SETS (dev: read
to develop on; heldout: measured only at the end), PAGES pages spread through it (page floor((k + 0.5) * n / PAGES),
k = 0 .. PAGES - 1), as
  * <manual>.text.pdf: those pages themselves, with their text layer (pdfium's page import);
  * <manual>.clean.pdf: each page rendered by pdfium at 300 dpi, grayscale, kept lossless, as an image-only page;
  * <manual>.degraded.pdf: each page rendered at 200 dpi, grayscale, rotated by 0.5-1.0 degrees either way (size
    and sign drawn per page, fixed seed), blurred (Gaussian, radius 0.7 px), Gaussian noise (sigma 10 grey levels),
    stored as JPEG quality 70: a page through an office scanner.
Truth: the text PDF read by the project's loader (rag.loaders.load_file, rag/pdf_layout.py). The scans are read by
the same loader (OCR). Per manual and condition:
  * words kept: the truth's words (3+ letters, lower case, hyphens dropped on both sides first, counted with repeats)
    that the OCR text has (multiset intersection / the truth's words);
  * extra words: the OCR text's words beyond the truth's (multiset difference / the OCR's words): garbage, misreads;
  * paragraphs kept: the truth's paragraph and list-item blocks of 8+ words that one OCR block holds (90% of their
    4-word runs, as evals/measure_html.py kept_paragraph, but within one block, not the whole text);
  * sentences with an artefact: the quotable sentences (chunk_document(192, 0), quotable_spans) with an
    evals/readability.py artefact, a running header (evals/measure_extraction.py has_running, from pypdf's text of
    the text pages, as there) or a hyphenation left in; the truth's own share beside it;
  * seconds per page: wall time of load_file on the scan / its pages, and CPU seconds (this process and its
    children, i.e. tesseract) per page. With --jobs 2 two manuals run at once on the 2 cores.
Totals pool the manuals (sums of counts). The tools' versions are recorded in the .json.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals import readability  # noqa: E402
from evals.measure_extraction import _HYPHEN, PACKAGES, SETS, _unzipped, has_running, pypdf_pages, running_lines  # noqa: E402

CONDITIONS = {"clean": {"dpi": 300}, "degraded": {"dpi": 200, "angle": (0.5, 1.0), "blur": 0.7, "noise": 10, "jpeg": 70}}
CORPUS = ROOT / "out" / "ocr_corpus"


def pick(n: int, k: int) -> list[int]:
    return sorted({int((i + 0.5) * n / k) for i in range(min(k, n))})


def scan_image(page, cond: dict, seed: str):
    from PIL import Image, ImageChops, ImageFilter

    img = page.render(scale=cond["dpi"] / 72, grayscale=True).to_pil().convert("L")
    if "angle" in cond:
        rnd = random.Random(seed)
        a = rnd.uniform(*cond["angle"]) * rnd.choice((-1, 1))
        img = img.rotate(a, resample=Image.BICUBIC, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(cond["blur"]))
        img = ImageChops.add(img, Image.effect_noise(img.size, cond["noise"]), 1.0, -128)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=cond["jpeg"])
        img = Image.open(io.BytesIO(buf.getvalue()))
    return img


def build(src: Path, out: Path, n_pages: int) -> tuple[dict[str, Path], list[int]]:
    """The text subset and the two scans of one manual (see the docstring)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out.mkdir(parents=True, exist_ok=True)
    name = src.name.removesuffix(".gz").removesuffix(".pdf")
    pdf = pdfium.PdfDocument(str(src))
    pages = pick(len(pdf), n_pages)
    paths = {"text": out / f"{name}.text.pdf"}
    sub = pdfium.PdfDocument.new()
    sub.import_pages(pdf, pages)
    sub.save(str(paths["text"]))
    sub.close()
    for cname, cond in CONDITIONS.items():
        paths[cname] = out / f"{name}.{cname}.pdf"
        c = canvas.Canvas(str(paths[cname]))
        for i in pages:
            page = pdf[i]
            w, h = page.get_size()
            c.setPageSize((w, h))
            c.drawImage(ImageReader(scan_image(page, cond, f"{name}:{i}")), 0, 0, width=w, height=h)
            c.showPage()
            page.close()
        c.save()
    pdf.close()
    return paths, [p + 1 for p in pages]


def _words(text: str) -> Counter:
    return Counter(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text.replace("-", "")))


def _w(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("-", ""))


def kept_in_block(para: str, blocks: list[str]) -> bool:
    """One of `blocks` (each as " w w w ") holds 90% of the paragraph's 4-word runs."""
    w = _w(para)
    runs = [" " + " ".join(w[i : i + 4]) + " " for i in range(0, max(1, len(w) - 3))]
    return any(sum(r in b for r in runs) >= 0.9 * len(runs) for b in blocks)


def sentences(doc) -> list[str]:
    from rag.blocks import quotable_spans
    from rag.chunking import chunk_document

    out = []
    for c in chunk_document(doc, 192, 0):
        out += [c.text[s:e] for s, e in quotable_spans(c)]
    return out


def bad(s: str, running: set[str]) -> bool:
    return bool(readability.artefacts(s)) or has_running(s, running) or bool(_HYPHEN.search(s))


def load(path: Path):
    from rag.loaders import Unreadable, load_file

    try:
        return load_file(path.resolve(), path.resolve().parent, 10**10)
    except Unreadable:
        return None


def measure(src: Path, out: Path, n_pages: int, paragraphs: bool = True) -> dict:
    from rag import ocr

    ocr.PARAGRAPHS = paragraphs
    paths, pages = build(src, out, n_pages)
    truth = load(paths["text"])
    running = running_lines(pypdf_pages(paths["text"].read_bytes()))
    t_words = _words(truth.text if truth else "")
    paras = [truth.text[b.start : b.end] for b in (truth.blocks if truth else ()) if b.kind in ("paragraph", "list_item")]
    paras = [p for p in paras if len(_w(p)) >= 8]
    t_sents = sentences(truth) if truth else []
    row = {"file": paths["text"].name.removesuffix(".text.pdf"), "pages": pages, "truth": {
        "words": sum(t_words.values()), "paragraphs": len(paras), "sentences": len(t_sents), "bad": sum(bad(s, running) for s in t_sents)}}
    for cname in CONDITIONS:
        c0, w0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        s0 = time.process_time()
        doc = load(paths[cname])
        wall, cpu = time.perf_counter() - w0, time.process_time() - s0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
        text = doc.text if doc else ""
        got = _words(text)
        blocks = [" " + " ".join(_w(text[b.start : b.end])) + " " for b in (doc.blocks if doc else ())]
        sents = sentences(doc) if doc else []
        row[cname] = {"words": sum(got.values()), "kept": sum(min(n, got[w]) for w, n in t_words.items()),
                      "extra": sum(max(0, n - t_words[w]) for w, n in got.items()),
                      "paragraphs_kept": sum(kept_in_block(p, blocks) for p in paras),
                      "sentences": len(sents), "bad": sum(bad(s, running) for s in sents),
                      "s_page": wall / len(pages), "cpu_page": cpu / len(pages), "blocks": dict(Counter(b.kind for b in (doc.blocks if doc else ())))}
    return row


def _job(args):
    return measure(*args)


def versions() -> dict:
    import PIL
    import pypdfium2
    import reportlab

    try:
        tess = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[:2]
    except OSError:
        tess = ["not installed"]
    return {"tesseract": " / ".join(t.strip() for t in tess), "pypdfium2": pypdfium2.version.PYPDFIUM_INFO.__str__(),
            "pdfium": str(pypdfium2.version.PDFIUM_INFO), "Pillow": PIL.__version__, "reportlab": reportlab.Version}


def _pct(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "–"


def render(rows: list[dict], which: str, meta: dict, command: str) -> str:
    lines = [f"# OCR of scanned PDFs ({which}): rag/ocr.py on scans made from Debian manuals", "",
             f"Regenerate: `{command}` (manuals from {PACKAGES.get(which, 'the packages named')}; needs tesseract-ocr). "
             f"Tools: {meta['versions']}. Rules and conditions: the docstring of evals/measure_ocr.py "
             f"(clean: 300 dpi lossless; degraded: 200 dpi, rotated 0.5-1 degrees, blur, noise, JPEG 70). "
             f"{meta['pages']} pages per manual spread through it; tesseract paragraphs {'on' if meta['paragraphs'] else 'off'}; jobs {meta['jobs']}.", "",
             "| manual | condition | pages | words kept | extra words | paragraphs (8+ words) in one block | sentences with an artefact (OCR) | same, text PDF | s/page wall | CPU s/page |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for cname in CONDITIONS:
        tot = Counter()
        for r in rows:
            t, o = r["truth"], r[cname]
            n = len(r["pages"])
            lines.append(f"| {r['file']} | {cname} | {n} | {_pct(o['kept'], t['words'])} | {_pct(o['extra'], o['words'])} | "
                         f"{_pct(o['paragraphs_kept'], t['paragraphs'])} | {_pct(o['bad'], o['sentences'])} | {_pct(t['bad'], t['sentences'])} | "
                         f"{o['s_page']:.2f} | {o['cpu_page']:.2f} |")
            tot.update({"pages": n, "tw": t["words"], "kept": o["kept"], "extra": o["extra"], "ow": o["words"], "tp": t["paragraphs"],
                        "pk": o["paragraphs_kept"], "ob": o["bad"], "os": o["sentences"], "tb": t["bad"], "ts": t["sentences"],
                        "wall": o["s_page"] * n, "cpu": o["cpu_page"] * n})
        lines.append(f"| **all** | {cname} | {tot['pages']} | {_pct(tot['kept'], tot['tw'])} | {_pct(tot['extra'], tot['ow'])} | "
                     f"{_pct(tot['pk'], tot['tp'])} | {_pct(tot['ob'], tot['os'])} | {_pct(tot['tb'], tot['ts'])} | "
                     f"{tot['wall'] / max(1, tot['pages']):.2f} | {tot['cpu'] / max(1, tot['pages']):.2f} |")
    lines += ["", "Blocks found on the scans:", ""]
    for r in rows:
        for cname in CONDITIONS:
            lines.append(f"- {r['file']} {cname}: " + ", ".join(f"{k} {v}" for k, v in sorted(r[cname]["blocks"].items())))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--pages", type=int, default=12, help="pages per manual, spread through it")
    ap.add_argument("--jobs", type=int, default=1, help="manuals measured at once")
    ap.add_argument("--no-paragraphs", action="store_true", help="ignore tesseract's paragraph breaks (rag.ocr.PARAGRAPHS = False)")
    ap.add_argument("--out", type=Path, default=None, help="default: evals/results/ocr_<set>.md (and .json)")
    a = ap.parse_args(argv)
    out = a.out or ROOT / "evals" / "results" / f"ocr_{a.set}.md"
    pdfs = [Path(p) for p in SETS[a.set] if Path(p).exists()]
    if not pdfs:
        print(f"no manuals found: apt-get install {PACKAGES[a.set]}", file=sys.stderr)
        return 2
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(_unzipped(p, Path(tmp)), CORPUS / a.set, a.pages, not a.no_paragraphs) for p in pdfs]
        if a.jobs > 1:
            from multiprocessing import get_context

            with get_context("spawn").Pool(a.jobs) as pool:
                rows = pool.map(_job, jobs, chunksize=1)
        else:
            rows = [_job(j) for j in jobs]
    meta = {"versions": versions(), "pages": a.pages, "paragraphs": not a.no_paragraphs, "jobs": a.jobs}
    (CORPUS / a.set / "versions.json").write_text(json.dumps(meta, indent=1))
    rel = out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out
    command = f"python -m evals.measure_ocr --set {a.set} --pages {a.pages} --jobs {a.jobs}" + (" --no-paragraphs" if a.no_paragraphs else "") + f" --out {rel}"
    md = render(rows, a.set, meta, command)
    out.write_text(md)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
