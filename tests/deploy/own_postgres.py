"""A throw-away PostgreSQL cluster of a test's own, to stop and start at will: initdb into a
temporary directory, its own free port on 127.0.0.1 and its own socket directory. The shared
server the suite runs on is never touched."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.conftest import free_port


def bin_dir() -> Path | None:
    versions = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    versions.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


class OwnPostgres:
    def __init__(self) -> None:
        self.bin = bin_dir()
        assert self.bin is not None, "no PostgreSQL server binaries under /usr/lib/postgresql"
        self.base = Path(tempfile.mkdtemp(prefix="consilium-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.sockets.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = self.base / "postgres.log"
        # PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            account = pwd.getpwnam(self.user)
            for path in (self.base, self.sockets):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )

    def _run(self, args: list[str]) -> None:
        subprocess.run(
            args, check=True, capture_output=True, timeout=120, user=self.user, cwd=self.base
        )

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self, timeout: float = 60) -> None:
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-k",
                str(self.sockets),
                "-c",
                "listen_addresses=127.0.0.1",
                # A test cluster: speed over durability.
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "shared_buffers=32MB",
                "-c",
                "max_connections=40",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            user=self.user,
            cwd=self.base,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise AssertionError("the test's PostgreSQL did not start") from None
                time.sleep(0.05)

    def stop(self, timeout: float = 60) -> None:
        """A fast shutdown, as an administrator's restart does: open sessions are cut."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        try:
            self.stop(timeout=20)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
