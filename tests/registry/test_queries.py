from hypothesis import given
from hypothesis import strategies as st

from consilium.registry.actions import pseudonym
from consilium.registry.queries import number_ranges

LARGEST = 120_000
WRITTEN = [(n, pseudonym("VNCH", 2024, n).rsplit("-", 1)[1]) for n in range(LARGEST + 1)]


@given(st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_the_ranges_hold_exactly_the_numbers_written_with_those_first_digits(digits):
    expected = {n for n, written in WRITTEN if written.startswith(digits)}
    found = {
        n
        for low, high in number_ranges(digits)
        if low <= LARGEST
        for n in range(low, min(high, LARGEST) + 1)
    }
    assert found == expected


def test_a_search_by_the_first_digits_of_a_number(register, client_for):
    from tests.registry.conftest import identity

    first = register()
    second = register(identity=identity(name="Trần Thị Mai", hospital_number="BN-2"))
    client = client_for("clinician")

    def shown(q):
        return [row.pseudonym for row in client.get("/registry/", {"q": q}).context["rows"]]

    assert shown("vnch-2024-000") == [second.pseudonym, first.pseudonym]
    assert shown("VNCH-2024-0002") == [second.pseudonym]
    assert shown("VNCH-2024-01") == []
    assert shown("VNCH-2024-") == [second.pseudonym, first.pseudonym]
    assert shown("VNCH-2023-000") == []
