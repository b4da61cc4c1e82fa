"""Small JPEGs for showing an image inside a mail.

A phone on a slow line downloads the whole mail before it shows any of it, so an image in a
mail is a preview, not the original: its longest side at most `LONGEST_SIDE` pixels,
re-encoded as a plain JPEG with no metadata of any kind. The same bytes in give the same
bytes out (libjpeg is deterministic), which lets a mail's size be measured when it is queued
and the images be made again when it is sent: files travel to the mail task by name."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, UnidentifiedImageError

LONGEST_SIDE = 480
QUALITY = 70
# Far above any stored preview or de-identified photo (their own limit is 40 MP): what is
# read here has been checked on its way in, this only refuses a file that was changed since.
_MAX_PIXELS = 40_000_000


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can read within the limits."""


def mail_jpeg(data: bytes, *, longest_side: int = LONGEST_SIDE) -> bytes:
    try:
        image = Image.open(BytesIO(data))
        if image.width * image.height > _MAX_PIXELS:
            raise NotAnImage("image too large")
        # A JPEG is decoded straight at a fraction of its size: much less work for a photo.
        image.draft("RGB", (longest_side, longest_side))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from exc
    image = _flattened(image)
    image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    out = BytesIO()
    # No exif, icc_profile or comment given: nothing but the pixels is written.
    image.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def _flattened(image: Image.Image) -> Image.Image:
    """RGB or greyscale, transparency laid on white (a JPEG has no alpha channel)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I", "F"):
        return image.convert("L")
    rgba = image.convert("RGBA")
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white
