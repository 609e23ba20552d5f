"""Hostile files, generated: every reader of an upload answers with its own clear refusal or a valid result.

The readers: the ID image sanitizer, the PDF intake (and the deposit checker behind it), and the deposit
builder's archive reader. Inputs are random bytes, valid files mutated (bit flips, truncation, inserted bytes
and objects), PDFs built from generated object graphs, and archives with traversal, links, lying sizes, bombs
and duplicate names. Any other exception escaping is a failure: in the portal it would be a 500.
"""

import io
import os
import re
import stat
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ruanzhu.core.pdfs import PdfInfo, PdfRejected, pdf_intake
from ruanzhu.deposits.check import check_deposit
from ruanzhu.deposits.collect import collect_files
from ruanzhu.deposits.errors import DepositError
from ruanzhu.deposits.sources import open_source
from ruanzhu.identity.images.sanitize import SanitizedImage, UploadRejected, sanitize_upload
from tests.security.pdf_samples import build_pdf, document_objects, stream

# Examples per test: all of them together stay well under a minute. RUANZHU_FUZZ_EXAMPLES=5000 digs deeper.
EXAMPLES = int(os.environ.get("RUANZHU_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PDF_CODES = {"not_pdf", "corrupt", "encrypted", "too_many_pages", "too_complex", "active_content"}
MAX_PAGES = 20


def assert_clear_message(message: str) -> None:
    assert message.strip() and CHINESE.search(message), message


# --- Seeds ---------------------------------------------------------------------------------------------------------


def _image(mode: str, size=(48, 32)) -> Image.Image:
    gradient = Image.linear_gradient("L").resize(size)
    return Image.merge(mode, [gradient.rotate(90 * band) for band in range(len(mode))])


def _saved(image: Image.Image, kind: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **params)
    return buffer.getvalue()


def image_seeds() -> list[bytes]:
    exif = Image.Exif()
    exif[0x010F] = "Camera"  # Make
    return [
        _saved(_image("RGB"), "JPEG", quality=80, exif=exif.tobytes()),
        _saved(_image("L"), "JPEG", progressive=True),
        _saved(_image("RGBA"), "PNG"),
        _saved(_image("RGB").convert("P"), "PNG"),
    ]


def pdf_seeds() -> list[bytes]:
    with_annotation = document_objects(page="/Annots [20 0 R] ")
    with_annotation[20] = (
        "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://a.cn) >> >>"
    )
    return [
        build_pdf(document_objects()),
        build_pdf(document_objects(count=3)),
        build_pdf(with_annotation),
        _saved_canvas(),
    ]


def _saved_canvas() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    for number in range(1, 3):
        canvas.drawString(72, 760, f"软著测试系统 V1.0 {number}")
        canvas.drawString(72, 700, "value = compute(1)")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


IMAGE_SEEDS = image_seeds()
PDF_SEEDS = pdf_seeds()

# Fragments a mutation inserts: the syntax a hostile PDF is made of.
PDF_FRAGMENTS = [
    b" 1 0 R",
    b" 2 0 R ",
    b"/Count 999999999",
    b"/Count -1",
    b"/Kids [(page)]",
    b"/Kids [2 0 R]",
    b"/Root 1 0 R",
    b"/Type /Pages",
    b"/Length 99999999999",
    b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
    b"/AA << /O << /S /Launch /F (cmd) >> >>",
    b"/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>",
    b"/Filter /FlateDecode",
    b"/Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -1 >>",
    b"\n99 0 obj << /Type /Page /Parent 2 0 R >> endobj\n",
    b"\n1 0 obj 1 0 R endobj\n",
    b"\nxref\n0 1\n0000000000 65535 f \ntrailer << /Root 99 0 R >>\nstartxref\n0\n%%EOF\n",
    b"stream\n",
    b"endstream",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
]


@st.composite
def mutated(draw, seeds: list[bytes], fragments: list[bytes] = ()) -> bytes:
    """Return one of the seeds with a few bits flipped, bytes inserted, deleted or overwritten, or cut short."""
    data = bytearray(draw(st.sampled_from(seeds)))
    insertions = st.binary(min_size=1, max_size=48)
    if fragments:
        insertions = insertions | st.sampled_from(fragments)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "overwrite", "truncate"]))
        if operation == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "insert":
            data[position:position] = draw(insertions)
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        elif operation == "overwrite":
            chunk = draw(insertions)
            data[position : position + len(chunk)] = chunk
        elif operation == "truncate":
            del data[position:]
    return bytes(data)


# --- The image sanitizer -------------------------------------------------------------------------------------------


def check_sanitize(data: bytes, *, allow_pdf: bool) -> None:
    try:
        result = sanitize_upload(data, allow_pdf=allow_pdf, max_bytes=1024 * 1024, max_pixels=4_000_000)
    except UploadRejected as rejection:
        assert rejection.code
        assert_clear_message(rejection.message)
        return
    assert isinstance(result, SanitizedImage)
    if result.content_type == "application/pdf":
        assert allow_pdf and result.content == data
        return
    with Image.open(io.BytesIO(result.content)) as reopened:
        reopened.load()
        assert reopened.size == (result.width, result.height)
        assert reopened.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[result.content_type]
        assert not reopened.info.get("exif")


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.tuples(
            st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-"]), st.binary(max_size=2048)
        ).map(b"".join),
    ),
    allow_pdf=st.booleans(),
)
def test_sanitizer_on_random_bytes(data, allow_pdf):
    check_sanitize(data, allow_pdf=allow_pdf)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow's word on a damaged file
@FUZZ
@given(data=mutated(IMAGE_SEEDS), allow_pdf=st.booleans())
def test_sanitizer_on_mutated_images(data, allow_pdf):
    check_sanitize(data, allow_pdf=allow_pdf)


# --- The PDF intake -------------------------------------------------------------------------------------------------


def check_intake(data: bytes) -> PdfInfo | None:
    """Run the intake; an accepted file must also be readable by the deposit checker without an error."""
    try:
        info = pdf_intake(data, max_pages=MAX_PAGES)
    except PdfRejected as rejection:
        assert rejection.code in PDF_CODES
        assert_clear_message(rejection.message)
        return None
    assert 1 <= info.page_count <= MAX_PAGES
    result = check_deposit(data, kind="program", name="软著测试系统", version="V1.0")
    assert result.page_count == info.page_count
    for problem in result.problems:
        assert_clear_message(problem.message)
    return info


@FUZZ
@given(data=st.binary(max_size=4096).map(lambda tail: b"%PDF-1.7\n" + tail))
def test_intake_on_random_bytes(data):
    check_intake(data)


@FUZZ
@given(data=mutated(PDF_SEEDS, PDF_FRAGMENTS))
def test_intake_on_mutated_pdfs(data):
    check_intake(data)


NAMES = [
    "/Type", "/Pages", "/Page", "/Kids", "/Count", "/Parent", "/MediaBox", "/Contents", "/Resources", "/Annots",
    "/A", "/S", "/D", "/Dest", "/URI", "/N", "/Next", "/First", "/Last", "/Subtype", "/Font", "/Length", "/Root",
]  # fmt: skip
SCALARS = [
    "/Page", "/Pages", "/Catalog", "/GoTo", "/URI", "/Named", "/NextPage", "/Link", "(a string)", "<41>", "null",
    "true", "0", "-1", "999999999", "1.5", "[0 0 612 792]", "(https://example.com)", "[]", "<< >>",
]  # fmt: skip


@st.composite
def object_graphs(draw) -> bytes:
    """Return a PDF whose objects are partly the valid document's, partly generated values that may refer to
    themselves, to missing objects, or put any type where another is expected."""
    count = draw(st.integers(1, 4))
    objects = document_objects(count=count)
    numbers = [1, 2, 3, 4, *range(10, 10 + count), 30, 31]
    references = st.sampled_from(numbers).map(lambda number: f"{number} 0 R")
    values = st.recursive(
        references | st.sampled_from(SCALARS) | st.integers(-(2**63), 2**63).map(str),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda items: "[" + " ".join(items) + "]"),
            st.dictionaries(st.sampled_from(NAMES), inner, max_size=5).map(
                lambda entries: "<< " + " ".join(f"{key} {value}" for key, value in entries.items()) + " >>"
            ),
        ),
        max_leaves=10,
    )
    for _ in range(draw(st.integers(1, 5))):
        number = draw(st.sampled_from(numbers))
        if number in objects and not isinstance(objects[number], bytes) and draw(st.booleans()):
            # Add an entry to the object's dictionary (it wins over an earlier one of the same name).
            key, value = draw(st.sampled_from(NAMES)), draw(values)
            objects[number] = objects[number].rstrip(">") + f" {key} {value} >>"
        else:
            objects[number] = draw(values)
    trailer = draw(st.sampled_from(["/Root 1 0 R", "/Root 2 0 R", "/Root 30 0 R", "/Root (1)", ""]))
    return build_pdf(objects, trailer=trailer)


@FUZZ
@given(data=object_graphs())
def test_intake_on_generated_object_graphs(data):
    check_intake(data)


JAVASCRIPT = "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
INJECTIONS = [
    f"/OpenAction {JAVASCRIPT}",
    f"/OpenAction << /S /GoTo /D [10 0 R /Fit] /Next {JAVASCRIPT} >>",
    f"/AA << /O {JAVASCRIPT} >>",
    "/AA << /C << /S /Launch /F (calc.exe) >> >>",
    f"/A {JAVASCRIPT}",
    "/A << /S /URI /URI (javascript:alert\\(1\\)) >>",
    "/A << /S /SubmitForm /F (https://example.com) >>",
    "/A << /S /GoToR /F (\\\\\\\\host\\\\share\\\\a.pdf) /D [0 /Fit] >>",
    f"/Names << /JavaScript << /Names [(a) {JAVASCRIPT}] >> >>",
    "/Names << /EmbeddedFiles << /Names [(a) << /Type /Filespec /EF << /F 40 0 R >> >>] >> >>",
    "/Extra << /Type /Action /S /Launch /F (x) >>",
    "/Extra 41 0 R",
    "/AcroForm << /Fields [] /XFA 40 0 R >>",
    "/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 1 1] >>]",
    "/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>]",
    f"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /GoTo /D [0 /Fit] /Next [{JAVASCRIPT}] >> >>]",
]  # fmt: skip


@st.composite
def documents_with_active_content(draw) -> bytes:
    """Return a valid document with one piece of active content put into one of its reachable dictionaries."""
    count = draw(st.integers(1, 3))
    objects = document_objects(count=count, page="/Annots [20 0 R] ")
    objects[20] = "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /Dest [10 0 R /Fit] >>"
    objects[40] = stream(b"payload", "/Type /EmbeddedFile ")
    objects[41] = JAVASCRIPT
    target = draw(st.sampled_from([1, 2, 20, *range(10, 10 + count)]))
    objects[target] = objects[target].rstrip(">") + " " + draw(st.sampled_from(INJECTIONS)) + " >>"
    return build_pdf(objects)


@FUZZ
@given(data=documents_with_active_content())
def test_active_content_put_anywhere_is_refused(data):
    with pytest.raises(PdfRejected) as caught:
        pdf_intake(data)
    assert caught.value.code in {"active_content", "corrupt"}
    assert_clear_message(caught.value.message)


def test_the_seeds_themselves_are_accepted():
    """Mutations start from valid files, else the fuzzing would only ever test refusals."""
    for seed in PDF_SEEDS:
        assert check_intake(seed) is not None
    for seed in IMAGE_SEEDS:
        assert isinstance(sanitize_upload(seed), SanitizedImage)


# --- The deposit archive reader --------------------------------------------------------------------------------------

LIMIT = 256 * 1024
HOSTILE_NAMES = [
    "../escaped.py", "../../escaped.py", "a/../../escaped.py", "/abs/escaped.py", "C:\\escaped.py", "C:escaped.py",
    "a\\..\\..\\escaped.py", "./a.py", "a//b.py", "", ".", "a/", "main.py", "main.py", "lib/util.py", "lib",
    "lib/util.py/inner.py", "中文/模块.py", "a" * 300 + ".py",
]  # fmt: skip
KINDS = ["file", "file", "file", "dir", "symlink", "hardlink", "fifo", "device"]
LARGE_CONTENTS = {"bomb": b"\0" * (LIMIT + 1), "program": b"x = 1\n" * 5000}


@st.composite
def archive_entries(draw) -> list[tuple[str, str, bytes | str]]:
    names = st.sampled_from(HOSTILE_NAMES) | st.lists(
        st.sampled_from(["a", "b", "..", ".", "src", "x.py"]), min_size=1, max_size=4
    ).map("/".join)
    # Large contents are drawn by name, which keeps a failing example short to print.
    contents = st.binary(max_size=256) | st.sampled_from(sorted(LARGE_CONTENTS))
    return draw(st.lists(st.tuples(names, st.sampled_from(KINDS), contents), min_size=1, max_size=6))


def zip_archive(entries, *, declared_size: int | None) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, kind, drawn in entries:
                content = LARGE_CONTENTS.get(drawn, drawn)
                info = zipfile.ZipInfo(name if kind != "dir" else name.rstrip("/") + "/")
                if kind == "symlink":
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    content = b"../../etc/passwd"
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, b"" if kind == "dir" else content)
    data = bytearray(buffer.getvalue())
    if declared_size is not None:
        # Make every entry lie about its size, in the central directory and the local headers.
        for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
            for match in re.finditer(re.escape(signature), bytes(data)):
                start = match.start() + offset
                data[start : start + 4] = declared_size.to_bytes(4, "little")
    return bytes(data)


def tar_archive(entries, *, declared_size: int | None, compression: str) -> bytes:
    raw = io.BytesIO()
    for name, kind, drawn in entries:
        content = LARGE_CONTENTS.get(drawn, drawn)
        info = tarfile.TarInfo(name)
        info.type = {
            "file": tarfile.REGTYPE,
            "dir": tarfile.DIRTYPE,
            "symlink": tarfile.SYMTYPE,
            "hardlink": tarfile.LNKTYPE,
            "fifo": tarfile.FIFOTYPE,
            "device": tarfile.CHRTYPE,
        }[kind]
        if kind in ("symlink", "hardlink"):
            info.linkname = "../../etc/passwd"
        body = content if kind == "file" else b""
        info.size = declared_size if declared_size is not None and kind == "file" else len(body)
        raw.write(info.tobuf(format=tarfile.PAX_FORMAT))
        raw.write(body + b"\0" * (-len(body) % 512))
    raw.write(b"\0" * 1024)
    if compression == "gz":
        import gzip

        return gzip.compress(raw.getvalue())
    return raw.getvalue()


def check_archive(archive: Path, root: Path, sandbox: Path) -> None:
    """Open the archive; on success, what was extracted stays inside its folder, holds no links and no more
    than the limit, and the source collector reads it."""
    before = set(root.rglob("*"))
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(sandbox)
    try:
        with open_source(archive, limit=LIMIT) as folder:
            everything = list(folder.rglob("*"))
            assert not any(path.is_symlink() for path in everything)
            assert all(path.is_file() or path.is_dir() for path in everything)
            assert sum(path.stat().st_size for path in everything if path.is_file()) <= LIMIT
            collect_files(folder)
            outside = set(root.rglob("*")) - before - {folder, *everything}
            assert not outside, outside
    except DepositError as error:
        assert_clear_message(error.message)
    finally:
        tempfile.tempdir = saved_tempdir
    assert set(root.rglob("*")) == before  # nothing left behind, nothing written outside


ARCHIVE_FUZZ = settings(FUZZ, max_examples=max(EXAMPLES * 4 // 5, 1))


@ARCHIVE_FUZZ
@given(
    entries=archive_entries(),
    form=st.sampled_from(["zip", "tar", "tar.gz"]),
    declared_size=st.none() | st.sampled_from([0, 1, 2**31 - 1, 2**32 - 1]),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7)), max_size=3),
)
def test_archive_reader_on_hostile_archives(entries, form, declared_size, flips):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sandbox = root / "work" / "sandbox"
        sandbox.mkdir(parents=True)
        if form == "zip":
            data = zip_archive(entries, declared_size=declared_size)
        else:
            data = tar_archive(
                entries, declared_size=declared_size, compression="gz" if form == "tar.gz" else ""
            )
        data = bytearray(data)
        for position, bit in flips:
            if position < len(data):
                data[position] ^= 1 << bit
        archive = root / f"source.{form}"
        archive.write_bytes(bytes(data))
        check_archive(archive, root, sandbox)
