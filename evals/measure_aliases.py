"""How the span reader takes a name it has not seen in the passage: the same question, with one entity
named as the passage names it and as a person would name it otherwise ("the US" / "Washington").

    python -m evals.measure_aliases [--weights rag/models/span_reader.safetensors] [--out evals/results/aliases.md]

Every row reads one passage of the seed article (the sentence that answers it, with its neighbours) and
prints the reader's margin over "no answer" (> 0: an answer is here) and its span. A name swapped for another
entity was one of the reader's no-answer training examples (train/span_reader.py, `--perturb`); an alias is
not another entity, and the reader cannot tell the two apart from the passage alone. The questions are the
seeds suite's paraphrases and their plain forms; this is a probe of one effect, not a suite (nothing is gated).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "evals" / "results"

# (passage anchor in the seed article, [(how the entity is named, question), ...]); the first form names it as the passage does
PROBES = [
    ("INF Treaty", [
        ("as in the passage", "When did the US abandon the INF Treaty?"),
        ("the United States", "When did the United States abandon the INF Treaty?"),
        ("Washington", "When did Washington abandon the INF Treaty?"),
        ("accord for Treaty", "When did the US abandon the INF accord?"),
        ("walk away from", "When did the US walk away from the INF Treaty?"),
        ("the seeds paraphrase", "What year did Washington walk away from the INF accord?"),
    ]),
    ("pre-2014 relations", [
        ("as in the passage", "To which relations with the Kremlin did the member states agree not to return?"),
        ("Moscow", "To which relations with Moscow did the member states agree not to return?"),
        ("Russia", "To which relations with Russia did the member states agree not to return?"),
        ("the allies", "To which relations with the Kremlin did the allies agree not to return?"),
    ]),
    ("gathered in Brussels", [
        ("as in the passage", "Where did the members of the bloc gather?"),
        ("NATO", "Where did the members of NATO gather?"),
        ("the alliance's delegates", "In which city did the alliance's delegates convene?"),
    ]),
]


def passage_around(text: str, anchor: str, chars: int = 500) -> str:
    i = text.index(anchor)
    return text[max(0, i - chars) : i + chars]


def main(argv=None) -> int:
    from rag.reader import SPAN_WEIGHTS, load_span_reader

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=SPAN_WEIGHTS)
    ap.add_argument("--out", type=Path, default=RESULTS / "aliases.md")
    a = ap.parse_args(argv)
    reader = load_span_reader(a.weights)  # numpy, fp32: the reference pass
    text = next((ROOT / "seeds").glob("*.txt")).read_text()
    rows = []
    for anchor, forms in PROBES:
        passage = passage_around(text, anchor)
        for named, q in forms:
            r = reader.read(q, [passage])[0]
            rows.append({"passage": anchor, "named": named, "question": q, "margin": round(r.score, 2), "span": passage[r.start : r.end]})
    lines = ["# The span reader and names it has not seen in the passage", "",
             f"`python -m evals.measure_aliases --weights {a.weights.relative_to(ROOT) if a.weights.is_relative_to(ROOT) else a.weights}`: "
             "the margin of the best span over \"no answer\" (> 0: an answer is here), one passage of the seed article per group.", "",
             "| passage | entity named | question | margin | span |", "|---|---|---|---:|---|"]
    lines += [f"| {r['passage']} | {r['named']} | {r['question']} | {r['margin']:+.2f} | {r['span']} |" for r in rows]
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text("\n".join(lines) + "\n")
    a.out.with_suffix(".json").write_text(json.dumps({"weights": str(a.weights.name), "rows": rows}, indent=1) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
