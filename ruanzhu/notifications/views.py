import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ruanzhu.core.converters import IdConverter
from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.services import notifications_mark_read

# A message's id is written as in a URL: ASCII digits that fit the column (str.isdigit() would take "²", which
# int() refuses, and int() would take "٣").
NOTIFICATION_ID = re.compile(IdConverter.regex)


@login_required
@require_GET
def inbox(request):
    """List the account's in-site messages, newest first."""
    page = Paginator(Notification.objects.filter(recipient=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    """Mark all (or one) of the account's messages read."""
    raw = request.POST.get("notification", "")
    if raw and not NOTIFICATION_ID.fullmatch(raw):
        return HttpResponseBadRequest(_("消息编号无效。"))
    notifications_mark_read(recipient=request.user, notification_id=int(raw) if raw else None)
    return redirect("notifications:inbox")
