import hashlib
import io
import time

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript

from ruanzhu.identity.images.sanitize import UploadRejected, sanitize_upload

from . import images_fixtures as fx

WRONG_TYPE = "请上传jpg、png、jpeg格式。"
CORRUPT = "文件已损坏或不完整，请重新上传。"


@pytest.fixture(scope="module")
def card_photo() -> Image.Image:
    return fx.photo_of_card(fx.id_card_front())


def rejected(data: bytes, **options) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        sanitize_upload(data, **options)
    return caught.value


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 17.0)
    return exif


def test_jpeg_is_re_encoded_with_its_size_type_and_hash(card_photo):
    result = sanitize_upload(fx.jpeg_bytes(card_photo))

    assert (result.content_type, result.extension) == ("image/jpeg", "jpg")
    assert (result.width, result.height) == card_photo.size
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()
    with Image.open(io.BytesIO(result.content)) as reopened:
        assert reopened.format == "JPEG"
        assert reopened.size == card_photo.size


def test_png_is_re_encoded_as_png(card_photo):
    result = sanitize_upload(fx.png_bytes(card_photo.resize((800, 600))))

    assert (result.content_type, result.extension) == ("image/png", "png")
    with Image.open(io.BytesIO(result.content)) as reopened:
        assert reopened.format == "PNG"
        assert reopened.size == (800, 600)


def test_gps_and_camera_exif_are_gone_after_sanitising(card_photo):
    upload = fx.jpeg_bytes(card_photo, exif=gps_exif())
    with Image.open(io.BytesIO(upload)) as original:
        assert original.getexif().get_ifd(0x8825)  # the upload really carries a position

    result = sanitize_upload(upload)

    with Image.open(io.BytesIO(result.content)) as cleaned:
        assert not cleaned.getexif()
        assert "exif" not in cleaned.info
    assert b"PhoneModel" not in result.content
    assert b"Exif\x00\x00" not in result.content


def test_comment_icc_profile_and_png_text_are_gone(card_photo):
    from PIL import ImageCms, PngImagePlugin

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg = fx.jpeg_bytes(card_photo, comment=b"owner: Zhang San", icc_profile=srgb)
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Zhang San 13800138000")
    png = fx.png_bytes(card_photo.resize((640, 480)), pnginfo=text)

    clean_jpeg = sanitize_upload(jpeg).content
    clean_png = sanitize_upload(png).content

    with Image.open(io.BytesIO(clean_jpeg)) as reopened:
        assert "comment" not in reopened.info
        assert "icc_profile" not in reopened.info
    assert b"Zhang San" not in clean_jpeg
    with Image.open(io.BytesIO(clean_png)) as reopened:
        assert not reopened.text
    assert b"13800138000" not in clean_png


def test_exif_orientation_is_applied_before_the_tag_is_dropped(card_photo):
    landscape = card_photo.resize((800, 600))
    # Orientation 6: the camera held upright stored the pixels turned; viewers rotate them 90° clockwise.
    upload = fx.jpeg_bytes(landscape, exif=gps_exif(orientation=6))

    result = sanitize_upload(upload)

    assert (result.width, result.height) == (600, 800)
    with Image.open(io.BytesIO(result.content)) as upright:
        assert upright.size == (600, 800)
        assert 0x0112 not in upright.getexif()


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda image: fx.gif_bytes(image), id="gif renamed jpg"),
        pytest.param(lambda image: b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(
            lambda image: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            id="svg",
        ),
        pytest.param(lambda image: fx.zip_bytes(), id="zip"),
        pytest.param(lambda image: b"%PDF-1.7\n%not allowed here", id="pdf where only images are allowed"),
        pytest.param(lambda image: b"", id="empty"),
    ],
)
def test_other_content_is_refused_whatever_the_name(card_photo, upload):
    error = rejected(upload(card_photo.resize((200, 150))))

    assert error.code == "wrong_type"
    assert error.message == WRONG_TYPE


def test_file_over_the_size_limit_is_refused_before_decoding():
    error = rejected(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024))

    assert error.code == "too_large"
    assert error.message == "文件不能超过5MB。"


def test_size_limit_is_configurable(card_photo):
    upload = fx.jpeg_bytes(card_photo)

    assert rejected(upload, max_bytes=len(upload) - 1).code == "too_large"
    assert sanitize_upload(upload, max_bytes=len(upload)).width == card_photo.width


def test_truncated_jpeg_is_refused(card_photo):
    upload = fx.jpeg_bytes(card_photo)

    error = rejected(upload[: len(upload) * 2 // 3])

    assert error.code == "corrupt"
    assert error.message == CORRUPT


def test_truncated_png_is_refused(card_photo):
    upload = fx.png_bytes(card_photo.resize((640, 480)))

    assert rejected(upload[: len(upload) // 2]).code == "corrupt"


def test_png_with_damaged_pixel_data_is_refused(card_photo):
    upload = bytearray(fx.png_bytes(card_photo.resize((640, 480))))
    idat = upload.index(b"IDAT") + 4
    upload[idat + 500 : idat + 700] = b"\xff" * 200  # chunk lengths and order stay intact

    assert rejected(bytes(upload)).code == "corrupt"


def test_png_with_a_zip_appended_is_refused(card_photo):
    polyglot = fx.png_bytes(card_photo.resize((640, 480))) + fx.zip_bytes()

    error = rejected(polyglot)

    assert error.code == "hidden_content"
    assert "jpg或png" in error.message


def test_jpeg_with_a_zip_appended_is_refused(card_photo):
    polyglot = fx.jpeg_bytes(card_photo.resize((640, 480))) + fx.zip_bytes()

    assert rejected(polyglot).code == "hidden_content"


def test_jpeg_with_a_few_padding_bytes_after_the_end_is_accepted(card_photo):
    padded = fx.jpeg_bytes(card_photo.resize((640, 480))) + b"\x00" * 16

    assert sanitize_upload(padded).width == 640


def test_jpeg_with_a_script_in_its_comment_is_refused(card_photo):
    upload = fx.jpeg_bytes(card_photo.resize((640, 480)), comment=b"<script>fetch('/staff/')</script>")

    assert rejected(upload).code == "hidden_content"


def test_png_with_html_in_a_text_chunk_is_refused(card_photo):
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "<html><body onload=alert(1)></body></html>")

    assert rejected(fx.png_bytes(card_photo.resize((640, 480)), pnginfo=text)).code == "hidden_content"


def test_png_decompression_bomb_is_refused_without_decoding_it():
    bomb = fx.png_bomb(30_000, 30_000)
    assert len(bomb) < 200_000  # small file, 900 million pixels

    started = time.perf_counter()
    error = rejected(bomb)

    assert error.code == "too_many_pixels"
    assert error.message == "图片像素过大（超过4000万像素）。"
    assert time.perf_counter() - started < 1.0


def test_image_just_over_forty_megapixels_is_refused():
    upload = fx.jpeg_bytes(Image.new("L", (8000, 5001), 128), quality=50)  # 40,008,000 pixels

    error = rejected(upload)

    assert error.code == "too_many_pixels"
    assert "4000万像素" in error.message


def test_pixel_limit_is_configurable(card_photo):
    upload = fx.jpeg_bytes(card_photo.resize((1000, 750)))

    assert rejected(upload, max_pixels=749_999).code == "too_many_pixels"
    assert sanitize_upload(upload, max_pixels=750_000).height == 750


def pdf_bytes(pages: int = 1, *, password: str | None = None, script: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if script:
        writer.add_open_action(JavaScript("app.alert('hello');"))
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_is_accepted_as_is_where_allowed():
    upload = pdf_bytes(2)

    result = sanitize_upload(upload, allow_pdf=True)

    assert result.content == upload
    assert (result.content_type, result.extension) == ("application/pdf", "pdf")
    assert result.sha256 == hashlib.sha256(upload).hexdigest()


def test_pdf_where_allowed_still_refuses_other_types(card_photo):
    error = rejected(fx.gif_bytes(card_photo.resize((100, 80))), allow_pdf=True)

    assert error.code == "wrong_type"
    assert "pdf" in error.message


def test_encrypted_pdf_is_refused():
    assert rejected(pdf_bytes(password="secret"), allow_pdf=True).code == "pdf_encrypted"


def test_pdf_with_more_than_ten_pages_is_refused():
    assert sanitize_upload(pdf_bytes(10), allow_pdf=True).extension == "pdf"

    error = rejected(pdf_bytes(11), allow_pdf=True)

    assert error.code == "pdf_too_many_pages"
    assert "10页" in error.message


def test_pdf_with_javascript_is_refused():
    assert rejected(pdf_bytes(script=True), allow_pdf=True).code == "pdf_active_content"


def test_broken_pdf_is_refused():
    assert rejected(b"%PDF-1.7\n1 0 obj << /Type /Catalog", allow_pdf=True).code == "corrupt"
