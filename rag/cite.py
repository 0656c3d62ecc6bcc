"""Citations: parse `[n]` markers from an answer, drop the ones that resolve to nothing,
and renumber the rest 1..m in order of first use.

Input numbers refer to the sources shown to the answerer (1..k); output numbers
refer to `Answer.citations`. Accepts `[1]`, `[1, 2]`, `[1][2]` and `[1-2]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.blocks import is_code_display
from rag.text import sentence_spans

_WS = re.compile(r"\s+")
MARK = re.compile(r"\s*\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")


@dataclass(frozen=True)
class Drafted:
    """One answer sentence with the source numbers it cited (before renumbering)."""

    text: str  # sentence without its markers
    cites: tuple[int, ...]
    key: str = ""  # the answer phrase inside `text` (extractive answers: the span reader's), "" for none
    key_margin: float = 0.0  # the reader's margin for it over "no answer"


def _expand(group: str) -> list[int]:
    out = []
    for part in re.split(r"\s*[,;]\s*", group):
        if re.search(r"[–-]", part):
            a, b = (int(x) for x in re.split(r"\s*[–-]\s*", part))
            out.extend(range(a, b + 1) if 0 < b - a < 20 else [a, b])
        else:
            out.append(int(part))
    return out


def parse(answer: str, n_sources: int) -> tuple[list[Drafted], list[int]]:
    """Split into sentences with their citations; return (sentences, invalid numbers removed).

    A marker at the start of a sentence belongs to the previous one ("... end. [2] Next").
    """
    invalid: list[int] = []
    out: list[Drafted] = []
    for s, e in sentence_spans(answer):
        sent = answer[s:e]
        lead = re.match(r"^(?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])+", sent)
        if lead and out:
            nums = [n for g in MARK.findall(lead.group(0)) for n in _expand(g)]
            valid = [n for n in nums if 1 <= n <= n_sources]
            invalid += [n for n in nums if not 1 <= n <= n_sources]
            prev = out[-1]
            out[-1] = Drafted(prev.text, tuple(dict.fromkeys(prev.cites + tuple(valid))))
            sent = sent[lead.end() :]
        nums = [n for g in MARK.findall(sent) for n in _expand(g)]
        invalid += [n for n in nums if not 1 <= n <= n_sources]
        cites = tuple(dict.fromkeys(n for n in nums if 1 <= n <= n_sources))
        # Whitespace folded: a sentence quoted from a wrapped PDF line reads as one line.
        text = re.sub(r"\s+([.,;:!?])", r"\1", _WS.sub(" ", MARK.sub("", sent))).strip()
        if text:
            out.append(Drafted(text, cites))
    return out, invalid


def renumber(drafts: list[list[int] | tuple[int, ...]]) -> dict[int, int]:
    """Map source numbers to 1..m in order of first citation."""
    mapping: dict[int, int] = {}
    for cites in drafts:
        for n in cites:
            if n not in mapping:
                mapping[n] = len(mapping) + 1
    return mapping


def render(text: str, cites: tuple[int, ...]) -> str:
    """A sentence followed by its markers: "NATO met in Brussels. [1][2]". A fenced code block (rag.blocks.shown_code)
    stands on lines of its own, its markers on the line after it, so that Markdown reads the fences."""
    markers = "".join(f"[{n}]" for n in cites)
    if is_code_display(text):
        return f"\n{text}\n{markers}\n" if markers else f"\n{text}\n"
    return text + (" " + markers if markers else "")


def gap(before: str, after: str) -> str:
    """What goes between two rendered sentences: a space, or nothing next to a code block's line break."""
    return "" if not before or before.endswith("\n") or after.startswith("\n") else " "


def joined(rendered: list[str]) -> str:
    """Rendered sentences as one answer."""
    out = ""
    for r in rendered:
        out += gap(out, r) + r
    return out.strip("\n")
