from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.lib.timezones import validate_time_zone


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    TECHNICIAN = "technician", _("Technician")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHYSICIST = "physicist", _("Medical physicist")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    DATA_MANAGER = "data_manager", _("Data manager")
    COORDINATOR = "coordinator", _("Coordinator")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    EXPERT = "expert", _("Expert")
    COORDINATOR = "coordinator", _("Coordinator")
    DATA_MANAGER = "data_manager", _("Data manager")
    ADMIN = "admin", _("Admin")
    NAVIGATOR = "navigator", _("Navigator")


# Roles that may see and change an institution's patients, identifiers included. Navigators
# (social workers, nurse navigators) keep children in treatment: they call families, so they
# hold the same patients and identifiers as the clinical team.
CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.DATA_MANAGER, Role.NAVIGATOR})
# Who is written to about a consultation the institution asked for: the treating team, not
# the navigators, whose work is the family's, not the medical question.
CONSULTING_ROLES = frozenset({Role.CLINICIAN, Role.DATA_MANAGER})


class ConsultationMail(models.TextChoices):
    """How a person hears of what happens in their consultations. Invitations, reminders and
    other mail that asks for an answer by a deadline always go at once."""

    IMMEDIATE = "immediate", _("A mail for each new message or answer")
    DIGEST = "digest", _("One daily digest")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    profession = models.CharField(
        _("profession"), max_length=32, choices=Profession.choices, default=Profession.DOCTOR
    )
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(_("language of the interface"), max_length=8, blank=True)
    consultation_mail = models.CharField(
        _("consultation mail"),
        max_length=12,
        choices=ConsultationMail.choices,
        default=ConsultationMail.IMMEDIATE,
    )
    # The last digest run for this person (sent, or found nothing new): the next one covers
    # what happened after it.
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Membership(models.Model):
    """A person's role at an institution. Ending it (ended_at) keeps the history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    institution = models.ForeignKey(
        "network.Institution", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    started_at = models.DateTimeField(_("since"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["institution__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_membership_per_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.institution}"
