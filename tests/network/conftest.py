import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consilium.network.models import AreaKind, Institution, PartnershipStatus
from tests.network.helpers import confirmed_partnership

# A real, minimal PDF (one empty page), as a scanner or a word processor would write.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def pdf_upload(name: str = "mou.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def institutions(personas):
    return {i.code: i for i in Institution.objects.all()}


@pytest.fixture
def partnership(personas, institutions):
    """VNCH and Institut Curie, active, with a telemedicine and a training area."""
    return confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[institutions["VNCH"], institutions["CURIE"]],
        valid_from=datetime.date(2024, 12, 2),
        # Relative to today: a fixed end date would expire the fixture one day.
        valid_until=timezone.localdate() + datetime.timedelta(days=5 * 365),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion", AreaKind.TRAINING: "Fellowships"},
    )
