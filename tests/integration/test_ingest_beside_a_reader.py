"""`rag ingest` in another process while this one serves answers from the same embedded index (`rag serve` beside a
cron job's `rag ingest`): embedded Chroma keeps a collection's vectors in memory per process, so this process's copy
lacked the new chunks and a question that retrieved them failed with chromadb's "Error finding id" (an HTTP 500 from
`rag serve`). Now the store opens the index again from disk and answers from the new document."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import RAG_BIN, SEEDS

pytestmark = pytest.mark.integration


def test_a_question_about_a_document_another_process_ingested_is_answered(tmp_path, settings, rag_env):
    from rag.pipeline import build

    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    pipe = build(settings)
    pipe.ingest([docs])
    assert pipe.retrieve("NATO leaders in Brussels")[0].chunk.source == "000_e7591c0407e77bf5.txt"  # this process has read the index

    (docs / "orion.txt").write_text(
        "The Orion telescope project was approved by the regional council in March 2024.\n\n"
        "Its main mirror measures 4.2 metres across and was polished in Jena by a team of eleven opticians.\n",
        encoding="utf-8",
    )
    env = {**rag_env, "RAG_DATA_DIR": str(settings.data_dir)}
    res = subprocess.run([str(RAG_BIN), "ingest", str(docs)], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr

    hits = pipe.retrieve("How wide is the main mirror of the Orion telescope?")
    assert hits[0].chunk.source == "orion.txt" and "4.2 metres" in hits[0].chunk.text
