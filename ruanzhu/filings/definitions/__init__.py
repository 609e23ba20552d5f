"""Service definitions: what R11, R21 and R41 are on the one filing engine."""

from ruanzhu.filings.definitions.base import DocumentSpec, ServiceDefinition, Step
from ruanzhu.filings.definitions.registry import definition_for

__all__ = ["DocumentSpec", "ServiceDefinition", "Step", "definition_for"]
