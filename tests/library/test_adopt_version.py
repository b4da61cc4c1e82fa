import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from consilium.library.actions import adoption as actions
from consilium.library.actions import documents as document_actions
from consilium.library.models import Adoption
from tests.library.conftest import draft_sop, pdf_upload, publish


def test_it_puts_an_approved_version_in_force_and_mails_who_must_acknowledge(
    audit_triggers_off_after_test, approved_sop, personas, institutions, nurses, smtp_inbox
):
    personas["clinician"].language = "en"  # mail comes in the reader's language
    personas["clinician"].save()
    adoption = actions.adopt_version(
        actor=personas["coordinator"],
        institution=institutions["VNCH"],
        version=approved_sop,
        in_force_from=timezone.localdate(),
        roles=["clinician"],
        professions=["nurse"],
    )
    call_command("worker", batch=True, verbosity=0)

    assert adoption.in_force
    # The clinician by role, the nurses by profession; not the coordinator or data manager.
    expected = {personas["clinician"].email, *(n.email for n in nurses)}
    asked = [m for m in smtp_inbox.messages if m["Subject"].startswith("Please acknowledge")]
    assert {m["To"] for m in asked} == expected
    message = asked[0]
    assert "Hand hygiene and central-line bundle, version 1" in message["Subject"]
    assert f"/library/adoptions/{adoption.pk}/" in message.get_content()


def test_a_partner_adopts_a_shared_document(approved_sop, personas, institutions):
    from consilium.accounts.access import forget_roles
    from consilium.accounts.models import Membership, Role

    Membership.objects.create(
        user=personas["expert"], institution=institutions["CURIE"], role=Role.COORDINATOR
    )
    forget_roles(personas["expert"])
    adoption = actions.adopt_version(
        actor=personas["expert"],
        institution=institutions["CURIE"],
        version=approved_sop,
        in_force_from=timezone.localdate(),
        roles=["expert"],
    )
    assert adoption.institution.code == "CURIE"


def test_only_an_approved_version_is_put_in_force(partnership, personas, institutions):
    version = draft_sop(personas, institutions)
    with pytest.raises(ValidationError) as caught:
        actions.adopt_version(
            actor=personas["coordinator"],
            institution=institutions["VNCH"],
            version=version,
            in_force_from=timezone.localdate(),
            roles=["clinician"],
        )
    assert "version" in caught.value.error_dict
    assert not Adoption.objects.exists()


def test_it_needs_to_know_who_acknowledges(approved_sop, personas, institutions):
    with pytest.raises(ValidationError) as caught:
        actions.adopt_version(
            actor=personas["coordinator"],
            institution=institutions["VNCH"],
            version=approved_sop,
            in_force_from=timezone.localdate(),
            roles=["surgeon"],
        )
    assert "roles" in caught.value.error_dict
    assert not Adoption.objects.exists()


def test_only_the_institutions_coordinators_put_a_version_in_force(
    approved_sop, personas, institutions
):
    for key in ("clinician", "expert", "outsider"):
        with pytest.raises(PermissionDenied):
            actions.adopt_version(
                actor=personas[key],
                institution=institutions["VNCH"],
                version=approved_sop,
                in_force_from=timezone.localdate(),
                roles=["clinician"],
            )


def test_a_new_version_replaces_the_one_in_force(adoption, approved_sop, personas, institutions):
    new = document_actions.new_version(
        actor=personas["coordinator"], document=approved_sop.document, change_summary="v2"
    )
    document_actions.add_file(
        actor=personas["coordinator"], version=new, language="en", upload=pdf_upload()
    )
    publish(new, personas)
    later = timezone.localdate() + datetime.timedelta(days=7)
    replacement = actions.adopt_version(
        actor=personas["coordinator"],
        institution=institutions["VNCH"],
        version=new,
        in_force_from=later,
        professions=["nurse"],
    )
    adoption.refresh_from_db()
    assert adoption.in_force_until == later
    assert replacement.in_force
    assert Adoption.objects.filter(in_force_until__isnull=True).get() == replacement


def test_the_same_version_is_not_put_in_force_twice(adoption, approved_sop, personas, institutions):
    with pytest.raises(ValidationError, match="already in force"):
        actions.adopt_version(
            actor=personas["coordinator"],
            institution=institutions["VNCH"],
            version=approved_sop,
            in_force_from=timezone.localdate(),
            professions=["nurse"],
        )


def test_the_document_page_puts_the_approved_version_in_force(
    approved_sop, client_for, institutions, nurses
):
    response = client_for("coordinator").post(
        reverse("library:document_action", args=[approved_sop.document_id, "adopt"]),
        {
            "institution": institutions["VNCH"].pk,
            "in_force_from": timezone.localdate().isoformat(),
            "professions": ["nurse"],
        },
    )
    adoption = Adoption.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("library:adoption", args=[adoption.pk])
