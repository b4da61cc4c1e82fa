"""A PNG preview of the middle frame of a DICOM image, for the consultation page.

The preview holds pixels only (no metadata). Greyscale images go through the modality LUT
(RescaleSlope/Intercept) and the linear VOI window of PS3.3 C.11.2.1.2 when the file has one,
else a min/max stretch; MONOCHROME1 is inverted so that bright means dense, as on a viewer.
"""

from __future__ import annotations

import math
from io import BytesIO

import numpy as np
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import apply_color_lut

from .dicom_read import read_dicom
from .errors import PreviewUnavailable
from .limits import DEFAULT_MAX_DICOM_BYTES

DEFAULT_MAX_PREVIEW_PIXELS = 40_000_000
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def dicom_preview_png(
    data: bytes,
    max_size: int = 512,
    *,
    max_bytes: int = DEFAULT_MAX_DICOM_BYTES,
    max_pixels: int = DEFAULT_MAX_PREVIEW_PIXELS,
) -> bytes:
    """Render the middle frame as a PNG no larger than ``max_size`` on its longer side.

    Raises ``NotDicomError`` (and the other rejections of ``read_dicom``) for input that is not
    DICOM, and ``PreviewUnavailable`` when there is no image or its encoding cannot be decoded
    here; the attachment itself can still be kept.
    """
    if max_size < 1:
        raise ValueError("max_size must be positive")
    ds = read_dicom(data, max_bytes=max_bytes)
    if not any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        raise PreviewUnavailable(_("This DICOM file holds no image to preview."))
    rows, columns = _positive_int(ds.get("Rows")), _positive_int(ds.get("Columns"))
    if rows is None or columns is None or rows * columns > max_pixels:
        raise PreviewUnavailable(_("This DICOM image has dimensions we cannot preview."))

    pixels = _middle_frame(ds)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
    if pixels.ndim == 2:
        image = Image.fromarray(_greyscale_to_8bit(pixels, ds, photometric), mode="L")
    elif pixels.ndim == 3 and pixels.shape[-1] in (3, 4):
        image = Image.fromarray(_stretch(pixels[..., :3].astype(np.float64)), mode="RGB")
    else:
        raise PreviewUnavailable()
    image.thumbnail((max_size, max_size), Image.Resampling.LANCZOS)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _middle_frame(ds: Dataset) -> np.ndarray:
    frames = _positive_int(ds.get("NumberOfFrames")) or 1
    transfer_syntax = ds.file_meta.get("TransferSyntaxUID")
    try:
        # Decode one frame only: a compressed multi-frame file can expand to gigabytes.
        ds.pixel_array_options(index=frames // 2)
        pixels = ds.pixel_array
        if str(ds.get("PhotometricInterpretation", "")).strip().upper() == "PALETTE COLOR":
            pixels = apply_color_lut(pixels, ds)
    except Exception as exc:
        if _is_compressed(transfer_syntax):
            raise PreviewUnavailable(
                _(
                    "No preview: the images are compressed in a way this server cannot "
                    "decode. The file itself is kept and can be opened in a DICOM viewer."
                )
            ) from exc
        raise PreviewUnavailable(
            _("No preview: the image data in this DICOM file could not be decoded.")
        ) from exc
    if not isinstance(pixels, np.ndarray) or pixels.size == 0:
        raise PreviewUnavailable()
    if pixels.ndim == 3 and (_positive_int(ds.get("SamplesPerPixel")) or 1) == 1:
        pixels = pixels[pixels.shape[0] // 2]
    return pixels


def _is_compressed(transfer_syntax: object) -> bool:
    try:
        return bool(getattr(transfer_syntax, "is_compressed", False))
    except ValueError:  # a UID that is not a transfer syntax at all
        return False


def _greyscale_to_8bit(pixels: np.ndarray, ds: Dataset, photometric: str) -> np.ndarray:
    slope = _number(ds.get("RescaleSlope"), 1.0) or 0.0
    intercept = _number(ds.get("RescaleIntercept"), 0.0) or 0.0
    with np.errstate(all="ignore"):
        values = pixels.astype(np.float64) * slope + intercept
    center = _number(ds.get("WindowCenter"), None)
    width = _number(ds.get("WindowWidth"), None)
    if center is not None and width is not None and width > 1:
        # PS3.3 C.11.2.1.2.1, linear function.
        with np.errstate(all="ignore"):
            scaled = ((values - (center - 0.5)) / (width - 1) + 0.5) * 255.0
        grey = np.clip(np.nan_to_num(scaled, nan=0.0, posinf=255.0, neginf=0.0), 0, 255)
        grey = np.rint(grey).astype(np.uint8)
    else:
        grey = _stretch(values)
    if photometric == "MONOCHROME1":
        grey = 255 - grey
    return grey


def _stretch(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = float(finite.min()), float(finite.max())
    if not high > low:
        return np.zeros(values.shape, dtype=np.uint8)
    values = np.nan_to_num(values, nan=low, posinf=high, neginf=low)
    with np.errstate(all="ignore"):
        scaled = np.nan_to_num((values - low) / (high - low) * 255.0, nan=0.0, posinf=255.0)
    return np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)


def _number(value: object, default: float | None) -> float | None:
    if isinstance(value, MultiValue | list | tuple):
        value = value[0] if len(value) else None
    if value is None or value == "":
        return default
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _positive_int(value: object) -> int | None:
    try:
        number = int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number > 0 else None
