"""CLI commands for documents, collections and the HTTP API: `rag ls | rm | collections | serve`.

Registered on the `rag` app by rag.cli.main(); `--collection NAME` (or RAG_COLLECTION) picks
the knowledge base for every command (see `collection_from_argv`).
"""

from __future__ import annotations

import json
import os
from typing import List, Optional

import typer
from rich.markup import escape

from rag.errors import RagError


def collection_from_argv(argv: list[str]) -> list[str]:
    """Take `--collection NAME` / `--collection=NAME` out of argv wherever it stands (before or after
    the command) and put it in RAG_COLLECTION, so every command honours it. Stops at `--`."""
    from rag.library import check_collection_name

    out, i = [], 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            out.extend(argv[i:])
            break
        if a == "--collection" and i + 1 < len(argv):
            os.environ["RAG_COLLECTION"] = check_collection_name(argv[i + 1])
            i += 2
            continue
        if a.startswith("--collection="):
            os.environ["RAG_COLLECTION"] = check_collection_name(a.split("=", 1)[1])
            i += 1
            continue
        out.append(a)
        i += 1
    if os.environ.get("RAG_COLLECTION"):
        check_collection_name(os.environ["RAG_COLLECTION"])
    return out


def register(app: typer.Typer) -> None:
    from rag.cli import _pipeline, _settings, err, out

    @app.command("ls")
    def ls_cmd(json_out: bool = typer.Option(False, "--json", help="Print the list as JSON.")):
        """List the indexed documents: id, chunks, when indexed, status."""
        from rag.library import DEFAULT_COLLECTION, library_for

        pipe = _pipeline()
        docs = library_for(pipe).documents(check_files=True)
        if json_out:
            print(json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=2))
            return
        if not docs:
            name = pipe.settings.collection
            flag = "" if name == DEFAULT_COLLECTION else f" --collection {name}"
            out.print(f"No documents in collection '{escape(name)}': run `rag ingest PATH{escape(flag)}`.", highlight=False, soft_wrap=True)
            return
        out.print(f"[bold]{'id':<20}  {'chunks':>6}  {'indexed (UTC)':<19}  {'status':<8}  path[/]", highlight=False)
        for d in docs:
            when = (d.indexed_at or "-").replace("T", " ").rstrip("Z")
            out.print(f"{d.id:<20}  {d.chunks:>6}  {when:<19}  {d.status:<8}  {escape(str(d.path))}", highlight=False, soft_wrap=True)
        out.print(f"[dim]{len(docs)} document(s), {sum(d.chunks for d in docs)} chunks, collection '{escape(pipe.settings.collection)}'[/]")

    @app.command("rm")
    def rm_cmd(refs: List[str] = typer.Argument(..., help="Document ids (see `rag ls`), file or folder paths, or source names.")):
        """Remove documents from the index (their chunks and BM25 entries; uploaded copies too). Your files are not touched."""
        from rag.library import library_for

        pipe = _pipeline()
        lib = library_for(pipe)
        docs = lib.resolve(refs)  # all or nothing: an unknown ref fails before anything is removed
        for d in docs:
            r = lib.delete(d)
            extra = ", deleted the uploaded copy" if r["file_removed"] else ""
            back = "; the file is still on disk, so `rag ingest` of its folder adds it back" if not d.uploaded and d.path.exists() else ""
            out.print(f"Removed {escape(d.source)} ({r['chunks_removed']} chunks{extra}){escape(back)}", highlight=False, soft_wrap=True)
        if pipe.store.count():
            pipe.retriever.retrieve("index", 1)  # rebuild and save the BM25 index now, not on the next question

    @app.command("collections")
    def collections_cmd(json_out: bool = typer.Option(False, "--json")):
        """List the collections (knowledge bases) in this data dir with their counts."""
        from rag.library import list_collections

        rows = list_collections(_settings())
        if json_out:
            print(json.dumps(rows, indent=2))
            return
        for r in rows:
            mark = "*" if r["current"] else " "
            out.print(f"{mark} {escape(r['name']):<24} {r['documents']:>6} documents {r['chunks']:>8} chunks", highlight=False)

    @app.command("serve")
    def serve_cmd(
        host: Optional[str] = typer.Option(None, "--host", help="Bind address (default RAG_API_HOST or 127.0.0.1)."),
        port: Optional[int] = typer.Option(None, "--port", help="Port (default RAG_API_PORT or 8000)."),
        allow_unauthenticated: bool = typer.Option(False, "--allow-unauthenticated",
                                                   help="Serve beyond loopback without RAG_API_KEY (trusted networks only)."),
    ):
        """Serve the OpenAI-compatible API (POST /v1/chat/completions, /v1/ask, /v1/documents, /healthz)."""
        from rag.server import check_bind, check_port, serve

        settings = _settings(api_host=host, api_port=port)
        warning = check_bind(settings.api_host, settings.api_key, allow_unauthenticated)
        check_port(settings.api_host, settings.api_port)
        if warning:
            err.print(f"[bold red]{escape(warning)}[/]", soft_wrap=True)
        from rag.pipeline import build

        pipe = build(settings)
        auth = "Bearer RAG_API_KEY required" if settings.api_key else "no auth (loopback only)"
        err.print(f"Serving collection '{escape(settings.collection)}' on http://{settings.api_host}:{settings.api_port}/v1 ({auth}). "
                  f"Clients: OPENAI_BASE_URL=http://{settings.api_host}:{settings.api_port}/v1", soft_wrap=True, highlight=False)
        serve(pipe, settings.api_host, settings.api_port)


__all__ = ["RagError", "collection_from_argv", "register"]
