"""Writing side of filings, one module per part of the flow."""

from ruanzhu.filings.services.common import FilingError

__all__ = ["FilingError"]
