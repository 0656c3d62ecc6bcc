"""rag.text.sentence_spans: where a sentence ends."""
from rag.text import sentence_spans


def sentences(t: str) -> list[str]:
    return [t[s:e] for s, e in sentence_spans(t)]


def test_an_elision_inside_a_sentence_does_not_end_it():
    """fileformat2.html 'added by ALTER TABLE ... ADD COLUMN' and gnuplot's 'ARG1 ... ARG9' were cut in two, and so was
    the question 'My INSERT ... SELECT ... ON CONFLICT statement fails. Why?' that rag.refusal.asked_part reads."""
    for t in ("Columns added by ALTER TABLE ... ADD COLUMN get default values.",
              "Because the parameters ARG1 ... ARG9 are stored in string variables they can be changed.",
              "The entries ARGV[0] ... ARGV[ARGC] hold them.",
              "Keys M-1, ... M-- are bound.",
              "Digits in the range 0 ... 7 are accepted."):
        assert sentences(t) == [t]
    assert sentences("My INSERT ... SELECT ... ON CONFLICT statement fails. Why?") == [
        "My INSERT ... SELECT ... ON CONFLICT statement fails.", "Why?"]


def test_an_ellipsis_between_words_of_no_one_series_still_ends_a_sentence():
    t = "The data sit in columns 3, 5, 7, ... This example plots columns 2 and 4."
    assert sentences(t) == ["The data sit in columns 3, 5, 7, ...", "This example plots columns 2 and 4."]
    t = "It trailed off... Then it stopped."  # no space before: the ordinary break
    assert sentences(t) == ["It trailed off...", "Then it stopped."]
    # a search snippet's date, then its text (RGB): the words either side are of no one series
    for t in ("Mar 16, 2023 ... GPT-3 is a language model.", "Dec 7, 2017 ... 2017 College Football Awards.",
              "Jul 14, 2018 ... WIMBLEDON, England — Before Saturday, she lost."):
        assert len(sentences(t)) == 2, t
    # a number and a unit before it, and a letter after it, are no series either
    assert len(sentences("It cost 200 k ... 900 Euros were paid.")) == 2
    assert len(sentences("We reached step F ... A new step began.")) == 2


def test_an_elision_of_numbers_with_one_unit_or_of_letters_in_order_does_not_end_a_sentence():
    """bzip2's manual.pdf "Set the block size to 100 k, 200 k ... 900 k when compressing." was cut after the
    ellipsis (the word before it is the unit, not a number), and bash.pdf's "0 ... 9 A ... F" after the letters."""
    for t in ("Set the block size to 100 k, 200 k ... 900 k when compressing.",
              "The digits 0 ... 9 A ... F a ... f are hexadecimal."):
        assert sentences(t) == [t]
