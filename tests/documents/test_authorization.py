import dataclasses
import datetime
import hashlib
import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from ruanzhu.documents import fonts
from ruanzhu.documents.authorization import (
    AGENT_MANDATE_TEMPLATE,
    AUTHORIZATION_SCOPE,
    INSTITUTION_AUTHORIZATION_TEMPLATE,
    UPLOAD_NOTE,
    InstitutionAuthorizationData,
    MandateLetterData,
    agent_mandate_letter_pdf,
    institution_authorization_letter_pdf,
)
from ruanzhu.documents.layout import MARGIN_LEFT, MARGIN_RIGHT, PAGE_WIDTH, SYSTEM_NAME, document_styles
from tests.documents.pdfread import flat_text, page_fonts, pages_text, text_fragments

ACME = InstitutionAuthorizationData(
    institution_name="北京艾克米科技有限公司",
    credit_code="91110108MA01ABCD2X",
    legal_representative="张建国",
    address="北京市海淀区中关村大街1号",
    administrator_name="李晓梅",
    administrator_id_type="居民身份证",
    administrator_id_number="11010519491231002X",
    account_username="acme_admin",
    date=datetime.date(2026, 11, 28),
    reference="实名认证 IV-000042",
)

MANDATE = MandateLetterData(
    agent_name="上海知正知识产权代理有限公司",
    agent_address="上海市浦东新区世纪大道100号",
    agent_postcode="200120",
    agent_contact_person="王立",
    agent_phone="021-68881234",
    agent_email="service@zhizheng.example.cn",
    client_name="北京艾克米科技有限公司",
    client_id_type="统一社会信用代码",
    client_id_number="91110108MA01ABCD2X",
    services=(("R11", "计算机软件著作权登记申请"), ("R41", "软件登记事项变更或补充申请")),
    start_date=datetime.date(2026, 12, 1),
    end_date=datetime.date(2027, 11, 30),
    date=datetime.date(2026, 11, 28),
    reference="委托 M-000007",
)


def embedded_font_files(pdf: bytes) -> list[str]:
    """Return the names of the fonts on page 1 that carry an embedded TrueType program."""
    return [
        str(font["/BaseFont"])
        for font in page_fonts(pdf)
        if "/FontDescriptor" in font and "/FontFile2" in font["/FontDescriptor"].get_object()
    ]


def test_authorization_letter_states_the_institution_the_administrator_and_the_scope():
    pdf = institution_authorization_letter_pdf(ACME)

    texts = pages_text(pdf)
    flat = flat_text(pdf)
    assert len(texts) == 1
    assert "授权书" in texts[0]
    for value in (
        "北京艾克米科技有限公司",
        "91110108MA01ABCD2X",
        "张建国",
        "北京市海淀区中关村大街1号",
        "李晓梅",
        "居民身份证",
        "acme_admin",
        "2026年11月28日",
    ):
        assert value in flat
    assert "兹授权李晓梅" in flat
    # One date, the one printed: no blank date lines in the signature boxes to contradict it.
    assert flat.count("日期") == 1 and "授权日期：2026年11月28日" in flat
    assert AUTHORIZATION_SCOPE in flat
    assert "本授权书自签署之日起生效，至本单位书面撤销授权之日止。" in flat
    for signatory in ("法定代表人（签字）", "单位（盖章）", "被授权人（签字）"):
        assert signatory in flat
    assert UPLOAD_NOTE in flat
    assert "".join(INSTITUTION_AUTHORIZATION_TEMPLATE.split()) in flat
    assert "第 1 页 / 共 1 页" in texts[0]
    assert "实名认证 IV-000042" in texts[0]
    assert SYSTEM_NAME in texts[0]


def test_authorization_letter_prints_the_id_number_as_given():
    full = flat_text(institution_authorization_letter_pdf(ACME))
    masked = flat_text(
        institution_authorization_letter_pdf(
            dataclasses.replace(ACME, administrator_id_number="110***********002X")
        )
    )

    assert full.count("11010519491231002X") == 2  # in the table and in the text of the grant
    assert "110***********002X" in masked
    assert "11010519491231002X" not in masked


def test_authorization_letter_with_an_end_date_states_the_period():
    pdf = institution_authorization_letter_pdf(
        dataclasses.replace(ACME, valid_until=datetime.date(2027, 11, 27))
    )

    assert "本授权书有效期自2026年11月28日起至2027年11月27日止。" in flat_text(pdf)


def test_authorization_ending_before_it_is_signed_is_refused():
    with pytest.raises(ValueError):
        institution_authorization_letter_pdf(
            dataclasses.replace(ACME, valid_until=datetime.date(2026, 11, 27))
        )


def test_authorization_letter_metadata():
    info = PdfReader(io.BytesIO(institution_authorization_letter_pdf(ACME))).metadata

    assert info.title == "授权书"
    assert info.author == SYSTEM_NAME
    assert "北京艾克米科技有限公司" in info.subject
    assert INSTITUTION_AUTHORIZATION_TEMPLATE in info["/Keywords"]
    assert info["/CreationDate"] == "D:20261128000000+08'00'"


def test_same_data_gives_the_same_bytes_and_other_data_other_bytes():
    first = institution_authorization_letter_pdf(ACME)

    assert institution_authorization_letter_pdf(ACME) == first
    assert institution_authorization_letter_pdf(dataclasses.replace(ACME, account_username="acme2")) != first
    assert agent_mandate_letter_pdf(MANDATE) == agent_mandate_letter_pdf(MANDATE)


def test_long_institution_name_wraps_inside_the_page():
    name = "北京" + "艾克米云计算与人工智能软件技术研究" * 8 + "有限公司"
    pdf = institution_authorization_letter_pdf(dataclasses.replace(ACME, institution_name=name))
    font = document_styles().fonts.regular

    fragments = text_fragments(pdf)
    right_edges = [x + stringWidth(text, font, size) for text, x, _, size in fragments]
    name_lines = {round(y) for text, _, y, _ in fragments if "艾克米云计算" in text}

    assert flat_text(pdf).count(name) == 2  # in the table and in the text of the grant
    assert max(right_edges) <= PAGE_WIDTH - MARGIN_RIGHT + 0.5
    assert min(x for _, x, _, _ in fragments) >= MARGIN_LEFT - 0.5
    assert len(name_lines) >= 4  # at least two lines in the table cell and two in the paragraph


def test_font_is_embedded_when_the_font_file_exists():
    assert fonts.document_fonts().embedded

    embedded = embedded_font_files(institution_authorization_letter_pdf(ACME))

    assert any("WenQuanYiMicroHei" in name for name in embedded)


def test_missing_font_file_falls_back_to_stsong_and_says_so(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(fonts, "FONT_PATH", str(tmp_path / "missing.ttc"))

    with caplog.at_level(logging.WARNING, logger="ruanzhu.documents.fonts"):
        pdf = institution_authorization_letter_pdf(ACME)

    assert not fonts.document_fonts().embedded
    assert embedded_font_files(pdf) == []
    assert "/STSong-Light" in [str(font["/BaseFont"]) for font in page_fonts(pdf)]
    assert "兹授权李晓梅" in flat_text(pdf)
    assert any("STSong-Light" in record.getMessage() for record in caplog.records)


def test_mandate_letter_states_both_parties_the_services_the_scope_and_the_term():
    pdf = agent_mandate_letter_pdf(MANDATE)

    flat = flat_text(pdf)
    assert "委托书" in pages_text(pdf)[0]
    for value in (
        "上海知正知识产权代理有限公司",
        "上海市浦东新区世纪大道100号",
        "200120",
        "王立",
        "021-68881234",
        "service@zhizheng.example.cn",
        "北京艾克米科技有限公司",
        "91110108MA01ABCD2X",
    ):
        assert value in flat
    assert "委托事项计算机软件著作权登记申请（R11）；软件登记事项变更或补充申请（R41）" in flat
    assert "计算机软件著作权转让或专有许可合同登记申请" not in flat
    assert "委托权限范围" in flat
    assert "申请确认验证码仍发送至著作权人本人手机，受托人不得代收。" in flat
    assert "委托期限2026年12月1日至2027年11月30日" in flat
    for signatory in ("委托人（签字或盖章）", "受托人（盖章）", "经办人（签字）"):
        assert signatory in flat
    assert "委托日期：2026年11月28日" in flat
    assert flat.count("日期") == 1 and "____" not in flat
    assert UPLOAD_NOTE in flat
    assert "".join(AGENT_MANDATE_TEMPLATE.split()) in flat
    assert "委托 M-000007" in pages_text(pdf)[0]


def test_mandate_letter_prints_the_scope_given():
    pdf = agent_mandate_letter_pdf(dataclasses.replace(MANDATE, scope="仅限代为提交申请材料。"))

    assert "委托权限范围仅限代为提交申请材料。" in flat_text(pdf)


@pytest.mark.parametrize(
    "change",
    [
        {"services": ()},
        {"services": (("R11", "计算机软件著作权登记申请"), ("R99", ""))},
        {"end_date": datetime.date(2026, 11, 30)},
    ],
)
def test_mandate_letter_refuses_bad_data(change):
    with pytest.raises(ValueError):
        agent_mandate_letter_pdf(dataclasses.replace(MANDATE, **change))


def test_bytes_do_not_depend_on_the_process_or_the_order_fonts_were_loaded():
    script = (
        "import hashlib, sys\n"
        "from ruanzhu.deposits.fonts import load_font\n"
        "load_font(mono=sys.argv[1] == 'mono')\n"
        "from tests.documents.test_authorization import ACME\n"
        "from ruanzhu.documents.authorization import institution_authorization_letter_pdf\n"
        "print(hashlib.sha256(institution_authorization_letter_pdf(ACME)).hexdigest())\n"
    )
    digests = set()
    for first, seed in (("mono", "1"), ("sans", "2")):
        result = subprocess.run(
            [sys.executable, "-c", script, first],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            cwd=Path(__file__).resolve().parents[2],
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        digests.add(result.stdout.strip())

    assert digests == {hashlib.sha256(institution_authorization_letter_pdf(ACME)).hexdigest()}
