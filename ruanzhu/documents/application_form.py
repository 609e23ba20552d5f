"""The application form (申请表) with its signature page (申请确认签章页), for every service that issues one.

Services differ only in their sections and in the roles of their parties, so the caller passes those as
label/value rows and the form prints them as given.
"""

import datetime
import string
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer, Table, TableStyle

from .layout import (
    CHINA_OFFSET,
    CONTENT_WIDTH,
    GRID_COLOR,
    LABEL_BACKGROUND,
    DocumentMeta,
    DocumentStyles,
    code128_flowable,
    document_styles,
    format_date,
    key_value_table,
    paragraph,
    qr_code_flowable,
    render_pdf,
    signature_box,
)

FORM_TEMPLATE = "申请表模板 2026-11"
SIGNATURE_PAGE_TITLE = "申请确认签章页"
SIGNATURE_PAGE_NOTE = "本页签章后扫描或拍照上传，作为提交申请的确认。"
AGENT_TITLE = "代理机构信息"
AGENT_DESCRIPTION_MAX = 180
FINGERPRINT_PRINTED = 16
SOFTWARE_NAME_LABELS = ("软件全称", "软件名称")
VERSION_LABEL = "版本号"
CHINA = datetime.timezone(CHINA_OFFSET)
BOXES_PER_ROW = 2
HEADING_KEEP = 30 * mm  # a heading needs this much room below it, or it starts the next page


@dataclass(frozen=True)
class FormParty:
    """A party as printed on the form: an owner, a transferor, a licensee…; the ID number is printed as given."""

    role_label: str
    name: str
    category: str
    id_type: str
    id_number: str
    nationality: str
    province: str
    city: str
    address: str = ""


@dataclass(frozen=True)
class AgentBlock:
    """The agent block, printed when an agent files under a mandate."""

    name: str
    address: str
    postcode: str
    contact_person: str
    phone: str
    email: str
    mandate_description: str


@dataclass(frozen=True)
class FormSection:
    """A titled group of label/value rows (软件申请信息, 软件开发信息…)."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ApplicationFormData:
    """Everything an issued form prints; the service decides the sections and the parties' roles."""

    service_code: str
    title: str
    flow_number: str
    fingerprint: str
    issued_at: datetime.datetime
    sections: tuple[FormSection, ...]
    parties: tuple[FormParty, ...]
    agent: AgentBlock | None
    verification_url: str
    parties_title: str = "著作权人"
    documents: tuple[tuple[str, str], ...] = ()
    confirmations: tuple[tuple[str, datetime.datetime], ...] = ()


def format_datetime(value: datetime.datetime) -> str:
    """Return an aware time in China the Chinese way: 2026年11月28日 09:30."""
    if value.utcoffset() is None:
        raise ValueError("times printed on a form must be timezone-aware")
    local = value.astimezone(CHINA)
    return f"{format_date(local.date())} {local:%H:%M}"


def application_form_pdf(data: ApplicationFormData) -> bytes:
    """Return the issued application form: its sections, parties, agent and documents, then the signature page."""
    _check(data)
    styles = document_styles()
    story: list[Flowable] = [
        paragraph(data.title, styles.title),
        _identification(data, styles, with_qr=True),
        Spacer(1, 2 * mm),
    ]
    for section in data.sections:
        story += [*_heading(section.title, styles), _rows_table(section.rows, styles)]
    story += [*_heading(data.parties_title, styles), _parties_table(data.parties, styles)]
    if data.agent is not None:
        story += [*_heading(AGENT_TITLE, styles), _agent_table(data.agent, styles)]
    if data.documents:
        story += [*_heading("申请材料", styles), _documents_table(data.documents, styles)]
    story += [PageBreak(), *_signature_page(data, styles)]
    meta = DocumentMeta(
        title=data.title,
        reference=f"流水号 {data.flow_number}",
        created=data.issued_at,
        subject=" ".join(part for part in _software_line_parts(data) if part) or data.title,
        template_version=FORM_TEMPLATE,
    )
    return render_pdf(meta, story, fonts=styles.fonts)


def _check(data: ApplicationFormData) -> None:
    if not data.parties:
        raise ValueError("a form has at least one party")
    if not data.fingerprint or any(char not in string.hexdigits for char in data.fingerprint):
        raise ValueError("the fingerprint of a form is a hexadecimal digest")
    if data.agent is not None and len(data.agent.mandate_description) > AGENT_DESCRIPTION_MAX:
        raise ValueError(f"the mandate description is limited to {AGENT_DESCRIPTION_MAX} characters")
    if data.issued_at.utcoffset() is None:
        raise ValueError("the issue time of a form must be timezone-aware")


def _identification(data: ApplicationFormData, styles: DocumentStyles, *, with_qr: bool) -> Table:
    """Return the flow number's barcode and the form's fingerprint, beside the QR code to the verification page."""
    qr_size = 30 * mm
    left = [
        paragraph("申请流水号", styles.label),
        Spacer(1, 1.5 * mm),
        code128_flowable(data.flow_number),
        Spacer(1, 3 * mm),
        paragraph(f"表单指纹：{data.fingerprint[:FINGERPRINT_PRINTED]}", styles.cell),
        paragraph(f"出表时间：{format_datetime(data.issued_at)}", styles.cell),
        paragraph(f"业务类型：{data.service_code}", styles.cell),
    ]
    if with_qr:
        right = [
            qr_code_flowable(data.verification_url, size=qr_size),
            paragraph("扫码查验申请表", styles.small),
        ]
    else:
        right = ""
    # The empty middle column keeps the barcode's quiet zone clear of the QR code's.
    table = Table(
        [[left, "", right]],
        colWidths=[CONTENT_WIDTH - qr_size - 16 * mm, 10 * mm, qr_size + 6 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _heading(title: str, styles: DocumentStyles) -> list[Flowable]:
    """Return a section heading that does not stay behind alone at the foot of a page."""
    return [CondPageBreak(HEADING_KEEP), paragraph(title, styles.heading)]


def _rows_table(rows: tuple[tuple[str, str], ...] | list[tuple[str, str]], styles: DocumentStyles) -> Table:
    """Return label/value rows; a value too long for the rest of the page goes on over the page break."""
    table = key_value_table(rows, styles, split_in_row=True)
    # Top-aligned, so that the label stays with the first part of a row that is split.
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _grid(data: list[list], widths: list[float], *, header: bool = True) -> Table:
    table = Table(data, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_BACKGROUND))
    table.setStyle(TableStyle(commands))
    return table


def _parties_table(parties: tuple[FormParty, ...], styles: DocumentStyles) -> Table:
    """Return one row per party (and a row for its address when there is one)."""
    headings = ("身份", "姓名或名称", "类别", "证件类型", "证件号码", "国籍", "省份/城市")
    widths = [m * mm for m in (18, 36, 16, 22, 40, 12, 26)]
    cell = ParagraphStyle("party", parent=styles.cell, fontSize=9.5, leading=13.5)
    rows: list[list] = [[paragraph(text, cell) for text in headings]]
    spans = []
    for party in parties:
        place = "".join(part for part in (party.province, party.city) if part) or "—"
        values = (
            party.role_label,
            party.name,
            party.category,
            party.id_type,
            party.id_number,
            party.nationality,
            place,
        )
        rows.append([paragraph(value, cell) for value in values])
        if party.address:
            rows.append([paragraph("地址", cell), paragraph(party.address, cell)] + [""] * 5)
            spans.append(("SPAN", (1, len(rows) - 1), (-1, len(rows) - 1)))
    table = _grid(rows, widths)
    if spans:
        table.setStyle(TableStyle(spans))
    return table


def _agent_table(agent: AgentBlock, styles: DocumentStyles) -> Table:
    rows = [
        ("代理机构名称", agent.name),
        ("地址", agent.address),
        ("邮政编码", agent.postcode),
        ("联系人", agent.contact_person),
        ("电话", agent.phone),
        ("电子邮箱", agent.email),
        ("委托事项", agent.mandate_description),
    ]
    return _rows_table(rows, styles)


def _documents_table(documents: tuple[tuple[str, str], ...], styles: DocumentStyles) -> Table:
    rows: list[list] = [[paragraph("材料名称", styles.label), paragraph("页数与摘要", styles.label)]]
    rows += [[paragraph(name, styles.cell), paragraph(detail, styles.cell)] for name, detail in documents]
    return _grid(rows, [42 * mm, CONTENT_WIDTH - 42 * mm])


def software_name_and_version(sections: Iterable[FormSection]) -> tuple[str, str]:
    """Return the software name and version as a form prints them, from its sections' rows (empty if none)."""
    values: dict[str, str] = {}
    for section in sections:
        for label, value in section.rows:
            values.setdefault(label, value)
    name = next((values[label] for label in SOFTWARE_NAME_LABELS if values.get(label)), "")
    return name, values.get(VERSION_LABEL, "")


def _software_line_parts(data: ApplicationFormData) -> tuple[str, str]:
    return software_name_and_version(data.sections)


def _signature_page(data: ApplicationFormData, styles: DocumentStyles) -> list[Flowable]:
    """Return the 申请确认签章页: identification, the software, one box per party and the agent's box."""
    name, version = _software_line_parts(data)
    summary = [("申请表", data.title), ("表单指纹", data.fingerprint[:FINGERPRINT_PRINTED])]
    if name:
        summary.append(("软件全称", name))
    if version:
        summary.append(("版本号", version))
    story: list[Flowable] = [
        paragraph(SIGNATURE_PAGE_TITLE, styles.title),
        # The QR code is on the first page already; encoding a second one would double the rendering time.
        _identification(data, styles, with_qr=False),
        Spacer(1, 3 * mm),
        key_value_table(summary, styles),
    ]
    if data.confirmations:
        story += [
            paragraph("申请确认记录", styles.heading),
            _grid(
                [[paragraph("确认人", styles.label), paragraph("确认时间", styles.label)]]
                + [
                    [paragraph(who, styles.cell), paragraph(format_datetime(when), styles.cell)]
                    for who, when in data.confirmations
                ],
                [CONTENT_WIDTH / 2, CONTENT_WIDTH / 2],
            ),
        ]
    story += [
        Spacer(1, 4 * mm),
        paragraph(
            f"以上申请表（流水号{data.flow_number}）所填内容及所附材料真实、合法，"
            "申请人对其真实性负责。各方在下方签字或盖章确认。",
            styles.body,
        ),
        Spacer(1, 2 * mm),
    ]
    labels = [f"{party.role_label}（签章）：{party.name}" for party in data.parties]
    if data.agent is not None:
        labels.append(f"代理机构（签章）：{data.agent.name}")
    column = CONTENT_WIDTH / BOXES_PER_ROW
    for start in range(0, len(labels), BOXES_PER_ROW):
        row = labels[start : start + BOXES_PER_ROW]
        story += [signature_box(row, styles, width=column * len(row), height=30 * mm), Spacer(1, 2 * mm)]
    story += [paragraph(SIGNATURE_PAGE_NOTE, styles.small), paragraph(FORM_TEMPLATE, styles.small)]
    return story
