from django.shortcuts import render
from django.views.decorators.http import require_GET

from ruanzhu.accounts.decorators import staff_with_mfa


@staff_with_mfa
@require_GET
def home(request):
    """Show the staff workbench: the queues this member of staff can work."""
    return render(request, "staff/home.html")
