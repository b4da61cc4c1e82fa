"""Partnerships as most tests need them: proposed by one party and confirmed by every other,
through the same actions a coordinator uses."""

from consilium.network import actions
from consilium.network.demo import confirm_by_every_party
from consilium.network.models import Partnership


def confirmed_partnership(**kwargs) -> Partnership:
    """`create_partnership`'s arguments; the result is active once every party confirmed."""
    return confirm_by_every_party(actions.create_partnership(**kwargs))
