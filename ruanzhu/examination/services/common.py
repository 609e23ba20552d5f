"""What the examination services share: the parties' notices and a locked, recorded transition."""

from django.urls import reverse

from ruanzhu.core.review import item_lock, item_transition
from ruanzhu.filings.models import Filing
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify


def notify_parties(filing: Filing, *, title: Text, body: Text, sms: bool = True) -> None:
    link = reverse("filings:detail", args=[filing.pk])
    for account in filing.people_to_tell():
        notify(recipient=account, title=title, body=body, link=link, sms=sms)


def transition(filing: Filing, to_status: str, *, by, note: str = "") -> Filing:
    """Lock the filing and move it by the examiner who holds it (saved, with the event recorded)."""
    return item_transition(item=item_lock(filing), to_status=to_status, by=by, note=note)
