"""Hostile and damaged CSV files: the import either writes every row or changes nothing, and
never raises. Each example runs in a savepoint rolled back afterwards, so a file that does
import cleanly leaves nothing behind for the next one."""

import os

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consilium.audit.actions import verify_chain
from consilium.audit.models import AuditEntry
from consilium.registry.importer import import_csv
from consilium.registry.models import Diagnosis, Patient, PatientIdentity, QualityIssue
from tests.registry.csv_samples import csv_bytes

EXAMPLES = int(os.environ.get("CONSILIUM_FUZZ_EXAMPLES", "60"))
VALID = csv_bytes()
# What breaks CSV files in practice: separators, quotes, line ends, a BOM, stray encodings.
NASTY = [
    b",",
    b";",
    b"\t",
    b'"',
    b'""',
    b"\r\n",
    b"\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\x00",
    "é".encode("latin-1"),
    "Đ".encode("cp1258"),
    b"\xff\xfe",
    b"=cmd|' /C calc'!A0",
]


def _mutate(data: bytes, cut: int, edits: list[tuple[int, bytes]]) -> bytes:
    buffer = bytearray(data[: max(cut, 1)] if cut % 4 == 0 else data)
    for position, insert in edits:
        position %= max(len(buffer), 1)
        buffer[position : position + (len(insert) % 3)] = insert
    return bytes(buffer)


_files = st.one_of(
    st.binary(max_size=600),
    st.builds(
        _mutate,
        st.just(VALID),
        st.integers(min_value=0, max_value=len(VALID)),
        st.lists(
            st.tuples(
                st.integers(min_value=0), st.one_of(st.sampled_from(NASTY), st.binary(max_size=4))
            ),
            max_size=8,
        ),
    ),
)


def _state() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Patient, PatientIdentity, Diagnosis, QualityIssue))


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=_files)
def test_it_imports_all_or_nothing_and_never_raises(content, tmp_path, vnch, personas):
    path = tmp_path / "registry.csv"
    path.write_bytes(content)
    before, audit_before = _state(), AuditEntry.objects.count()
    with transaction.atomic():
        outcome = import_csv(path, vnch, actor=personas["data_manager"])
        if outcome.ok:
            assert _state()[0] == before[0] + outcome.imported
            assert outcome.imported == outcome.rows
        else:
            assert outcome.errors, "a refused file says why"
            assert _state() == before
            assert AuditEntry.objects.count() == audit_before
        assert verify_chain().ok
        transaction.set_rollback(True)


def test_it_still_imports_the_undamaged_file(tmp_path, vnch, personas):
    """The mutations start from a file that imports: the property is not vacuous."""
    path = tmp_path / "registry.csv"
    path.write_bytes(VALID)
    assert import_csv(path, vnch, actor=personas["data_manager"]).imported == 3
