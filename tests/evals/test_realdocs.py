"""The realdocs suite: its dataset is well formed and its evidence is verbatim in the installed manuals
(read independently of the pipeline's extraction); its extra metrics on hand-made answers; the DOCX
builder; a missing manual skips the suite with the reason; and `rag eval realdocs` meets its gate."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evals import metrics as M
from evals import realdocs as R
from evals import runner, suites
from rag.types import Answer, Citation, Sentence

ROOT = Path(__file__).resolve().parents[2]
RAG = Path(sys.executable).parent / "rag"
installed = pytest.mark.skipif(bool(R.missing()), reason=f"Debian manuals missing ({', '.join(R.missing()[:2])}): "
                               f"apt-get install {' '.join(R.PACKAGES)}")


def records():
    return suites._jsonl(suites.REALDOCS_DATASET)


def test_dataset_is_well_formed():
    rs = records()
    assert len({r["id"] for r in rs}) == len(rs)
    ans = [r for r in rs if r["answerable"]]
    assert len(ans) >= 30 and len(rs) - len(ans) >= 10
    assert {r["kind"] for r in rs if not r["answerable"]} == {"unanswerable", "false_premise"}
    assert {"list_item", "table_row", "page_break"} <= {r["where"] for r in ans}
    names = {Path(p).name for _, p, _ in R.DOCS} | {R.DOCX_NAME} | {p.name for p in R.SAVED}
    assert {r["source"] for r in ans} == names  # every document is asked about
    for r in ans:
        assert r["answers"] and r["evidence"] and (r["section"] or r["source"].endswith((".csv", ".tsv", ".xlsx"))), r["id"]  # a sheet has no headings
        assert all(M.contains(e, r["answers"]) for e in r["evidence"]), r["id"]  # the evidence holds the answer
    for r in rs:
        if not r["answerable"]:
            assert not r["answers"] and not r["evidence"], r["id"]
    assert R.DOCS and not any("shared-mime-info" in p or "libtasn1" in p for _, p, _ in R.DOCS)
    assert set(R.BLIND_PARTS) <= {r.get("group") for r in rs}  # every blind part has its questions


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


def _independent_text(path: Path, page_edges: bool = True) -> str:
    """The document's words as pypdf / BeautifulSoup (EPUB: each XHTML file) see them, running headers and page-number lines removed.
    `page_edges=False` also drops each PDF page's first and last line, for a sentence broken across pages under a running
    footer that names the section ("5.8. Handling bugs 37"), which is no repeated header."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        heads = R.running_headers(path)
        keep = []
        for page in PdfReader(str(path)).pages:
            lines = (page.extract_text() or "").splitlines()
            for ln in lines if page_edges else lines[1:-1]:
                s = ln.strip()
                if re.fullmatch(r"\d{1,4}|[ivx]{1,4}", s) or any(re.fullmatch(rf"(\d+\s+)?{re.escape(h)}(\s+\d+)?", s) for h in heads):
                    continue
                keep.append(s)
        return M.normalize("\n".join(keep).translate(_LIGATURES))  # the extraction expands "ﬁ" (refcard-a4.pdf): so does the evidence
    if path.suffix in (".csv", ".tsv"):  # the cells of each row, read by the csv module
        import csv

        lines = path.read_text(encoding="utf-8").splitlines()
        return M.normalize("\n".join(" ".join(row) for row in csv.reader(lines, delimiter="\t" if path.suffix == ".tsv" else ",")))
    from bs4 import BeautifulSoup

    if path.suffix == ".epub":  # every XHTML file of the book, in name order (not the reader's spine walk)
        import zipfile

        with zipfile.ZipFile(path) as z:
            pages = [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if n.endswith((".xhtml", ".html"))]
        return M.normalize(" ".join(BeautifulSoup(p, "html.parser").get_text(" ") for p in pages))
    return M.normalize(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text(" "))


def _read_from() -> dict[str, Path]:
    """Where each of the suite's documents is read from independently: its installed path, or the page it was made or saved from."""
    read_from = {Path(p).name: Path(p) for _, p, _ in R.DOCS}
    read_from[R.DOCX_NAME] = Path(R.DOCX_FROM[1])  # the DOCX is made from this page
    read_from.update({name: Path(src) for name, src in R.SAVED_FROM.items()})  # ... and saved from these
    return read_from


@installed
def test_evidence_and_headings_are_verbatim_in_the_manuals():
    read_from = _read_from()
    texts = {name: _independent_text(path) for name, path in read_from.items()}
    for r in records():
        if r["answerable"]:
            t = texts[r["source"]]
            if r.get("where") == "page_break" and not all(M.normalize(e) in t for e in r["evidence"]):
                t = _independent_text(read_from[r["source"]], page_edges=False)  # (the same text unless read from a PDF)
            assert all(M.normalize(e) in t for e in r["evidence"]), r["id"]
            assert not r["section"] or M.normalize(r["section"]) in t, r["id"]
        elif r["kind"] == "false_premise" and r.get("source") in texts:  # a rebuttal is verbatim in the document it names
            assert all(M.normalize(e) in texts[r["source"]] for e in r.get("rebuttal", [])), r["id"]


def _answer(sentences, citations, refused=False):
    text = " ".join(s.text for s in sentences)
    return Answer(question="q", answer=text, refused=refused, mode="extractive", citations=tuple(citations), sentences=tuple(sentences))


def test_case_fields_and_scores():
    case = suites.Case(id="a", question="q", index="main", answerable=True, answers=("64 tables",),
                       evidence=("joins containing more than 64 tables",), section="Limits In SQLite", running_headers=("Chapter 2: Data",))
    good = Citation(n=1, source="limits.html", chunk_id="c", start=0, end=9, text="SQLite does not support joins containing more than 64 tables.", score=1.0)
    wrong = Citation(n=1, source="limits.html", chunk_id="d", start=0, end=9, text="The default setting is 2000.", score=1.0)
    a1 = _answer([Sentence("SQLite does not support joins containing more than 64 tables.", (1,), True, 1.0)], [good])
    a2 = _answer([Sentence("The default\nsetting is 2000.", (1,), True, 1.0), Sentence("x Chapter 2: Data 9 y.", (1,), True, 1.0)], [wrong])
    f1, f2 = R.case_fields(case, a1), R.case_fields(case, a2)
    assert f1["cited_right"] is True and f2["cited_right"] is False
    assert f1["section_ok"] is False  # the citation's section path is empty: wrong, not skipped
    assert [s["artefacts"] for s in f2["readability"]] == [["line_break"], ["repeated_header"]]
    recs = [dict(f, answerable=True, refused=False) for f in (f1, f2)]
    sc = R.scores(recs)
    assert sc["readability"].value == round(1 / 3, 4) and sc["citation_right"].value == 0.5
    assert sc["section_accuracy"].value == 0.0

    @dataclass(frozen=True)
    class OldCitation:  # an extraction without section paths: section accuracy is not computed
        n: int
        text: str

    old = R.case_fields(case, _answer(a1.sentences, [OldCitation(1, good.text)]))
    assert old["section_ok"] is None and old["cited_right"] is True
    sc = R.scores([dict(old, answerable=True, refused=False)])
    assert sc["section_accuracy"].value is None and "section" in sc["section_accuracy"].reason
    refused = R.case_fields(case, _answer([], [], refused=True))
    assert refused["cited_right"] is False and refused["readability"] == []
    assert R.scores([{"id": "x"}]) == {}  # other suites' records: no realdocs metrics


def test_a_lead_in_is_a_fragment_unless_the_next_shown_sentence_goes_on_from_its_source():
    case = suites.Case(id="a", question="q", index="main", answerable=True, answers=("1",), evidence=("1",), section="", running_headers=())
    lead, item = Sentence("The rule is that corresponding dimensions must either", (1,), True, 1.0), Sentence("be equal.", (1,), True, 1.0)
    other = Sentence("Arrays are stored by column.", (2,), True, 1.0)
    read = lambda *ss: [r["artefacts"] for r in R.case_fields(case, _answer(list(ss), []))["readability"]]
    assert read(lead, item) == [[], []]  # its list follows: it reads whole
    assert read(lead, other) == [["fragment"], []]  # another passage follows: cut off
    assert read(item, lead) == [[], ["fragment"]]  # nothing follows


def test_section_accuracy_reads_the_citation_section():
    SectionCitation = Citation
    case = suites.Case(id="a", question="q", index="main", answerable=True, answers=("2000",), evidence=("is 2000",),
                       section="Limits In SQLite", running_headers=())
    c = SectionCitation(n=1, source="s", chunk_id="c", start=0, end=1, text="The default is 2000.", score=1.0,
                        section="Limits In SQLite › Maximum Number Of Columns")
    other = SectionCitation(n=1, source="s", chunk_id="c", start=0, end=1, text="The default is 2000.", score=1.0, section="Websites")
    s = [Sentence("The default is 2000.", (1,), True, 1.0)]
    assert R.case_fields(case, _answer(s, [c]))["section_ok"] is True
    assert R.case_fields(case, _answer(s, [other]))["section_ok"] is False


def test_docx_builder_keeps_headings_lists_and_tables(tmp_path):
    import docx

    html = tmp_path / "p.html"
    html.write_text("<html><head><title>T</title></head><body><div class=fancy><h1>1. Intro</h1><p>First   para.</p>"
                    "<h2>1.1. Sub</h2><ol><li>one</li><li>two</li></ol><table><tr><th>a</th><th>b</th></tr>"
                    "<tr><td>x<br>y</td><td>z</td></tr></table></div></body></html>")
    R.build_docx(html, tmp_path / "p.docx")
    d = docx.Document(str(tmp_path / "p.docx"))
    styled = [(p.style.name, p.text) for p in d.paragraphs]
    assert ("Heading 1", "1. Intro") in styled and ("Heading 2", "1.1. Sub") in styled
    assert ("Normal", "First para.") in styled and ("List Number", "two") in styled
    assert [[c.text for c in r.cells] for r in d.tables[0].rows] == [["a", "b"], ["x\ny", "z"]]


def test_missing_manuals_raise_the_reason(monkeypatch, tmp_path):
    monkeypatch.setattr(R, "DOCS", R.DOCS + (("no-such-doc", "/usr/share/doc/no-such/manual.pdf", "pdf"),))
    with pytest.raises(R.Missing, match="apt-get install"):
        suites.realdocs(cache=tmp_path)


@installed
def test_the_index_key_follows_the_documents_not_the_questions_path(tmp_path, monkeypatch):
    # A copy of the questions elsewhere (a snapshot of the tree) must reuse the cached index: it is built from the documents only.
    monkeypatch.setattr(R, "running_headers", lambda path: ())  # not what this checks, and slow (it reads every PDF)
    copy = tmp_path / "q" / "realdocs.jsonl"
    copy.parent.mkdir()
    copy.write_text(suites.REALDOCS_DATASET.read_text(encoding="utf-8"), encoding="utf-8")
    a, b = suites.realdocs(cache=tmp_path / "c"), suites.realdocs(cache=tmp_path / "c", data=copy)
    assert a.data_key == b.data_key and len(a.cases) == len(b.cases)


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "OPENAI_"))}
    env.update(RAG_DATA_DIR=str(tmp / "data"), RAG_MODE="extractive", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


@pytest.mark.integration
@pytest.mark.slow
def test_cli_skips_realdocs_with_the_reason_when_manuals_are_missing(tmp_path):
    # A sitecustomize makes the documents look uninstalled in the child process only.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import evals.realdocs as R\nR.DOCS = R.DOCS + (('gone', '/nonexistent/x.pdf', 'pdf'),)\n")
    env = _env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    p = subprocess.run([str(RAG), "eval", "realdocs", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "SKIP" in p.stderr and "apt-get install" in p.stderr
    assert "skipped" in json.loads((tmp_path / "out" / "summary.json").read_text())["realdocs"]

# The suite's gate itself runs once in CI, in `make eval-gate` (.ci/run), with every other suite.


FOLLOWUP_SETS = ("followups.jsonl", "followups2.jsonl", "followups3.jsonl", "followups4.jsonl", "followups5.jsonl")  # each written blind (evals/datasets/realdocs.md)


@pytest.mark.parametrize("name", FOLLOWUP_SETS)
def test_the_followup_set_is_well_formed(name):
    from evals.measure_followups import DATASET

    rs = suites._jsonl(DATASET.parent / name)
    assert len(rs) == 24 and len({r["id"] for r in rs}) == 24
    assert all(len(r["history"]) == 1 and len(r["history"][0]) == 2 for r in rs)  # one earlier turn: question, answer
    assert {r["kind"] for r in rs} == {"followup", "unanswerable"}
    for r in rs:
        if r["answerable"]:  # an answer may take two sentences of evidence (fu3-10: what can be done, then how)
            assert r["answers"] and r["evidence"] and any(M.contains(e, r["answers"]) for e in r["evidence"]), r["id"]
        else:
            assert not r["answers"] and not r["evidence"], r["id"]
    assert {r["source"] for r in rs} <= set(_read_from())  # about the suite's documents only


def test_the_followup_sets_do_not_overlap():
    from itertools import combinations

    from evals.measure_followups import DATASET

    for first, second in combinations([suites._jsonl(DATASET.parent / n) for n in FOLLOWUP_SETS], 2):
        assert not {r["id"] for r in first} & {r["id"] for r in second}
        # a bare follow-up may recur after another earlier turn ("And on macOS?": fu2-05, fu5-01); the pair may not
        assert not {(r["question"], r["history"][0][0]) for r in first} & {(r["question"], r["history"][0][0]) for r in second}


@installed
@pytest.mark.parametrize("name", FOLLOWUP_SETS)
def test_followup_evidence_and_headings_are_verbatim_in_the_manuals(name):
    from evals.measure_followups import DATASET

    read_from = _read_from()
    rs = [r for r in suites._jsonl(DATASET.parent / name) if r["answerable"]]
    texts = {name: _independent_text(read_from[name]) for name in {r["source"] for r in rs}}
    glued = {name: "".join(t.split()) for name, t in texts.items()}  # pypdf glues and splits some of bash.pdf's words
    for r in rs:
        assert all(M.normalize(e) in texts[r["source"]] or "".join(M.normalize(e).split()) in glued[r["source"]] for e in r["evidence"]), r["id"]
        assert M.normalize(r["section"]) in texts[r["source"]], r["id"]
