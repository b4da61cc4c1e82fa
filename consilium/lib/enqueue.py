"""Queue a task as part of the change that calls for it.

With django-tasks-db's backend the task is a row written in the current transaction: it
commits with the change or not at all, so a process that dies just after the commit cannot
leave a change whose follow-up work (a report, a mail) was never queued, which `on_commit`
enqueueing could. Any other backend (one that is not the database) is enqueued on commit,
so nothing runs for a change that is then rolled back."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task


def enqueue_in_transaction(task: Task, /, **kwargs: Any) -> None:
    from django_tasks_db import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs))
