"""The numbers rule: a question about 2022 is refused when no passage says 2022."""

from rag.refusal import unmet_names, unmet_numbers
from rag.types import Chunk, ScoredChunk


def hit(text: str) -> ScoredChunk:
    return ScoredChunk(Chunk(id="c", source="a.txt", root="r", title="a", start=0, end=len(text), text=text, doc_sha256="0", n_chunks=1), 1.0)


def test_a_year_no_passage_mentions_is_unmet():
    hits = [hit("The prize went to Annie Ernaux in 2022."), hit("The 2021 prize went to Abdulrazak Gurnah.")]
    assert unmet_numbers("Who won the 2023 Nobel Prize in Literature?", hits) == ["2023"]
    assert unmet_numbers("Who won the 2022 Nobel Prize in Literature?", hits) == []


def test_questions_without_numbers_and_formatting_variants_pass():
    hits = [hit("Python 3.11 added 1,000 new tests.")]
    assert unmet_numbers("Who won the prize?", hits) == []
    assert unmet_numbers("What did Python 3 add?", hits) == []  # the major version of 3.11
    assert unmet_numbers("Which release added 1000 tests?", hits) == []  # 1,000 == 1000
    assert unmet_numbers("What did Python 3.12 add?", hits) == ["3.12"]


def test_pipeline_refuses_and_says_which_number(pipeline_over):
    p = pipeline_over({"nato.txt": "Representatives of all 30 members of NATO gathered in Brussels on 14 June 2021 to discuss the alliance.\n"})
    a = p.ask("How many members of NATO gathered in Brussels in 2024?")
    assert a.refused and any("2024" in n for n in a.notes)
    b = p.ask("How many members of NATO gathered in Brussels in 2021?")
    assert not b.refused and "30 members" in b.answer


def test_decades_ordinals_and_lists_are_not_exact_constraints():
    hits = [hit("Many Huguenots fled after 1685 to the third colony.")]
    assert unmet_numbers("How many Huguenots fled France by the 1700s?", hits) == []
    assert unmet_numbers("Who acquired 20th Century Fox in the 1990's?", hits) == []
    assert unmet_numbers("Besides 1, 3 and 7, what else?", hits) == ["1", "3", "7"]


def test_a_distinctive_name_no_passage_mentions_is_unmet():
    from rag.refusal import unmet_names

    hits = [hit("The theoretical maximum number of rows in an SQLite table is 2^64."), hit("NATO’s members met in Brussels; ASN.1 is a notation.")]
    assert unmet_names("What is the maximum number of columns in a PostgreSQL table?", hits) == ["PostgreSQL"]
    assert unmet_names("How many rows can an SQLite table hold?", hits) == []  # case-insensitive: "SQLite"
    assert unmet_names("Where did NATO's members meet, and what is ASN.1?", hits) == []  # possessive, dotted name
    assert unmet_names("When did the iPhone and the Éclair ship?", hits) == ["iPhone"]  # "Éclair": ordinary capitalised word, not checked
    # Ordinary capitalised words are often paraphrased ("British" for "Britain"): never checked.
    assert unmet_names("Which British king met in Brussels?", hits) == []
    # Dots, dash styles, plurals and a mistyped question word don't make a name unmet.
    news = [hit("Medvedev won the US Open final. The Cretaceous–Paleogene extinction ended the dinosaurs; iPhone sales rose.")]
    assert unmet_names("WHat did the U.S. Open final and the Cretaceous-Paleogene extinction end? How many iPhones?", news) == []
    assert unmet_names("Who won the US Open and the USSR cup?", news) == ["USSR"]  # a whole word: "US" does not stand for "USSR"
    assert unmet_names("WHO WON THE USSR CUP IN THE DINOSAUR ERA?", news) == []  # typed in capitals: case says nothing
    # A name glued to the number before it is mentioned: libdrm writes "2048SP" where a person writes "2048 SP".
    gpus = [hit("Revision ID EF is the AMD Radeon RX 580 2048SP.")]
    assert unmet_names("What revision ID does the Radeon RX 580 2048 SP have?", gpus) == []
    assert unmet_names("Which revision ID has the Radeon RX 580 SPX?", gpus) == ["SPX"]
    # A name of letters is mentioned with a number glued after it (realdocs m15-bz-adler32-hindsight was refused for
    # "its CRC" beside "rather than a CRC32 checksum"); letters glued after it still make another word.
    crc = [hit("An Adler-32 checksum, rather than a CRC32 checksum, would be faster to compute.")]
    assert unmet_names("Which checksum should replace its CRC?", crc) == []
    assert unmet_names("Which checksum should replace its CRCX or its SHA?", crc) == ["CRCX", "SHA"]
    # A hyphen of the name matches a hyphen, a space or nothing (realdocs t4-nul-mssql-unique was refused for
    # "NULL-handling" under a page titled "NULL Handling in SQLite"); another word or number still does not.
    nulls = [ScoredChunk(Chunk(id="n", source="nulls.html", root="r", title="NULL Handling in SQLite", start=0, end=20,
                               text="MS SQL: No | Yes | Yes", doc_sha256="0", n_chunks=1), 1.0)]
    assert unmet_names("According to SQLite's NULL-handling chart, does MS-SQL treat nulls as distinct?", nulls) == []
    assert unmet_names("When was GPT-3 released?", [hit("GPT3 came out in 2020."), hit("GPT 3 was big.")]) == []
    assert unmet_names("When was GPT-3 released?", [hit("GPT-4 came out in 2023.")]) == ["GPT-3"]
    # A passage's section path counts like its title: a GPL clause printed under the licence's heading is about the GPL.
    clause = "If you cease all violation of this License, your license is reinstated within 30 days."
    gpl = [ScoredChunk(Chunk(id="g", source="liboctave.pdf", root="r", title="liboctave", start=0, end=len(clause), text=clause,
                             doc_sha256="0", n_chunks=1, section="Appendix › GNU GENERAL PUBLIC LICENSE",
                             blocks=((0, len(clause), "para", "Appendix › GNU GENERAL PUBLIC LICENSE › TERMS AND CONDITIONS", 3),)), 1.0)]
    assert unmet_names("Under the GPL, within how many days is a licence reinstated?", gpl) == []
    assert unmet_names("Under the LGPL, within how many days is a licence reinstated?", gpl) == ["LGPL"]


def test_an_acronym_is_met_by_its_words_spelled_out():
    from rag.refusal import unmet_names

    hits = [hit("The North Atlantic Treaty Organization met in Brussels. The Department of Defense and the American Automobile Association agreed.")]
    assert unmet_names("What did NATO agree in Brussels?", hits) == []
    assert unmet_names("What did the DOD and the AAA agree?", hits) == []  # "of" may give a letter
    assert unmet_names("What did the NRA agree?", hits) == ["NRA"]  # no such words: still unmet
    assert unmet_names("What did NATO agree in Brussels?", hits, spelled_out=False) == ["NATO"]  # the form before
    assert unmet_names("What did the OTAN say?", hits) == ["OTAN"]  # the initials in order, not any order


def test_pipeline_refuses_and_says_which_name(pipeline_over):
    p = pipeline_over({"limits.txt": "The theoretical maximum number of rows in an SQLite table is 2^64, about 1.8e+19.\n"}, refusal_threshold=0.0)
    a = p.ask("What is the maximum number of rows in a PostgreSQL table?")
    assert a.refused and any("PostgreSQL" in n for n in a.notes), a
    assert not p.ask("What is the maximum number of rows in an SQLite table?").refused
    both = p.ask("What was the maximum number of rows in a PostgreSQL table in 2019?")
    assert both.refused and any("2019" in n and "PostgreSQL" in n for n in both.notes), both.notes


def test_a_version_inside_a_range_a_passage_states_is_met():
    """QA stop 48: "does SQLite 3.30 update references on rename?" was refused although the table row says ">= 3.26.0"."""
    row = [hit("Off | Off | Yes | >= 3.26.0")]
    assert unmet_numbers("With legacy_alter_table off, does SQLite 3.30 update parent references?", row) == []
    assert unmet_numbers("Does SQLite 3.20 update parent references?", row) == ["3.20"]  # below the range
    assert unmet_numbers("Does SQLite 4.1 do it?", row) == ["4.1"]  # another major version: not covered
    assert unmet_numbers("Is it in 3.40.1?", [hit("Available in SQLite 3.35.0 and later.")]) == []
    assert unmet_numbers("Is it in 3.30?", [hit("Since version 3.35.0, RETURNING is supported.")]) == ["3.30"]
    assert unmet_numbers("Did 2.3 have it?", [hit("It was removed; releases prior to 2.5 had it.")]) == []
    assert unmet_numbers("Who won in 2023?", [hit("Winners since 2010 are listed.")]) == ["2023"]  # a year is no range


def test_numbers_the_user_typed_as_an_expression_are_no_constraint():
    """manuals14 (blind): "I set rrange [1:10] ... white disc in the middle" was refused: "no passage mentions 10"."""
    hits = [hit("If the minimum of the current rrange is non-zero, then a white circle is drawn at the center.")]
    assert unmet_numbers("I set rrange [1:10] and now there is a white disc in the middle. Why?", hits) == []
    assert unmet_numbers("Why does print 7/2 truncate, and what does 2^3 do?", hits) == []
    assert unmet_numbers("What changed in 2019?", hits) == ["2019"]  # a year stays a constraint
    assert unmet_numbers("Did it grow by 20%?", hits) == ["20"]  # and so does a percentage
    assert unmet_numbers("What was decided (in 2019)?", hits) == ["2019"]  # brackets of prose are no expression
    assert unmet_numbers("Is EMPTY reserved in SQL:2016?", hits) == ["2016"]  # a colon outside brackets: a standard
    assert unmet_numbers("Which vhost answers on *:80?", hits) == ["80"]  # a port
    assert unmet_numbers("Does R support C++11?", hits) == ["11"]  # and a language version
    assert unmet_numbers("Does str[0:2] give three characters?", hits) == []


def test_a_name_that_ends_in_an_underscore_is_a_prefix():
    """manuals14 (blind): "I only need the STATS_ variables" was refused: "no passage mentions STATS_"."""
    hits = [hit("The variables STATS_min and STATS_max hold the extremes.")]
    assert unmet_names("How do I keep the STATS_ variables but stop the printed summary?", hits) == []
    assert unmet_names("Where are the GPRINT_ variables set?", hits) == ["GPRINT_"]


def test_the_askers_own_situation_is_no_constraint():
    """realdocs m15-bz-tiny-file-grows was refused for "40" and m2-wt-lock-portable for "USB": numbers and names of a
    first-person statement tell the asker's situation; the question sentence, and a wish, still hold constraints."""
    from rag.refusal import asked_part

    q = "I bzip2'd a 40-byte config file and the .bz2 came out bigger than the original. Why does that happen?"
    assert asked_part(q) == "Why does that happen?"
    assert asked_part("My linked worktree is on a USB drive. How do I keep Git from pruning it?") == "How do I keep Git from pruning it?"
    kept = ("Who won the 2023 Nobel Prize?",  # one sentence
            "I read it somewhere. I ran it twice.",  # no question sentence
            "I want several HTTPS sites on one IP address. How does Apache pick the certificate?",  # a wish is the request
            "I'm looking for a 64-bit build of PostgreSQL 17. Which package has it?",  # so is what one looks for
            "We'd like one certificate for 3 hosts. Can Apache do that?",
            "gnuplot samples at 1000 points, yet my plot looks jagged. Why?",  # a fact stated, not the asker's situation
            "How do I make it count up by 10? I ran it twice.")  # the number is in the question sentence
    for q in kept[:-1]:
        assert asked_part(q) == q, q
    assert "10" in asked_part(kept[-1])


def test_pipeline_answers_despite_a_number_of_the_askers_situation(pipeline_over):
    p = pipeline_over({"bzip2.txt": "Files of less than about one hundred bytes tend to get larger, since the compression mechanism "
                                    "has a constant overhead in the region of 50 bytes.\n"})
    a = p.ask("I compressed a 40-byte file with bzip2 and it got larger. Why do small files get larger?")
    assert not any("40" in n for n in a.notes) and not a.refused, a.notes
    b = p.ask("Why do 40-byte files get larger when compressed with bzip2?")
    assert b.refused and any("40" in n for n in b.notes)
