"""Page weight on slow links: the main page of every module, cold and warm, on 2G and slow 3G.

Targets (issue 9): every page under 60 kB compressed on a cold visit (empty cache), under 15 kB
on a warm one (second visit), and usable within 3 s on the 2G profile. 1 kB = 1,000 bytes.

Run: .venv/bin/python bench/bench_page_weight.py                    (SQLite, both profiles)
     .venv/bin/python bench/bench_page_weight.py --repeat 3 --verbose
     DATABASE_URL=postgres://... .venv/bin/python bench/bench_page_weight.py
Options: --data-dir DIR (default: a directory of its own under the system temp directory),
--profiles 2g,slow3g, --repeat N (whole runs; the table gives the median and the worst),
--verbose (every request of every visit, with its encoding and cache header).

What it does: loads the demo (`consilium demo --no-serve`) into its own data directory once
(later runs reuse it), collects the static files, serves the app with gunicorn on a free
loopback port, and drives Debian's Chromium (/usr/bin/chromium) through Playwright. Each page
is visited as the persona who uses it (signed in beforehand, without throttling), with the
link shaped by CDP `Network.emulateNetworkConditions`:
  2g      250 kbit/s down, 50 kbit/s up, 300 ms latency
  slow3g  400 kbit/s down, 400 kbit/s up, 400 ms latency
A cold visit follows `Network.clearBrowserCache`; the warm visit is the next visit to the same
page. Bytes are what crossed the wire, compressed, headers included: the sum of CDP
`Network.loadingFinished.encodedDataLength`. "Usable" is the load event: the stylesheet has
arrived and, on the pages that load it, htmx has run. DOMContentLoaded is shown too: on pages
without a script it comes before the stylesheet, when the text can already be read.
Pages are gzipped only when this site or the reader asked for them (see
consilium.core.middleware); the "from a mail link" row opens the consultation from another
site's link, as an expert does from a webmail's notification, and so gets it uncompressed.
Chromium's emulation adds its latency once per request and shapes throughput, but models no
TCP slow start or packet loss: a real 2G link is somewhat worse than these figures, so the
margins matter.

Chromium treats 127.0.0.1 as a secure origin and asks for Brotli as it does over HTTPS, so
static files come as whitenoise's pre-compressed .br files, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CONSILIUM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROFILES = {
    # CDP takes throughput in bytes per second and latency in milliseconds.
    "2g": {"latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 50_000 / 8},
    "slow3g": {"latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8},
}
COLD_BUDGET = 60_000
WARM_BUDGET = 15_000
TIME_BUDGET = 3.0  # seconds to the load event on 2G
PASSWORD = "consilium-demo"  # noqa: S105 - the demo's published sign-in
PERSONAS = {
    "clinician": "lan.nguyen@vnch.demo",
    "data_manager": "minh.tran@vnch.demo",
    "coordinator": "hoa.pham@vnch.demo",
    "expert": "claire.martin@curie.demo",
}


@dataclass
class Page:
    label: str
    persona: str | None  # None: the anonymous visitor
    path: str
    # Opened from a link on another site (a webmail's notification): the page then comes
    # uncompressed, see consilium.core.middleware.
    from_elsewhere: bool = False


@dataclass
class Visit:
    bytes: int = 0
    requests: int = 0  # went to the network
    cached: int = 0  # served from the browser's cache
    html_bytes: int = 0
    status: int = 0
    dcl: float = 0.0
    load: float = 0.0
    resources: list[dict] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "consilium-bench-weight")
    )
    parser.add_argument("--profiles", default="2g,slow3g")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    unknown = [p for p in profiles if p not in PROFILES]
    if unknown:
        parser.error(f"unknown profile(s) {', '.join(unknown)}; choose from {', '.join(PROFILES)}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)")

    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CONSILIUM_DATA_DIR": str(data_dir),
        # Plain HTTP on the loopback address: cookies cannot be Secure-only there.
        "CONSILIUM_HTTPS": "false",
        "CONSILIUM_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "consilium.settings",
    }
    pages = prepare(env)
    port = free_port()
    server = serve(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server)
        warm_up(base, pages)
        runs = [measure(base, pages, profiles, verbose=args.verbose) for _ in range(args.repeat)]
    finally:
        server.terminate()
        server.wait(timeout=20)
    report(pages, profiles, runs)


def prepare(env: dict[str, str]) -> list[Page]:
    """The demo in the bench's own data directory (once), fresh static files, and the pages."""
    os.environ.update({k: v for k, v in env.items() if k.startswith(("CONSILIUM", "DJANGO"))})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.utils import DatabaseError

    from consilium.accounts.models import User

    try:
        loaded = User.objects.filter(email=PERSONAS["expert"]).exists()
    except DatabaseError:
        loaded = False
    connection.close()
    if not loaded:
        print(f"(loading the demo into {env['CONSILIUM_DATA_DIR']}: a few minutes, once)")
        subprocess.run(
            [sys.executable, "-m", "consilium", "demo", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    # The static files of this checkout, not of the run that loaded the demo.
    call_command("collectstatic", interactive=False, verbosity=0)

    from consilium.consultations.models import Consultation
    from consilium.library.models import Document
    from consilium.meetings.models import Event
    from consilium.network.models import Partnership
    from consilium.registry.models import Patient

    clinician = User.objects.get(email=PERSONAS["clinician"])
    home = clinician.memberships.filter(ended_at=None).first().institution
    partnership = Partnership.objects.filter(institutions=home).order_by("pk").first()
    # The busiest consultation: the heaviest page of its kind in the demo.
    consultation = max(Consultation.objects.all(), key=lambda c: c.messages.count())
    patient = Patient.objects.filter(pk=consultation.patient_id, institution=home).first()
    patient = patient or Patient.objects.filter(institution=home).order_by("pk").first()
    from consilium.meetings.access import can_manage_event

    # The biggest public programme, and the biggest event the coordinator runs.
    event = max(Event.objects.filter(visibility="public"), key=lambda e: e.sessions.count())
    coordinator = User.objects.get(email=PERSONAS["coordinator"])
    managed = [e for e in Event.objects.all() if can_manage_event(coordinator, e)]
    own_event = max(managed, key=lambda e: e.sessions.count())
    document = Document.objects.order_by("-pk").first()
    pages = [
        Page("sign-in (public)", None, "/accounts/login/"),
        Page("event, public", None, f"/meetings/{event.pk}/"),
        Page("home", "clinician", "/"),
        Page("network dashboard", "coordinator", "/network/dashboard/"),
        Page("institution", "coordinator", f"/network/institutions/{home.code}/"),
        Page("partnership", "coordinator", f"/network/partnerships/{partnership.pk}/"),
        Page("patient list", "clinician", "/registry/"),
        Page("patient", "clinician", f"/registry/patients/{patient.pk}/"),
        # The one everyday page that loads htmx (codes looked up and checks run as you type).
        Page("new patient form", "clinician", "/registry/patients/new/"),
        Page("consultation queue", "expert", "/consultations/"),
        Page("consultation", "expert", f"/consultations/{consultation.pk}/"),
        Page("  from a mail link", "expert", f"/consultations/{consultation.pk}/", True),
        Page("event", "coordinator", f"/meetings/{own_event.pk}/"),
        Page("programme editor", "coordinator", f"/meetings/{own_event.pk}/programme/"),
        Page("library document", "clinician", f"/library/documents/{document.pk}/"),
        Page("outcomes", "data_manager", "/outcomes/"),
    ]
    connection.close()
    return pages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            # A shared, loaded machine can take longer than gunicorn's 30 s default over the
            # first request, which imports every view.
            "--timeout",
            "180",
            "consilium.wsgi:application",
        ],
        env=env,
        cwd=ROOT,
    )


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before serving")
        try:
            # Our own server on the loopback address.
            with urllib.request.urlopen(f"{base}/healthz", timeout=200) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz within 240 s")


def warm_up(base: str, pages: list[Page]) -> None:
    """Every worker imports the views and compiles the templates on its first requests;
    that is start-up, not page weight, so it happens before anything is measured."""
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> None:
        try:
            # Our own server on the loopback address; signed out, most pages redirect.
            with urllib.request.urlopen(base + path, timeout=200) as response:  # noqa: S310
                response.read()
        except OSError:
            pass

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(get, [p.path for p in pages] * 4))


def measure(base: str, pages: list[Page], profiles: list[str], *, verbose: bool) -> dict:
    """{(page label, profile): (cold Visit, warm Visit)} for one run."""
    from playwright.sync_api import sync_playwright

    results: dict = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for persona in dict.fromkeys(p.persona for p in pages):
                context = browser.new_context(base_url=base, locale="en-GB")
                page = context.new_page()
                if persona:
                    sign_in(page, PERSONAS[persona])
                cdp = context.new_cdp_session(page)
                recorder = Recorder(cdp)
                for spec in (p for p in pages if p.persona == persona):
                    for profile in profiles:
                        cdp.send("Network.emulateNetworkConditions", {
                            "offline": False, **PROFILES[profile]
                        })  # fmt: skip
                        cdp.send("Network.clearBrowserCache")
                        url = base + spec.path
                        cold = visit(page, recorder, url, from_elsewhere=spec.from_elsewhere)
                        warm = visit(page, recorder, url, from_elsewhere=spec.from_elsewhere)
                        cdp.send("Network.emulateNetworkConditions", {
                            "offline": False, "latency": 0,
                            "downloadThroughput": -1, "uploadThroughput": -1,
                        })  # fmt: skip
                        results[spec.label, profile] = (cold, warm)
                        if verbose:
                            for name, v in (("cold", cold), ("warm", warm)):
                                print(f"{spec.label} · {profile} · {name}: {v.bytes:,} B")
                                for r in v.resources:
                                    print("   ", json.dumps(r))
                context.close()
        finally:
            browser.close()
    return results


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form button").first.click()
    page.wait_for_load_state("load")
    if "/accounts/login/" in page.url:
        sys.exit(f"could not sign in as {email}")


class Recorder:
    """Collects the CDP network events of one page; `take()` hands over what came since."""

    def __init__(self, cdp) -> None:
        self.requests: dict[str, dict] = {}
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event: dict) -> None:
        self.requests[event["requestId"]] = {
            "url": event["request"]["url"],
            "type": event.get("type", ""),
            "bytes": 0,
            "cached": False,
            "done": False,
        }

    def _received(self, event: dict) -> None:
        entry = self.requests.get(event["requestId"])
        if entry is None:
            return
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        entry["status"] = response.get("status")
        entry["encoding"] = headers.get("content-encoding", "")
        entry["cache_control"] = headers.get("cache-control", "")
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            entry["cached"] = True

    def _from_cache(self, event: dict) -> None:
        if entry := self.requests.get(event["requestId"]):
            entry["cached"] = True

    def _finished(self, event: dict) -> None:
        if entry := self.requests.get(event["requestId"]):
            entry["bytes"] = int(event.get("encodedDataLength", 0))
            entry["done"] = True

    def _failed(self, event: dict) -> None:
        if entry := self.requests.get(event["requestId"]):
            entry["failed"] = event.get("errorText", "failed")
            entry["done"] = True

    def take(self) -> list[dict]:
        taken = list(self.requests.values())
        self.requests = {}
        return taken


def visit(page, recorder: Recorder, url: str, *, from_elsewhere: bool) -> Visit:
    page.goto("about:blank")
    recorder.take()
    if from_elsewhere:
        # about:blank has an opaque origin: following its link is a cross-site navigation.
        page.set_content(f'<a id="go" href="{url}">open</a>')
        with page.expect_navigation(url=url, wait_until="load", timeout=60_000):
            page.click("#go")
    else:
        page.goto(url, wait_until="load", timeout=60_000)
    timing = page.evaluate(
        """() => new Promise(resolve => {
            const read = () => {
                const nav = performance.getEntriesByType('navigation')[0];
                if (nav && nav.loadEventEnd > 0) resolve({
                    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
                    status: nav.responseStatus || 0});
                else setTimeout(read, 20);
            };
            read();
        })"""
    )
    # loadingFinished of the last resource can trail the load event by a few milliseconds.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        page.wait_for_timeout(50)
        if all(r["done"] for r in recorder.requests.values()):
            break
    resources = recorder.take()
    if any(r.get("failed") for r in resources):
        print(f"warning: failed requests on {url}: {[r for r in resources if r.get('failed')]}")
    if page.url != url:
        print(f"warning: {url} ended at {page.url}")
    network = [r for r in resources if not r["cached"]]
    html = [r for r in resources if r["type"] == "Document"]
    return Visit(
        bytes=sum(r["bytes"] for r in network),
        requests=len(network),
        cached=len(resources) - len(network),
        html_bytes=sum(r["bytes"] for r in html),
        status=int(timing["status"]),
        dcl=timing["dcl"] / 1000,
        load=timing["load"] / 1000,
        resources=resources,
    )


def report(pages: list[Page], profiles: list[str], runs: list[dict]) -> None:
    load = os.getloadavg()
    print()
    print(
        f"Page weight, {len(runs)} run(s); kB = 1,000 bytes, compressed, headers included; "
        f"times in seconds, median (worst) of the runs, DCL = DOMContentLoaded, the verdict "
        f"on load; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    header = (
        f"{'page':<20} {'profile':<7} {'cold kB':>8} {'req':>4} {'html kB':>8} "
        f"{'cold DCL':>13} {'cold load':>13} {'warm kB':>8} {'req':>4} {'cache':>5} "
        f"{'warm load':>13}  verdict"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    for spec in pages:
        for profile in profiles:
            colds = [run[spec.label, profile][0] for run in runs]
            warms = [run[spec.label, profile][1] for run in runs]
            cold_bytes = max(v.bytes for v in colds)
            warm_bytes = max(v.bytes for v in warms)
            worst_time = max(v.load for v in colds + warms)
            problems = [f"HTTP {v.status}" for v in colds[:1] + warms[:1] if v.status != 200]
            if cold_bytes > COLD_BUDGET:
                problems.append(f"cold {cold_bytes / 1000:.1f} kB > 60")
            if warm_bytes > WARM_BUDGET:
                problems.append(f"warm {warm_bytes / 1000:.1f} kB > 15")
            if profile == "2g" and worst_time > TIME_BUDGET:
                problems.append(f"{worst_time:.2f} s > 3 s")
            failures += bool(problems)
            print(
                f"{spec.label:<20} {profile:<7} {cold_bytes / 1000:>8.1f} "
                f"{colds[0].requests:>4} {max(v.html_bytes for v in colds) / 1000:>8.1f} "
                f"{seconds(v.dcl for v in colds):>13} {seconds(v.load for v in colds):>13} "
                f"{warm_bytes / 1000:>8.1f} {warms[0].requests:>4} {warms[0].cached:>5} "
                f"{seconds(v.load for v in warms):>13}  "
                f"{'ok' if not problems else 'MISS: ' + '; '.join(problems)}"
            )
    print()
    check_headers(runs)
    print(
        f"{failures} of {len(pages) * len(profiles)} page/profile pairs miss a target."
        if failures
        else "Every page meets every target."
    )


def seconds(values) -> str:
    values = list(values)
    return f"{statistics.median(values):.2f} ({max(values):.2f})"


def check_headers(runs: list[dict]) -> None:
    """Static files must come compressed and cached for a year; HTML compressed."""
    statics: dict[str, dict] = {}
    plain: set[str] = set()
    pages: set[str] = set()
    for run in runs:
        for (label, _profile), (cold, _warm) in run.items():
            for r in cold.resources:
                if r["cached"] or "status" not in r:
                    continue
                if r["type"] == "Document":
                    pages.add(label.strip())
                    if not r["encoding"]:
                        plain.add(label.strip())
                elif "/static/" in r["url"]:
                    statics.setdefault(r["url"].split("?")[0].rsplit("/", 1)[-1], r)
    for name, r in sorted(statics.items()):
        long_lived = "immutable" in r["cache_control"] or "max-age=31536000" in r["cache_control"]
        print(
            f"static {name}: encoding {r['encoding'] or 'none'}, cache-control "
            f"'{r['cache_control']}'{'' if long_lived else '  <- NOT long-lived'}"
        )
    print(
        f"HTML compressed on {len(pages) - len(plain)} of {len(pages)} pages"
        + (f"; plain: {', '.join(sorted(plain))}" if plain else "")
    )


if __name__ == "__main__":
    main()
