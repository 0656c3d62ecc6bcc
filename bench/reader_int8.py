"""Would int8 make the span reader fast enough? Speed and agreement against fp32, in one run.

    python bench/reader_int8.py [--questions 40] [--seed 0] [--out evals/results/reader_int8.md]

The shipped span reader runs in torch fp32 in long-running processes (rag/reader.py SpanReader,
backend "torch"). Here a second copy has every encoder Linear layer replaced by torch.ao's dynamic
int8 one (rag/quantized.py quantize_linears, per output channel, as the int8 embedder uses). Each
question reads 5 passages, as `Pipeline.ask` does: its SQuAD 2.0 gold passage plus 4 others drawn
with the seed. The two copies answer the same questions alternately, so the ratio of the p50s is
measured under the same load. Agreement: how often the gold passage's best span is the same, and
how far the margins over "no answer" move (they feed refusal and sentence ranking).
Left out: int8 on the numpy backend (numpy has no int8 GEMM), static quantisation (needs
calibration data), quantisation-aware training.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.data import data_root  # noqa: E402


FFN_OUT = re.compile(r"^encoder\.layer\.\d+\.output\.dense$")  # BERT's activation outliers sit at this layer's input


def int8_reader(keep_fp32: re.Pattern | None = None):
    """A SpanReader on the torch backend whose encoder Linear layers run in dynamic int8 (but those
    whose name matches `keep_fp32`)."""
    from rag.quantized import int8_encoder_linears
    from rag.reader import SpanReader

    r = SpanReader(backend="torch")
    m = r.model
    q = int8_encoder_linears(m.w, keep_fp32)
    fp32 = m._lin
    m._lin = lambda x, name: q[name.replace(".", "/")](x) if name.replace(".", "/") in q else fp32(x, name)
    return r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", type=Path, default=data_root())
    ap.add_argument("--heldout", action="store_true", help="also train/span_reader.py's held-out measures per variant (~1.5 min each)")
    ap.add_argument("--out", type=Path, default=ROOT / "evals" / "results" / "reader_int8.md")
    a = ap.parse_args(argv)
    import torch

    from rag.reader import SpanReader
    from train.reader import load_squad_dir

    torch.set_num_threads(2)
    readers = {"torch fp32 (shipped)": SpanReader(backend="torch"), "all encoder Linear layers int8": int8_reader(),
               "int8, the FFN output layers kept fp32": int8_reader(FFN_OUT)}
    passages, questions = load_squad_dir(a.data / "squad2-dev")
    rng = random.Random(a.seed)
    qs = rng.sample([q for q in questions if q["answerable"]], a.questions)
    pids = sorted(passages)
    sets = [(q["question"], [passages[q["passage_id"]]["text"]] + [passages[p]["text"] for p in rng.sample(pids, 4)]) for q in qs]
    times = {k: [] for k in readers}
    reads = {k: [] for k in readers}
    for r in readers.values():
        r.read("warm up", ["one passage."])
    for question, ps in sets:  # alternating, so every variant sees the same load
        for k, r in readers.items():
            t = time.perf_counter()
            reads[k].append(r.read(question, ps))
            times[k].append(time.perf_counter() - t)
    ref = next(iter(readers))
    rows = []
    for k in readers:
        moved = [abs(u.score - v.score) for x, y in zip(reads[ref], reads[k]) for u, v in zip(x, y)]
        rows.append({"variant": k, "p50_ms": round(1e3 * float(np.median(times[k])), 1),
                     "ratio": round(float(np.median(times[k]) / np.median(times[ref])), 2),
                     "same_gold_span": sum((x[0].start, x[0].end) == (y[0].start, y[0].end) for x, y in zip(reads[ref], reads[k])),
                     "margin_moved_mean": round(float(np.mean(moved)), 3), "margin_moved_max": round(float(np.max(moved)), 3)})
    if a.heldout:  # the same measures as the model card's, with each variant as the reader
        import rag.reader
        import train.span_reader as T

        cls = rag.reader.SpanReader
        try:
            for row, r in zip(rows, readers.values()):
                rag.reader.SpanReader = lambda *_a, _r=r, **_k: _r
                m = T.measure(rag.reader.SPAN_WEIGHTS, a.data)
                row["heldout"] = {"squad2_auc": m["auc_answerable_vs_unanswerable"], "squad2_top1_sentence": m["top1_sentence_holds_answer"],
                                  "squad2_span_contains": m["span_contains_gold"], "rgb_auc_per_record": m["rgb_dev"].get("auc_per_record_mean")}
        finally:
            rag.reader.SpanReader = cls
    res = {"command": "python bench/reader_int8.py" + (f" --questions {a.questions}" if a.questions != 40 else "") + (" --heldout" if a.heldout else ""),
           "questions": len(qs), "load_average": [round(v, 2) for v in os.getloadavg()], "rows": rows}
    a.out.with_suffix(".json").write_text(json.dumps(res, indent=1) + "\n")
    a.out.write_text(
        "# The span reader in int8: speed and agreement with fp32\n\n"
        f"`{res['command']}` · load average {res['load_average']} on 2 CPUs · {len(qs)} SQuAD 2.0 questions, 5 passages each (the gold one first), variants alternating\n\n"
        "| reader, read() of 5 passages | p50 | ratio to fp32 | same best span on the gold passage | margin moved, mean (max), logits |\n|---|---:|---:|---:|---:|\n"
        + "".join(f"| {r['variant']} | {r['p50_ms']} ms | {r['ratio']} | {r['same_gold_span']}/{len(qs)} | {r['margin_moved_mean']} ({r['margin_moved_max']}) |\n" for r in rows)
        + ("\nHeld out (train/span_reader.py's measures: SQuAD 2.0's 9 held-out articles, RGB dev):\n\n"
           "| reader | SQuAD AUC answerable vs not | top-1 sentence holds the answer | span contains gold | RGB AUC per record |\n|---|---:|---:|---:|---:|\n"
           + "".join(f"| {r['variant']} | {r['heldout']['squad2_auc']} | {r['heldout']['squad2_top1_sentence']} | {r['heldout']['squad2_span_contains']} | {r['heldout']['rgb_auc_per_record']} |\n" for r in rows)
           if a.heldout else "")
        + "\nThe margin over \"no answer\" is the refusal model's strongest feature (rag/refusal_span_model.json).\n")
    print(a.out.read_text())

if __name__ == "__main__":
    main()
