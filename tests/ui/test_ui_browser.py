"""The chat UI in a real browser: Debian's Chromium driven by playwright, over the real MiniLM pipeline.

Screenshots go to artifacts/ui/ (git-ignored); docs/screenshot.png is a copy of one of them.
Skipped with the reason when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

Q1 = "Who proposed the new 2030 strategic concept?"
Q2 = "Which countries are named among the main causes of concern?"
UNANSWERABLE = "Who won the 2018 FIFA World Cup?"  # see test_ui_api.py for why not a NATO-spending question
LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def card_in_view(page, card_id: str) -> bool:
    return page.evaluate(
        """id => {
            const card = document.getElementById(id), box = document.querySelector('#rag-sources .rag-sources');
            if (!card || !box) return false;
            const r = card.getBoundingClientRect(), b = box.getBoundingClientRect();
            return r.height > 0 && r.top >= Math.max(0, b.top) - 1 && r.top < Math.min(window.innerHeight, b.bottom);
        }""",
        card_id,
    )


def mark_in_view(page, card_id: str) -> bool:
    return page.evaluate(
        """id => {
            const text = document.querySelector('#' + id + ' .rag-src-text'), mark = text && text.querySelector('mark.rag-hl');
            if (!mark) return false;
            const m = mark.getBoundingClientRect(), t = text.getBoundingClientRect();
            return m.top >= t.top - 1 && m.top < t.bottom;
        }""",
        card_id,
    )


def test_cited_answer_sources_citation_click_feedback_refusal_and_reload(minilm_app, page, artifacts, ask):
    page.goto(minilm_app.url)
    page.wait_for_selector("#rag-status :text('chunks')")

    ask(Q1)
    first = page.locator("#rag-chat .rag-answer").nth(0)  # locators are lazy: pin the first answer
    assert "rag-ok" in first.get_attribute("class")
    assert "Stoltenberg" in first.inner_text()
    assert "retrieve" in first.locator(".rag-meta").inner_text() and "verify" in first.inner_text()
    first_link = first.locator("a.rag-cite").first
    first_card = first_link.get_attribute("href").lstrip("#")
    card = page.locator(f"#{first_card}")
    assert card.locator("mark.rag-hl").count() >= 1
    assert "Stoltenberg" in card.locator("mark.rag-hl").first.inner_text()
    assert "000_e7591c0407e77bf5.txt" in card.locator(".rag-src-file").inner_text()
    assert "chars" in card.locator(".rag-src-loc").inner_text()

    # A second answer folds the first one's sources away; clicking the first answer's [1]
    # must unfold them, scroll the card into view and mark it active.
    ask(Q2)
    assert page.locator("#rag-chat .rag-answer.rag-ok").count() == 2
    assert "Russia" in page.locator("#rag-chat .rag-answer").nth(1).inner_text()
    assert page.evaluate(f"!document.getElementById('{first_card}').closest('details').open")
    first_link.click()
    page.wait_for_function(f"document.getElementById('{first_card}').classList.contains('rag-active')")
    page.wait_for_function("id => document.getElementById(id).closest('details').open", arg=first_card)
    page.wait_for_timeout(600)  # smooth scrolling
    assert card_in_view(page, first_card)
    assert page.locator(".rag-src-card.rag-active").count() == 1
    assert mark_in_view(page, first_card)  # the cited sentence inside the card's own scrolling passage box
    page.screenshot(path=str(artifacts / "answer_with_sources.png"))

    # Thumbs up on the first answer lands in the feedback JSONL with its citations.
    page.locator("#rag-chat button[aria-label='Like']").first.click()
    path = minilm_app.settings.feedback_path
    for _ in range(100):
        if path.exists() and path.read_text().strip():
            break
        page.wait_for_timeout(100)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[-1]["rating"] == "up" and rows[-1]["question"] == Q1 and rows[-1]["citations"]

    # A question the documents can't answer is shown as a refusal, styled apart from answers.
    ask(UNANSWERABLE)
    last = page.locator("#rag-chat .rag-answer").last
    assert "rag-refused" in last.get_attribute("class") and "rag-ok" not in last.get_attribute("class")
    assert last.locator(".rag-badge").inner_text().lower() == "not in your documents"
    assert last.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    page.screenshot(path=str(artifacts / "refusal.png"))

    # The conversation survives a reload (session id in the browser, turns on disk).
    page.reload()
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 3")
    assert page.locator("#rag-chat .rag-refused").count() == 1
    assert page.locator("#rag-sources .rag-src-card mark").count() >= 2
    assert page.locator("#rag-chat button[aria-label='Liked']").count() == 1  # the thumbs up is remembered too

    # "New chat" clears it.
    page.click("#rag-new-chat")
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
    assert "appear here" in page.locator("#rag-sources").inner_text()

    leaked = [u for u in page.requests_seen if not u.startswith(LOOPBACK)]
    assert leaked == [], f"the page contacted hosts other than the app: {leaked}"


def test_upload_through_the_ui_then_ask_about_it(minilm_app, page, artifacts, tmp_path, ask):
    doc = tmp_path / "Marrow Island (notes).md"
    doc.write_text(
        "# Marrow Island\n\nThe Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill.\n\n"
        "Its lamp burned whale oil until 1921, when it was converted to electricity.\n"
    )
    page.goto(minilm_app.url)
    page.wait_for_selector("#rag-status :text('chunks')")
    page.set_input_files("#rag-upload input[type=file]", str(doc))
    page.wait_for_selector("#rag-upload-log :text('Indexed')")
    assert "Marrow_Island_notes.md" in page.locator("#rag-upload-log").inner_text()
    page.wait_for_selector("#rag-docs :text('Marrow_Island_notes.md')")

    ask("Who built the Zorblax lighthouse?")
    answer = page.locator("#rag-chat .rag-answer").last
    assert "rag-ok" in answer.get_attribute("class") and "Ada Quill" in answer.inner_text()
    href = answer.locator("a.rag-cite").first.get_attribute("href")
    card = page.locator(href)
    assert card.locator(".rag-src-file").inner_text() == "Marrow_Island_notes.md"
    assert "Ada Quill" in card.locator("mark").first.inner_text()
    page.screenshot(path=str(artifacts / "upload_answer.png"))


def test_the_answer_phrase_is_bold_with_the_span_reader(hash_app, page, artifacts, ask):
    """The default reader (the span reader; the other UI tests run RAG_READER=off) marks the words that answer."""
    app = hash_app(embedder="minilm", reader="span")
    page.goto(app.url)
    page.wait_for_selector("#rag-status :text('chunks')")
    ask("When did NATO leaders meet in Brussels?")  # the seeds suite's p08: margin ~5.5 against 3.5
    answer = page.locator("#rag-chat .rag-answer").last
    assert "rag-ok" in answer.get_attribute("class")
    key = answer.locator("strong.rag-key")
    assert key.count() == 1 and key.inner_text() == "14 June"
    assert "gathered in Brussels on 14 June to discuss" in " ".join(answer.locator(".rag-body").inner_text().split())
    assert key.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    card = page.locator("#rag-sources .rag-src-card").first
    assert card.locator("mark.rag-hl strong.rag-key").inner_text() == "14 June"  # the source card marks it too
    page.screenshot(path=str(artifacts / "answer_phrase.png"))


def test_an_empty_question_is_stopped_in_the_browser_without_an_error(hash_app, page, ask):
    """Enter or Ask on an empty box sends nothing: no request, no error toast, no output marked failed; the box says why."""
    app = hash_app()
    page.goto(app.url)
    page.wait_for_selector("#rag-status :text('chunks')")
    box = page.locator("#rag-question textarea")
    sent = len(page.requests_seen)
    box.fill("   ")
    page.keyboard.press("Enter")
    page.click("#rag-send")
    page.wait_for_timeout(800)
    assert "rag-needs-text" in box.get_attribute("class")
    assert "Type a question first" in box.get_attribute("placeholder")
    assert [u for u in page.requests_seen[sent:] if "/queue/" in u or "/run/" in u] == []
    assert page.locator(".toast-body").count() == 0 and page.locator("#rag-chat .rag-answer").count() == 0
    ask("When did NATO leaders meet in Brussels?")  # typing clears the warning and the question is answered
    assert "rag-needs-text" not in box.get_attribute("class")
    assert "Type a question first" not in box.get_attribute("placeholder")  # the hint goes once the user types
    assert page.locator("#rag-chat .rag-answer").count() == 1
