from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from ruanzhu.accounts.selectors import user_find_by_identifier
from ruanzhu.accounts.throttle import (
    LoginThrottled,
    login_attempt_begin,
    password_hash_budget_spend,
)


class IdentifierBackend(ModelBackend):
    """Authenticate with a username, email address or phone number and a password, throttled.

    Every login form (the portal's, the staff one, the admin's) passes its request, so each attempt is counted
    by ruanzhu.accounts.throttle before the password is looked at: the attempt is left on the request as
    ``login_attempt``, or ``login_wait`` says how long to wait and authentication fails without a check. Before
    that, the attempt spends a hash of its address's budget (ruanzhu.accounts.throttle), the account known or
    not: when none is left, it waits the same way, ``login_wait_message`` saying why.
    """

    def authenticate(self, request, identifier=None, password=None, **kwargs):
        identifier = identifier or kwargs.get("username")
        if not identifier or password is None:
            return None
        if request is None:
            user = user_find_by_identifier(identifier)
        else:
            try:
                password_hash_budget_spend(request=request)
                user = user_find_by_identifier(identifier)
                request.login_attempt = login_attempt_begin(
                    request=request, identifier=identifier, account=user
                )
            except LoginThrottled as throttled:
                request.login_wait = throttled.wait_seconds
                request.login_wait_message = throttled.message
                raise
        if user is None:
            # Spend the same time as a real check so that timing does not tell which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
