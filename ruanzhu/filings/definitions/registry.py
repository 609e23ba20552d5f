"""The registry of service definitions: which services the portal offers, in catalogue order.

The built-in services are listed here by module; each module exposes ``DEFINITION``. Another service (a test's,
or a later R42) joins with ``register`` and leaves with ``unregister``; nothing else in the engine changes.
"""

from importlib import import_module

from ruanzhu.filings.definitions.base import ServiceDefinition

BUILT_IN = (
    "ruanzhu.filings.definitions.r11",
    "ruanzhu.filings.definitions.r21",
    "ruanzhu.filings.definitions.r41",
)

_definitions: dict[str, ServiceDefinition] = {}


def _loaded() -> dict[str, ServiceDefinition]:
    # Loaded on first use rather than at import, so that models can name ``service_choices`` while the
    # definitions themselves import the models.
    if not _definitions:
        for module in BUILT_IN:
            definition = import_module(module).DEFINITION
            _definitions[definition.code] = definition
    return _definitions


def register(definition: ServiceDefinition) -> None:
    """Offer a service; a second definition under the same code is refused."""
    definitions = _loaded()
    if definition.code in definitions and definitions[definition.code] is not definition:
        raise ValueError(f"A service {definition.code} is already registered.")
    definitions[definition.code] = definition


def unregister(code: str) -> None:
    """Withdraw a service added with ``register``."""
    _loaded().pop(code, None)


def definitions() -> tuple[ServiceDefinition, ...]:
    """Return every offered service in catalogue order."""
    return tuple(_loaded().values())


def definition_for(service: str) -> ServiceDefinition:
    """Return the definition of a service code; KeyError for a service that has none."""
    return _loaded()[service]


def service_codes() -> tuple[str, ...]:
    return tuple(_loaded())


def service_choices() -> list[tuple[str, object]]:
    """Return (code, title) of every service, for model and form choices."""
    return [(definition.code, definition.title) for definition in definitions()]
