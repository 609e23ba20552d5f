import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from ruanzhu.core.models import ReasonCode
from ruanzhu.examination.selectors import QueueFilters
from ruanzhu.examination.services import CorrectionItem, correction_targets
from ruanzhu.filings.definitions import definition_for, service_choices
from ruanzhu.filings.models import Filing

NOTE_MAX = 1000
MESSAGE_MAX = 300


class QueueFilterForm(forms.Form):
    service = forms.ChoiceField(
        label=_("业务"), choices=lambda: [("", _("全部")), *service_choices()], required=False
    )
    submitted_from = forms.DateField(
        label=_("提交日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.CharField(label=_("著作权人"), max_length=100, required=False)
    claimed = forms.ChoiceField(
        label=_("处理人"),
        choices=[("", _("全部")), ("mine", _("我领取的")), ("unclaimed", _("未领取"))],
        required=False,
    )

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            service=data["service"],
            submitted_from=data["submitted_from"],
            submitted_to=data["submitted_to"],
            owner=data["owner"].strip(),
            claimed=data["claimed"],
        )


class RejectAcceptanceForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理的理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明不予受理的理由。")},
    )


class RefuseForm(forms.Form):
    ground = forms.ModelChoiceField(
        label=_("不予登记的理由"),
        queryset=ReasonCode.objects.filter(queue=ReasonCode.Queue.EXAMINATION, is_active=True),
        to_field_name="code",
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择不予登记的理由。"),
            "invalid_choice": _("请选择不予登记的理由。"),
        },
    )
    note = forms.CharField(
        label=_("说明"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CorrectionRequestForm(forms.Form):
    """要求补正: tick the fields and documents to correct, say what is wrong with each, add a note."""

    targets = forms.MultipleChoiceField(
        label=_("补正事项"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("请至少列出一项补正事项并说明问题。"),
            "invalid_choice": _("补正事项无效。"),
        },
    )
    note = forms.CharField(
        label=_("审查意见"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, filing: Filing, **kwargs):
        super().__init__(*args, **kwargs)
        self.target_labels = correction_targets(filing)
        self.fields["targets"].choices = self.target_labels
        for target, label in self.target_labels:
            self.fields[f"message:{target}"] = forms.CharField(
                label=_("“%(label)s”的问题") % {"label": label},
                max_length=MESSAGE_MAX,
                required=False,
            )

    def rows(self):
        """Return (target, label, checked, message field) for each target, in the service's order."""
        chosen = set(self["targets"].value() or [])
        return [
            (target, label, target in chosen, self[f"message:{target}"])
            for target, label in self.target_labels
        ]

    def clean(self):
        data = super().clean()
        labels = dict(self.target_labels)
        for target in data.get("targets", []):
            if not (data.get(f"message:{target}") or "").strip() and f"message:{target}" not in self.errors:
                self.add_error(
                    f"message:{target}", _("请说明“%(label)s”的问题。") % {"label": labels[target]}
                )
        return data

    def items(self) -> list[CorrectionItem]:
        return [
            CorrectionItem(target, self.cleaned_data[f"message:{target}"].strip())
            for target in self.cleaned_data["targets"]
        ]

    def error_messages(self) -> list[str]:
        return [str(error) for errors in self.errors.values() for error in errors]


def step_fields(filing: Filing) -> dict[str, forms.Field]:
    """Return every field of the service's step forms by name, as the wizard builds them."""
    fields = {}
    for step in definition_for(filing.service).form_steps:
        fields.update(step.form_class().fields)
    return fields


class CorrectionForm(forms.Form):
    """The applicant's 补正: only the listed fields, with their current values, and the listed documents."""

    def __init__(self, *args, filing: Filing, names: list[str], documents: list[tuple[str, str]], **kwargs):
        super().__init__(*args, initial=dict(filing.details), **kwargs)
        available = step_fields(filing)
        for name in names:
            if name in available:
                self.fields[name] = copy.deepcopy(available[name])
        for kind, label in documents:
            self.fields[f"document_{kind}"] = forms.FileField(label=label, required=False)
        self.document_kinds = [kind for kind, _label in documents]

    def raw_fields(self) -> dict:
        """Return the posted raw values of the listed fields, as the step forms read them."""
        return {
            name: field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            for name, field in self.fields.items()
            if not name.startswith("document_")
        }

    def field_rows(self):
        return [self[name] for name in self.fields if not name.startswith("document_")]

    def document_rows(self):
        return [self[f"document_{kind}"] for kind in self.document_kinds]
