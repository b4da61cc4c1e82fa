"""PostgreSQL restarted under load, on a cluster of the test's own: while it is down every
request fails cleanly and quickly (503 from /healthz, the 503 page for a signed-in page,
never a hang or a traceback); once it is back the same app server and the same task worker
carry on, without being restarted."""

import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.conftest import _Inbox, free_port
from tests.consultations.fixtures import database_url, subprocess_env
from tests.deploy.own_postgres import OwnPostgres, bin_dir
from tests.deploy.processes import wait_until

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="restarts a PostgreSQL cluster of its own"
    ),
    pytest.mark.skipif(bin_dir() is None, reason="needs the PostgreSQL server binaries"),
]
PAGE = "/network/institutions/VNCH/"
TIMEOUT = 10  # no request may take longer than this, outage or not
MAX_REQUESTS = 3000  # the load is bounded, whatever happens


@dataclass
class Answer:
    at: float
    path: str
    status: int | None  # None: no HTTP answer at all
    seconds: float
    body: str


class Load:
    """Two clients as fast as they are answered: a load balancer asking /healthz (no cookie)
    and a signed-in person asking a page."""

    def __init__(self, port: int, session_cookie: str) -> None:
        self.port = port
        self.cookie = session_cookie
        self.answers: list[Answer] = []
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._loop, args=(path,), daemon=True)
            for path in ("/healthz", PAGE)
        ]

    def _loop(self, path: str) -> None:
        while not self.stopping.is_set() and len(self.answers) < MAX_REQUESTS:
            started = time.monotonic()
            status, body = None, ""
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
                headers = {"Cookie": self.cookie} if path == PAGE else {}
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                status, body = response.status, response.read().decode(errors="replace")
                conn.close()
            except OSError as exc:
                body = repr(exc)
            self.answers.append(Answer(started, path, status, time.monotonic() - started, body))
            if status is None:
                time.sleep(0.05)  # not a busy loop against a closed port

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(TIMEOUT + 5)

    def since(self, moment: float, path: str) -> list[Answer]:
        return [a for a in list(self.answers) if a.at >= moment and a.path == path]

    def ok_since(self, moment: float, path: str, count: int) -> bool:
        return sum(a.status == 200 for a in self.since(moment, path)) >= count


@pytest.fixture
def own_postgres():
    cluster = OwnPostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def mail_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def _copy_test_database(cluster: OwnPostgres) -> str:
    """The test database, migrated and with the personas, copied into the cluster: the same
    schema `consilium migrate` makes, in a second instead of a minute."""
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE consilium")
    dump = subprocess.run(
        [str(cluster.bin / "pg_dump"), "--no-owner", "--no-privileges", database_url()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [str(cluster.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", cluster.url("consilium")],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return cluster.url("consilium")


def test_it_fails_cleanly_while_postgres_restarts_and_recovers_without_a_restart(
    audit_triggers_off_after_test, personas, own_postgres, processes, mail_server
):
    inbox, smtp_port = mail_server
    browser = Client()
    browser.force_login(personas["coordinator"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    url = _copy_test_database(own_postgres)
    env = subprocess_env(
        DATABASE_URL=url,
        CONSILIUM_HTTPS="false",
        CONSILIUM_EMAIL_HOST="127.0.0.1",
        CONSILIUM_EMAIL_PORT=str(smtp_port),
        CONSILIUM_WORKER_LEASE_SECONDS="2",
    )
    port = free_port()
    gunicorn = processes.start(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "consilium.wsgi:application",
            "--workers",
            "1",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
        ],
        env,
    )
    worker = processes.consilium("worker", "worker", "-v", "1", "--interval", "0.2", env=env)

    def served(path: str) -> bool:
        assert gunicorn.poll() is None, processes.output("gunicorn")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie})
            return conn.getresponse().status == 200
        except OSError:
            return False

    # The first requests import the views and compile the templates: not what is measured.
    for path in ("/healthz", PAGE):
        wait_until(lambda path=path: served(path), timeout=120, what=f"gunicorn to serve {path}")

    with Load(port, cookie) as load:
        started = time.monotonic()
        for path in ("/healthz", PAGE):
            wait_until(
                lambda path=path: load.ok_since(started, path, 5), timeout=60, what=f"{path} up"
            )
        page = next(a for a in load.since(started, PAGE) if a.status == 200)
        assert "Vietnam National Children" in page.body  # signed in, reading the database

        down = time.monotonic()
        own_postgres.stop()
        for path in ("/healthz", PAGE):
            wait_until(
                lambda path=path: sum(a.status == 503 for a in load.since(down, path)) >= 5,
                timeout=60,
                what=f"{path} to answer 503 while the database is down",
            )
        up = time.monotonic()
        own_postgres.start()
        back = time.monotonic()
        for path in ("/healthz", PAGE):
            wait_until(
                lambda path=path: load.ok_since(back, path, 5), timeout=60, what=f"{path} back"
            )
        # A task queued once the database is back: the worker that lived through the outage
        # runs it.
        enqueue = (
            "from consilium.core.tasks import send_email; "
            "send_email.enqueue(subject='After the restart', body='x', to=['a@example.org'])"
        )
        subprocess.run(
            [sys.executable, "-m", "consilium", "shell", "-c", enqueue],
            env=env,
            check=True,
            timeout=120,
        )
        wait_until(lambda: inbox.envelopes, timeout=60, what="the worker to send the mail")

    assert gunicorn.poll() is None and worker.poll() is None  # neither was restarted
    answers = list(load.answers)

    def phase(a: Answer) -> str:
        return (
            "before"
            if a.at < down
            else "down"
            if a.at < up
            else "starting"
            if a.at < back
            else "after"
        )

    slow = [
        (a.path, a.status, phase(a), round(a.seconds, 1), a.body[:80])
        for a in answers
        if a.seconds >= TIMEOUT
    ]
    assert not slow, slow
    assert all(a.status is not None for a in answers), "every request got an HTTP answer"
    assert all("Traceback" not in a.body for a in answers)
    during = [a for a in answers if down <= a.at and a.at + a.seconds <= up]
    assert {a.status for a in during} <= {200, 503}  # 200s: answered before the stop landed
    for a in during:
        if a.status == 503 and a.path == "/healthz":
            assert '"database": "unavailable"' in a.body
        elif a.status == 503:
            assert "cannot reach its database" in a.body
    assert {a.status for a in answers if a.at < down or a.at >= back} <= {200, 503}
    assert [str(m["Subject"]) for m in inbox.messages] == ["After the restart"]
    with psycopg.connect(url) as db:
        statuses = db.execute("SELECT status FROM django_tasks_database_dbtaskresult").fetchall()
    assert statuses == [("SUCCESSFUL",)]
    print(
        f"{len(answers)} requests, {len(during)} during the outage; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
