"""Each request reads its account, its second factor and its permissions anew (with queries compiled once): a
change to any of them is seen by the next request."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.accounts.backends import IdentifierBackend
from ruanzhu.accounts.models import User
from ruanzhu.accounts.selectors import user_by_pk
from tests.factories import StaffFactory, UserFactory, staff_session

QUEUE = reverse("examination:queue")
PROFILE = reverse("accounts:profile")


def _columns(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_account_is_read_as_stored(db):
    user = UserFactory(username="stored", phone="13800000021")
    assert _columns(user_by_pk(user.pk)) == _columns(User.objects.get(pk=user.pk))
    assert user_by_pk(user.pk).phone == "+8613800000021"
    assert user_by_pk(user.pk + 1000) is None


def test_a_deactivated_or_deleted_account_is_logged_out(db):
    user = UserFactory(username="leaving")
    client = Client()
    client.force_login(user)
    assert client.get(PROFILE).status_code == 200
    assert IdentifierBackend().get_user(user.pk) == user
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert IdentifierBackend().get_user(user.pk) is None
    assert client.get(PROFILE).status_code == 302
    client.force_login(UserFactory(username="deleted"))
    User.objects.filter(username="deleted").delete()
    assert client.get(PROFILE).status_code == 302


def test_a_removed_or_unconfirmed_device_takes_effect_at_once(db):
    examiner = StaffFactory(username="examiner", role="审查员")
    client = staff_session(Client(), examiner)
    assert client.get(QUEUE).status_code == 200
    TOTPDevice.objects.filter(user=examiner).update(confirmed=False)
    assert client.get(QUEUE).status_code == 302
    client = staff_session(Client(), examiner)
    TOTPDevice.objects.filter(user=examiner).update(confirmed=True)
    assert client.get(QUEUE).status_code == 200
    TOTPDevice.objects.filter(user=examiner).delete()
    assert client.get(QUEUE).status_code == 302


def test_another_accounts_device_verifies_nothing(db):
    examiner = StaffFactory(username="examiner", role="审查员")
    other = StaffFactory(username="other", role="审查员")
    client = staff_session(Client(), examiner)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=other).persistent_id
    session.save()
    assert client.get(QUEUE).status_code == 302


def test_a_permission_taken_or_given_takes_effect_at_once(db):
    examiner = StaffFactory(username="examiner", role="审查员")
    client = staff_session(Client(), examiner)
    assert client.get(QUEUE).status_code == 200
    group = examiner.groups.get()
    permission = Permission.objects.get(codename="examine_filing")
    group.permissions.remove(permission)
    assert client.get(QUEUE).status_code == 404
    examiner.user_permissions.add(permission)
    assert client.get(QUEUE).status_code == 200
    examiner.user_permissions.remove(permission)
    assert client.get(QUEUE).status_code == 404
    group.permissions.add(permission)
    assert client.get(QUEUE).status_code == 200


def test_the_permissions_are_those_of_the_model_backend(db):
    examiner = StaffFactory(username="examiner", role="审查员")
    examiner.user_permissions.add(Permission.objects.get(codename="view_user"))
    ours = IdentifierBackend()
    theirs = ModelBackend()
    fresh = User.objects.get(pk=examiner.pk)
    assert ours.get_all_permissions(fresh) == theirs.get_all_permissions(User.objects.get(pk=examiner.pk))
    assert "examination.examine_filing" in ours.get_group_permissions(fresh)
    assert ours.get_user_permissions(fresh) == {"accounts.view_user"}
