"""The `rag` command line: ingest, info, blocks, ask, chat, ui, eval; ls, rm, collections, serve (rag/cli_api.py).

A RagError prints one line (`Error: ...`) and exits 1 (2 for usage errors);
any other exception is a bug and shows its traceback only with --debug.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from rag.errors import ConfigError, RagError
from rag.blocks import page_label

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Grounded, cited answers from your documents.")
err = Console(stderr=True)
out = Console()
STATE = {"debug": False}


def _settings(**overrides):
    from pydantic import ValidationError

    from rag.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:  # a bad RAG_* value: name the variable and what it accepts
        bad = "; ".join(f"RAG_{'_'.join(map(str, x['loc'])).upper()}={x.get('input')!r}: {x['msg']}" for x in e.errors())
        raise ConfigError(f"Invalid setting {bad}. Fix or unset the variable.") from None


def _pipeline(**overrides):
    from rag.pipeline import build

    return build(_settings(**overrides))


@app.callback()
def main_callback(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    collection: Optional[str] = typer.Option(None, "--collection", help="Knowledge base to use (RAG_COLLECTION; default docs). Works after any command too."),
):
    STATE["debug"] = debug


@app.command("ingest")
def ingest_cmd(
    paths: List[Path] = typer.Argument(None, help="Files or folders (default: seeds/)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Drop the index and re-embed everything."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1, max=64, help="Processes that load and embed files (RAG_INGEST_WORKERS; default 1). Pays off with more cores than 2."),
):
    """Index documents incrementally: unchanged files are skipped, changed ones replaced, deleted ones removed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    paths = paths or [Path("seeds")]
    pipe = _pipeline(ingest_workers=workers)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True, disable=json_out) as bar:
        files = bar.add_task("files", total=None)
        chunks = bar.add_task("chunks embedded", total=None)

        def progress(event, **kw):
            if event == "files":
                bar.update(files, total=kw["total"])
            elif event == "file":
                bar.update(files, advance=1, description=f"files ({kw['name'][-40:]})")
            elif event == "chunks":
                bar.update(chunks, advance=kw["n"])

        report = pipe.ingest(paths, rebuild=rebuild, progress=progress)
    if json_out:
        out.print_json(json.dumps(report.to_dict()))
    else:
        _print_ingest(report)
    if _ingest_failed(paths, report):
        raise typer.Exit(1)


def _ingest_failed(paths: List[Path], report) -> bool:
    """Exit status 1: a file named on the command line could not be indexed, or nothing could. A file skipped
    inside a folder (a photo, an empty file) is reported but does not fail the run."""
    named = {p.name for p in paths if p.is_file()}
    return any(f.source in named for f in report.failed) or bool(report.failed and not report.indexed and not report.unchanged)


def _print_ingest(report) -> None:
    out.print(
        f"[bold]Indexed[/] {len(report.indexed)} file(s), [bold]skipped unchanged[/] {len(report.unchanged)}, "
        f"[bold]removed[/] {len(report.removed)}, [bold]failed[/] {len(report.failed)}; "
        f"{report.chunks_added} chunks added, {report.total_chunks} in the index, {report.elapsed_s:.1f}s.",
        soft_wrap=True,
    )
    for m in report.moved:
        out.print(f"  [cyan]moved[/] {escape(m['from'])} -> {escape(m['to'])}: its old entry was dropped", soft_wrap=True, highlight=False)
    for c in report.copies:
        out.print(f"  [cyan]copy[/] {escape(c['path'])} has the same bytes as {escape(c['same_as'])}: both are kept, an answer reads the passage once", soft_wrap=True, highlight=False)
    for f in report.failed:
        out.print(f"  [yellow]skipped[/] {escape(f.source)}: {escape(f.reason)}", soft_wrap=True, highlight=False)


@app.command("info")
def info_cmd(json_out: bool = typer.Option(False, "--json")):
    """Show what is indexed and how the pipeline is configured."""
    info = _pipeline().info()
    if json_out:
        out.print_json(json.dumps(info))
        return
    for key, value in info.items():
        out.print(f"[bold]{key:>16}[/] {escape(str(value))}", soft_wrap=True, highlight=False)


@app.command("blocks")
def blocks_cmd(
    path: Path = typer.Argument(..., help="A file of a supported type (PDF, HTML, DOCX, Markdown, ...)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per block, with its exact span."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Only blocks of this kind (paragraph, list_item, table_row, heading, code, ...)."),
    full: bool = typer.Option(False, "--full", help="Show each block's whole text, not its first 160 characters."),
):
    """Show how a file is read, block by block (kind, page, section), as `rag ingest` extracts it; nothing is indexed.
    Answers quote paragraphs, list items and table rows; a code block is shown after the sentence that leads into it;
    headings, contents and index lines and boilerplate are searched but never quoted."""
    from rag.blocks import QUOTABLE
    from rag.errors import UsageError
    from rag.loaders import Unreadable, load_file

    if not path.is_file():
        raise UsageError(f"Not a file: {path}. Give one document, e.g. `rag blocks manual.pdf`.")
    try:
        doc = load_file(path, path.parent, int(_settings().max_file_mb * 1e6))
    except Unreadable as e:
        raise RagError(f"cannot read {path.name}: {e}") from e
    blocks = [b for b in doc.blocks if kind is None or b.kind == kind]
    for b in blocks:
        text = doc.text[b.start : b.end]
        page = doc.page_at(b.start)
        if json_out:
            out.print(json.dumps({"start": b.start, "end": b.end, "kind": b.kind, "page": page, "section": b.section, "head": b.head,
                                  "quotable": b.kind in QUOTABLE, "text": text}, ensure_ascii=False), soft_wrap=True, highlight=False)
            continue
        shown = " ".join(text.split()) if b.kind != "code" else text
        if not full and len(shown) > 160:
            shown = shown[:159] + "…"
        where = " · ".join([f"p. {page}"] * bool(page) + [b.section] * bool(b.section))
        mark = "" if b.kind in QUOTABLE else " (shown after its lead-in sentence)" if b.kind == "code" else " (searched, never quoted)"
        out.print(f"[bold]{b.kind}[/]{mark}  [dim]{escape(where)}[/]", soft_wrap=True, highlight=False)
        out.print(Text(shown), soft_wrap=True)
    if not json_out:
        pages = f", {len(doc.page_starts)} pages" if doc.page_starts else ""
        err.print(f"{len(blocks)} of {len(doc.blocks)} blocks, {len(doc.text)} characters{pages}: {doc.title}", soft_wrap=True, highlight=False)


def _where(c) -> str:
    """A citation's (or closest passage's) place: "R-FAQ.pdf · p. 10 · 2 R Basics", "deck.pptx · slide 3"."""
    return " · ".join([c.source] + ([page_label(c.source, c.page, c.page_label)] if c.page else []) + ([c.section] if c.section else []))


def _marked(ans) -> Text:
    """The answer as `ans.answer` reads, each shown sentence's answer phrase (Sentence.key) in bold."""
    from rag.cite import gap, render

    text = Text()
    for s in (s for s in ans.sentences if s.shown):
        line = render(s.display or s.text, s.cites)
        at = line.find(s.key) if s.key and not s.display else -1
        text.append(gap(text.plain, line))  # as rag.cite.joined spaces them
        if at < 0:
            text.append(line)
        else:
            text.append(line[:at]).append(s.key, style="bold").append(line[at + len(s.key):])
    text.rstrip()  # a code block's markers end their line: no blank line before the sources
    return text if text.plain.strip("\n") == ans.answer else Text(ans.answer)


def _located(c, first: dict[str, int]) -> str:
    """Where citation `c` points: its quoted sentences' characters in the passage's. Two citations of one passage
    (sentences quoted under two headings) would otherwise read as two sources: the second says whose passage it is."""
    where = f"chars {c.start}-{c.end}"
    if c.highlights:
        where = f"quoted at chars {c.highlights[0][0]}-{c.highlights[-1][1]} of passage {c.start}-{c.end}"
    if c.chunk_id in first:
        where += f", same passage as [{first[c.chunk_id]}]"
    first.setdefault(c.chunk_id, c.n)
    return where


def _print_answer(ans, show_sources: bool = True):
    style = "yellow" if ans.refused else "default"
    # soft_wrap: the answer is one line, wrapped by the terminal, not cut at 80 columns with trailing spaces when piped
    out.print(ans.answer if ans.refused else _marked(ans), style=style, highlight=False, soft_wrap=True)
    if ans.confidence == "low":
        from rag.answer import LOW_CONFIDENCE_TEXT

        out.print(f"  [yellow]{escape(LOW_CONFIDENCE_TEXT)}[/] [dim](P(answerable) {ans.refusal_score:.2f})[/]", highlight=False, soft_wrap=True)
    for note in ans.notes:
        out.print(f"  [dim]note: {escape(note)}[/]", soft_wrap=True)
    if show_sources:
        first: dict[str, int] = {}
        for c in ans.citations:
            out.print(f"  [cyan][{c.n}][/] {escape(_where(c))} [dim]({_located(c, first)}, score {c.score:.2f})[/]", highlight=False, soft_wrap=True)
        if ans.refused and ans.closest:
            out.print("  Closest passages, none of which answers this:", style="dim")
            for c in ans.closest:
                snippet = " ".join(c.text.split())
                snippet = snippet if len(snippet) <= 160 else snippet[:157] + "..."
                out.print(f"  - {escape(_where(c))} chars {c.start}-{c.end} (score {c.score:.2f}): {escape(snippet)}", highlight=False, soft_wrap=True)
    t = ans.timings_ms
    out.print(f"  [dim]retrieve {t.get('retrieve', 0):.0f} ms · generate {t.get('generate', 0):.0f} ms · verify {t.get('verify', 0):.0f} ms[/]")


@app.command("ask")
def ask_cmd(
    question: str = typer.Argument(..., help="Your question."),
    json_out: bool = typer.Option(False, "--json", help="Print the full Answer as JSON."),
    k: Optional[int] = typer.Option(None, "--k", min=1, max=50, help="Passages to retrieve."),
    mode: Optional[str] = typer.Option(None, "--mode", help="extractive | openai | local"),
):
    """Answer one question with cited passages."""
    from rag.pipeline import build

    pipe = build(_settings(), one_shot=True)  # one question: the reader backend that starts fastest
    ans = pipe.ask(question, mode=mode, k=k)
    if json_out:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(ans)


@app.command("chat")
def chat_cmd(
    mode: Optional[str] = typer.Option(None, "--mode", help="extractive | openai | local"),
    k: Optional[int] = typer.Option(None, "--k", min=1, max=50),
):
    """Chat in the terminal; follow-ups use the conversation. Empty line or Ctrl-D quits."""
    pipe = _pipeline()
    pipe.store.collection  # fail early with "run rag ingest first"
    from rag.pipeline import warm_up_in_background

    warm_up_in_background(pipe)  # the models load while the first question is typed
    history: list[tuple[str, str]] = []
    out.print("[dim]Ask about your documents. Empty line or Ctrl-D to quit; /new starts over.[/]")
    while True:
        try:
            q = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            out.print()
            return
        if not sys.stdin.isatty():  # piped: the terminal echoed nothing, so a transcript shows the question
            out.print(escape(q), highlight=False, soft_wrap=True)
        if not q:
            return
        if q == "/new":
            history.clear()
            continue
        try:
            ans = pipe.ask(q, history=history, mode=mode, k=k)
        except RagError as e:
            err.print(f"[red]Error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
            continue
        _print_answer(ans)
        history.append((q, ans.answer))


@app.command("ui")
def ui_cmd(
    host: Optional[str] = typer.Option(None, "--host"),
    port: Optional[int] = typer.Option(None, "--port"),
    ingest: Optional[List[Path]] = typer.Option(None, "--ingest", help="Index these paths before starting."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Index, uploads, feedback and sessions (default: RAG_DATA_DIR or ~/.local/share/rag)."),
):
    """Start the Gradio chat UI (binds 127.0.0.1:7860 by default)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from ui.app import launch

    settings = _settings(ui_host=host, ui_port=port, data_dir=data_dir)
    launch(settings, ingest_paths=ingest or [])


def main():
    if not STATE.get("registered"):  # main() may run several times in one process (tests)
        STATE["registered"] = True
        try:
            from evals.cli import register

            register(app)
        except ImportError:
            pass
        from rag.cli_api import register as register_api

        register_api(app)  # ls, rm, collections, serve
    STATE["debug"] = False
    try:
        from rag.cli_api import collection_from_argv

        sys.argv[1:] = collection_from_argv(sys.argv[1:])
        # Without standalone mode typer returns (not raises) exit codes, e.g. 130 for Ctrl-C.
        rv = app(standalone_mode=False)
        if isinstance(rv, int) and rv:
            if rv == 130:
                err.print("Interrupted (an interrupted `rag ingest` picks up where it stopped when run again).", soft_wrap=True)
            sys.exit(rv)
    except RagError as e:
        if STATE["debug"]:
            raise
        # soft_wrap: one line whatever the terminal width, so scripts can grep it.
        err.print(f"[red]Error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)
    except Exception as e:
        # Typer vendors its own copy of click (typer._click), so match click's classes by name.
        kinds = {c.__name__ for c in type(e).__mro__}
        if "ClickException" in kinds:  # usage errors: bad option, missing argument, unknown command
            e.show()
            sys.exit(e.exit_code)
        if "Exit" in kinds:
            sys.exit(getattr(e, "exit_code", 0))
        if "Abort" in kinds:  # Ctrl-C
            err.print("Aborted.")
            sys.exit(130)
        if STATE["debug"]:
            raise
        err.print(f"[red]Unexpected error:[/] {type(e).__name__}: {escape(str(e))} (run with --debug for the traceback)", highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
