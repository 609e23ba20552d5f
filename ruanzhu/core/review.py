"""One review mechanism for staff work: claims on queue items and recorded status transitions.

Identity review and examination both build on it: the reviewed model inherits ``ReviewItem``, declares its
allowed transitions, and has an event model inheriting ``TransitionEvent``. The services here lock the row,
check the claim and the transition, change the status and record the event, so that no caller can skip one.
"""

from collections.abc import Mapping

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class ReviewError(Exception):
    """A review action that is not allowed now; ``message`` is shown to the member of staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReviewItem(models.Model):
    """An item of a staff queue that one member of staff claims before working on it."""

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("处理人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(gettext_lazy("领取时间"), null=True, blank=True)

    # Subclasses: {from_status: {to_status, ...}}
    TRANSITIONS: Mapping[str, set[str]] = {}

    class Meta:
        abstract = True

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class TransitionEvent(models.Model):
    """A recorded change of status: who, when, from, to and a note."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(gettext_lazy("原状态"), max_length=32, blank=True)
    to_status = models.CharField(gettext_lazy("新状态"), max_length=32)
    note = models.TextField(gettext_lazy("备注"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("时间"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


def item_lock(item: ReviewItem) -> ReviewItem:
    """Return ``item`` fetched again under a row lock (call inside a transaction)."""
    return type(item).objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def item_claim(*, item: ReviewItem, by) -> ReviewItem:
    """Claim ``item`` for ``by``; refuse if another member of staff holds it."""
    item = item_lock(item)
    if item.claimed_by_id and item.claimed_by_id != by.pk:
        raise ReviewError(_("该事项已由其他工作人员领取。"))
    item.claimed_by = by
    item.claimed_at = timezone.now()
    item.save(update_fields=["claimed_by", "claimed_at"])
    return item


@transaction.atomic
def item_release(*, item: ReviewItem, by) -> ReviewItem:
    """Give a claimed item back to the queue."""
    item = item_lock(item)
    if item.claimed_by_id != by.pk:
        raise ReviewError(_("只能退回自己领取的事项。"))
    item.claimed_by = None
    item.claimed_at = None
    item.save(update_fields=["claimed_by", "claimed_at"])
    return item


def item_transition(
    *, item: ReviewItem, to_status: str, by, note: str = "", require_claim: bool = True, **extra
):
    """Move a locked ``item`` to ``to_status`` if allowed, record the event and return it.

    Call inside a transaction with ``item`` from ``item_lock``. ``extra`` goes to the event model.
    """
    if require_claim and item.claimed_by_id != getattr(by, "pk", None):
        raise ReviewError(_("请先领取该事项。"))
    if not item.can_move_to(to_status):
        raise ReviewError(_("当前状态下不能进行此操作。"))
    from_status = item.status
    item.status = to_status
    if to_status not in item.TRANSITIONS or not item.TRANSITIONS[to_status]:
        # A final state: nobody holds the item any more.
        item.claimed_by = None
        item.claimed_at = None
    return item.events.create(actor=by, from_status=from_status, to_status=to_status, note=note, **extra)
