"""GET /services: the services one may file, each with its steps and the fields of each step.

The fields are read from the forms of the service definitions (ruanzhu.filings.definitions): the same forms that
validate the wizard's steps and the API's PATCH.
"""

from django import forms
from ninja import Router, Schema

from ruanzhu.api.auth import READ
from ruanzhu.api.errors import ProblemOut
from ruanzhu.filings.definitions import definitions

router = Router(tags=["services"])


class ChoiceOut(Schema):
    value: str
    label: str


class ServiceFieldOut(Schema):
    name: str
    label: str
    type: str  # string, text, integer, number, boolean, date, choice, multiple_choice
    required: bool
    max_length: int | None = None
    min_length: int | None = None
    help_text: str = ""
    choices: list[ChoiceOut] | None = None
    # "<other field>=<value>": the field applies only then (the form's clean() is the authority).
    show_when: str = ""


class ServiceStepOut(Schema):
    slug: str
    label: str
    fields: list[ServiceFieldOut]


class ServiceDocumentOut(Schema):
    kind: str
    label: str
    step: str


class ServiceOut(Schema):
    code: str
    title: str
    description: str
    steps: list[ServiceStepOut]
    documents: list[ServiceDocumentOut]


class ServiceListOut(Schema):
    services: list[ServiceOut]


def _type_of(field: forms.Field) -> str:
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return "number"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.MultipleChoiceField):
        return "multiple_choice"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea):
        return "text"
    return "string"


def _field(step, name: str, field: forms.Field) -> dict:
    choices = None
    if isinstance(field, forms.ChoiceField):
        choices = [
            {"value": str(value), "label": str(label)} for value, label in field.choices if value != ""
        ]
    return {
        "name": name,
        "label": str(field.label or name),
        "type": _type_of(field),
        "required": field.required,
        "max_length": getattr(field, "max_length", None),
        "min_length": getattr(field, "min_length", None),
        "help_text": str(field.help_text or ""),
        "choices": choices,
        "show_when": step.show_when(name),
    }


def _service(definition) -> dict:
    steps = []
    for step in definition.form_steps:
        form = step.form_class()
        steps.append(
            {
                "slug": step.slug,
                "label": str(step.label),
                "fields": [_field(step, name, field) for name, field in form.fields.items()],
            }
        )
    return {
        "code": definition.code,
        "title": str(definition.title),
        "description": str(definition.description),
        "steps": steps,
        "documents": [
            {"kind": spec.kind, "label": str(spec.label), "step": spec.step} for spec in definition.documents
        ],
    }


@router.get(
    "/services",
    auth=READ,
    response={200: ServiceListOut, 401: ProblemOut, 403: ProblemOut, 429: ProblemOut},
    operation_id="services_list",
    url_name="services",
    summary="List the services and the fields of their steps",
)
def services_list(request):
    return {"services": [_service(definition) for definition in definitions()]}
