"""The lists of the navigator's page. The page shows the most urgent few of each, with how
many there are and a link to the whole list a page at a time (a section page), so its cost
does not grow with the institution: a national centre has hundreds of children in each."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consilium.navigation import queries
from consilium.network.models import Institution

# Rows of each list on the navigator's page, and on a page of a section page.
HOME_ROWS = 10
PAGE_ROWS = 50

Rows = Callable[[Institution, datetime.date, int, int], list]
Count = Callable[[Institution, datetime.date], int]


def _yesterday(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    rows: Rows
    count: Count


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in (
        Section(
            "missed",
            _("Yesterday's missed visits"),
            lambda i, today, offset, limit: queries.missed_rows(
                i, _yesterday(today), offset, limit
            ),
            lambda i, today: queries.missed_count(i, _yesterday(today)),
        ),
        Section("outreach", _("Outreach due"), queries.outreach_rows, queries.outreach_count),
        Section(
            "interrupted",
            _("Therapy interrupted"),
            queries.interruption_rows,
            queries.interruption_count,
        ),
        Section(
            "proposed",
            _("Proposed abandonments"),
            lambda i, today, offset, limit: queries.proposal_rows(i, offset, limit),
            lambda i, today: queries.proposal_count(i),
        ),
        Section(
            "high-risk",
            _("New high-risk families"),
            lambda i, today, offset, limit: queries.high_risk_rows(i, offset, limit),
            lambda i, today: queries.high_risk_count(i),
        ),
        Section("expected", _("Expected today"), queries.day_rows, queries.day_count),
    )
}


@dataclass
class Shown:
    """A section as a page shows it: some rows, and how many there are in all."""

    key: str
    title: Promise
    rows: list
    total: int
    page: int = 1
    pages: int = 1
    extra: dict = field(default_factory=dict)

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def top(section: Section, institution: Institution, today: datetime.date) -> Shown:
    """The first HOME_ROWS; counted only when there are more (a short list costs no COUNT)."""
    rows = section.rows(institution, today, 0, HOME_ROWS + 1)
    total = len(rows) if len(rows) <= HOME_ROWS else section.count(institution, today)
    return Shown(section.key, section.title, rows[:HOME_ROWS], total)


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def page_number(asked: str, pages: int) -> int | None:
    """The page asked for, or None for anything that is not one of the pages (a hand-typed
    number, a stale bookmark after the list shrank)."""
    if not (asked.isascii() and asked.isdigit()) or len(asked) > 9:
        return None
    number = int(asked)
    return number if 1 <= number <= pages else None


def nearest_page(asked: str, pages: int) -> int:
    """The real page to show for one that is not: the last for a number past the end (the
    list shrank since the link was made), the first for anything else."""
    if asked.isascii() and asked.isdigit() and (len(asked) > 9 or int(asked) > pages):
        return pages
    return 1
