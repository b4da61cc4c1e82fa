from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.network.access import telemedicine_partner_ids
from consilium.network.models import PartnershipStatus
from tests.network.helpers import confirmed_partnership


def test_ending_a_partnership_ends_the_partners_access_at_once(
    client_for, institutions, partnership
):
    vnch, curie = institutions["VNCH"].pk, institutions["CURIE"].pk
    assert telemedicine_partner_ids(vnch) == {curie}
    assert telemedicine_partner_ids(curie) == {vnch}

    response = client_for("coordinator").post(
        reverse("network:partnership_action", args=[partnership.pk, "end"]),
        {"reason": "Programme funding ended"},
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ENDED
    assert telemedicine_partner_ids(vnch) == set()
    entry = AuditEntry.objects.get(verb="network.partnership_ended")
    assert entry.details["reason"] == "Programme funding ended"


def test_it_needs_a_reason_to_end(client_for, partnership):
    response = client_for("coordinator").post(
        reverse("network:partnership_action", args=[partnership.pk, "end"]), {"reason": ""}
    )
    assert response.status_code == 400
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE


def test_a_partner_expert_cannot_end_it(client_for, partnership):
    response = client_for("expert").post(
        reverse("network:partnership_action", args=[partnership.pk, "end"]), {"reason": "x"}
    )
    assert response.status_code == 403
    partnership.refresh_from_db()
    assert partnership.status == PartnershipStatus.ACTIVE


def test_an_expired_partnership_gives_no_telemedicine_access(institutions, partnership):
    import datetime

    after = partnership.valid_until + datetime.timedelta(days=1)
    assert telemedicine_partner_ids(institutions["VNCH"].pk, today=after) == set()
    assert partnership.effective_status(after) == PartnershipStatus.EXPIRED


def test_only_a_telemedicine_area_opens_consultations(personas, institutions):
    import datetime

    confirmed_partnership(
        actor=personas["coordinator"],
        title="Training only",
        institutions=[institutions["VNCH"], institutions["PMC"]],
        valid_from=datetime.date(2024, 1, 1),
        valid_until=None,
        status=PartnershipStatus.ACTIVE,
        areas={"training": ""},
    )
    assert institutions["PMC"].pk not in telemedicine_partner_ids(institutions["VNCH"].pk)
