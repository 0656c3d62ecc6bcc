"""Every number in the README's measurement tables comes from a results file under evals/results/.

A table row is a line starting with '|' inside '## Measurements'; each decimal number, percentage
or integer of 3+ digits in it must be, rounded as printed, a number in some evals/results/* file
(a percentage as a share). The generated tables must also equal what
`python -m evals.readme` makes of the results files.
"""

from __future__ import annotations

import re
from pathlib import Path

from evals import readme

ROOT = Path(__file__).resolve().parents[2]
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d+(?=%)|\d{3,})(%?)(?![\w.])")
# Cells that are not measurements: commands' arguments, dates, references to public papers.
SKIP_CELLS = re.compile(r"`[^`]*`|MiniCheck|AlignScore|GPT-4|STACK\.md|goal|≥|≤")


def measurement_rows(text: str) -> list[str]:
    sec = text.split("## Measurements", 1)[1].split("\n## ", 1)[0]
    # A row that says it was not measured claims no number (its label may be a size, e.g. 1,000,000).
    return [line for line in sec.splitlines() if line.startswith("|") and not set(line) <= set("|-: ") and "not measured" not in line]


def results_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "evals" / "results").rglob("*")) if p.suffix in (".json", ".md", ".csv", ".txt")
                     if p.is_file())


def found(num: str, pct: str, values: set[float], corpus: str) -> bool:
    """The README number, as printed (rounded to its own decimals), is some results-file number."""
    num = num.replace(",", "")
    if num in corpus:
        return True
    d = len(num.split(".")[1]) if "." in num else 0
    x = float(num)
    if pct:
        x, d = x / 100, d + 2
    return any(abs(round(v, d) - x) < 10 ** -(d + 3) for v in values)


def test_every_measurement_table_number_has_a_results_file():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    corpus = results_text()
    values = {float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", corpus.replace(",", ""))}
    missing = []
    for row in measurement_rows(text):
        cells = SKIP_CELLS.sub("", row)
        for m in NUMBER.finditer(cells):
            if not found(m.group(1), m.group(2), values, corpus):
                missing.append((m.group(0), row[:90]))
    assert not missing, f"README numbers with no results file: {missing}"


def test_generated_tables_match_the_results_files():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "<!-- results:suites -->" in text
    assert readme.fill(text) == text, "run `python -m evals.readme` after `make eval`"


def test_the_readme_span_gate_table_is_the_results_file():
    """The README's copy of the reader issue's gate table (between the span-gates markers) is evals/results/span_gates.md's
    table row for row: a stale copy kept last stop's rows although every number in it still occurred in some results file."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- span-gates:start -->", 1)[1].split("<!-- span-gates:end -->", 1)[0]
    rows = [ln for ln in block.splitlines() if ln.startswith("|")]
    gates = [ln for ln in (ROOT / "evals" / "results" / "span_gates.md").read_text(encoding="utf-8").splitlines() if ln.startswith("|")]
    assert rows == gates
