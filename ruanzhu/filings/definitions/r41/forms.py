"""R41's wizard forms and the rules of its rows of item / before / after (SPEC §9)."""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.common import check_registration_number, label_of
from ruanzhu.registry.selectors import registration_get

ROWS = 10
REGISTRATION_TYPES = [("R11", _("计算机软件著作权登记"))]
CHANGE_KINDS = [("change", _("变更")), ("supplement", _("补充"))]
ITEMS = [
    ("software_name", _("软件名称")),
    ("version", _("版本号")),
    ("owner_name", _("著作权人名称")),
    ("first_publication_date", _("首次发表日期")),
    ("function", _("软件功能")),
    ("rights_transfer", _("权利转让")),
    ("completion_date", _("开发完成日期")),
]
# Items that no change or supplement may touch, and why.
REFUSED = {
    "function": _(
        "软件功能的变更不能通过变更或补充登记办理：功能有实质变化的软件应作为新版本另行申请软件著作权登记。"
    ),
    "rights_transfer": _(
        "权利转让不属于变更或补充登记：请通过“计算机软件著作权转让或专有许可合同登记申请”办理。"
    ),
    "completion_date": _("开发完成日期不能变更或补充。"),
}
CHANGES = frozenset({"software_name", "version", "owner_name"})
SUPPLEMENTS = frozenset({"first_publication_date"})


def _without_v(version: str) -> str:
    return version.strip().removeprefix("V").removeprefix("v").strip()


@dataclass(frozen=True)
class Row:
    number: int
    item: str
    before: str
    after: str


def rows_of(details: dict) -> list[Row]:
    """Return the filled rows of item / before / after."""
    rows = []
    for number in range(1, ROWS + 1):
        item = details.get(f"item_{number}") or ""
        before = (details.get(f"before_{number}") or "").strip()
        after = (details.get(f"after_{number}") or "").strip()
        if item or before or after:
            rows.append(Row(number, item, before, after))
    return rows


def row_text(row: Row) -> str:
    """Return a row as printed: “软件名称：旧 → 新”."""
    return f"{label_of(ITEMS, row.item)}：{row.before or '—'} → {row.after}"


class ChangeForm(forms.Form):
    """变更事项: the registration, 变更 or 补充, the rows of item / before / after and the reason."""

    registration_type = forms.ChoiceField(label=_("原登记类型"), choices=REGISTRATION_TYPES)
    registration_number = forms.CharField(
        label=_("原登记号"), max_length=13, help_text=_("例如 2026SR0123456")
    )
    change_kind = forms.ChoiceField(label=_("申请类型"), choices=CHANGE_KINDS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("变更或补充理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, ROWS + 1):
            self.fields[f"item_{number}"] = forms.ChoiceField(
                label=_("事项%(number)d") % {"number": number},
                choices=[("", "—"), *ITEMS],
                required=False,
            )
            self.fields[f"before_{number}"] = forms.CharField(
                label=_("变更前（事项%(number)d）") % {"number": number}, max_length=200, required=False
            )
            self.fields[f"after_{number}"] = forms.CharField(
                label=_("变更后（事项%(number)d）") % {"number": number}, max_length=200, required=False
            )
        self.fields["reason"] = self.fields.pop("reason")  # after the rows

    def clean(self):
        data = super().clean()
        registration = None
        if "registration_number" in data:
            try:
                data["registration_number"] = check_registration_number(data["registration_number"])
            except forms.ValidationError as error:
                self.add_error("registration_number", error)
            else:
                registration = registration_get(registration_number=data["registration_number"])
                if registration is None:
                    self.add_error(
                        "registration_number",
                        _("登记号%(number)s不在本系统的登记簿中，请核对。")
                        % {"number": data["registration_number"]},
                    )
        rows = rows_of(data)
        if not rows:
            self.add_error("item_1", _("请至少填写一项变更或补充事项。"))
        seen = set()
        for row in rows:
            field = f"item_{row.number}"
            if not row.item:
                self.add_error(field, _("请选择变更或补充的事项。"))
            elif row.item in REFUSED:
                self.add_error(field, REFUSED[row.item])
            elif row.item in seen:
                self.add_error(field, _("同一事项只能填写一次。"))
            else:
                seen.add(row.item)
                message = _row_problem(row, data.get("change_kind"), registration)
                if message:
                    self.add_error(field, message)
        if registration is not None:
            data["record_name"] = registration.software_name
            data["record_version"] = registration.version
        return data


def _row_problem(row: Row, kind: str | None, registration) -> str:
    """Return why a row of an allowed item cannot be recorded ("" if it can)."""
    if row.item in CHANGES and kind == "supplement":
        return gettext("软件名称、版本号和著作权人名称的修改属于变更，请选择“变更”。")
    if row.item in SUPPLEMENTS and kind == "change":
        return gettext("补充首次发表日期请选择“补充”。")
    if not row.after:
        return gettext("请填写变更后（补充）的内容。")
    if registration is None:
        return ""
    if row.item == "software_name":
        if row.before != registration.software_name:
            return gettext("变更前的软件名称须与登记记录一致：%(name)s。") % {
                "name": registration.software_name
            }
        if row.after == row.before:
            return gettext("变更后的软件名称与变更前相同。")
    elif row.item == "version":
        if row.before != registration.version:
            return gettext("变更前的版本号须与登记记录一致：%(version)s。") % {
                "version": registration.version
            }
        if row.after == row.before:
            return gettext("变更后的版本号与变更前相同。")
        if _without_v(row.after) != _without_v(row.before):
            return gettext("版本号只能增加或去掉“V”；其他版本号的变化属于新版本，应另行申请登记。")
    elif row.item == "owner_name":
        if row.before not in registration.owners:
            return gettext("变更前的著作权人名称须为登记记录中的著作权人：%(owners)s。") % {
                "owners": "、".join(registration.owners)
            }
        if row.after == row.before:
            return gettext("变更后的著作权人名称与变更前相同。")
    elif row.item == "first_publication_date":
        if registration.first_publication_date is not None:
            return gettext("该软件登记时已发表（首次发表日期%(date)s），不能补充首次发表日期。") % {
                "date": registration.first_publication_date.isoformat()
            }
        try:
            published = datetime.date.fromisoformat(row.after)
        except ValueError:
            return gettext("首次发表日期的格式应为“年-月-日”，例如2026-03-01。")
        if published < registration.completion_date:
            return gettext("首次发表日期不能早于开发完成日期%(date)s。") % {
                "date": registration.completion_date.isoformat()
            }
        if published > timezone.localdate():
            return gettext("首次发表日期不能晚于今天。")
    return ""


class EvidenceForm(forms.Form):
    """证明文件: the step has no fields, only the evidence upload."""
