"""The `consilium` command: Django's management commands plus the project's own.

Project commands are spelt with hyphens on the command line (`consilium audit-verify`) and
live as Python modules with underscores (`audit_verify.py`)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    args = list(sys.argv if argv is None else argv)
    args[0] = "consilium"
    if len(args) > 1 and "-" in args[1] and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A wrong setting in the environment is the operator's to fix: say what, not where.
        sys.stderr.write(f"consilium: configuration error: {exc}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
