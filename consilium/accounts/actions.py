from django.conf import settings
from django.db import transaction

from consilium.accounts.models import User
from consilium.audit.actions import record


def set_interface_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
        record(actor=user, verb="account.language_changed", details={"language": language})


def update_profile(
    *,
    user: User,
    full_name: str,
    profession: str,
    specialty: str,
    languages: list[str],
    time_zone: str,
) -> User:
    """Callers validate with ProfileForm first; this writes and audits in one go."""
    with transaction.atomic():
        user.full_name = full_name
        user.profession = profession
        user.specialty = specialty
        user.languages = languages
        user.time_zone = time_zone
        user.save(update_fields=["full_name", "profession", "specialty", "languages", "time_zone"])
        record(actor=user, verb="account.profile_changed", obj=user)
    return user
