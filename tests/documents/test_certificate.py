import dataclasses
import datetime
import io

import cv2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfReader

from ruanzhu.documents.certificate import (
    VERIFY_LINE,
    CertificateData,
    SignatureReport,
    certificate_pdf,
    generate_signing_identity,
    sign_pdf,
    verify_signature,
)
from ruanzhu.documents.layout import SYSTEM_NAME
from tests.documents.pdfread import flat_text, page_fonts, pages_text, rasterise

VERIFY_URL = "https://ruanzhu.example.cn/registry/verify/2026SR0123456?c=8f3a61c2"

CERTIFICATE = CertificateData(
    kind="registration",
    title="计算机软件著作权登记证书",
    certificate_number="软著登字第0001234号",
    registration_number="2026SR0123456",
    software_name="艾克米合同管理系统",
    version="V2.1",
    owners=("北京艾克米科技有限公司", "张明远", "李晓梅"),
    completion_date=datetime.date(2026, 10, 8),
    first_publication_date=datetime.date(2026, 11, 2),
    acquisition="原始取得",
    rights_scope="全部权利",
    registered_on=datetime.date(2026, 12, 15),
    verification_url=VERIFY_URL,
)


@pytest.fixture(scope="module")
def identity() -> tuple[bytes, bytes]:
    return generate_signing_identity()


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return certificate_pdf(CERTIFICATE)


@pytest.fixture(scope="module")
def signed(unsigned, identity) -> bytes:
    key_pem, cert_pem = identity
    return sign_pdf(unsigned, key_pem=key_pem, cert_pem=cert_pem, signer_name=SYSTEM_NAME)


def test_certificate_states_every_field_on_one_page(unsigned):
    texts = pages_text(unsigned)
    flat = flat_text(unsigned)

    assert len(texts) == 1
    for line in (
        "计算机软件著作权登记证书",
        "证书号：软著登字第0001234号",
        "软件名称：艾克米合同管理系统V2.1",
        "著作权人：北京艾克米科技有限公司；张明远；李晓梅",
        "开发完成日期：2026年10月8日",
        "首次发表日期：2026年11月2日",
        "权利取得方式：原始取得",
        "权利范围：全部权利",
        "登记号：2026SR0123456",
        "对以上事项予以登记。",
        VERIFY_LINE,
        SYSTEM_NAME + "2026年12月15日",
    ):
        assert line in flat, line
    assert "未发表" not in flat
    assert "第 1 页" not in texts[0]  # a certificate has a border, not a running footer


def test_unpublished_software_says_so():
    flat = flat_text(certificate_pdf(dataclasses.replace(CERTIFICATE, first_publication_date=None)))

    assert "首次发表日期：未发表" in flat


def test_change_certificate_prints_its_rows_and_its_own_closing():
    change = dataclasses.replace(
        CERTIFICATE,
        kind="change",
        title="计算机软件著作权登记事项变更证明",
        software_name="艾克米合同云",
        extra_rows=(
            ("变更事项", "软件名称：艾克米合同管理系统 → 艾克米合同云"),
            ("变更日期", "2027年3月1日"),
        ),
        issuer="示例登记机构",
    )

    flat = flat_text(certificate_pdf(change))

    assert "计算机软件著作权登记事项变更证明" in flat
    assert "变更事项：软件名称：艾克米合同管理系统→艾克米合同云" in flat
    assert "变更日期：2027年3月1日" in flat
    assert "对以上变更或补充事项予以登记。" in flat
    assert "示例登记机构2026年12月15日" in flat
    assert SYSTEM_NAME not in flat


def test_qr_code_holds_the_verification_url(unsigned, tmp_path):
    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(rasterise(unsigned, tmp_path))

    assert points is not None
    assert decoded == VERIFY_URL


def test_the_chinese_font_is_embedded(unsigned):
    fonts = [font for font in page_fonts(unsigned) if "WenQuanYiMicroHei" in str(font["/BaseFont"])]

    assert fonts
    assert all("/FontFile2" in font["/FontDescriptor"].get_object() for font in fonts)


def test_same_data_gives_the_same_bytes_and_other_data_other_bytes(unsigned):
    assert certificate_pdf(CERTIFICATE) == unsigned
    assert certificate_pdf(dataclasses.replace(CERTIFICATE, registration_number="2026SR0123457")) != unsigned


def test_metadata_comes_from_the_certificate(unsigned):
    info = PdfReader(io.BytesIO(unsigned)).metadata

    assert info.title == "计算机软件著作权登记证书"
    assert "2026SR0123456" in info.subject
    assert info["/CreationDate"] == "D:20261215000000+08'00'"


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "renewal"},
        {"owners": ()},
        {"verification_url": ""},
        {"extra_rows": tuple(("变更事项", "软件名称：旧名称 → 新名称" * 8) for _ in range(30))},
    ],
)
def test_certificate_refuses_bad_data(change):
    with pytest.raises(ValueError):
        certificate_pdf(dataclasses.replace(CERTIFICATE, **change))


def test_signed_certificate_validates_against_its_root(signed, identity, unsigned):
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)

    report = verify_signature(signed, trust_roots_pem=(identity[1],))

    assert report.valid and report.intact and report.trusted
    assert report.signer == "软著登记服务平台 证书签名"
    assert before <= report.signed_at <= datetime.datetime.now(datetime.UTC)
    assert signed.startswith(unsigned)  # an incremental update: the certificate's bytes are untouched
    assert flat_text(signed) == flat_text(unsigned)


def test_signature_carries_reason_location_and_the_pades_subfilter(signed):
    field = PdfReader(io.BytesIO(signed)).get_fields()["Signature1"]
    value = field["/V"].get_object()

    assert value["/SubFilter"] == "/ETSI.CAdES.detached"
    assert value["/Reason"] == "软件著作权登记证书"
    assert value["/Location"] == "中国"
    assert value["/Name"] == SYSTEM_NAME


def test_a_changed_byte_breaks_the_signature(signed, identity):
    position = signed.index(b"ReportLab PDF Library")
    tampered = signed[:position] + b"X" + signed[position + 1 :]

    report = verify_signature(tampered, trust_roots_pem=(identity[1],))

    assert not report.valid
    assert not report.intact
    assert not report.trusted


def test_an_unknown_root_is_not_trusted(signed):
    _, other_root = generate_signing_identity(common_name="另一个签名证书")

    report = verify_signature(signed, trust_roots_pem=(other_root,))

    assert report.valid and report.intact
    assert not report.trusted


def test_an_unsigned_pdf_has_no_valid_signature(unsigned, identity):
    assert verify_signature(unsigned, trust_roots_pem=(identity[1],)) == SignatureReport(
        valid=False, intact=False, trusted=False, signer="", signed_at=None
    )


def ca_and_leaf() -> tuple[bytes, bytes, bytes]:
    """Return a root certificate, and a leaf key and certificate issued by it (PEM), as production might pass."""
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "示例根证书")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "证书签名 生产")]))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        )
        .sign(root_key, hashes.SHA256())
    )
    leaf_key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = serialization.Encoding.PEM
    return root.public_bytes(pem), leaf_key_pem, leaf.public_bytes(pem)


def test_a_leaf_with_its_chain_is_trusted_through_the_root(unsigned, identity):
    root_pem, leaf_key_pem, leaf_pem = ca_and_leaf()

    signed = sign_pdf(unsigned, key_pem=leaf_key_pem, cert_pem=leaf_pem, chain_pems=(root_pem,))

    report = verify_signature(signed, trust_roots_pem=(root_pem,))
    assert report.valid and report.intact and report.trusted
    assert report.signer == "证书签名 生产"
    assert not verify_signature(signed, trust_roots_pem=(identity[1],)).trusted


def test_signing_identity_is_for_signatures_only(identity):
    key_pem, cert_pem = identity
    cert = x509.load_pem_x509_certificate(cert_pem)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value

    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc >= datetime.timedelta(days=3650)
    assert b"PRIVATE KEY" in key_pem and b"ENCRYPTED" not in key_pem


def test_signing_and_checking_work_inside_a_running_event_loop():
    """pyHanko's synchronous calls use asyncio.run(); they must still work where a loop runs (e.g. an async view)."""
    import asyncio
    import concurrent.futures

    key_pem, cert_pem = generate_signing_identity()

    async def inside_loop():
        signed = sign_pdf(certificate_pdf(CERTIFICATE), key_pem=key_pem, cert_pem=cert_pem)
        return verify_signature(signed, trust_roots_pem=(cert_pem,))

    # In a thread of its own, so that the test does not depend on whether this thread already runs a loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(asyncio.run, inside_loop()).result()
    assert report.valid and report.trusted
