"""Sentence boundaries: rag/text.py's regex splitter against NLTK punkt's `span_tokenize`.

    python -m evals.measure_sentences [--pdf FILE ...] [--out evals/results/sentences.md]

* SQuAD 2.0 dev (18 articles, every answerable question): the share of questions whose gold
  answer occurs in its passage but inside no single sentence (the splitter cut it), and how
  often the two splitters agree on the boundaries.
* Real manuals (Debian PDFs through rag/pdf_layout.py; the prose, list-item and table-row
  blocks the answerer may quote): boundary agreement, suspicious boundaries (right after a
  common abbreviation like "e.g." or an initial; a sentence that starts in lower case) and
  overlong sentences (a missed boundary), plus examples of disagreements.
Punkt's English parameters are read from llama-index-core's wheel (`_static`); NLTK_DATA is
never set (it would send NLTK to the network). Speed is CPU seconds per million characters, same run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.data import data_root  # noqa: E402
from rag.blocks import QUOTABLE  # noqa: E402
from rag.text import sentence_spans  # noqa: E402

_ABBREV_CUT = re.compile(r"(?:\b(?:e\.g|i\.e|etc|cf|vs|Fig|fig|approx|resp|Sec|sec|Eq|eq|No|no|Dr|Mr|Mrs|St)\.|\b[A-Z]\.)$")


def punkt():
    """NLTK punkt (English) from llama-index-core's wheel, the way llama-index itself loads it:
    its `_static/nltk_cache` appended to nltk.data.path (NLTK_DATA is never set)."""
    import os

    import llama_index.core
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    assert "NLTK_DATA" not in os.environ, "unset NLTK_DATA: it sends NLTK to the network"
    cache = str(Path(llama_index.core.__file__).parent / "_static" / "nltk_cache")
    if cache not in nltk.data.path:
        nltk.data.path.append(cache)
    tok = PunktTokenizer("english")
    return lambda text: list(tok.span_tokenize(text))


def boundaries(spans) -> set[int]:
    return {e for _, e in spans[:-1]}


def agreement(a: set[int], b: set[int], text: str) -> tuple[int, int, int]:
    """(both, only a, only b), a boundary matching when the next sentence starts at the same place."""
    def starts(bs):
        out = set()
        for e in bs:
            i = e
            while i < len(text) and text[i].isspace():
                i += 1
            out.add(i)
        return out

    sa, sb = starts(a), starts(b)
    return len(sa & sb), len(sa - sb), len(sb - sa)


def squad(splitters: dict) -> dict:
    d = data_root() / "squad2-dev"
    passages = {}
    for line in (d / "passages.jsonl").read_text().splitlines():
        p = json.loads(line)
        passages[p["passage_id"]] = p["text"]
    qs = [json.loads(line) for line in (d / "questions.jsonl").read_text().splitlines()]
    qs = [q for q in qs if q["answerable"] and q["passage_id"] in passages]
    out = {}
    cache = {name: {pid: fn(t) for pid, t in passages.items()} for name, fn in splitters.items()}
    for name in splitters:
        cut = present = 0
        for q in qs:
            text = passages[q["passage_id"]]
            spans = cache[name][q["passage_id"]]
            occ = [(m.start(), m.start() + len(a)) for a in q["answers"] if a for m in re.finditer(re.escape(a), text)]
            if not occ:
                continue
            present += 1
            if not any(s <= a and b <= e for a, b in occ for s, e in spans):
                cut += 1
        n_sent = sum(len(v) for v in cache[name].values())
        t = time.process_time()
        for text in passages.values():
            splitters[name](text)
        secs = time.process_time() - t
        chars = sum(len(t) for t in passages.values())
        out[name] = {"questions": present, "cut": cut, "cut_share": cut / present, "sentences": n_sent, "s_per_mchar": secs / chars * 1e6}
    names = list(splitters)
    both = only_a = only_b = 0
    for pid, text in passages.items():
        x, y, z = agreement(boundaries(cache[names[0]][pid]), boundaries(cache[names[1]][pid]), text)
        both, only_a, only_b = both + x, only_a + y, only_b + z
    out["agreement"] = {"both": both, f"only_{names[0]}": only_a, f"only_{names[1]}": only_b}
    return out


def manuals(pdfs: list[Path], splitters: dict) -> dict:
    from rag.loaders import load_file

    texts = []
    for p in pdfs:
        doc = load_file(p.resolve(), p.resolve().parent, 10**10)
        texts += [doc.text[b.start:b.end] for b in doc.blocks if b.kind in QUOTABLE]
    out: dict = {"documents": [p.name for p in pdfs], "blocks": len(texts), "chars": sum(map(len, texts))}
    spans = {name: [fn(t) for t in texts] for name, fn in splitters.items()}
    for name in splitters:
        abbrev = lower = long = n = 0
        for t, ss in zip(texts, spans[name]):
            n += len(ss)
            for (s, e), nxt in zip(ss, ss[1:] + [None]):
                if nxt is not None and _ABBREV_CUT.search(t[s:e]):
                    abbrev += 1
                if s > 0 and t[s:s + 1].islower():
                    lower += 1
                long += e - s > 600
        out[name] = {"sentences": n, "cut_after_abbreviation": abbrev, "starts_lowercase": lower, "over_600_chars": long}
    names = list(splitters)
    both = only_a = only_b = 0
    examples = []
    for t, a, b in zip(texts, spans[names[0]], spans[names[1]]):
        x, y, z = agreement(boundaries(a), boundaries(b), t)
        both, only_a, only_b = both + x, only_a + y, only_b + z
        if (y or z) and len(examples) < 8 and len(t) < 400:
            examples.append({n: [t[s:e] for s, e in sp] for n, sp in ((names[0], a), (names[1], b))})
    out["agreement"] = {"both": both, f"only_{names[0]}": only_a, f"only_{names[1]}": only_b}
    out["examples"] = examples
    return out


def render(sq: dict, man: dict, names: list[str]) -> str:
    lines = ["# Sentence boundaries: regex (rag/text.py) vs NLTK punkt", "",
             "Regenerate: `python -m evals.measure_sentences` (SQuAD 2.0 dev from the shared data; "
             "manuals: the Debian PDFs named below, through rag/pdf_layout.py).", "",
             "## SQuAD 2.0 dev (answerable questions whose answer occurs in the passage)", "",
             "| splitter | questions | answer cut by a boundary | share | sentences | CPU s per M chars |", "|---|---|---|---|---|---|"]
    for n in names:
        r = sq[n]
        lines.append(f"| {n} | {r['questions']} | {r['cut']} | {r['cut_share']:.4f} | {r['sentences']} | {r['s_per_mchar']:.3f} |")
    a = sq["agreement"]
    lines += ["", f"Boundaries found by both: {a['both']}; only by {names[0]}: {a['only_' + names[0]]}; only by {names[1]}: {a['only_' + names[1]]}.", ""]
    lines += [f"## Real manuals ({', '.join(man['documents'])}; {man['blocks']} quotable blocks, {man['chars']:,} chars)", "",
              "| splitter | sentences | boundary right after an abbreviation/initial | sentence starts lower-case | sentences > 600 chars |", "|---|---|---|---|---|"]
    for n in names:
        r = man[n]
        lines.append(f"| {n} | {r['sentences']} | {r['cut_after_abbreviation']} | {r['starts_lowercase']} | {r['over_600_chars']} |")
    a = man["agreement"]
    lines += ["", f"Boundaries found by both: {a['both']}; only by {names[0]}: {a['only_' + names[0]]}; only by {names[1]}: {a['only_' + names[1]]}.", "",
              "Examples where they disagree:", ""]
    for ex in man["examples"]:
        for n in names:
            lines.append(f"- {n}: " + " ‖ ".join(s.replace("\n", " ") for s in ex[n]))
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, nargs="*", default=[Path("/usr/share/doc/r-doc-pdf/manual/R-intro.pdf"), Path("/usr/share/doc/r-doc-pdf/manual/R-data.pdf")])
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "sentences.md")
    a = ap.parse_args(argv)
    splitters = {"regex": sentence_spans, "punkt": punkt()}
    sq = squad(splitters)
    pdfs = [p for p in a.pdf if p.exists()]
    if not pdfs:
        print("no manual PDFs found: apt-get install r-doc-pdf", file=sys.stderr)
        return 2
    man = manuals(pdfs, splitters)
    md = render(sq, man, list(splitters))
    a.out.write_text(md)
    a.out.with_suffix(".json").write_text(json.dumps({"squad": sq, "manuals": man}, indent=1, ensure_ascii=False))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
