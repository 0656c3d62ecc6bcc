"""Follow-ups: offline condensing with the history into a standalone question, and its use
through the pipeline (hash embedder, real Chroma in tmp)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rag.pipeline import build, condense_offline
from rag.settings import Settings

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
NATO_Q = "What did NATO members name as the main causes of their concerns?"


def test_follow_up_takes_the_previous_questions_terms():
    q = condense_offline("And what about China?", [(NATO_Q, "They named Russia and China ...")])
    assert q.startswith("And what about China?")
    for term in ("nato", "main", "causes", "concerns"):
        assert term in q.lower()


def test_a_standalone_question_is_left_alone():
    q = "Which treaty banned the missiles in Moscow's proposal for mutual non-deployment?"
    assert condense_offline(q, [(NATO_Q, "...")]) == q


def test_no_history_no_change():
    assert condense_offline("And what about China?", []) == "And what about China?"


def test_chained_follow_ups_keep_the_original_topic():
    hist = [(NATO_Q, "..."), ("And what about China?", "...")]
    q = condense_offline("Why them?", hist).lower()
    assert "nato" in q and "china" in q


def test_terms_already_in_the_question_are_not_repeated():
    q = condense_offline("What about NATO concerns?", [(NATO_Q, "...")])
    assert q.lower().count("nato") == 1 and q.lower().count("concerns") == 1


def test_pipeline_answers_the_condensed_follow_up(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), d / "nato.txt")
    pipe = build(Settings(data_dir=tmp_path / "data", embedder="hash", mode="extractive", refusal_threshold=0.0))
    pipe.ingest([d])
    first = pipe.ask(NATO_Q)
    ans = pipe.ask("And what about China?", history=[(NATO_Q, first.answer)])
    assert ans.question == "And what about China?"
    assert ans.standalone_question != ans.question and "concerns" in ans.standalone_question.lower()
    assert not ans.refused and "China" in ans.answer
    assert all(s.supported for s in ans.sentences)


def test_a_full_new_question_is_not_rewritten():
    # Seen in the UI: a standalone question got the previous question's terms and the old answer.
    history = [("Who proposed the new 2030 strategic concept?", "Jens Stoltenberg [1]")]
    q = "What threats is the alliance increasingly confronted by?"
    assert condense_offline(q, history) == q


def test_a_pronoun_or_bare_question_borrows_terms():
    history = [("Who proposed the new 2030 strategic concept?", "Jens Stoltenberg [1]")]
    assert "concept" in condense_offline("When was it adopted?", history)
    assert "concept" in condense_offline("Why?", history)


def test_a_bare_follow_up_swaps_an_option_identifier_or_number_instead_of_borrowing_it():
    """"And json_replace?" after a question about json_remove asks about json_replace: "remove" is not borrowed
    (it won the search and the old answer came back); the rest of the question still is."""
    assert condense_offline("And json_replace?", [("How does the JSON function json_remove work?", "...")]) == "And json_replace? (function work)"
    assert condense_offline("And what about --hard?", [("What does git reset --soft do?", "...")]) == "And what about --hard? (git reset)"
    assert condense_offline("And in 2019?", [("What happened in Crimea in 2014?", "...")]) == "And in 2019? (happened crimea)"
    assert condense_offline("And %j?", [("What does %w mean in SQLite's strftime?", "...")]) == "And %j? (mean sqlite's strftime)"
    assert condense_offline("And -7?", [("How much memory does bzip2 -1 use to compress?", "...")]) == "And -7? (much memory bzip2 use compress)"
    assert condense_offline("And CVE-2020-13435?", [("Which SQLite release fixed CVE-2021-20227?", "...")]) == "And CVE-2020-13435? (sqlite release fixed)"
    # a question with more of its own, or a name, swaps nothing
    assert "soft" in condense_offline("And what does --hard do to my working tree files?", [("What does git reset --soft do?", "...")])
    assert "nato" in condense_offline("And what about China?", [(NATO_Q, "...")]).lower()


def test_a_demonstrative_that_points_back_borrows_terms_but_a_relative_that_does_not():
    """"Can I raise that limit?" has three words of its own and no pronoun, so it had been read alone, and the search
    went anywhere a limit is raised. A "that"/"this" opening the question, after a question word, an auxiliary or a
    preposition, or before the question's last noun points back; after a noun or a verb of saying it does not."""
    history = [("How many tables can I join in one SQLite query?", "SQLite does not support joins containing more than 64 tables.")]
    for q in ("Can I raise that limit?", "Why that number?", "Does that setting survive a restart of the server?",
              "Is there an equivalent of that in Mercurial?", "Which statements does this apply to?"):
        assert "join" in condense_offline(q, history), q
    for q in ("What is the command that removes a linked worktree?", "How do I tell git that a file is binary?",
              "Which option makes sure that deleted content is overwritten?"):
        assert condense_offline(q, history) == q, q


def test_a_that_ending_the_question_or_before_a_particle_points_back():
    """"Can I get that down on a small machine?" (after bunzip2's memory use) had four words of its own and its "that"
    follows a verb, so it was read alone. A "that"/"this" that ends the question, or that a verb's particle follows
    (down, up, off, out, back, away), is a pronoun: a relative "that" never ends a clause nor precedes a particle."""
    history = [("How much memory does bunzip2 need to decompress a file?", "Decompression requires 3700 kbytes.")]
    for q in ("Can I get that down on a small machine?", "How do I turn this off for one file only?", "Is there a way to change that?",
              "Could the server ever back that out?"):
        assert "bunzip2" in condense_offline(q, history), q
    for q in ("Which setting makes sure that small machines decompress files?", "Does the manual say that down-sampling loses memory?"):
        assert condense_offline(q, history) == q, q


def test_a_follow_up_that_opens_with_even_or_what_if_borrows_terms():
    """followups2 "Even in WAL mode?" and "What if I don't have root access on the server?" had words enough of their
    own to be read alone, and the search went anywhere WAL mode or root access is mentioned."""
    history = [("What isolation level do SQLite transactions have?", "Serializable.")]
    for q in ("Even in WAL mode?", "What if I use WAL mode?", "Only in WAL mode?", "Does that hold in WAL mode too?",
              "Is it the same in WAL mode as well?"):
        assert "isolation" in condense_offline(q, history), q
    # a full question that merely mentions "even" or "what" further in is still read alone
    q = "What isolation level does SQLite use even in WAL mode?"
    assert condense_offline(q, history) == q


def test_a_back_reference_borrows_the_identifiers_the_earlier_answer_named():
    """ "Am I allowed to change what's in it?" after "It uses an internal table named sqlite_sequence ...": "it" is the
    sqlite_sequence table, which the earlier question never named. Only identifiers and long options are borrowed, not
    the answer's prose; a swap ("And --abort?") and a refused earlier answer borrow none."""
    history = [("How does SQLite keep track of the largest ROWID for an AUTOINCREMENT table?",
                "It uses an internal table named sqlite_sequence, created automatically. [1]")]
    q = condense_offline("Am I allowed to change what's in it?", history)
    assert "sequence" in q and "internal" not in q and "automatically" not in q
    lock = [("How do I stop git from pruning a worktree?", "Lock it with git worktree lock, optionally with --reason. [1]")]
    assert "reason" in condense_offline("Where does git keep it?", lock)
    assert "reason" not in condense_offline("And --abort?", lock)
    refused = [("How does SQLite number rows?", "I couldn't find this in the documents (see sqlite_sequence).")]
    assert "sequence" not in condense_offline("Can I change it?", refused)


def test_a_bare_condition_is_a_follow_up_but_a_conditional_question_is_not():
    """"If I leave val out?" (after a question about the Array(n, val) constructor) has three words of its own and no
    lead, so it was read alone. A condition with no main clause and no question word continues the earlier turn."""
    history = [("What does the Array<T> (int n, const T &val) constructor do in Octave?", "It creates an array of n elements, each set to val.")]
    for q in ("If I leave val out?", "Unless the array is empty?", "Suppose n is zero?"):
        assert "constructor" in condense_offline(q, history), q
    for q in ("If a column is declared INTEGER PRIMARY KEY, which rowid does SQLite use?", "If the file is missing what does git do?"):
        assert condense_offline(q, history) == q, q


def test_a_follow_up_that_is_one_prepositional_phrase_swaps_that_phrase_of_the_previous_question():
    """followups3 "And in R?" (after "... called in MATLAB?") and "How about on Windows?" (after "On unix-like
    systems, where ...?") borrowed MATLAB and unix-like systems, the very words they replace. The object of the
    previous question's phrase with the same preposition is not borrowed; its last such phrase, so that the question's
    own topic stays."""
    assert condense_offline("And in R?", [("What is Octave's broadcasting called in MATLAB?", "BSX")]) == "And in R? (octave's broadcasting called)"
    assert condense_offline("How about on Windows?", [("On unix-like systems, where does SQLite put temporary files?", "/var/tmp")]) == \
        "How about on Windows? (sqlite put temporary files)"
    assert condense_offline("And for tables?", [("What is the limit for columns in SQLite?", "2000")]) == "And for tables? (limit sqlite)"
    # "of" and "by" stay inside the object (followups4: "for a division by zero" had left "zero" in the search)
    assert condense_offline("And for a foreign key violation?", [("Which SQLSTATE does PostgreSQL report for a division by zero?", "22012")]) == \
        "And for a foreign key violation? (sqlstate postgresql report)"
    # a number is a slot's swap, a question word is no object, and a phrase with no match borrows as before
    assert condense_offline("And in 2019?", [("What happened in Crimea in 2014?", "...")]) == "And in 2019? (happened crimea)"
    assert condense_offline("In which file?", [("Where is the setting stored in git?", "...")]) == "In which file? (setting stored git)"
    assert condense_offline("And on the client?", [("Which port does the server use?", "...")]) == "And on the client? (port server use)"


def test_a_pronoun_after_the_questions_own_leading_clause_does_not_point_back():
    """followups4 "If I call shift without a number, how many positional parameters does it drop?" borrowed the earlier
    turn's autocd option for its "it", which is shift. A leading clause with two key terms of its own holds the
    referent; a bare "After upgrading," or a pronoun inside the clause still points back."""
    history = [("What does bash's autocd option do?", "If set, a command name that is the name of a directory is executed ...")]
    for q in ("If I call shift without a number, how many positional parameters does it drop?", "If the file is large, can I compress it faster?"):
        assert condense_offline(q, history) == q, q
    for q in ("After upgrading, does it keep my settings?", "When I run it with --force, what happens?", "Once installed, can I remove it?"):
        assert "autocd" in condense_offline(q, history), q


def test_a_whole_question_after_a_lead_word_borrows_nothing():
    """Trial D12: in a chat about loong64, "And which compiler version is required on Linux?" is a question of its own."""
    history = [("Which tier is loong64 on Linux?", "loong64 | Linux | Experimental")]
    for q in ("And which compiler version is required on Linux?", "So what is the default isolation level in PostgreSQL?"):
        assert condense_offline(q, history) == q
    # Still follow-ups: a condition ("when ... instead"), a pointer back ("the same", "other"), too few terms of its own.
    prev = [("When a cached response that had an ETag goes stale, what header does mod_cache send?", "If-None-Match")]
    assert condense_offline("And when the cached response has a Last-Modified header instead?", prev) != \
        "And when the cached response has a Last-Modified header instead?"
    assert "loong64" in condense_offline("And what is the same setting on Windows?", history)
    assert "loong64" in condense_offline("And which other compilers are required?", history)
    assert "loong64" in condense_offline("And what about Windows?", history)
    assert "loong64" in condense_offline("And which version?", history)


def test_urls_link_targets_and_addresses_in_an_answer_are_no_names():
    """libxcrypt's README (trial D3): an answer quoting a badge's link gave "(libxcrypt utm source github com medium)"."""
    badge = ("[![Codacy Badge](https://api.codacy.com/project/badge/Grade/x.svg)](https://www.codacy.com/app/besser82/libxcrypt"
             "?utm_source=github.com&amp;utm_medium=referral) ![codecov](codecov.io/gh/libxcrypt_ci) Mail sqlite_seq@lists.example.org")
    assert condense_offline("And how do I build it from a Git checkout?", [("What is libxcrypt?", badge)]) == (
        "And how do I build it from a Git checkout? (libxcrypt)")
    assert "json" in condense_offline("Can I change it?", [("What does SQLite keep?", "It keeps json_each (https://sqlite.org/x.html). [1]")])


def test_a_back_reference_after_one_points_at_what_that_one_borrowed():
    """Trial D3: "What is libxcrypt?", "And how do I build it from a Git checkout?" (libxcrypt), "Which license is it
    under?" borrowed "build git checkout libxcrypt" and quoted the build sentence again; "it" is still libxcrypt."""
    history = [("What is libxcrypt?", "libxcrypt is a modern library for one-way hashing of passwords. [1]"),
               ("And how do I build it from a Git checkout?", "Building from a Git checkout requires `autoconf` and `automake`. [1]")]
    assert condense_offline("Which license is it under?", history) == "Which license is it under? (libxcrypt)"
    after_a_full_question = [("How do I build libxcrypt from a Git checkout?", "Building ... requires `autoconf`. [1]")]
    assert condense_offline("Which license is it under?", after_a_full_question) == (  # the referent is not known: as before
        "Which license is it under? (build libxcrypt git checkout)")
