from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import router

from ruanzhu.accounts.models import User
from ruanzhu.accounts.selectors import user_by_pk, user_find_by_identifier
from ruanzhu.accounts.throttle import (
    LoginThrottled,
    login_attempt_begin,
    password_hash_budget_spend,
)
from ruanzhu.core.compiled import STAND_IN_IDS, CompiledQuery


def _permissions_shape(from_name: str) -> CompiledQuery:
    """Return the compiled shape of ModelBackend's query of a staff account's own ("user") or groups' ("group")
    permissions."""

    def build(*, user):
        permissions = getattr(ModelBackend(), f"_get_{from_name}_permissions")(User(pk=user))
        return permissions.values_list("content_type__app_label", "codename").order_by()

    return CompiledQuery(build, {"user": (User._meta.pk, *STAND_IN_IDS)})


# Every staff page asks for a permission: building its two queries cost more than running them.
_PERMISSIONS = {from_name: _permissions_shape(from_name) for from_name in ("user", "group")}


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

    def get_user(self, user_id):
        # As ModelBackend.get_user, without building the query on every request.
        user = user_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        # As ModelBackend's (read once a request and kept on the user), without building the query each time.
        if user_obj.is_superuser or not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super()._get_permissions(user_obj, obj, from_name)
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            rows = _PERMISSIONS[from_name].rows(router.db_for_read(Permission), user=user_obj.pk)
            setattr(user_obj, cache_name, {f"{app_label}.{codename}" for app_label, codename in rows})
        return getattr(user_obj, cache_name)
