from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ruanzhu.core import divisions
from ruanzhu.core.models import ReasonCode
from ruanzhu.identity.models import IdType, InstitutionCategory
from ruanzhu.identity.services import CHECKLIST, InstitutionDetails, PersonDetails, validity_problem
from ruanzhu.identity.validators import validate_credit_code, validate_id_number

# ISO dates: an <input type="date"> shows nothing for a localised value such as 2020/01/01.
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class IdentityForm(forms.Form):
    """Step 1 (身份)."""

    nationality = forms.CharField(label=_("国籍"), max_length=50, initial="中国")
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)

    def __init__(self, *args, institution: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if institution:
            self.fields["category"] = forms.ChoiceField(
                label=_("机构类别"), choices=InstitutionCategory.choices
            )
            self.fields["id_type"].label = _("管理员证件类型")
            self.order_fields(["category", "nationality", "id_type"])


class PersonChecks(forms.Form):
    """The checks of a person's document in step 2, run with the form's own so that all mistakes show at once."""

    # The prefixes of the person fields in the form: "" for an individual, "admin_" for an administrator.
    person_prefixes: tuple[str, ...] = ("",)

    def __init__(self, *args, id_type: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.id_type = id_type

    def clean(self):
        """Check the number and the validity here too, so that every mistake of the page shows at once."""
        data = super().clean()
        for prefix in self.person_prefixes:
            number = data.get(f"{prefix}id_number")
            if number and self.id_type:
                try:
                    validate_id_number(self.id_type, number)
                except forms.ValidationError as error:
                    self.add_error(f"{prefix}id_number", error.messages)
            if f"{prefix}id_valid_from" in data and f"{prefix}id_valid_until" not in self.errors:
                problem = validity_problem(
                    valid_from=data.get(f"{prefix}id_valid_from"),
                    valid_until=data.get(f"{prefix}id_valid_until"),
                    long_term=bool(data.get(f"{prefix}id_long_term")),
                )
                if problem:
                    self.add_error(f"{prefix}id_valid_until", problem)
        return data


class PersonFields(PersonChecks):
    real_name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("证件号码"), max_length=30)
    id_valid_from = forms.DateField(label=_("证件有效期起"), widget=DATE_INPUT)
    id_valid_until = forms.DateField(label=_("证件有效期至"), widget=DATE_INPUT, required=False)
    id_long_term = forms.BooleanField(label=_("长期有效"), required=False)

    def person_details(self, *, prefix: str = "", province: str = "", city: str = "") -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            real_name=data[f"{prefix}real_name"],
            id_number=data[f"{prefix}id_number"],
            id_valid_from=data[f"{prefix}id_valid_from"],
            id_valid_until=data.get(f"{prefix}id_valid_until"),
            id_long_term=data.get(f"{prefix}id_long_term", False),
            province=province or data.get("province", ""),
            city=city or data.get("city", ""),
        )


class PlaceFields(forms.Form):
    """省份 and 城市 as cascading choices: the cities offered are those of the province chosen (GB/T 2260)."""

    province = forms.ChoiceField(
        label=_("省份"),
        error_messages={"required": _("请选择省份。"), "invalid_choice": _("请从列表中选择省份。")},
    )
    city = forms.ChoiceField(
        label=_("城市"),
        error_messages={
            "required": _("请选择城市。"),
            "invalid_choice": _("所选城市不属于该省份，请重新选择。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choose = [("", _("请选择"))]
        province = self.fields["province"]
        province.choices = choose + [(name, name) for name in divisions.provinces()]
        # htmx puts the chosen province's cities into the 城市 list; without script, they come with the page.
        province.widget.attrs.update(
            {"hx-get": reverse_lazy("identity:cities"), "hx-target": "#id_city", "hx-trigger": "change"}
        )
        chosen = self.data.get("province") if self.is_bound else self.initial.get("province")
        self.fields["city"].choices = choose + [(name, name) for name in divisions.cities(chosen or "")]


class PersonDetailsForm(PersonFields, PlaceFields):
    """Step 2 (完善账户信息) of an individual."""

    field_order = ["real_name", "id_number", "id_valid_from", "id_valid_until", "id_long_term"]

    def details(self) -> PersonDetails:
        return self.person_details()


class InstitutionDetailsForm(PersonChecks, PlaceFields):
    """Step 2 (完善账户信息) of an institution: the institution, then its account administrator."""

    institution_name = forms.CharField(label=_("机构名称"), max_length=100)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50)
    address = forms.CharField(label=_("地址"), max_length=200)
    admin_real_name = forms.CharField(label=_("管理员姓名"), max_length=50)
    admin_id_number = forms.CharField(label=_("管理员证件号码"), max_length=30)
    admin_id_valid_from = forms.DateField(label=_("证件有效期起"), widget=DATE_INPUT)
    admin_id_valid_until = forms.DateField(label=_("证件有效期至"), widget=DATE_INPUT, required=False)
    admin_id_long_term = forms.BooleanField(label=_("长期有效"), required=False)

    field_order = ["institution_name", "credit_code", "legal_representative", "address", "province", "city"]
    person_prefixes = ("admin_",)
    person_details = PersonFields.person_details

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"]
        validate_credit_code(code)  # its message, at once with the other mistakes
        return code

    def details(self) -> InstitutionDetails:
        data = self.cleaned_data
        return InstitutionDetails(
            institution_name=data["institution_name"],
            credit_code=data["credit_code"],
            legal_representative=data["legal_representative"],
            address=data["address"],
            province=data["province"],
            city=data["city"],
            admin=self.person_details(prefix="admin_", province=data["province"], city=data["city"]),
        )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件"))


class SubmitForm(forms.Form):
    consent_id_data = forms.BooleanField(
        label=_("我同意本平台为办理实名认证及著作权登记，收集、加密保存并由审核人员查看我的证件信息。"),
        required=True,
        error_messages={"required": _("请勾选此项授权同意。")},
    )
    consent_face = forms.BooleanField(
        label=_("我同意本平台为核验身份，收集并由审核人员查看我的人像照片（手持证件照片）。"),
        required=True,
        error_messages={"required": _("请勾选此项授权同意。")},
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == "institution":
            # An institution uploads no handheld photo: the portrait it gives is on its administrator's ID card.
            self.fields["consent_face"].label = _(
                "我同意本平台为核验身份，收集并由审核人员查看管理员证件照片中的人像。"
            )


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("内部备注"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CHECKLIST.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key in CHECKLIST}


class RejectForm(forms.Form):
    reasons = forms.ModelMultipleChoiceField(
        label=_("不通过理由"),
        queryset=ReasonCode.objects.filter(queue=ReasonCode.Queue.IDENTITY, is_active=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少选择一项不通过理由。"),
            "invalid_choice": _("所选理由不适用于该申请，请重新选择。"),
        },
    )
    note = forms.CharField(
        label=_("内部备注"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the reasons that can concern this applicant: no 营业执照 for a person, no 手持照 for an institution.
        self.fields["reasons"].queryset = self.fields["reasons"].queryset.filter(account_kind__in=("", kind))
