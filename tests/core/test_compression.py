import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from consilium.core.middleware import SameOriginGZipMiddleware

BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.mark.parametrize("fetch_site", ["same-origin", "none"])
def test_it_gzips_a_page_this_site_or_the_reader_asked_for(client_for, personas, fetch_site):
    client = client_for("clinician")
    response = client.get("/", headers={**BROWSER, "Sec-Fetch-Site": fetch_site})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    page = gzip.decompress(response.content).decode()
    assert personas["clinician"].full_name in page
    # Django pads each gzip body by 0-99 random bytes (Heal the Breach): a loose bound.
    assert len(response.content) < len(page.encode()) * 0.75
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-encoding", "sec-fetch-site"} <= vary


@pytest.mark.parametrize("fetch_site", ["cross-site", "same-site", None])
def test_it_sends_a_page_another_site_may_have_asked_for_uncompressed(
    client_for, personas, fetch_site
):
    """BREACH needs the victim's browser to send requests the attacker's site chose; the
    page they get back holds the patient's name, so it must not be compressed."""
    client = client_for("clinician")
    headers = {**BROWSER, **({"Sec-Fetch-Site": fetch_site} if fetch_site else {})}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert personas["clinician"].full_name in response.content.decode()
    assert "sec-fetch-site" in response["Vary"].lower()


def test_it_compresses_the_public_sign_in_page_for_the_reader(client, db):
    response = client.get("/accounts/login/", headers={**BROWSER, "Sec-Fetch-Site": "none"})
    assert response["Content-Encoding"] == "gzip"
    assert 'name="csrfmiddlewaretoken"' in gzip.decompress(response.content).decode()


def test_it_does_not_gzip_for_a_browser_that_does_not_accept_it(client_for):
    response = client_for("clinician").get("/", headers={"Sec-Fetch-Site": "same-origin"})
    assert not response.has_header("Content-Encoding")


def _through_middleware(content_type: str, body: bytes) -> HttpResponse:
    request = RequestFactory().get("/", headers={**BROWSER, "Sec-Fetch-Site": "same-origin"})
    middleware = SameOriginGZipMiddleware(lambda r: HttpResponse(body, content_type=content_type))
    return middleware(request)


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/dicom"])
def test_it_leaves_files_that_do_not_compress_alone(content_type):
    body = bytes(1000)  # compresses very well, so only the type can keep it plain
    response = _through_middleware(content_type, body)
    assert not response.has_header("Content-Encoding")
    assert response.content == body


@pytest.mark.parametrize(
    "content_type", ["image/svg+xml", "text/csv; charset=utf-8", "text/calendar"]
)
def test_it_compresses_charts_exports_and_calendars(content_type):
    body = b"<svg>" + b"<path d='M0 0 L1 1'/>" * 100 + b"</svg>"
    response = _through_middleware(content_type, body)
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == body
