"""One review mechanism for staff work: claims on queue items and recorded status transitions.

Identity review and examination both build on it: the reviewed model inherits ``ReviewItem``, declares its
allowed transitions, and has an event model inheriting ``TransitionEvent``. The services here lock the row,
check the claim and the transition, change the status, save the item and record the event, so that no caller can
skip one. Their views share ``ReviewActions`` (claim, release, act), ``accounts.decorators.staff_required`` and
the keyset pages of ``core.pagination``; refusals give a ``core.models.ReasonCode`` of their queue.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import models, transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ruanzhu.core.errors import ApplicationError


class ReviewError(ApplicationError):
    """A review action that is not allowed now; ``message`` is shown to the member of staff."""


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
    # Subclasses: what an open status is called while a member of staff holds the item, {status: label}.
    CLAIMED_LABELS: Mapping[str, str] = {}

    class Meta:
        abstract = True

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    @property
    def status_label(self) -> str:
        """The status as staff see it: an item someone has claimed is being worked on, no longer waiting."""
        if self.claimed_by_id and self.status in self.CLAIMED_LABELS:
            return str(self.CLAIMED_LABELS[self.status])
        return str(self.get_status_display())


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

    # The reviewed item's status choices (set by each event model), for the labels a page shows.
    status_choices: type[models.TextChoices] | None = None

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def _label(self, value: str) -> str:
        if not value:
            return "—"
        choices = self.status_choices
        return str(choices(value).label) if choices is not None and value in choices.values else value

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


def _generation_key(model: type[ReviewItem]) -> str:
    return f"review-queue-generation:{model._meta.label_lower}"


def queue_generation(model: type[ReviewItem]) -> int:
    """Return a number that changes whenever an item of ``model`` is claimed, released or moved.

    A cache of queue figures puts it in its key, so that the figures are never older than the last change: a
    decision shows on the workbench at once instead of when the cache expires.
    """
    return cache.get_or_set(_generation_key(model), 0, timeout=None)


def _queue_changed(item: ReviewItem) -> None:
    key = _generation_key(type(item))

    def bump() -> None:
        try:
            cache.incr(key)
        except ValueError:  # not in the cache (evicted or never read): any new value starts a new generation
            cache.set(key, 1, timeout=None)

    transaction.on_commit(bump)


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
    _queue_changed(item)
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
    _queue_changed(item)
    return item


@transaction.atomic
def item_transition(
    *, item: ReviewItem, to_status: str, by, note: str = "", require_claim: bool = True, **extra
) -> ReviewItem:
    """Move a locked ``item`` to ``to_status`` if allowed, save it, record the event and return the item.

    Call inside the caller's transaction with ``item`` from ``item_lock``: whatever the caller changed on the item
    is saved with the new status. ``extra`` goes to the event model.
    """
    if require_claim and item.claimed_by_id != getattr(by, "pk", None):
        raise ReviewError(_("请先领取该事项。"))
    if not item.can_move_to(to_status):
        raise ReviewError(_("当前状态下不能进行此操作。"))
    from_status = item.status
    item.status = to_status
    if not item.TRANSITIONS.get(to_status):
        # A final state: nobody holds the item any more.
        item.claimed_by = None
        item.claimed_at = None
    item.save()
    item.events.create(actor=by, from_status=from_status, to_status=to_status, note=note, **extra)
    _queue_changed(item)
    return item


# --- Views --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewActions:
    """What the claim, release and decision views of a staff queue share.

    ``fetch(user=, pk=)`` returns the item for the member of staff (404 for anyone who may not see it); ``page`` is
    the URL name of the item's review page, where every action returns. A refusal (``ApplicationError``) is
    shown as a message and changes nothing.
    """

    fetch: Callable[..., ReviewItem]
    page: str

    def act(
        self, request: HttpRequest, pk: int, action: Callable[[ReviewItem], object], *, success: str = ""
    ) -> HttpResponse:
        """Run ``action`` on the item and go back to its page with the outcome as a message."""
        item = self.fetch(user=request.user, pk=pk)
        try:
            action(item)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            if success:
                messages.success(request, success)
        return redirect(self.page, pk=pk)

    def claim(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Claim the item for the member of staff."""
        return self.act(
            request, pk, lambda item: item_claim(item=item, by=request.user), success=_("已领取。")
        )

    def release(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Give the item back to the queue."""
        return self.act(
            request, pk, lambda item: item_release(item=item, by=request.user), success=_("已退回队列。")
        )

    def claim_and_release_views(self, decorator: Callable) -> tuple[Callable, Callable]:
        """Return the 领取 and 退回 views of the queue, behind ``decorator`` (who may work on it) and POST only."""

        @decorator
        @require_POST
        def claim(request: HttpRequest, pk: int) -> HttpResponse:
            """领取: hold the item so that no other member of staff works on it."""
            return self.claim(request, pk)

        @decorator
        @require_POST
        def release(request: HttpRequest, pk: int) -> HttpResponse:
            """退回: give a claimed item back to the queue."""
            return self.release(request, pk)

        return claim, release

    def decide(
        self,
        request: HttpRequest,
        pk: int,
        form: Form,
        action: Callable[[ReviewItem, dict], object],
        *,
        success: str = "",
    ) -> HttpResponse:
        """Run ``action(item, cleaned_data)`` once ``form`` is valid; otherwise show its errors on the item's page."""
        if not form.is_valid():
            return self.form_invalid(request, pk, form)
        return self.act(request, pk, lambda item: action(item, form.cleaned_data), success=success)

    def form_invalid(self, request: HttpRequest, pk: int, form: Form) -> HttpResponse:
        """Show the errors of a decision form and go back to the item's page."""
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(self.page, pk=pk)
