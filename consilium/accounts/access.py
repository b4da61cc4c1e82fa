"""Who holds which role where: the base of every access rule in the other modules."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser

from consilium.accounts.models import CLINICAL_ROLES, Membership, Role, User

_CACHE_ATTR = "_consilium_roles"


def roles_by_institution(user: User | AnonymousUser) -> dict[int, frozenset[str]]:
    """The active roles of a person, by institution id; read once per request object."""
    if not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        roles: dict[int, set[str]] = {}
        rows = Membership.objects.filter(user=user, ended_at__isnull=True).values_list(
            "institution_id", "role"
        )
        for institution_id, role in rows:
            roles.setdefault(institution_id, set()).add(role)
        cached = {key: frozenset(value) for key, value in roles.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user: User) -> None:
    """Call after changing someone's memberships within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: User | AnonymousUser, institution_id: int, roles: Iterable[str]) -> bool:
    return bool(roles_by_institution(user).get(institution_id, frozenset()) & set(roles))


def institution_ids_with_role(user: User | AnonymousUser, roles: Iterable[str]) -> set[int]:
    wanted = set(roles)
    return {inst for inst, held in roles_by_institution(user).items() if held & wanted}


def is_clinical_at(user: User | AnonymousUser, institution_id: int) -> bool:
    return has_role(user, institution_id, CLINICAL_ROLES)


def is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or any(Role.ADMIN in r for r in roles_by_institution(user).values())
