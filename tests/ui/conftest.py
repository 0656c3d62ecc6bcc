"""Fixtures for the UI tests: apps launched in-process on free loopback ports.

* `hash_app(...)` builds a fast app over the deterministic hash embedder (unit-speed tests).
* `minilm_app` is one app over the real MiniLM pipeline with seeds/ ingested, shared by
  the API and browser tests of the session.
* `browser` is Debian's Chromium driven by playwright; skipped with the reason when
  /usr/bin/chromium is missing (CI installs it with apt-get).
Every data dir is a tmp dir; answer mode is pinned to extractive so an OPENAI_* variable
in the environment can't send a test to the network.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "artifacts" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveApp:
    def __init__(self, settings, pipeline, **launch_overrides):
        from ui.app import build_app, serve

        self.settings = settings
        self.pipeline = pipeline
        self.port = free_port()
        self.demo = build_app(pipeline, settings)
        serve(self.demo, settings, server_port=self.port, prevent_thread_lock=True, quiet=True, **launch_overrides)
        self.url = f"http://127.0.0.1:{self.port}/"

    def client(self, **kw):
        from gradio_client import Client

        return Client(self.url, verbose=False, **kw)

    def close(self):
        self.demo.close()


@pytest.fixture
def hash_app(tmp_path):
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
        app = LiveApp(settings, pipe)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture(scope="session")
def minilm_app(tmp_path_factory):
    from rag.pipeline import build
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui_minilm"), embedder="minilm", mode="extractive")
    pipe = build(settings)
    pipe.ingest([SEEDS])
    app = LiveApp(settings, pipe)
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
