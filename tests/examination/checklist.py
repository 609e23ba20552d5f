"""The examiner's checklist, ticked in full: what 准予登记 needs besides the claim."""

from ruanzhu.filings.definitions import definition_for


def every_point(filing) -> list[str]:
    """Return every checklist key of the filing's service, as an examiner who checked them all posts them."""
    return [item.key for item in definition_for(filing.service).checklist]
