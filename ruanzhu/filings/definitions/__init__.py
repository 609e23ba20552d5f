"""Service definitions: each service is one package here (see registry.BUILT_IN), and the engine only calls them."""

from ruanzhu.filings.definitions.base import (
    Approval,
    ChecklistItem,
    DocumentSpec,
    ServiceDefinition,
    Step,
    StepNote,
)
from ruanzhu.filings.definitions.registry import (
    definition_for,
    definitions,
    register,
    service_choices,
    service_codes,
    unregister,
)

__all__ = [
    "Approval",
    "ChecklistItem",
    "DocumentSpec",
    "ServiceDefinition",
    "Step",
    "StepNote",
    "definition_for",
    "definitions",
    "register",
    "service_choices",
    "service_codes",
    "unregister",
]
