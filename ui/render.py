"""Answer and source HTML for the chat UI: pure functions over plain dicts.

A *turn* is what the UI stores per question (and persists to disk):
    {"id": "3f9c0a1b2d", "question": "...", "answer": Answer.to_dict() | None,
     "error": "message" | None, "feedback": "up" | "down" | None, "ts": "ISO time"}

Every piece of document or user text is HTML-escaped here. The chatbot also
sanitises its messages, but the sources panel (gr.HTML) does not, so escaping
is what keeps a hostile document from injecting markup.

Citation links are `<a class="rag-cite" href="#rag-src-<turn>-<n>">` and the
matching source card has that id; ui/assets/app.js turns a click into "scroll
the card into view and mark it active". Markers survive the chatbot's
sanitiser (it keeps class, id and href; it drops data-* and on* attributes).
"""

from __future__ import annotations

import re
from html import escape

from rag.answer import LOW_CONFIDENCE_TEXT
from rag.blocks import is_code_display, page_label

_WS = re.compile(r"\s+")


def _text(s: str) -> str:
    """Escape and fold whitespace: a blank line would end the chatbot's raw-HTML block."""
    return escape(_WS.sub(" ", s or "").strip())


def card_id(turn_id: str, n: int) -> str:
    return f"rag-src-{turn_id}-{n}"


def cite_links(turn_id: str, cites, sources: dict[int, str] | None = None) -> str:
    links = []
    for n in cites:
        title = f' title="{escape(sources[n])}"' if sources and n in sources else ""
        links.append(f'<a class="rag-cite" href="#{card_id(turn_id, n)}"{title}>[{n}]</a>')
    return "".join(links)


def _with_links(sentence: dict, turn_id: str, sources: dict[int, str]) -> str:
    links = cite_links(turn_id, sentence.get("cites") or (), sources)
    shown = sentence.get("display") or ""
    if is_code_display(shown):  # a quoted code block keeps its lines: no blank line inside, so the raw-HTML block holds
        code = "\n".join(shown.splitlines()[1:-1])
        return f'<code class="rag-code">{escape(code)}</code>' + (" " + links if links else "")
    return with_key(sentence.get("display") or sentence["text"], "" if sentence.get("display") else sentence.get("key", "")) + (" " + links if links else "")


def with_key(text: str, key: str) -> str:
    """Escaped sentence with its answer phrase (the span reader's, Sentence.key) in <strong>: its first occurrence."""
    text, key = _WS.sub(" ", text or "").strip(), _WS.sub(" ", key or "").strip()
    at = text.find(key) if key else -1
    if at < 0:
        return escape(text)
    return escape(text[:at]) + f'<strong class="rag-key">{escape(key)}</strong>' + escape(text[at + len(key):])


def timings_line(answer: dict) -> str:
    t = answer.get("timings_ms") or {}
    parts = [f"retrieve {t.get('retrieve', 0):.0f} ms", f"generate {t.get('generate', 0):.0f} ms", f"verify {t.get('verify', 0):.0f} ms"]
    if t.get("condense"):
        parts.insert(0, f"condense {t['condense']:.0f} ms")
    return f'<div class="rag-meta"><span class="rag-mode">{escape(answer.get("mode", ""))}</span> · ' + " · ".join(parts) + "</div>"


def _unsupported_block(sentences: list[dict], inline: bool) -> str:
    bad = [s for s in sentences if not s.get("supported")]
    if not bad:
        return ""
    n = len(bad)
    verb = "flagged" if inline else "removed"
    items = "".join(f'<li>{_text(s["text"])} <span class="rag-support">(support {s.get("support", 0):.2f})</span></li>' for s in bad)
    return (
        f'<details class="rag-removed"><summary>{n} unsupported sentence{"s" if n != 1 else ""} {verb}</summary>'
        f'<p class="rag-why">No retrieved passage supports {"these" if n != 1 else "this"}; verification kept {"them" if n != 1 else "it"} out of the answer.</p>'
        f"<ul>{items}</ul></details>"
    )


def answer_html(turn: dict, show_unsupported: bool = False) -> str:
    """The final assistant message: cited sentences, unsupported ones flagged or folded away, timings."""
    tid = turn["id"]
    if turn.get("stopped"):
        return f'<div class="rag-answer rag-stopped"><strong>Stopped:</strong> {_text(turn.get("error") or "")}</div>'
    if turn.get("error"):  # backticks are the CLI's Markdown; here they would show literally
        return f'<div class="rag-answer rag-error"><strong>Error:</strong> {_text(turn["error"].replace("`", ""))}</div>'
    a = turn.get("answer")
    if not a:
        return '<div class="rag-answer rag-error">No answer was recorded.</div>'
    sentences = a.get("sentences") or []
    if a.get("refused"):
        notes = "".join(f"<li>{_text(n)}</li>" for n in a.get("notes") or [])
        return (
            f'<div class="rag-answer rag-refused" id="rag-ans-{escape(tid)}">'
            f'<div class="rag-refusal"><span class="rag-badge">Not in your documents</span> {_text(a.get("answer", ""))}</div>'
            + (f'<ul class="rag-notes">{notes}</ul>' if notes else "")
            + _unsupported_block(sentences, inline=False)
            + timings_line(a)
            + "</div>"
        )
    srcs = {c["n"]: c.get("source", "") for c in a.get("citations") or []}
    parts = []
    for s in sentences:
        if s.get("supported"):
            parts.append(f'<span class="rag-sent">{_with_links(s, tid, srcs)}</span>')
        elif s.get("shown") or show_unsupported:
            parts.append(
                f'<span class="rag-unsupported" title="Unsupported: no retrieved passage backs this sentence">{_with_links(s, tid, srcs)}</span>'
            )
    if not sentences:  # an Answer without sentence detail: link the markers in its text
        parts.append(re.sub(r"\[(\d+)\]", lambda m: cite_links(tid, [int(m.group(1))], srcs), _text(a.get("answer", ""))))
    inline = show_unsupported or any(not s.get("supported") and s.get("shown") for s in sentences)
    caution = ""
    if a.get("confidence") == "low":
        why = LOW_CONFIDENCE_TEXT.split(": ", 1)[1]  # after the badge's own "Low confidence"
        caution = f'<div class="rag-caution"><span class="rag-badge">Low confidence</span> {_text(why[:1].upper() + why[1:])}</div>'
    return (
        f'<div class="rag-answer rag-ok" id="rag-ans-{escape(tid)}">{caution}<p class="rag-body">{" ".join(parts)}</p>'
        + _unsupported_block(sentences, inline=inline)
        + timings_line(a)
        + "</div>"
    )


def pending_html(text: str = "") -> str:
    status = "checking the sources…" if text else "searching your documents…"  # Stop replaces this bubble (ui/app.py on_stop)
    return f'<div class="rag-answer rag-streaming"><p class="rag-body">{_text(text)}</p><span class="rag-pending">{status}</span></div>'


def question_html(question: str) -> str:
    """The user's question as typed: escaped, so "<b>" or "*x*" shows as those characters, not as markup. One HTML
    block with no blank line, so the chatbot's Markdown leaves its text alone."""
    lines = [escape(line) for line in (question or "").strip().splitlines() if line.strip()]
    return f'<div class="rag-question">{"<br>".join(lines)}</div>'


def messages(turns: list[dict], show_unsupported: bool = False, pending: dict | None = None, pending_text: str = "") -> list[dict]:
    """Chatbot value (gradio "messages" format): one user + one assistant message per turn."""
    out = []
    for t in turns:
        out.append({"role": "user", "content": question_html(t["question"])})
        out.append({"role": "assistant", "content": answer_html(t, show_unsupported)})
    if pending is not None:
        out.append({"role": "user", "content": question_html(pending["question"])})
        out.append({"role": "assistant", "content": pending_html(pending_text)})
    return out


def merge_spans(spans, length: int) -> list[tuple[int, int]]:
    """Clamp to [0, length] and merge overlapping or touching spans."""
    out: list[list[int]] = []
    for s, e in sorted((max(0, int(s)), min(length, int(e))) for s, e in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def highlighted(text: str, start: int, highlights, keys=()) -> str:
    """Passage text with the cited sentences in <mark> and their answer phrases (`keys`) in <strong> inside
    them; spans are document-relative, `start` is the passage's."""
    spans = merge_spans([(s - start, e - start) for s, e in highlights], len(text))
    bold = [(s, e) for s, e in merge_spans([(s - start, e - start) for s, e in keys], len(text)) if any(a <= s and e <= b for a, b in spans)]
    out, at = [], 0
    for s, e in spans:
        out.append(escape(text[at:s]))
        inner, pos = [], s
        for ks, ke in (k for k in bold if s <= k[0] and k[1] <= e):
            inner += [escape(text[pos:ks]), f'<strong class="rag-key">{escape(text[ks:ke])}</strong>']
            pos = ke
        inner.append(escape(text[pos:e]))
        out.append(f'<mark class="rag-hl">{"".join(inner)}</mark>')
        at = e
    out.append(escape(text[at:]))
    return "".join(out)


def source_card(turn_id: str, c: dict) -> str:
    loc = escape(" · ".join(([page_label(c["source"], c["page"], c.get("page_label", ""))] if c.get("page") else []) + ([c["section"]] if c.get("section") else [])))
    loc = (loc + " · " if loc else "") + f"chars {c['start']:,}–{c['end']:,}"
    title = c.get("title") or ""
    redundant = title.replace(" ", "_") == c["source"].rsplit("/", 1)[-1].rsplit(".", 1)[0] or title == c["source"]
    title_html = f'<div class="rag-src-title">{_text(title)}</div>' if title and not redundant else ""
    return (
        f'<div class="rag-src-card" id="{card_id(turn_id, c["n"])}">'
        f'<div class="rag-src-head"><span class="rag-src-n">[{c["n"]}]</span> '
        f'<span class="rag-src-file">{escape(c["source"])}</span></div>'
        f"{title_html}"
        f'<div class="rag-src-loc">{loc} · relevance {c.get("score", 0):.2f}</div>'
        f'<div class="rag-src-text">{highlighted(c["text"], c["start"], c.get("highlights") or [], c.get("keys") or [])}</div>'
        "</div>"
    )


def closest_html(turn_id: str, closest: list[dict]) -> str:
    """A refusal's nearest passages, so that the user can check that none of them answers."""
    cards = "".join(
        source_card(f"{turn_id}-closest", dict(c, n=i, highlights=[])).replace('class="rag-src-card"', 'class="rag-src-card rag-closest"', 1)
        for i, c in enumerate(closest, start=1)
    )
    return f'<div class="rag-src-none">Closest passages, none of which answers this:</div>{cards}'


EMPTY_SOURCES = '<div class="rag-sources rag-sources-empty">Sources of each answer appear here, with the cited sentences highlighted. Click a [n] marker to jump to its passage.</div>'


def sources_html(turns: list[dict], keep: int = 20) -> str:
    """Source cards for every answered turn, newest first; older answers are folded."""
    groups = []
    for i, t in enumerate(reversed([t for t in turns if t.get("answer")][-keep:])):
        a = t["answer"]
        cards = "".join(source_card(t["id"], c) for c in a.get("citations") or [])
        if not cards and a.get("refused") and a.get("closest"):
            cards = closest_html(t["id"], a["closest"])
        elif not cards:
            cards = '<div class="rag-src-none">No passage was cited: the answer was refused.</div>' if a.get("refused") else '<div class="rag-src-none">No citations.</div>'
        head = f"<summary>Sources for: {_text(t['question'])}</summary>"
        groups.append(f'<details class="rag-src-group" id="rag-grp-{escape(t["id"])}"{" open" if i == 0 else ""}>{head}{cards}</details>')
    return f'<div class="rag-sources">{"".join(groups)}</div>' if groups else EMPTY_SOURCES
