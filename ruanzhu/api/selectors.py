"""Reads of personal access tokens: an account's own, and nobody else's."""

from django.db.models import QuerySet
from django.http import Http404

from ruanzhu.api.models import PersonalAccessToken


def tokens_of(user) -> QuerySet[PersonalAccessToken]:
    """Return the account's tokens, the newest first (revoked and expired ones included, marked by their dates)."""
    if not user.is_authenticated:
        return PersonalAccessToken.objects.none()
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_of(user, *, pk: int) -> PersonalAccessToken:
    """Return the account's own token ``pk``; 404 for anyone else's."""
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
