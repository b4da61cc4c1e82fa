"""A finding or an import's problem is stored once, in the catalogue's language, and read in
each reader's: the text is matched against the catalogue's messages, its values put back."""

from django.utils import translation

from consilium.registry.checks import reader_message


def _in(language: str, stored: str) -> str:
    with translation.override(language):
        return reader_message(stored)


def test_a_message_with_numbers_is_read_in_the_readers_language():
    stored = "This row has 3 values where the header has 12 columns."

    assert _in("fr", stored) == (
        "Cette ligne comporte 3 valeurs alors que l'en-tête comporte 12 colonnes."
    )
    assert _in("en", stored) == stored


def test_a_value_that_is_a_message_itself_is_translated_too():
    stored = "Neuroblastoma is staged by the Toronto guidelines: record the stage."

    vietnamese = _in("vi", stored)

    assert "Neuroblastoma" not in vietnamese and "Toronto" in vietnamese
    assert _in("vi", "Neuroblastoma") in vietnamese


def test_a_value_that_is_data_is_kept_as_written():
    french = _in("fr", "“2024-13-01” is not a date: write YYYY-MM-DD.")

    assert french == "« 2024-13-01 » n'est pas une date : écrivez AAAA-MM-JJ."


def test_a_message_with_little_fixed_text_does_not_claim_any_text():
    # "%(label)s: %(value)s" and the like would match any text with a colon in it.
    stored = "Hospital records say: see the file"

    assert _in("ru", stored) == stored
