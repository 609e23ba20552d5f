import dataclasses
import datetime
import io
import zoneinfo

import cv2
import pytest
from pypdf import PdfReader
from reportlab.lib.textsplit import ALL_CANNOT_START
from reportlab.pdfbase.pdfmetrics import stringWidth

from ruanzhu.documents.application_form import (
    AGENT_TITLE,
    SIGNATURE_PAGE_NOTE,
    SIGNATURE_PAGE_TITLE,
    AgentBlock,
    ApplicationFormData,
    FormParty,
    FormSection,
    application_form_pdf,
)
from ruanzhu.documents.layout import (
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    document_styles,
)
from tests.documents.pdfread import flat_text, pages_text, rasterise, text_fragments

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
FLOW_NUMBER = "R1120261128000042"
FINGERPRINT = "8f3a61c2d94be07f" + "5d1e" * 12
# As forms_pdf.verification_url makes it: the flow number and the form version's token.
VERIFY_URL = f"https://ruanzhu.example.cn/services/forms/{FLOW_NUMBER}/h0Zc4w2Qm9Xr7Tn1Lb5Vk8Ps/"
MAIN_FUNCTIONS = (
    "本软件是面向中小企业的合同管理平台，"
    + "".join(
        f"第{number}项功能支持合同起草、审批流转、电子签署、履约提醒与归档检索；" for number in range(1, 60)
    )
)[:1300]

SECTIONS = (
    FormSection(
        "软件申请信息",
        (
            ("软件全称", "艾克米合同管理系统"),
            ("软件简称", "合同管家"),
            ("版本号", "V2.1"),
            ("软件分类", "应用软件"),
            ("软件作品说明", "原创"),
        ),
    ),
    FormSection(
        "软件开发信息",
        (
            ("开发完成日期", "2026年10月8日"),
            ("发表状态", "已发表"),
            ("首次发表日期", "2026年11月2日"),
            ("首次发表地点", "中国 北京市"),
            ("开发方式", "合作开发"),
            ("权利取得方式", "原始取得"),
            ("权利范围", "全部权利"),
        ),
    ),
    FormSection(
        "软件功能与特点",
        (
            ("开发的硬件环境", "x86-64 服务器，16 核 CPU，64GB 内存"),
            ("运行的硬件环境", "x86-64 服务器，8 核 CPU，16GB 内存"),
            ("开发该软件的操作系统", "Ubuntu 24.04"),
            ("软件开发环境/开发工具", "PyCharm 2026.2、VS Code"),
            ("运行平台/操作系统", "Linux"),
            ("运行支撑环境/支持软件", "PostgreSQL 17、Redis 7"),
            ("编程语言", "Python、TypeScript"),
            ("源程序量", "58210行"),
            ("开发目的", "提高中小企业合同管理效率"),
            ("面向领域", "企业管理"),
            ("主要功能", MAIN_FUNCTIONS),
            ("技术特点", "云计算；大数据。支持多租户隔离与全文检索。"),
        ),
    ),
)

OWNERS = (
    FormParty(
        role_label="著作权人",
        name="北京艾克米科技有限公司",
        category="企业法人",
        id_type="统一社会信用代码",
        id_number="91110108MA01ABCD2X",
        nationality="中国",
        province="北京市",
        city="海淀区",
        address="北京市海淀区中关村大街1号",
    ),
    FormParty("著作权人", "张明远", "自然人", "居民身份证", "110***********002X", "中国", "北京市", "朝阳区"),
    FormParty(
        "著作权人", "李晓梅", "自然人", "居民身份证", "310***********1234", "中国", "上海市", "浦东新区"
    ),
)

AGENT = AgentBlock(
    name="上海知正知识产权代理有限公司",
    address="上海市浦东新区世纪大道100号",
    postcode="200120",
    contact_person="王立",
    phone="021-68881234",
    email="service@zhizheng.example.cn",
    mandate_description="代为办理计算机软件著作权登记申请（R11）及补正，委托期限至2027年11月30日。",
)

FORM = ApplicationFormData(
    service_code="R11",
    title="计算机软件著作权登记申请表",
    flow_number=FLOW_NUMBER,
    fingerprint=FINGERPRINT,
    issued_at=datetime.datetime(2026, 11, 28, 9, 30, tzinfo=SHANGHAI),
    sections=SECTIONS,
    parties=OWNERS,
    agent=AGENT,
    verification_url=VERIFY_URL,
    documents=(
        ("程序鉴别材料", "60页，SHA-256 " + "1a2b3c4d" * 8),
        ("文档鉴别材料", "42页，SHA-256 " + "9f8e7d6c" * 8),
    ),
    confirmations=(
        ("北京艾克米科技有限公司", datetime.datetime(2026, 11, 28, 1, 12, tzinfo=datetime.UTC)),
        ("张明远", datetime.datetime(2026, 11, 28, 9, 20, tzinfo=SHANGHAI)),
        ("李晓梅", datetime.datetime(2026, 11, 28, 9, 25, tzinfo=SHANGHAI)),
    ),
)


@pytest.fixture(scope="module")
def form_pdf() -> bytes:
    return application_form_pdf(FORM)


def body_text(pdf: bytes) -> str:
    """Return the flat text of every page but the last (the signature page)."""
    return "".join("".join(text.split()) for text in pages_text(pdf)[:-1])


def test_form_prints_every_section_and_value(form_pdf):
    body = body_text(form_pdf)

    assert "计算机软件著作权登记申请表" in pages_text(form_pdf)[0]
    for section in SECTIONS:
        assert section.title in body
        for label, value in section.rows:
            assert "".join(label.split()) in body
            assert "".join(value.split()) in body, label


def test_form_prints_the_parties_with_their_ids_as_given(form_pdf):
    body = body_text(form_pdf)

    assert "著作权人" in body
    for owner in OWNERS:
        for value in (
            owner.name,
            owner.category,
            owner.id_number,
            owner.nationality,
            owner.province + owner.city,
        ):
            assert value in body
    assert "北京市海淀区中关村大街1号" in body
    assert "11010519491231002X" not in body


def test_form_prints_the_flow_number_fingerprint_and_issue_time(form_pdf):
    first = pages_text(form_pdf)[0]

    assert FLOW_NUMBER in first.replace(f"流水号 {FLOW_NUMBER}", "")  # under the bars, not only in the footer
    assert f"表单指纹：{FINGERPRINT[:16]}" in first
    assert FINGERPRINT[:17] not in first
    assert "出表时间：2026年11月28日 09:30" in first
    for number, text in enumerate(pages_text(form_pdf), start=1):
        assert f"流水号 {FLOW_NUMBER}" in text
        assert f"第 {number} 页" in text


def test_form_lists_the_documents_with_their_hashes(form_pdf):
    body = body_text(form_pdf)

    assert "程序鉴别材料60页，SHA-256" + "1a2b3c4d" * 8 in body
    assert "文档鉴别材料42页，SHA-256" + "9f8e7d6c" * 8 in body


def test_agent_block_is_printed_when_an_agent_files(form_pdf):
    body = body_text(form_pdf)

    assert AGENT_TITLE in body
    for value in (AGENT.name, AGENT.address, AGENT.postcode, AGENT.contact_person, AGENT.phone, AGENT.email):
        assert value in body
    assert "".join(AGENT.mandate_description.split()) in body


def test_without_an_agent_nothing_about_agents_is_printed(form_pdf):
    pdf = application_form_pdf(dataclasses.replace(FORM, agent=None))

    flat = flat_text(pdf)
    assert AGENT_TITLE in flat_text(form_pdf)
    assert "代理" not in flat
    assert AGENT.name not in flat
    assert "代理机构（签章）" not in flat


def test_signature_page_is_the_last_page_with_one_box_per_party_and_the_agent(form_pdf):
    pages = pages_text(form_pdf)
    last = "".join(pages[-1].split())

    assert len(pages) >= 3
    assert all(SIGNATURE_PAGE_TITLE not in text for text in pages[:-1])
    assert SIGNATURE_PAGE_TITLE in last
    assert FLOW_NUMBER in pages[-1].replace(f"流水号 {FLOW_NUMBER}", "")
    assert f"表单指纹{FINGERPRINT[:16]}" in last
    assert "软件全称艾克米合同管理系统" in last
    assert "版本号V2.1" in last
    for owner in OWNERS:
        assert last.count(f"著作权人（签章）：{owner.name}") == 1
    assert last.count("（签章）") == len(OWNERS) + 1
    assert f"代理机构（签章）：{AGENT.name}" in last
    assert last.count("日期：______年____月____日") == len(OWNERS) + 1
    assert SIGNATURE_PAGE_NOTE in last


def test_signature_page_records_each_confirmation_in_china_time(form_pdf):
    last = "".join(pages_text(form_pdf)[-1].split())

    assert "北京艾克米科技有限公司2026年11月28日09:12" in last
    assert "张明远2026年11月28日09:20" in last
    assert "李晓梅2026年11月28日09:25" in last


def test_signature_page_of_a_single_owner_without_an_agent_has_one_box():
    pdf = application_form_pdf(dataclasses.replace(FORM, parties=OWNERS[1:2], agent=None, confirmations=()))

    last = "".join(pages_text(pdf)[-1].split())
    assert last.count("（签章）") == 1
    assert "著作权人（签章）：张明远" in last
    assert "申请确认记录" not in last


def test_other_services_print_their_own_parties_and_rows():
    contract = ApplicationFormData(
        service_code="R21",
        title="计算机软件著作权转让或专有许可合同登记申请表",
        flow_number="R2120261128000003",
        fingerprint="ab" * 32,
        issued_at=datetime.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI),
        sections=(
            FormSection(
                "合同信息",
                (("软件名称", "艾克米合同管理系统"), ("版本号", "V2.1"), ("合同类型", "转让合同")),
            ),
        ),
        parties=(
            dataclasses.replace(OWNERS[0], role_label="转让方"),
            dataclasses.replace(OWNERS[1], role_label="受让方"),
        ),
        parties_title="合同当事人",
        agent=None,
        verification_url="https://ruanzhu.example.cn/services/forms/R2120261128000003/Jd3Kq8Xw1Mn5Rt7Vb2Lc9Hs4/",
    )

    pdf = application_form_pdf(contract)

    last = "".join(pages_text(pdf)[-1].split())
    assert "合同当事人" in body_text(pdf)
    assert "转让方（签章）：北京艾克米科技有限公司" in last
    assert "受让方（签章）：张明远" in last
    assert "软件全称艾克米合同管理系统" in last
    assert "R2120261128000003" in last


def test_qr_code_on_the_first_page_holds_the_verification_url(form_pdf, tmp_path):
    image = rasterise(form_pdf, tmp_path)

    decoded, points, _ = cv2.QRCodeDetector().detectAndDecode(image)

    assert points is not None
    assert decoded == VERIFY_URL


def test_long_values_wrap_inside_the_margins(form_pdf):
    font = document_styles().fonts.regular
    reader_pages = len(pages_text(form_pdf))
    function_lines = set()
    for index in range(reader_pages):
        fragments = text_fragments(form_pdf, index)
        # A mark that cannot start a line (、，。) hangs at the end of the line before, as in CJK typesetting.
        right_edges = [
            x + stringWidth(text.rstrip(ALL_CANNOT_START), font, size) for text, x, _, size in fragments
        ]
        assert max(right_edges) <= PAGE_WIDTH - MARGIN_RIGHT + 0.5
        assert min(x for _, x, _, _ in fragments) >= MARGIN_LEFT - 0.5
        function_lines |= {(index, round(y)) for text, _, y, _ in fragments if "审批流转" in text}

    assert len(function_lines) >= 20  # 1,300 characters take many lines, not one
    assert MAIN_FUNCTIONS in frame_text(form_pdf)  # and none is lost at a page break


def frame_text(pdf: bytes) -> str:
    """Return the text inside the body frame of every page, without the running header and footer."""
    parts = []
    for index in range(len(pages_text(pdf))):
        parts += [
            text
            for text, _, y, _ in text_fragments(pdf, index)
            if MARGIN_BOTTOM <= y <= PAGE_HEIGHT - MARGIN_TOP
        ]
    return "".join("".join(parts).split())


def test_a_value_longer_than_a_page_continues_on_the_next():
    very_long = "".join(
        f"第{number}段：合同起草、审批流转、电子签署、履约提醒与归档检索。" for number in range(160)
    )
    sections = (FormSection("软件功能与特点", (("主要功能", very_long),)),)

    pdf = application_form_pdf(dataclasses.replace(FORM, sections=sections))

    assert len(pages_text(pdf)) >= 4
    assert very_long in frame_text(pdf)


def test_same_data_gives_the_same_bytes_and_other_data_other_bytes(form_pdf):
    assert application_form_pdf(FORM) == form_pdf
    assert application_form_pdf(dataclasses.replace(FORM, fingerprint="0" * 64)) != form_pdf


def test_metadata_comes_from_the_form(form_pdf):
    info = PdfReader(io.BytesIO(form_pdf)).metadata

    assert info.title == "计算机软件著作权登记申请表"
    assert info.subject == "艾克米合同管理系统 V2.1"
    assert FLOW_NUMBER in info["/Keywords"]
    assert info["/CreationDate"] == "D:20261128093000+08'00'"


@pytest.mark.parametrize(
    "change",
    [
        {"parties": ()},
        {"fingerprint": ""},
        {"fingerprint": "not-a-digest"},
        {"flow_number": ""},
        {"flow_number": "流水号"},
        {"issued_at": datetime.datetime(2026, 11, 28, 9, 30)},
        {"agent": dataclasses.replace(AGENT, mandate_description="代" * 181)},
        {"verification_url": ""},
    ],
)
def test_form_refuses_bad_data(change):
    with pytest.raises(ValueError):
        application_form_pdf(dataclasses.replace(FORM, **change))


def test_a_mandate_description_of_180_characters_is_printed():
    description = "代" * 180

    pdf = application_form_pdf(
        dataclasses.replace(FORM, agent=dataclasses.replace(AGENT, mandate_description=description))
    )

    assert description in body_text(pdf)
