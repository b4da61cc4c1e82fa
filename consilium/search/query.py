"""What a person types into the search box, parsed once into terms and filters that each
backend turns into its own match expression. Bad input gets a `QueryError` whose message the
page shows; nothing here touches the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consilium.search.text import words

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
FILTERS = ("diagnosis", "centre", "status", "year")
# Words shorter than this match as prefixes of nothing useful and cost a scan of the index.
MIN_PREFIX = 2

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


class QueryError(ValueError):
    def __init__(self, message: Promise | str) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    """One word, or the words of a quoted phrase in order."""
    negated: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    terms: list[Term] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    raw: str = ""

    @property
    def positive(self) -> list[Term]:
        return [t for t in self.terms if not t.negated]

    @property
    def negative(self) -> list[Term]:
        return [t for t in self.terms if t.negated]

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.filters


def _clean(raw: str) -> str:
    # Control characters and lone surrogates are never part of a search; they would reach the
    # database driver otherwise.
    return "".join(
        " " if (ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ord(ch) == 0x7F) else ch
        for ch in raw
    ).strip()


def parse(raw: str) -> Query:
    text = _clean(raw or "")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("The search is too long: use at most %(n)s characters.") % {"n": MAX_QUERY_LENGTH}
        )
    if text.count('"') % 2:
        raise QueryError(_('A quotation mark is not closed: write "a phrase" in pairs of quotes.'))
    query = Query(raw=text)
    for match in _TOKEN.finditer(text):
        negated_phrase, phrase, token = match.groups()
        if phrase is not None:
            found = tuple(words(phrase))
            if found:
                query.terms.append(Term(found, negated=bool(negated_phrase)))
            continue
        name, sep, value = token.partition(":")
        if sep and name.lower() in FILTERS:
            if not value.strip():
                raise QueryError(
                    _("Give a value after “%(filter)s:”, for example %(example)s.")
                    % {"filter": name.lower(), "example": _example(name.lower())}
                )
            query.filters[name.lower()] = value.strip()
            continue
        if sep and name and name.isalpha() and not value[:1].isdigit():
            raise QueryError(
                _("Unknown filter “%(filter)s:”. Filters are: %(filters)s.")
                % {"filter": name, "filters": ", ".join(f + ":" for f in FILTERS)}
            )
        negated = token.startswith("-")
        found = tuple(words(token.lstrip("-")))
        if not found:
            continue
        # "VNCH-2025-0007" is one thing typed: its parts must follow each other.
        query.terms.append(Term(found, negated=negated))
    if len(query.terms) > MAX_TERMS:
        raise QueryError(_("Too many words: use at most %(n)s.") % {"n": MAX_TERMS})
    if query.terms and not query.positive:
        raise QueryError(_("Say what to look for, not only what to leave out."))
    year = query.filters.get("year")
    if year is not None and not (year.isdigit() and len(year) == 4):
        raise QueryError(_("“year:” takes a year of four digits, for example year:2024."))
    return query


def _example(name: str) -> str:
    return {
        "diagnosis": "diagnosis:IV",
        "centre": "centre:curie",
        "status": "status:recommended",
        "year": "year:2025",
    }[name]
