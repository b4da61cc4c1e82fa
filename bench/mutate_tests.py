"""The test command of `make mutate`: pytest in this process, with a memory ceiling, and any
failure reported as exit status 1.

mutmut 2.5 counts only status 1 as a killed mutant, so a mutant that breaks the import
(pytest's status 2, 3 or 4) would be scored as a survivor; and it stops a run that outlives
its timeout by killing the process it started, so the tests must run in that process, not in
a child of a shell. A mutant that loops while growing a list (the reply tokens' varint with
``value = 7`` took 5 GB in 4 minutes) hits the ceiling and fails instead of filling the
machine. Usage: python bench/mutate_tests.py MEMORY_MB PYTEST_ARGS...
"""

import resource
import sys

import pytest


def main() -> int:
    memory = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return 0 if pytest.main(sys.argv[2:]) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
