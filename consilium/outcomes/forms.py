from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution, Partnership
from consilium.outcomes import exchange
from consilium.outcomes.chart import MAX_CURVES
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import ExchangeError, SiteAggregates
from consilium.outcomes.groupings import BY_CHOICES
from consilium.outcomes.indicators import DEFAULT_EARLY_DEATH_WEEKS
from consilium.outcomes.selection import DEFAULT_PERIOD_YEARS


class OutcomesForm(forms.Form):
    """The page's plain GET form: every choice is in the address, so links and downloads
    repeat exactly what is on screen."""

    endpoint = forms.ChoiceField(label=_("Endpoint"), choices=Endpoint.choices, initial="os")
    by = forms.ChoiceField(
        label=_("Compare"), choices=list(BY_CHOICES.items()), initial="institution"
    )
    institution = forms.MultipleChoiceField(
        label=_("Institutions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    partnership = forms.TypedChoiceField(
        label=_("Partnership (before / after its start)"), required=False, coerce=int
    )
    periods = forms.CharField(
        label=_("Periods of diagnosis"),
        required=False,
        max_length=200,
        help_text=_("e.g. 2015-2019, 2020-2024; empty: blocks of the length below"),
    )
    period_years = forms.IntegerField(
        label=_("Years per period"), min_value=1, max_value=50, initial=DEFAULT_PERIOD_YEARS
    )
    early_weeks = forms.IntegerField(
        label=_("Early death within (weeks)"),
        min_value=1,
        max_value=52,
        initial=DEFAULT_EARLY_DEATH_WEEKS,
    )

    # The chooser under the chart: which groups are drawn (a group's key as text; none: the
    # largest) and whether confidence bands are.
    curve = forms.Field(label=_("Curves drawn"), required=False, widget=forms.MultipleHiddenInput)
    bands = forms.ChoiceField(
        label=_("Confidence bands"),
        choices=[
            ("auto", _("with up to two curves")),
            ("on", _("always")),
            ("off", _("never")),
        ],
        initial="auto",
    )

    def clean_curve(self) -> list[str]:
        keys = self.cleaned_data.get("curve") or []
        if len(keys) > MAX_CURVES:
            raise forms.ValidationError(
                _("Choose at most %(count)s curves: more cannot be told apart."),
                params={"count": MAX_CURVES},
            )
        if any(len(key) > 60 for key in keys):
            raise forms.ValidationError(_("A chosen curve is not one of these groups."))
        return list(dict.fromkeys(keys))

    def __init__(
        self,
        data: object,
        *,
        institutions: Sequence[Institution],
        partnerships: Sequence[Partnership],
    ) -> None:
        # Missing fields take their initial value, so a bare /outcomes/ is a valid request.
        values = data.copy() if hasattr(data, "copy") else dict(data)  # type: ignore[union-attr]
        for name, field in self.base_fields.items():
            if name not in values and field.initial is not None:
                values[name] = field.initial
        super().__init__(values)
        self.institutions = list(institutions)
        self.partnerships = {p.pk: p for p in partnerships}
        self.fields["institution"].choices = [(i.code, i.code) for i in self.institutions]
        self.fields["partnership"].choices = [("", "—")] + [
            (p.pk, f"{p.title} ({p.valid_from.isoformat()})") for p in partnerships
        ]

    def selected_institutions(self) -> list[Institution]:
        codes = set(self.cleaned_data.get("institution") or [])
        if not codes:
            return self.institutions
        return [i for i in self.institutions if i.code in codes]

    def selected_partnership(self) -> Partnership | None:
        pk = self.cleaned_data.get("partnership")
        return self.partnerships.get(pk) if pk not in (None, "") else None


# An export of a national registry is well under a megabyte (monthly rows, no patient).
MAX_AGGREGATE_FILE_BYTES = 5 * 1024 * 1024


class CompareFileForm(forms.Form):
    """Upload of another site's aggregate file, to set beside one of the user's own sites."""

    institution = forms.ChoiceField(label=_("Your site"))
    endpoint = forms.ChoiceField(label=_("Endpoint"), choices=Endpoint.choices, initial="os")
    file = forms.FileField(
        label=_("Aggregate file of another site"),
        help_text=_(
            "The JSON file exported from that site's outcomes page (or by consilium"
            " outcomes-export)."
        ),
    )

    def __init__(
        self,
        data: object = None,
        files: object = None,
        *,
        institutions: Sequence[Institution],
    ) -> None:
        super().__init__(data, files)
        self.institutions = {i.code: i for i in institutions}
        self.fields["institution"].choices = [(code, code) for code in self.institutions]

    def clean_file(self) -> SiteAggregates:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_AGGREGATE_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: it cannot be an aggregate export."),
                params={"mb": MAX_AGGREGATE_FILE_BYTES // (1024 * 1024)},
            )
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text: use the JSON file outcomes-export wrote.")
            ) from None
        try:
            # The page takes no cell under the default threshold, whatever the file declares.
            return exchange.read_document(upload.name, text, min_cell=exchange.DEFAULT_THRESHOLD)
        except ExchangeError as exc:
            raise forms.ValidationError(
                _("This file cannot be used: %(reason)s"), params={"reason": str(exc)}
            ) from None

    def selected_institution(self) -> Institution:
        return self.institutions[self.cleaned_data["institution"]]
