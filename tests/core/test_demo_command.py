import os
import sqlite3
import subprocess
import sys

import pytest

# The demo runs on its own SQLite database whatever DATABASE_URL the suite has.
pytestmark = pytest.mark.same_on_every_database


def _env(data_dir) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["CONSILIUM_DATA_DIR"] = str(data_dir)
    return env


def test_it_sets_up_the_demo_on_an_empty_data_directory(tmp_path):
    data_dir = tmp_path / "fresh"
    run = subprocess.run(
        [sys.executable, "-m", "consilium", "demo", "--no-serve"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr
    assert "http://127.0.0.1:8000/" in run.stdout
    assert "lan.nguyen@vnch.demo" in run.stdout
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0
    with sqlite3.connect(data_dir / "consilium.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = {row[0] for row in db.execute("SELECT code FROM network_institution")}
        assert {"VNCH", "CURIE", "PMC", "UZPHO", "CCHE", "MUW", "KHOSP", "RDEBRE"} <= names

    again = subprocess.run(
        [sys.executable, "-m", "consilium", "demo", "--no-serve"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert again.returncode == 0, again.stderr


def test_it_refuses_a_malformed_database_url_with_a_clear_message(tmp_path):
    env = _env(tmp_path)
    env["DATABASE_URL"] = "postgres://user@host:port/x"
    run = subprocess.run(
        [sys.executable, "-m", "consilium", "check"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "configuration error: DATABASE_URL is malformed" in run.stderr
    assert "Traceback" not in run.stderr
