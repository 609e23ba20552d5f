from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.core.phones import normalize_phone
from ruanzhu.otp.selectors import outbox_messages

OUTBOX_PAGE_SIZE = 50


@require_GET
def outbox(request):
    """Show the development SMS outbox, newest first; exists only with DEBUG."""
    # The URL is mounted only with DEBUG; refusing here as well keeps a mis-mounted URLconf harmless.
    if not settings.DEBUG:
        raise Http404
    phone = request.GET.get("phone", "").strip()
    phone_error = ""
    e164 = None
    if phone:
        try:
            e164 = normalize_phone(phone)
        except ValidationError as exc:
            phone_error = exc.messages[0]
    messages = [] if phone_error else list(outbox_messages(e164)[:OUTBOX_PAGE_SIZE])
    return render(
        request,
        "otp/outbox.html",
        {"outbox": messages, "phone": phone, "phone_error": phone_error, "page_size": OUTBOX_PAGE_SIZE},
    )
