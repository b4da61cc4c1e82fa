"""Reading untrusted DICOM Part 10 bytes into a fully parsed pydicom dataset, or refusing them."""

from __future__ import annotations

from io import BytesIO

import pydicom
from django.utils.translation import gettext_lazy as _
from pydicom.dataset import Dataset, FileDataset
from pydicom.multival import MultiValue
from pydicom.valuerep import MAX_VALUE_LEN

from .errors import DamagedDicomError, NotDicomError
from .limits import DEFAULT_MAX_DICOM_BYTES, check_size

DICOM_MAGIC_OFFSET = 128
DICOM_MAGIC = b"DICM"


def has_dicom_magic(data: bytes) -> bool:
    return data[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] == DICOM_MAGIC


def read_dicom(data: bytes, *, max_bytes: int = DEFAULT_MAX_DICOM_BYTES) -> FileDataset:
    """Parse every element now, so malformed input fails here and not halfway through cleaning.

    pydicom can raise almost anything on hostile input (struct.error, KeyError, OverflowError,
    ValueError...), so the boundary catches ``Exception`` and turns it into a user-facing error.
    """
    check_size(data, max_bytes)
    if not has_dicom_magic(data):
        raise NotDicomError()
    try:
        ds = pydicom.dcmread(BytesIO(data), force=False)
        _materialise(ds.file_meta)
        _materialise(ds)
    except Exception as exc:
        raise NotDicomError() from exc
    check_value_lengths(ds.file_meta)
    check_value_lengths(ds)
    if not (ds.file_meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID")):
        raise NotDicomError(
            _("This DICOM file has no SOP Class, so it is not an image or document we can use.")
        )
    return ds


def _materialise(ds: Dataset) -> None:
    # Iterating converts each raw element (and its value) eagerly.
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                _materialise(item)
        else:
            _ = elem.value


# PS3.5 Table 6.2-1: the longest value each text VR may hold (per value of a multi-valued
# attribute), beyond pydicom's own list. Date and time ranges (query forms) are longer.
_MAX_LENGTHS = {
    **MAX_VALUE_LEN,
    "AS": 4,
    "DA": 18,
    "DT": 54,
    "TM": 28,
    "PN": 64 * 3 + 2,  # three component groups of 64, two "=" between them
}
# Binary VRs whose value is a whole number of fixed-size items.
_ITEM_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "FD": 8, "AT": 4, "UV": 8, "SV": 8}


def check_value_lengths(ds: Dataset) -> None:
    """Refuse a file any of whose values breaks its VR's length rule: a damaged length field
    makes one attribute swallow the bytes of those after it (identifiers included), so what
    the parser saw is not what the file holds."""
    for elem in ds:
        vr = elem.VR
        if vr == "SQ":
            for item in elem.value or []:
                check_value_lengths(item)
            continue
        value = elem.value
        if value is None:
            continue
        if vr in _MAX_LENGTHS:
            values = value if isinstance(value, MultiValue | list | tuple) else [value]
            limit = _MAX_LENGTHS[vr]
            # Lengths count characters (bytes for the ASCII-only VRs, the same thing).
            if any(len(_text(v).rstrip("\0 ")) > limit for v in values):
                raise DamagedDicomError()
        elif vr in _ITEM_SIZES and isinstance(value, bytes) and len(value) % _ITEM_SIZES[vr]:
            raise DamagedDicomError()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)
