"""Two app servers and two task workers against one PostgreSQL, as docs/deploy.md runs them:
every task runs once, and both servers serve the same data and the same sessions."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.conftest import free_port

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the several-machine shape needs PostgreSQL"
)
TASKS = 30


def _admin_url() -> str:
    settings = connection.settings_dict
    host = settings["HOST"] or "127.0.0.1"
    return f"postgresql://{settings['USER']}@{host}:{settings['PORT'] or 5432}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One site for the module's tests (its setup is a minute of migrations on a fresh
    database): the task test runs first and counts every task, so it is defined first."""
    tmp_path = tmp_path_factory.mktemp("multi-server")
    name = "consilium_multiserver"
    with psycopg.connect(f"{_admin_url()}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=f"{_admin_url()}/{name}",
        SECRET_KEY="s" * 50,
        CONSILIUM_DATA_DIR=str(tmp_path / "shared"),
        CONSILIUM_HTTPS="false",
        DJANGO_SETTINGS_MODULE="consilium.settings",
    )
    env.pop("CONSILIUM_EMAIL_HOST", None)
    cli = [sys.executable, "-m", "consilium"]
    for command in (
        ["migrate", "-v0"],
        ["createcachetable"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([*cli, *command], env=env, check=True, timeout=600)
    seed = "from consilium.core.demo_data import load_foundation; load_foundation()"
    subprocess.run([*cli, "shell", "-c", seed], env=env, check=True, timeout=120)
    processes = []
    ports = [free_port(), free_port()]
    for port in ports:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "consilium.wsgi:application",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                env=env,
            )
        )
    for _ in range(2):
        processes.append(
            subprocess.Popen([*cli, "worker", "-v", "0", "--interval", "0.2"], env=env)
        )
    try:
        for port in ports:
            _wait_for(f"http://127.0.0.1:{port}/healthz")
        yield {
            "env": env,
            "ports": ports,
            "db": f"{_admin_url()}/{name}",
            "data": tmp_path / "shared",
        }
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        with psycopg.connect(f"{_admin_url()}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not come up")


def test_each_task_runs_once_across_two_workers(site):
    enqueue = (
        "from consilium.core.tasks import send_email\n"
        f"for i in range({TASKS}):\n"
        "    send_email.enqueue(subject=f'task {i}', body='x', to=['a@example.org'])"
    )
    subprocess.run(
        [sys.executable, "-m", "consilium", "shell", "-c", enqueue], env=site["env"], check=True
    )
    deadline = time.monotonic() + 120
    with psycopg.connect(site["db"]) as db:
        while time.monotonic() < deadline:
            done = db.execute(
                "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status = 'SUCCESSFUL'"
            ).fetchone()[0]
            if done == TASKS:
                break
            time.sleep(0.5)
        statuses = dict(
            db.execute(
                "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
            ).fetchall()
        )
    assert statuses == {"SUCCESSFUL": TASKS}
    # The file backend may append two messages to one file when two workers share a name.
    sent = "".join(p.read_text() for p in Path(site["data"], "outbox").iterdir())
    subjects = sorted(re.findall(r"^Subject: (.*)$", sent, re.M))
    assert subjects == sorted(f"task {i}" for i in range(TASKS))  # each exactly once


def test_both_servers_serve_the_same_data_and_sessions(site):
    a, b = (f"http://127.0.0.1:{port}" for port in site["ports"])
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = browser.open(f"{a}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": "hoa.pham@vnch.demo", "password": "consilium-demo"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"{a}/accounts/login/", data=form, headers={"Referer": f"{a}/"}
    )
    browser.open(request)
    # Signed in on A; the session (in PostgreSQL) is valid on B too.
    page = browser.open(f"{b}/network/institutions/VNCH/").read().decode()
    assert "Vietnam National Children" in page
    assert "Update the resource profile" in page
