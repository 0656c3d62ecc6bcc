"""Markdown fences as CommonMark reads them, MyST directives whose body is prose (pip's docs), and Markdown syntax
that a browser never shows (link reference definitions, MyST target labels and roles): the text stays the file
byte for byte, so citations stay exact; only the blocks and what a quoted sentence is shown as change."""

from __future__ import annotations

from types import SimpleNamespace

from rag.blocks import quotable_spans, shown_markdown
from rag.chunking import chunk_document
from rag.markup import markdown_spans
from rag.types import Document

MD = SimpleNamespace(source="docs/repeatable-installs.md", text="")


def blocks(text: str) -> list[tuple[str, str]]:
    return [(sp.kind, text[sp.start : sp.end]) for sp in markdown_spans(text)]


def quoted(text: str) -> list[str]:
    doc = Document("r.md", "/r", "r", text, "s" * 64, blocks=markdown_spans(text))
    out = []
    for c in chunk_document(doc, 512, 0):
        assert c.text == text[c.start : c.end]
        out += [c.text[s:e] for s, e in quotable_spans(c)]
    return out


def test_a_note_or_warning_directive_is_prose_led_by_its_label():
    """pip's "```{warning}" answered "Why should I be careful with setup_requires?", but as a code block it was never
    quoted: the question was refused."""
    text = ("# Installs\n\nPinning protects you from bugs in newly released versions.\n\n"
            "```{note}\nPinning refers to using the `==` operator to require the package to be a\nspecific version.\n```\n\n"
            "```{warning}\n:class: strong\nBeware of the `setup_requires` keyword arg in {file}`setup.py`.\n```\n")
    got = blocks(text)
    assert ("paragraph", "```{note}\nPinning refers to using the `==` operator to require the package to be a\nspecific version.") in got
    assert ("paragraph", "```{warning}\n:class: strong\nBeware of the `setup_requires` keyword arg in {file}`setup.py`.") in got
    assert not any(k == "code" for k, _ in got) and not any(t.strip("`\n") == "" for _, t in got), "a closing fence is no block"
    q = quoted(text)
    note = next(s for s in q if "Pinning refers" in s)
    assert shown_markdown(note, MD) == "Note: Pinning refers to using the `==` operator to require the package to be a specific version."
    warning = next(s for s in q if "setup_requires" in s)
    assert shown_markdown(warning, MD) == "Warning: Beware of the `setup_requires` keyword arg in `setup.py`."


def test_version_notes_and_a_titled_admonition_show_sphinx_labels_and_other_directives_stay_code():
    text = ("```{versionadded} 22.2\nExperimental support, behind `--use-feature=truststore`.\n```\n\n"
            "```{admonition} Before you start\nBack up the environment first.\n```\n\n"
            "```{code-block} python\nimport pip\n```\n\n"
            "```{pip-cli}\n$ pip install --no-deps SomePackage\n```\n")
    got = blocks(text)
    assert [k for k, _ in got] == ["paragraph", "paragraph", "code", "code"]
    assert got[2][1] == "```{code-block} python\nimport pip\n```"
    assert shown_markdown(got[0][1], MD) == "New in version 22.2: Experimental support, behind `--use-feature=truststore`."
    assert shown_markdown(got[1][1], MD) == "Before you start: Back up the environment first."


def test_a_longer_fence_holds_shorter_ones_so_code_and_prose_are_not_inverted():
    """pip's "````{admonition} Example" holds "```" code: the prose had become code and the shell commands one
    glued paragraph."""
    text = ("Intro.\n\n````{admonition} Example\nCreating the bundle, on a modern Unix system:\n\n"
            "```\n$ tempdir=$(mktemp -d)\n$ python -m pip wheel -r requirements.txt --wheel-dir=$tempdir\n```\n\n"
            "Installing from the bundle:\n\n```\n$ python -m pip install --no-index $tempdir/*\n```\n````\n\nAfter the box.\n")
    got = blocks(text)
    assert got == [
        ("paragraph", "Intro."),
        ("paragraph", "````{admonition} Example\nCreating the bundle, on a modern Unix system:"),
        ("code", "```\n$ tempdir=$(mktemp -d)\n$ python -m pip wheel -r requirements.txt --wheel-dir=$tempdir\n```"),
        ("paragraph", "Installing from the bundle:"),
        ("code", "```\n$ python -m pip install --no-index $tempdir/*\n```"),
        ("paragraph", "After the box."),
    ]
    assert shown_markdown(got[1][1], MD) == "Example: Creating the bundle, on a modern Unix system:"
    folded = "````{admonition} Example Creating the bundle, on a modern Unix system:"  # how the pipeline passes a quote
    assert shown_markdown(folded, SimpleNamespace(source="r.md", text=text)) == "Example: Creating the bundle, on a modern Unix system:"
    assert shown_markdown("```{pip-cli} $ pip install", SimpleNamespace(source="r.md", text="```{pip-cli}\n$ pip install\n```")) is None


def test_fences_follow_commonmark_length_character_and_indent():
    text = ("````md\nA README shows a fence:\n```\ncode\n```\n````\n\n"  # a shorter fence inside is code text
            "~~~\nbackticks ``` do not close a tilde fence\n```\n~~~\n\n"
            "   ```sh\n   make install\n   ```\n\n"  # indented up to 3 spaces
            "    ```\n\n"  # 4 spaces: no fence (an indented line of text here)
            "Use ```` ``` ```` to show a fence inline.\n\n"  # a backtick run with a backtick after it opens nothing
            "The end of the text.\n")
    got = blocks(text)
    assert got[0] == ("code", "````md\nA README shows a fence:\n```\ncode\n```\n````")
    assert got[1] == ("code", "~~~\nbackticks ``` do not close a tilde fence\n```\n~~~")
    assert got[2] == ("code", "```sh\n   make install\n   ```")
    assert ("paragraph", "Use ```` ``` ```` to show a fence inline.") in got
    assert got[-1] == ("paragraph", "The end of the text.")


def test_a_chunk_of_link_definitions_alone_quotes_nothing():
    """node's API pages end in a run of 60 definitions: a chunk holding only them had no block and was read as prose."""
    text = "Some prose about sockets here.\n\n" + "".join(f"[`socket.method{i}()`]: #socketmethod{i}\n" for i in range(60))
    assert not any("]: #" in s for s in quoted(text))


def test_an_unclosed_fence_runs_to_the_end():
    text = "Intro.\n\n```\nno closing fence\n\nmore code\n"
    assert blocks(text) == [("paragraph", "Intro."), ("code", "```\nno closing fence\n\nmore code")]


def test_link_definitions_and_target_labels_are_never_quoted_and_roles_read_as_their_text():
    text = ("(repeatability)=\n# Repeatable Installs\n\n"
            "A requirements file can be generated using\n{ref}`pip freeze`. Use {ref}`--no-deps <install_--no-deps>` too.\n\n"
            "[pip-tools] is a package that builds upon pip.\n\n"
            "[pip-tools]: https://github.com/jazzband/pip-tools#readme\n"
            "[other]: <https://example.org> \"Other\"\n\n"
            "A line in a paragraph\n[not]: a definition, since it cannot interrupt a paragraph.\n")
    got = blocks(text)
    assert got[:2] == [("boilerplate", "(repeatability)="), ("heading", "# Repeatable Installs")]
    assert ("boilerplate", "[pip-tools]: https://github.com/jazzband/pip-tools#readme\n[other]: <https://example.org> \"Other\"") in got
    assert ("paragraph", "A line in a paragraph\n[not]: a definition, since it cannot interrupt a paragraph.") in got
    chunk = SimpleNamespace(source="r.md", text=text)
    q = quoted(text)
    assert not any("(repeatability)=" in s or "]: https://" in s or "]: <https://" in s for s in q)
    assert shown_markdown(next(s for s in q if "pip freeze" in s), chunk) == "A requirements file can be generated using pip freeze."
    assert shown_markdown(next(s for s in q if "no-deps" in s), chunk) == "Use --no-deps too."
    assert shown_markdown(next(s for s in q if "builds upon" in s), chunk) == "pip-tools is a package that builds upon pip."
    assert shown_markdown("Run it with [options] set.", chunk) is None, "brackets that no definition names stay"


def test_a_list_and_a_second_paragraph_in_a_note_keep_their_kinds():
    text = ("```{note}\nThere are two advantages:\n\n- It works with other build-backends.\n- It keeps the project tidy.\n\n"
            "A second paragraph in the note.\n```\n")
    assert blocks(text) == [
        ("paragraph", "```{note}\nThere are two advantages:"),
        ("list_item", "- It works with other build-backends."),
        ("list_item", "- It keeps the project tidy."),
        ("paragraph", "A second paragraph in the note."),
    ]


def test_a_label_leads_only_a_paragraph_right_under_it():
    """Across a blank line the fence line would be a sentence of its own ("```{note}"), quotable alone."""
    text = "Intro text here.\n\n```{note}\n\nA note after a blank line in the box.\n```\n"
    assert blocks(text) == [("paragraph", "Intro text here."), ("paragraph", "A note after a blank line in the box.")]
    assert not any("```" in s for s in quoted(text))
