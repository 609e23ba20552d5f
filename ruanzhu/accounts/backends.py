from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from ruanzhu.accounts.selectors import user_find_by_identifier


class IdentifierBackend(ModelBackend):
    """Authenticate with a username, email address or phone number and a password."""

    def authenticate(self, request, identifier=None, password=None, **kwargs):
        identifier = identifier or kwargs.get("username")
        if not identifier or password is None:
            return None
        user = user_find_by_identifier(identifier)
        if user is None:
            # Spend the same time as a real check so that timing does not tell which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user) and not user.is_locked:
            return user
        return None
