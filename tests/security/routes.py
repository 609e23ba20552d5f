"""Every URL pattern of the portal, read from the URL conf: the security proofs walk it rather than a list."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Route:
    """One URL pattern with the patterns of the includes above it."""

    name: str | None  # with its namespaces ("filings:detail"); None for the admin's unnamed patterns
    patterns: tuple  # RoutePattern / RegexPattern, from the root down
    callback: object

    @property
    def template(self) -> str:
        return "".join(str(pattern) for pattern in self.patterns)

    @property
    def is_admin(self) -> bool:
        return self.template.startswith("admin/")

    @property
    def parameters(self) -> list[str]:
        """Return the names of the path parameters."""
        names = []
        for pattern in self.patterns:
            if isinstance(pattern, RoutePattern):
                names += list(pattern.converters)
            else:
                names += list(pattern.regex.groupindex)
        return names


def routes() -> list[Route]:
    """Return every pattern of the URL conf, the admin's included."""
    found = []

    def walk(resolver: URLResolver, above: tuple, namespace: str):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern, (*above, pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else None
                found.append(Route(name=name, patterns=(*above, pattern.pattern), callback=pattern.callback))

    walk(get_resolver(), (), "")
    return found


def path_of(route: Route, values: dict) -> str:
    """Return the path of ``route`` with ``values`` written as they are into its parameters.

    Built from the patterns rather than with reverse(), which refuses values the converters do not match; the
    unnamed patterns of the admin cannot be reversed at all.
    """
    path = ""
    for pattern in route.patterns:
        if isinstance(pattern, RoutePattern):
            path += re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(values[match[1]]), str(pattern))
        else:
            # The named groups of a regex pattern (the admin's) hold no parentheses of their own.
            literal = pattern.regex.pattern.removeprefix("^").removesuffix("\\Z").removesuffix("$")
            parts = re.split(r"\(\?P<(\w+)>[^()]*\)", literal)  # literal text and group names, alternating
            for index, part in enumerate(parts):
                path += str(values[part]) if index % 2 else re.sub(r"\\(.)", r"\1", part)
    return "/" + path
