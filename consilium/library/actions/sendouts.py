"""Molecular diagnostics send-outs, from the request to the result. The status only moves
forward; the result reaches the patient's molecular markers through the registry's own
action, in the same transaction, so a refused marker leaves nothing behind."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib import stored_files
from consilium.lib.uploads import validate_pdf
from consilium.library import mail
from consilium.library.access import (
    LAB_ROLES,
    Side,
    molecular_partner_ids,
    requester_institution_ids,
    side_of,
)
from consilium.library.actions.documents import _max_document_bytes
from consilium.library.models import (
    STATUS_ORDER,
    Fixation,
    MolecularTest,
    SampleType,
    SendOut,
    SendOutEvent,
    SendOutStatus,
    Temperature,
)
from consilium.network.models import Institution
from consilium.registry import actions as registry_actions
from consilium.registry.models import Diagnosis, Marker, MarkerMethod, MarkerResult, Patient
from consilium.registry.validation import ChecksFailed

RESULT_READY = (SendOutStatus.RECEIVED, SendOutStatus.IN_ANALYSIS)


def _require_side(actor: User, sendout: SendOut, side: Side) -> None:
    if side_of(actor, sendout) != side:
        raise PermissionDenied


def _require_open(sendout: SendOut) -> None:
    if sendout.is_final:
        raise ValidationError(
            _("This send-out is %(status)s: its status can no longer change.")
            % {"status": sendout.get_status_display().lower()},
            code="final",
        )


def _move(
    sendout: SendOut,
    status: str,
    actor: User,
    note: str = "",
    at: datetime.datetime | None = None,
) -> None:
    """Forward only; callers have checked who may make the move."""
    _require_open(sendout)
    if status != SendOutStatus.FAILED and STATUS_ORDER[status] <= STATUS_ORDER[sendout.status]:
        raise ValidationError(
            _("The send-out is already %(current)s: its status cannot go back to %(new)s.")
            % {
                "current": sendout.get_status_display().lower(),
                "new": SendOutStatus(status).label.lower(),
            },
            code="backwards",
        )
    previous = sendout.status
    sendout.status = status
    SendOutEvent.objects.create(
        sendout=sendout, status=status, by=actor, note=note[:300], at=at or timezone.now()
    )
    record(
        actor=actor,
        verb=f"library.sendout_{status}",
        obj=sendout,
        institution_id=sendout.requesting_institution_id,
        details={"from": previous, "to": status, "pseudonym": sendout.patient.pseudonym},
    )


def lab_staff(laboratory: Institution) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__institution=laboratory,
            memberships__role__in=LAB_ROLES,
            memberships__ended_at__isnull=True,
        ).distinct()
    )


def request_sendout(
    *,
    actor: User,
    patient: Patient,
    diagnosis: Diagnosis,
    laboratory: Institution,
    test: str,
    sample_type: str,
    collected_on: datetime.date,
    fixation: str,
    tumour_cell_percent: int | None = None,
    test_detail: str = "",
    question: str = "",
    consultation=None,
    requested_at: datetime.datetime | None = None,
) -> SendOut:
    """`requested_at` records a request first made on paper; it defaults to now."""
    requested_at = requested_at or timezone.now()
    if patient.institution_id not in requester_institution_ids(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if diagnosis.patient_id != patient.pk:
        errors["diagnosis"] = [_("This diagnosis belongs to another patient.")]
    if laboratory.pk not in molecular_partner_ids(patient.institution_id):
        errors["laboratory"] = [
            _(
                "Send samples only to a partner with an active partnership for molecular "
                "diagnostics."
            )
        ]
    if test not in MolecularTest.values:
        errors["test"] = [_("Choose a test.")]
    elif test in (MolecularTest.PANEL, MolecularTest.OTHER) and not test_detail.strip():
        errors["test_detail"] = [_("Name the panel or the test.")]
    if sample_type not in SampleType.values:
        errors["sample_type"] = [_("Choose the sample type.")]
    if fixation not in Fixation.values:
        errors["fixation"] = [_("Choose the fixation.")]
    if collected_on > timezone.localdate():
        errors["collected_on"] = [_("The collection date is in the future.")]
    if requested_at > timezone.now():
        errors["requested_at"] = [_("The request time is in the future.")]
    if tumour_cell_percent is not None and not 0 <= tumour_cell_percent <= 100:
        errors["tumour_cell_percent"] = [_("Give a percentage between 0 and 100.")]
    if consultation is not None and (
        consultation.patient_id != patient.pk
        or consultation.requesting_institution_id != patient.institution_id
    ):
        errors["consultation"] = [_("This consultation is about another patient.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sendout = SendOut.objects.create(
            requesting_institution_id=patient.institution_id,
            laboratory=laboratory,
            patient=patient,
            diagnosis=diagnosis,
            consultation=consultation,
            test=test,
            test_detail=test_detail.strip(),
            question=question.strip(),
            sample_type=sample_type,
            collected_on=collected_on,
            fixation=fixation,
            tumour_cell_percent=tumour_cell_percent,
            requested_by=actor,
            requested_at=requested_at,
        )
        SendOutEvent.objects.create(
            sendout=sendout, status=sendout.status, by=actor, at=requested_at
        )
        record(
            actor=actor,
            verb="library.sendout_requested",
            obj=sendout,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "test": test, "laboratory": laboratory.code},
        )
        mail.sendout_requested(sendout, lab_staff(laboratory))
    return sendout


def record_shipment(
    *,
    actor: User,
    sendout: SendOut,
    courier: str,
    tracking_number: str,
    temperature: str,
    shipped_at: datetime.datetime | None = None,
) -> SendOut:
    _require_side(actor, sendout, Side.REQUESTER)
    shipped_at = shipped_at or timezone.now()
    errors: dict[str, list[str]] = {}
    if not courier.strip():
        errors["courier"] = [_("Name the courier.")]
    if not tracking_number.strip():
        errors["tracking_number"] = [_("Give the tracking number.")]
    if temperature not in Temperature.values:
        errors["temperature"] = [_("Choose the shipping temperature.")]
    if shipped_at > timezone.now():
        errors["shipped_at"] = [_("The shipping time is in the future.")]
    elif timezone.localdate(shipped_at) < sendout.collected_on:
        errors["shipped_at"] = [_("The sample was shipped before it was collected.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _move(sendout, SendOutStatus.SHIPPED, actor, f"{courier} {tracking_number}", shipped_at)
        sendout.courier = courier.strip()
        sendout.tracking_number = tracking_number.strip()
        sendout.temperature = temperature
        sendout.shipped_at = shipped_at
        sendout.save(
            update_fields=["status", "courier", "tracking_number", "temperature", "shipped_at"]
        )
    return sendout


def change_status(
    *,
    actor: User,
    sendout: SendOut,
    status: str,
    note: str = "",
    at: datetime.datetime | None = None,
) -> SendOut:
    """The laboratory's steps that need nothing but the step: received, in analysis."""
    _require_side(actor, sendout, Side.LABORATORY)
    if status not in SendOutStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    if status not in (SendOutStatus.RECEIVED, SendOutStatus.IN_ANALYSIS):
        _require_open(sendout)
        if status != SendOutStatus.FAILED and STATUS_ORDER[status] <= STATUS_ORDER[sendout.status]:
            _move(sendout, status, actor)  # raises: going backwards
        raise ValidationError(
            {"status": [_("Shipments, results and failures have their own forms.")]}
        )
    with transaction.atomic():
        locked = SendOut.objects.select_for_update().get(pk=sendout.pk)
        sendout.status = locked.status
        _move(sendout, status, actor, note, at)
        fields = ["status"]
        if status == SendOutStatus.RECEIVED:
            sendout.received_at = at or timezone.now()
            fields.append("received_at")
        elif sendout.received_at is None:
            # Straight to analysis: the sample was evidently received.
            sendout.received_at = at or timezone.now()
            fields.append("received_at")
        sendout.save(update_fields=fields)
    return sendout


def report_result(
    *,
    actor: User,
    sendout: SendOut,
    marker: str,
    result: str,
    method: str,
    marker_other_name: str = "",
    summary: str = "",
    report: UploadedFile | None = None,
    reported_at: datetime.datetime | None = None,
) -> SendOut:
    """The laboratory's result; it becomes a molecular marker of the patient's diagnosis."""
    _require_side(actor, sendout, Side.LABORATORY)
    if sendout.status not in RESULT_READY:
        if sendout.status in (SendOutStatus.REQUESTED, SendOutStatus.SHIPPED):
            raise ValidationError(
                _("The laboratory has not received this sample: record its receipt first."),
                code="not_received",
            )
        _require_open(sendout)
    errors: dict[str, list[str]] = {}
    if marker not in Marker.values:
        errors["marker"] = [_("Choose the marker.")]
    elif marker == Marker.OTHER and not marker_other_name.strip():
        errors["marker_other_name"] = [_("Name the other marker.")]
    if result not in MarkerResult.values:
        errors["result"] = [_("Choose the result.")]
    if method not in MarkerMethod.values:
        errors["method"] = [_("Choose the method.")]
    if report is not None:
        try:
            validate_pdf(report, max_bytes=_max_document_bytes())
        except ValidationError as exc:
            errors["report"] = exc.messages
    if errors:
        raise ValidationError(errors)
    reported_at = reported_at or timezone.now()
    with transaction.atomic():
        try:
            registry_marker = registry_actions.add_marker(
                actor=actor,
                diagnosis=sendout.diagnosis,
                marker=marker,
                result=result,
                method=method,
                other_name=marker_other_name,
                lab=sendout.laboratory.name[:120],
                date=timezone.localdate(reported_at),
            )
        except ChecksFailed as exc:
            fields = {"other_name": "marker_other_name", "date": "reported_at"}
            raise ValidationError(
                {fields.get(e.field, e.field or "__all__"): [str(e.message)] for e in exc.errors}
            ) from None
        _move(sendout, SendOutStatus.REPORTED, actor, at=reported_at)
        sendout.marker = marker
        sendout.marker_other_name = marker_other_name.strip()
        sendout.result = result
        sendout.method = method
        sendout.result_summary = summary.strip()
        sendout.result_entered_by = actor
        sendout.reported_at = reported_at
        sendout.registry_marker = registry_marker
        if report is not None:
            stored_files.save(sendout.report, f"sendout-{sendout.pk}.pdf", report)
        sendout.save()
        mail.sendout_finished(sendout)
    return sendout


def mark_failed(*, actor: User, sendout: SendOut, reason: str) -> SendOut:
    """Either side may say it failed (lost in transit, too few tumour cells…), with a reason."""
    if side_of(actor, sendout) is None:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why it failed.")]})
    with transaction.atomic():
        _move(sendout, SendOutStatus.FAILED, actor, reason.strip())
        sendout.failed_reason = reason.strip()[:300]
        sendout.save(update_fields=["status", "failed_reason"])
        mail.sendout_finished(sendout)
    return sendout
