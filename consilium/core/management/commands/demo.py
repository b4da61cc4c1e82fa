import contextlib
import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from consilium.core.demo_data import DEMO_LOADERS, DEMO_PASSWORD, PERSONAS


class Command(BaseCommand):
    help = "Set up the demo (database, migrations, synthetic network) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Set up, then exit.")
        parser.add_argument("--address", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        out = self.stdout
        out.write(f"Data directory: {settings.DATA_DIR}")
        if not options["no_serve"]:
            # The mails the demo's data sends link to the address it will serve on.
            settings.SITE_URL = f"http://{options['address']}"
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        for path in DEMO_LOADERS:
            import_string(path)()
        url = f"http://{options['address']}/"
        out.write("")
        out.write(self.style.SUCCESS(f"Consilium demo: {url}"))
        out.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        for persona in PERSONAS:
            out.write(f"  {persona.email:<28} {persona.description}")
        out.write("  (and the anonymous visitor: just open the address)")
        out.write(f"Mail the demo sends is written to {settings.DATA_DIR / 'outbox'}")
        if options["no_serve"]:
            return
        self._serve(options["address"])

    def _serve(self, address: str) -> None:
        # Plain HTTP on the loopback address: cookies cannot be Secure-only there.
        env = {
            **os.environ,
            "CONSILIUM_HTTPS": "false",
            "CONSILIUM_DATA_DIR": str(settings.DATA_DIR),
            # Links in the demo's mails lead to the address it serves on, whichever it is.
            "CONSILIUM_SITE_URL": f"http://{address}",
        }
        cli = [sys.executable, "-m", "consilium"]
        # Our own interpreter running our own command: nothing here comes from a user.
        worker = subprocess.Popen([*cli, "worker", "-v", "0"], env=env)  # noqa: S603
        scheduler = subprocess.Popen([*cli, "scheduler", "--interval", "60"], env=env)  # noqa: S603
        server = subprocess.Popen([*cli, "runserver", "--noreload", address], env=env)  # noqa: S603
        # Stopped by a signal (kill, a service manager) as by Ctrl-C: the worker and the
        # scheduler go with the server instead of running on without it.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            # A server started in the background ignores SIGINT: then it is terminated below.
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=10)
        finally:
            for process in (server, worker, scheduler):
                if process.poll() is None:
                    process.terminate()
                process.wait(timeout=10)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
