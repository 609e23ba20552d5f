"""Hand-written PDFs, byte by byte, for the intake's tests: valid, broken, and active in every way a reader knows.

pypdf's writer would repair or refuse most of these, so they are written as PDF source with a correct
cross-reference table (unless a test breaks it on purpose).
"""

import io

PAGE_CONTENT = b"BT /F1 24 Tf 72 720 Td (Hello) Tj ET"
FONT = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def stream(data: bytes, extra: str = "") -> bytes:
    """Return a stream object's source with the right /Length."""
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def build_pdf(
    objects: dict[int, str | bytes],
    *,
    trailer: str = "/Root 1 0 R",
    header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
) -> bytes:
    """Write objects (numbered source text) as a PDF with a cross-reference table and the given trailer."""
    out = io.BytesIO()
    out.write(header)
    size = max(objects) + 1
    offsets = {}
    for number in sorted(objects):
        body = objects[number]
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n".encode())
        out.write(body.encode("latin-1") if isinstance(body, str) else body)
        out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for number in range(1, size):
        if number in offsets:
            out.write(f"{offsets[number]:010d} 00000 n \n".encode())
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(f"trailer\n<< /Size {size} {trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def document_objects(
    *, catalog: str = "", pages: str = "", page: str = "", count: int = 1
) -> dict[int, str | bytes]:
    """Return the objects of a small valid document with `count` pages; the strings are added to the
    catalog (1), the page tree (2) and each page's dictionary (objects 10, 11, ...)."""
    kids = " ".join(f"{10 + index} 0 R" for index in range(count))
    objects: dict[int, str | bytes] = {
        1: f"<< /Type /Catalog /Pages 2 0 R {catalog}>>",
        2: f"<< /Type /Pages /Kids [{kids}] /Count {count} {pages}>>",
        3: stream(PAGE_CONTENT),
        4: FONT,
    }
    for index in range(count):
        objects[10 + index] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            f"/Resources << /Font << /F1 4 0 R >> >> {page}>>"
        )
    return objects


def document(*, extra: dict[int, str | bytes] | None = None, **parts) -> bytes:
    """Return a small valid PDF, changed by the keyword parts of document_objects and extra objects."""
    objects = document_objects(**parts)
    objects.update(extra or {})
    return build_pdf(objects)


def with_annotation(annotation: str, extra: dict[int, str | bytes] | None = None) -> bytes:
    """Return the document whose page holds one annotation (object 20)."""
    return document(page="/Annots [20 0 R] ", extra={20: annotation, **(extra or {})})


LINK = "<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /Border [0 0 0] /A {action} >>"


def with_link(action: str) -> bytes:
    """Return the document whose page holds a link running the given action."""
    return with_annotation(LINK.format(action=action))


def with_open_action(action: str) -> bytes:
    """Return the document whose catalog runs the given action when opened."""
    return document(catalog=f"/OpenAction {action} ")


# Every way of making a PDF act, as (name, bytes); each must be refused as active content.
def active_samples() -> list[tuple[str, bytes]]:
    """Return the hostile documents, one per kind of active content the intake refuses."""
    javascript = "<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    return [
        (
            "names_javascript",
            document(
                catalog="/Names << /JavaScript 30 0 R >> ",
                extra={30: "<< /Names [(a) 31 0 R] >>", 31: javascript},
            ),
        ),
        ("open_action_javascript", with_open_action(javascript)),
        ("open_action_javascript_indirect", document(catalog="/OpenAction 30 0 R ", extra={30: javascript})),
        ("open_action_uri", with_open_action("<< /S /URI /URI (https://example.com/track) >>")),
        ("open_action_launch", with_open_action("<< /S /Launch /F (calc.exe) >>")),
        (
            "open_action_goto_then_javascript",
            with_open_action(f"<< /S /GoTo /D [10 0 R /Fit] /Next {javascript} >>"),
        ),
        ("catalog_aa", document(catalog=f"/AA << /WC {javascript} >> ")),
        ("page_aa", document(page=f"/AA << /O {javascript} >> ")),
        (
            "annotation_aa",
            with_annotation(
                f"<< /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /AA << /E {javascript} >> >>"
            ),
        ),
        (
            "field_aa",
            document(
                catalog="/AcroForm << /Fields [30 0 R] >> ",
                extra={30: f"<< /FT /Tx /T (name) /AA << /K {javascript} >> >>"},
            ),
        ),
        ("link_javascript", with_link(javascript)),
        ("link_javascript_uri", with_link("<< /S /URI /URI (javascript:alert\\(1\\)) >>")),
        ("link_file_uri", with_link("<< /S /URI /URI (file:///etc/passwd) >>")),
        ("link_launch", with_link("<< /S /Launch /F << /Type /Filespec /F (cmd.exe) >> >>")),
        ("link_gotor", with_link("<< /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>")),
        ("link_gotoe", with_link("<< /S /GoToE /T << /R /C /N (x) >> /D [0 /Fit] >>")),
        ("link_submit_form", with_link("<< /S /SubmitForm /F << /FS /URL /F (https://example.com/) >> >>")),
        ("link_import_data", with_link("<< /S /ImportData /F (data.fdf) >>")),
        ("link_rendition", with_link("<< /S /Rendition /OP 4 /JS (app.alert\\(1\\)) >>")),
        ("link_named_menu", with_link("<< /S /Named /N /SaveAs >>")),
        ("link_then_javascript", with_link(f"<< /S /GoTo /D [10 0 R /Fit] /Next [{javascript}] >>")),
        (
            "link_hidden_type_action",
            document(catalog="/Extra 30 0 R ", extra={30: "<< /Type /Action /S /Launch /F (x) >>"}),
        ),
        (
            "outline_javascript",
            document(
                catalog="/Outlines 30 0 R ",
                extra={
                    30: "<< /Type /Outlines /First 31 0 R /Last 31 0 R /Count 1 >>",
                    31: f"<< /Title (x) /Parent 30 0 R /A {javascript} >>",
                },
            ),
        ),
        (
            "embedded_files",
            document(
                catalog="/Names << /EmbeddedFiles << /Names [(a.exe) 30 0 R] >> >> ",
                extra={
                    30: "<< /Type /Filespec /F (a.exe) /EF << /F 31 0 R >> >>",
                    31: stream(b"MZ", "/Type /EmbeddedFile "),
                },
            ),
        ),
        (
            "file_attachment",
            with_annotation(
                "<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /Type /Filespec /F (a.txt) >> >>"
            ),
        ),
        (
            "associated_file",
            document(
                catalog="/AF [30 0 R] ",
                extra={
                    30: "<< /Type /Filespec /F (a.xml) /EF << /F 31 0 R >> >>",
                    31: stream(b"<x/>", "/Type /EmbeddedFile "),
                },
            ),
        ),
        (
            "rich_media",
            with_annotation(
                "<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] /RichMediaContent << >> >>"
            ),
        ),
        ("screen", with_annotation("<< /Type /Annot /Subtype /Screen /Rect [0 0 10 10] >>")),
        ("three_d", with_annotation("<< /Type /Annot /Subtype /3D /Rect [0 0 10 10] >>")),
        (
            "xfa",
            document(catalog="/AcroForm << /Fields [] /XFA 30 0 R >> ", extra={30: stream(b"<xdp:xdp/>")}),
        ),
        ("js_key_anywhere", document(extra={30: "<< /JS (x) >>"}, catalog="/Extra 30 0 R ")),
    ]


def _replaced(**changes: str | bytes) -> bytes:
    objects = document_objects()
    objects.update({int(name.removeprefix("obj_")): body for name, body in changes.items()})
    return build_pdf(objects)


def malformed_samples() -> list[tuple[str, bytes]]:
    """Return the broken documents that used to crash a reader or pass as evidence; each must be refused."""
    return [
        ("root_refers_to_itself", build_pdf({1: "1 0 R"})),
        ("page_tree_is_the_catalog", build_pdf({1: "<< /Type /Catalog /Pages 1 0 R >>"})),
        (
            "stream_length_beyond_any_limit",
            _replaced(obj_3=b"<< /Length 99999999999 >>\nstream\nBT ET\nendstream"),
        ),
        ("count_999999999", _replaced(obj_2="<< /Type /Pages /Kids [10 0 R] /Count 999999999 >>")),
        ("page_is_a_string", _replaced(obj_2="<< /Type /Pages /Kids [(a page)] /Count 1 >>")),
        ("page_tree_loops", _replaced(obj_2="<< /Type /Pages /Kids [2 0 R] /Count 1 >>")),
        (
            "duplicate_key_hides_an_attachment",
            document(
                page="/Annots [] /Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] >>] "
            ),
        ),
        ("truncated", document()[:200]),
    ]


def encrypted(data: bytes) -> bytes:
    """Return data encrypted with an empty user password: it opens without asking, yet is encrypted."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_javascript(data: bytes) -> bytes:
    """Return a real document (a deposit, a letter) that also runs JavaScript when opened."""
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter(clone_from=io.BytesIO(data))
    writer.add_open_action(JavaScript("app.alert('opened');"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
