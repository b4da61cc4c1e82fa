"""Countries as ISO 3166-1 alpha-2 codes, named in the reader's language from the
translations the iso-codes project keeps (shipped with pycountry) and, where it has none (101
of 249 in Uzbek: "Vietnam" showed through), from the Unicode CLDR's (shipped with Babel);
never typed by hand."""

import functools
import gettext

import pycountry
from babel import Locale, UnknownLocaleError

from consilium.search.text import fold


def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code.strip().upper()) is not None


@functools.cache
def _translation(language: str) -> gettext.NullTranslations:
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


@functools.cache
def _cldr_territories(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, language: str) -> str:
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    if country is None:
        return code
    translated = _translation(language).gettext(country.name)
    if translated != country.name:
        return translated
    if not language.startswith("en"):
        cldr = _cldr_territories(language).get(country.alpha_2)
        if cldr:
            return cldr
    return getattr(country, "common_name", None) or country.name


@functools.cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) in the reader's alphabetical order of names, accents aside."""
    rows = [(c.alpha_2, country_name(c.alpha_2, language)) for c in pycountry.countries]
    return tuple(sorted(rows, key=lambda row: fold(row[1])))
