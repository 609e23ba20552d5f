from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    """Show the portal's front page."""
    return render(request, "core/home.html")
