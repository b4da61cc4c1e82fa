"""Pages on an emulated 2G link, served as in production (whitenoise, compression).

The small form of bench/bench_page_weight.py. What crosses the emulated link is the same on
every run (Django's random gzip padding aside, under 100 bytes): the bytes and the requests
are checked here. Load times depend on how busy the machine is, so they are the bench's to
report, not a test's to assert."""

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread

from tests.consultations.conftest import consultation, patient  # noqa: F401

# Bytes on the wire are the pages' and their files', the same on either database.
pytestmark = [pytest.mark.browser, pytest.mark.same_on_every_database]

TWO_G = {
    "offline": False,
    "latency": 300,  # ms
    "downloadThroughput": 250_000 / 8,  # bytes per second
    "uploadThroughput": 50_000 / 8,
}
COLD_BUDGET = 60_000
WARM_BUDGET = 15_000


@pytest.fixture
def production_server(transactional_db, audit_triggers_off_after_test, settings):
    """Django's live server without its static-files handler, so that whitenoise serves the
    collected, compressed files with their cache headers, as gunicorn would."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    in_memory = {
        c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()
    }
    thread = LiveServerThread(
        "127.0.0.1", static_handler=lambda handler: handler, connections_override=in_memory
    )
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


class Link:
    """A page on the emulated link, with the bytes and requests of each visit."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(base_url=base_url, locale="en-GB")
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.finished: dict[str, int] = {}
        self.from_cache: set[str] = set()
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))

    def _finished(self, event: dict) -> None:
        self.finished[event["requestId"]] = int(event["encodedDataLength"])

    def sign_in(self, email: str, password: str) -> None:
        self.page.goto("/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def visit(self, path: str, *, cold: bool) -> tuple[int, int, float]:
        """(bytes, requests that went to the network, seconds to the load event)."""
        if cold:
            self.cdp.send("Network.clearBrowserCache")
        self.page.goto("about:blank")
        self.cdp.send("Network.emulateNetworkConditions", TWO_G)
        self.finished.clear()
        self.from_cache.clear()
        response = self.page.goto(path, wait_until="load")
        assert response.status == 200, path
        # Opened from this site's own link or typed: the page is compressed.
        assert response.headers.get("content-encoding") == "gzip", path
        loaded = self.page.evaluate(
            """() => new Promise(resolve => {
                const read = () => {
                    const end = performance.getEntriesByType('navigation')[0].loadEventEnd;
                    end > 0 ? resolve(end) : setTimeout(read, 20);
                };
                read();
            })"""
        )
        # The last loadingFinished may trail the load event by a moment.
        self.page.wait_for_timeout(200)
        self.cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        network = {k: v for k, v in self.finished.items() if k not in self.from_cache and v > 0}
        return sum(network.values()), len(network), loaded / 1000


def test_it_serves_pages_within_the_2g_budgets(
    browser,
    production_server,
    personas,
    password,
    consultation,  # noqa: F811
):
    anonymous = Link(browser, production_server)
    expert = Link(browser, production_server)
    clinician = Link(browser, production_server)
    try:
        expert.sign_in(personas["expert"].email, password)
        clinician.sign_in(personas["clinician"].email, password)
        # The page and the stylesheet; htmx too on the one page that uses it.
        for link, path, requests in (
            (anonymous, "/accounts/login/", 2),
            # htmx too: the message box keeps a draft as it is typed.
            (expert, f"/consultations/{consultation.pk}/", 3),
            (clinician, "/registry/patients/new/", 3),
        ):
            cold_bytes, cold_requests, _cold_time = link.visit(path, cold=True)
            warm_bytes, warm_requests, _warm_time = link.visit(path, cold=False)
            assert cold_requests == requests, path
            assert warm_requests == 1, path  # the page alone: the rest is cached
            assert cold_bytes < COLD_BUDGET, (path, cold_bytes)
            assert warm_bytes < WARM_BUDGET, (path, warm_bytes)
    finally:
        for link in (anonymous, expert, clinician):
            link.context.close()
