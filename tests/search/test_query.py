"""The search box's language: words, "a phrase", -word and filters; bad input is refused with
a message, never passed to the database."""

import pytest

from consilium.search.engine import fts5_expression, tsquery_expression
from consilium.search.query import QueryError, parse
from consilium.search.text import fold, words


def test_it_folds_diacritics_keeping_every_position():
    assert fold("Bệnh viện Nhi Trung ương") == "benh vien nhi trung uong"
    assert fold("Đỗ Đức") == "do duc"
    assert fold("Oʻgʻiloy Toʻxtayeva") == "oʻgʻiloy toʻxtayeva"
    assert len(fold("Nguyễn Thị Ánh")) == len("Nguyễn Thị Ánh")


def test_it_keeps_cyrillic_as_written():
    assert words("Ташкент, Ёлкин") == ["ташкент", "елкин"]


def test_it_parses_words_phrases_exclusions_and_filters():
    query = parse(
        'rhabdo "high risk" -relapse diagnosis:IX centre:curie status:recommended year:2025'
    )
    assert [t.words for t in query.positive] == [("rhabdo",), ("high", "risk")]
    assert [t.words for t in query.negative] == [("relapse",)]
    assert query.filters == {
        "diagnosis": "IX",
        "centre": "curie",
        "status": "recommended",
        "year": "2025",
    }


def test_it_turns_a_hyphenated_number_into_words_that_follow_each_other():
    query = parse("VNCH-2025-0007")
    assert query.terms[0].words == ("vnch", "2025", "0007")
    assert fts5_expression(query) == '"vnch 2025 0007"'
    assert tsquery_expression(query) == "('vnch' <-> '2025' <-> '0007')"


def test_it_asks_both_backends_the_same_thing():
    query = parse('orbit "high risk" -node')
    assert fts5_expression(query) == '("orbit"* AND "high risk") NOT "node"*'
    assert tsquery_expression(query) == "'orbit':* & ('high' <-> 'risk') & !'node':*"


def test_a_one_letter_word_is_matched_whole():
    assert fts5_expression(parse("a")) == '"a"'
    assert tsquery_expression(parse("a")) == "'a'"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ('"orbital rhabdo', "quotation mark"),
        ("x" * 10_000, "too long"),
        ("-relapse", "not only what to leave out"),
        ("colour:red", "Unknown filter"),
        ("year:25", "four digits"),
        ("diagnosis:", "Give a value"),
        (" ".join(["w"] * 13), "Too many words"),
    ],
)
def test_it_refuses_bad_input_with_a_message(raw, fragment):
    with pytest.raises(QueryError) as caught:
        parse(raw)
    assert fragment in str(caught.value.message)


def test_control_characters_and_lone_surrogates_are_dropped():
    query = parse("neuro\x00blastoma \ud800 \x1f")
    assert [t.words for t in query.terms] == [("neuro",), ("blastoma",)]


@pytest.mark.parametrize("raw", ["", "   ", "-", '""', "- - -", "*"])
def test_lone_operators_make_an_empty_search(raw):
    assert parse(raw).is_empty
