"""Reads of personal access tokens: an account's own, and nobody else's."""

from django.db import router
from django.db.models import QuerySet
from django.http import Http404

from ruanzhu.api.models import PersonalAccessToken
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery


def tokens_of(user) -> QuerySet[PersonalAccessToken]:
    """Return the account's tokens, the newest first (revoked and expired ones included, marked by their dates)."""
    if not user.is_authenticated:
        return PersonalAccessToken.objects.none()
    return PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-id")


# The account page lists the tokens on every view: compiling the query cost more than running it.
_TOKENS_OF = CompiledQuery(
    lambda user: PersonalAccessToken.objects.filter(user=user).order_by("-created_at", "-id"),
    {"user": (PersonalAccessToken._meta.get_field("user"), *STAND_IN_IDS)},
)


def token_list_of(user) -> list[PersonalAccessToken]:
    """Return ``list(tokens_of(user))``."""
    if not user.is_authenticated:
        return []
    return _TOKENS_OF.objects(router.db_for_read(PersonalAccessToken), user=user.pk)


def token_of(user, *, pk: int) -> PersonalAccessToken:
    """Return the account's own token ``pk``; 404 for anyone else's."""
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token
