"""Managing documents, conversations and collections in a real browser (Debian's Chromium + playwright).

Hash-embedder app (fresh data dir per test) so the deletes don't disturb the shared MiniLM app.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOTE = "# Marrow Island\n\nThe Zorblax lighthouse on Marrow Island was built in 1873 by the engineer Ada Quill.\n"


def select_row(page, name: str) -> None:
    page.locator("#rag-docs [role=gridcell]", has_text=name).first.click()
    page.wait_for_selector(f"#rag-selected :text('{name}')")


def test_reindex_delete_with_confirmation_and_delete_chat(hash_app, page, artifacts, tmp_path, ask):
    app = hash_app()
    doc = tmp_path / "Marrow (notes).md"
    doc.write_text(NOTE)
    page.goto(app.url)
    page.wait_for_selector("#rag-status :text('chunks')")
    page.set_input_files("#rag-upload input[type=file]", str(doc))
    page.wait_for_selector("#rag-docs [role=gridcell]:has-text('Marrow_notes.md')")
    stored = app.settings.uploads_dir / "Marrow_notes.md"
    assert stored.is_file()

    ask("Who built the Zorblax lighthouse?")
    assert "Ada Quill" in page.locator("#rag-chat .rag-answer").last.inner_text()

    select_row(page, "Marrow_notes.md")
    page.click("#rag-reindex")
    page.wait_for_selector("#rag-selected :text('Re-indexed')")

    # Delete asks first; Cancel keeps the document.
    select_row(page, "Marrow_notes.md")
    page.click("#rag-delete")
    page.wait_for_selector("#rag-confirm-text :text('Delete')")
    assert "stored copy is deleted" in page.locator("#rag-confirm-text").inner_text()
    page.screenshot(path=str(artifacts / "delete_confirmation.png"))
    page.click("#rag-cancel-delete")
    page.wait_for_selector("#rag-confirm-delete", state="hidden")
    assert page.locator("#rag-docs [role=gridcell]", has_text="Marrow_notes.md").count() == 1 and stored.exists()

    page.click("#rag-delete")
    page.click("#rag-confirm-delete")
    page.wait_for_function("![...document.querySelectorAll('#rag-docs [role=gridcell]')].some(e => e.innerText.includes('Marrow_notes.md'))")
    assert not stored.exists()
    assert [d["source"] for d in app.pipeline.documents()] == ["000_e7591c0407e77bf5.txt"]
    ask("Who built the Zorblax lighthouse?")
    assert "Ada Quill" not in page.locator("#rag-chat .rag-answer").last.inner_text()

    # Delete chat: the conversation leaves the screen and the disk.
    sessions = app.settings.data_dir / "sessions"
    assert len(list(sessions.glob("*.json"))) == 1
    page.click("#rag-delete-chat")  # asks first
    page.wait_for_selector("#rag-confirm-delete-chat")
    page.click("#rag-cancel-delete-chat")
    page.wait_for_selector("#rag-confirm-delete-chat", state="hidden")
    assert page.locator("#rag-chat .rag-answer").count() == 2 and len(list(sessions.glob("*.json"))) == 1
    page.click("#rag-delete-chat")
    page.click("#rag-confirm-delete-chat")
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 0")
    assert list(sessions.glob("*.json")) == []
    page.reload()
    page.wait_for_selector("#rag-status :text('chunks')")
    assert page.locator("#rag-chat .rag-answer").count() == 0


def test_create_and_switch_collections(hash_app, page, artifacts, tmp_path, ask):
    app = hash_app()
    doc = tmp_path / "lighthouse.md"
    doc.write_text(NOTE)
    page.goto(app.url)
    page.wait_for_selector("#rag-status :text('chunks')")

    page.fill("#rag-new-collection textarea, #rag-new-collection input", "team-b")
    page.click("#rag-create-collection")
    page.wait_for_selector("#rag-status :text('team-b')")
    assert "No documents yet" in page.locator("#rag-status").inner_text()
    page.set_input_files("#rag-upload input[type=file]", str(doc))
    page.wait_for_selector("#rag-docs [role=gridcell]:has-text('lighthouse.md')")
    assert (app.settings.data_dir / "collections" / "team-b" / "uploads" / "lighthouse.md").is_file()
    ask("Who built the Zorblax lighthouse?")
    assert "Ada Quill" in page.locator("#rag-chat .rag-answer").last.inner_text()
    page.screenshot(path=str(artifacts / "collection_team_b.png"))

    # Back to the default collection: its own documents, a fresh chat, and no lighthouse.
    page.click("#rag-collection input")
    page.locator("[role=listbox] [role=option]", has_text="docs").first.click()
    page.wait_for_selector("#rag-status :text('in docs')")
    assert page.locator("#rag-docs [role=gridcell]", has_text="lighthouse.md").count() == 0
    assert page.locator("#rag-chat .rag-answer").count() == 0
    ask("Who built the Zorblax lighthouse?")
    assert "Ada Quill" not in page.locator("#rag-chat .rag-answer").last.inner_text()
    # The default collection's pipeline never saw the team-b document.
    assert [d["source"] for d in app.pipeline.documents()] == ["000_e7591c0407e77bf5.txt"]

    # Each collection keeps its conversation: back in team-b, the lighthouse answer is there again, and after a reload.
    page.click("#rag-collection input")
    page.locator("[role=listbox] [role=option]", has_text="team-b").first.click()
    page.wait_for_selector("#rag-status :text('team-b')")
    page.wait_for_function("document.querySelectorAll('#rag-chat .rag-answer').length === 1")
    assert "Ada Quill" in page.locator("#rag-chat .rag-answer").last.inner_text()
    assert page.locator("#rag-upload-log").inner_text().strip() == ""  # no upload log of the other collection

    page.fill("#rag-new-collection textarea, #rag-new-collection input", "no way!")
    page.click("#rag-create-collection")
    page.wait_for_selector(":text('Invalid collection name')")
    toast = page.locator(".toast-body", has_text="Invalid collection name").first.inner_text()
    assert "--collection" not in toast and "`" not in toast
