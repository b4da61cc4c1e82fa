"""Forms of the registry pages. They parse and type the input; the rules are the actions'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution
from consilium.registry.checks import CheckResult, Level
from consilium.registry.codes import normalise_histology
from consilium.registry.models import (
    BasisOfDiagnosis,
    ConsentStatus,
    DeathCause,
    EventKind,
    Intent,
    Laterality,
    Marker,
    MarkerMethod,
    MarkerResult,
    Modality,
    RiskGroup,
    Sex,
    VitalStatus,
)
from consilium.registry.toronto import Tier, TorontoTumour
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData

# The checks name fields as DiagnosisFacts does; the forms name them as people read them.
CHECK_FIELD_TO_FORM = {
    "site": "topography",
    "histology": "morphology",
    "event_dates": "date",
    "diagnosis_date": "diagnosis_date",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _blank(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


def add_check_errors(form: forms.Form, results: list[CheckResult]) -> None:
    """Each blocking check result under the field it is about (or above the form)."""
    for result in results:
        if result.level != Level.ERROR:
            continue
        name = CHECK_FIELD_TO_FORM.get(result.field, result.field)
        form.add_error(name if name in form.fields else None, str(result.message))


class DiagnosisFields(forms.Form):
    """The fields of one diagnosis; the entry form and the "another primary" form share them."""

    diagnosis_date = forms.DateField(label=_("Date of diagnosis"), widget=DateInput())
    topography = forms.CharField(
        label=_("Topography (site)"),
        max_length=6,
        help_text=_("ICD-O-3, e.g. C74.9; type a code or a word to look it up."),
    )
    morphology = forms.CharField(
        label=_("Morphology"),
        max_length=6,
        help_text=_("ICD-O-3 histology with its behaviour, e.g. 9500/3."),
    )
    behaviour = forms.CharField(
        label=_("Behaviour"),
        max_length=1,
        required=False,
        help_text=_("Taken from the morphology when written as 9500/3."),
    )
    grade = forms.CharField(label=_("Grade"), max_length=1, required=False)
    laterality = forms.ChoiceField(
        label=_("Laterality"), choices=Laterality.choices, initial=Laterality.NOT_PAIRED
    )
    basis_of_diagnosis = forms.ChoiceField(
        label=_("Basis of diagnosis"), choices=_blank(BasisOfDiagnosis.choices)
    )
    stage_tumour = forms.ChoiceField(
        label=_("Toronto tumour type"), choices=_blank(TorontoTumour.choices), required=False
    )
    stage_tier = forms.TypedChoiceField(
        label=_("Toronto tier"),
        choices=_blank(Tier.choices),
        coerce=int,
        empty_value=None,
        required=False,
    )
    stage_value = forms.CharField(label=_("Toronto stage"), max_length=12, required=False)
    risk_group = forms.ChoiceField(
        label=_("Risk group"), choices=_blank(RiskGroup.choices), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        morphology = (data.get("morphology") or "").strip()
        if "/" in morphology:
            histology, _slash, behaviour = morphology.partition("/")
            data["morphology"] = histology.strip()
            if not data.get("behaviour"):
                data["behaviour"] = behaviour.strip()
        if morphology and not data.get("behaviour"):
            self.add_error("behaviour", _("Give the behaviour, or write the morphology as 9500/3."))
        if data.get("morphology") and normalise_histology(data["morphology"]) is None:
            self.add_error("morphology", _("Four digits, e.g. 9500 (or 9500/3)."))
        return data

    @staticmethod
    def initial_of(diagnosis: Any) -> dict[str, Any]:
        """The form's values for a stored diagnosis (to correct it)."""
        return {
            "diagnosis_date": diagnosis.date,
            "topography": diagnosis.topography_display,
            "morphology": diagnosis.morphology,
            "behaviour": diagnosis.behaviour,
            "grade": diagnosis.grade,
            "laterality": diagnosis.laterality,
            "basis_of_diagnosis": diagnosis.basis_of_diagnosis,
            "stage_tumour": diagnosis.stage_tumour,
            "stage_tier": diagnosis.stage_tier,
            "stage_value": diagnosis.stage_value,
            "risk_group": diagnosis.risk_group,
        }

    def diagnosis_data(self) -> DiagnosisData:
        data = self.cleaned_data
        return DiagnosisData(
            date=data.get("diagnosis_date"),
            topography=data.get("topography") or "",
            morphology=data.get("morphology") or "",
            behaviour=data.get("behaviour") or "",
            basis_of_diagnosis=data.get("basis_of_diagnosis") or "",
            grade=data.get("grade") or "",
            laterality=data.get("laterality") or Laterality.NOT_PAIRED,
            stage_tumour=data.get("stage_tumour") or "",
            stage_tier=data.get("stage_tier"),
            stage_value=data.get("stage_value") or "",
            risk_group=data.get("risk_group") or "",
        )


class PatientEntryForm(DiagnosisFields):
    """A new patient with the first diagnosis, in the order the file is read."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    hospital_number = forms.CharField(label=_("Hospital number"), max_length=40, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    region = forms.CharField(label=_("Region (province)"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    consent_status = forms.ChoiceField(
        label=_("Consent to share de-identified data"),
        choices=ConsentStatus.choices,
        initial=ConsentStatus.UNKNOWN,
    )
    consent_date = forms.DateField(label=_("Date of consent"), required=False, widget=DateInput())
    consent_waiver_reason = forms.CharField(
        label=_("Reason for the waiver"), max_length=300, required=False
    )
    vital_status = forms.ChoiceField(
        label=_("Vital status"), choices=VitalStatus.choices, initial=VitalStatus.ALIVE
    )
    last_contact = forms.DateField(label=_("Last contact"), required=False, widget=DateInput())
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different child: register anyway"), required=False
    )

    field_order = [
        "institution",
        "name",
        "hospital_number",
        "birth_date",
        "sex",
        "region",
        "address",
        "phone",
        "diagnosis_date",
        "topography",
        "morphology",
        "behaviour",
        "grade",
        "laterality",
        "basis_of_diagnosis",
        "stage_tumour",
        "stage_tier",
        "stage_value",
        "risk_group",
        "consent_status",
        "consent_date",
        "consent_waiver_reason",
        "vital_status",
        "last_contact",
    ]

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions

    def identity_data(self) -> IdentityData:
        data = self.cleaned_data
        return IdentityData(
            name=data["name"],
            birth_date=data["birth_date"],
            hospital_number=data.get("hospital_number") or "",
            address=data.get("address") or "",
            phone=data.get("phone") or "",
        )

    def patient_data(self) -> PatientData:
        data = self.cleaned_data
        return PatientData(
            sex=data.get("sex") or Sex.UNKNOWN,
            region=data.get("region") or "",
            consent_status=data.get("consent_status") or ConsentStatus.UNKNOWN,
            consent_date=data.get("consent_date"),
            consent_waiver_reason=data.get("consent_waiver_reason") or "",
            vital_status=data.get("vital_status") or VitalStatus.ALIVE,
            last_contact=data.get("last_contact"),
        )


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    hospital_number = forms.CharField(label=_("Hospital number"), max_length=40, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different child: save anyway"), required=False
    )

    def identity_data(self) -> IdentityData:
        data = self.cleaned_data
        return IdentityData(
            name=data["name"],
            birth_date=data["birth_date"],
            hospital_number=data.get("hospital_number") or "",
            address=data.get("address") or "",
            phone=data.get("phone") or "",
        )


class MarkerForm(forms.Form):
    marker = forms.ChoiceField(label=_("Marker"), choices=Marker.choices)
    other_name = forms.CharField(label=_("Name (other marker)"), max_length=60, required=False)
    result = forms.ChoiceField(label=_("Result"), choices=MarkerResult.choices)
    method = forms.ChoiceField(label=_("Method"), choices=MarkerMethod.choices)
    lab = forms.CharField(label=_("Laboratory"), max_length=120, required=False)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())


class TreatmentForm(forms.Form):
    protocol_name = forms.CharField(label=_("Protocol"), max_length=120, required=False)
    protocol_version = forms.CharField(label=_("Version"), max_length=40, required=False)
    intent = forms.ChoiceField(label=_("Intent"), choices=Intent.choices, initial=Intent.CURATIVE)
    modalities = forms.MultipleChoiceField(
        label=_("Modalities"), choices=Modality.choices, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(label=_("Start"), widget=DateInput())
    end_date = forms.DateField(label=_("End"), required=False, widget=DateInput())


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Event"), choices=EventKind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    death_cause = forms.ChoiceField(
        label=_("Cause of death"), choices=_blank(DeathCause.choices), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ContactForm(forms.Form):
    date = forms.DateField(label=_("Date of contact"), widget=DateInput())
    vital_status = forms.ChoiceField(label=_("Vital status"), choices=VitalStatus.choices)


class ConsentForm(forms.Form):
    consent_status = forms.ChoiceField(label=_("Consent"), choices=ConsentStatus.choices)
    consent_date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    consent_waiver_reason = forms.CharField(
        label=_("Reason for the waiver"), max_length=300, required=False
    )


class ImportForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "An Excel workbook (.xlsx), a CSV file in UTF-8 (patients only), a .zip of CSV"
            " files (the first row of each sheet names the columns), or a FHIR R4 Bundle"
            " (.json) of the shape this registry exports."
        ),
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class PatientFilterForm(forms.Form):
    q = forms.CharField(label=_("Pseudonym or hospital number"), required=False, max_length=60)
    group = forms.ChoiceField(label=_("ICCC group"), required=False)
    stage = forms.CharField(label=_("Stage"), required=False, max_length=12)
    vital_status = forms.ChoiceField(
        label=_("Vital status"), choices=_blank(VitalStatus.choices), required=False
    )
    year = forms.IntegerField(
        label=_("Year of diagnosis"), required=False, min_value=1900, max_value=9999
    )

    def __init__(self, *args: Any, groups: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = _blank(groups)
