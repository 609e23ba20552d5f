"""The one hook into the filings engine: a recorded status change queues its webhook events.

A receiver of ``post_save`` rather than a call in the engine: every status change of a filing goes through
``ruanzhu.core.review.item_transition``, shared with identity review, which must not know of webhooks. The
receiver runs inside the transaction that records the event, so a rolled-back change queues nothing.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from ruanzhu.filings.models import FilingEvent
from ruanzhu.webhooks.services import filing_event_queue


@receiver(post_save, sender=FilingEvent, dispatch_uid="webhooks_filing_event")
def filing_event_recorded(sender, instance: FilingEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        filing_event_queue(event=instance)
