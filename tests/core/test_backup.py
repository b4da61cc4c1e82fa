import os
import sqlite3
import subprocess
import sys
import tarfile

import pytest

from consilium.core.demo_data import PERSONAS


def _run(data_dir, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["CONSILIUM_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "consilium", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("site")
    assert _run(data_dir, "migrate", "-v0").returncode == 0
    assert _run(data_dir, "shell", "-c", _SEED).returncode == 0
    return data_dir


_SEED = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from consilium.core.demo_data import load_foundation
load_foundation()
default_storage.save("mou/2024/mou-1.pdf", ContentFile(b"%PDF-1.4 test"))
"""


def test_it_backs_up_and_restores_database_and_files(installation, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    made = _run(installation, "backup", "--output", str(archive))
    assert made.returncode == 0, made.stderr
    assert "1 uploaded files" in made.stdout

    (installation / "consilium.sqlite3").unlink()
    for path in (installation / "media").rglob("*.pdf"):
        path.unlink()
    refused = _run(installation, "restore", str(archive))
    assert refused.returncode == 0, refused.stderr  # no database left: nothing to protect

    with sqlite3.connect(installation / "consilium.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM accounts_user").fetchone()[0] == len(PERSONAS)
    assert (installation / "media" / "mou" / "2024" / "mou-1.pdf").read_bytes() == b"%PDF-1.4 test"
    assert "Audit log intact" in refused.stdout
    # The files were copied beside the media folder and swapped in: nothing left over.
    assert sorted(p.name for p in installation.iterdir() if p.name.startswith("media")) == ["media"]


def test_it_will_not_overwrite_a_database_without_force(installation, tmp_path):
    archive = tmp_path / "b.tar.gz"
    _run(installation, "backup", "--output", str(archive))
    refused = _run(installation, "restore", str(archive))
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    assert _run(installation, "restore", str(archive), "--force").returncode == 0


def test_it_refuses_something_that_is_not_a_backup(installation, tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file")
    result = _run(installation, "restore", str(junk))
    assert result.returncode != 0
    assert "is not a Consilium backup" in result.stderr
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        manifest = tmp_path / "manifest.json"
        manifest.write_text('{"format": "consilium-backup", "version": 99}')
        tar.add(manifest, arcname="manifest.json")
    result = _run(installation, "restore", str(other))
    assert "version 99" in result.stderr
