"""The 在线生成 box of a deposit on the wizard's step: ``{% deposit_builder filing spec %}``."""

from django import template

from ruanzhu.filings.models import DepositBuild
from ruanzhu.filings.services.deposit_builds import SOURCE_MAX_BYTES, deposit_build_preview

register = template.Library()


def builder_context(filing, spec, *, error: str = "") -> dict:
    """Return what the builder box of one deposit shows: its build, the preview when done, an error."""
    build = DepositBuild.objects.filter(filing=filing, kind=spec.kind).first()
    return {
        "filing": filing,
        "spec": spec,
        "build": build,
        "preview": deposit_build_preview(build=build) if build is not None else [],
        "error": error,
        "max_megabytes": SOURCE_MAX_BYTES >> 20,
    }


@register.inclusion_tag("filings/_deposit_build.html", takes_context=True)
def deposit_builder(context, filing, spec) -> dict:
    return {**builder_context(filing, spec), "csrf_token": context.get("csrf_token")}
