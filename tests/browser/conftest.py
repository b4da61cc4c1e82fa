"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CONSILIUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _live_server_serves_the_collected_static_files():
    """Pages link the manifest's hashed names, as in production, where WhiteNoise serves
    STATIC_ROOT. The live server's static handler looks them up in the source folders instead
    and answered 404, so every page was tested unstyled: serve the collected files."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandlerMixin
    from django.views.static import serve

    original = StaticFilesHandlerMixin.serve

    def serve_collected(self, request):
        return serve(request, self.file_path(request.path), document_root=settings.STATIC_ROOT)

    StaticFilesHandlerMixin.serve = serve_collected
    yield
    StaticFilesHandlerMixin.serve = original


@pytest.fixture
def page(browser, live_server, audit_triggers_off_after_test, settings):
    # The live server speaks plain HTTP; Secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.LANGUAGE_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


from tests.network.conftest import institutions, partnership  # noqa: E402, F401
