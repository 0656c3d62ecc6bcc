"""Fixtures shared by the unit tests."""

import sys

import pytest


@pytest.fixture
def cli(monkeypatch, capsys):
    """cli(*args) -> (exit_code, stdout, stderr) of rag.cli.main() with the hash embedder."""
    monkeypatch.setenv("RAG_EMBEDDER", "hash")
    monkeypatch.setenv("RAG_MODE", "extractive")

    def run(*args):
        from rag.cli import main

        monkeypatch.setattr(sys, "argv", ["rag", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        res = capsys.readouterr()
        return code, res.out, res.err

    return run
