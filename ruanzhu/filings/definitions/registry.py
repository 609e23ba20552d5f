from ruanzhu.filings.definitions.base import ServiceDefinition


def definition_for(service: str) -> ServiceDefinition:
    """Return the definition of a service code; KeyError for a service that has none."""
    from ruanzhu.filings.definitions.r11 import R11

    definitions = {R11.code: R11}
    return definitions[service]
