import datetime

from consilium.registry.crypto import (
    decrypt,
    encrypt,
    hospital_number_digest,
    name_birth_digest,
    normalise_name,
)


def test_it_round_trips_and_never_repeats_a_token(settings):
    assert decrypt(encrypt("Đặng Thu Hà")) == "Đặng Thu Hà"
    assert encrypt("x") != encrypt("x")


def test_it_matches_names_however_they_are_typed():
    assert normalise_name("Nguyễn Văn  An") == normalise_name("AN NGUYEN VAN")
    assert normalise_name("Đặng Hà") == normalise_name("dang ha")
    day = datetime.date(2019, 3, 14)
    assert name_birth_digest("Nguyễn Văn An", day) == name_birth_digest("an nguyen van", day)
    assert name_birth_digest("Nguyễn Văn An", day) != name_birth_digest(
        "Nguyễn Văn An", day.replace(day=15)
    )


def test_it_depends_on_the_key(settings):
    before = hospital_number_digest("BN-1")
    settings.FIELD_ENCRYPTION_KEY = "A" * 43 + "="
    assert hospital_number_digest("BN-1") != before
    assert hospital_number_digest(" ") == ""
