"""Reading untrusted DICOM Part 10 bytes into a fully parsed pydicom dataset, or refusing them."""

from __future__ import annotations

from io import BytesIO

import pydicom
from django.utils.translation import gettext_lazy as _
from pydicom.dataset import Dataset, FileDataset

from .errors import NotDicomError
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
