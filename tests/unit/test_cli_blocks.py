"""`rag blocks FILE`: how a file is read, block by block, without indexing it."""

from __future__ import annotations

import json

from rag.loaders import load_file

from tests.unit.test_cli import assert_one_line_error

README = """# Widget

Widget renders charts. It needs no server.

## Install

Run this command:

```sh
make install
```

- Linux
- macOS
"""


def test_blocks_lists_kinds_and_sections_and_says_what_is_never_quoted(cli, tmp_path):
    f = tmp_path / "README.md"
    f.write_text(README)
    code, out, err = cli("blocks", f)
    assert code == 0
    lines = out.splitlines()
    assert "heading (searched, never quoted)  Widget › Install" in lines
    assert "paragraph  Widget" in lines and "Widget renders charts. It needs no server." in lines
    assert "code (shown after its lead-in sentence)  Widget › Install" in lines
    assert lines.count("list_item  Widget › Install") == 2
    assert "7 of 7 blocks" in err


def test_blocks_json_gives_exact_spans_and_kind_filters(cli, tmp_path):
    f = tmp_path / "README.md"
    f.write_text(README)
    code, out, _ = cli("blocks", f, "--json", "--kind", "list_item")
    assert code == 0
    rows = [json.loads(ln) for ln in out.splitlines()]
    assert [r["kind"] for r in rows] == ["list_item", "list_item"]
    text = load_file(f, tmp_path, 10**9).text
    assert all(text[r["start"] : r["end"]] == r["text"] and r["quotable"] for r in rows)
    assert [r["section"] for r in rows] == ["Widget › Install"] * 2


def test_blocks_of_a_pdf_give_pages(cli, tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    f = tmp_path / "manual.pdf"
    c = canvas.Canvas(str(f), pagesize=A4)
    for page, (title, words) in enumerate([("Getting started", "installs the tool and checks its version"),
                                           ("Configuration", "reads the settings file before any other step")], 1):
        c.setFont("Helvetica-Bold", 16)
        c.drawString(72, 790 - 40 * page, f"{page} {title}")
        c.setFont("Helvetica", 11)
        for i in range(6):
            c.drawString(72, 760 - 40 * page - 14 * i, f"Step {i + 1} of chapter {page} {words}, as the manual says.")
        c.showPage()
    c.save()
    code, out, _ = cli("blocks", f, "--json")
    assert code == 0
    rows = [json.loads(ln) for ln in out.splitlines()]
    para = [r for r in rows if r["kind"] == "paragraph"]
    assert {(r["page"], r["section"]) for r in para} == {(1, "1 Getting started"), (2, "2 Configuration")}


def test_blocks_errors_are_one_line(cli, tmp_path):
    code, _, err = cli("blocks", tmp_path / "nope.pdf")
    assert code == 2
    assert_one_line_error(err, "Not a file", "rag blocks manual.pdf")
    empty = tmp_path / "empty.md"
    empty.write_text("")
    code, _, err = cli("blocks", empty)
    assert code == 1
    assert_one_line_error(err, "cannot read empty.md", "empty file")
