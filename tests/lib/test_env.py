import pytest
from django.core.exceptions import ImproperlyConfigured

from consilium.lib.env import env_bool, env_int, env_list


def test_it_reads_booleans_strictly():
    assert env_bool("X", False, {"X": "yes"}) is True
    assert env_bool("X", True, {"X": "off"}) is False
    assert env_bool("X", True, {}) is True
    with pytest.raises(ImproperlyConfigured, match="X must be true or false"):
        env_bool("X", False, {"X": "maybe"})


def test_it_reads_numbers_strictly():
    assert env_int("N", 3, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 3, environ={"N": "7.5"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 3, minimum=1, environ={"N": "0"})


def test_it_reads_lists():
    assert env_list("L", ["a"], {"L": " x, y ,,"}) == ["x", "y"]
