"""The shape of a service definition: everything the engine needs to know about one service."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.utils import translation
from django.utils.functional import Promise

from ruanzhu.documents.certificate import CertificateData


@dataclass(frozen=True)
class StepNote:
    """A hint shown on a step while a condition holds in the form and does not yet hold in the saved details.

    ``show_when`` is "<field>=<value>" of a field of the step's form, as in a form's ``show_when``.
    """

    text: Promise
    show_when: str

    def applies(self, details: dict) -> bool:
        """Return whether the note still has something to say for these saved details."""
        name, _sep, value = self.show_when.partition("=")
        saved = details.get(name)
        return value not in saved if isinstance(saved, list) else saved != value


@dataclass(frozen=True)
class Step:
    """A step of the wizard: its URL slug, its label and the form of its fields (None: a review step).

    A form class may declare ``show_when = {"field": "<other field>=<value>"}`` for fields that only apply
    when another field has a value: the page hides them until then (the form's clean() is the authority).
    ``documents_title`` and ``documents_help`` head the uploads of the step, ``notes`` are hints under them.
    """

    slug: str
    label: Promise
    form_class: type[forms.Form] | None = None
    documents_title: Promise | str = ""
    documents_help: Promise | str = ""
    notes: tuple[StepNote, ...] = ()

    def show_when(self, name: str) -> str:
        """Return the condition under which a field of this step shows ("" for always)."""
        return getattr(self.form_class, "show_when", {}).get(name, "")


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
class ChecklistItem:
    """A point the examiner ticks on the examination page before 准予登记 (for the filings it applies to)."""

    key: str
    label: Promise
    applies: Callable[[Any], bool] = lambda filing: True


@dataclass(frozen=True)
class Approval:
    """What approving a filing did: the registry record it created or changed, and the certificate to issue.

    The examination signs ``certificate`` and keeps it with the filing; ``kind`` is the certificate's kind
    ("registration", "contract", "change" …) and ``number`` its certificate number.
    """

    registration: Any
    certificate: CertificateData
    kind: str
    number: str


@dataclass(frozen=True)
class ServiceDefinition:
    """One service on the filing engine. The engine calls these and never names a service."""

    code: str
    title: Promise
    # The line under the title in the catalogue (版权登记 → 软件登记).
    description: Promise
    form_title: str
    steps: tuple[Step, ...]
    documents: tuple[DocumentSpec, ...]
    party_label: Promise
    # Return the name a filing is listed under.
    title_of: Callable[[dict], str]
    # Return the labelled rows printed on the form, section by section: ((section title, ((label, value), …)), …).
    form_sections: Callable[[dict], tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]
    # Approve the filing (called by examination inside its transaction): change the registry and return what
    # was done and the certificate to sign.
    approve: Callable[[Any, Any], Approval]
    # What the examiner ticks before 准予登记, on top of the engine's own checks.
    checklist: tuple[ChecklistItem, ...] = ()
    # Return the deposit header the deposits must carry ("<full name> <version>") as (name, version), or None.
    deposit_header: Callable[[dict], tuple[str, str] | None] = lambda details: None
    # Return the exception-deposit mode for a deposit kind ("" for the standard rules).
    deposit_exception: Callable[[dict, str], str] = lambda details, kind: ""
    # Return what is wrong with the size of a deposit (kind, page count) given the details (源程序量 …).
    deposit_size_problems: Callable[[dict, str, int], list[str]] = lambda details, kind, pages: []
    # The detail fields the deposits are checked against: when one changes, the stored deposits are checked again.
    deposit_fields: tuple[str, ...] = ()
    # The step that shows the parties panel ("" for none) and the party roles a filer may add there.
    parties_step: str = ""
    party_roles: tuple[str, ...] = ("owner",)
    # Return the role of the applicant's own party, from the details.
    applicant_role: Callable[[dict], str] = lambda details: "owner"
    # Return what refuses a step's new details given the filing itself (its applicant …): nothing is saved then.
    step_problems: Callable[[Any, str, dict], list[str]] = lambda filing, step, details: []
    # Return what else stops the form from being issued (the parties a contract needs …).
    issue_problems: Callable[[Any], list[str]] = lambda filing: []
    # Bring the parties up to date after a step was saved (owners of record …); return whether they changed.
    on_step_saved: Callable[[Any, str], bool] = lambda filing, step: False
    # The party role that the record fills in by itself (its owners of record): the filer adds nobody in it.
    record_role: str = ""
    # Return the owners of record of the record the filing changes, with their consent (None: no such record).
    owners_of_record: Callable[[Any], list] | None = None
    # Return what stops 准予登记 besides the checklist (an owner of record who has not consented …).
    approval_problems: Callable[[Any], list[str]] = lambda filing: []
    extra: dict = field(default_factory=dict)

    @property
    def printed_title(self) -> str:
        """Return the title as printed on Chinese documents, whatever the language of the page."""
        with translation.override("zh-hans"):
            return str(self.title)

    def checklist_for(self, filing) -> tuple[ChecklistItem, ...]:
        """Return the checklist items that apply to ``filing``."""
        return tuple(item for item in self.checklist if item.applies(filing))

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
