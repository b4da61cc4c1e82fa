import struct
import zlib
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from consilium.consultations.deid.deidentify import (
    AttachmentError,
    AttachmentRejected,
    AttachmentTooLargeError,
    EmptyAttachmentError,
    Kind,
    NotAnImageError,
    UnsafeImageError,
    classify_attachment,
    deidentify_attachment,
    deidentify_photo,
)

SALT = b"consultation-0001-secret-salt-32b"
RED = (255, 0, 0)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>Kowalczyk</rdf:Description></x:xmpmeta>'
)


def phone_photo_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif[0x0132] = "2024:03:15 10:15:00"
    exif[0x8825] = {1: "N", 2: (50.0, 3.0, 41.0), 3: "E", 4: (19.0, 56.0, 24.0)}
    return exif


def stored_sideways() -> Image.Image:
    # 40 wide, 20 high as stored, with a red marker in the top-left corner.
    image = Image.new("RGB", (40, 20), "white")
    image.paste(RED, (0, 0, 10, 10))
    return image


def add_iptc(jpeg: bytes) -> bytes:
    caption = b"Caption Kowalczyk"
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption
    block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    payload = b"Photoshop 3.0\x00" + block
    segment = b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def make_jpeg() -> bytes:
    out = BytesIO()
    stored_sideways().save(
        out, "JPEG", quality=95, exif=phone_photo_exif(), comment=b"Patient Kowalczyk", xmp=XMP
    )
    return add_iptc(out.getvalue())


def make_png() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "Patient Kowalczyk")
    info.add_itxt("Author", "Dr Nowakowski")
    out = BytesIO()
    stored_sideways().save(out, "PNG", pnginfo=info, exif=phone_photo_exif())
    return out.getvalue()


def make_webp() -> bytes:
    out = BytesIO()
    stored_sideways().save(out, "WEBP", quality=95, exif=phone_photo_exif(), xmp=XMP)
    return out.getvalue()


def reopen(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims the given size: a decompression bomb on disk in 100 bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_it_strips_exif_gps_xmp_iptc_and_comments_from_a_jpeg():
    original = make_jpeg()
    source = reopen(original)
    assert source.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    assert {"exif", "xmp", "comment", "photoshop"} <= set(source.info)

    result = deidentify_photo(original)

    image = reopen(result.data)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not {"exif", "xmp", "comment", "photoshop"} & set(image.info)
    for marker in (b"Exif\0\0", b"PhoneMaker", b"Kowalczyk", b"adobe:ns:meta", b"Photoshop 3.0"):
        assert marker not in result.data
    assert result.kind is Kind.JPEG
    assert result.content_type == "image/jpeg"
    assert result.deidentified
    assert not result.needs_sender_warning
    assert "removed EXIF GPS location" in result.changes
    assert "removed XMP metadata" in result.changes
    assert "removed IPTC/Photoshop metadata" in result.changes
    assert "removed comment" in result.changes


def test_it_applies_the_exif_orientation_to_the_pixels():
    result = deidentify_photo(make_jpeg())

    image = reopen(result.data).convert("RGB")
    assert image.size == (20, 40)
    # Orientation 6 turns the stored top-left corner into the displayed top-right.
    red, green, blue = image.getpixel((image.width - 3, 2))
    assert red > 200 and green < 60 and blue < 60
    assert image.getpixel((2, 2)) > (200, 200, 200)
    assert "applied EXIF orientation 6 to the pixels" in result.changes
    assert result.safe_fields == {"width": "20", "height": "40"}


def test_it_strips_text_chunks_and_exif_from_a_png():
    result = deidentify_photo(make_png())

    image = reopen(result.data)
    assert image.format == "PNG"
    assert image.size == (20, 40)
    assert not image.getexif()
    assert not {"Comment", "Author", "exif"} & set(image.info)
    assert b"Kowalczyk" not in result.data
    assert b"Nowakowski" not in result.data
    assert image.convert("RGB").getpixel((19, 0)) == RED  # lossless


def test_it_strips_metadata_from_a_webp():
    result = deidentify_photo(make_webp())

    image = reopen(result.data)
    assert image.format == "WEBP"
    assert image.size == (20, 40)
    assert not image.getexif()
    assert b"Kowalczyk" not in result.data
    assert b"EXIF" not in result.data


def test_it_keeps_the_icc_profile():
    icc = b"\0\0\x02\x0cfake-profile-for-test" + b"\0" * 64
    out = BytesIO()
    stored_sideways().save(out, "JPEG", icc_profile=icc, exif=phone_photo_exif())

    result = deidentify_photo(out.getvalue())

    assert reopen(result.data).info.get("icc_profile") == icc


def test_it_refuses_a_decompression_bomb():
    bomb = png_claiming(100_000, 100_000)
    assert len(bomb) < 200

    with pytest.raises(UnsafeImageError) as excinfo:
        deidentify_photo(bomb)
    assert isinstance(excinfo.value, AttachmentRejected)
    assert "too large" in str(excinfo.value)


def test_it_refuses_images_over_its_own_pixel_limit():
    with pytest.raises(UnsafeImageError):
        deidentify_photo(make_jpeg(), max_pixels=799)
    assert deidentify_photo(make_jpeg(), max_pixels=800).deidentified


@pytest.mark.parametrize(
    "data",
    [
        b"Patient: Marianna Kowalczyk, MRN-445566\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"\xff\xd8\xff\xe0" + b"\0" * 100,  # JPEG magic, nothing behind it
        png_claiming(10, 10)[:40],  # truncated PNG
    ],
    ids=["text", "pdf", "jpeg-magic-only", "truncated-png"],
)
def test_it_refuses_what_is_not_a_readable_image(data):
    with pytest.raises(NotAnImageError) as excinfo:
        deidentify_photo(data)
    assert "image" in str(excinfo.value)


def test_it_refuses_empty_and_oversized_files():
    with pytest.raises(EmptyAttachmentError):
        deidentify_photo(b"")
    with pytest.raises(AttachmentTooLargeError):
        deidentify_photo(make_jpeg(), max_bytes=100)


@pytest.mark.parametrize(
    ("filename", "data", "kind"),
    [
        ("photo.bin", make_jpeg(), Kind.JPEG),
        ("photo.jpg", make_png(), Kind.PNG),
        ("photo", make_webp(), Kind.WEBP),
        ("report.pdf", b"%PDF-1.7\n", Kind.PDF),
        ("report.docx", b"PK\x03\x04word/", Kind.DOCUMENT),
        ("notes.txt", b"plain text", Kind.DOCUMENT),
        ("photo.jpg", b"not really a jpeg", Kind.JPEG),
    ],
)
def test_it_classifies_by_content(filename, data, kind):
    assert classify_attachment(filename, data) is kind


def test_it_keeps_a_pdf_as_sent_with_a_warning():
    pdf = b"%PDF-1.7\n1 0 obj << /Title (Kowalczyk) >> endobj\n%%EOF\n"

    result = deidentify_attachment("report.pdf", pdf, uid_salt=SALT, pseudonym="CNS-1")

    assert result.kind is Kind.PDF
    assert result.data == pdf
    assert result.deidentified is False
    assert result.needs_sender_warning is True
    assert "not de-identified" in str(result.warnings[0])


def test_it_routes_photos_through_deidentification():
    result = deidentify_attachment("IMG_0001.JPG", make_jpeg(), uid_salt=SALT, pseudonym="CNS-1")

    assert result.kind is Kind.JPEG
    assert b"PhoneMaker" not in result.data


@pytest.mark.parametrize(
    "data",
    [b"II*\x00" + b"\0" * 32, b"GIF89a" + b"\0" * 32, b"\0\0\0\x18ftypheic" + b"\0" * 32],
    ids=["tiff", "gif", "heic"],
)
def test_it_refuses_image_formats_it_cannot_clean(data):
    with pytest.raises(NotAnImageError):
        deidentify_attachment("photo", data, uid_salt=SALT, pseudonym="CNS-1")


def test_it_refuses_empty_documents():
    with pytest.raises(EmptyAttachmentError):
        deidentify_attachment("notes.txt", b"", uid_salt=SALT, pseudonym="CNS-1")


# Robustness: hostile or damaged input only ever raises our own errors.

_VALID = [make_jpeg(), make_png(), make_webp()]


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data[: max(12, cut)])
    for position, value in flips:
        buffer[position % len(buffer)] = value
    return bytes(buffer)


_mutated = st.builds(
    _mutate,
    st.sampled_from(_VALID),
    st.integers(min_value=0, max_value=max(map(len, _VALID))),
    st.lists(st.tuples(st.integers(min_value=12), st.integers(0, 255)), max_size=12),
)
_hostile = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP"]).flatmap(
        lambda magic: st.binary(max_size=1024).map(lambda tail: magic + tail)
    ),
    _mutated,
    _mutated,
)


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=_hostile)
def test_it_only_raises_its_own_errors_on_hostile_photos(data):
    try:
        result = deidentify_photo(data)
    except AttachmentError:
        return
    image = reopen(result.data)
    assert not image.getexif()
