import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.library.actions import sendouts as actions
from consilium.library.models import SendOut, SendOutEvent
from consilium.registry.models import MolecularMarker


def _ship(sendout, personas):
    return actions.record_shipment(
        actor=personas["clinician"],
        sendout=sendout,
        courier="DHL Medical Express",
        tracking_number="JD014600003828",
        temperature="ambient",
    )


def _report(sendout, curie_lab, **overrides):
    values = {"marker": "MYCN", "result": "detected", "method": "fish"}
    return actions.report_result(actor=curie_lab, sendout=sendout, **(values | overrides))


def test_a_send_out_goes_from_request_to_a_marker_in_the_registry(sendout, personas, curie_lab):
    _ship(sendout, personas)
    actions.change_status(actor=curie_lab, sendout=sendout, status="received")
    actions.change_status(actor=curie_lab, sendout=sendout, status="in_analysis")
    _report(sendout, curie_lab, summary="MYCN amplified (>10 copies) in 80 % of nuclei.")

    sendout.refresh_from_db()
    assert sendout.status == "reported"
    marker = MolecularMarker.objects.get()
    assert sendout.registry_marker == marker
    assert marker.diagnosis == sendout.diagnosis
    assert (marker.marker, marker.result, marker.method) == ("MYCN", "detected", "fish")
    assert marker.lab == "Institut Curie"
    assert list(sendout.events.values_list("status", flat=True)) == [
        "requested",
        "shipped",
        "received",
        "in_analysis",
        "reported",
    ]
    assert sendout.days_to_receipt == 0 and sendout.days_to_report == 0
    assert AuditEntry.objects.filter(verb="registry.marker_added").count() == 1


def test_turnaround_times_count_days(sendout, personas, curie_lab):
    sendout.requested_at = timezone.now() - datetime.timedelta(days=12)
    sendout.save()
    received = timezone.now() - datetime.timedelta(days=5)
    actions.change_status(actor=curie_lab, sendout=sendout, status="received", at=received)
    _report(sendout, curie_lab)
    sendout.refresh_from_db()
    assert sendout.days_to_receipt == 7
    assert sendout.days_to_report == 5


def test_a_result_for_a_sample_never_received_is_refused(sendout, personas, curie_lab):
    _ship(sendout, personas)
    with pytest.raises(ValidationError, match="has not received this sample") as caught:
        _report(sendout, curie_lab)
    assert caught.value.code == "not_received"
    sendout.refresh_from_db()
    assert sendout.status == "shipped"
    assert sendout.result == ""
    assert not MolecularMarker.objects.exists()


def test_a_refused_marker_leaves_nothing_half_saved(sendout, curie_lab):
    actions.change_status(actor=curie_lab, sendout=sendout, status="received")
    with pytest.raises(ValidationError) as caught:
        _report(sendout, curie_lab, marker="other", marker_other_name="")
    assert "marker_other_name" in caught.value.error_dict
    sendout.refresh_from_db()
    assert sendout.status == "received"
    assert not MolecularMarker.objects.exists()


def test_the_status_never_goes_backwards(sendout, personas, curie_lab):
    actions.change_status(actor=curie_lab, sendout=sendout, status="received")
    actions.change_status(actor=curie_lab, sendout=sendout, status="in_analysis")
    with pytest.raises(ValidationError, match="cannot go back") as caught:
        actions.change_status(actor=curie_lab, sendout=sendout, status="received")
    assert caught.value.code == "backwards"
    with pytest.raises(ValidationError, match="cannot go back"):
        _ship(sendout, personas)
    sendout.refresh_from_db()
    assert sendout.status == "in_analysis"
    assert SendOutEvent.objects.filter(sendout=sendout).count() == 3


def test_a_finished_send_out_does_not_change(sendout, personas, curie_lab):
    actions.mark_failed(actor=curie_lab, sendout=sendout, reason="Too few tumour cells (5 %)")
    with pytest.raises(ValidationError, match="can no longer change"):
        actions.change_status(actor=curie_lab, sendout=sendout, status="received")
    sendout.refresh_from_db()
    assert sendout.status == "failed"
    assert sendout.failed_reason == "Too few tumour cells (5 %)"


def test_failure_needs_a_reason(sendout, personas):
    with pytest.raises(ValidationError):
        actions.mark_failed(actor=personas["clinician"], sendout=sendout, reason="  ")
    assert SendOut.objects.get().status == "requested"


def test_each_side_does_its_own_steps(sendout, personas, curie_lab):
    with pytest.raises(PermissionDenied):
        actions.change_status(actor=personas["clinician"], sendout=sendout, status="received")
    with pytest.raises(PermissionDenied):
        actions.record_shipment(
            actor=curie_lab,
            sendout=sendout,
            courier="x",
            tracking_number="y",
            temperature="ambient",
        )
    with pytest.raises(PermissionDenied):
        actions.mark_failed(actor=personas["outsider"], sendout=sendout, reason="x")


def test_it_sends_only_to_a_molecular_partner(partnership, patient, personas, institutions):
    for code in ("PMC", "RDEBRE"):
        with pytest.raises(ValidationError) as caught:
            actions.request_sendout(
                actor=personas["clinician"],
                patient=patient,
                diagnosis=patient.diagnoses.get(),
                laboratory=institutions[code],
                test="mycn",
                sample_type="ffpe_block",
                collected_on=datetime.date(2024, 2, 3),
                fixation="formalin",
            )
        assert "laboratory" in caught.value.error_dict
    assert not SendOut.objects.exists()


def test_it_refuses_bad_sample_details(partnership, patient, personas, institutions):
    with pytest.raises(ValidationError) as caught:
        actions.request_sendout(
            actor=personas["clinician"],
            patient=patient,
            diagnosis=patient.diagnoses.get(),
            laboratory=institutions["CURIE"],
            test="panel",
            sample_type="ffpe_block",
            collected_on=timezone.localdate() + datetime.timedelta(days=2),
            fixation="formalin",
            tumour_cell_percent=140,
        )
    assert set(caught.value.error_dict) == {"test_detail", "collected_on", "tumour_cell_percent"}
    assert not SendOut.objects.exists()


def test_only_the_patients_clinicians_request(partnership, patient, personas, institutions):
    for key in ("coordinator", "expert", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.request_sendout(
                actor=personas[key],
                patient=patient,
                diagnosis=patient.diagnoses.get(),
                laboratory=institutions["CURIE"],
                test="mycn",
                sample_type="ffpe_block",
                collected_on=datetime.date(2024, 2, 3),
                fixation="formalin",
            )
