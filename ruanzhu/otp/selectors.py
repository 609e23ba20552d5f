"""Reads of the development outbox, for the developer and for tests."""

import re

from django.db.models import QuerySet

from ruanzhu.core.phones import phone_index
from ruanzhu.otp.models import OutboxMessage

CODE_IN_BODY = re.compile(r"(?<!\d)(\d{6})(?!\d)")
# A message that names what it approves may hold other figures (a version, a year): the code follows 验证码.
CODE_AFTER_LABEL = re.compile(r"验证码\D{0,3}(\d{6})(?!\d)")


def outbox_messages(phone: str | None = None) -> QuerySet[OutboxMessage]:
    """Return the messages recorded by the outbox backend, newest first, optionally only those to ``phone``."""
    messages = OutboxMessage.objects.order_by("-created_at", "-pk")
    if phone:
        messages = messages.filter(phone_index=phone_index(phone))
    return messages


def latest_code_in_outbox(phone: str) -> str:
    """Return the 6-digit code of the newest outbox message to ``phone`` (E.164); raise LookupError if none.

    Delivery runs after the commit: in a test that is not transactional, send inside
    ``django_capture_on_commit_callbacks(execute=True)``.
    """
    message = outbox_messages(phone).first()
    if message is None:
        raise LookupError("no message to this phone in the SMS outbox")
    match = CODE_AFTER_LABEL.search(message.body) or CODE_IN_BODY.search(message.body)
    if match is None:
        raise LookupError("the newest outbox message to this phone holds no 6-digit code")
    return match.group(1)
