"""The detector of identifiers typed into free text, with the names the network meets."""

import datetime

import pytest

from consilium.consultations.deid.free_text import Identifiers, find_identifiers

LAN = Identifiers(
    name="Nguyễn Thị Lan", hospital_number="BN-2024-77123", birth_date=datetime.date(2019, 3, 7)
)
PETR = Identifiers(name="Иванов Пётр", hospital_number="РДКБ 55/1234", birth_date=None)
OGILOY = Identifiers(name="Oʻgʻiloy Toʻxtayeva", birth_date=datetime.date(2018, 11, 23))


def kinds(text: str, ids: Identifiers) -> list[tuple[str, str]]:
    return [(f.kind, f.found) for f in find_identifiers({"text": text}, ids)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Bé Nguyễn Thị Lan, 5 tuổi", [("name", "Nguyễn Thị Lan")]),
        ("patient NGUYEN THI LAN, relapse", [("name", "NGUYEN THI LAN")]),
        ("Lan, 5 tuổi", [("name", "Lan")]),
        ("seen by nguyen yesterday", [("name", "nguyen")]),
        ("Hồ sơ BN-2024-77123", [("hospital_number", "BN-2024-77123")]),
        ("file bn 2024 77123", [("hospital_number", "bn 2024 77123")]),
        ("number 77123 in the ward", [("hospital_number", "77123")]),
        ("born 2019-03-07", [("birth_date", "2019-03-07")]),
        ("born 07/03/2019", [("birth_date", "07/03/2019")]),
        ("born 7.3.2019", [("birth_date", "7.3.2019")]),
        ("born 07.03.2019", [("birth_date", "07.03.2019")]),
        ("born 3/7/2019 (US)", [("birth_date", "3/7/2019")]),
        ("born 07-03-19", [("birth_date", "07-03-19")]),
        ("born 7 March 2019", [("birth_date", "7 March 2019")]),
        ("née le 7 mars 2019", [("birth_date", "7 mars 2019")]),
        ("sinh ngày 7 tháng 3 năm 2019", [("birth_date", "ngày 7 tháng 3 năm 2019")]),
    ],
)
def test_it_finds_a_vietnamese_patients_identifiers(text, found):
    assert kinds(text, LAN) == found


@pytest.mark.parametrize(
    "text",
    [
        "Thị giác bình thường; diagnosed 2024-03-07, HDCT planned.",  # "thi" is too common
        "Landmark study; elan; 2019 cohort; 07/03/2020; 771234",
        "Stage M, MYCN amplified, 5 cycles of COJEC.",
    ],
)
def test_it_leaves_ordinary_clinical_text_alone(text):
    assert kinds(text, LAN) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Мальчик Иванов, 6 лет", "Иванов"),
        ("пациент ИВАНОВ ПЁТР", "ИВАНОВ ПЁТР"),
        ("Petr Ivanov, 6 years old", "Petr Ivanov"),
        ("Ivanov, 6 years old", "Ivanov"),
        ("Pyotr has relapsed", "Pyotr"),
        ("Пётр Иванович", "Пётр"),
        ("Петр", "Петр"),
    ],
)
def test_it_finds_a_russian_name_in_cyrillic_and_latin_letters(text, found):
    assert ("name", found) in kinds(text, PETR)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Oʻgʻiloy Toʻxtayeva, 6 yosh", ["Oʻgʻiloy Toʻxtayeva"]),
        ("O'g'iloy To'xtayeva", ["O'g'iloy To'xtayeva"]),
        ("Toʻxtayeva Oʻgʻiloy", ["Toʻxtayeva Oʻgʻiloy"]),
        ("Ogʻiloy", ["Ogʻiloy"]),
        ("TOXTAYEVA", ["TOXTAYEVA"]),
        ("O‘g‘iloy", ["O‘g‘iloy"]),
    ],
)
def test_it_finds_an_uzbek_name_whatever_apostrophe_is_typed(text, found):
    assert [f for k, f in kinds(text, OGILOY) if k == "name"] == found


def test_it_names_the_field_where_it_found_them():
    findings = find_identifiers(
        {"question": "Is HDCT feasible?", "files": "lan-23.11.2018.jpg\nct.dcm"},
        Identifiers(name="Lan", birth_date=datetime.date(2018, 11, 23)),
    )
    assert [(f.field, f.kind) for f in findings] == [("files", "name"), ("files", "birth_date")]


def test_the_whole_name_is_found_even_when_its_parts_are_short_or_common():
    an = Identifiers(name="Nguyễn Văn An", writer_names=("Dr Nguyễn Thị Lan",))
    assert kinds("Bé nguyen van an tái phát", an) == [("name", "nguyen van an")]
    assert kinds("Van An Nguyen, 5 years", an) == [("name", "Van An Nguyen")]


def test_a_part_the_writer_shares_with_the_patient_is_not_flagged_alone():
    an = Identifiers(name="Nguyễn Văn An", writer_names=("Dr Nguyễn Thị Lan",))
    assert kinds("Cảm ơn, BS Nguyễn Thị Lan", an) == []


BAO = Identifiers(name="Trần Gia Bảo")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # Found in the browser walk: "u nguyên bào thần kinh" (neuroblastoma) was refused as
        # the name of a child called Bảo. The tone mark makes it another word.
        ("U nguyên bào thần kinh nguy cơ cao, MYCN khuếch đại.", []),
        ("u nguyên bào võng mạc hai bên", []),
        ("Bé Bảo tái phát sau 6 tháng", ["Bảo"]),
        ("Be Bao tai phat", ["Bao"]),  # typed without diacritics: may be the name
        ("BẢO, 3 tuổi", ["BẢO"]),
        ("Tran Gia Bao, 3 years", ["Tran Gia Bao"]),
    ],
)
def test_a_vietnamese_word_with_other_tone_marks_is_not_the_name(text, found):
    assert [f for k, f in kinds(text, BAO) if k == "name"] == found
