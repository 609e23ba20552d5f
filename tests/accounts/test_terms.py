from django.urls import reverse


def test_the_terms_say_a_code_is_told_to_nobody_an_agent_included(client, db):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert "每位著作权人本人的手机" in page
    assert "不要告诉任何人，代理机构也不例外。" in page
    assert "他人以外的代理人" not in page
