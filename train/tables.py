"""Synthetic table-row examples for the span reader: (question, rows as the reader sees them, span or None).

Why: the span reader was trained on SQuAD prose only, and reads a table row badly. Given
"codes: AU; coordinates: -4253+14719; TZ: Australia/Hobart; comments: Tasmania" and "What TZ name
should I set for a computer in Tasmania?" it picked "TZ" and scored "no answer" (margin -3.0). A
question over a table names a row by one or two of its cells and asks for another column; the
answer is that row's cell. So these examples teach that, and its two ways to fail:

  * answerable: "What is the <column> of <cell>?" (and other phrasings, some as keywords, some
    naming the key's column, some pinning the row by two cells) -> the row's cell of <column>;
  * no answer: the same question for a cell no row holds ("of <another value>"), or for a column
    the table does not have.

Tables are generated, not copied: column names from a hand-written list of the kinds documents use,
values drawn per column kind (codes, hex ids, versions, dates, numbers, sizes, words and names taken
from the training passages). Rows are written as rag.blocks.reader_view writes a row under a header
row ("name: value; ..."), one row per block, a blank line between rows, as a chunk of a table reads;
a quarter of the tables show their header row and bare " | " rows instead (a chunk that holds the
header row). No document of any eval suite is used.
Left out: header-less tables, synonyms of column names, questions over several rows (counts,
comparisons), yes/no questions.
"""

from __future__ import annotations

import random
import string

# (column name, value kind). A table takes 3-7 of them, at most one per name.
COLUMNS = [
    ("name", "name"), ("code", "code"), ("id", "hex"), ("device id", "hex"), ("version", "version"), ("codename", "name"),
    ("release", "date"), ("released", "date"), ("created", "date"), ("end of life", "date"), ("date", "date"),
    ("size", "size"), ("type", "word"), ("default", "number"), ("offset", "number"), ("description", "phrase"),
    ("country", "name"), ("capital", "name"), ("population", "big"), ("owner", "name"), ("status", "status"),
    ("price", "money"), ("port", "number"), ("protocol", "code"), ("maximum", "number"), ("minimum", "number"),
    ("language", "name"), ("author", "name"), ("year", "year"), ("value", "number"), ("format", "word"),
    ("license", "code"), ("city", "name"), ("region", "name"), ("category", "word"), ("priority", "status"),
    ("level", "number"), ("model", "name"), ("vendor", "name"), ("product", "phrase"), ("platform", "word"),
    ("file", "path"), ("command", "word"), ("option", "word"), ("meaning", "phrase"), ("comments", "phrase"),
    ("notes", "phrase"), ("zone", "path"), ("abbreviation", "code"), ("symbol", "code"), ("revision", "hex2"),
    ("affinity", "word"), ("error code", "code5"), ("condition name", "snake"), ("aliases", "word"), ("feature", "phrase"),
    ("supported", "status"), ("architecture", "word"), ("weight", "size"), ("speed", "size"), ("rank", "number"),
]
_STATUS = ["YES", "NO", "Yes", "No", "active", "retired", "planned", "stable", "beta", "high", "low", "medium", "–"]
_TEMPLATES = [
    "What is the {c} of {k}?", "What {c} does {k} have?", "Which {c} is listed for {k}?", "What's the {c} for {k}?",
    "Give me the {c} of {k}.", "{k}: what is its {c}?", "What is {k}'s {c}?", "Tell me the {c} for {k}.",
    "What {c} is given for {k}?", "For {k}, what is the {c}?", "What is the {c} of the {kc} {k}?",
    "Which {c} goes with the {kc} {k}?", "{k} {c}",
]
_PIN_TEMPLATES = [
    "What is the {c} of the row with {kc} {k} and {kc2} {k2}?", "Which {c} has {kc} {k} with {kc2} {k2}?",
    "What {c} goes with {kc} {k} and {kc2} {k2}?",
]


def value(kind: str, rng: random.Random, words: list[str], names: list[str]) -> str:
    """One cell of a column of this kind."""
    up, hexd = string.ascii_uppercase, "0123456789ABCDEF"
    if kind == "name":
        return " ".join(rng.sample(names, rng.choice([1, 1, 2])))
    if kind == "code":
        return "".join(rng.choice(up) for _ in range(rng.choice([2, 2, 3, 4])))
    if kind == "code5":
        return "".join(rng.choice(up + "0123456789") for _ in range(5))
    if kind == "hex":
        return "".join(rng.choice(hexd) for _ in range(4))
    if kind == "hex2":
        return "".join(rng.choice(hexd) for _ in range(2))
    if kind == "version":
        return f"{rng.randint(0, 20)}.{rng.randint(0, 12)}" + (f".{rng.randint(0, 9)}" if rng.random() < 0.3 else "")
    if kind == "date":
        return f"{rng.randint(1970, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind == "year":
        return str(rng.randint(1900, 2030))
    if kind == "number":
        return str(rng.choice([rng.randint(0, 16), rng.randint(0, 200), rng.randint(0, 70000)]))
    if kind == "big":
        return f"{rng.randint(1000, 90000000):,}"
    if kind == "size":
        return f"{rng.randint(1, 999)} {rng.choice(['KB', 'MB', 'GB', 'bytes', 'kg', 'km/h', 'ms'])}"
    if kind == "money":
        return f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
    if kind == "status":
        return rng.choice(_STATUS)
    if kind == "path":
        return f"{rng.choice(names)}/{rng.choice(names)}".replace(" ", "_")
    if kind == "snake":
        return "_".join(w.lower() for w in rng.sample(words, rng.choice([2, 3])))
    if kind == "word":
        return rng.choice(words).upper() if rng.random() < 0.3 else rng.choice(words)
    return " ".join(rng.sample(words, rng.randint(1, 4)))  # phrase


def table(rng: random.Random, words: list[str], names: list[str]):
    """(column names, kinds, rows): 3-7 columns, 3-12 rows; the first column's cells are distinct."""
    cols = rng.sample(COLUMNS, rng.randint(3, 7))
    n = rng.randint(3, 12)
    rows = [[value(k, rng, words, names) for _, k in cols] for _ in range(n)]
    return [c for c, _ in cols], [k for _, k in cols], rows


def render(cols: list[str], rows: list[list[str]], labelled: bool) -> tuple[str, list[list[tuple[int, int]]]]:
    """The chunk text and each cell's char span. Labelled: 'name: value; ...' per row (reader_view); else a header row
    and ' | ' rows."""
    parts, spans, pos = [], [], 0
    if not labelled:
        head = " | ".join(cols)
        parts.append(head)
        pos = len(head) + 2
    for row in rows:
        line, cells = "", []
        for i, (c, v) in enumerate(zip(cols, row)):
            sep = ("; " if labelled else " | ") if i else ""
            lead = f"{c}: " if labelled else ""
            start = pos + len(line) + len(sep) + len(lead)
            cells.append((start, start + len(v)))
            line += sep + lead + v
        parts.append(line)
        spans.append(cells)
        pos += len(line) + 2
    return "\n\n".join(parts), spans


def examples(n: int, rng: random.Random, words: list[str], names: list[str], answerable_share: float = 0.6):
    """n (question, passage, span or None) triples, as train/span_reader.examples_from gives."""
    out = []
    while len(out) < n:
        cols, kinds, rows = table(rng, words, names)
        text, spans = render(cols, rows, labelled=rng.random() < 0.75)
        r = rng.randrange(len(rows))
        keys = [i for i in range(len(cols)) if kinds[i] not in ("status", "number", "year", "hex2") and sum(row[i] == rows[r][i] for row in rows) == 1 and rows[r][i] != "–"]
        if not keys:
            continue
        k = rng.choice(keys)
        c = rng.choice([i for i in range(len(cols)) if i != k])
        if rows[r][c] in ("–", "") or rows[r][c] in rows[r][k] or rows[r][k] in rows[r][c]:  # the answer is not the key
            continue
        answerable = rng.random() < answerable_share
        key, ask = rows[r][k], cols[c]
        if not answerable:
            if rng.random() < 0.5:  # a row no cell names
                held = {row[k] for row in rows}
                key = next((v for v in (value(kinds[k], rng, words, names) for _ in range(20)) if v not in held and v not in text), None)
            else:  # a column the table does not have
                ask = next((name for name, _ in rng.sample(COLUMNS, len(COLUMNS)) if name not in cols and name not in text), None)
            if key is None or ask is None:
                continue
        others = [i for i in range(len(cols)) if i not in (k, c) and rows[r][i] not in ("–", "")]
        if others and rng.random() < 0.2:
            k2 = rng.choice(others)
            q = rng.choice(_PIN_TEMPLATES).format(c=ask, kc=cols[k], k=key, kc2=cols[k2], k2=rows[r][k2])
        else:
            q = rng.choice(_TEMPLATES).format(c=ask, k=key, kc=cols[k])
        out.append((q, text, spans[r][c] if answerable else None))
    return out
