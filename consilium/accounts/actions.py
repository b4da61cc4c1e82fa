from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consilium.accounts.models import ConsultationMail, User
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
    consultation_mail: str = ConsultationMail.IMMEDIATE,
) -> User:
    """Callers validate with ProfileForm first; this writes and audits in one go."""
    if consultation_mail not in ConsultationMail.values:
        raise ValueError(f"unknown mail preference {consultation_mail!r}")
    fields = ["full_name", "profession", "specialty", "languages", "time_zone"]
    with transaction.atomic():
        if consultation_mail != user.consultation_mail:
            fields += ["consultation_mail", "digest_sent_at"]
            # The first digest starts from the switch: what came before was mailed at once.
            user.digest_sent_at = timezone.now()
        user.full_name = full_name
        user.profession = profession
        user.specialty = specialty
        user.languages = languages
        user.time_zone = time_zone
        user.consultation_mail = consultation_mail
        user.save(update_fields=fields)
        record(
            actor=user,
            verb="account.profile_changed",
            obj=user,
            details={"consultation_mail": consultation_mail},
        )
    return user
