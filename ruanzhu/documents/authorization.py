"""Letters filled in by the system and returned signed: the institution's 授权书 and an agent's 委托书."""

import datetime
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from .layout import (
    SYSTEM_NAME,
    DocumentMeta,
    document_styles,
    format_date,
    key_value_table,
    paragraph,
    render_pdf,
    signature_box,
)

INSTITUTION_AUTHORIZATION_TEMPLATE = "授权书模板 2026-11"
AGENT_MANDATE_TEMPLATE = "委托书模板 2026-11"
UPLOAD_NOTE = "请使用本系统模板，打印后签字盖章，扫描或拍照上传。"
AUTHORIZATION_SCOPE = "办理中国版权保护中心软件著作权登记相关事宜及账户实名认证"
DEFAULT_MANDATE_SCOPE = (
    "代为填写、修改和提交上述申请的申请表及申请材料；代为上传鉴别材料及证明文件；"
    "代为接收受理通知、补正通知等文书并办理补正；代为查询办理进度、领取登记证书。"
    "申请确认验证码仍发送至著作权人本人手机，受托人不得代收。"
)


@dataclass(frozen=True)
class InstitutionAuthorizationData:
    """What the institution's authorization letter states; the system fills it from the verification."""

    institution_name: str
    credit_code: str
    legal_representative: str
    address: str
    administrator_name: str
    administrator_id_type: str
    administrator_id_number: str
    account_username: str
    date: datetime.date
    valid_until: datetime.date | None = None
    reference: str = ""


@dataclass(frozen=True)
class MandateLetterData:
    """What an agent's mandate letter states; the system fills it from the mandate record."""

    agent_name: str
    agent_address: str
    agent_postcode: str
    agent_contact_person: str
    agent_phone: str
    agent_email: str
    client_name: str
    # The services mandated, each as (code, title as printed), in the order printed.
    services: tuple[tuple[str, str], ...]
    start_date: datetime.date
    end_date: datetime.date
    date: datetime.date
    client_id_type: str = ""
    client_id_number: str = ""
    client_address: str = ""
    scope: str = DEFAULT_MANDATE_SCOPE
    reference: str = ""


def institution_authorization_letter_pdf(data: InstitutionAuthorizationData) -> bytes:
    """Return the 授权书 by which an institution authorises its account administrator on the portal."""
    styles = document_styles()
    title = "授权书"
    if data.valid_until is None:
        validity = "本授权书自签署之日起生效，至本单位书面撤销授权之日止。"
    else:
        if data.valid_until < data.date:
            raise ValueError("an authorization cannot end before it is signed")
        validity = f"本授权书有效期自{format_date(data.date)}起至{format_date(data.valid_until)}止。"
    story = [
        paragraph(title, styles.title),
        paragraph("授权单位", styles.heading),
        key_value_table(
            [
                ("单位名称", data.institution_name),
                ("统一社会信用代码", data.credit_code),
                ("法定代表人", data.legal_representative),
                ("单位地址", data.address),
            ],
            styles,
        ),
        paragraph("被授权人（账户管理员）", styles.heading),
        key_value_table(
            [
                ("姓名", data.administrator_name),
                ("证件类型", data.administrator_id_type),
                ("证件号码", data.administrator_id_number),
                ("平台账户用户名", data.account_username),
            ],
            styles,
        ),
        Spacer(1, 4 * mm),
        paragraph(
            f"兹授权{data.administrator_name}（{data.administrator_id_type}：{data.administrator_id_number}）"
            f"作为{data.institution_name}在{SYSTEM_NAME}的账户管理员，使用账户“{data.account_username}”"
            f"代表本单位{AUTHORIZATION_SCOPE}。被授权人在授权范围内所办事项，本单位均予以承认，并承担相应的法律责任。",
            styles.body,
        ),
        paragraph(validity, styles.body),
        paragraph("特此授权。", styles.body),
        Spacer(1, 4 * mm),
        KeepTogether(
            [
                signature_box(
                    ["法定代表人（签字）", "单位（盖章）", "被授权人（签字）"], styles, date_line=None
                ),
                Spacer(1, 3 * mm),
                paragraph(f"授权日期：{format_date(data.date)}", styles.cell),
                Spacer(1, 6 * mm),
                paragraph(UPLOAD_NOTE, styles.small),
                paragraph(INSTITUTION_AUTHORIZATION_TEMPLATE, styles.small),
            ]
        ),
    ]
    meta = DocumentMeta(
        title=title,
        reference=data.reference,
        created=data.date,
        subject=f"{data.institution_name} {AUTHORIZATION_SCOPE}",
        template_version=INSTITUTION_AUTHORIZATION_TEMPLATE,
    )
    return render_pdf(meta, story, fonts=styles.fonts)


def agent_mandate_letter_pdf(data: MandateLetterData) -> bytes:
    """Return the 委托书 by which a client mandates an agent for the services listed."""
    if not data.services:
        raise ValueError("a mandate covers at least one service")
    if any(not code or not title for code, title in data.services):
        raise ValueError("every mandated service needs its code and title")
    if data.end_date < data.start_date:
        raise ValueError("a mandate cannot end before it starts")
    styles = document_styles()
    title = "委托书"
    client_rows = [("委托人", data.client_name)]
    if data.client_id_number:
        client_rows.append((data.client_id_type or "证件号码", data.client_id_number))
    if data.client_address:
        client_rows.append(("地址", data.client_address))
    services = "；".join(f"{title}（{code}）" for code, title in data.services)
    term = f"{format_date(data.start_date)}至{format_date(data.end_date)}"
    story = [
        paragraph(title, styles.title),
        paragraph("委托人", styles.heading),
        key_value_table(client_rows, styles),
        paragraph("受托人（代理机构）", styles.heading),
        key_value_table(
            [
                ("代理机构名称", data.agent_name),
                ("地址", data.agent_address),
                ("邮政编码", data.agent_postcode),
                ("联系人", data.agent_contact_person),
                ("电话", data.agent_phone),
                ("电子邮箱", data.agent_email),
            ],
            styles,
        ),
        Spacer(1, 4 * mm),
        paragraph(
            f"兹委托{data.agent_name}代理{data.client_name}向中国版权保护中心办理下列事项，"
            "委托人对受托人在委托权限范围内所办事项予以承认。",
            styles.body,
        ),
        key_value_table(
            [("委托事项", services), ("委托权限范围", data.scope), ("委托期限", term)],
            styles,
        ),
        Spacer(1, 6 * mm),
        KeepTogether(
            [
                signature_box(
                    ["委托人（签字或盖章）", "受托人（盖章）", "经办人（签字）"], styles, date_line=None
                ),
                Spacer(1, 3 * mm),
                paragraph(f"委托日期：{format_date(data.date)}", styles.cell),
                Spacer(1, 6 * mm),
                paragraph(UPLOAD_NOTE, styles.small),
                paragraph(AGENT_MANDATE_TEMPLATE, styles.small),
            ]
        ),
    ]
    meta = DocumentMeta(
        title=title,
        reference=data.reference,
        created=data.date,
        subject=f"{data.client_name} 委托 {data.agent_name}",
        template_version=AGENT_MANDATE_TEMPLATE,
    )
    return render_pdf(meta, story, fonts=styles.fonts)
