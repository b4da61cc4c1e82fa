from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import User
from consilium.consultations.models import (
    Adherence,
    NonAdherenceReason,
    SummaryTemplate,
    Urgency,
)
from consilium.consultations.summary_templates import PROMPTS
from consilium.network.models import Institution
from consilium.registry.models import Patient


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input: DICOM series and photos come in batches."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list:
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        else:
            files = [super().clean(data, initial)] if data else []
        # Checked on the size the upload declares, before the view reads a file into memory.
        limit = settings.CONSILIUM_MAX_ATTACHMENT_MB
        for upload in files:
            if upload.size > limit * 1024 * 1024:
                raise forms.ValidationError(
                    _("The file is larger than the limit of {limit} MB.").format(limit=limit)
                )
        return files


ATTACHMENT_HELP = _(
    "DICOM images and photos (JPEG, PNG) are de-identified on arrival. PDFs and other "
    "documents are kept as they are: make sure they carry no name, number or date of birth."
)


class RequestForm(forms.Form):
    patient = forms.ModelChoiceField(
        label=_("Patient (pseudonym)"), queryset=Patient.objects.none()
    )
    expert_institution = forms.ModelChoiceField(
        label=_("Ask the experts of"), queryset=Institution.objects.none()
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE
    )
    question = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))
    specialty = forms.CharField(label=_("Specialty needed"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language of the discussion"), choices=settings.LANGUAGES)
    template = forms.ChoiceField(label=_("Summary template"), choices=SummaryTemplate.choices)
    history = forms.CharField(
        label=_("History"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    examination = forms.CharField(
        label=_("Examination"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    imaging = forms.CharField(
        label=_("Imaging"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    pathology = forms.CharField(
        label=_("Pathology"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    laboratory = forms.CharField(
        label=_("Laboratory"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    treatment_so_far = forms.CharField(
        label=_("Treatment so far"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    files = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENT_HELP)

    def __init__(
        self,
        *args: object,
        patients,
        partners,
        template: str = SummaryTemplate.GENERAL,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["expert_institution"].queryset = partners
        for field, prompt in PROMPTS.get(template, {}).items():
            self.fields[field].widget.attrs["placeholder"] = prompt


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    files = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENT_HELP)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you decline"), max_length=300)


class RecommendationForm(forms.Form):
    diagnostic_opinion = forms.CharField(
        label=_("Diagnostic opinion"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    stage_risk_opinion = forms.CharField(
        label=_("Stage and risk opinion"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    recommended_treatment = forms.CharField(
        label=_("Recommended treatment"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    further_investigations = forms.CharField(
        label=_("Further investigations"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    local_feasibility = forms.CharField(
        label=_("What is feasible with the local resources"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class FollowUpForm(forms.Form):
    adherence = forms.ChoiceField(
        label=_("Was the recommendation followed?"),
        choices=Adherence.choices,
        widget=forms.RadioSelect,
    )
    reasons = forms.MultipleChoiceField(
        label=_("If not fully, why?"),
        choices=NonAdherenceReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=User.objects.none())


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


class SecondOpinionForm(forms.Form):
    expert_institution = forms.ModelChoiceField(
        label=_("Ask the experts of"), queryset=Institution.objects.none()
    )
    expert = forms.TypedChoiceField(label=_("Expert"), coerce=int, required=False, empty_value=None)
    question = forms.CharField(
        label=_("What should the second expert look at?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, partners, experts, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert_institution"].queryset = Institution.objects.filter(
            pk__in=[p.pk for p in partners]
        ).order_by("name")
        self.fields["expert"].choices = [
            ("", _("Any available expert of that centre")),
            *[(p.name, [(u.pk, u.full_name) for u in people]) for p, people in experts],
        ]
