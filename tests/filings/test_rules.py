"""Every rule of the SPEC §7 table, through the wizard's pages: refused with a message, nothing saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import STEP_DATA
from tests.filings.flow import post_step, start


@pytest.fixture
def draft(client, verified_alice):
    client.force_login(verified_alice)
    filing = start(client)
    for slug in ("software", "development", "features"):
        assert post_step(client, filing, slug).status_code == 302
    filing.refresh_from_db()
    return filing


def refused(client, filing, slug, field, message, /, **changes):
    """Post a step with ``changes``: it is refused on ``field`` with ``message`` and the draft is unchanged."""
    before = dict(filing.details)
    response = post_step(client, filing, slug, **changes)
    assert response.status_code == 400
    errors = [str(error) for error in response.context["form"].errors.get(field, [])]
    assert any(message in error for error in errors), (field, response.context["form"].errors)
    assert f'data-testid="error-{field}"' in response.content.decode()
    filing.refresh_from_db()
    assert filing.details == before


def accepted(client, filing, slug, /, **changes):
    response = post_step(client, filing, slug, **changes)
    assert response.status_code == 302, response.context["form"].errors
    filing.refresh_from_db()
    return filing


# 软件全称
def test_full_name_is_required(client, draft):
    refused(client, draft, "software", "full_name", "这个字段是必填项", full_name="")


def test_full_name_at_most_200_characters(client, draft):
    refused(client, draft, "software", "full_name", "200", full_name="软" * 201)
    assert accepted(client, draft, "software", full_name="软" * 200).details["full_name"] == "软" * 200


def test_full_name_must_differ_from_the_short_name(client, draft):
    refused(
        client,
        draft,
        "software",
        "short_name",
        "不能与软件全称相同",
        short_name=STEP_DATA["software"]["full_name"],
    )


def test_short_name_at_most_100_characters(client, draft):
    refused(client, draft, "software", "short_name", "100", short_name="简" * 101)


# 版本号
def test_version_at_most_40_characters(client, draft):
    refused(client, draft, "software", "version", "40", version="V" + "1" * 40)


def test_version_is_required(client, draft):
    refused(client, draft, "software", "version", "这个字段是必填项", version="")


# 软件分类
def test_category_from_the_list(client, draft):
    refused(client, draft, "software", "category", "选择一个有效的选项", category="游戏")
    assert accepted(client, draft, "software", category="中间件").details["category"] == "中间件"


# 软件作品说明
def test_modified_work_needs_the_original_registration_number(client, draft):
    refused(
        client,
        draft,
        "software",
        "original_registration_number",
        "登记号格式",
        work_type="modified",
        modification_description="增加报表功能",
    )


@pytest.mark.parametrize("number", ["2026SR012345", "26SR01234567", "2026XR0123456", "2026SR01234567"])
def test_original_registration_number_format(client, draft, number):
    refused(
        client,
        draft,
        "software",
        "original_registration_number",
        "登记号格式",
        work_type="modified",
        original_registration_number=number,
        modification_description="增加报表功能",
    )


def test_modified_work_needs_a_description(client, draft):
    refused(
        client,
        draft,
        "software",
        "modification_description",
        "修改作品须说明修改内容",
        work_type="modified",
        original_registration_number="2025SR0123456",
    )
    filing = accepted(
        client,
        draft,
        "software",
        work_type="modified",
        original_registration_number="2025sr0123456",
        modification_description="增加报表功能",
    )
    assert filing.details["original_registration_number"] == "2025SR0123456"


def test_original_work_drops_the_modification_fields(client, draft):
    filing = accepted(
        client,
        draft,
        "software",
        work_type="original",
        original_registration_number="2025SR0123456",
        modification_description="无关",
    )
    assert (
        filing.details["original_registration_number"] == ""
        and filing.details["modification_description"] == ""
    )


# 开发完成日期
def test_completion_date_not_in_the_future(client, draft):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused(client, draft, "development", "completion_date", "不能晚于今天", completion_date=tomorrow)
    today = timezone.localdate().isoformat()
    assert accepted(client, draft, "development", completion_date=today).details["completion_date"] == today


def test_completion_date_is_required(client, draft):
    refused(client, draft, "development", "completion_date", "这个字段是必填项", completion_date="")


# 发表状态
PUBLISHED = {
    "publication": "published",
    "first_publication_date": "2026-07-01",
    "publication_country": "中国",
    "publication_city": "北京",
}


def test_published_needs_a_first_publication_date(client, draft):
    refused(
        client,
        draft,
        "development",
        "first_publication_date",
        "须填写首次发表日期",
        **{**PUBLISHED, "first_publication_date": ""},
    )


def test_first_publication_not_before_completion(client, draft):
    refused(
        client,
        draft,
        "development",
        "first_publication_date",
        "不能早于开发完成日期",
        **{**PUBLISHED, "first_publication_date": "2026-06-29"},
    )
    filing = accepted(client, draft, "development", **{**PUBLISHED, "first_publication_date": "2026-06-30"})
    assert filing.details["first_publication_date"] == "2026-06-30"


def test_published_needs_country_and_city(client, draft):
    refused(
        client,
        draft,
        "development",
        "publication_country",
        "须填写首次发表地点",
        **{**PUBLISHED, "publication_country": ""},
    )
    refused(
        client,
        draft,
        "development",
        "publication_city",
        "须填写首次发表地点",
        **{**PUBLISHED, "publication_city": ""},
    )


def test_publication_city_at_most_40_characters(client, draft):
    refused(
        client, draft, "development", "publication_city", "40", **{**PUBLISHED, "publication_city": "城" * 41}
    )
    refused(
        client,
        draft,
        "development",
        "publication_country",
        "40",
        **{**PUBLISHED, "publication_country": "国" * 41},
    )


def test_unpublished_drops_the_publication_fields(client, draft):
    filing = accepted(client, draft, "development", **{**PUBLISHED, "publication": "unpublished"})
    assert filing.details["first_publication_date"] is None and filing.details["publication_city"] == ""


# 权利取得方式
SUCCESSION = {
    "acquisition": "succession",
    "succession_kind": "transfer",
    "succession_registration_number": "2024SR0000001",
}


def test_succession_needs_its_kind(client, draft):
    refused(
        client,
        draft,
        "development",
        "succession_kind",
        "受让、承受或继承",
        **{**SUCCESSION, "succession_kind": ""},
    )


def test_succession_needs_the_original_registration_number(client, draft):
    refused(
        client,
        draft,
        "development",
        "succession_registration_number",
        "登记号格式",
        **{**SUCCESSION, "succession_registration_number": "SR1"},
    )


def test_succession_needs_its_evidence_before_going_on(client, draft, private_storage):
    from tests.filings.flow import messages_of, step_url, upload

    response = post_step(client, draft, "development", **SUCCESSION)
    assert response["Location"] == step_url(draft, "development")
    page = client.get(response["Location"])
    assert "请上传继受取得证明文件" in messages_of(page)
    assert 'data-testid="slot-succession_evidence"' in page.content.decode()
    import io

    from reportlab.pdfgen import canvas

    pdf = io.BytesIO()
    sheet = canvas.Canvas(pdf)
    sheet.drawString(100, 700, "transfer contract")
    sheet.save()
    upload(client, draft, "succession_evidence", pdf.getvalue(), "contract.pdf")
    assert post_step(client, draft, "development", **SUCCESSION)["Location"] == step_url(draft, "features")


# 开发方式
@pytest.mark.parametrize(
    "mode, kind, label",
    [
        ("cooperative", "cooperation_agreement", "合作开发协议"),
        ("commissioned", "commission_contract", "委托开发合同"),
        ("assigned", "task_document", "下达任务书"),
    ],
)
def test_development_mode_needs_its_document(client, verified_alice, mode, kind, label):
    from tests.filings.flow import messages_of, step_url

    client.force_login(verified_alice)
    filing = start(client, development_mode=mode)
    post_step(client, filing, "software")
    response = post_step(client, filing, "development")
    assert response["Location"] == step_url(filing, "development")
    page = client.get(response["Location"])
    assert f"请上传{label}" in messages_of(page)
    assert f'data-testid="slot-{kind}"' in page.content.decode()


def test_independent_development_needs_no_document(client, draft):
    from tests.filings.flow import step_url

    assert post_step(client, draft, "development")["Location"] == step_url(draft, "features")


# 权利范围
def test_partial_rights_need_at_least_one_right(client, draft):
    refused(client, draft, "development", "rights", "至少选择一项权利", rights_scope="partial")
    filing = accepted(
        client, draft, "development", rights_scope="partial", rights=["reproduction", "network"]
    )
    assert filing.details["rights"] == ["reproduction", "network"]


def test_other_right_needs_its_text(client, draft):
    refused(
        client,
        draft,
        "development",
        "rights_other",
        "须说明具体权利",
        rights_scope="partial",
        rights=["other"],
    )
    refused(
        client,
        draft,
        "development",
        "rights_other",
        "100",
        rights_scope="partial",
        rights=["other"],
        rights_other="权" * 101,
    )


def test_all_rights_drop_the_checklist(client, draft):
    filing = accepted(client, draft, "development", rights_scope="all", rights=["reproduction"])
    assert filing.details["rights"] == []


# 运行环境
@pytest.mark.parametrize(
    "field", ["dev_hardware", "run_hardware", "dev_os", "dev_tools", "run_platform", "support_software"]
)
def test_environment_fields_at_most_50_characters(client, draft, field):
    refused(client, draft, "features", field, "50", **{field: "环" * 51})
    assert accepted(client, draft, "features", **{field: "环" * 50}).details[field] == "环" * 50


# 编程语言
def test_languages_need_the_checklist_or_other(client, draft):
    refused(
        client, draft, "features", "languages", "至少选择或填写一种编程语言", languages=[], language_other=""
    )
    filing = accepted(client, draft, "features", languages=[], language_other="Erlang")
    assert filing.details["language_other"] == "Erlang"


def test_other_language_at_most_100_characters(client, draft):
    refused(client, draft, "features", "language_other", "100", language_other="L" * 101)


# 源程序量
@pytest.mark.parametrize("lines", ["0", "-5", "12.5", "很多"])
def test_source_lines_a_positive_integer(client, draft, lines):
    refused(client, draft, "features", "source_lines", "", source_lines=lines)


# 开发目的, 面向领域
@pytest.mark.parametrize("field", ["purpose", "field"])
def test_purpose_and_field_at_most_50_characters(client, draft, field):
    refused(client, draft, "features", field, "50", **{field: "目" * 51})


# 主要功能
@pytest.mark.parametrize("count, ok", [(499, False), (500, True), (1300, True), (1301, False)])
def test_main_functions_500_to_1300_characters(client, draft, count, ok):
    text = "功" * count
    if ok:
        assert (
            len(accepted(client, draft, "features", main_functions=text).details["main_functions"]) == count
        )
    else:
        refused(client, draft, "features", "main_functions", f"当前{count}字", main_functions=text)


# 技术特点
def test_technical_features_need_tags_or_text(client, draft):
    refused(
        client,
        draft,
        "features",
        "feature_text",
        "请选择技术特点标签或填写技术特点说明",
        feature_tags=[],
        feature_text="",
    )
    assert (
        accepted(client, draft, "features", feature_tags=[], feature_text="低代码").details["feature_text"]
        == "低代码"
    )


def test_technical_features_text_at_most_100_characters(client, draft):
    refused(client, draft, "features", "feature_text", "100", feature_text="特" * 101)


def test_feature_tags_from_the_list(client, draft):
    refused(client, draft, "features", "feature_tags", "选择一个有效的选项", feature_tags=["区块链软件X"])


# 例外交存
def test_deposit_mode_from_the_list(client, draft):
    refused(client, draft, "features", "deposit_mode", "选择一个有效的选项", deposit_mode="none")
    assert accepted(client, draft, "features", deposit_mode="first10").details["deposit_mode"] == "first10"
