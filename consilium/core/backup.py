"""Backups of an SQLite installation: the database (copied with SQLite's online backup API,
so it is consistent while the app runs) and the uploaded files, in one .tar.gz.

PostgreSQL installations back up with pg_dump (docs/deploy.md); this module refuses them
rather than produce a backup that looks complete and is not."""

import datetime
import io
import json
import re
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = "consilium-backup"
VERSION = 1


class BackupError(Exception):
    pass


def _database_path() -> Path:
    if connection.vendor != "sqlite":
        raise BackupError(
            "This installation uses PostgreSQL: back it up with pg_dump and copy the media "
            "directory (see docs/deploy.md)."
        )
    return Path(settings.DATABASES["default"]["NAME"])


def backup(output: Path) -> dict[str, object]:
    database = _database_path()
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "consilium.sqlite3"
        source = sqlite3.connect(database)
        target = sqlite3.connect(copy)
        with target:
            source.backup(target)
        source.close()
        target.close()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "database_bytes": copy.stat().st_size,
            "media_files": sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0,
        }
        with tarfile.open(output, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, arcname="consilium.sqlite3")
            if media.exists():
                tar.add(media, arcname="media")
    return manifest


def restore(archive: Path, *, force: bool = False) -> dict[str, object]:
    database = _database_path()
    media = Path(settings.MEDIA_ROOT)
    try:
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive} is not a Consilium backup: {exc}") from None
    with tar, tempfile.TemporaryDirectory() as tmp:
        try:
            manifest = json.load(tar.extractfile("manifest.json"))
        except (KeyError, ValueError, TypeError):
            raise BackupError(f"{archive} has no valid manifest.json.") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise BackupError(
                f"{archive} is a backup of format {manifest.get('format')!r} version "
                f"{manifest.get('version')!r}; this Consilium reads {FORMAT!r} version {VERSION}."
            )
        # The data filter refuses absolute paths, links out of the tree and device files.
        tar.extractall(tmp, filter="data")
        restored_db = Path(tmp) / "consilium.sqlite3"
        check = sqlite3.connect(restored_db)
        # Django's connections provide REGEXP, which CHECK constraints may use.
        check.create_function(
            "REGEXP",
            2,
            lambda pattern, value: value is not None and bool(re.search(pattern, value)),
        )
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        check.close()
        if ok != "ok":
            raise BackupError(f"The database in {archive} is damaged: {ok}.")
        if database.exists() and database.stat().st_size and not force:
            raise BackupError(
                f"{database} already exists. Restoring replaces it: stop the app and run "
                "again with --force."
            )
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copy2(restored_db, database)
        if (Path(tmp) / "media").exists():
            _swap_in(Path(tmp) / "media", media)
    return manifest


def _swap_in(source: Path, media: Path) -> None:
    """Copy the restored files beside the media folder, then swap the folders by renaming:
    a restore stopped half-way (disk full, killed) leaves the old files in place, never a
    media folder with half of them."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    incoming = media.with_name(f"{media.name}.restoring-{stamp}")
    shutil.copytree(source, incoming)
    if media.exists():
        previous = media.with_name(f"{media.name}.replaced-{stamp}")
        media.rename(previous)
        incoming.rename(media)
        shutil.rmtree(previous)
    else:
        incoming.rename(media)
