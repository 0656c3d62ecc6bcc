"""A sentence quoted from a Markdown file is shown as a browser shows it (links, emphasis), while its citation still
points at the exact document text (hash embedder, real Chroma in tmp)."""

from __future__ import annotations

from types import SimpleNamespace

from rag.blocks import shown_markdown
from rag.pipeline import build
from rag.settings import Settings

README = """APT
===

Contributing
------------

APT is maintained in git, the official repository being located at
[https://salsa.debian.org/apt-team/apt](https://salsa.debian.org/apt-team/apt), and patches go to the **deity** mailing list.

Debugging
---------

The resolver explains itself when you run it with the *Debug::pkgProblemResolver* option, see [the manual][man].

[man]: https://manpages.debian.org/apt.conf
"""


def test_links_and_emphasis_read_as_shown_but_code_and_identifiers_stay():
    md = SimpleNamespace(source="docs/README.md")
    assert shown_markdown("See [the FAQ](https://wiki.debian.org/Apt \"FAQ\") and <https://debian.org>.", md) == \
        "See the FAQ (https://wiki.debian.org/Apt) and https://debian.org."
    assert shown_markdown("Run **apt-get** with `--no-install-recommends`, see [usage](#usage).", md) == \
        "Run apt-get with `--no-install-recommends`, see usage."
    assert shown_markdown("Keep snake_case_names and 2*3*4 as they are.", md) is None
    assert shown_markdown("See [the FAQ](https://wiki.debian.org/Apt).", SimpleNamespace(source="notes.txt")) is None


def _indexed(tmp_path, name: str, text: str):
    """A pipeline over one Markdown file: hash embedder, reader and refusal off, so every question is answered."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / name).write_text(text, encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", reader="off", refusal_threshold=0.0))
    pipe.ingest([docs])
    return pipe


def test_a_markdown_answer_shows_the_link_once_and_cites_the_exact_text(tmp_path):
    pipe = _indexed(tmp_path, "README.md", README)
    ans = pipe.ask("Where is the official APT git repository located?")
    assert not ans.refused
    assert "located at https://salsa.debian.org/apt-team/apt, and patches go to the deity mailing list. [1]" in ans.answer
    assert "](" not in ans.answer and "**" not in ans.answer and "Contributing" not in ans.answer
    c = ans.citations[0]
    assert c.section == "APT › Contributing"
    assert README[c.start : c.end] == c.text and "[https://salsa.debian.org/apt-team/apt](" in c.text


PLATFORMS = """# Building

## Platform list

| Operating System | Architectures | Versions                          | Support Type | Notes                                |
| ---------------- | ------------- | --------------------------------- | ------------ | ------------------------------------ |
| GNU/Linux        | s390x         | kernel >= 4.18[^1], glibc >= 2.28 | Tier 2       | e.g. [RHEL 8](https://www.redhat.com) |
| FreeBSD          | x64           | >= 12.4                           | Experimental |                                      |

[^1]: Older kernel versions may work.
"""


def test_a_markdown_table_row_is_shown_without_footnote_references_and_with_its_links_read():
    """Trial on Node.js's BUILDING.md: the s390x row was shown "Versions: kernel >= 4.18[^1], glibc >= 2.28" (a labelled
    row skipped the Markdown display); a footnote reference reads as nothing, as PDFs' note marks do."""
    md = SimpleNamespace(source="BUILDING.md")
    assert shown_markdown("Binaries need glibc >= 2.28[^6] and libstdc++[^note].", md) == "Binaries need glibc >= 2.28 and libstdc++."
    assert shown_markdown("[^1]: Older kernel versions may work.", md) is None  # a note's own label stays


def test_a_quoted_markdown_table_row_reads_as_a_browser_shows_it(tmp_path):
    pipe = _indexed(tmp_path, "BUILDING.md", PLATFORMS)
    ans = pipe.ask("What support tier is GNU/Linux on s390x?")
    assert not ans.refused
    assert "Versions: kernel >= 4.18, glibc >= 2.28; Support Type: Tier 2; Notes: e.g. RHEL 8 (https://www.redhat.com)" in ans.answer, ans.answer
    c = ans.citations[0]
    assert PLATFORMS[c.start : c.end] == c.text and "4.18[^1]" in c.text
