"""De-identification of DICOM files on arrival.

Implements the DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile with the
Retain Patient Characteristics Option (113108) and, when a date shift is given, the Retain
Longitudinal Temporal Information with Modified Dates Option (113107). The attribute table is a
curated subset of Table E.1-1 (about 190 of its ~600 rows, see ``dicom_profile``), backed by
rules that catch what the table does not name: private attributes, curves, overlays and
attributes unknown to the DICOM dictionary are left out; so is any other free text (names, AE
titles, descriptions); other dates are emptied (or shifted); other instance UIDs are replaced.

The output is a new dataset (file meta included) into which only what these rules keep is
copied, never the input with things removed. A file whose values break their VR's length
rules is refused (a damaged length hides attributes inside another's value), and the output's
bytes are scanned for every identifying value of the input, parsed or found raw by its tag.

Not done: pixel data is not cleaned (no Clean Pixel Data Option, 113101), so burned-in text
stays; such files are flagged for the sender to check.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO

import pydicom
from django.utils.translation import gettext_lazy as _
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, UID_dictionary

from .dicom_profile import ACTIONS
from .dicom_read import read_dicom
from .errors import AttachmentError, UnsupportedDicomError
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
    # What identifies someone in the file as parsed, and in its raw bytes wherever a tag of an
    # identifying attribute stands (a damaged length can hide one inside another's value).
    originals = _identifying_values(ds) | _raw_identifying_values(data)
    descriptions = {
        "study_description": _safe_description(ds.get("StudyDescription"), identifiers),
        "series_description": _safe_description(ds.get("SeriesDescription"), identifiers),
    }

    # The output is a new dataset into which only what the profile keeps is copied: nothing
    # reaches it by being overlooked.
    builder = _Builder(salt=uid_salt, pseudonym=pseudonym, date_shift_days=date_shift_days)
    try:
        clean = builder.build(ds)
    except AttachmentError:
        raise
    except Exception as exc:  # pydicom on a malformed value: anything from ValueError on
        raise UnsupportedDicomError() from exc
    meta, meta_changes = _new_file_meta(ds, clean, uid_salt)
    clean = FileDataset(None, clean, file_meta=meta, preamble=b"\0" * 128)
    builder.changes.extend(meta_changes)
    if any(ds.preamble or b""):
        builder.changes.append("cleared the 128-byte file preamble")
    clean.PatientName = pseudonym
    clean.PatientID = pseudonym
    _record_method(clean, shifted=date_shift_days is not None)
    if builder.private_removed:
        builder.changes.append(f"removed {builder.private_removed} private attributes")
    if builder.curves_overlays_removed:
        builder.changes.append(
            f"removed {builder.curves_overlays_removed} curve and overlay attributes"
        )

    out = _write(clean)
    if any(value in out for value in originals):
        # The last line of defence: an identifier that was in the file, parsed or not, and is
        # still anywhere in the bytes we would store means the file is refused.
        raise UnsupportedDicomError()
    ds = clean
    warnings = _pixel_warnings(ds, sop_class)
    return DeidResult(
        kind=Kind.DICOM,
        data=out,
        deidentified=True,
        changes=tuple(builder.changes),
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


# Free-text VRs: an attribute of these the profile does not list is not copied, whatever its
# name says (the table keeps the few that carry no identity, e.g. Manufacturer).
_FREE_TEXT_VRS = frozenset({"LO", "SH", "ST", "LT", "UT", "UC", "UR", "UN", "PN", "AE"})


@dataclass
class _Builder:
    salt: bytes
    pseudonym: str
    date_shift_days: int | None
    changes: list[str] = field(default_factory=list)
    private_removed: int = 0
    curves_overlays_removed: int = 0

    def build(self, src: Dataset, path: str = "") -> Dataset:
        out = Dataset()
        for elem in src:
            kept = self._element(elem, f"{path}{elem.keyword or elem.tag}", path)
            if kept is not None:
                out.add(kept)
        return out

    def _element(self, elem: DataElement, name: str, path: str) -> DataElement | None:
        tag, keyword, vr = elem.tag, elem.keyword, elem.VR
        if tag.is_private:
            self.private_removed += 1
            return None
        if tag.group & 0xFF00 in (0x5000, 0x6000):
            self.curves_overlays_removed += 1
            return None
        if tag.element == 0:  # group length: stale once anything is left out
            return None
        if not keyword:  # not in the DICOM dictionary: nothing says it is safe
            self.changes.append(f"removed unknown attribute {path}{tag}")
            return None
        if _swallowed(elem):
            # A damaged length makes one attribute hold the raw bytes of those after it,
            # identifiers included: nothing in such a file can be trusted.
            raise UnsupportedDicomError()
        if keyword in ("PatientName", "PatientID"):
            self.changes.append(f"replaced {name} with the pseudonym")
            return DataElement(tag, vr, self.pseudonym)
        action = ACTIONS.get(tag)
        if self.date_shift_days is not None and keyword not in (
            "PatientBirthDate",
            "PatientBirthTime",
        ):
            if vr in ("DA", "DT"):
                if not _has_value(elem):
                    return DataElement(tag, vr, None)
                self.changes.append(f"shifted {name}")
                return DataElement(tag, vr, _shift_dates(elem.value, vr, self.date_shift_days))
            if vr == "TM":  # whole-day shifts leave times of day as they were
                return _copy(elem)
        if action == "X":
            self.changes.append(f"removed {name}")
            return None
        if action == "Z":
            if _has_value(elem):
                self.changes.append(f"emptied {name}")
            return DataElement(tag, vr, [] if vr == "SQ" else None)
        if action == "U" or (vr == "UI" and action is None):
            return self._uids(elem, name)
        if action != "K":
            if vr in _FREE_TEXT_VRS:
                self.changes.append(f"removed {name}")
                return None
            if vr in ("DA", "DT"):
                if _has_value(elem):
                    self.changes.append(f"emptied {name}")
                return DataElement(tag, vr, None)
        if vr == "SQ":
            items = [self.build(item, f"{name}[{i}].") for i, item in enumerate(elem.value)]
            return DataElement(tag, vr, items)
        return _copy(elem)

    def _uids(self, elem: DataElement, name: str) -> DataElement:
        if elem.VR != "UI" or not _has_value(elem):
            return _copy(elem)
        keyword = elem.keyword
        if keyword.endswith("ClassUID") or keyword in _KEPT_UID_KEYWORDS:
            return _copy(elem)
        values = list(elem.value) if isinstance(elem.value, MultiValue) else [elem.value]
        new = [
            pseudonymous_uid(str(v), self.salt) if str(v) and str(v) not in UID_dictionary else v
            for v in values
        ]
        if new != values:
            self.changes.append(f"replaced UID {name}")
        return DataElement(elem.tag, "UI", new if isinstance(elem.value, MultiValue) else new[0])


def _copy(elem: DataElement) -> DataElement:
    # The element as read, not rebuilt from its value: a rebuild would convert the value
    # again, and a lenient read of a malformed number does not convert twice.
    return copy.deepcopy(elem)


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


def _new_file_meta(src: FileDataset, clean: Dataset, salt: bytes) -> tuple[FileMetaDataset, list]:
    """A new file meta with what a reader needs and nothing else: source AE titles, private
    information and whatever a damaged length let into it stay behind."""
    old = src.file_meta
    sop_class = str(old.get("MediaStorageSOPClassUID") or src.get("SOPClassUID") or "")
    if not _is_uid(sop_class):
        raise UnsupportedDicomError()
    transfer_syntax = str(old.get("TransferSyntaxUID") or "")
    if not transfer_syntax:
        implicit, _little = src.original_encoding
        transfer_syntax = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    if UID_dictionary.get(transfer_syntax, ("", "", ""))[1] != "Transfer Syntax":
        raise UnsupportedDicomError()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    old_instance = str(old.get("MediaStorageSOPInstanceUID") or "")
    if old_instance:
        meta.MediaStorageSOPInstanceUID = pseudonymous_uid(old_instance, salt)
    elif clean.get("SOPInstanceUID"):
        meta.MediaStorageSOPInstanceUID = clean.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    changes = ["replaced UID MediaStorageSOPInstanceUID"] if old_instance else []
    for elem in old:
        if elem.keyword not in _META_KEEP and elem.keyword not in (
            "FileMetaInformationGroupLength",
            "FileMetaInformationVersion",
            "ImplementationClassUID",
            "ImplementationVersionName",
        ):
            changes.append(f"removed file meta {elem.keyword or elem.tag}")
    return meta, changes


_UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _is_uid(value: str) -> bool:
    return len(value) <= 64 and bool(_UID.match(value))


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


_IDENTIFYING_TAGS: dict[int, str] = {}
_PIXEL_DATA_TAG = struct.pack("<HH", 0x7FE0, 0x0010)


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


def _identifying_tags() -> dict[int, str]:
    tags = {}
    for keyword in _IDENTIFYING_KEYWORDS | _RAW_ONLY_KEYWORDS:
        tag = tag_for_keyword(keyword)
        if tag is not None:
            tags[tag] = dictionary_VR(tag)
    return tags


# Also looked for in the raw bytes: dates of care and the names of machines and places. (Not
# in _IDENTIFYING_KEYWORDS, whose parsed values are compared as they come: a shifted date or
# an empty accession number is expected in the output, not the original.)
_RAW_ONLY_KEYWORDS = frozenset(
    {
        "StudyDate",
        "SeriesDate",
        "AcquisitionDate",
        "ContentDate",
        "StationName",
        "DeviceSerialNumber",
        "SourceApplicationEntityTitle",
        "SendingApplicationEntityTitle",
        "ReceivingApplicationEntityTitle",
        "InstitutionalDepartmentName",
        "StudyID",
    }
)


def _raw_identifying_values(data: bytes) -> set[bytes]:
    """Every value that an identifying attribute's tag would carry, found by scanning the raw
    bytes for the tag in both encodings (explicit VR: tag, VR, 2-byte length; implicit VR:
    tag, 4-byte length), so a value that parsing never reached is still known."""
    # Up to the pixel data: attributes stand before it, and its bytes would only offer chance
    # look-alikes (which, copied unchanged to the output, would refuse a sound file).
    pixels = data.find(_PIXEL_DATA_TAG, 132)
    data = data if pixels == -1 else data[:pixels]
    found: set[bytes] = set()
    for tag in _IDENTIFYING_TAGS:
        key = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
        start = data.find(key)
        while start != -1:
            for raw in _raw_values_at(data, start + 4):
                found |= _value_parts(raw.decode("latin-1"))
            start = data.find(key, start + 1)
    # Dates of care match dates in the output only as whole eight-digit values.
    return {v for v in found if not v.isdigit() or len(v) == 8}


_LONG_LENGTH_VRS = frozenset({b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR"})
_RAW_VALUE_MAX = 1024


def _raw_values_at(data: bytes, head: int) -> list[bytes]:
    """The values a tag ending just before ``head`` would carry, read both ways."""
    values = []
    if len(data) < head + 4:
        return values
    vr = data[head : head + 2]
    if vr.isalpha() and vr.isupper():
        if vr in _LONG_LENGTH_VRS and len(data) >= head + 8:
            (length,) = struct.unpack_from("<I", data, head + 4)
            values.append(data[head + 8 : head + 8 + min(length, _RAW_VALUE_MAX)])
        else:
            (length,) = struct.unpack_from("<H", data, head + 2)
            values.append(data[head + 4 : head + 4 + min(length, _RAW_VALUE_MAX)])
    (length,) = struct.unpack_from("<I", data, head)
    if length <= _RAW_VALUE_MAX:
        values.append(data[head + 4 : head + 4 + length])
    return values


def _value_parts(text: str) -> set[bytes]:
    parts: set[bytes] = set()
    text = text.strip(" \x00")
    for part in {text, *re.split(r"[\^=,\\]+", text)}:
        part = part.strip(" \x00")
        # Four characters or more: shorter strings occur in any file by chance.
        if len(part) >= 4 and part.isprintable():
            for encoding in ("utf-8", "latin-1"):
                try:
                    parts.add(part.encode(encoding))
                except UnicodeEncodeError:
                    continue
    return parts


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


_IDENTIFYING_TAGS.update(_identifying_tags())
