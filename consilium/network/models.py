from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from consilium.lib.timezones import validate_time_zone


class InstitutionKind(models.TextChoices):
    CHILDRENS_HOSPITAL = "childrens_hospital", _("Children's hospital")
    CANCER_CENTRE = "cancer_centre", _("Cancer centre")
    UNIVERSITY_CLINIC = "university_clinic", _("University clinic")
    HOSPICE = "hospice", _("Hospice")
    LABORATORY = "laboratory", _("Laboratory")
    SOCIETY = "society", _("NGO or society")
    WHO_OFFICE = "who_office", _("WHO office")


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=200)
    local_name = models.CharField(_("name in the local language"), max_length=200, blank=True)
    code = models.CharField(
        _("short code"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z][A-Z0-9]{1,11}$",
                _("Use 2 to 12 capital letters or digits, starting with a letter."),
            )
        ],
        help_text=_("Used in pseudonyms, e.g. VNCH-2024-0042."),
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code."))],
    )
    city = models.CharField(_("city"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name
