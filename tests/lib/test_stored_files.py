"""A file written in a transaction is kept only if the transaction commits: real files on disk,
real transactions and savepoints on the test database."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from consilium.core import orphan_files
from consilium.lib import stored_files


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def _write(name: str) -> str:
    stored = default_storage.save(name, ContentFile(b"scan"))
    stored_files.keep_if_committed(default_storage, stored)
    return stored


def test_it_deletes_the_file_when_its_transaction_rolls_back(db, media):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = _write("consultations/scan.dcm")
        assert (media / name).exists()  # readable inside the transaction that wrote it
        raise RuntimeError("the transaction fails after the write")

    assert not (media / name).exists()


def test_a_rolled_back_savepoint_takes_its_file_and_leaves_the_outer_one(db, media):
    with transaction.atomic():
        kept = _write("consultations/kept.dcm")
        with pytest.raises(RuntimeError), transaction.atomic():
            dropped = _write("consultations/dropped.dcm")
            raise RuntimeError
        assert ((media / kept).exists(), (media / dropped).exists()) == (True, False)


def test_it_keeps_the_file_when_its_transaction_commits(audit_triggers_off_after_test, media):
    with transaction.atomic():
        name = _write("consultations/scan.dcm")

    assert (media / name).read_bytes() == b"scan"


def test_it_keeps_a_file_written_outside_a_transaction(audit_triggers_off_after_test, media):
    name = _write("consultations/scan.dcm")

    assert (media / name).exists()


def _writer_script(media, exit_how: str) -> str:
    return textwrap.dedent(
        f"""
        import os, signal, sys
        import django
        os.environ["DJANGO_SETTINGS_MODULE"] = "consilium.settings"
        os.environ["CONSILIUM_MEDIA_DIR"] = {str(media)!r}
        django.setup()
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from django.db import transaction
        from consilium.lib import stored_files

        transaction.atomic().__enter__()  # a transaction that never gets to commit
        name = default_storage.save("consultations/upload.jpg", ContentFile(b"photo"))
        stored_files.keep_if_committed(default_storage, name)
        print(name, flush=True)
        {exit_how}
        """
    )


def _run_writer(tmp_path, media, exit_how: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONSILIUM_DATA_DIR": str(tmp_path / "writer-data"), "DATABASE_URL": ""}
    return subprocess.run(
        [sys.executable, "-c", _writer_script(media, exit_how)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_process_that_exits_before_its_commit_leaves_no_file(tmp_path, media):
    done = _run_writer(tmp_path, media, "sys.exit(0)")

    assert done.returncode == 0, done.stderr
    assert not (media / done.stdout.strip()).exists()


def test_a_process_killed_before_its_commit_leaves_its_file_for_the_sweep(db, tmp_path, media):
    done = _run_writer(tmp_path, media, "os.kill(os.getpid(), signal.SIGKILL)")

    assert done.returncode == -signal.SIGKILL, done.stderr
    # Nothing runs in a killed process: the file stays until the sweep finds no row for it.
    left = media / done.stdout.strip()
    assert left.read_bytes() == b"photo"
    assert orphan_files.sweep() == 0  # it could still be an upload in flight
    assert orphan_files.sweep(now=timezone.now() + orphan_files.GRACE * 2) == 1
    assert not left.exists()
