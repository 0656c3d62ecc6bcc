"""Defects of the first-user browser trial that only show in a browser: error badges, copy buttons, the question
shown as typed, source cards scrolled to their highlight, the upload log. Hash-embedder apps (fast), real Chromium.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FILLER = " ".join(f"Filler sentence number {i} talks about the weather on the coast." for i in range(12))
NOTE = f"# Marrow Island\n\n{FILLER} The Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill.\n"
ERROR_BADGES = "document.querySelectorAll('.error, .status-tracker.error, [data-testid=status-tracker] .error').length"


def open_app(page, app):
    page.goto(app.url)
    page.wait_for_selector("#rag-status :text('chunks'), #rag-status :text('No documents')")


def upload(page, path, name):
    page.set_input_files("#rag-upload input[type=file]", str(path))
    page.wait_for_selector(f"#rag-docs [role=gridcell]:has-text('{name}')")


def test_errors_leave_no_badges_and_keep_the_question(hash_app, page, artifacts):
    app = hash_app(ingest=False)
    open_app(page, app)
    box = page.locator("#rag-question textarea")
    box.fill("What is JSON?")  # no documents yet: an error bubble, the question stays
    page.keyboard.press("Enter")
    page.wait_for_selector("#rag-chat .rag-error")
    page.wait_for_timeout(500)
    assert box.input_value() == "What is JSON?"
    err = page.locator("#rag-chat .rag-error").last.inner_text()
    assert "No documents yet" in err and "`" not in err
    assert page.evaluate(ERROR_BADGES) == 0
    rate = page.locator("#rag-chat button[aria-label='Like'], #rag-chat button[aria-label='Dislike']")
    assert rate.count() == 2 and not rate.first.is_visible()  # an error is not an answer to rate
    long = "why " * 600  # too long: a toast; nothing else changes
    box.fill(long)
    page.keyboard.press("Enter")
    page.wait_for_selector(".toast-body:has-text('limit is 2000')")
    page.wait_for_timeout(500)
    assert box.input_value() == long and page.evaluate(ERROR_BADGES) == 0
    assert page.locator("#rag-chat .rag-error").count() == 1
    page.screenshot(path=str(artifacts / "errors_no_badges.png"))


def test_copy_gives_plain_text_and_html_in_a_question_is_shown_as_typed(hash_app, page, artifacts, ask, tmp_path):
    app = hash_app()
    doc = tmp_path / "marrow.md"
    doc.write_text(NOTE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_app(page, app)
    upload(page, doc, "marrow.md")
    page.add_style_tag(content=".rag-src-text { max-height: 4rem !important; }")  # the highlight is below the fold
    question = "<b>bold</b> <img src=x> Who built the Zorblax lighthouse?"
    ask(question)
    user = page.locator("#rag-chat .rag-question").last
    assert user.inner_text().strip() == question and user.locator("b, img").count() == 0

    # The card's passage box starts at its first highlight.
    card = page.locator("#rag-sources .rag-src-card").first
    page.wait_for_function("() => { const t = document.querySelector('#rag-sources .rag-src-text'); return t && t.scrollTop > 0; }")
    inview = card.evaluate("""c => { const t = c.querySelector('.rag-src-text'), m = t.querySelector('mark.rag-hl');
        const a = m.getBoundingClientRect(), b = t.getBoundingClientRect(); return a.bottom > b.top && a.top < b.bottom; }""")
    assert inview

    # Copy message: the answer's text with [n] and its sources, no HTML.
    answer = page.locator("#rag-chat .rag-answer").last
    answer.hover()
    labels = page.evaluate("[...document.querySelectorAll('#rag-chat button')].map(b => b.getAttribute('aria-label') || b.title)")
    copy_buttons = page.locator("#rag-chat button[aria-label='Copy message'], #rag-chat button[title='Copy message']")
    assert copy_buttons.count() >= 1, labels
    copy_buttons.last.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "<" not in copied and "rag-" not in copied, copied
    assert "Ada Quill" in copied and "[1]" in copied and "Sources:\n[1] marrow.md" in copied
    assert page.locator("#rag-chat button[aria-label='Like']").last.is_visible()  # a real answer can be rated
    assert "retrieve" not in copied  # the timings line is not part of the answer

    # An older answer's button copies that answer, not the newest one.
    ask("Who proposed the new 2030 strategic concept?")
    first_answer = page.locator("#rag-chat .rag-answer").first
    first_answer.hover()
    buttons = page.locator("#rag-chat button[aria-label='Copy message']")
    assert buttons.count() == 4  # under each question and each answer
    buttons.nth(1).click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Ada Quill" in copied and "2030" not in copied, copied
    buttons.nth(2).click()  # the second question
    assert page.evaluate("navigator.clipboard.readText()") == "Who proposed the new 2030 strategic concept?"

    conv = page.locator("#rag-chat button[aria-label='Copy conversation'], #rag-chat button[title='Copy conversation']")
    assert conv.count() == 1, labels
    conv.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Question: " + question) and "Answer: " in copied and "Ada Quill" in copied
    assert 'class="' not in copied
    page.screenshot(path=str(artifacts / "copy_and_card_scroll.png"))


def test_upload_log_rejects_and_stale_counts(hash_app, page, artifacts, tmp_path):
    app = hash_app()
    fake = tmp_path / "fake.pdf"
    fake.write_text("not a pdf at all")
    open_app(page, app)
    label = page.locator("#rag-upload").inner_text()
    assert ".fodt" in label and ".tsv" in label  # the label lists every type the rejection message does
    page.set_input_files("#rag-upload input[type=file]", str(fake))
    page.wait_for_selector("#rag-upload-log :text('Could not read')")
    log = page.locator("#rag-upload-log").inner_text()
    assert "corrupt or unreadable PDF" in log and "Pdfium" not in log
    assert not (app.settings.uploads_dir / "fake.pdf").exists()
    weird = tmp_path / "weird.xyz"
    weird.write_bytes(b"\x00\x01\x02")
    page.set_input_files("#rag-upload input[type=file]", str(weird))
    page.wait_for_selector("#rag-upload-log :text('Skipped')")  # in the log, not only in a toast that goes away
    log = page.locator("#rag-upload-log").inner_text()
    assert "Skipped weird.xyz: unsupported file type '.xyz'" in log and "fake.pdf" not in log  # the older log is gone
    page.screenshot(path=str(artifacts / "upload_rejected.png"))


def test_stop_says_stopped_and_gives_the_question_back(hash_app, page, artifacts, monkeypatch, ask):
    import time

    from rag.library import Library

    real = Library.stream

    def slow(self, *a, **kw):  # a slow answer (local mode takes 25-45 s)
        yield "Drafting"
        time.sleep(10)
        yield from real(self, *a, **kw)

    monkeypatch.setattr(Library, "stream", slow)
    app = hash_app()
    open_app(page, app)
    box = page.locator("#rag-question textarea")
    box.fill("Who proposed the new 2030 strategic concept?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#rag-chat .rag-streaming")
    page.click("#rag-stop")
    page.wait_for_selector("#rag-chat .rag-stopped")
    assert page.locator("#rag-chat .rag-streaming").count() == 0
    assert box.input_value() == "Who proposed the new 2030 strategic concept?"
    assert "Stopped" in page.locator("#rag-chat .rag-stopped").inner_text()
    page.screenshot(path=str(artifacts / "stopped.png"))
    monkeypatch.setattr(Library, "stream", real)
    page.reload()  # the stopped turn is kept
    page.wait_for_selector("#rag-chat .rag-stopped")


def test_a_new_upload_clears_the_last_log_before_its_progress_is_drawn(hash_app, page, artifacts, monkeypatch, tmp_path):
    import time

    from rag.library import Library

    real = Library.ingest

    def slow(self, *a, **kw):
        time.sleep(4)
        return real(self, *a, **kw)

    app = hash_app()
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    first.write_text("# One\n\nThe first note says the ferry leaves at nine.\n")
    second.write_text("# Two\n\nThe second note says the ferry returns at five.\n")
    open_app(page, app)
    upload(page, first, "first.md")
    assert "Indexed first.md" in page.locator("#rag-upload-log").inner_text()
    monkeypatch.setattr(Library, "ingest", slow)
    page.set_input_files("#rag-upload input[type=file]", str(second))
    page.wait_for_function("!document.querySelector('#rag-upload-log').innerText.includes('Indexed first.md')")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "upload_in_progress.png"), clip={"x": 0, "y": 250, "width": 420, "height": 400})
    assert "first.md" not in page.locator("#rag-upload-log").inner_text()
    page.wait_for_selector("#rag-upload-log :text('Indexed second.md')")
