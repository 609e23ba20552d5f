"""R11's wizard forms and their choices: the fields and rules of SPEC §7."""

import re

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ruanzhu.filings.definitions.common import (
    ACQUISITION,
    DATE_INPUT,
    RIGHTS,
    RIGHTS_SCOPE,
    RIGHTS_SHOW_WHEN,
    check_registration_number,
    clean_rights,
)

DEVELOPMENT_MODES = [
    ("independent", _("独立开发")),
    ("cooperative", _("合作开发")),
    ("commissioned", _("委托开发")),
    ("assigned", _("下达任务开发")),
]
OWNER_TYPES = [("single", _("单一著作权人")), ("joint", _("多个著作权人（共有）"))]
WORK_TYPES = [("original", _("原创")), ("modified", _("修改"))]
PUBLICATION = [("published", _("已发表")), ("unpublished", _("未发表"))]
SUCCESSION_KINDS = [("transfer", _("受让")), ("undertaking", _("承受")), ("inheritance", _("继承"))]
LANGUAGES = [
    (name, name)
    for name in (
        "C",
        "C++",
        "C#",
        "Java",
        "JavaScript",
        "TypeScript",
        "Python",
        "Go",
        "PHP",
        "Kotlin",
        "Swift",
        "Objective-C",
        "Rust",
        "SQL",
        "HTML",
        "Shell",
    )
]
FEATURE_TAGS = [
    (tag, tag)
    for tag in (
        "APP",
        "小程序",
        "游戏软件",
        "教育软件",
        "金融软件",
        "医疗软件",
        "地理信息软件",
        "云计算软件",
        "信息安全软件",
        "大数据软件",
        "人工智能软件",
        "VR软件",
        "5G软件",
        "物联网软件",
        "智慧城市软件",
    )
]
DEPOSIT_MODES = [
    ("standard", _("一般交存：前30页和后30页")),
    ("redact", _("例外交存：前30页和后30页，机密部分黑色覆盖（每页不超过50%）")),
    ("first10", _("例外交存：前10页和任选连续的50页")),
    ("object-code", _("例外交存：目标程序前30页和后30页，另附源程序任选连续的20页")),
]
DEVELOPMENT_DOCUMENTS = {
    "cooperative": ("cooperation_agreement", _("合作开发协议")),
    "commissioned": ("commission_contract", _("委托开发合同")),
    "assigned": ("task_document", _("下达任务书")),
}


def category_choices():
    return [(name, name) for name in settings.SOFTWARE_CATEGORIES]


class RoleForm(forms.Form):
    """申请方式: who files, how many owners, how the software was developed."""

    owner_type = forms.ChoiceField(label=_("著作权人类型"), choices=OWNER_TYPES, widget=forms.RadioSelect)
    development_mode = forms.ChoiceField(
        label=_("开发方式"), choices=DEVELOPMENT_MODES, widget=forms.RadioSelect
    )


class SoftwareForm(forms.Form):
    """软件申请信息."""

    show_when = {
        "original_registration_number": "work_type=modified",
        "modification_description": "work_type=modified",
    }

    full_name = forms.CharField(label=_("软件全称"), max_length=200)
    short_name = forms.CharField(label=_("软件简称"), max_length=100, required=False)
    version = forms.CharField(label=_("版本号"), max_length=40, help_text=_("例如 V1.0"))
    category = forms.ChoiceField(label=_("软件分类"))
    work_type = forms.ChoiceField(label=_("软件作品说明"), choices=WORK_TYPES, widget=forms.RadioSelect)
    original_registration_number = forms.CharField(label=_("原登记号"), max_length=13, required=False)
    modification_description = forms.CharField(
        label=_("修改说明"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()

    def clean(self):
        data = super().clean()
        full, short = data.get("full_name", "").strip(), data.get("short_name", "").strip()
        if full and short and full == short:
            self.add_error("short_name", _("软件简称不能与软件全称相同。"))
        version = data.get("version", "").strip()
        if version and not re.search(r"\d", version):
            self.add_error("version", _("版本号应包含数字，例如 V1.0。"))
        if data.get("work_type") == "modified":
            try:
                data["original_registration_number"] = check_registration_number(
                    data.get("original_registration_number", "")
                )
            except forms.ValidationError as error:
                self.add_error("original_registration_number", error)
            if not data.get("modification_description", "").strip():
                self.add_error("modification_description", _("修改作品须说明修改内容。"))
        else:
            data["original_registration_number"] = ""
            data["modification_description"] = ""
        return data


class DevelopmentForm(forms.Form):
    """软件开发信息."""

    show_when = {
        "first_publication_date": "publication=published",
        "publication_country": "publication=published",
        "publication_city": "publication=published",
        "succession_kind": "acquisition=succession",
        "succession_registration_number": "acquisition=succession",
        **RIGHTS_SHOW_WHEN,
    }

    completion_date = forms.DateField(label=_("开发完成日期"), widget=DATE_INPUT)
    publication = forms.ChoiceField(label=_("发表状态"), choices=PUBLICATION, widget=forms.RadioSelect)
    first_publication_date = forms.DateField(label=_("首次发表日期"), widget=DATE_INPUT, required=False)
    publication_country = forms.CharField(label=_("首次发表地点（国家）"), max_length=40, required=False)
    publication_city = forms.CharField(label=_("首次发表地点（城市）"), max_length=40, required=False)
    acquisition = forms.ChoiceField(label=_("权利取得方式"), choices=ACQUISITION, widget=forms.RadioSelect)
    succession_kind = forms.ChoiceField(
        label=_("继受取得方式"), choices=[("", "—"), *SUCCESSION_KINDS], required=False
    )
    succession_registration_number = forms.CharField(label=_("原登记号"), max_length=13, required=False)
    rights_scope = forms.ChoiceField(label=_("权利范围"), choices=RIGHTS_SCOPE, widget=forms.RadioSelect)
    rights = forms.MultipleChoiceField(
        label=_("部分权利"), choices=RIGHTS, required=False, widget=forms.CheckboxSelectMultiple
    )
    rights_other = forms.CharField(label=_("其他权利说明"), max_length=100, required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        completed = data.get("completion_date")
        if completed and completed > today:
            self.add_error("completion_date", _("开发完成日期不能晚于今天。"))
        if data.get("publication") == "published":
            published = data.get("first_publication_date")
            if not published:
                self.add_error("first_publication_date", _("已发表的软件须填写首次发表日期。"))
            elif completed and published < completed:
                self.add_error("first_publication_date", _("首次发表日期不能早于开发完成日期。"))
            elif published > today:
                self.add_error("first_publication_date", _("首次发表日期不能晚于今天。"))
            for name in ("publication_country", "publication_city"):
                if not data.get(name, "").strip():
                    self.add_error(name, _("已发表的软件须填写首次发表地点。"))
        else:
            data["first_publication_date"] = None
            data["publication_country"] = data["publication_city"] = ""
        if data.get("acquisition") == "succession":
            if not data.get("succession_kind"):
                self.add_error("succession_kind", _("继受取得须选择受让、承受或继承。"))
            try:
                data["succession_registration_number"] = check_registration_number(
                    data.get("succession_registration_number", "")
                )
            except forms.ValidationError as error:
                self.add_error("succession_registration_number", error)
        else:
            data["succession_kind"] = ""
            data["succession_registration_number"] = ""
        clean_rights(self, data)
        return data


class FeaturesForm(forms.Form):
    """软件功能与特点."""

    dev_hardware = forms.CharField(label=_("开发的硬件环境"), max_length=50)
    run_hardware = forms.CharField(label=_("运行的硬件环境"), max_length=50)
    dev_os = forms.CharField(label=_("开发该软件的操作系统"), max_length=50)
    dev_tools = forms.CharField(label=_("软件开发环境/开发工具"), max_length=50)
    run_platform = forms.CharField(label=_("该软件的运行平台/操作系统"), max_length=50)
    support_software = forms.CharField(label=_("软件运行支撑环境/支持软件"), max_length=50)
    languages = forms.MultipleChoiceField(
        label=_("编程语言"), choices=LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    language_other = forms.CharField(label=_("其他编程语言"), max_length=100, required=False)
    source_lines = forms.IntegerField(label=_("源程序量（行）"), min_value=1, max_value=100_000_000)
    purpose = forms.CharField(label=_("开发目的"), max_length=50)
    field = forms.CharField(label=_("面向领域/行业"), max_length=50)
    main_functions = forms.CharField(label=_("软件的主要功能"), widget=forms.Textarea(attrs={"rows": 8}))
    feature_tags = forms.MultipleChoiceField(
        label=_("软件的技术特点"), choices=FEATURE_TAGS, required=False, widget=forms.CheckboxSelectMultiple
    )
    feature_text = forms.CharField(label=_("技术特点说明"), max_length=100, required=False)
    deposit_mode = forms.ChoiceField(
        label=_("程序鉴别材料交存方式"), choices=DEPOSIT_MODES, initial="standard"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = settings.MAIN_FUNCTIONS_MIN_CHARS, settings.MAIN_FUNCTIONS_MAX_CHARS
        self.fields["main_functions"].help_text = _("%(low)d–%(high)d字") % {"low": low, "high": high}

    def clean_main_functions(self):
        text = self.cleaned_data["main_functions"].strip()
        low, high = settings.MAIN_FUNCTIONS_MIN_CHARS, settings.MAIN_FUNCTIONS_MAX_CHARS
        if not low <= len(text) <= high:
            raise forms.ValidationError(
                _("主要功能应为%(low)d–%(high)d字，当前%(count)d字。")
                % {"low": low, "high": high, "count": len(text)}
            )
        return text

    def clean(self):
        data = super().clean()
        if not data.get("languages") and not data.get("language_other", "").strip():
            self.add_error("languages", _("请至少选择或填写一种编程语言。"))
        if not data.get("feature_tags") and not data.get("feature_text", "").strip():
            self.add_error("feature_text", _("请选择技术特点标签或填写技术特点说明。"))
        return data
