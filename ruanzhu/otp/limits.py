"""Send-limit rules ("count/seconds,...") as read from the settings, and the wait time shown to users."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, ngettext


@dataclass(frozen=True)
class Rule:
    count: int
    seconds: int


def parse_rules(text: str, *, setting: str) -> tuple[Rule, ...]:
    """Return the rules of a setting such as "1/60,5/3600"; raise ImproperlyConfigured naming it."""
    rules = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        count, slash, seconds = part.partition("/")
        if not slash or not count.strip().isdigit() or not seconds.strip().isdigit():
            raise ImproperlyConfigured(f"{setting} must look like 1/60,5/3600 (count/seconds); got {text!r}.")
        rule = Rule(count=int(count), seconds=int(seconds))
        if rule.count < 1 or rule.seconds < 1:
            raise ImproperlyConfigured(f"{setting}: count and seconds must be at least 1; got {part!r}.")
        rules.append(rule)
    return tuple(rules)


def rules_from_settings(setting: str) -> tuple[Rule, ...]:
    return parse_rules(getattr(settings, setting), setting=setting)


def format_wait(seconds: int) -> str:
    """Return a wait such as "45秒", "3分钟" or "2小时5分钟", rounded up so that the user never retries early."""
    if seconds < 60:
        return ngettext("%(count)d秒", "%(count)d秒", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return ngettext("%(count)d分钟", "%(count)d分钟", minutes) % {"count": minutes}
    hours, minutes = divmod(minutes, 60)
    text = ngettext("%(count)d小时", "%(count)d小时", hours) % {"count": hours}
    if minutes:
        # Translators: hours followed by minutes, e.g. "2小时5分钟"; English needs a space between them.
        text = gettext("%(hours)s%(minutes)s") % {
            "hours": text,
            "minutes": ngettext("%(count)d分钟", "%(count)d分钟", minutes) % {"count": minutes},
        }
    return text
