"""The `realdocs` suite's documents and its extra metrics (readability, right citation, section accuracy).

Documents: manuals that Debian's -doc packages install (nobody on this project wrote them), read
from their installed paths, listed exactly in DOCS and evals/datasets/realdocs.md. One DOCX is made
at suite time from a public-domain SQLite page (`build_docx`): headings -> Heading 1-4 styles,
lists -> list styles, the table -> a Word table. Another, committed (SAVED), is a SQLite page as
LibreOffice saves it as Word. The files are copied into one folder under the
cache dir, so that each keeps its own name as its source.

Per-case fields (added to a realdocs record by `case_fields`):
* `readability`: each shown answer sentence as displayed and its artefacts (evals/readability.py);
* `cited_right`: some citation's passage holds a gold evidence quote (None for unanswerable cases);
* `section_ok`: some citation's section path holds the gold heading (an empty path counts wrong);
  None when citations have no `section` field at all (an extraction that does not record one): never guessed.
Left out: page-level citation checks (page numbers differ between extractions).
"""

from __future__ import annotations

import hashlib
import inspect
import shutil
from pathlib import Path

from evals import metrics as M
from evals import readability

# (package, installed path, format). Versions and licenses: evals/datasets/realdocs.md.
DOCS = (
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-data.pdf", "pdf"),
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-FAQ.pdf", "pdf"),
    ("octave-doc", "/usr/share/doc/octave/liboctave.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/gitignore.html", "html"),
    ("git-doc", "/usr/share/doc/git-doc/git-stash.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/limits.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/whentouse.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/fileformat2.html", "html"),
    # 2026-12-01, blind part `tables2`: SQLite's printf page (three tables with a header row) and its CVE table
    # (public domain, sqlite3-doc).
    ("sqlite3-doc", "/usr/share/doc/sqlite3/printf.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/cves.html", "html"),
    # 2026-12-01, blind part `tables3`: SQLite's WAL-mode file format page (4 tables: a two-row header, empty Name cells)
    # and its DBSTAT page (one table, row keys in <th> cells, meanings spanning two columns); public domain, sqlite3-doc.
    ("sqlite3-doc", "/usr/share/doc/sqlite3/walformat.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/dbstat.html", "html"),
    ("live-manual-epub", "/usr/share/doc/live-manual/epub/live-manual.en.epub", "epub"),
    # 2026-12-01, blind part `manuals2` (prose manuals): the R Language Definition (69 pages, texinfo; R manuals: verbatim
    # copying permitted, r-doc-pdf GPL-2) and git-worktree(1) (asciidoc, GPL-2, git-doc).
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-lang.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/git-worktree.html", "html"),
    # 2026-12-01, blind part `mixed4` (prose, lists and a table): An Introduction to R (113 pages, texinfo; R manuals: verbatim
    # copying permitted, r-doc-pdf GPL-2), git-notes(1) (asciidoc, GPL-2, git-doc) and SQLite's PRAGMA page (one table; each
    # pragma's title a hidden <h> element, not a heading tag; public domain, sqlite3-doc).
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-intro.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/git-notes.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/pragma.html", "html"),
    # 2026-12-01, blind part `tables4`: SQLite's NULL-handling comparison (two engine-by-behaviour charts, Yes/No cells, the
    # column headers the engines, "(Note N)" cells pointing to a notes table); public domain, sqlite3-doc.
    ("sqlite3-doc", "/usr/share/doc/sqlite3/nulls.html", "html"),
    # 2026-12-02, blind part `manuals6` (prose manuals, written by helpers who never ran the system): R Installation and
    # Administration (85 pages, texinfo; R manuals: verbatim copying permitted, r-doc-pdf GPL-2) and git-bisect(1)
    # (asciidoc, GPL-2, git-doc).
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-admin.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/git-bisect.html", "html"),
    # 2026-12-02, blind part `manuals7` (prose manuals, written by helpers who never ran the system): R Internals (81 pages,
    # texinfo; R manuals: verbatim copying permitted, r-doc-pdf GPL-2) and SQLite's locking page (public domain, sqlite3-doc).
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-ints.pdf", "pdf"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/lockingv3.html", "html"),
    # 2026-12-02, blind part `manuals8` (prose manuals, written by helpers who never ran the system): Writing R Extensions
    # (236 pages, texinfo; R manuals: verbatim copying permitted, r-doc-pdf GPL-2) and gitattributes(5) (asciidoc, GPL-2, git-doc).
    ("r-doc-pdf", "/usr/share/R/doc/manual/R-exts.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/gitattributes.html", "html"),
    # 2026-12-02, blind part `manuals9` (prose manuals, written by helpers who never ran the system): the Bash Reference
    # Manual (196 pages, texinfo; GNU FDL, bash-doc) and SQLite's write-ahead logging page (public domain, sqlite3-doc).
    ("bash-doc", "/usr/share/doc/bash/bashref.pdf", "pdf"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/wal.html", "html"),
    # 2026-12-02, blind part `manuals10` (written by helpers who never ran the system): the Debian Developer's Reference
    # (114 pages, Sphinx/LaTeX; GPL-2, developers-reference) and Apache httpd 2.4's Caching Guide (Apache-2.0, apache2-doc).
    ("developers-reference", "/usr/share/developers-reference/developers-reference.pdf", "pdf"),
    ("apache2-doc", "/usr/share/doc/apache2-doc/manual/en/caching.html", "html"),
    # 2026-12-04, blind part `manuals11` (written by helpers who never ran the system): Octave's quick reference card (3 pages,
    # pdfTeX, three columns of command / description rows; GPL, octave-doc), git-cherry-pick(1) (asciidoc, GPL-2, git-doc) and
    # SQLite's UPSERT page (public domain, sqlite3-doc).
    ("octave-doc", "/usr/share/doc/octave/refcard-a4.pdf", "pdf"),
    ("git-doc", "/usr/share/doc/git-doc/git-cherry-pick.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/lang_upsert.html", "html"),
    # 2026-12-04, blind part `manuals12` (written by a helper who never ran the system): SQLite's AUTOINCREMENT page (prose
    # only; public domain, sqlite3-doc), git-clean(1) (asciidoc, options and interactive subcommands as definition lists;
    # GPL-2, git-doc) and Apache httpd 2.4's name-based virtual hosts page (Apache-2.0, apache2-doc).
    ("sqlite3-doc", "/usr/share/doc/sqlite3/autoinc.html", "html"),
    ("git-doc", "/usr/share/doc/git-doc/git-clean.html", "html"),
    ("apache2-doc", "/usr/share/doc/apache2-doc/manual/en/vhosts/name-based.html", "html"),
    # 2026-12-04, blind part `manuals13` (written by a helper who never ran the system): the bash(1) man page typeset by
    # groff (87 pages; GPL-3+, bash-doc), Apache httpd 2.4's .htaccess tutorial (Apache-2.0, apache2-doc) and SQLite's
    # "Isolation In SQLite" (public domain, sqlite3-doc).
    ("bash-doc", "/usr/share/doc/bash/bash.pdf", "pdf"),
    ("apache2-doc", "/usr/share/doc/apache2-doc/manual/en/howto/htaccess.html", "html"),
    ("sqlite3-doc", "/usr/share/doc/sqlite3/isolation.html", "html"),
    # 2026-12-04, blind part `manuals14`: the gnuplot 5.4 manual typeset by LaTeX (311 pages; gnuplot's licence,
    # gnuplot-doc), its "Stats" page as LaTeX2HTML made it (same package) and Apache httpd 2.4's mod_dir reference page
    # (Apache-2.0, apache2-doc).
    ("gnuplot-doc", "/usr/share/doc/gnuplot/gnuplot.pdf", "pdf"),
    ("gnuplot-doc", "/usr/share/doc/gnuplot/htmldocs/node520.html", "html"),
    ("apache2-doc", "/usr/share/doc/apache2-doc/manual/en/mod/mod_dir.html", "html"),
    # 2026-12-05, blind part `manuals15` (written by a helper who never ran the system): two pages of the GNU Octave 7.3
    # manual as makeinfo HTML (GPL-3+, octave-doc) and the Python 3.11 tutorial's "Errors and Exceptions" chapter (Sphinx;
    # PSF licence, python3.11-doc). Its fourth document, the bzip2 manual, is committed (SAVED: installed gzip-compressed).
    ("octave-doc", "/usr/share/doc/octave/octave.html/Broadcasting.html", "html"),
    ("octave-doc", "/usr/share/doc/octave/octave.html/Escape-Sequences-in-String-Constants.html", "html"),
    ("python3.11-doc", "/usr/share/doc/python3.11/html/tutorial/errors.html", "html"),
)
DOCX_FROM = ("sqlite3-doc", "/usr/share/doc/sqlite3/datatype3.html")  # -> datatype3.docx
DOCX_NAME = "datatype3.docx"
# Committed: SQLite's foreign key page (public domain) as LibreOffice 7.4 saves it as Word, from the
# same sqlite3-doc page (`soffice --headless --convert-to docx foreignkeys.html`): real LibreOffice
# WordprocessingML (definition lists, one paragraph per code line, "#anchor" link relationships).
# Also committed (2026-11-30): SQLite's FAQ exported to PDF by LibreOffice 7.4 from the DOCX it saves
# (`--convert-to "docx:MS Word 2007 XML" faq.html`, then `--convert-to pdf faq.docx`), and its page on
# temporary files saved as ODT (`--convert-to odt tempfiles.html`).
_FILES = Path(__file__).resolve().parent / "datasets" / "realdocs_files"
# And (2026-12-01) two spreadsheets from distro-info-data (ISC): Debian's release table as the CSV the package ships,
# and Ubuntu's as LibreOffice Calc 7.4 saves its CSV as .xlsx (`--convert-to xlsx ubuntu.csv`: real date cells,
# and "4.10" read as the number 4.1, as a spreadsheet program does).
# And (2026-12-01) two tab-separated tables from tzdata (public domain), byte for byte as the package installs them
# (/usr/share/zoneinfo/zone1970.tab and iso3166.tab, renamed .tsv), '#' comment lines included.
# And (2026-12-01, blind part `tables2`) libdrm's table of AMD GPU PCI IDs (libdrm-common 2.4.114-1, MIT/X11 licence),
# byte for byte as /usr/share/libdrm/amdgpu.ids, renamed .csv: '#' comment lines and a lone version line ("1.0.0") above
# the rows, no header row but a commented one, a tab after each comma, and a few (device, revision) keys on two rows.
# And (2026-12-01, blind part `tables3`) PostgreSQL's list of SQL standard features (postgresql-15 15.18-0+deb12u1, PostgreSQL
# licence, BSD style), byte for byte as /usr/share/postgresql/15/sql_features.txt, renamed .tsv: 6 tab-separated columns, no
# header row, every line ending in a tab (the comment cell, mostly empty), subfeature cells empty on a feature's own row.
# And (2026-12-01, blind part `tables4`) two pages of PostgreSQL 15's manual (postgresql-doc-15 15.18-0+deb12u1, PostgreSQL
# licence, BSD style), byte for byte as /usr/share/doc/postgresql-doc-15/html/errcodes-appendix.html and datatype.html: the
# error code table (Error Code / Condition Name, each class a bold row spanning both columns) and the data type table
# (Name / Aliases / Description, the Aliases cell empty on most rows).
# And (2026-12-01, blind part `tables5`) PostgreSQL 15's SQL key word appendix (postgresql-doc-15 15.18-0+deb12u1, PostgreSQL
# licence, BSD style), byte for byte as /usr/share/doc/postgresql-doc-15/html/sql-keywords-appendix.html: one wide, long table
# (Key Word / PostgreSQL / SQL:2016 / SQL:2011 / SQL-92, 831 rows, many empty cells); and the system's media type list
# (media-types 10.0.0, public domain), byte for byte as /etc/mime.types, renamed .tsv: '#' comment lines on top, no header
# row, a media type and then, after a run of alignment tabs, its extensions separated by spaces (none on 1,050 of its 2,250 rows).
# And (2026-12-05, blind part `manuals15`) the bzip2 1.0.8 manual (bzip2-doc 1.0.8-5, bzip2's BSD-style licence), byte for byte
# as `zcat /usr/share/doc/bzip2/manual.pdf.gz`: DocBook typeset by PassiveTeX, 38 pages, no outline, a running chapter header.
SAVED = (_FILES / "foreignkeys.docx", _FILES / "faq.pdf", _FILES / "tempfiles.odt", _FILES / "debian.csv", _FILES / "ubuntu.xlsx",
         _FILES / "zone1970.tsv", _FILES / "iso3166.tsv", _FILES / "amdgpu.csv", _FILES / "sql_features.tsv",
         _FILES / "errcodes-appendix.html", _FILES / "datatype.html", _FILES / "sql-keywords-appendix.html",
         _FILES / "mime.types.tsv", _FILES / "manual.pdf")
SAVED_FROM = {"foreignkeys.docx": "/usr/share/doc/sqlite3/foreignkeys.html", "faq.pdf": "/usr/share/doc/sqlite3/faq.html",
              "tempfiles.odt": "/usr/share/doc/sqlite3/tempfiles.html", "debian.csv": str(_FILES / "debian.csv"),
              "ubuntu.xlsx": str(_FILES / "ubuntu.csv"), "zone1970.tsv": str(_FILES / "zone1970.tsv"),
              "iso3166.tsv": str(_FILES / "iso3166.tsv"), "amdgpu.csv": str(_FILES / "amdgpu.csv"),
              "sql_features.tsv": str(_FILES / "sql_features.tsv"),
              "errcodes-appendix.html": str(_FILES / "errcodes-appendix.html"), "datatype.html": str(_FILES / "datatype.html"),
              "sql-keywords-appendix.html": str(_FILES / "sql-keywords-appendix.html"),
              "mime.types.tsv": str(_FILES / "mime.types.tsv"), "manual.pdf": str(_FILES / "manual.pdf")}
PACKAGES = tuple(sorted({p for p, _, _ in DOCS} | {DOCX_FROM[0]}))
# The parts written blind after everything was fitted: never fitted on (train/refusal.py, train/sentence_weights.py), reported together.
BLIND_PARTS = ("manuals6", "manuals7", "manuals8", "manuals9", "manuals10", "manuals11", "manuals12", "manuals13", "manuals14",
               "manuals15", "manuals16")


class Missing(Exception):
    """The suite's documents are not installed; the message says which and how to install them."""


def missing() -> list[str]:
    return [path for _, path, _ in DOCS if not Path(path).is_file()] + ([] if Path(DOCX_FROM[1]).is_file() else [DOCX_FROM[1]])


def prepare_docs(cache: Path) -> Path:
    """Copy the installed documents (and the generated DOCX) into one folder; returns it."""
    gone = missing()
    if gone:
        raise Missing(f"{len(gone)} document(s) missing, e.g. {gone[0]}: install them with "
                      f"`apt-get install -y --no-install-recommends {' '.join(PACKAGES)}` (.ci/run does).")
    h = hashlib.sha1()
    for path in [p for _, p, _ in DOCS] + [DOCX_FROM[1], *SAVED]:
        h.update(Path(path).read_bytes())
    h.update(inspect.getsource(build_docx).encode())  # the DOCX builder's version
    folder = Path(cache) / f"realdocs-docs-{h.hexdigest()[:10]}"
    if not (folder / DOCX_NAME).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for path in [p for _, p, _ in DOCS] + list(SAVED):
            shutil.copyfile(path, folder / Path(path).name)
        tmp = folder / (DOCX_NAME + ".part")
        build_docx(Path(DOCX_FROM[1]), tmp)
        tmp.replace(folder / DOCX_NAME)
    return folder


def build_docx(html: Path, dest: Path) -> None:
    """A DOCX a person might have: the page's main content with Word heading styles, lists and a real table."""
    import datetime

    import docx
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("div", class_="fancy") or soup.body
    for toc in main.select(".fancy_toc, #toc_sub, .fancy_toc_mark"):
        toc.decompose()
    for t in main(["script", "style"]):
        t.decompose()
    d = docx.Document()
    title = soup.title.get_text(" ", strip=True) if soup.title else html.stem
    d.core_properties.title = title
    d.core_properties.author = "SQLite documentation (public domain), converted by evals/realdocs.py"
    d.core_properties.created = d.core_properties.modified = datetime.datetime(2022, 12, 28)

    def text(el) -> str:
        return " ".join(el.get_text(" ").split())

    def walk(el) -> None:
        for child in el.children:
            if isinstance(child, NavigableString):
                s = " ".join(str(child).split())
                if s and el is main:
                    d.add_paragraph(s)
                continue
            name = child.name
            if name in ("h1", "h2", "h3", "h4"):
                d.add_heading(text(child), level=int(name[1]))
            elif name == "p":
                if text(child):
                    d.add_paragraph(text(child))
            elif name in ("ul", "ol"):
                style = "List Number" if name == "ol" else "List Bullet"
                for li in child.find_all("li", recursive=False):
                    if text(li):
                        d.add_paragraph(text(li), style=style)
            elif name == "table":
                rows = child.find_all("tr")
                width = max(len(r.find_all(["td", "th"])) for r in rows)
                table = d.add_table(rows=0, cols=width)
                table.style = "Table Grid"
                for r in rows:
                    cells = table.add_row().cells
                    for i, c in enumerate(r.find_all(["td", "th"])):
                        cells[i].text = "\n".join(" ".join(x.split()) for x in c.get_text("\n").split("\n") if x.strip())
            elif name == "pre" or (name == "blockquote" and child.find(["table", "p", "ul", "ol"]) is None):
                d.add_paragraph(child.get_text().strip("\n"), style="No Spacing")
            elif name in ("div", "span", "center", "section", "blockquote"):  # the page's only table sits in a <blockquote>
                walk(child)
            elif text(child):
                d.add_paragraph(text(child))

    walk(main)
    d.save(str(dest))


def running_headers(pdf: Path, min_pages: int = 3) -> tuple[str, ...]:
    """Lines that open at least `min_pages` pages (page numbers stripped): the PDF's running headers.

    Read with pypdf directly, independent of the pipeline's extraction."""
    import logging
    import re
    from collections import Counter

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    firsts = Counter()
    for page in PdfReader(str(pdf)).pages:
        lines = [ln.strip() for ln in (page.extract_text() or "").splitlines() if ln.strip()]
        if lines:
            head = re.sub(r"^\d{1,4}\s+|\s+\d{1,4}$", "", lines[0]).strip()
            if len(head.split()) >= 2:
                firsts[head] += 1
    return tuple(sorted(h for h, n in firsts.items() if n >= min_pages))


# --- per case and per suite -------------------------------------------------------------


def _displayed(sentence: str, answer: str) -> str:
    """The sentence as the user sees it in the answer (display may normalise whitespace)."""
    if sentence in answer:
        return sentence
    flat = " ".join(sentence.split())
    return flat if flat in answer else sentence


def _holds(haystack: str, needle: str) -> bool:
    return bool(needle) and M.normalize(needle) in M.normalize(haystack)


def case_fields(case, ans) -> dict:
    """The realdocs fields of one record (see the module docstring)."""
    shown = [s for s in ans.sentences if s.shown] if not ans.refused else []
    read = []
    for i, s in enumerate(shown):
        text = s.display or _displayed(s.text, ans.answer)  # a table row is shown with its column names
        # A lead-in ("... must either") reads whole when the next shown sentence quotes the same source (its list or
        # code): lenient, since a sentence carries no span to check that it is the very next one.
        continued = i + 1 < len(shown) and bool(s.cites) and shown[i + 1].cites == s.cites
        read.append({"text": text, "artefacts": readability.artefacts(text, case.running_headers or (), continued)})
    cited_right = section_ok = None
    sections = [getattr(c, "section", None) for c in ans.citations]
    if case.answerable and case.evidence:
        cited_right = (not ans.refused) and any(_holds(c.text, q) for c in ans.citations for q in case.evidence)
    if case.answerable and case.section and not ans.refused and any(hasattr(c, "section") for c in ans.citations):
        section_ok = any(_holds(sec, case.section) for sec in sections if sec)  # an empty section path is wrong
    return {"readability": read, "cited_right": cited_right, "section_ok": section_ok,
            "cited_sections": [s for s in sections if s is not None], "gold_section": case.section}


def scores(records: list[dict]) -> dict[str, M.Result]:
    """readability, citation_right, section_accuracy over the records that carry the realdocs fields."""
    recs = [r for r in records if "readability" in r]
    if not recs:
        return {}
    sents = [s for r in recs for s in r["readability"]]
    right = [r["cited_right"] for r in recs if r["answerable"] and r["cited_right"] is not None]
    answered = [r for r in recs if r["answerable"] and r["gold_section"] and not r["refused"]]
    sec = [r["section_ok"] for r in answered if r["section_ok"] is not None]
    section = (M.mean([float(x) for x in sec], "no answered case with a gold heading")
               if sec or not answered else
               M.Result(None, "citations carry no section path (the extraction does not record one yet)"))
    return {
        "readability": M.mean([float(not s["artefacts"]) for s in sents], "no answer sentences shown"),
        "citation_right": M.mean([float(x) for x in right], "no answerable case with evidence"),
        "section_accuracy": section,
    }


# --- per-case results file: `python -m evals.realdocs OUT/realdocs/report.json evals/results/realdocs-cases` ---


def summarise(report: dict, title: str, dest: str = "evals/results/realdocs-cases") -> tuple[dict, str]:
    """A compact JSON (metrics, timings, one line per case) and a Markdown page for evals/results/."""
    import collections
    import json
    import os
    import subprocess

    from evals.suites import REALDOCS_DATASET, _jsonl

    where = {r["id"]: r.get("where", "") for r in _jsonl(REALDOCS_DATASET)}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    cases = [{"id": r["id"], "kind": r["kind"], "where": where.get(r["id"], ""), "correct": r["correct"], "refused": r["refused"],
              "gold_rank": r["gold_rank"], "cited_right": r.get("cited_right"), "section_ok": r.get("section_ok"),
              "cited_sections": r.get("cited_sections", []),
              "artefacts": sorted({a for s in r.get("readability", []) for a in s["artefacts"]}), "answer": r["answer"][:300]}
             for r in report["cases"]]
    data = {"title": title, "commit": commit, "loadavg": os.getloadavg()[0], "mode": report["mode"], "judge": report["judge"],
            "k": report["k"], "metrics": report["metrics"], "reasons": report["reasons"], "timings": report["timings"],
            "documents": [{"package": p, "path": f} for p, f, _ in DOCS] + [{"package": DOCX_FROM[0], "path": DOCX_FROM[1], "as": DOCX_NAME}],
            "cases": cases}
    m = report["metrics"]
    fmt = lambda v: "null" if v is None else f"{v:.3f}" if abs(v) <= 10 else f"{v:.0f}"  # noqa: E731
    lines = [f"# {title}", "", f"Commit `{commit}`, load average {data['loadavg']:.1f} (2 cores), mode `{report['mode']}`, judge "
             f"`{report['judge']}`, k={report['k']}, {len(cases)} cases. Regenerate: `rag eval realdocs --out out/eval` then "
             f"`python -m evals.realdocs out/eval/realdocs/report.json {dest}`.", "",
             f"Wall time (shared machine): indexing {report['timings']['index_s']:.0f} s, questions {report['timings']['questions_s']:.0f} s.", "",
             "| metric | value | goal (issue 9) |", "|---|---|---|"]
    goals = {"answer_contains": "≥ 0.85", "citation_right": "≥ 0.85", "readability": "1.00", "refusal_recall": "≥ 0.9",
             "false_refusal_rate": "≤ 0.05", "section_accuracy": ""}
    for k, v in m.items():
        lines.append(f"| {k} | {fmt(v)}{' (' + report['reasons'][k] + ')' if k in report['reasons'] else ''} | {goals.get(k, '')} |")
    lines += ["", "## Answerable cases by where the answer sits", "", "| where | n | answer contains | right citation | hit@k |", "|---|---|---|---|---|"]
    groups = collections.defaultdict(list)
    for c, r in zip(cases, report["cases"]):
        if r["answerable"]:
            groups[c["where"]].append((c, r))
    for w, rows in sorted(groups.items()):
        share = lambda xs: fmt(sum(xs) / len(xs)) if xs else "null"  # noqa: E731
        lines.append(f"| {w} | {len(rows)} | {share([bool(r['correct']) for _, r in rows])} | "
                     f"{share([bool(c['cited_right']) for c, _ in rows])} | {share([r['gold_rank'] is not None and r['gold_rank'] <= report['k'] for _, r in rows])} |")
    arte = collections.Counter(a for r in report["cases"] for s in r.get("readability", []) for a in s["artefacts"])
    n_sent = sum(len(r.get("readability", [])) for r in report["cases"])
    lines += ["", f"## Readability: {n_sent} shown answer sentences", "", "| artefact | sentences |", "|---|---|"]
    lines += [f"| {k} | {arte.get(k, 0)} |" for k in readability.KINDS]
    lines += ["", "## Cases", "", "| id | kind | where | correct | refused | cited right | section ok | artefacts |", "|---|---|---|---|---|---|---|---|"]
    for c in cases:
        lines.append(f"| {c['id']} | {c['kind']} | {c['where']} | {c['correct']} | {c['refused']} | {c['cited_right']} | "
                     f"{c['section_ok']} | {', '.join(c['artefacts'])} |")
    return data, "\n".join(lines) + "\n"


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) not in (3, 4):
        sys.exit("usage: python -m evals.realdocs OUT/realdocs/report.json evals/results/NAME [TITLE]")
    rep = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    data, md = summarise(rep, sys.argv[3] if len(sys.argv) == 4 else "realdocs suite: per case", sys.argv[2])
    dest = Path(sys.argv[2])
    dest.with_suffix(".json").write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    dest.with_suffix(".md").write_text(md, encoding="utf-8")
    print(f"wrote {dest.with_suffix('.json')} and {dest.with_suffix('.md')}")
