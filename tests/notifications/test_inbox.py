import pytest
from django.urls import reverse

from ruanzhu.notifications.models import Notification
from ruanzhu.notifications.services import notify
from ruanzhu.otp.selectors import outbox_messages

INBOX = reverse("notifications:inbox")


def test_inbox_lists_own_messages_only(client, alice, bob):
    notify(recipient=alice, title="实名认证审核通过", body="可以办理登记", sms=False, email=False)
    notify(recipient=bob, title="别人的消息", body="不应看到", sms=False, email=False)
    client.force_login(alice)
    page = client.get(INBOX).content.decode()
    assert "实名认证审核通过" in page and "别人的消息" not in page


def test_header_count_follows_new_and_read_messages(client, alice, django_capture_on_commit_callbacks):
    client.force_login(alice)
    assert client.get(INBOX).context["unread_notifications"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, title="补正通知", body="请补正", sms=False, email=False)
    assert client.get(INBOX).context["unread_notifications"] == 1
    assert client.post(reverse("notifications:mark_read")).status_code == 302
    assert client.get(INBOX).context["unread_notifications"] == 0
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()


def test_marking_read_touches_only_own_messages(client, alice, bob):
    theirs = notify(recipient=bob, title="别人的消息", body="x", sms=False, email=False)
    client.force_login(alice)
    client.post(reverse("notifications:mark_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notify_sends_sms_and_email_after_commit(alice, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=alice, title="登记通知", body="已登记")
    assert [mail.subject for mail in mailoutbox] == ["【软著登记】登记通知"]
    assert "登记通知：已登记" in outbox_messages(alice.phone).first().body


def test_inbox_needs_login_and_mark_read_needs_post(client, alice):
    assert client.get(INBOX).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("notifications:mark_read")).status_code == 405


def test_bad_notification_id_changes_nothing(client, alice):
    mine = notify(recipient=alice, title="t", body="b", sms=False, email=False)
    client.force_login(alice)
    response = client.post(reverse("notifications:mark_read"), {"notification": "not-a-number"})
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.read_at is None


def test_a_stored_message_is_read_in_the_readers_language_and_sent_in_chinese(client, alice):
    from django.conf import settings
    from django.core import mail
    from django.utils.translation import gettext_noop, override

    from ruanzhu.notifications.messages import Text

    with override("en"):  # written during an English request: what is stored and sent is still Chinese
        notification = notify(
            recipient=alice,
            title=Text(gettext_noop("登记申请已提交")),
            body=Text(
                gettext_noop("%(title)s（流水号%(flow)s）已提交，等待受理。"), title="智慧园区", flow="R11"
            ),
            sms=False,
        )
    assert (notification.title, notification.body) == (
        "登记申请已提交",
        "智慧园区（流水号R11）已提交，等待受理。",
    )
    client.force_login(alice)
    chinese = client.get(reverse("notifications:inbox")).content.decode()
    assert "登记申请已提交" in chinese and "智慧园区（流水号R11）已提交，等待受理。" in chinese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("notifications:inbox")).content.decode()
    assert "Application submitted" in english
    assert "智慧园区 (flow number R11) was submitted and awaits acceptance." in english
    assert "登记申请已提交" not in english
    assert not mail.outbox or "【软著登记】登记申请已提交" == mail.outbox[-1].subject


def test_a_message_stored_as_plain_text_is_shown_as_it_was_written(client, alice):
    notify(recipient=alice, title="旧消息", body="旧的正文", sms=False, email=False)
    client.force_login(alice)
    client.cookies["ruanzhu_language"] = "en"
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "旧消息" in page and "旧的正文" in page


def test_title_and_body_cannot_give_one_parameter_two_values(alice):
    from django.utils.translation import gettext_noop

    from ruanzhu.notifications.messages import Text

    with pytest.raises(ValueError, match="title"):
        notify(
            recipient=alice,
            title=Text(gettext_noop("%(title)s"), title="a"),
            body=Text(gettext_noop("%(title)s"), title="b"),
        )


def test_a_label_given_as_a_parameter_is_translated_with_the_message(client, alice):
    from django.conf import settings
    from django.utils.translation import gettext_lazy, gettext_noop

    from ruanzhu.notifications.messages import Text

    notify(
        recipient=alice,
        title=Text(gettext_noop("%(role)s邀请"), role=gettext_lazy("计算机软件著作权登记申请")),
        body="x",
        sms=False,
        email=False,
    )
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("notifications:inbox")).content.decode()
    assert "计算机软件著作权登记申请" not in english
    assert "Application for computer software copyright registration" in english
