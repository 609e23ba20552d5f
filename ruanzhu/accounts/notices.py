"""What an account's owner is told about attempts on the account."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from ruanzhu.accounts.models import User
from ruanzhu.notifications.messages import Text
from ruanzhu.notifications.services import notify


def login_wait_notify(*, account_id: int | None) -> None:
    """Tell the owner (in-site, SMS, email) that new logins to the account must now wait."""
    account = User.objects.filter(pk=account_id).first() if account_id is not None else None
    if account is None:
        return
    # In the site's language: the attacker's choice of language says nothing about the owner's.
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            recipient=account,
            title=Text(gettext_noop("登录失败次数过多")),
            body=Text(
                gettext_noop(
                    "您的账户多次登录未成功，新的登录尝试需要等待（最长%(minutes)s分钟），登录过本账户的浏览器不受影响。"
                    "如非本人操作，建议通过“忘记密码”重置密码。"
                ),
                minutes=max(1, settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS // 60),
            ),
        )
