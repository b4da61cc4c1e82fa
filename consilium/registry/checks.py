"""The data-quality checks a cancer registry runs on each diagnosis, adapted to children.

They follow the consistency checks of the IARC/IACR tools (IARCcrgTools "CHECK": Ferlay J,
Burkhard C, Whelan S, Parkin DM. Check and conversion programs for cancer registries. IARC
Technical Report 42, 2005) and the ENCR recommendations on data quality: completeness of the
core items, validity of each code, order of dates, and the combinations that are impossible
(ERROR) or unlikely enough to be verified (WARNING) — age with morphology, sex with site, site
with morphology, behaviour with site and morphology, basis of diagnosis with morphology — plus
what a paediatric registry adds: the ICCC-3 group, the Toronto stage and follow-up.

Every check is a pure function of :class:`DiagnosisFacts` returning exactly one
:class:`CheckResult`, at level OK when nothing is wrong or when the check does not apply. A
check that needs a field which is missing or invalid stays OK: the completeness and validity
checks report that field once, instead of every check after them reporting it again. The
clinical knowledge is in the tables (``_AGE_RULES``, ``_SITE_RULES`` …), not in the functions.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from gettext import GNUTranslations
from pathlib import Path
from typing import Any

from django.db import models
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consilium.registry import iccc, toronto
from consilium.registry.codes import (
    is_valid_topography,
    normalise_behaviour,
    normalise_histology,
    normalise_site,
)

__all__ = ["CHECKS", "CheckResult", "DiagnosisFacts", "Level", "run_all", "worst_level"]

StrOrPromise = str | Promise


class Level(models.TextChoices):
    OK = "ok", _("OK")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")


_SEVERITY = {Level.OK: 0, Level.WARNING: 1, Level.ERROR: 2}

SEXES = frozenset({"male", "female", "unknown"})
VITAL_STATUSES = frozenset({"alive", "dead", "unknown"})
# IARC/ENCR basis of diagnosis: 0 death certificate only, 1 clinical, 2 clinical investigation,
# 4 specific tumour markers, 5 cytology, 6 histology of a metastasis, 7 histology of a primary,
# 9 unknown. 3 is unused since ICD-O-3 (it was "exploratory surgery/autopsy").
BASES = frozenset({0, 1, 2, 4, 5, 6, 7, 9})
NON_MICROSCOPIC_BASES = frozenset({1, 2, 4})
BEHAVIOURS = frozenset({0, 1, 2, 3, 6, 9})


@dataclass(frozen=True, slots=True)
class CheckResult:
    code: str
    level: Level
    message: StrOrPromise = ""
    field: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosisFacts:
    """What the checks need to know about one tumour, as plain values (no model instances)."""

    today: datetime.date
    sex: str = ""
    birth_date: datetime.date | None = None
    diagnosis_date: datetime.date | None = None
    site: str = ""
    histology: str = ""
    behaviour: str = ""
    grade: str = ""
    basis_of_diagnosis: str = ""
    stage_tumour: str = ""
    stage_tier: int | None = None
    stage_value: str = ""
    event_dates: tuple[datetime.date, ...] = ()
    last_contact: datetime.date | None = None
    vital_status: str = "unknown"

    @property
    def age_years(self) -> int | None:
        """Completed years at diagnosis, as registries count age; None if it cannot be known."""
        birth, diagnosis = self.birth_date, self.diagnosis_date
        if birth is None or diagnosis is None or birth > diagnosis:
            return None
        before_birthday = (diagnosis.month, diagnosis.day) < (birth.month, birth.day)
        return diagnosis.year - birth.year - before_birthday


CheckFn = Callable[[DiagnosisFacts], CheckResult]
CHECKS: dict[str, CheckFn] = {}
"""Every check by code, in the order :func:`run_all` runs them."""
# The same checks' finders (None when all is well): run_all calls these, so that an import's
# 100,000 rows do not build a result for each of the two dozen checks that pass.
_FINDERS: dict[str, Callable[[DiagnosisFacts], _Problem | None]] = {}


def run_all(facts: DiagnosisFacts) -> list[CheckResult]:
    """The problems found in ``facts`` (OK results are left out), in :data:`CHECKS` order."""
    results = []
    for code, find in _FINDERS.items():
        problem = find(facts)
        if problem is not None and problem.level != Level.OK:
            results.append(
                CheckResult(
                    code=code, level=problem.level, message=problem.message, field=problem.field
                )
            )
    return results


def worst_level(results: Iterable[CheckResult]) -> Level:
    return max((result.level for result in results), key=_SEVERITY.__getitem__, default=Level.OK)


# Helpers ------------------------------------------------------------------------------------


def _interpolate(message: StrOrPromise, params: Mapping[str, Any]) -> str:
    values = {
        key: ", ".join(str(item) for item in value)
        if isinstance(value, list | tuple)
        else str(value)
        for key, value in params.items()
    }
    return str(message) % values


def reader_message(stored: str) -> str:
    """A finding saved earlier (in the language of whoever or whatever ran the check), in the
    reader's language: the saved text is matched against the catalogue's messages and its
    values put into the translation. Text that matches none is shown as saved."""
    if not stored:
        return stored
    plain = gettext(stored)
    if plain != stored:
        return plain
    for pattern, msgid, numbers in _candidates(stored):
        found = pattern.fullmatch(stored)
        if found:
            # A value that is itself a message (a tumour's label) is put in the reader's
            # language too.
            values: dict[str, Any] = {k: gettext(v) for k, v in found.groupdict().items()}
            for name in numbers:
                values[name] = int(values[name])
            return gettext(msgid) % values
    return stored


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
# Patterns are looked up by the first characters of their fixed start: an import's page
# shows up to fifty stored problems, each matched against a few, not against hundreds.
_KEY = 4
_MIN_FIXED = 8

Pattern = tuple[re.Pattern[str], str, tuple[str, ...]]


def _candidates(stored: str) -> list[Pattern]:
    short, by_start = _message_patterns()
    return by_start.get(stored[:_KEY], []) + short


@functools.cache
def _message_patterns() -> tuple[list[Pattern], dict[str, list[Pattern]]]:
    """The catalogue's messages with placeholders as patterns: those whose fixed start is
    shorter than the key (tried for every text), and the others by their start."""
    # Every catalogue holds every msgid; French is one that always ships.
    path = Path(__file__).resolve().parents[1] / "locale/fr/LC_MESSAGES/django.mo"
    try:
        with path.open("rb") as file:
            msgids = [m for m in GNUTranslations(file)._catalog if isinstance(m, str)]
    except OSError:
        return [], {}
    short: list[Pattern] = []
    by_start: dict[str, list[Pattern]] = {}
    for msgid in msgids:
        if "%(" not in msgid:
            continue
        parts = _PLACEHOLDER.split(msgid)
        names = parts[1::3]
        if len(parts) < 4 or len(set(names)) != len(names):
            continue
        regex = ""
        for i in range(0, len(parts), 3):
            regex += re.escape(parts[i])
            if i + 1 < len(parts):
                name, kind = parts[i + 1], parts[i + 2]
                regex += f"(?P<{name}>-?\\d+)" if kind == "d" else f"(?P<{name}>.+?)"
        numbers = tuple(parts[i + 1] for i in range(0, len(parts) - 1, 3) if parts[i + 2] == "d")
        fixed = len("".join(parts[0::3]))
        if fixed < _MIN_FIXED:
            continue  # "%(label)s: %(value)s" would claim any text with a colon
        entry = (re.compile(regex, re.DOTALL), msgid, numbers, fixed)
        if len(parts[0]) >= _KEY:
            by_start.setdefault(parts[0][:_KEY], []).append(entry)
        else:
            short.append(entry)
    # The most specific message first: the one with the most fixed text.
    for entries in (short, *by_start.values()):
        entries.sort(key=lambda entry: -entry[3])
    return [e[:3] for e in short], {k: [e[:3] for e in v] for k, v in by_start.items()}


# `_("…") % {…}` would translate at once, in whatever language is active when the check runs
# (a bulk import in a task has none); this keeps the message lazy until someone reads it.
_lazy_interpolate = lazy(_interpolate, str)


def _codes(spec: str) -> frozenset[int]:
    """``"C700-C729,C751-C753"`` or ``"9470-9472,9474"`` as a set of numbers (IARC notation)."""
    numbers: set[int] = set()
    for item in spec.split(","):
        low, _sep, high = item.strip().removeprefix("C").partition("-")
        numbers.update(range(int(low), int(high.removeprefix("C") or low) + 1))
    return frozenset(numbers)


# Each code is read by several checks, for every row of an import: parse each spelling once.
# Bounded, so a file of 100,000 different typos cannot grow it.
@functools.lru_cache(maxsize=2048)
def _site_number(site: str) -> int | None:
    code = normalise_site(site)
    return int(code[1:]) if code is not None and is_valid_topography(code) else None


@functools.lru_cache(maxsize=2048)
def _histology_number(histology: str) -> int | None:
    code = normalise_histology(histology)
    return int(code) if code is not None and 8000 <= int(code) <= 9993 else None


@functools.lru_cache(maxsize=64)
def _behaviour_number(behaviour: str) -> int | None:
    code = normalise_behaviour(behaviour)
    return int(code) if code is not None and int(code) in BEHAVIOURS else None


def _site(facts: DiagnosisFacts) -> int | None:
    return _site_number(facts.site) if isinstance(facts.site, str) else None


def _histology(facts: DiagnosisFacts) -> int | None:
    return _histology_number(facts.histology) if isinstance(facts.histology, str) else None


def _behaviour(facts: DiagnosisFacts) -> int | None:
    return _behaviour_number(facts.behaviour) if isinstance(facts.behaviour, str) else None


def _basis(facts: DiagnosisFacts) -> int | None:
    code = facts.basis_of_diagnosis.strip()
    if not (len(code) == 1 and code.isascii() and code.isdigit()):
        return None
    return int(code) if int(code) in BASES else None


def _display_site(number: int) -> str:
    return f"C{number // 10:02d}.{number % 10}"


def _one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True, slots=True)
class _Problem:
    level: Level
    message: StrOrPromise
    field: str


def _check(code: str) -> Callable[[Callable[[DiagnosisFacts], _Problem | None]], CheckFn]:
    """Register a finder (None when all is well) as the check ``code``."""

    def register(find: Callable[[DiagnosisFacts], _Problem | None]) -> CheckFn:
        def check(facts: DiagnosisFacts) -> CheckResult:
            problem = find(facts)
            if problem is None:
                return CheckResult(code=code, level=Level.OK)
            return CheckResult(
                code=code, level=problem.level, message=problem.message, field=problem.field
            )

        check.__name__ = check.__qualname__ = f"check_{code}"
        check.__doc__ = find.__doc__
        if code in CHECKS:
            raise ValueError(f"duplicate check code {code!r}")
        CHECKS[code] = check
        _FINDERS[code] = find
        return check

    return register


# Completeness -------------------------------------------------------------------------------

_CORE_FIELDS: tuple[tuple[str, StrOrPromise], ...] = (
    ("sex", _("sex")),
    ("birth_date", _("date of birth")),
    ("diagnosis_date", _("date of diagnosis")),
    ("site", _("topography")),
    ("histology", _("morphology")),
    ("behaviour", _("behaviour")),
    ("basis_of_diagnosis", _("basis of diagnosis")),
)


@_check("core_missing")
def _core_missing(facts: DiagnosisFacts) -> _Problem | None:
    """The items every registry must hold for every tumour."""
    missing = [
        (name, label)
        for name, label in _CORE_FIELDS
        if getattr(facts, name) is None or getattr(facts, name) == ""
    ]
    if not missing:
        return None
    message = _lazy_interpolate(
        _("Required for every tumour, missing: %(fields)s."),
        {"fields": [label for _name, label in missing]},
    )
    return _Problem(Level.ERROR, message, missing[0][0])


# Validity of each code ----------------------------------------------------------------------


def _is_digit_in(allowed: Iterable[int]) -> Callable[[str], bool]:
    allowed = frozenset(allowed)
    return lambda value: (
        len(value) == 1 and value.isascii() and value.isdigit() and (int(value) in allowed)
    )


def _is_histology(value: str) -> bool:
    code = normalise_histology(value)
    return code is not None and 8000 <= int(code) <= 9993


_VALIDITY: tuple[tuple[str, str, Callable[[str], bool], StrOrPromise], ...] = (
    ("sex_invalid", "sex", SEXES.__contains__, _("Sex must be male, female or unknown.")),
    (
        "site_invalid",
        "site",
        is_valid_topography,
        _("The topography is not an ICD-O-3 code (C00.0 to C80.9, e.g. C64.9)."),
    ),
    (
        "histology_invalid",
        "histology",
        _is_histology,
        _("The morphology must be four digits from 8000 to 9993, without the behaviour."),
    ),
    (
        "behaviour_invalid",
        "behaviour",
        _is_digit_in(BEHAVIOURS),
        _("The behaviour must be 0, 1, 2, 3, 6 or 9."),
    ),
    ("grade_invalid", "grade", _is_digit_in(range(1, 10)), _("The grade must be 1 to 9.")),
    (
        "basis_invalid",
        "basis_of_diagnosis",
        _is_digit_in(BASES),
        _("The basis of diagnosis must be 0, 1, 2, 4, 5, 6, 7 or 9."),
    ),
    (
        "vital_status_invalid",
        "vital_status",
        VITAL_STATUSES.__contains__,
        _("Vital status must be alive, dead or unknown."),
    ),
)


def _register_validity(
    code: str, field: str, valid: Callable[[str], bool], message: StrOrPromise
) -> None:
    @_check(code)
    def _invalid(facts: DiagnosisFacts) -> _Problem | None:
        value = getattr(facts, field).strip()
        # Empty is the completeness check's business (or, for grade, simply not recorded).
        if value == "" or valid(value):
            return None
        return _Problem(Level.ERROR, message, field)


for _validity in _VALIDITY:
    _register_validity(*_validity)


def invalid_code(field: str, value: str) -> StrOrPromise | None:
    """The code-validity check's message for one field's value (``site``, ``histology``,
    ``behaviour``…), None when it is valid: for callers that hold a code but no record."""
    for _code, name, valid, message in _VALIDITY:
        if name == field:
            return None if valid(value.strip()) else message
    raise ValueError(f"no validity check for {field!r}")


# Grade 5-8 say which cell lineage a lymphoma or leukaemia comes from; on anything else they are
# a miscoding of a differentiation grade (IARC CHECK, morphology/grade).
_LINEAGE_GRADES = frozenset({5, 6, 7, 8})
_HAEMATOLYMPHOID = _codes("9590-9992")


@_check("grade_morphology")
def _grade_morphology(facts: DiagnosisFacts) -> _Problem | None:
    """Cell-lineage grades (5-8) only for lymphomas and leukaemias."""
    histology = _histology(facts)
    grade = facts.grade.strip()
    if histology is None or not _is_digit_in(_LINEAGE_GRADES)(grade):
        return None
    if histology in _HAEMATOLYMPHOID:
        return None
    return _Problem(
        Level.ERROR,
        _("Grades 5 to 8 (T, B, null or NK cell) apply only to lymphomas and leukaemias."),
        "grade",
    )


# Dates --------------------------------------------------------------------------------------


@_check("date_in_future")
def _date_in_future(facts: DiagnosisFacts) -> _Problem | None:
    """No date after today."""
    dated: list[tuple[str, datetime.date | None]] = [
        ("birth_date", facts.birth_date),
        ("diagnosis_date", facts.diagnosis_date),
        *(("event_dates", day) for day in facts.event_dates),
        ("last_contact", facts.last_contact),
    ]
    for field, day in dated:
        if day is not None and day > facts.today:
            message = _lazy_interpolate(_("%(date)s is in the future."), {"date": day.isoformat()})
            return _Problem(Level.ERROR, message, field)
    return None


@_check("date_order")
def _date_order(facts: DiagnosisFacts) -> _Problem | None:
    """Birth, then diagnosis, then every event, then the last contact."""
    pairs: list[tuple[str, datetime.date | None, str, datetime.date | None, StrOrPromise]] = [
        (
            "birth_date",
            facts.birth_date,
            "diagnosis_date",
            facts.diagnosis_date,
            _("The date of diagnosis is before the date of birth."),
        ),
        *(
            (
                "diagnosis_date",
                facts.diagnosis_date,
                "event_dates",
                day,
                _("A follow-up event is dated before the diagnosis."),
            )
            for day in facts.event_dates
        ),
        *(
            (
                "event_dates",
                day,
                "last_contact",
                facts.last_contact,
                _("The last contact is before a follow-up event."),
            )
            for day in facts.event_dates
        ),
        (
            "diagnosis_date",
            facts.diagnosis_date,
            "last_contact",
            facts.last_contact,
            _("The last contact is before the diagnosis."),
        ),
    ]
    for _first, earlier, second, later, message in pairs:
        if earlier is not None and later is not None and earlier > later:
            return _Problem(Level.ERROR, message, second)
    return None


# Age and morphology -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AgeRule:
    tumour: StrOrPromise
    histologies: frozenset[int]
    sites: frozenset[int] | None = None
    at_least: int | None = None
    """Unusual from this age (completed years) on."""
    under: int | None = None
    """Unusual below this age."""


# Embryonal tumours are tumours of early childhood; carcinomas of adult organs almost never occur
# in young children. Either usually means a wrong date of birth or a wrong morphology code.
_ADULT_CARCINOMAS = _codes("8010,8041,8046,8070-8078,8140,8144,8480-8490,8500,8520")
_ADULT_CARCINOMA_SITES = _codes(
    "C000-C069,C150-C169,C180-C209,C250-C259,C320-C349,C500-C509,C530-C549,C619,C670-C679"
)
_AGE_RULES: tuple[_AgeRule, ...] = (
    _AgeRule(_("Retinoblastoma"), _codes("9510-9514"), at_least=6),
    _AgeRule(_("Neuroblastoma"), _codes("9490,9500"), at_least=15),
    _AgeRule(_("Nephroblastoma"), _codes("8959-8960"), at_least=15),
    _AgeRule(_("Hepatoblastoma"), _codes("8970"), at_least=15),
    _AgeRule(_("Medulloblastoma"), _codes("9470-9472,9474-9477"), at_least=15),
    _AgeRule(_("Pleuropulmonary blastoma"), _codes("8973"), at_least=15),
    _AgeRule(_("An adult-type carcinoma"), _ADULT_CARCINOMAS, _ADULT_CARCINOMA_SITES, under=10),
)


@_check("age_morphology")
def _age_morphology(facts: DiagnosisFacts) -> _Problem | None:
    """Tumours of early childhood at an older age, adult carcinomas in young children."""
    age, histology, site = facts.age_years, _histology(facts), _site(facts)
    if age is None or histology is None:
        return None
    for rule in _AGE_RULES:
        if histology not in rule.histologies:
            continue
        if rule.sites is not None and (site is None or site not in rule.sites):
            continue
        too_old = rule.at_least is not None and age >= rule.at_least
        too_young = rule.under is not None and age < rule.under
        if too_old or too_young:
            message = _lazy_interpolate(
                _(
                    "%(tumour)s at %(age)s years is unusual: check the date of birth and the"
                    " morphology."
                ),
                {"tumour": rule.tumour, "age": age},
            )
            return _Problem(Level.WARNING, message, "histology")
    return None


# Sex and site -------------------------------------------------------------------------------

_SEX_SITE_RULES: tuple[tuple[str, frozenset[int], StrOrPromise], ...] = (
    ("female", _codes("C600-C639"), _("A male genital site (C60-C63) is recorded for a girl.")),
    ("male", _codes("C510-C589"), _("A female genital site (C51-C58) is recorded for a boy.")),
)


@_check("sex_site")
def _sex_site(facts: DiagnosisFacts) -> _Problem | None:
    """Genital organs of the other sex."""
    site = _site(facts)
    if site is None:
        return None
    for sex, sites, message in _SEX_SITE_RULES:
        if facts.sex == sex and site in sites:
            return _Problem(Level.ERROR, message, "site")
    return None


# Site and morphology ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SiteRule:
    tumour: StrOrPromise
    histologies: frozenset[int]
    sites: frozenset[int]
    expected: str
    level: Level


# ERROR where the tumour exists only in one organ by definition; WARNING where it has rare
# extra-organ forms (extrarenal Wilms tumour, extraskeletal osteosarcoma, ectopic thyroid…).
_LEUKAEMIAS = _codes(
    "9800-9801,9805-9809,9820,9826,9832-9836,9840,9860-9861,9863,9865-9867,9869-9876,9891,"
    "9895-9898,9910-9912,9920,9931,9940,9945-9948,9963-9964"
)
_SITE_RULES: tuple[_SiteRule, ...] = (
    _SiteRule(_("Retinoblastoma"), _codes("9510-9514"), _codes("C692"), "C69.2", Level.ERROR),
    _SiteRule(_("Hepatoblastoma"), _codes("8970"), _codes("C220"), "C22.0", Level.ERROR),
    _SiteRule(_("Nephroblastoma"), _codes("8959-8960"), _codes("C649"), "C64.9", Level.WARNING),
    _SiteRule(
        _("Medulloblastoma"),
        _codes("9470-9472,9474-9477"),
        _codes("C716"),
        "C71.6",
        Level.WARNING,
    ),
    _SiteRule(_("Pineoblastoma"), _codes("9362"), _codes("C753"), "C75.3", Level.WARNING),
    _SiteRule(
        _("Osteosarcoma"),
        _codes("9180-9187,9191-9195"),
        _codes("C400-C419"),
        "C40-C41",
        Level.WARNING,
    ),
    _SiteRule(_("Leukaemia"), _LEUKAEMIAS, _codes("C420,C421,C424"), "C42.1", Level.WARNING),
    _SiteRule(
        _("Thyroid carcinoma"),
        _codes("8335-8337,8340-8347,8350"),
        _codes("C739"),
        "C73.9",
        Level.WARNING,
    ),
    _SiteRule(
        _("Adrenocortical carcinoma"), _codes("8370"), _codes("C740,C749"), "C74.0", Level.WARNING
    ),
)


@_check("site_morphology")
def _site_morphology(facts: DiagnosisFacts) -> _Problem | None:
    """Tumours that belong to one organ, recorded elsewhere."""
    site, histology = _site(facts), _histology(facts)
    if site is None or histology is None:
        return None
    for rule in _SITE_RULES:
        if histology in rule.histologies and site not in rule.sites:
            message = _lazy_interpolate(
                _("%(tumour)s is expected at %(expected)s, not %(site)s."),
                {"tumour": rule.tumour, "expected": rule.expected, "site": _display_site(site)},
            )
            return _Problem(rule.level, message, "site")
    return None


# Behaviour ----------------------------------------------------------------------------------

_INTRACRANIAL_INTRASPINAL = _codes("C700-C729,C751-C753")


@_check("behaviour_site")
def _behaviour_site(facts: DiagnosisFacts) -> _Problem | None:
    """Benign and uncertain tumours are registered only inside the skull and spine."""
    site, behaviour = _site(facts), _behaviour(facts)
    if site is None or behaviour not in (0, 1) or site in _INTRACRANIAL_INTRASPINAL:
        return None
    return _Problem(
        Level.WARNING,
        _(
            "Benign and uncertain tumours are registered only in the central nervous system"
            " (C70-C72, C75.1-C75.3); this one has no ICCC group."
        ),
        "behaviour",
    )


@dataclass(frozen=True, slots=True)
class _BehaviourRule:
    histologies: frozenset[int] | None
    """None for every morphology."""
    behaviours: frozenset[int]
    level: Level
    message: StrOrPromise


_BEHAVIOUR_RULES: tuple[_BehaviourRule, ...] = (
    _BehaviourRule(
        _HAEMATOLYMPHOID,
        frozenset({2}),
        Level.ERROR,
        _("Leukaemias and lymphomas cannot be in situ (behaviour 2)."),
    ),
    _BehaviourRule(
        _codes("8800-8921,8959-8991,9040-9044,9120-9133,9180-9260,9364-9365,9470-9514"),
        frozenset({2}),
        Level.ERROR,
        _("Sarcomas and embryonal tumours cannot be in situ (behaviour 2)."),
    ),
    _BehaviourRule(
        None,
        frozenset({6, 9}),
        Level.WARNING,
        _("Register the primary tumour with behaviour 3, not a metastasis (6 or 9)."),
    ),
)


@_check("behaviour_morphology")
def _behaviour_morphology(facts: DiagnosisFacts) -> _Problem | None:
    """Behaviours a morphology cannot have."""
    histology, behaviour = _histology(facts), _behaviour(facts)
    if histology is None or behaviour is None:
        return None
    for rule in _BEHAVIOUR_RULES:
        in_scope = rule.histologies is None or histology in rule.histologies
        if in_scope and behaviour in rule.behaviours:
            return _Problem(rule.level, rule.message, "behaviour")
    return None


# Basis of diagnosis -------------------------------------------------------------------------


@_check("death_certificate_only")
def _death_certificate_only(facts: DiagnosisFacts) -> _Problem | None:
    """A DCO case must be traced back to a hospital record."""
    if _basis(facts) != 0:
        return None
    return _Problem(
        Level.WARNING,
        _("Death certificate only: trace the tumour back to a hospital record."),
        "basis_of_diagnosis",
    )


@dataclass(frozen=True, slots=True)
class _WithoutMicroscopy:
    histologies: frozenset[int]
    sites: frozenset[int] | None
    bases: frozenset[int]


# Tumours that paediatric oncology legitimately diagnoses without microscopy: retinoblastoma by
# fundoscopy, secreting tumours by their markers (catecholamines, AFP, hCG), and brain-stem or
# optic-pathway gliomas and craniopharyngiomas on imaging, where biopsy is often not done.
_WITHOUT_MICROSCOPY: tuple[_WithoutMicroscopy, ...] = (
    _WithoutMicroscopy(_codes("9510-9514"), None, frozenset({1, 2})),
    _WithoutMicroscopy(_codes("9490,9500"), None, frozenset({4})),
    _WithoutMicroscopy(_codes("8970"), None, frozenset({4})),
    _WithoutMicroscopy(_codes("9060-9085,9100-9105"), None, frozenset({4})),
    _WithoutMicroscopy(_codes("9380-9385,9400-9460"), _INTRACRANIAL_INTRASPINAL, frozenset({2})),
    _WithoutMicroscopy(_codes("9350-9352"), _INTRACRANIAL_INTRASPINAL, frozenset({2})),
)
# Morphologies that say no more than "malignant tumour": no microscopy is implied.
_UNSPECIFIC = _codes("8000-8005")


@_check("basis_morphology")
def _basis_morphology(facts: DiagnosisFacts) -> _Problem | None:
    """A specific morphology needs a microscopic basis, except where markers or imaging suffice."""
    histology, basis, site = _histology(facts), _basis(facts), _site(facts)
    if histology is None or basis not in NON_MICROSCOPIC_BASES or histology in _UNSPECIFIC:
        return None
    for allowed in _WITHOUT_MICROSCOPY:
        if (
            histology in allowed.histologies
            and basis in allowed.bases
            and (allowed.sites is None or (site is not None and site in allowed.sites))
        ):
            return None
    return _Problem(
        Level.WARNING,
        _(
            "A specific morphology is recorded without microscopic confirmation: check the basis"
            " of diagnosis, or code the morphology as 8000."
        ),
        "basis_of_diagnosis",
    )


# ICCC-3 and Toronto stage -------------------------------------------------------------------


def _coded(facts: DiagnosisFacts) -> tuple[str, str, str] | None:
    """Site, histology and behaviour when all three are valid, else None."""
    if _site(facts) is None or _histology(facts) is None or _behaviour(facts) is None:
        return None
    return facts.site, facts.histology, facts.behaviour


@_check("iccc_unclassifiable")
def _iccc_unclassifiable(facts: DiagnosisFacts) -> _Problem | None:
    """Valid codes that the ICCC-3 table cannot place."""
    coded = _coded(facts)
    if coded is None:
        return None
    if _behaviour(facts) in (0, 1) and _site(facts) not in _INTRACRANIAL_INTRASPINAL:
        return None  # behaviour_site already explains it.
    if iccc.classify(*coded).classified:
        return None
    return _Problem(
        Level.WARNING,
        _("This combination of site, morphology and behaviour has no ICCC-3 group (999)."),
        "histology",
    )


def _expected_tumour(facts: DiagnosisFacts) -> toronto.TorontoTumour | None:
    coded = _coded(facts)
    if coded is None:
        return None
    result = iccc.classify(*coded)
    return toronto.tumour_for(result.recode, facts.histology, facts.site)


# Django builds Choices.values anew on each access; these run for every imported row.
_TUMOURS = frozenset(toronto.TorontoTumour.values)
_TIERS = frozenset(toronto.Tier.values)


@_check("stage_invalid")
def _stage_invalid(facts: DiagnosisFacts) -> _Problem | None:
    """A Toronto stage names its tumour type and tier and uses one of their values."""
    if not facts.stage_value.strip():
        return None
    if facts.stage_tumour not in _TUMOURS:
        return _Problem(Level.ERROR, _("A stage needs its Toronto tumour type."), "stage_tumour")
    if facts.stage_tier not in _TIERS:
        return _Problem(Level.ERROR, _("A stage needs its Toronto tier (1 or 2)."), "stage_tier")
    tumour = toronto.TorontoTumour(facts.stage_tumour)
    if toronto.is_allowed(tumour, facts.stage_tier, facts.stage_value):
        return None
    message = _lazy_interpolate(
        _("“%(value)s” is not a tier %(tier)s stage of %(tumour)s; use one of %(allowed)s."),
        {
            "value": facts.stage_value.strip(),
            "tier": facts.stage_tier,
            "tumour": tumour.label,
            "allowed": toronto.allowed_stages(tumour, facts.stage_tier),
        },
    )
    return _Problem(Level.ERROR, message, "stage_value")


@_check("stage_tumour")
def _stage_tumour(facts: DiagnosisFacts) -> _Problem | None:
    """The stage is for the tumour type the diagnosis codes say."""
    if facts.stage_tumour not in _TUMOURS or _coded(facts) is None:
        return None
    expected = _expected_tumour(facts)
    if expected is None:
        return _Problem(
            Level.WARNING,
            _("The Toronto guidelines do not stage this diagnosis."),
            "stage_tumour",
        )
    if expected == facts.stage_tumour:
        return None
    message = _lazy_interpolate(
        _("The diagnosis is staged as %(expected)s, not %(recorded)s."),
        {
            "expected": expected.label,
            "recorded": toronto.TorontoTumour(facts.stage_tumour).label,
        },
    )
    return _Problem(Level.ERROR, message, "stage_tumour")


@_check("stage_missing")
def _stage_missing(facts: DiagnosisFacts) -> _Problem | None:
    """Stage completeness is a registry quality indicator for the Toronto tumours."""
    if facts.stage_value.strip():
        return None
    expected = _expected_tumour(facts)
    if expected is None:
        return None
    message = _lazy_interpolate(
        _("%(tumour)s is staged by the Toronto guidelines: record the stage."),
        {"tumour": expected.label},
    )
    return _Problem(Level.WARNING, message, "stage_value")


# Follow-up ----------------------------------------------------------------------------------


@_check("follow_up_stale")
def _follow_up_stale(facts: DiagnosisFacts) -> _Problem | None:
    """A child recorded alive must have been seen in the last 12 months, or survival is biased."""
    if facts.vital_status != "alive":
        return None
    seen = facts.last_contact or facts.diagnosis_date
    if seen is None or seen > facts.today or _one_year_after(seen) >= facts.today:
        return None
    message = _lazy_interpolate(
        _("No contact since %(date)s: update the follow-up."), {"date": seen.isoformat()}
    )
    return _Problem(Level.WARNING, message, "last_contact")
