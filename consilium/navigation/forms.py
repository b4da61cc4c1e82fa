"""The boundary: what a form may bring into the actions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from consilium.navigation.models import (
    ContactKind,
    IncomeBand,
    Insurance,
    PhoneAccess,
    SupportKind,
    VisitKind,
)
from consilium.navigation.risk import FACTORS, MAX_WEIGHT, MIN_WEIGHT

DATE = forms.DateInput(attrs={"type": "date"})


class ProtocolPlanForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Protocol (plan template)"), coerce=int)
    start_date = forms.DateField(label=_("Start of treatment"), widget=DATE)

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {v.pk: v for v in versions}
        self.fields["version"].choices = [
            (v.pk, f"{v.code} · {v.document.title}") for v in versions
        ]


class HandPlanForm(forms.Form):
    title = forms.CharField(label=_("Plan"), max_length=120)
    start_date = forms.DateField(label=_("Start of treatment"), widget=DATE)


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    label = forms.CharField(label=_("Label"), max_length=80, required=False)
    date = forms.DateField(label=_("Date"), widget=DATE)


class RescheduleForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE)


class ClosePlanForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the plan closed?"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. treatment completed")}),
    )


class ProfileForm(forms.Form):
    travel_minutes = forms.IntegerField(
        label=_("Travel time (minutes)"), min_value=0, max_value=10000
    )
    travel_cost = forms.DecimalField(
        label=_("Travel cost per visit"), min_value=0, max_digits=12, decimal_places=2
    )
    income_band = forms.ChoiceField(label=_("Household income"), choices=IncomeBand.choices)
    insurance = forms.ChoiceField(label=_("Health insurance"), choices=Insurance.choices)
    caregiver_available = forms.BooleanField(label=_("A caregiver can stay"), required=False)
    needs_lodging = forms.BooleanField(label=_("Needs lodging"), required=False)
    phone_access = forms.ChoiceField(label=_("Phone access"), choices=PhoneAccess.choices)
    language = forms.CharField(label=_("Family's language"), max_length=40, required=False)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    earlier_missed_visits = forms.IntegerField(
        label=_("Visits missed before"), min_value=0, max_value=999, initial=0
    )


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contact"), choices=ContactKind.choices)
    reached = forms.TypedChoiceField(
        label=_("Reached the family?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    spoke_with = forms.CharField(label=_("Spoke with"), max_length=60, required=False)
    agreed = forms.CharField(
        label=_("What was agreed"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Support"), choices=SupportKind.choices)
    given_on = forms.DateField(label=_("Date"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (local currency)"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class FamilyForm(forms.Form):
    relation = forms.CharField(label=_("Relation to the child"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why this is not an abandonment"), max_length=300)


class WeightsForm(forms.Form):
    medium_from = forms.IntegerField(
        label=_("Medium risk from (points)"), min_value=1, max_value=100
    )
    high_from = forms.IntegerField(label=_("High risk from (points)"), min_value=1, max_value=100)
    travel_cost_limit = forms.DecimalField(
        label=_("Travel-cost limit"), min_value=0, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for factor in FACTORS:
            self.fields[f"w_{factor.key}"] = forms.IntegerField(
                label=factor.label, min_value=MIN_WEIGHT, max_value=MAX_WEIGHT
            )
