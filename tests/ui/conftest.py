"""Fixtures for the UI tests: apps launched in-process on free loopback ports.

* `hash_app(...)` builds a fast app over the deterministic hash embedder (unit-speed tests).
* `minilm_app` is one app over the real MiniLM pipeline with seeds/ ingested, shared by
  the API and browser tests of the session.
* `chromium` is Debian's Chromium driven by playwright; skipped with the reason when
  /usr/bin/chromium is missing (CI installs it with apt-get). `page` is a fresh context per
  test; `ask(question)` asks on it and waits for the final answer.
Every data dir is a tmp dir; answer mode is pinned to extractive so an OPENAI_* variable
in the environment can't send a test to the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "artifacts" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class LiveApp:
    def __init__(self, settings, pipeline, port: int, **launch_overrides):
        from ui.app import build_app, serve

        self.settings = settings
        self.pipeline = pipeline
        self.port = port
        self.demo = build_app(pipeline, settings)
        serve(self.demo, settings, server_port=self.port, prevent_thread_lock=True, quiet=True, **launch_overrides)
        self.url = f"http://127.0.0.1:{self.port}/"

    def client(self, **kw):
        from gradio_client import Client

        return Client(self.url, verbose=False, **kw)

    def close(self):
        self.demo.close()


@pytest.fixture
def hash_app(tmp_path, free_port):
    """Factory: hash_app(ingest=True, **settings) -> LiveApp; closed after the test."""
    from rag.pipeline import build
    from rag.settings import Settings

    apps = []

    def make(ingest: bool = True, **overrides) -> LiveApp:
        opts = dict(data_dir=tmp_path / f"data{len(apps)}", embedder="hash", mode="extractive")
        opts.update(overrides)
        settings = Settings(**opts)
        pipe = build(settings)
        if ingest:
            pipe.ingest([SEEDS])
        app = LiveApp(settings, pipe, free_port())
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture(scope="session")
def minilm_app(tmp_path_factory, free_port):
    from rag.pipeline import build
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui_minilm"), embedder="minilm", mode="extractive")
    pipe = build(settings)
    pipe.ingest([SEEDS])
    app = LiveApp(settings, pipe, free_port())
    yield app
    app.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context per test; records every request so tests can assert nothing left loopback."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    pg.requests_seen = []
    pg.on("request", lambda r: pg.requests_seen.append(r.url))
    yield pg
    context.close()


@pytest.fixture
def ask(page):
    """ask(question): type it into the chat on `page`, press Enter, and wait until its final
    (verified) answer has replaced the streamed draft."""

    def ask(question: str) -> None:
        before = page.locator("#rag-chat .rag-answer:not(.rag-streaming)").count()
        page.fill("#rag-question textarea", question)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('#rag-chat .rag-answer:not(.rag-streaming)').length > n "
            "&& !document.querySelector('#rag-chat .rag-streaming')",
            arg=before,
        )

    return ask
