import pytest

from tests.deploy.processes import Processes


@pytest.fixture
def processes(tmp_path):
    """The fault tests' processes, ended when the test ends, whatever it did."""
    running = Processes(tmp_path)
    yield running
    running.close()
