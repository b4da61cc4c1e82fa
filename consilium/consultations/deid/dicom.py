"""De-identification of DICOM files on arrival.

Implements the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile with the
Retain Patient Characteristics Option (113108) and, when a date shift is given, the Retain
Longitudinal Temporal Information with Modified Dates Option (113107). The attribute table is a
curated subset of Table E.1-1 (about 180 of its ~600 rows, see ``dicom_profile``), backed by
rules that catch what the table does not name: private attributes, curves, overlays and
attributes unknown to the DICOM dictionary are removed; so are any other person names (PN) and
AE titles; other dates are emptied (or shifted); other instance UIDs are replaced.

Not done: pixel data is not cleaned (no Clean Pixel Data Option, 113101), so burned-in text
stays; such files are flagged for the sender to check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO

import pydicom
from django.utils.translation import gettext_lazy as _
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, UID_dictionary

from .dicom_profile import ACTIONS
from .dicom_read import read_dicom
from .errors import UnsupportedDicomError
from .limits import DEFAULT_MAX_DICOM_BYTES
from .result import DeidResult, Kind

BASIC_PROFILE = ("113100", "Basic Application Confidentiality Profile")
MODIFIED_DATES_OPTION = ("113107", "Retain Longitudinal Temporal Information Modified Dates Option")
PATIENT_CHARACTERISTICS_OPTION = ("113108", "Retain Patient Characteristics Option")

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
ENCAPSULATED_DOCUMENT_PREFIX = "1.2.840.10008.5.1.4.1.1.104."
# Modalities whose pixels commonly carry burned-in names, numbers or dates.
BURNED_IN_TEXT_MODALITIES = frozenset({"US", "SC", "OT", "XC", "ES", "DOC", "SM", "GM", "OP"})

# Code systems and SOP classes, not instances: these identify nobody and must stay.
_KEPT_UID_KEYWORDS = frozenset(
    {"TransferSyntaxUID", "CodingSchemeUID", "ContextUID", "MappingResourceUID"}
)
_META_KEEP = ("MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID", "TransferSyntaxUID")
_SAFE_CODE_STRING = re.compile(r"^[A-Z0-9 _]{1,16}$")
_LONG_NUMBER = re.compile(r"\d{5,}")

PSEUDONYM_MAX_LENGTH = 64


def pseudonymous_uid(uid: str, salt: bytes) -> str:
    """Same UID and salt, same result: study and series links survive across files.

    A keyed hash (HMAC-SHA-256), cut to 128 bits and written as a ``2.25`` UID (PS3.5 B.2),
    so the original cannot be recovered without the salt.
    """
    digest = hmac.new(salt, uid.strip("\0 ").encode("ascii", "replace"), hashlib.sha256).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def date_shift_days_for(salt: bytes, *, earliest: int = -1095, latest: int = -30) -> int:
    """A stable, secret date offset for one consultation, derived from its UID salt."""
    digest = hmac.new(salt, b"date-shift", hashlib.sha256).digest()
    return earliest + int.from_bytes(digest[:4], "big") % (latest - earliest + 1)


def deidentify_dicom(
    data: bytes,
    *,
    uid_salt: bytes,
    pseudonym: str,
    date_shift_days: int | None = None,
    max_bytes: int = DEFAULT_MAX_DICOM_BYTES,
) -> DeidResult:
    """Return a de-identified copy of one DICOM Part 10 file.

    Use one ``uid_salt`` (random, at least 16 bytes, kept secret) for all files of one
    consultation: UIDs then map consistently between them, and differently anywhere else.
    The attribute actions are a curated ~180-row subset of PS3.15 Table E.1-1, not all ~600
    rows, backed by catch-all rules (module docstring). PatientName and PatientID become
    ``pseudonym``; the birth date is emptied while age, sex, size and weight are kept. Without
    ``date_shift_days`` all dates are emptied or removed; with it every date is moved by that
    many days (see ``date_shift_days_for``) so intervals between studies survive.

    Raises ``AttachmentRejected`` subclasses with a user-facing message: empty, too large, not
    DICOM (``NotDicomError``) or not a kind we can de-identify (``UnsupportedDicomError``).
    """
    if date_shift_days == 0:
        raise ValueError("date_shift_days must not be 0; pass None to remove dates")
    if len(uid_salt) < 16:
        raise ValueError("uid_salt must be at least 16 random bytes")
    _check_pseudonym(pseudonym)

    ds = read_dicom(data, max_bytes=max_bytes)
    sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID") or "")
    if MEDIA_STORAGE_DIRECTORY in (sop_class, str(ds.get("SOPClassUID", ""))):
        raise UnsupportedDicomError(
            _(
                "DICOMDIR index files are not accepted because they list patient names. "
                "Attach the image files themselves."
            )
        )

    identifiers = _identifying_words(ds)
    originals = _identifying_values(ds)
    descriptions = {
        "study_description": _safe_description(ds.get("StudyDescription"), identifiers),
        "series_description": _safe_description(ds.get("SeriesDescription"), identifiers),
    }

    cleaner = _Cleaner(salt=uid_salt, pseudonym=pseudonym, date_shift_days=date_shift_days)
    cleaner.clean(ds)
    cleaner.changes.extend(_rebuild_file_meta(ds, uid_salt))
    if any(ds.preamble or b""):
        cleaner.changes.append("cleared the 128-byte file preamble")
    ds.preamble = b"\0" * 128
    ds.PatientName = pseudonym
    ds.PatientID = pseudonym
    _record_method(ds, shifted=date_shift_days is not None)
    if cleaner.private_removed:
        cleaner.changes.append(f"removed {cleaner.private_removed} private attributes")
    if cleaner.curves_overlays_removed:
        cleaner.changes.append(
            f"removed {cleaner.curves_overlays_removed} curve and overlay attributes"
        )

    out = _write(ds)
    if any(value in out for value in originals):
        # The last line of defence: whatever parsing trick a damaged file played (a length
        # that hides attributes inside another's value), an identifier that was in the file
        # and is still anywhere in the bytes we would store means the file is refused.
        raise UnsupportedDicomError()
    warnings = _pixel_warnings(ds, sop_class)
    return DeidResult(
        kind=Kind.DICOM,
        data=out,
        deidentified=True,
        changes=tuple(cleaner.changes),
        safe_fields=_safe_fields(ds, sop_class) | {k: v for k, v in descriptions.items() if v},
        needs_sender_warning=bool(warnings),
        warnings=warnings,
    )


def _check_pseudonym(pseudonym: str) -> None:
    # A programming error, not a user one: pseudonyms come from the registry.
    if (
        not pseudonym
        or len(pseudonym) > PSEUDONYM_MAX_LENGTH
        or any(c in pseudonym for c in "\\^=")
        or not pseudonym.isprintable()
    ):
        raise ValueError("pseudonym must be 1-64 printable characters without \\ ^ =")


@dataclass
class _Cleaner:
    salt: bytes
    pseudonym: str
    date_shift_days: int | None
    changes: list[str] = field(default_factory=list)
    private_removed: int = 0
    curves_overlays_removed: int = 0

    def clean(self, ds: Dataset, path: str = "") -> None:
        for elem in list(ds):
            tag = elem.tag
            name = f"{path}{elem.keyword or tag}"
            if tag.is_private:
                del ds[tag]
                self.private_removed += 1
                continue
            if tag.group & 0xFF00 in (0x5000, 0x6000):
                del ds[tag]
                self.curves_overlays_removed += 1
                continue
            if tag.element == 0:  # group length: stale once anything is removed
                del ds[tag]
                continue
            if not elem.keyword:  # not in the DICOM dictionary: nothing says it is safe
                del ds[tag]
                self.changes.append(f"removed unknown attribute {path}{tag}")
                continue
            if _swallowed(elem):
                # A damaged length makes one kept attribute hold the raw bytes of those after
                # it, identifiers included: nothing in such a file can be trusted.
                raise UnsupportedDicomError()
            self._clean_element(ds, elem, name)

    def _clean_element(self, ds: Dataset, elem: pydicom.DataElement, name: str) -> None:
        keyword, vr = elem.keyword, elem.VR
        if keyword in ("PatientName", "PatientID"):
            elem.value = self.pseudonym
            self.changes.append(f"replaced {name} with the pseudonym")
            return
        action = ACTIONS.get(elem.tag)
        if self.date_shift_days is not None and keyword not in (
            "PatientBirthDate",
            "PatientBirthTime",
        ):
            if vr in ("DA", "DT"):
                if _has_value(elem):
                    elem.value = _shift_dates(elem.value, vr, self.date_shift_days)
                    self.changes.append(f"shifted {name}")
                return
            if vr == "TM":  # whole-day shifts leave times of day as they were
                return
        if action == "X":
            del ds[elem.tag]
            self.changes.append(f"removed {name}")
        elif action == "Z":
            if _has_value(elem):
                elem.value = [] if vr == "SQ" else None
                self.changes.append(f"emptied {name}")
        elif action == "U" or (vr == "UI" and action is None):
            self._replace_uids(elem, name)
        elif action == "K":
            pass
        elif vr in ("PN", "AE"):
            del ds[elem.tag]
            self.changes.append(f"removed {name}")
        elif vr in ("DA", "DT") and _has_value(elem):
            elem.value = None
            self.changes.append(f"emptied {name}")
        if vr == "SQ" and elem.tag in ds:
            for i, item in enumerate(elem.value):
                self.clean(item, f"{name}[{i}].")

    def _replace_uids(self, elem: pydicom.DataElement, name: str) -> None:
        if elem.VR != "UI" or not _has_value(elem):
            return
        keyword = elem.keyword
        if keyword.endswith("ClassUID") or keyword in _KEPT_UID_KEYWORDS:
            return
        values = list(elem.value) if isinstance(elem.value, MultiValue) else [elem.value]
        new = [
            pseudonymous_uid(str(v), self.salt) if str(v) and str(v) not in UID_dictionary else v
            for v in values
        ]
        if new != values:
            elem.value = new if isinstance(elem.value, MultiValue) else new[0]
            self.changes.append(f"replaced UID {name}")


# Text attributes may hold tab, line ends, form feed and ESC (character set switching); any
# other control character means the value ran into the binary encoding of other attributes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_BINARY_VRS = frozenset(
    {
        "OB",
        "OD",
        "OF",
        "OL",
        "OV",
        "OW",
        "SQ",
        "UN",
        "US",
        "SS",
        "UL",
        "SL",
        "UV",
        "SV",
        "FL",
        "FD",
        "AT",
        "US or SS",
        "OB or OW",
        "US or OW",
    }
)


def _swallowed(elem: pydicom.DataElement) -> bool:
    if elem.VR in _BINARY_VRS or elem.is_empty:
        return False
    values = elem.value if isinstance(elem.value, MultiValue) else [elem.value]
    return any(_CONTROL.search(str(v).rstrip("\x00")) for v in values if not isinstance(v, bytes))


def _has_value(elem: pydicom.DataElement) -> bool:
    return not elem.is_empty


def _shift_dates(value: object, vr: str, days: int) -> object:
    if isinstance(value, MultiValue):
        return [_shift_one(str(v), vr, days) for v in value]
    return _shift_one(str(value), vr, days)


def _shift_one(value: str, vr: str, days: int) -> str:
    """Shift a DA, or the date part of a DT; anything we cannot parse exactly is emptied."""
    value = value.strip()
    date_part, rest = value[:8], value[8:]
    if vr == "DA" and rest:
        return ""
    if len(date_part) != 8 or not date_part.isdigit():
        return ""
    try:
        shifted = dt.date(int(date_part[:4]), int(date_part[4:6]), int(date_part[6:8]))
        shifted += dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return ""
    return f"{shifted.year:04d}{shifted.month:02d}{shifted.day:02d}{rest}"


def _rebuild_file_meta(ds: Dataset, salt: bytes) -> list[str]:
    """Keep only what a reader needs; source AE titles and private information go."""
    old = ds.file_meta
    meta = FileMetaDataset()
    sop_class = old.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID")
    meta.MediaStorageSOPClassUID = sop_class
    old_instance = old.get("MediaStorageSOPInstanceUID")
    if old_instance:
        meta.MediaStorageSOPInstanceUID = pseudonymous_uid(str(old_instance), salt)
    elif ds.get("SOPInstanceUID"):
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    transfer_syntax = old.get("TransferSyntaxUID")
    if not transfer_syntax:
        implicit, _little = ds.original_encoding
        transfer_syntax = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta = meta
    changes = ["replaced UID MediaStorageSOPInstanceUID"] if old_instance else []
    for elem in old:
        if elem.keyword not in _META_KEEP and elem.keyword not in (
            "FileMetaInformationGroupLength",
            "FileMetaInformationVersion",
            "ImplementationClassUID",
            "ImplementationVersionName",
        ):
            changes.append(f"removed file meta {elem.keyword or elem.tag}")
    return changes


def _record_method(ds: Dataset, *, shifted: bool) -> None:
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = [
        "DICOM PS3.15 E.1 Basic Profile (Consilium subset)",
        "Kept: patient age, sex, size and weight",
        "Dates shifted by one offset per consultation" if shifted else "Dates removed",
        "Private attributes, curves and overlays removed",
        "Pixel data not cleaned",
    ]
    codes = [BASIC_PROFILE, PATIENT_CHARACTERISTICS_OPTION]
    if shifted:
        codes.append(MODIFIED_DATES_OPTION)
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    ds.DeidentificationMethodCodeSequence = items
    ds.LongitudinalTemporalInformationModified = "MODIFIED" if shifted else "REMOVED"


def _write(ds: Dataset) -> bytes:
    buffer = BytesIO()
    try:
        pydicom.dcmwrite(buffer, ds, enforce_file_format=True)
        out = buffer.getvalue()
        # Never store a file we produced but cannot read back.
        pydicom.dcmread(BytesIO(out), force=False)
    except Exception as exc:
        raise UnsupportedDicomError() from exc
    return out


def _identifying_words(ds: Dataset) -> set[str]:
    words: set[str] = set()
    for keyword in (
        "PatientName",
        "PatientID",
        "OtherPatientIDs",
        "AccessionNumber",
        "InstitutionName",
        "ReferringPhysicianName",
        "PerformingPhysicianName",
        "OperatorsName",
        "StationName",
    ):
        value = ds.get(keyword)
        if value is None:
            continue
        values = value if isinstance(value, MultiValue) else [value]
        for v in values:
            words.update(w for w in re.split(r"[\W_^]+", str(v).lower()) if len(w) >= 3)
    return words


# Attributes that name the patient or the people and place of their care, wherever they stand
# (sequences included): none of their values may survive de-identification.
_IDENTIFYING_KEYWORDS = frozenset(
    {
        "PatientName",
        "PatientID",
        "OtherPatientIDs",
        "OtherPatientNames",
        "PatientBirthName",
        "PatientMotherBirthName",
        "PatientBirthDate",
        "PatientAddress",
        "PatientTelephoneNumbers",
        "MedicalRecordLocator",
        "AccessionNumber",
        "InstitutionName",
        "InstitutionAddress",
        "ReferringPhysicianName",
        "PerformingPhysicianName",
        "NameOfPhysiciansReadingStudy",
        "PhysiciansOfRecord",
        "RequestingPhysician",
        "OperatorsName",
    }
)


def _identifying_values(ds: Dataset) -> set[bytes]:
    """The identifying values of the file as it came, and each part of a name, as bytes."""
    found: set[bytes] = set()
    for elem in ds.iterall():
        if elem.keyword not in _IDENTIFYING_KEYWORDS or elem.is_empty:
            continue
        values = elem.value if isinstance(elem.value, MultiValue) else [elem.value]
        for value in values:
            text = str(value).strip(" \x00")
            parts = {text, *re.split(r"[\^=,]+", text)}
            for part in parts:
                part = part.strip()
                # Four characters or more: shorter strings occur in any file by chance.
                if len(part) >= 4:
                    for encoding in ("utf-8", "latin-1"):
                        try:
                            found.add(part.encode(encoding))
                        except UnicodeEncodeError:
                            continue
    return found


def _safe_description(value: object, identifiers: Iterable[str]) -> str:
    """The description if it names none of the identifiers and holds no long number, else ''.

    A deliberately blunt check: dropping a harmless description costs little.
    """
    if value is None or isinstance(value, MultiValue):
        return ""
    text = str(value).strip()[:64]
    words = set(re.split(r"[\W_^]+", text.lower()))
    if _LONG_NUMBER.search(text) or words & set(identifiers):
        return ""
    return text


def _safe_fields(ds: Dataset, sop_class: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, keyword in (("modality", "Modality"), ("body_part_examined", "BodyPartExamined")):
        value = ds.get(keyword)
        if isinstance(value, str) and _SAFE_CODE_STRING.match(value):
            fields[key] = value
    if sop_class in UID_dictionary:
        fields["sop_class"] = UID_dictionary[sop_class][0]
    for key, keyword in (("rows", "Rows"), ("columns", "Columns")):
        value = ds.get(keyword)
        if isinstance(value, int):
            fields[key] = str(value)
    frames = ds.get("NumberOfFrames")
    if frames is not None and str(frames).strip().isdigit():
        fields["number_of_frames"] = str(frames).strip()
    for key, keyword in (("patient_age", "PatientAge"), ("patient_sex", "PatientSex")):
        value = ds.get(keyword)
        if isinstance(value, str) and _SAFE_CODE_STRING.match(value):
            fields[key] = value
    return fields


def _pixel_warnings(ds: Dataset, sop_class: str) -> tuple:
    warnings = []
    modality = ds.get("Modality")
    if (
        str(ds.get("BurnedInAnnotation", "")).upper() == "YES"
        or (isinstance(modality, str) and modality in BURNED_IN_TEXT_MODALITIES)
        or sop_class.startswith(SECONDARY_CAPTURE_PREFIX)
    ):
        warnings.append(
            _(
                "These images may show identifying text burned into the pixels (common on "
                "ultrasound, screenshots and scanned documents). Check the preview and remove "
                "any name, number or date before sharing."
            )
        )
    if sop_class.startswith(ENCAPSULATED_DOCUMENT_PREFIX):
        warnings.append(
            _(
                "This DICOM file carries an embedded document (PDF or similar) whose contents "
                "were not checked for identifiers."
            )
        )
    return tuple(warnings)
