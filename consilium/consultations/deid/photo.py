"""De-identification of clinical photos (JPEG, PNG, WebP) on arrival.

The photo is decoded and re-encoded from its pixels alone, so nothing the camera or an editor
wrote travels with it: EXIF (with GPS and the embedded thumbnail), XMP, IPTC, comments, PNG text
chunks, extra MPO images. The EXIF orientation is applied to the pixels first, so the photo still
stands the right way up. Only the ICC colour profile is kept, when the colour space is unchanged.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageOps

from .errors import AttachmentError, NotAnImageError, UnsafeImageError
from .limits import DEFAULT_MAX_PHOTO_BYTES, DEFAULT_MAX_PIXELS, check_size
from .result import DeidResult, Kind

JPEG_QUALITY = 90
WEBP_QUALITY = 90

_PILLOW_FORMATS = {Kind.JPEG: "JPEG", Kind.PNG: "PNG", Kind.WEBP: "WEBP"}
_EXIF_ORIENTATION = 0x0112
_EXIF_GPS_IFD = 0x8825
# Image properties Pillow reports that describe the encoding, not the picture's provenance.
_ENCODING_INFO = frozenset(
    {
        "dpi",
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "progressive",
        "progression",
        "adobe",
        "adobe_transform",
        "icc_profile",
        "transparency",
        "gamma",
        "interlace",
        "aspect",
        "srgb",
        "loop",
        "duration",
        "background",
        "default_image",
        "blend",
        "disposal",
        "bbox",
        "mp",
        "mpoffset",
        "exif",
        "xmp",
        "XML:com.adobe.xmp",
        "comment",
        "photoshop",
        "lossless",
    }
)
_GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16"})


def photo_kind(data: bytes) -> Kind | None:
    """The photo format by its magic number, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Kind.WEBP
    return None


def deidentify_photo(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_PHOTO_BYTES,
) -> DeidResult:
    """Return the photo re-encoded from its pixels, upright, in its own format.

    Raises ``EmptyAttachmentError``/``AttachmentTooLargeError`` on size, ``NotAnImageError`` for
    anything that is not a readable JPEG, PNG or WebP, and ``UnsafeImageError`` when the image
    claims more than ``max_pixels`` (a decompression bomb, or simply too large to handle).
    """
    check_size(data, max_bytes)
    kind = photo_kind(data)
    if kind is None:
        raise NotAnImageError()
    try:
        # formats= stops Pillow from guessing its way into any other decoder.
        with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
            _check_dimensions(image, max_pixels)
            changes = _metadata_found(image)
            icc_profile = image.info.get("icc_profile")
            source_mode = image.mode
            image.load()
            upright = ImageOps.exif_transpose(image)
    except AttachmentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsafeImageError() from exc
    except Exception as exc:
        # Pillow reports damaged input as OSError, SyntaxError, ValueError, struct.error...
        raise NotAnImageError() from exc

    clean, keep_icc = _pixels_only(upright, kind, source_mode)
    out = BytesIO()
    options: dict[str, object] = {}
    if keep_icc and isinstance(icc_profile, bytes) and icc_profile:
        options["icc_profile"] = icc_profile
    if kind is Kind.JPEG:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, **options)
    elif kind is Kind.WEBP:
        clean.save(out, format="WEBP", quality=WEBP_QUALITY, **options)
    else:
        clean.save(out, format="PNG", **options)
    changes.append(f"re-encoded as {_PILLOW_FORMATS[kind]} from the pixels only")
    return DeidResult(
        kind=kind,
        data=out.getvalue(),
        deidentified=True,
        changes=tuple(changes),
        safe_fields={"width": str(clean.width), "height": str(clean.height)},
    )


def _check_dimensions(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise NotAnImageError()
    if width * height > max_pixels:
        raise UnsafeImageError()


def _metadata_found(image: Image.Image) -> list[str]:
    """Name what is being dropped, by category only: values may themselves identify."""
    changes = []
    exif = image.getexif()
    if exif:
        orientation = exif.get(_EXIF_ORIENTATION)
        if isinstance(orientation, int) and 2 <= orientation <= 8:
            changes.append(f"applied EXIF orientation {orientation} to the pixels")
        if exif.get_ifd(_EXIF_GPS_IFD):
            changes.append("removed EXIF GPS location")
        changes.append("removed EXIF metadata (camera, dates, thumbnail)")
    info = image.info
    if "xmp" in info or "XML:com.adobe.xmp" in info:
        changes.append("removed XMP metadata")
    if "photoshop" in info or any(
        marker == "APP13" for marker, _data in getattr(image, "applist", [])
    ):
        changes.append("removed IPTC/Photoshop metadata")
    if "comment" in info:
        changes.append("removed comment")
    others = [key for key in info if key not in _ENCODING_INFO]
    if others:
        changes.append(f"removed {len(others)} other metadata entries")
    frames = getattr(image, "n_frames", 1)
    if isinstance(frames, int) and frames > 1:
        changes.append(f"kept the first of {frames} images")
    return changes


def _pixels_only(image: Image.Image, kind: Kind, source_mode: str) -> tuple[Image.Image, bool]:
    """A new image built from raw pixels: no info dict, no EXIF, nothing to leak."""
    has_alpha = "A" in image.mode or "transparency" in image.info
    if kind is Kind.JPEG:
        target = "L" if image.mode == "L" else "RGB"
    elif kind is Kind.PNG and image.mode in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
        target = image.mode
    else:
        target = "RGBA" if has_alpha else "RGB"
    converted = image if image.mode == target else image.convert(target)
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    return clean, _colour_family(source_mode) == _colour_family(target)


def _colour_family(mode: str) -> str:
    if mode in _GREY_MODES:
        return "grey"
    return "cmyk" if mode == "CMYK" else "rgb"
