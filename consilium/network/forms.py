from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import User
from consilium.lib.timezones import time_zone_choices
from consilium.network.models import (
    AreaKind,
    Institution,
    Milestone,
    MilestoneStatus,
    Partnership,
    PartnershipStatus,
)
from consilium.network.resources import Availability, grouped_catalogue


class DateInput(forms.DateInput):
    input_type = "date"


class ResourceProfileForm(forms.Form):
    """One availability and one note per resource of the catalogue."""

    valid_from = forms.DateField(label=_("True as of"), widget=DateInput)
    note = forms.CharField(
        label=_("Note on this version"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: object, current: dict[str, tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        self.groups = []
        for category, resources in grouped_catalogue():
            rows = []
            for resource in resources:
                availability, note = current.get(resource.value, ("", ""))
                self.fields[resource.value] = forms.ChoiceField(
                    label=resource.label,
                    choices=[("", "—"), *Availability.choices],
                    initial=availability,
                    required=False,
                )
                self.fields[f"{resource.value}__note"] = forms.CharField(
                    label=_("Note"), required=False, max_length=300, initial=note
                )
                rows.append((self[resource.value], self[f"{resource.value}__note"]))
            self.groups.append((category, rows))

    def items(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            key: (data[key], data.get(f"{key}__note", ""))
            for key in self.fields
            if "__" not in key and key not in {"valid_from", "note"} and data.get(key)
        }


class InstitutionForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Institution
        fields = [
            "name",
            "local_name",
            "country",
            "city",
            "time_zone",
            "kind",
            "languages",
            "contact_email",
            "website",
        ]


class PartnershipForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions"),
        queryset=Institution.objects.order_by("country", "name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Two or more."),
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DateInput)
    signed_place = forms.CharField(label=_("Where it was signed"), max_length=200, required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (PartnershipStatus.DRAFT, PartnershipStatus.DRAFT.label),
            (PartnershipStatus.ACTIVE, PartnershipStatus.ACTIVE.label),
        ],
    )
    areas = forms.MultipleChoiceField(
        label=_("Collaboration areas"),
        choices=AreaKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    document = forms.FileField(
        label=_("Signed document (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class AreaObjectivesForm(forms.Form):
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AddAreaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Area"), choices=AreaKind.choices)
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MilestoneForm(forms.Form):
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)
    title = forms.CharField(label=_("Activity or milestone"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DateInput)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: object, partnership: Partnership, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [
            (a.pk, a.get_kind_display()) for a in partnership.areas.all()
        ]
        self.fields["owner"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__institution__in=partnership.institutions.all(),
                memberships__ended_at__isnull=True,
            )
            .distinct()
            .order_by("full_name")
        )


class MilestoneUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)
    note = forms.CharField(
        label=_("Evidence or progress note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(
        label=_("Evidence file (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    @classmethod
    def for_milestone(cls, milestone: Milestone) -> "MilestoneUpdateForm":
        return cls(initial={"status": milestone.status}, prefix=f"m{milestone.pk}")


class EndPartnershipForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending"), max_length=300)


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label=_("Away from"), widget=DateInput)
    ends_on = forms.DateField(label=_("Back after"), widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end is before the start."))
        return data


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or specialty"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any")), *settings.LANGUAGES], required=False
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.order_by("name"),
        required=False,
        to_field_name="code",
    )
