"""The journeys of bench_load.py (run that, not this): signed-in personas on their own pages.

Each simulated user takes the next persona of its kind from the file bench_load.py writes
(CONSILIUM_BENCH_PERSONAS): a session cookie made for that person, the consultations they may
open and the terms they search for. Requests are grouped by page, so the figures are per page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, between, constant, task

_PERSONAS = json.loads(open(os.environ["CONSILIUM_BENCH_PERSONAS"], encoding="utf-8").read())  # noqa: SIM115
_NEXT = {kind: itertools.cycle(people) for kind, people in _PERSONAS.items()}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Persona(FastHttpUser):
    abstract = True
    kind = ""
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.persona = next(_NEXT[self.kind])
        # The CSRF secret is the persona's too, so a form's token matches the cookie sent.
        self.cookie = {
            "Cookie": f"sessionid={self.persona['session']}; csrftoken={self.persona['csrf']}"
        }

    def get(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, headers=self.cookie, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} on {url}")
            return r.text or ""

    def queue(self) -> None:
        self.get("/consultations/", "queue")

    def consultation(self) -> str:
        pk = random.choice(self.persona["consultations"])
        return self.get(f"/consultations/{pk}/", "consultation")

    def post_message(self) -> None:
        pk = random.choice(self.persona["open"])
        page = self.get(f"/consultations/{pk}/", "consultation")
        token = _CSRF.search(page)
        if token is None:
            return
        with self.client.post(
            f"/consultations/{pk}/message/",
            data={"csrfmiddlewaretoken": token.group(1), "body": "Noted; we will do so."},
            headers={**self.cookie, "Referer": f"{self.host}/consultations/{pk}/"},
            name="post message",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code} posting on {pk}")

    def search(self) -> None:
        term = random.choice(self.persona["searches"])
        self.get(f"/registry/?q={term}", "patient search")

    def outcomes(self) -> None:
        self.get("/outcomes/", "outcomes")


class Clinician(_Persona):
    kind = "clinician"
    weight = 4

    @task(3)
    def t_queue(self) -> None:
        self.queue()

    @task(4)
    def t_consultation(self) -> None:
        self.consultation()

    @task(1)
    def t_post(self) -> None:
        self.post_message()

    @task(3)
    def t_search(self) -> None:
        self.search()

    @task(1)
    def t_outcomes(self) -> None:
        self.outcomes()


class Expert(_Persona):
    kind = "expert"
    weight = 3

    @task(3)
    def t_queue(self) -> None:
        self.queue()

    @task(5)
    def t_consultation(self) -> None:
        self.consultation()

    @task(2)
    def t_post(self) -> None:
        self.post_message()


class DataManager(_Persona):
    kind = "data_manager"
    weight = 2

    @task(5)
    def t_search(self) -> None:
        self.search()

    @task(2)
    def t_outcomes(self) -> None:
        self.outcomes()

    @task(1)
    def t_queue(self) -> None:
        self.queue()


class Coordinator(_Persona):
    kind = "coordinator"
    weight = 1

    @task(3)
    def t_outcomes(self) -> None:
        self.outcomes()

    @task(2)
    def t_queue(self) -> None:
        self.queue()


class Healthz(FastHttpUser):
    """The ceiling: the stack's cheapest page, asked for back to back."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="/healthz")
