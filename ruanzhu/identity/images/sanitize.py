"""Accept an uploaded ID image only as a fully decoded, re-encoded JPEG or PNG (or a PDF the intake accepts).

The upload is identified by its content, never by its name, decoded completely and written out again, so that
what is stored holds pixels and nothing else: no EXIF (GPS, camera, owner), no ICC profile, no comments, no
text chunks and no data smuggled after the end of the image.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
from dataclasses import dataclass

from django.utils.translation import gettext
from PIL import Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin

from ruanzhu.core.pdfs import PdfRejected, is_pdf, pdf_intake

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
MAX_PDF_PAGES = 10
JPEG_QUALITY = 90
# Bytes after the end of a JPEG that are still accepted: some cameras pad the file with a few zero bytes.
JPEG_TRAILER_TOLERANCE = 64

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Markup in an image's metadata or trailer turns it into an HTML/script polyglot. Only metadata is searched
# (not the compressed pixel data), so that a chance byte sequence in a photo cannot trigger a refusal.
MARKUP = re.compile(
    rb"<\s*/?\s*(?:script|html|body|head|iframe|svg|object|embed|form|meta\s+http-equiv)\b"
    rb"|<\?php|javascript\s*:|\bon(?:load|error|click|mouseover)\s*=",
    re.IGNORECASE,
)
# In entropy-coded JPEG data 0xFF is followed by 0x00 (stuffing) or a restart marker; anything else is a marker.
JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")
JPEG_STANDALONE_MARKERS = {0x01, *range(0xD0, 0xD8)}


class UploadRejected(Exception):
    """An upload that cannot be accepted; message is shown to the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SanitizedImage:
    """A re-encoded upload. width and height are 0 for a PDF, whose bytes are kept as uploaded."""

    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def sanitize_upload(
    data: bytes,
    *,
    allow_pdf: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> SanitizedImage:
    """Return the upload decoded and re-encoded without metadata, or raise UploadRejected."""
    if len(data) > max_bytes:
        raise UploadRejected(
            "too_large", gettext("文件不能超过%(limit)s。") % {"limit": _format_megabytes(max_bytes)}
        )
    if data.startswith(JPEG_MAGIC):
        return _sanitize_raster(data, "JPEG", max_pixels=max_pixels)
    if data.startswith(PNG_MAGIC):
        return _sanitize_raster(data, "PNG", max_pixels=max_pixels)
    if allow_pdf and is_pdf(data):
        return _accept_pdf(data)
    if allow_pdf:
        raise UploadRejected("wrong_type", gettext("请上传jpg、png、jpeg或pdf格式。"))
    raise UploadRejected("wrong_type", gettext("请上传jpg、png、jpeg格式。"))


def _format_megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}MB"


def _corrupt() -> UploadRejected:
    return UploadRejected("corrupt", gettext("文件已损坏或不完整，请重新上传。"))


def _too_many_pixels(max_pixels: int) -> UploadRejected:
    return UploadRejected(
        "too_many_pixels",
        gettext("图片像素过大（超过%(limit)s万像素）。") % {"limit": f"{max_pixels / 10_000:g}"},
    )


def _polyglot() -> UploadRejected:
    return UploadRejected(
        "hidden_content",
        gettext("图片中含有图片以外的数据（如动态照片或附加文件），请另存为普通的jpg或png图片后重新上传。"),
    )


def _sanitize_raster(data: bytes, kind: str, *, max_pixels: int) -> SanitizedImage:
    """Check the file's structure, refuse oversized images before decoding pixels, then re-encode."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("ImageFile.LOAD_TRUNCATED_IMAGES must stay False: truncated uploads would pass")
    if kind == "PNG":
        metadata, trailer = _png_structure(data), None
    else:
        metadata, trailer = _jpeg_structure(data)
    if MARKUP.search(metadata):
        raise _polyglot()

    try:
        # Image.open reads the header only; Pillow raises DecompressionBombError here for sizes more than
        # twice Image.MAX_IMAGE_PIXELS. Our own, lower limit is checked before load() decodes any pixels.
        image = Image.open(io.BytesIO(data), formats=[kind])
    except Image.DecompressionBombError as error:
        raise _too_many_pixels(max_pixels) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _corrupt() from error
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        if trailer is not None:
            _check_jpeg_trailer(image, data, trailer)
        try:
            image.load()  # decodes every pixel: a truncated or damaged file raises here
        except Image.DecompressionBombError as error:
            raise _too_many_pixels(max_pixels) from error
        except (OSError, SyntaxError, ValueError, struct.error) as error:
            raise _corrupt() from error
        clean = _clean_copy(image, kind)

    buffer = io.BytesIO()
    if kind == "JPEG":
        clean.save(buffer, "JPEG", quality=JPEG_QUALITY)
        content_type, extension = "image/jpeg", "jpg"
    else:
        clean.save(buffer, "PNG", compress_level=6)
        content_type, extension = "image/png", "png"
    content = buffer.getvalue()
    return SanitizedImage(
        content=content,
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _clean_copy(image: Image.Image, kind: str) -> Image.Image:
    """Return the pixels turned upright, in sRGB, in a mode the output format stores, without any info."""
    upright = ImageOps.exif_transpose(image)
    icc_profile = image.info.get("icc_profile")
    if icc_profile and upright.mode in ("RGB", "RGBA", "CMYK"):
        upright = _to_srgb(upright, icc_profile)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    if kind == "PNG" and has_alpha:
        upright = upright.convert("RGBA")
    elif upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # A fresh image carries no info dict: no EXIF, ICC profile, comment, DPI text or PNG text chunks.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _to_srgb(image: Image.Image, icc_profile: bytes) -> Image.Image:
    """Convert from the embedded colour profile to sRGB, so that dropping the profile keeps the colours."""
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile: keep the pixels as they are.
        return image if image.mode == output_mode else image.convert(output_mode)


def _png_structure(data: bytes) -> bytes:
    """Walk the PNG chunks; refuse a missing IEND or data after it; return the ancillary chunks' data."""
    offset = len(PNG_MAGIC)
    metadata = bytearray()
    while True:
        if offset + 8 > len(data):
            raise _corrupt()
        length, chunk_type = struct.unpack(">I4s", data[offset : offset + 8])
        end = offset + 12 + length
        if end > len(data):
            raise _corrupt()
        if chunk_type[:1].islower():  # ancillary chunk: text, EXIF, ICC, private data
            metadata += data[offset + 8 : end - 4]
        if chunk_type == b"IEND":
            break
        offset = end
    if end != len(data):
        raise _polyglot()
    return bytes(metadata)


@dataclass(frozen=True)
class _JpegTrailer:
    """Where the first image of a JPEG file ends, and where its MPF header (if any) starts."""

    image_end: int
    mpf_start: int | None


def _jpeg_structure(data: bytes) -> tuple[bytes, _JpegTrailer | None]:
    """Return the APPn and COM segments' data, where a payload would hide, and the trailer if there is one."""
    metadata = bytearray()
    mpf_start = None
    end = 0
    for marker, start, end in _jpeg_segments(data):
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            metadata += data[start:end]
        if marker == 0xE2 and data.startswith(b"MPF\x00", start) and mpf_start is None:
            mpf_start = start + 4
    if len(data) - end <= JPEG_TRAILER_TOLERANCE:
        return bytes(metadata), None
    return bytes(metadata), _JpegTrailer(image_end=end, mpf_start=mpf_start)


def _jpeg_segments(data: bytes):
    """Yield (marker, data start, data end) for each segment up to EOI, skipping entropy-coded scans."""
    offset = 2
    size = len(data)
    while True:
        while offset + 1 < size and data[offset] == 0xFF and data[offset + 1] == 0xFF:
            offset += 1  # fill bytes before a marker
        if offset + 2 > size or data[offset] != 0xFF:
            raise _corrupt()
        marker = data[offset + 1]
        offset += 2
        if marker == 0xD9:
            yield marker, offset, offset
            return
        if marker in JPEG_STANDALONE_MARKERS:
            continue
        if offset + 2 > size:
            raise _corrupt()
        (length,) = struct.unpack(">H", data[offset : offset + 2])
        if length < 2 or offset + length > size:
            raise _corrupt()
        yield marker, offset + 2, offset + length
        offset += length
        if marker == 0xDA:  # start of scan: skip the entropy-coded data up to the next marker
            found = JPEG_SCAN_END.search(data, offset)
            if found is None:
                raise _corrupt()
            offset = found.start()


def _check_jpeg_trailer(image: Image.Image, data: bytes, trailer: _JpegTrailer) -> None:
    """Accept data after EOI only as the extra images an MPF header declares (phone depth or gain maps)."""
    if trailer.mpf_start is None:
        raise _polyglot()
    try:
        mp_info = JpegImagePlugin._getmp(image)
    except (SyntaxError, TypeError, IndexError, KeyError, ValueError, struct.error):
        mp_info = None
    if not mp_info or 0xB002 not in mp_info:
        raise _polyglot()
    declared_end = trailer.image_end
    for entry in mp_info[0xB002][1:]:
        start = trailer.mpf_start + entry["DataOffset"]
        if start < trailer.image_end or not data.startswith(JPEG_MAGIC, start):
            raise _polyglot()
        declared_end = max(declared_end, start + entry["Size"])
    if len(data) - declared_end > JPEG_TRAILER_TOLERANCE:
        raise _polyglot()


def _accept_pdf(data: bytes) -> SanitizedImage:
    """Pass the PDF through the PDF intake, at most MAX_PDF_PAGES pages; its bytes are kept as uploaded."""
    try:
        pdf_intake(data, max_pages=MAX_PDF_PAGES)
    except PdfRejected as rejection:
        code = rejection.code if rejection.code == "corrupt" else f"pdf_{rejection.code}"
        raise UploadRejected(code, rejection.message) from None
    return SanitizedImage(
        content=data,
        content_type="application/pdf",
        extension="pdf",
        width=0,
        height=0,
        sha256=hashlib.sha256(data).hexdigest(),
    )
