from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.accounts.decorators import staff_with_mfa
from ruanzhu.examination.selectors import can_examine
from ruanzhu.examination.selectors import queue_counts as examination_queue_counts
from ruanzhu.identity.selectors import can_review, queue_counts


@staff_with_mfa
@require_GET
def home(request):
    """Show the staff workbench: the queues this member of staff can work."""
    identity_counts = queue_counts() if can_review(request.user) else None
    examination_counts = examination_queue_counts() if can_examine(request.user) else None
    return render(
        request,
        "staff/home.html",
        {"identity_counts": identity_counts, "examination_counts": examination_counts},
    )
