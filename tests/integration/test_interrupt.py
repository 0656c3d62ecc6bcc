"""A real `rag ingest` killed midway (SIGKILL, and Ctrl-C), then run again, ends with a consistent index.

A sitecustomize.py on the child's PYTHONPATH wraps the hash embedder: it counts the
batches it embeds and, at batch PAUSE_AT, announces itself and waits, so the kill
lands in the middle of a file (some of its batches stored, not all). The "racing"
variant kills at whatever point the process has reached after a few batches,
possibly inside a Chroma write.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rag.chunking import chunk_document
from rag.loaders import load_file
from rag.pipeline import build
from rag.settings import Settings

pytestmark = pytest.mark.integration

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "squad2-articles"
NAMES = ["Normans", "Rhine", "Geology", "Steam_engine", "Huguenot", "Yuan_dynasty"]
RAG_BIN = Path(sys.executable).parent / "rag"

HOOK = '''
import os, time
import rag.embeddings as E

_orig = E.HashEmbedder.embed_documents
_state = {"calls": 0}

def embed_documents(self, texts):
    _state["calls"] += 1
    with open(os.environ["HOOK_MARKER"], "a") as f:
        f.write(f"{_state['calls']}\\n")
    if _state["calls"] == int(os.environ.get("HOOK_PAUSE_AT", "0")):
        # The test kills us here. Short sleeps: Linux may deliver SIGINT to another thread (the
        # store's writer, Chroma's own), and Python then runs the handler only when the main
        # thread next wakes; one long sleep would hide the Ctrl-C for its whole length.
        for _ in range(1200):
            time.sleep(0.1)
    return _orig(self, texts)

E.HashEmbedder.embed_documents = embed_documents
'''


def corpus(tmp_path: Path) -> Path:
    src = tmp_path / "docs"
    src.mkdir()
    for i, name in enumerate(NAMES):
        shutil.copy(ARTICLES / f"{name}.txt", src / f"{i:02d}_{name}.txt")
    return src


def expected_index(src: Path, settings: Settings) -> dict[str, set[tuple[str, int, int]]]:
    out = {}
    for p in sorted(src.iterdir()):
        doc = load_file(p.resolve(), src.resolve(), 10**9)
        out[doc.source] = {(c.id, c.start, c.end) for c in chunk_document(doc, settings.chunk_size, settings.chunk_overlap)}
    return out


def fresh_pipeline(settings: Settings):
    """Embedded Chroma caches one client per path in-process and is not process-safe: drop the
    cache so this process reads what the ingest subprocess wrote, not a stale in-memory index."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return build(settings)


def stored_index(settings: Settings) -> tuple[dict[str, set[tuple[str, int, int]]], Counter]:
    pipe = fresh_pipeline(settings)
    per: dict[str, set] = {}
    spans = Counter()
    for c in pipe.store.all_chunks():
        per.setdefault(c.source, set()).add((c.id, c.start, c.end))
        spans[(c.source, c.start, c.end)] += 1
    return per, spans


def start_ingest(src: Path, tmp_path: Path, pause_at: int) -> tuple[subprocess.Popen, Path]:
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    marker = tmp_path / "batches.log"
    marker.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(
        RAG_DATA_DIR=str(tmp_path / "data"),
        RAG_EMBEDDER="hash",
        RAG_EMBED_BATCH_SIZE="2",  # 8 chunks per write: several writes per file
        PYTHONPATH=str(hook_dir),
        HOOK_MARKER=str(marker),
        HOOK_PAUSE_AT=str(pause_at),
    )
    # A child inherits an ignored SIGINT, and Python then installs no KeyboardInterrupt handler:
    # give it the default disposition a terminal's Ctrl-C meets, whatever this test process has.
    proc = subprocess.Popen(
        [str(RAG_BIN), "ingest", str(src)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    return proc, marker


def wait_for_batches(proc: subprocess.Popen, marker: Path, n: int, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while len(marker.read_text().split()) < n:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"ingest ended before batch {n} (rc {proc.returncode}): {err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"ingest did not reach batch {n} in {timeout}s")
        time.sleep(0.05)


@pytest.mark.parametrize("how", ["sigkill_paused", "sigkill_racing", "sigint_paused"])
def test_interrupted_ingest_then_rerun_is_consistent(tmp_path, how):
    src = corpus(tmp_path)
    settings = Settings(data_dir=tmp_path / "data", embedder="hash")
    want = expected_index(src, settings)
    assert all(len(v) > 8 for v in want.values()), "each file must span several write batches"

    pause_at = 0 if how == "sigkill_racing" else 8  # batch 8 falls inside the second file
    proc, marker = start_ingest(src, tmp_path, pause_at)
    try:
        wait_for_batches(proc, marker, 8 if pause_at else 10)
        proc.send_signal(signal.SIGINT if how == "sigint_paused" else signal.SIGKILL)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"ingest did not exit within 60 s of {how}; stderr: {err[-2000:]}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if how == "sigint_paused":
        assert proc.returncode == 130 and "Interrupted" in err and "Traceback" not in err, err
    else:
        assert proc.returncode == -signal.SIGKILL

    got, _ = stored_index(settings)
    if pause_at:
        # The kill really happened mid-file: a file is partly stored, later files not at all.
        partial = [s for s in got if got[s] != want[s]]
        assert partial and all(got[s] < want[s] for s in partial), "expected a half-written file"
        assert set(got) < set(want)

    # Meanwhile the user deletes one file: its chunks (if any were stored) must go too.
    gone = sorted(want)[0]
    (src / gone).unlink()
    del want[gone]

    rerun = subprocess.run(
        [str(RAG_BIN), "ingest", str(src), "--json"],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("RAG_")}, "RAG_DATA_DIR": str(tmp_path / "data"), "RAG_EMBEDDER": "hash"},
        capture_output=True, text=True, timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    got, spans = stored_index(settings)
    assert got == want, "every file present with exactly its complete chunk set, and nothing else"
    assert max(spans.values()) == 1, "duplicate chunks"
    pipe = fresh_pipeline(settings)
    assert pipe.store.count() == sum(len(v) for v in want.values())
    assert all(d["complete"] for d in pipe.documents())
    hits = pipe.retrieve("Where does the Rhine flow?", 3)
    assert hits and hits[0].chunk.source.endswith("Rhine.txt")
