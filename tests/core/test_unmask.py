import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from ruanzhu.accounts.models import User
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.services import UnmaskRefused, personal_data_unmask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _unmask(actor, request, target, **overrides):
    arguments = {
        "actor": actor,
        "request": request,
        "target": target,
        "field_label": "手机号",
        "value": "+8613812345678",
        "reason": "用户来电核对手机号",
        **overrides,
    }
    return personal_data_unmask(**arguments)


def test_permitted_staff_with_fresh_login_and_reason_gets_the_value(data_officer, alice, staff_request):
    assert _unmask(data_officer, staff_request(data_officer), alice) == "+8613812345678"


def test_unmask_is_audited_without_the_value(data_officer, alice, staff_request):
    _unmask(data_officer, staff_request(data_officer), alice, action=AuditEntry.Action.UNMASK_PHONE)
    entry = AuditEntry.objects.get()
    assert entry.actor == data_officer
    assert entry.action == AuditEntry.Action.UNMASK_PHONE
    assert entry.target == alice
    assert entry.field_label == "手机号"
    assert entry.reason == "用户来电核对手机号"
    stored = " ".join(str(value) for value in AuditEntry.objects.values_list().get())
    assert "13812345678" not in stored


def test_unmask_without_an_action_is_recorded_as_generic_unmask(data_officer, alice, staff_request):
    _unmask(data_officer, staff_request(data_officer), alice)
    assert AuditEntry.objects.get().action == AuditEntry.Action.UNMASK_PERSONAL_DATA


def test_staff_without_the_permission_is_refused(alice, staff_request):
    clerk = UserFactory(username="clerk", is_staff=True)
    with pytest.raises(UnmaskRefused, match="没有查看完整个人信息的权限"):
        _unmask(clerk, staff_request(clerk), alice)
    assert not AuditEntry.objects.exists()


def test_permission_without_staff_status_is_refused(alice, staff_request):
    user = UserFactory(username="outsider")
    user.user_permissions.add(Permission.objects.get(codename="unmask_personal_data"))
    user = User.objects.get(pk=user.pk)
    with pytest.raises(UnmaskRefused):
        _unmask(user, staff_request(user), alice)
    assert not AuditEntry.objects.exists()


def test_inactive_staff_is_refused(data_officer, alice, staff_request):
    data_officer.is_active = False
    with pytest.raises(UnmaskRefused):
        _unmask(data_officer, staff_request(data_officer), alice)
    assert not AuditEntry.objects.exists()


def test_superuser_may_unmask(alice, staff_request):
    root = User.objects.create_superuser(username="root", email="root@example.com", password="x" * 12)
    assert _unmask(root, staff_request(root), alice) == "+8613812345678"


@pytest.mark.parametrize("reason", ["", "   ", "看看", " 查 看 "])
def test_blank_or_too_short_reason_is_refused(data_officer, alice, staff_request, reason):
    with pytest.raises(UnmaskRefused, match="请说明查看完整个人信息的事由"):
        _unmask(data_officer, staff_request(data_officer), alice, reason=reason)
    assert not AuditEntry.objects.exists()


def test_stale_login_is_refused(data_officer, alice, staff_request, settings):
    settings.UNMASK_FRESH_LOGIN_SECONDS = 600
    with pytest.raises(UnmaskRefused, match="请重新登录"):
        _unmask(data_officer, staff_request(data_officer, seconds_ago=601), alice)
    assert not AuditEntry.objects.exists()


def test_login_just_within_the_window_is_fresh(data_officer, alice, staff_request, settings):
    settings.UNMASK_FRESH_LOGIN_SECONDS = 600
    assert _unmask(data_officer, staff_request(data_officer, seconds_ago=590), alice) == "+8613812345678"


def test_freshness_window_follows_the_setting(data_officer, alice, staff_request, settings):
    settings.UNMASK_FRESH_LOGIN_SECONDS = 60
    with pytest.raises(UnmaskRefused):
        _unmask(data_officer, staff_request(data_officer, seconds_ago=120), alice)


def test_session_without_login_time_is_refused(data_officer, alice, staff_request):
    request = staff_request(data_officer)
    request.session = {}
    with pytest.raises(UnmaskRefused, match="请重新登录"):
        _unmask(data_officer, request, alice)


def test_actor_other_than_the_logged_in_user_is_refused(data_officer, alice, staff_request):
    with pytest.raises(UnmaskRefused):
        _unmask(data_officer, staff_request(alice), alice)
    assert not AuditEntry.objects.exists()


def test_refusal_is_a_permission_denied_so_views_answer_403():
    assert issubclass(UnmaskRefused, PermissionDenied)
