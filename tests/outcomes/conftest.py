import datetime
import random

import pytest
from django.utils import timezone

from consilium.network.models import Institution
from tests.network.helpers import confirmed_partnership
from tests.outcomes import cohort


@pytest.fixture
def sites(personas):
    return {i.code: i for i in Institution.objects.filter(code__in=["VNCH", "UZPHO"])}


@pytest.fixture
def uzpho_data_manager(personas, sites):
    from consilium.accounts.models import Membership, Role, User

    user = User.objects.create_user("dm@uzpho.test", "x", full_name="UZPHO data manager")
    Membership.objects.create(user=user, institution=sites["UZPHO"], role=Role.DATA_MANAGER)
    return user


@pytest.fixture
def patients(personas, sites, uzpho_data_manager):
    """60 synthetic children, 35 at VNCH and 25 at UZPHO, seeded."""
    rng = random.Random(20240601)
    vnch = cohort.build(rng, 35, institution=sites["VNCH"], actor=personas["data_manager"])
    uzpho = cohort.build(rng, 25, institution=sites["UZPHO"], actor=uzpho_data_manager, start=100)
    return vnch + uzpho


@pytest.fixture
def partnership(personas, sites):
    from consilium.network.models import AreaKind, PartnershipStatus

    curie = Institution.objects.get(code="CURIE")
    return confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[sites["VNCH"], curie],
        valid_from=datetime.date(2020, 1, 1),
        # Relative to today: a fixed end date would expire the fixture one day.
        valid_until=timezone.localdate() + datetime.timedelta(days=5 * 365),
        signed_on=datetime.date(2020, 1, 1),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )
