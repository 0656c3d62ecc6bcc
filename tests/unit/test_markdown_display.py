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


def test_a_markdown_answer_shows_the_link_once_and_cites_the_exact_text(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "README.md").write_text(README, encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", reader="off", refusal_threshold=0.0))
    pipe.ingest([docs])
    ans = pipe.ask("Where is the official APT git repository located?")
    assert not ans.refused
    assert "located at https://salsa.debian.org/apt-team/apt, and patches go to the deity mailing list. [1]" in ans.answer
    assert "](" not in ans.answer and "**" not in ans.answer and "Contributing" not in ans.answer
    c = ans.citations[0]
    assert c.section == "APT › Contributing"
    assert README[c.start : c.end] == c.text and "[https://salsa.debian.org/apt-team/apt](" in c.text
