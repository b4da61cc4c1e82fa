import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import Profession, User
from consilium.lib.countries import country_choices
from consilium.lib.timezones import time_zone_choices
from consilium.meetings.attendance import modes_for
from consilium.meetings.choices import (
    AttendanceMode,
    DiagnosisGroup,
    Discipline,
    EventKind,
    EventMode,
    SessionKind,
    Visibility,
)
from consilium.meetings.models import Event
from consilium.meetings.times import aware
from consilium.network.models import Institution, Partnership


class DateInput(forms.DateInput):
    input_type = "date"


class WallClockField(forms.DateTimeField):
    """A date and time as a clock in the event's zone shows it; the form turns it into an
    instant once it knows the zone (the reader's own zone plays no part)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value: object) -> datetime.datetime | None:
        with timezone.override(datetime.UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result else None


class NamesField(forms.CharField):
    """A short list typed on one line, separated by commas or semicolons."""

    def to_python(self, value: object) -> list[str]:
        text = super().to_python(value) or ""
        return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]

    def prepare_value(self, value: object) -> object:
        return ", ".join(value) if isinstance(value, list | tuple) else value


def _make_aware(form: forms.Form, names: tuple[str, ...], zone: str) -> None:
    for name in names:
        value = form.cleaned_data.get(name)
        if value is None:
            continue
        try:
            form.cleaned_data[name] = aware(value, zone)
        except ValidationError as exc:
            form.add_error(name, exc)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    host = forms.ModelChoiceField(label=_("Host"), queryset=Institution.objects.none())
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"),
        queryset=Institution.objects.order_by("country", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    supporting_organisations = NamesField(
        label=_("Supporting organisations"),
        required=False,
        help_text=_("Separated by commas, e.g. WHO, SIOP, ESO."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone of the programme"), choices=time_zone_choices)
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    teaching_hours = forms.DecimalField(
        label=_("Teaching hours"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=5,
        decimal_places=2,
        localize=True,
        help_text=_(
            "Only for an event without a programme: the hours taught, breaks left out. "
            "Empty: certificates name the days attended, not hours."
        ),
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=EventMode.choices)
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    online_link = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", max_length=200
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(label=_("Who may see it"), choices=Visibility.choices)
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=1)
    registration_closes_at = WallClockField(
        label=_("Registration closes"),
        required=False,
        help_text=_("Empty: members may register until the event ends."),
    )
    waiting_list = forms.BooleanField(
        label=_("Keep a waiting list when full"), required=False, initial=True
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, hosts: list[Institution], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Institution.objects.filter(pk__in=[h.pk for h in hosts])

    def clean_agenda_hours_before(self) -> int:
        value = self.cleaned_data.get("agenda_hours_before")
        return 24 if value is None else value

    def clean(self) -> dict:
        data = super().clean()
        if data.get("time_zone"):
            _make_aware(self, ("starts_at", "ends_at", "registration_closes_at"), data["time_zone"])
        return data


class EventEditForm(EventForm):
    """The host does not change; the rest does."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, hosts=[], **kwargs)
        del self.fields["host"]


class SeriesForm(forms.Form):
    WEEKDAYS = [
        (0, _("Monday")),
        (1, _("Tuesday")),
        (2, _("Wednesday")),
        (3, _("Thursday")),
        (4, _("Friday")),
        (5, _("Saturday")),
        (6, _("Sunday")),
    ]
    title = forms.CharField(label=_("Title"), max_length=200)
    host = forms.ModelChoiceField(label=_("Host"), queryset=Institution.objects.none())
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"),
        queryset=Institution.objects.order_by("country", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interval_weeks = forms.IntegerField(
        label=_("Every how many weeks"), min_value=1, max_value=52, initial=2
    )
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=720, initial=60
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    starts_on = forms.DateField(label=_("First meeting on or after"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last meeting by"), required=False, widget=DateInput)
    weeks_ahead = forms.IntegerField(
        label=_("Plan how many weeks ahead"), min_value=1, max_value=104, initial=12
    )
    online_link = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", max_length=200
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it"), choices=Visibility.choices, initial=Visibility.PARTNERS
    )
    agenda_hours_before = forms.IntegerField(
        label=_("Send a board's agenda how many hours before"),
        min_value=0,
        max_value=336,
        initial=24,
        required=False,
    )

    def __init__(self, *args: object, hosts: list[Institution], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = Institution.objects.filter(pk__in=[h.pk for h in hosts])

    def clean_agenda_hours_before(self) -> int:
        value = self.cleaned_data.get("agenda_hours_before")
        return 24 if value is None else value


class UniqueIdsMixin:
    """Several of these forms share a page; their inputs need distinct ids for labels."""

    id_prefix = "f"

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class SectionForm(UniqueIdsMixin, forms.Form):
    id_prefix = "section"
    title = forms.CharField(label=_("Section or track"), max_length=200)


def _people() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("full_name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )


class SessionForm(UniqueIdsMixin, forms.Form):
    id_prefix = "session"
    kind = forms.ChoiceField(label=_("Kind of session"), choices=SessionKind.choices)
    title = forms.CharField(label=_("Session title"), max_length=200)
    section = forms.ModelChoiceField(
        label=_("Section or track"), queryset=None, required=False, empty_label="—"
    )
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    starts_at = WallClockField(label=_("Session starts"))
    ends_at = WallClockField(label=_("Session ends"))
    chairs = _people()
    guest_chairs = NamesField(
        label=_("Chairs from outside the network"), required=False, max_length=500
    )

    def __init__(self, *args: object, event: Event, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["section"].queryset = event.sections.all()
        self.fields["chairs"].label = _("Chairs")
        self.fields["starts_at"].help_text = _("In %(zone)s.") % {"zone": event.time_zone}

    def clean(self) -> dict:
        data = super().clean()
        _make_aware(self, ("starts_at", "ends_at"), self.event.time_zone)
        return data


class PresentationForm(UniqueIdsMixin, forms.Form):
    id_prefix = "talk"
    session = forms.ModelChoiceField(label=_("In session"), queryset=None)
    title = forms.CharField(label=_("Presentation title"), max_length=300)
    speakers = _people()
    guest_speakers = NamesField(
        label=_("Speakers from outside the network"), required=False, max_length=500
    )
    diagnosis_groups = forms.MultipleChoiceField(
        label=_("Diagnosis groups"),
        choices=DiagnosisGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disciplines = forms.MultipleChoiceField(
        label=_("Disciplines"),
        choices=Discipline.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    slides = forms.FileField(
        label=_("Slides (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: object, event: Event, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = event.sessions.exclude(kind=SessionKind.BREAK)
        self.fields["speakers"].label = _("Speakers")


class RegisterForm(UniqueIdsMixin, forms.Form):
    id_prefix = "register"
    mode = forms.ChoiceField(label=_("I will attend"), choices=AttendanceMode.choices)

    def __init__(self, *args: object, event: Event, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        allowed = modes_for(event)
        self.fields["mode"].choices = [c for c in AttendanceMode.choices if c[0] in allowed]


class CountryField(forms.ChoiceField):
    """An ISO code from the list; "uz" typed by a script is "UZ"."""

    def to_python(self, value: object) -> str:
        return super().to_python(value).strip().upper()


class GuestForm(RegisterForm):
    id_prefix = "guest"
    full_name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    institution_name = forms.CharField(label=_("Institution"), max_length=200)
    country = CountryField(
        label=_("Country"),
        error_messages={"invalid_choice": _("Choose a country from the list.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].label = _("Attends")
        # Named in the reader's language; stored as the ISO code.
        self.fields["country"].choices = [
            ("", "—"),
            *country_choices(get_language() or settings.LANGUAGE_CODE),
        ]
        self.order_fields(["full_name", "email", "profession", "institution_name", "country"])


class MemberForm(RegisterForm):
    """A coordinator registers someone who has an account."""

    id_prefix = "member"

    user = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.filter(is_active=True).order_by("full_name")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].label = _("Attends")
        self.order_fields(["user"])


class CheckInForm(UniqueIdsMixin, forms.Form):
    id_prefix = "checkin"
    """Find the participant by registration number or email, as at a registration desk."""

    registration = forms.IntegerField(required=False, widget=forms.HiddenInput)
    email = forms.EmailField(label=_("Email"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("registration") and not data.get("email"):
            raise ValidationError(_("Give the participant's email."))
        return data


class HoursForm(UniqueIdsMixin, forms.Form):
    id_prefix = "hours"
    # Localised: the desk shows "6,25" in Vietnamese, Uzbek or French and must take it back.
    hours = forms.DecimalField(
        label=_("Hours attended"), min_value=0, decimal_places=2, localize=True
    )


class AgreementForm(UniqueIdsMixin, forms.Form):
    id_prefix = "agreement"
    partnership = forms.ModelChoiceField(label=_("Partnership signed here"), queryset=None)

    def __init__(self, *args: object, event: Event, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        organisers = event.organiser_ids()
        self.fields["partnership"].queryset = (
            Partnership.objects.filter(parties__institution_id__in=organisers)
            .distinct()
            .order_by("title")
        )


class AnnouncementForm(UniqueIdsMixin, forms.Form):
    """A message to registrants: one subject and text per language, any left empty. The
    event's language comes first, as the version everyone else falls back on."""

    id_prefix = "announce"
    session = forms.ModelChoiceField(
        label=_("To"),
        queryset=None,
        required=False,
        empty_label=_("All registrants"),
        error_messages={"invalid_choice": _("That session is not one of this event's.")},
    )

    def __init__(self, *args: object, event: Event, **kwargs: object) -> None:
        from consilium.meetings.announcements import MAX_BODY, MAX_SUBJECT, event_language

        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = event.sessions.exclude(kind=SessionKind.BREAK)
        self.fields["session"].label_from_instance = lambda s: (
            _("Those who came on the day of “%(title)s”") % {"title": s.title}
        )
        first = event_language(event)
        self.languages = sorted(settings.LANGUAGES, key=lambda lang: lang[0] != first)
        for code, name in self.languages:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name},
                required=False,
                max_length=MAX_SUBJECT,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                required=False,
                max_length=MAX_BODY,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def versions(self) -> list:
        from consilium.meetings.announcements import Version

        return [
            Version(
                code,
                self.cleaned_data.get(f"subject_{code}", ""),
                self.cleaned_data.get(f"body_{code}", ""),
            )
            for code, _name in self.languages
        ]
