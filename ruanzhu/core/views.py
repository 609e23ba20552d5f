from django.shortcuts import render


def home(request):
    """Show the portal's front page."""
    return render(request, "core/home.html")
