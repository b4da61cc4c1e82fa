"""What text and numbers may reach the database, checked where they enter (forms, the API, mail).

PostgreSQL refuses a NUL character in text and any string that is not valid UTF-8 (a lone
surrogate such as "\\ud800" from JSON); SQLite stores a NUL but the row then differs between
the two. Integers beyond 64 bits overflow both. Refusing or cleaning them at the boundary gives
the same result on both databases, and a clear error instead of a server error."""

import re

INT64_MAX = 2**63 - 1
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# A query value that is a number longer than any 64-bit integer.
_HUGE_NUMBER = re.compile(r"^[+-]?0*\d{19,}$")


def text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "Text may not contain NUL characters."
    if _SURROGATE.search(value):
        return "Text may not contain lone surrogate characters."
    return None


def value_problem(value: object) -> str | None:
    """The first reason a parsed JSON value cannot be stored, or None."""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -INT64_MAX - 1 <= value <= INT64_MAX else "The number is too large."
    if isinstance(value, dict):
        for k, v in value.items():
            if problem := value_problem(k) or value_problem(v):
                return problem
    if isinstance(value, list):
        for v in value:
            if problem := value_problem(v):
                return problem
    return None


def query_problem(value: str) -> str | None:
    if problem := text_problem(value):
        return problem
    if _HUGE_NUMBER.match(value.strip()) and abs(int(value)) > INT64_MAX:
        return "The number is too large."
    return None


def storable_text(text: str) -> str:
    """For text that must be kept whatever it holds (a mail that arrived): NUL characters
    dropped, lone surrogates replaced."""
    text = text.replace("\x00", "")
    if _SURROGATE.search(text):
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def query_int(value: str | None) -> int | None:
    """A key or count from a query string, or None for anything else ("abc", "\\x00", "٣",
    a number past 64 bits): a link someone typed or cut short is not a server error."""
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= INT64_MAX else None
