"""Text that is stored now and read later, in the reader's language.

A message kept in the database is read by people who may have chosen another language than the one the portal
spoke when it was written. So it is stored as its catalogue id (the Chinese source text, marked with
``gettext_noop`` so that makemessages finds it) and its parameters, and translated when it is shown:

    notify(recipient=..., title=Text(gettext_noop("登记申请已提交")),
           body=Text(gettext_noop("%(title)s（流水号%(flow)s）已提交，等待受理。"), title=..., flow=...))

Parameters are the user's own data (names, numbers, dates) and stay as given.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class Text:
    msgid: str
    params: dict[str, str] = field(default_factory=dict)

    def __init__(self, msgid: str, **params):
        object.__setattr__(self, "msgid", str(msgid))
        object.__setattr__(self, "params", {name: str(value) for name, value in params.items()})

    def __str__(self) -> str:
        """The text in the active language."""
        return render(self.msgid, self.params)


def render(msgid: str, params: dict[str, str]) -> str:
    """Translate ``msgid`` into the active language and fill in ``params``."""
    text = gettext(msgid)
    return text % params if params else text
