"""Text that is stored now and read later, in the reader's language.

A message kept in the database is read by people who may have chosen another language than the one the portal
spoke when it was written. So it is stored as its catalogue id (the Chinese source text, marked with
``gettext_noop`` so that makemessages finds it) and its parameters, and translated when it is shown:

    notify(recipient=..., title=Text(gettext_noop("登记申请已提交")),
           body=Text(gettext_noop("%(title)s（流水号%(flow)s）已提交，等待受理。"), title=..., flow=...))

Parameters are mostly the user's own data (names, numbers, dates) and stay as given. A parameter that is itself
a lazily translated label (a service title, a role from its choices) keeps its catalogue id and is translated
with the message.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, str | dict[str, str]] = field(default_factory=dict)

    def __init__(self, msgid: str, **params):
        object.__setattr__(self, "msgid", str(msgid))
        object.__setattr__(self, "params", {name: _stored(value) for name, value in params.items()})

    def __str__(self) -> str:
        """The text in the active language."""
        return render(self.msgid, self.params)


def _stored(value) -> str | dict[str, str]:
    """A parameter as stored: plain text, or {"msgid": ...} for a label to translate when read."""
    lazy_arguments = getattr(value, "_args", None) if isinstance(value, Promise) else None
    if lazy_arguments and isinstance(lazy_arguments[0], str):
        return {"msgid": lazy_arguments[0]}
    return str(value)


def render(msgid: str, params: dict) -> str:
    """Translate ``msgid`` into the active language and fill in ``params``."""
    text = gettext(msgid)
    if not params:
        return text
    values = {
        name: gettext(value["msgid"]) if isinstance(value, dict) else value for name, value in params.items()
    }
    return text % values
