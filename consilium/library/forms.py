from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import Profession, Role, User
from consilium.library.models import (
    ChecklistItem,
    DocumentKind,
    Fixation,
    MolecularTest,
    ObservationResult,
    ReviewDecision,
    SampleType,
    Temperature,
)
from consilium.network.models import Institution
from consilium.registry.models import Marker, MarkerMethod, MarkerResult

PDF_WIDGET = forms.ClearableFileInput(attrs={"accept": "application/pdf"})


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class DocumentForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Owning institution"), queryset=Institution.objects)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    code = forms.CharField(
        label=_("Code"),
        max_length=30,
        help_text=_("A stable short code, e.g. WILMS-VN or IC-HAND; versions add -v1, -v2…"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(label=_("Original language"), choices=language_choices)

    def __init__(self, *args: object, owners: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class DraftForm(forms.Form):
    change_summary = forms.CharField(
        label=_("Change summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(label=_("Original language"), choices=language_choices)
    authors = forms.ModelMultipleChoiceField(
        label=_("Authors"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: object, people: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authors"].queryset = people


class NewVersionForm(forms.Form):
    change_summary = forms.CharField(
        label=_("What changes in the new version"), widget=forms.Textarea(attrs={"rows": 3})
    )


class FileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of this file"), choices=language_choices)
    file = forms.FileField(label=_("File (PDF)"), widget=PDF_WIDGET)


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=User.objects.none())

    def __init__(self, *args: object, candidates: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = candidates


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            (ReviewDecision.APPROVED, ReviewDecision.APPROVED.label),
            (ReviewDecision.CHANGES_REQUESTED, ReviewDecision.CHANGES_REQUESTED.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class AdoptionForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("At"), queryset=Institution.objects)
    in_force_from = forms.DateField(label=_("In force from"), widget=DateInput)
    roles = forms.MultipleChoiceField(
        label=_("Roles that must acknowledge it"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    professions = forms.MultipleChoiceField(
        label=_("Professions that must acknowledge it"),
        choices=Profession.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: object, institutions: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class ChecklistForm(forms.Form):
    title = forms.CharField(label=_("Checklist title"), max_length=200)
    items = forms.CharField(
        label=_("Items, one per line"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("e.g. Hand hygiene before touching the patient"),
    )


class AuditRoundForm(forms.Form):
    """One result per checklist item; the item fields are named item_<id>."""

    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects)
    unit = forms.CharField(label=_("Unit (ward)"), max_length=100)
    audited_on = forms.DateField(label=_("Audited on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(
        self,
        *args: object,
        institutions: object,
        items: list[ChecklistItem],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.item_fields = []
        for item in items:
            name = f"item_{item.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{item.position}. {item.text}",
                choices=ObservationResult.choices,
                widget=forms.RadioSelect,
            )
            self.item_fields.append(name)

    def observations(self) -> list[tuple[int, str]]:
        return [
            (int(name.removeprefix("item_")), self.cleaned_data[name]) for name in self.item_fields
        ]


class SendOutForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient pseudonym"), max_length=32, help_text=_("e.g. VNCH-2024-0042")
    )
    laboratory = forms.ModelChoiceField(label=_("Laboratory"), queryset=Institution.objects)
    test = forms.ChoiceField(label=_("Test"), choices=MolecularTest.choices)
    test_detail = forms.CharField(
        label=_("Test details"),
        max_length=200,
        required=False,
        help_text=_("The panel's name, or the test when it is another one."),
    )
    question = forms.CharField(
        label=_("Clinical question"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The laboratory reads this: no names, hospital numbers or birth dates."),
    )
    sample_type = forms.ChoiceField(label=_("Sample type"), choices=SampleType.choices)
    collected_on = forms.DateField(label=_("Collected on"), widget=DateInput)
    fixation = forms.ChoiceField(label=_("Fixation"), choices=Fixation.choices)
    tumour_cell_percent = forms.IntegerField(
        label=_("Tumour cells (%)"), min_value=0, max_value=100, required=False
    )
    consultation = forms.IntegerField(label=_("Consultation number"), required=False, min_value=1)

    def __init__(self, *args: object, laboratories: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["laboratory"].queryset = laboratories


class ShipmentForm(forms.Form):
    courier = forms.CharField(label=_("Courier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)
    temperature = forms.ChoiceField(label=_("Temperature"), choices=Temperature.choices)


class FailureForm(forms.Form):
    reason = forms.CharField(label=_("Reason for failure"), max_length=300)


class ResultForm(forms.Form):
    marker = forms.ChoiceField(label=_("Marker"), choices=Marker.choices)
    marker_other_name = forms.CharField(
        label=_("Name (other marker)"), max_length=60, required=False
    )
    result = forms.ChoiceField(label=_("Result"), choices=MarkerResult.choices)
    method = forms.ChoiceField(label=_("Method"), choices=MarkerMethod.choices)
    summary = forms.CharField(
        label=_("Report summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    report = forms.FileField(label=_("Report (PDF)"), required=False, widget=PDF_WIDGET)


class TreatmentProtocolForm(forms.Form):
    version = forms.ChoiceField(label=_("Protocol version"))

    def __init__(self, *args: object, versions: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {str(v.pk): v for v in versions}
        self.fields["version"].choices = [
            (pk, f"{v.code} · {v.document.title} ({v.get_status_display()})")
            for pk, v in self.versions.items()
        ]
