import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from ruanzhu.accounts.models import User
from ruanzhu.core.models import AuditEntry
from ruanzhu.core.selectors import audit_entries_for_target
from ruanzhu.core.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_whom_why_and_where(data_officer, alice, staff_request):
    request = staff_request(data_officer)
    entry = audit_record(
        actor=data_officer,
        action=AuditEntry.Action.VIEW_ID_IMAGE,
        target=alice,
        reason="核对证件照片",
        request=request,
    )
    entry.refresh_from_db()
    assert entry.actor == data_officer
    assert entry.actor_label == "data_officer"
    assert entry.action == AuditEntry.Action.VIEW_ID_IMAGE
    assert entry.target_content_type == ContentType.objects.get_for_model(User)
    assert entry.target_object_id == str(alice.pk)
    assert entry.target == alice
    assert entry.target_label == "alice"
    assert entry.reason == "核对证件照片"
    assert entry.ip == "203.0.113.7"
    assert entry.user_agent == "Mozilla/5.0 (Test)"
    assert entry.created_at is not None


def test_record_by_the_system_has_no_actor(alice):
    entry = audit_record(actor=None, action=AuditEntry.Action.EXPORT_DATA, target=alice)
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == ""
    assert entry.ip is None
    assert entry.user_agent == ""


def test_record_without_target_leaves_target_empty(data_officer):
    entry = audit_record(actor=data_officer, action=AuditEntry.Action.EXPORT_DATA, reason="月度统计")
    entry.refresh_from_db()
    assert entry.target_content_type is None
    assert entry.target_object_id == ""
    assert entry.target_label == ""


def test_long_user_agent_is_truncated(data_officer, rf):
    request = rf.get("/", HTTP_USER_AGENT="A" * 1000)
    entry = audit_record(actor=data_officer, action=AuditEntry.Action.EXPORT_DATA, request=request)
    entry.refresh_from_db()
    assert entry.user_agent == "A" * 255


def test_unparseable_client_address_is_stored_as_unknown(data_officer, rf):
    request = rf.get("/", REMOTE_ADDR="not-an-address")
    entry = audit_record(actor=data_officer, action=AuditEntry.Action.EXPORT_DATA, request=request)
    entry.refresh_from_db()
    assert entry.ip is None


def test_entry_outlives_the_deleted_actor_and_keeps_its_name(alice):
    clerk = UserFactory(username="clerk", is_staff=True)
    entry = audit_record(actor=clerk, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice)
    clerk.delete()
    entry.refresh_from_db()
    assert entry.actor is None
    assert entry.actor_label == "clerk"


def test_selector_lists_entries_of_one_target_newest_first(data_officer, alice):
    bob = UserFactory(username="bob")
    first = audit_record(actor=data_officer, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice)
    audit_record(actor=data_officer, action=AuditEntry.Action.VIEW_ID_IMAGE, target=bob)
    second = audit_record(actor=data_officer, action=AuditEntry.Action.DOWNLOAD_ID_IMAGE, target=alice)
    assert list(audit_entries_for_target(target=alice)) == [second, first]


def test_selector_fetches_actors_in_the_same_query(data_officer, alice, django_assert_num_queries):
    for _ in range(3):
        audit_record(actor=data_officer, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice)
    ContentType.objects.get_for_model(alice)  # warm the content type cache, as any running site has
    with django_assert_num_queries(1):
        assert [entry.actor.username for entry in audit_entries_for_target(target=alice)] == [
            "data_officer"
        ] * 3


def test_audit_entries_have_only_view_and_unmask_permissions():
    codenames = set(
        Permission.objects.filter(content_type=ContentType.objects.get_for_model(AuditEntry)).values_list(
            "codename", flat=True
        )
    )
    assert codenames == {"view_auditentry", "unmask_personal_data"}


def test_admin_refuses_add_change_and_delete_even_to_a_superuser(rf, alice):
    superuser = User.objects.create_superuser(username="root", email="root@example.com", password="x" * 12)
    entry = audit_record(actor=superuser, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice)
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[AuditEntry]
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_admin_filters_by_action_actor_and_date():
    model_admin = admin.site._registry[AuditEntry]
    filtered = [item[0] if isinstance(item, tuple) else item for item in model_admin.list_filter]
    assert filtered == ["action", "actor", "created_at"]
    assert model_admin.date_hierarchy == "created_at"


def test_admin_list_shows_entries_and_filters_by_action(admin_client_only, data_officer, alice):
    audit_record(actor=data_officer, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice)
    audit_record(actor=data_officer, action=AuditEntry.Action.EXPORT_DATA, reason="月度统计")
    response = admin_client_only.get("/admin/core/auditentry/", {"action": "export_data"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert response.context["has_add_permission"] is False


def test_admin_detail_page_is_read_only(admin_client_only, data_officer, alice):
    entry = audit_record(
        actor=data_officer, action=AuditEntry.Action.VIEW_ID_IMAGE, target=alice, reason="核对证件"
    )
    url = f"/admin/core/auditentry/{entry.pk}/change/"
    assert admin_client_only.get(url).status_code == 200
    response = admin_client_only.post(url, {"reason": "改写"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "核对证件"
    assert admin_client_only.post(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
