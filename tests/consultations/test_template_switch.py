"""Changing the summary template on /consultations/new/ keeps everything typed: in place with
htmx, and by a full round trip without JavaScript. Nothing is sent by a switch."""

import html

from django.utils import translation

from consilium.consultations.models import Consultation
from consilium.consultations.summary_templates import PROMPTS

TYPED = {
    "urgency": "urgent",
    "question": "Posterior fossa mass: resect first or biopsy?",
    "specialty": "neurosurgery",
    "language": "fr",
    "history": "Vomiting for 3 weeks, ataxia.",
    "imaging": "MRI: 4 cm mass in the fourth ventricle.",
}


def test_it_keeps_everything_typed_when_the_template_changes_without_javascript(
    client_for, personas, patient, partnership, institutions
):
    client = client_for("clinician")
    data = {
        **TYPED,
        "patient": patient.pk,
        "expert_institution": institutions["CURIE"].pk,
        "template": "cns",
        "switch": "1",
    }
    response = client.post("/consultations/new/", data)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for value in TYPED.values():
        assert value in page
    assert '<option value="cns" selected>' in page
    with translation.override(personas["clinician"].language):
        assert str(PROMPTS["cns"]["pathology"]) in page  # the new template's prompts
    assert 'class="errorlist"' not in page  # not sent, so nothing to complain about yet
    assert not Consultation.objects.exists()


def test_it_swaps_only_the_summary_fields_with_htmx(client_for, patient, partnership):
    client = client_for("clinician")
    response = client.post(
        "/consultations/new/",
        {"template": "cns", "switch": "1", "history": TYPED["history"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fragment = html.unescape(response.content.decode())
    assert fragment.lstrip().startswith('<fieldset id="summary-fields"')
    assert TYPED["history"] in fragment
    assert "<html" not in fragment
    assert not Consultation.objects.exists()


def test_it_refuses_the_switch_to_those_who_may_not_ask(client_for, partnership):
    for persona in ("expert", "outsider"):
        response = client_for(persona).post("/consultations/new/", {"switch": "1"})
        assert response.status_code == 403
