"""Certificates (登记证书) for registrations, changes and contracts, and their digital signature."""

import asyncio
import concurrent.futures
import datetime
import io
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from .fonts import DocumentFonts
from .layout import (
    CONTENT_WIDTH,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SYSTEM_NAME,
    DocumentMeta,
    document_styles,
    format_date,
    paragraph,
    qr_code_flowable,
    render_pdf,
)

CERTIFICATE_KINDS = ("registration", "change", "contract")
CLOSING = {
    "registration": "根据《计算机软件保护条例》和《计算机软件著作权登记办法》的规定，经审查，对以上事项予以登记。",
    "change": "根据《计算机软件著作权登记办法》的规定，经审查，对以上变更或补充事项予以登记。",
    "contract": "根据《计算机软件著作权登记办法》的规定，经审查，对以上合同事项予以登记。",
}
VERIFY_LINE = "扫码验证证书"
SIGNATURE_FIELD = "Signature1"
BORDER_COLOR = colors.HexColor("#8B1A1A")
INDENT = 5 * mm  # the text sits a little inside the margins, clear of the border


@dataclass(frozen=True)
class CertificateData:
    """What a certificate states; change and contract certificates add their own rows."""

    kind: str
    title: str
    certificate_number: str
    registration_number: str
    software_name: str
    version: str
    owners: tuple[str, ...]
    completion_date: datetime.date
    first_publication_date: datetime.date | None
    acquisition: str
    rights_scope: str
    registered_on: datetime.date
    verification_url: str
    extra_rows: tuple[tuple[str, str], ...] = ()
    issuer: str = SYSTEM_NAME
    # The closing sentence; by default the one of the certificate's kind.
    closing: str = ""


@dataclass(frozen=True)
class SignatureReport:
    """The outcome of checking a signed PDF: valid and intact bytes, and whether the signer chains to a root."""

    valid: bool
    intact: bool
    trusted: bool
    signer: str
    signed_at: datetime.datetime | None


def certificate_pdf(data: CertificateData) -> bytes:
    """Return the unsigned one-page certificate; same data, same bytes."""
    if not data.closing and data.kind not in CERTIFICATE_KINDS:
        raise ValueError(f"unknown certificate kind {data.kind!r} and no closing sentence")
    if not data.owners:
        raise ValueError("a certificate names at least one owner")
    styles = document_styles()
    font = styles.fonts.regular
    title = ParagraphStyle("certificate-title", fontName=font, fontSize=26, leading=36, alignment=TA_CENTER)
    number = ParagraphStyle("certificate-number", fontName=font, fontSize=12, leading=18, alignment=TA_RIGHT)
    label = ParagraphStyle("certificate-label", fontName=font, fontSize=12.5, leading=20, wordWrap="CJK")
    value = ParagraphStyle("certificate-value", parent=label)
    body = ParagraphStyle(
        "certificate-body", parent=label, firstLineIndent=25, leftIndent=INDENT, rightIndent=INDENT
    )
    caption = ParagraphStyle("certificate-caption", parent=styles.small, alignment=TA_CENTER)
    right = ParagraphStyle("certificate-right", parent=label, alignment=TA_RIGHT)
    published = (
        format_date(data.first_publication_date) if data.first_publication_date is not None else "未发表"
    )
    rows = [
        ("软件名称", f"{data.software_name} {data.version}".strip()),
        ("著作权人", "；".join(data.owners)),
        ("开发完成日期", format_date(data.completion_date)),
        ("首次发表日期", published),
        ("权利取得方式", data.acquisition),
        ("权利范围", data.rights_scope),
        ("登记号", data.registration_number),
        *data.extra_rows,
    ]
    inner_width = CONTENT_WIDTH - 2 * INDENT
    fields = Table(
        [[paragraph(f"{name}：", label), paragraph(text, value)] for name, text in rows],
        colWidths=[34 * mm, inner_width - 34 * mm],
        hAlign="CENTER",
    )
    fields.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    qr_size = 28 * mm
    footer = Table(
        [
            [
                [qr_code_flowable(data.verification_url, size=qr_size), paragraph(VERIFY_LINE, caption)],
                [
                    Spacer(1, 10 * mm),
                    paragraph(data.issuer, right),
                    paragraph(format_date(data.registered_on), right),
                ],
            ]
        ],
        colWidths=[qr_size + 10 * mm, inner_width - qr_size - 10 * mm],
        hAlign="CENTER",
    )
    footer.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story: list[Flowable] = [
        Spacer(1, 12 * mm),
        paragraph(data.title, title),
        Spacer(1, 6 * mm),
        paragraph(f"证书号：{data.certificate_number}", number),
        Spacer(1, 8 * mm),
        fields,
        Spacer(1, 6 * mm),
        paragraph(data.closing or CLOSING[data.kind], body),
        Spacer(1, 14 * mm),
        footer,
    ]
    meta = DocumentMeta(
        title=data.title,
        reference=data.certificate_number,
        created=data.registered_on,
        subject=f"{data.software_name} {data.version} {data.registration_number}",
    )
    return render_pdf(meta, story, fonts=styles.fonts, decorate=_border(styles.fonts, data))


def _border(fonts: DocumentFonts, data: CertificateData):
    """Return the page furniture of a certificate: a double border and the numbers in small print at its foot."""

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        if total != 1:
            raise ValueError("a certificate fits on one page; shorten its rows")
        canvas.saveState()
        canvas.setStrokeColor(BORDER_COLOR)
        canvas.setLineWidth(2.4)
        canvas.rect(10 * mm, 10 * mm, PAGE_WIDTH - 20 * mm, PAGE_HEIGHT - 20 * mm)
        canvas.setLineWidth(0.8)
        canvas.rect(13 * mm, 13 * mm, PAGE_WIDTH - 26 * mm, PAGE_HEIGHT - 26 * mm)
        canvas.setFont(fonts.regular, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(
            PAGE_WIDTH / 2, 16 * mm, f"{data.certificate_number}　登记号 {data.registration_number}"
        )
        canvas.restoreState()

    return decorate


def sign_pdf(
    pdf: bytes,
    *,
    key_pem: bytes,
    cert_pem: bytes,
    chain_pems: tuple[bytes, ...] = (),
    reason: str = "软件著作权登记证书",
    location: str = "中国",
    signer_name: str = "",
) -> bytes:
    """Return pdf with an invisible PAdES signature by the given key (no timestamp server: none is reachable)."""
    signing_key = load_private_key_from_pemder_data(key_pem, passphrase=None)
    (signing_cert,) = load_certs_from_pemder_data(cert_pem)
    registry = SimpleCertificateStore()
    for chain_pem in chain_pems:
        registry.register_multiple(load_certs_from_pemder_data(chain_pem))
    signer = signers.SimpleSigner(signing_cert=signing_cert, signing_key=signing_key, cert_registry=registry)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=location,
        name=signer_name or None,
        subfilter=SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return _outside_event_loop(lambda: signers.sign_pdf(writer, metadata, signer=signer).getvalue())


def verify_signature(pdf: bytes, *, trust_roots_pem: tuple[bytes, ...]) -> SignatureReport:
    """Check the first signature of pdf against the given roots, offline; an unreadable file is not valid."""
    roots = [cert for pem in trust_roots_pem for cert in load_certs_from_pemder_data(pem)]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        if not reader.embedded_signatures:
            return SignatureReport(valid=False, intact=False, trusted=False, signer="", signed_at=None)
        status = _outside_event_loop(lambda: validate_pdf_signature(reader.embedded_signatures[0], context))
    except (PdfError, SignatureValidationError, ValueError):
        return SignatureReport(valid=False, intact=False, trusted=False, signer="", signed_at=None)
    untouched = status.docmdp_ok or status.modification_level is None
    return SignatureReport(
        valid=bool(status.valid and status.intact and untouched),
        intact=bool(status.intact),
        trusted=bool(status.trusted),
        signer=_common_name(status.signing_cert),
        signed_at=status.signer_reported_dt,
    )


def _outside_event_loop(call):
    """Run pyHanko's synchronous API, which calls asyncio.run(), also from a thread whose loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _common_name(cert: asn1_x509.Certificate) -> str:
    return cert.subject.native.get("common_name", "") or cert.subject.human_friendly


def generate_signing_identity(
    common_name: str = "软著登记服务平台 证书签名", days: int = 3650
) -> tuple[bytes, bytes]:
    """Return a new EC P-256 key and a self-signed certificate for it, both PEM; the certificate is its own root."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, SYSTEM_NAME),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)
