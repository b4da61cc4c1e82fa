"""A post that arrives after its session expired is not thrown away: the app that owns the
page may keep it (consultations: a message, a recommendation, a request) before the session
ends, and say where the person goes once signed in again.

The accounts app knows no other app: each registers its keeper in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from consilium.accounts.models import User

# A keeper looks at the POST and, when it is one it keeps, stores it and returns the path to
# open after sign-in; otherwise None.
Keeper = Callable[[HttpRequest, User], str | None]
_KEEPERS: list[Keeper] = []


def register(keeper: Keeper) -> None:
    if keeper not in _KEEPERS:
        _KEEPERS.append(keeper)


def keep(request: HttpRequest, user: User) -> str | None:
    for keeper in _KEEPERS:
        if (after := keeper(request, user)) is not None:
            return after
    return None
