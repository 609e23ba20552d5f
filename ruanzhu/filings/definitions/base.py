"""The shape of a service definition."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.utils.functional import Promise


@dataclass(frozen=True)
class Step:
    """A step of the wizard: its URL slug, its label and the form of its fields (None: a review step)."""

    slug: str
    label: Promise
    form_class: type[forms.Form] | None = None


@dataclass(frozen=True)
class DocumentSpec:
    """A file the service asks for, on which step, and when it is required."""

    kind: str
    label: Promise
    step: str
    required: Callable[[dict], bool] = lambda details: True
    # "program" / "document": checked against the deposit rules with the form's name and version.
    deposit: str = ""
    accept_images: bool = False
    max_bytes_setting: str = "FILING_UPLOAD_MAX_BYTES"


@dataclass(frozen=True)
class ServiceDefinition:
    code: str
    title: Promise
    form_title: str
    steps: tuple[Step, ...]
    documents: tuple[DocumentSpec, ...]
    party_label: Promise
    # Return the name a filing is listed under.
    title_of: Callable[[dict], str]
    # Return the labelled rows printed on the form, section by section: ((section title, ((label, value), …)), …).
    form_sections: Callable[[dict], tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]
    # Return the deposit header the deposits must carry ("<full name> <version>") as (name, version), or None.
    deposit_header: Callable[[dict], tuple[str, str] | None] = lambda details: None
    # Return the exception-deposit mode for a deposit kind ("" for the standard rules).
    deposit_exception: Callable[[dict, str], str] = lambda details, kind: ""
    # The step that shows the parties panel ("" for none) and the party roles a filer may add there.
    parties_step: str = ""
    party_roles: tuple[str, ...] = ("owner",)
    # Return the role of the applicant's own party, from the details.
    applicant_role: Callable[[dict], str] = lambda details: "owner"
    # Return what refuses a step's new details given the filing itself (its applicant …): nothing is saved then.
    step_problems: Callable[[Any, str, dict], list[str]] = lambda filing, step, details: []
    # Return what else stops the form from being issued (the parties a contract needs …).
    issue_problems: Callable[[Any], list[str]] = lambda filing: []
    # What approval does (ruanzhu.examination.services.APPROVALS): "register" creates the registry record,
    # "contract" records a contract against a record, "amend" changes or supplements a record.
    approval: str = "register"
    extra: dict = field(default_factory=dict)

    @property
    def form_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.form_class is not None)

    def step(self, slug: str) -> Step | None:
        return next((step for step in self.steps if step.slug == slug), None)

    def step_index(self, slug: str) -> int:
        return next(index for index, step in enumerate(self.steps) if step.slug == slug)

    def documents_for(self, step: str) -> tuple[DocumentSpec, ...]:
        return tuple(spec for spec in self.documents if spec.step == step)

    def document(self, kind: str) -> DocumentSpec | None:
        return next((spec for spec in self.documents if spec.kind == kind), None)


def to_json(value):
    """Return a cleaned form value as JSON (dates as ISO strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def form_initial(details: dict) -> dict:
    """Return stored details as a form's initial data (forms parse ISO dates themselves)."""
    return dict(details)
