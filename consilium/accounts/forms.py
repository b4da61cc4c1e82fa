from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import ConsultationMail, Profession, User
from consilium.lib.timezones import time_zone_choices, validate_time_zone


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages you work in"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text=_("Every time is shown to you in this zone."),
    )
    consultation_mail = forms.ChoiceField(
        label=_("Mail about your consultations"),
        choices=ConsultationMail.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The digest comes at 07:00 in your time zone, and only when something is new. "
            "Invitations and reminders with a deadline always come at once."
        ),
    )

    @classmethod
    def for_user(cls, user: User) -> "ProfileForm":
        return cls(
            initial={
                "full_name": user.full_name,
                "profession": user.profession,
                "specialty": user.specialty,
                "languages": user.languages,
                "time_zone": user.time_zone,
                "consultation_mail": user.consultation_mail,
            }
        )
