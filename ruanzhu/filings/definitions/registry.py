from ruanzhu.filings.definitions.base import ServiceDefinition


def definition_for(service: str) -> ServiceDefinition:
    """Return the definition of a service code; KeyError for a service that has none."""
    from ruanzhu.filings.definitions.r11 import R11
    from ruanzhu.filings.definitions.r21 import R21
    from ruanzhu.filings.definitions.r41 import R41

    definitions = {R11.code: R11, R21.code: R21, R41.code: R41}
    return definitions[service]
