"""Identifiers typed into free text: the patient's name, hospital number or birth date found
in a question, a message or a file name before it leaves the hospital.

The registry knows the patient's identifiers, so the check compares the text with those,
not with guesses about what a name looks like. Text and identifiers are folded the same way
(case, diacritics, Vietnamese đ, Uzbek apostrophes, Cyrillic also in Latin letters), so
"NGUYEN THI LAN", "Nguyễn Thị Lan" and "nguyen lan" are all the same name here.

Small API, also for drafts and forms that want to warn early::

    ids = Identifiers.of_patient(patient)            # or Identifiers(name=..., ...)
    findings = find_identifiers({"question": text}, ids)
    check_free_text(patient, {"question": text})     # ValidationError naming each finding
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

__all__ = ["Finding", "Identifiers", "check_free_text", "find_identifiers", "fold"]

# Name parts so common, or so short, that finding one alone says nothing about the patient:
# Vietnamese middle names that mark sex, patronymic and particle words.
_COMMON_PARTS = frozenset(
    {"van", "thi", "de", "da", "le", "la", "du", "von", "der", "bin", "ibn", "ben", "al",
     "ogli", "ugli", "qizi", "kizi", "ovna", "evna", "ovich", "evich"}
)  # fmt: skip
_MIN_PART = 3
_APOSTROPHES = "'ʻʼ‘’`´ʹ"
_SPECIAL = {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
_CYRILLIC_PAIRS = (
    "а=a б=b в=v г=g д=d е=e ё=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t "
    "у=u ф=f х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e ю=yu я=ya ў=o қ=q ғ=g ҳ=h"
)
_CYRILLIC = dict(pair.split("=") for pair in _CYRILLIC_PAIRS.split())
_MONTHS = {
    # English, French, Russian (genitive, folded), Uzbek (Latin): what people write in a note.
    **dict.fromkeys(["jan", "january", "janvier", "janv", "yanvarya", "yanvar"], 1),
    **dict.fromkeys(["feb", "february", "fevrier", "fevr", "fevralya", "fevral"], 2),
    **dict.fromkeys(["mar", "march", "mars", "marta", "mart"], 3),
    **dict.fromkeys(["apr", "april", "avril", "aprelya", "aprel"], 4),
    **dict.fromkeys(["may", "mai", "maya", "may"], 5),
    **dict.fromkeys(["jun", "june", "juin", "iyunya", "iyun"], 6),
    **dict.fromkeys(["jul", "july", "juillet", "juil", "iyulya", "iyul"], 7),
    **dict.fromkeys(["aug", "august", "aout", "avgusta", "avgust"], 8),
    **dict.fromkeys(["sep", "sept", "september", "septembre", "sentyabrya", "sentyabr"], 9),
    **dict.fromkeys(["oct", "october", "octobre", "oktyabrya", "oktyabr"], 10),
    **dict.fromkeys(["nov", "november", "novembre", "noyabrya", "noyabr"], 11),
    **dict.fromkeys(["dec", "december", "decembre", "dekabrya", "dekabr"], 12),
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_NUMERIC_DATE = re.compile(r"(?<![0-9])(\d{1,4})\s*([./\-])\s*(\d{1,2})\s*\2\s*(\d{2,4})(?![0-9])")
_NAMED_DATE = re.compile(
    rf"(?<![0-9a-z])(\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s+(?:of\s+)?({_MONTH_RE})\.?,?\s+(\d{{4}})(?![0-9])"
    rf"|(?<![a-z])({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?![0-9])"
    # Vietnamese: "ngày 7 tháng 3 năm 2019", folded.
    r"|(?:ngay\s+)?(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:nam|,|/)\s*(\d{4})(?![0-9])"
)


@dataclass(frozen=True)
class Finding:
    """One identifier found: which field, what kind, and the words as they were typed."""

    field: str
    kind: str  # "name", "hospital_number" or "birth_date"
    found: str


@dataclass(frozen=True)
class Identifiers:
    name: str = ""
    hospital_number: str = ""
    birth_date: datetime.date | None = None
    extra_names: tuple[str, ...] = field(default=())
    # The writer's own names: parts they share with the patient are not flagged alone.
    writer_names: tuple[str, ...] = field(default=())

    @classmethod
    def of_patient(cls, patient, *, writer_names: tuple[str, ...] = ()) -> Identifiers:
        identity = getattr(patient, "identity", None)
        if identity is None:
            return cls()
        return cls(
            name=identity.name or "",
            hospital_number=identity.hospital_number or "",
            birth_date=identity.birth_date,
            writer_names=writer_names,
        )


class _Folded:
    """Text folded for comparison, with the position in the original of each folded char."""

    def __init__(self, text: str, *, latin: bool = False) -> None:
        out: list[str] = []
        where: list[int] = []
        for index, char in enumerate(text):
            for piece in _fold_char(char, latin=latin):
                out.append(piece)
                where.append(index)
        self.text = "".join(out)
        self.where = where
        self.original = text

    def span(self, start: int, end: int) -> str:
        return self.original[self.where[start] : self.where[end - 1] + 1]


def _fold_char(char: str, *, latin: bool) -> str:
    if char in _APOSTROPHES:
        return ""
    lower = char.lower()
    if lower in _SPECIAL:
        return _SPECIAL[lower]
    if latin and lower in _CYRILLIC:
        return _CYRILLIC[lower]
    return "".join(
        c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c)
    ).casefold()


def fold(text: str, *, latin: bool = False) -> str:
    """Lower case, no diacritics, đ→d, apostrophes dropped; Cyrillic in Latin if ``latin``."""
    return _Folded(text, latin=latin).text


def _name_parts(name: str) -> set[str]:
    """The name's parts as they may be typed: as written, and in Latin letters (Пётр is
    written Petr as often as Pyotr)."""
    spellings = {
        fold(name),
        fold(name, latin=True),
        fold(name.replace("ё", "йо").replace("Ё", "Йо"), latin=True),
    }
    return {
        part
        for spelling in spellings
        for part in re.split(r"[\s\-,.]+", spelling)
        if len(part) >= _MIN_PART and part not in _COMMON_PARTS
    }


def _all_parts(name: str, *, latin: bool) -> list[str]:
    return [p for p in re.split(r"[\s\-,.]+", fold(name, latin=latin)) if p]


def _marked(word: str) -> str:
    """A word as written, for comparing its diacritics: lower case, composed (a ligature or a
    full-width letter as its plain letters), no apostrophes."""
    return "".join(c for c in unicodedata.normalize("NFKC", word.lower()) if c not in _APOSTROPHES)


def _written_parts(names: list[str]) -> dict[str, set[str]]:
    """Each name part as written (with its diacritics), by its folded form."""
    written: dict[str, set[str]] = {}
    for name in names:
        for part in re.split(r"[\s\-,.]+", name):
            if part:
                written.setdefault(fold(part), set()).add(_marked(part))
    return written


def _another_word(span: str, written: dict[str, set[str]]) -> bool:
    """A word typed with diacritics other than the name's is another word: in Vietnamese the
    tone marks make the word, so "nguyên bào" (-blastoma) is not the name Bảo. Typed
    without diacritics ("Bao"), it may be the name, and is flagged."""
    marked = _marked(span)
    if fold(span) == marked:
        return False
    spellings = written.get(fold(span))
    return spellings is not None and marked not in spellings


def _find_names(folded: list[_Folded], ids: Identifiers) -> list[str]:
    """The whole name (its words next to each other, in any order, short ones included),
    and each distinctive part alone, except parts the writer's own name shares: Dr Nguyễn
    signing her message is not her patient Nguyễn Văn An."""
    names = [n for n in (ids.name, *ids.extra_names) if n.strip()]
    own = set()
    for name in ids.writer_names:
        own |= _name_parts(name)
    parts: set[str] = set()
    for name in names:
        parts |= _name_parts(name) - own
    written = _written_parts(names)
    found: list[str] = []
    for text in folded:
        words = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+", text.text)]
        for name in names:
            for latin in (False, True):
                whole = sorted(_all_parts(name, latin=latin))
                n = len(whole)
                if n < 2:
                    continue
                for k in range(len(words) - n + 1):
                    window = words[k : k + n]
                    if sorted(w for w, _s, _e in window) == whole:
                        found.append(text.span(window[0][1], window[-1][2]))
        if parts:
            alternatives = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
            for match in re.finditer(rf"(?<![\w])({alternatives})(?![\w])", text.text):
                span = text.span(match.start(), match.end())
                if _another_word(span, written):
                    continue
                if not any(span in whole for whole in found):
                    found.append(span)
    return found


def _find_number(folded: _Folded, number: str) -> list[str]:
    chars = [c for c in fold(number) if c.isalnum()]
    if len(chars) < 4:
        return []
    patterns = [r"[\s\-/._]*".join(re.escape(c) for c in chars)]
    digits = max(re.findall(r"\d+", number) or [""], key=len)
    if len(digits) >= 5:
        patterns.append(re.escape(digits))
    for pattern in patterns:  # the whole number first; its digits alone only without it
        found = [
            folded.span(match.start(), match.end())
            for match in re.finditer(rf"(?<![0-9a-z])(?:{pattern})(?![0-9a-z])", folded.text)
        ]
        if found:
            return found
    return []


def _year(value: str) -> int | None:
    number = int(value)
    if len(value) == 4:
        return number
    if len(value) == 2:
        return number  # compared with the birth year's last two digits
    return None


def _same_day(birth: datetime.date, year: str, month: int, day: int) -> bool:
    y = _year(year)
    if y is None or (month, day) != (birth.month, birth.day):
        return False
    return y == birth.year if len(year) == 4 else y == birth.year % 100


def _find_dates(folded: _Folded, birth: datetime.date) -> list[str]:
    text = folded.text
    found = []
    for match in _NUMERIC_DATE.finditer(text):
        a, _sep, b, c = match.groups()
        b_int = int(b)
        hits = False
        if len(a) == 4:  # 2019-03-07 (year first is always followed by month, day)
            hits = _same_day(birth, a, b_int, int(c)) if len(c) <= 2 else False
        elif len(c) in (2, 4):  # 07/03/2019 or 3/7/2019: either order of day and month
            hits = _same_day(birth, c, b_int, int(a)) or _same_day(birth, c, int(a), b_int)
        if hits:
            found.append(folded.span(match.start(), match.end()))
    for match in _NAMED_DATE.finditer(text):
        g = match.groups()
        if g[0]:
            day, month, year = int(g[0]), _MONTHS[g[1]], g[2]
        elif g[3]:
            day, month, year = int(g[4]), _MONTHS[g[3]], g[5]
        else:
            day, month, year = int(g[6]), int(g[7]), g[8]
        if _same_day(birth, year, month, day):
            found.append(folded.span(match.start(), match.end()))
    return found


def find_identifiers(texts: Mapping[str, str], ids: Identifiers) -> list[Finding]:
    """Every identifier of ``ids`` found in the ``texts`` (field name → text)."""
    findings: list[Finding] = []
    for field_name, text in texts.items():
        if not text:
            continue
        plain, latin = _Folded(text), _Folded(text, latin=True)
        found = [("name", value) for value in _find_names([plain, latin], ids)]
        if ids.hospital_number:
            found += [("hospital_number", v) for v in _find_number(plain, ids.hospital_number)]
        if ids.birth_date:
            # In Latin letters too: "7 марта 2019" is found as "7 marta 2019".
            for folded in (plain, latin):
                found += [("birth_date", v) for v in _find_dates(folded, ids.birth_date)]
        for kind, value in dict.fromkeys(found):
            findings.append(Finding(field_name, kind, value))
    return findings


def describe(finding: Finding) -> str:
    kind = {
        "name": _("the patient's name"),
        "hospital_number": _("the patient's hospital number"),
        "birth_date": _("the patient's date of birth"),
    }[finding.kind]
    return _("“%(found)s” looks like %(kind)s.") % {"found": finding.found, "kind": kind}


def check_free_text(patient, texts: Mapping[str, str], *, writer=None) -> None:
    """Refuse text that carries the patient's identifiers, naming what was found in each
    field, so the writer can remove it; the partner must never receive it."""
    writer_names = (writer.full_name,) if getattr(writer, "full_name", "") else ()
    findings = find_identifiers(texts, Identifiers.of_patient(patient, writer_names=writer_names))
    if not findings:
        return
    errors: dict[str, list[str]] = {}
    for finding in findings:
        errors.setdefault(finding.field, []).append(
            describe(finding)
            + " "
            + _(
                "Identifiers must not leave the hospital: remove it, or write the pseudonym "
                "or the age instead."
            )
        )
    raise ValidationError(errors)
