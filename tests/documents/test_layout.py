import datetime
import io
import itertools
import zoneinfo

import cv2
import numpy as np
import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from ruanzhu.documents.layout import (
    SYSTEM_NAME,
    DocumentMeta,
    code128_flowable,
    document_styles,
    key_value_table,
    paragraph,
    qr_code_flowable,
    render_pdf,
    signature_box,
)
from tests.documents.pdfread import flat_text, pages_text, rasterise

VERIFY_URL = "https://ruanzhu.example.cn/registry/verify/2026SR0123456?c=8f3a"
FLOW_NUMBER = "R1120261128000042"


def meta(**overrides) -> DocumentMeta:
    values = {
        "title": "计算机软件著作权登记申请表",
        "reference": f"流水号 {FLOW_NUMBER}",
        "created": datetime.date(2026, 11, 28),
        "template_version": "申请表模板 2026-11",
    }
    values.update(overrides)
    return DocumentMeta(**values)


def barcode_page() -> bytes:
    styles = document_styles()
    story = [
        paragraph("申请确认签章页", styles.title),
        code128_flowable(FLOW_NUMBER),
        qr_code_flowable(VERIFY_URL, size=40 * 2.8346),
        key_value_table([("软件全称", "示例软件"), ("版本号", "V1.0")], styles),
        signature_box(["著作权人（签章）"], styles),
    ]
    return render_pdf(meta(), story)


def test_page_with_qr_code_and_barcode_renders_with_the_flow_number_readable():
    pdf = barcode_page()

    text = pages_text(pdf)[0]
    assert FLOW_NUMBER in text.replace(f"流水号 {FLOW_NUMBER}", "")  # under the bars, not only in the footer
    assert "申请确认签章页" in text
    assert "著作权人（签章）" in text


def test_qr_code_holds_the_url(tmp_path):
    image = rasterise(barcode_page(), tmp_path)

    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(image)

    assert points is not None
    assert decoded == VERIFY_URL


def decode_code128_sets_b_and_c(symbols: list[int]) -> str:
    """Decode Code128 symbol values in code sets B and C, checking start, checksum and stop."""
    start, *data, checksum, stop = symbols
    assert start in (104, 105)
    assert stop == 106
    assert checksum == (start + sum(weight * value for weight, value in enumerate(data, start=1))) % 103
    code_set, text = "B" if start == 104 else "C", ""
    for value in data:
        if value in (99, 100):
            code_set = "C" if value == 99 else "B"
        elif code_set == "C":
            text += f"{value:02d}"
        else:
            text += chr(value + 32)
    return text


def test_code128_bars_on_the_page_encode_the_flow_number(tmp_path):
    barcode = code128_flowable(FLOW_NUMBER)
    barcode.validate()
    barcode.encode()
    barcode.decompose()
    # Upper case letters are bar widths, lower case space widths, in modules (A=1 ... D=4).
    expected_modules = [ord(char.upper()) - ord("A") + 1 for char in barcode.decomposed]
    dpi = 300
    module_px = 0.3 / 25.4 * dpi
    image = rasterise(barcode_page(), tmp_path, dpi=dpi)

    rows_matching = 0
    for row in image[: image.shape[0] // 3]:
        dark = np.flatnonzero(row < 128)
        if dark.size == 0:
            continue
        runs = [len(list(group)) for _, group in itertools.groupby(row[dark[0] : dark[-1] + 1] < 128)]
        if [round(run / module_px) for run in runs] == expected_modules:
            rows_matching += 1

    assert decode_code128_sets_b_and_c(barcode.encoded) == FLOW_NUMBER
    assert rows_matching > 50  # every scan line through the bars reads the same modules


@pytest.mark.parametrize("text", ["", "流水号", "R11\n2026"])
def test_code128_refuses_what_it_cannot_encode(text):
    with pytest.raises(ValueError):
        code128_flowable(text)


def test_qr_code_needs_a_url():
    with pytest.raises(ValueError):
        qr_code_flowable("")


def test_every_page_has_the_header_and_says_page_x_of_y():
    styles = document_styles()
    story = [paragraph(f"第{number}段：" + "著作权登记申请内容。" * 12, styles.body) for number in range(60)]

    texts = pages_text(render_pdf(meta(), story))

    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert SYSTEM_NAME in text
        assert "计算机软件著作权登记申请表" in text
        assert f"第 {number} 页 / 共 {len(texts)} 页" in text
        assert f"流水号 {FLOW_NUMBER}" in text
        assert "申请表模板 2026-11" in text


def test_metadata_and_creation_date_come_from_the_document():
    created = datetime.datetime(2026, 11, 28, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))

    info = PdfReader(io.BytesIO(render_pdf(meta(created=created, subject="示例"), []))).metadata

    assert info.title == "计算机软件著作权登记申请表"
    assert info.author == SYSTEM_NAME
    assert info.subject == "示例"
    assert info["/CreationDate"] == "D:20261128093000+08'00'"
    assert info["/ModDate"] == "D:20261128093000+08'00'"


def test_a_date_is_midnight_in_china():
    info = PdfReader(io.BytesIO(render_pdf(meta(), []))).metadata

    assert info["/CreationDate"] == "D:20261128000000+08'00'"


def test_naive_creation_time_is_refused():
    with pytest.raises(ValueError):
        render_pdf(meta(created=datetime.datetime(2026, 11, 28, 9, 30)), [])


def test_same_story_gives_same_bytes_and_another_date_other_bytes():
    assert barcode_page() == barcode_page()
    assert render_pdf(meta(), []) != render_pdf(meta(created=datetime.date(2026, 11, 29)), [])


def test_text_is_printed_as_text_not_markup():
    styles = document_styles()

    pdf = render_pdf(meta(), [key_value_table([("单位名称", "<b>A&B</b> 公司\n第二行")], styles)])

    assert "<b>A&B</b>公司第二行" in flat_text(pdf)


def test_paragraph_styles_break_chinese_lines():
    styles = document_styles()

    for style in (styles.title, styles.heading, styles.body, styles.cell, styles.label, styles.small):
        assert style.wordWrap == "CJK"
        assert style.fontName == styles.fonts.regular
    assert isinstance(paragraph("中文", styles.body), Paragraph)


def test_signature_box_needs_a_signatory():
    with pytest.raises(ValueError):
        signature_box([], document_styles())
