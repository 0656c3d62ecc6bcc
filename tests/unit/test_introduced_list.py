"""A quoted sentence that ends in ":" brings the list it introduces (rag.answer.with_introduced); hash embedder, real
Chroma in tmp, the reader off so that the test does not depend on a model's scores."""

from __future__ import annotations

from rag.pipeline import build
from rag.settings import Settings

PAGE = """# Performance

Thus, if a file is requested out of a directory /www/htdocs/example, httpd must look for the following files:

- /.htaccess
- /www/.htaccess
- /www/htdocs/.htaccess
- /www/htdocs/example/.htaccess

And so, for each file access out of that directory, there are 4 additional file-system accesses.

# Other

The following modules are unrelated to this page:

Nothing is listed here, because the list moved to another page.
"""


def _indexed(tmp_path, name: str, text: str):
    """A pipeline over one Markdown file; refusal off, so that every question is answered."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", reader="off", refusal_threshold=0.0))
    pipe.ingest([tmp_path / "docs"])
    return pipe


def test_a_sentence_ending_in_a_colon_is_quoted_with_the_list_it_introduces(tmp_path):
    pipe = _indexed(tmp_path, "htaccess.md", PAGE)
    ans = pipe.ask("Which files must httpd look for when a file is requested out of /www/htdocs/example?")
    assert ans.answer.startswith("Thus, if a file is requested out of a directory /www/htdocs/example, httpd must look for the following files: [1]")
    for path in ("/.htaccess [1]", "/www/.htaccess [1]", "/www/htdocs/.htaccess [1]", "/www/htdocs/example/.htaccess [1]"):
        assert path in ans.answer
    assert "4 additional" not in ans.answer.split("example/.htaccess")[-1]  # the list ends where its items end
    assert all(s.supported for s in ans.sentences)
    for c in ans.citations:
        assert PAGE[c.start : c.end] == c.text


def test_no_list_after_the_colon_adds_nothing(tmp_path):
    from rag.answer import with_introduced

    pipe = _indexed(tmp_path, "htaccess.md", PAGE)
    a = pipe.assess("Which modules are unrelated to this page?", None, {})
    intro = next(c for c in a.ranked if c.text.endswith("unrelated to this page:"))
    assert with_introduced([intro], a.hits) == [intro]  # a paragraph follows, not a list
    files = next(c for c in a.ranked if c.text.endswith("the following files:"))
    assert [c.text for c in with_introduced([files], a.hits, max_items=2)][1:] == ["/.htaccess", "/www/.htaccess"]


RUNBOOK = """# Falcon runbook

## Deploys

Deploys go out every Tuesday after the change board meets. If a deploy breaks the checkout page, roll back with:

```bash
falconctl rollback --to previous --confirm
```

Then open an incident ticket and page the on-call engineer for the payments team.

## Backups

Backups run nightly at 02:00 and are kept for thirty days on the archive cluster. Restore them with:

~~~
archivectl restore --date YYYY-MM-DD \\
  --target /srv/restore \\
  --verify
~~~
"""


def test_a_sentence_ending_in_a_colon_is_quoted_with_the_short_code_block_after_it(tmp_path):
    """A new user's runbook: "... roll back with: [1]" had been the whole answer, the command itself never shown."""
    pipe = _indexed(tmp_path, "runbook.md", RUNBOOK)
    ans = pipe.ask("What command rolls back a Falcon deploy when the checkout page breaks?")
    assert ans.answer.startswith("If a deploy breaks the checkout page, roll back with: [1]\n```\nfalconctl rollback --to previous --confirm\n```\n[1]")
    code = next(s for s in ans.sentences if s.display)
    assert code.display == "```\nfalconctl rollback --to previous --confirm\n```" and code.supported
    for c in ans.citations:
        assert RUNBOOK[c.start : c.end] == c.text  # the citation still points at the document's own text, fences and all
    from ui.render import answer_html

    html = answer_html({"id": "t1", "question": "q", "answer": ans.to_dict()})
    assert '<code class="rag-code">falconctl rollback --to previous --confirm</code>' in html  # the UI: preformatted
    ans = pipe.ask("How do I restore the nightly backups?")
    # its own lines and indentation, fenced, the markers on the line after it
    assert "\n```\narchivectl restore --date YYYY-MM-DD \\\n  --target /srv/restore \\\n  --verify\n```\n[1]" in ans.answer, ans.answer
    html = answer_html({"id": "t2", "question": "q", "answer": ans.to_dict()})
    assert '<code class="rag-code">archivectl restore --date YYYY-MM-DD \\\n  --target /srv/restore \\\n  --verify</code>' in html
    assert "\n\n" not in html  # a blank line would end the chatbot's raw-HTML block
    from rag.cli import _marked

    assert _marked(ans).plain.strip("\n") == ans.answer  # the CLI prints the answer as the JSON has it, code lines and all


def test_a_long_code_block_after_the_colon_is_not_quoted():
    from rag.answer import _code_after
    from rag.types import Chunk

    text = "Run this:\n\n" + "x = 1\n" * 20
    chunk = Chunk(id="c", source="a.md", root="/", title="", start=0, end=len(text), text=text, doc_sha256="", n_chunks=1,
                  blocks=((0, 9, "paragraph", "", 0), (11, len(text), "code", "", 0)))
    assert _code_after(chunk, 9, 600) is None  # 20 lines and no blank line to stop at: ranking counts none of it
    assert _code_after(chunk, 9, 600, max_lines=30) == (11, len(text))
    assert text[slice(*_code_after(chunk, 9, 600, partial=True))] == "x = 1\n" * 7 + "x = 1"  # quoted after "...:", its head
    one = "Run this:\n\n" + "x" * 700 + "\n"
    chunk = Chunk(id="c", source="a.md", root="/", title="", start=0, end=len(one), text=one, doc_sha256="", n_chunks=1,
                  blocks=((0, 9, "paragraph", "", 0), (11, len(one), "code", "", 0)))
    assert _code_after(chunk, 9, 600, partial=True) is None  # no line end within bounds: nothing to show


QUEUE = """# Using Lists as Queues

To implement a queue, use collections.deque which was designed to have fast appends and pops from both ends. For example:

```
>>> from collections import deque
>>> queue = deque(["Eric", "John", "Michael"])
>>> queue.append("Terry")           # Terry arrives
>>> queue.append("Graham")          # Graham arrives
>>> queue.popleft()                 # The first to arrive now leaves
'Eric'
>>> queue.popleft()                 # The second to arrive now leaves
'John'
>>> queue                           # Remaining queue in order of arrival
deque(['Michael', 'Terry', 'Graham'])
```
"""


def test_for_example_above_a_long_example_is_quoted_with_its_head(tmp_path):
    """Trial 2026-12-06 (Python tutorial, datastructures.html): "... from both ends. For example: [1]" ended the answer,
    because the REPL session after it is 10 lines with no blank line. Its first lines (8 with the fence) are quoted, marked as
    a head."""
    from rag.cli import _marked

    pipe = _indexed(tmp_path, "queue.md", QUEUE)
    ans = pipe.ask("What's the recommended way to implement a queue in Python?")
    assert "For example: [1]\n```\n>>> from collections import deque\n" in ans.answer, ans.answer
    assert "\n'Eric'\n" in ans.answer and "leaves\n…\n```\n[1]" in ans.answer and "Remaining queue" not in ans.answer
    for c in ans.citations:
        assert QUEUE[c.start : c.end] == c.text
    assert _marked(ans).plain == ans.answer  # the CLI: no blank line after the block's markers


VHOSTS = """# Main host goes away

Then you simply add the following to apache2.conf:

```
<VirtualHost *:80>
    # This first-listed virtual host is also the default for *:80
    ServerName www.example.com
    DocumentRoot "/www/domain"
</VirtualHost>

<VirtualHost *:80>
    ServerName other.example.com
    DocumentRoot "/www/otherdomain"
</VirtualHost>
```
"""


def test_a_long_code_block_after_the_colon_is_quoted_up_to_a_blank_line(tmp_path):
    """realdocs m12-vh-main-host-default: "Then you simply add the following to apache2.conf: [1]" was the whole
    answer, because the two <VirtualHost> sections after it are 11 lines. The first section is quoted, marked as the
    block's head; the citation still spans the document's own text."""
    from rag.answer import _code_after
    from rag.types import Chunk

    pipe = _indexed(tmp_path, "vhosts.md", VHOSTS)
    ans = pipe.ask("What do I add to apache2.conf when the main host goes away?")
    head = ('```\n<VirtualHost *:80>\n    # This first-listed virtual host is also the default for *:80\n    ServerName www.example.com\n'
            '    DocumentRoot "/www/domain"\n</VirtualHost>\n…\n```')
    assert ans.answer.startswith(f"Then you simply add the following to apache2.conf: [1]\n{head}\n[1]"), ans.answer
    code = next(s for s in ans.sentences if s.display)
    assert code.display == head and code.supported
    for c in ans.citations:
        assert VHOSTS[c.start : c.end] == c.text
    text = "Run this:\n\n" + "x = 1\n" * 4 + "\n" + "y = 2\n" * 20
    chunk = Chunk(id="c", source="a.md", root="/", title="", start=0, end=len(text), text=text, doc_sha256="", n_chunks=1,
                  blocks=((0, 9, "paragraph", "", 0), (11, len(text), "code", "", 0)))
    assert text[slice(*_code_after(chunk, 9, 600))] == "x = 1\n" * 3 + "x = 1"


AUTH = """# Getting it working

Apache supports one other authentication method: AuthType Digest. This method is implemented by mod_auth_digest and
was intended to be more secure. This is no longer the case and the connection should be encrypted with mod_ssl instead.

# Basic

Basic authentication sends the password in the clear and was the default method for a long time.

However, the password file must never sit in the document tree.
"""


def test_a_sentence_the_next_one_takes_back_is_quoted_with_it(tmp_path):
    """QA stop 48: "Since Digest is the secure option, how do I switch to it?" quoted "was intended to be more secure"
    without the next sentence, "This is no longer the case", so the answer confirmed the false premise."""
    pipe = _indexed(tmp_path, "auth.md", AUTH)
    ans = pipe.ask("Since Digest authentication is the secure option in Apache, which module implements it?")
    said = " ".join(ans.answer.split())
    assert "intended to be more secure. [1] This is no longer the case and the connection should be encrypted with mod_ssl instead. [1]" in said
    for c in ans.citations:
        assert AUTH[c.start : c.end] == c.text


def test_a_reversal_in_the_next_paragraph_is_not_added(tmp_path):
    from rag.answer import with_introduced

    pipe = _indexed(tmp_path, "auth.md", AUTH)
    a = pipe.assess("What was the default authentication method for a long time?", None, {})
    basic = next(c for c in a.ranked if c.text.startswith("Basic authentication sends"))
    assert with_introduced([basic], a.hits) == [basic]  # "However, ..." opens another paragraph


def test_a_sentence_that_stops_without_a_sentence_end_above_a_command_is_quoted_with_it():
    """R-admin.pdf: "Then check the built system works correctly by" / make check (a code block). The command ends the
    sentence, so it is quoted with it, as after a colon; a sentence that ends in a full stop above code brings nothing."""
    from rag.answer import Candidate, _code_lead, with_introduced
    from rag.types import Chunk, ScoredChunk

    text = ("Then check the built system works correctly by\n\nmake check\n\n"
            "Failures are not necessarily problems.\n\nmake check-devel\n")
    a, b = text.index("make check\n"), text.index("Failures")
    c, d = text.index("make check-devel"), len(text) - 1
    chunk = Chunk(id="c", source="R-admin.pdf", root="/", title="", start=0, end=len(text), text=text, doc_sha256="", n_chunks=1,
                  blocks=((0, a - 2, "paragraph", "", 8), (a, a + 10, "code", "", 8), (b, c - 2, "paragraph", "", 8), (c, d, "code", "", 8)))
    lead = Candidate(1, 0, a - 2, text[: a - 2], 0.0, 0.0, 1.0)
    assert _code_lead(chunk, lead.text, lead.end) == (a, a + 10)
    assert [x.text for x in with_introduced([lead], [ScoredChunk(chunk, 1.0)])] == [lead.text, "make check"]
    stop = Candidate(1, b, c - 2, text[b : c - 2], 0.0, 0.0, 1.0)
    assert _code_lead(chunk, stop.text, stop.end) is None
    assert with_introduced([stop], [ScoredChunk(chunk, 1.0)]) == [stop]


def test_a_however_in_the_same_paragraph_is_quoted_with_the_sentence_it_qualifies():
    """lang_createtable.html: "It is usually an error to attempt to create a new table ... of the same name. However, if
    the "IF NOT EXISTS" clause is specified ... simply has no effect." The first sentence had been quoted alone for a
    question about IF NOT EXISTS: the pattern's closing word boundary never matched after "However,"."""
    from rag.answer import _reversal_after
    from rag.types import Chunk

    text = ("It is usually an error to attempt to create a new table in a database that already contains a table of the "
            "same name. However, if the IF NOT EXISTS clause is specified, the command simply has no effect. "
            "Creating a table with the same name as an existing trigger is not an error.")
    chunk = Chunk(id="c", source="lang_createtable.html", root="/", title="", start=0, end=len(text), text=text, doc_sha256="",
                  n_chunks=1, blocks=((0, len(text), "paragraph", "", 0),))
    first_end = text.index(" However")
    turn = _reversal_after(chunk, first_end)
    assert turn is not None and text[turn[0] : turn[1]].startswith("However, if the IF NOT EXISTS clause") and text[turn[0] : turn[1]].endswith("no effect.")
    assert _reversal_after(chunk, text.index(" Creating")) is None  # the sentence after "no effect." does not take it back


BROADCAST = """# Broadcasting

When two arrays of different shapes are added, the rule is that corresponding array dimensions must either

- be equal, or
- one of them must be 1.

A journal is hot when all of these hold:

- The journal file exists, and
- Its size is greater than 512 bytes, and
- The journal header is non-zero.
"""


def test_a_lead_in_without_a_sentence_end_is_quoted_with_its_list_and_items_lose_their_joint(tmp_path):
    """Octave's manual: "the rule is that corresponding array dimensions must either" stops before its two items; quoted
    alone it was cut off mid-clause. A list item ending ", and" reads as cut off too, so its joint is not quoted."""
    from evals import readability

    pipe = _indexed(tmp_path, "broadcast.md", BROADCAST)
    ans = pipe.ask("What must be true of corresponding array dimensions when arrays of different shapes are added?")
    assert "must either [1] be equal [1] one of them must be 1. [1]" in " ".join(ans.answer.split()), ans.answer
    a = pipe.assess("How large must the journal file be before it counts as hot?", None, {})
    size = next(c for c in a.ranked if c.text.startswith("Its size"))
    assert size.text == "Its size is greater than 512 bytes"  # not "..., and"
    assert a.hits[size.source - 1].chunk.text[size.start:size.end] == size.text  # the span is exact
    assert readability.artefacts(size.text) == []
    assert readability.artefacts("Its size is greater than 512 bytes, and") == ["fragment"]
    for c in ans.citations:
        assert BROADCAST[c.start : c.end] == c.text


HEADERS = """<html><head><title>mod_headers</title></head><body><div id="page-content"><h1>Apache Module mod_headers</h1>
<h2>Header Directive</h2>
<p>This directive can replace, merge or remove HTTP response headers.</p>
<p>The Header directive may be followed by an additional argument, which may be any of:</p>
<dl>
<dt>early</dt><dd>Specifies early processing.</dd>
<dt>env=[!]varname</dt><dd>The directive is applied if and only if the environment variable varname exists.</dd>
<dt>expr=expression</dt><dd>The directive is applied if and only if expression evaluates to true.</dd>
</dl>
<p>Except in early mode, the Header directives are processed just before the response is sent to the network.</p>
</div></body></html>
"""


def test_a_sentence_ending_in_a_colon_brings_the_definition_entries_after_it(tmp_path):
    """UI trial 2026-12-06 (mod_headers.html): "... which may be any of: [2]" ended its part of the answer, because
    the <dl> after it reads as "term: description" paragraphs, not list items. Those entries now follow it, and the
    paragraph after the list does not."""
    from rag.answer import with_introduced

    pipe = _indexed(tmp_path, "mod_headers.html", HEADERS)
    a = pipe.assess("Which additional argument may follow the Header directive?", None, {})
    intro = next(c for c in a.ranked if c.text.endswith("may be any of:"))
    got = [c.text for c in with_introduced([intro], a.hits)]
    assert got[1:] == ["early: Specifies early processing.",
                       "env=[!]varname: The directive is applied if and only if the environment variable varname exists.",
                       "expr=expression: The directive is applied if and only if expression evaluates to true."], got
    plain = next(c for c in a.ranked if c.text.startswith("This directive can replace"))
    assert with_introduced([plain], a.hits) == [plain]  # a sentence that ends in a full stop brings nothing


SEEDS = """# Random numbers

## Using the generator from C

You can use your own generator or use the one supplied, which is the Marsaglia-multicarry with an entry point

```
set_seed(unsigned int, unsigned int)
```

to set its seeds and

```
get_seed(unsigned int *, unsigned int *)
```

to read the seeds.

## Other generators

The Mersenne-Twister generator has a period of two to the power 19937 minus one.
"""


def _plain(c) -> str:
    return c.text.strip().strip("`").strip()  # a Markdown code block's span holds its fences


def test_a_sentence_that_code_interrupts_is_quoted_whole(tmp_path):
    """texinfo sets code inside a sentence (R-exts.pdf 6.17): a quote of its middle, "to set its seeds and", had been
    shown without its start, and a quote of its start without its end."""
    from rag.answer import with_introduced

    pipe = _indexed(tmp_path, "rng.md", SEEDS)
    a = pipe.assess("How do I set the seeds of the supplied generator from C?", None, {})
    whole = ["You can use your own generator or use the one supplied, which is the Marsaglia-multicarry with an entry point",
             "set_seed(unsigned int, unsigned int)", "to set its seeds and", "get_seed(unsigned int *, unsigned int *)",
             "to read the seeds."]
    middle = next(c for c in a.ranked if c.text == whole[2])
    assert [_plain(c) for c in with_introduced([middle], a.hits)] == whole
    first = next(c for c in a.ranked if c.text == whole[0])
    assert [_plain(c) for c in with_introduced([first], a.hits)] == whole
    last = next(c for c in a.ranked if c.text == whole[4])
    assert [_plain(c) for c in with_introduced([last], a.hits)] == whole
    both = [first, last]  # picked twice over: each part once, in the document's order
    assert [_plain(c) for c in with_introduced(both, a.hits)] == whole
    other = next(c for c in a.ranked if c.text.startswith("The Mersenne-Twister"))
    assert with_introduced([other], a.hits) == [other]  # a sentence that stands alone brings nothing
    ans = pipe.ask("How do I set the seeds of the supplied generator from C?")
    for c in ans.citations:
        assert SEEDS[c.start : c.end] == c.text


MEMCHECK = """# Memcheck

Memcheck is a memory error detector. It can detect the following problems that are common in C and C++ programs.

- Accessing memory you shouldn't, for example overrunning heap blocks.
- Using undefined values, values that have not been initialised.
- Incorrect freeing of heap memory, such as double-freeing heap blocks.
- Memory leaks.

Problems like these can be difficult to find by other means.

# Helgrind

Helgrind is a thread error detector. It reads the debug information of the program.

- Misuses of the POSIX pthreads API.
- Data races.

# Massif

Massif is a heap profiler. Its output is described as follows.

```
ms_print massif.out.12345
```
"""


def test_a_sentence_ending_in_a_period_that_announces_a_list_is_quoted_with_it(tmp_path):
    """Trial 2026-12-07 (valgrind_manual.pdf) D9: "It can detect the following problems that are common in C and C++
    programs." was the whole answer to "Which problems can Memcheck detect?", without the bullets under it. A sentence
    ending in "." that points ahead ("the following", "as follows") brings the list items right under it; one that does
    not (Helgrind's) brings nothing, and neither brings a code block."""
    from rag.answer import with_introduced

    pipe = _indexed(tmp_path, "valgrind.md", MEMCHECK)
    ans = pipe.ask("Which problems can Memcheck detect?")
    assert "It can detect the following problems that are common in C and C++ programs. [1]" in ans.answer, ans.answer
    for item in ("overrunning heap blocks. [1]", "not been initialised. [1]", "double-freeing heap blocks. [1]", "Memory leaks. [1]"):
        assert item in ans.answer, ans.answer
    assert "difficult to find" not in ans.answer.split("Memory leaks.")[-1]  # the list ends where its items end
    for c in ans.citations:
        assert MEMCHECK[c.start : c.end] == c.text
    a = pipe.assess("What does Helgrind read?", None, {})
    reads = next(c for c in a.ranked if c.text.endswith("It reads the debug information of the program."))
    assert with_introduced([reads], a.hits) == [reads]  # no pointer ahead: the items under it are not its
    a = pipe.assess("How is Massif's output described?", None, {})
    follows = next(c for c in a.ranked if c.text.endswith("described as follows."))
    assert with_introduced([follows], a.hits) == [follows]  # a code block after it is not brought


def test_the_pointer_ahead_must_be_in_the_last_sentence_and_a_list_item_must_follow():
    from rag.answer import Candidate, _announces_list
    from rag.types import Chunk

    text = "The following holds for every tool. Nothing else is said here.\n\n- an item\n"
    chunk = Chunk(id="c", source="a.md", root="/", title="", start=0, end=len(text), text=text, doc_sha256="", n_chunks=1,
                  blocks=((0, 62, "paragraph", "", 0), (64, len(text), "list_item", "", 0)))
    assert not _announces_list(chunk, Candidate(1, 0, 62, text[:62], 0.0, 0.0, 0.0))  # "the following" in the first of two
    assert _announces_list(chunk, Candidate(1, 0, 35, text[:35], 0.0, 0.0, 0.0))
    assert not _announces_list(chunk, Candidate(1, 66, 73, text[66:73], 0.0, 0.0, 0.0))  # an item itself is no lead-in


def test_a_how_question_brings_the_short_example_right_after_the_items_last_sentence():
    """mod_headers.html (HTML trial D3): an example is an <li>'s description ending in "." and then its <pre> (read as
    list_item, code, as `rag blocks` shows the page); "How do I add a header MyHeader with the time the request took?"
    quoted the description and never the directive. Asked how, the sentence that ends its item brings the short code
    block right after it; not asked how, or a sentence with another one after it in the item, nothing."""
    from rag.answer import Candidate, with_introduced
    from rag.types import Chunk, ScoredChunk

    first = "Add a header, MyHeader, to the response including a timestamp for when the request was received."
    last = "This header can be used by the client to intuit load on the server."
    code = 'Header set MyHeader "%D %t"'
    result = "results in this header being added to the response:"
    text = f"{first} {last}\n\n{code}\n\n{result}\n"
    a, b, c = text.index(code), text.index(result), len(text) - 1
    chunk = Chunk(id="c", source="mod_headers.html", root="/", title="", start=0, end=len(text), text=text, doc_sha256="", n_chunks=1,
                  blocks=((0, a - 2, "list_item", "", 0), (a, a + len(code), "code", "", 0), (b, c, "paragraph", "", 0)))
    hits = [ScoredChunk(chunk, 1.0)]

    def quoted_with(sentence: str, question: str) -> list[str]:
        s = text.index(sentence)
        return [x.text for x in with_introduced([Candidate(1, s, s + len(sentence), sentence, 0.0, 0.0, 1.0)], hits, question=question)]

    how = "How do I add a header MyHeader with the time the request took?"
    assert quoted_with(last, how) == [last, code]
    assert quoted_with(last, "Which header tells the client the load on the server?") == [last]  # not asked how
    assert quoted_with(first, how) == [first]  # the item goes on: the code is not right after it
