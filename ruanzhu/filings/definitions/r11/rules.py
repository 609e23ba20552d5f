"""R11's rules beyond its forms: the name it is listed under, its deposits, the form's sections."""

from django.utils.translation import gettext

from ruanzhu.filings.definitions.common import ACQUISITION, label_of, rights_label
from ruanzhu.filings.definitions.r11.forms import (
    DEPOSIT_MODES,
    DEVELOPMENT_MODES,
    PUBLICATION,
    SUCCESSION_KINDS,
    WORK_TYPES,
)


def title_of(details: dict) -> str:
    return details.get("full_name", "")


def deposit_header(details: dict) -> tuple[str, str] | None:
    if details.get("full_name") and details.get("version"):
        return details["full_name"], details["version"]
    return None


def deposit_exception(details: dict, kind: str) -> str:
    mode = details.get("deposit_mode", "standard")
    return "" if kind != "program" or mode == "standard" else mode


def sections(details: dict):
    get = details.get
    rights = rights_label(details)
    acquisition = label_of(ACQUISITION, get("acquisition"))
    if get("acquisition") == "succession":
        acquisition += f"（{label_of(SUCCESSION_KINDS, get('succession_kind'))}，原登记号 {get('succession_registration_number')}）"
    work = label_of(WORK_TYPES, get("work_type"))
    if get("work_type") == "modified":
        work += f"（原登记号 {get('original_registration_number')}；{get('modification_description')}）"
    publication = (
        f"{label_of(PUBLICATION, 'published')}，{get('first_publication_date')}，{get('publication_country')} {get('publication_city')}"
        if get("publication") == "published"
        else label_of(PUBLICATION, "unpublished")
    )
    languages = "、".join(
        [*get("languages", []), *([get("language_other")] if get("language_other") else [])]
    )
    features = "、".join(get("feature_tags", []))
    if get("feature_text"):
        features = f"{features}；{get('feature_text')}" if features else get("feature_text")
    return (
        (
            "软件申请信息",
            (
                ("软件全称", get("full_name", "")),
                ("软件简称", get("short_name", "") or "—"),
                ("版本号", get("version", "")),
                ("软件分类", get("category", "")),
                ("软件作品说明", work),
            ),
        ),
        (
            "软件开发信息",
            (
                ("开发方式", label_of(DEVELOPMENT_MODES, get("development_mode"))),
                ("开发完成日期", get("completion_date", "")),
                ("发表状态", publication),
                ("权利取得方式", acquisition),
                ("权利范围", rights),
            ),
        ),
        (
            "软件功能与特点",
            (
                ("开发的硬件环境", get("dev_hardware", "")),
                ("运行的硬件环境", get("run_hardware", "")),
                ("开发该软件的操作系统", get("dev_os", "")),
                ("软件开发环境/开发工具", get("dev_tools", "")),
                ("该软件的运行平台/操作系统", get("run_platform", "")),
                ("软件运行支撑环境/支持软件", get("support_software", "")),
                ("编程语言", languages),
                ("源程序量", f"{get('source_lines', '')}行"),
                ("开发目的", get("purpose", "")),
                ("面向领域/行业", get("field", "")),
                ("软件的主要功能", get("main_functions", "")),
                ("软件的技术特点", features),
                ("程序鉴别材料交存方式", label_of(DEPOSIT_MODES, get("deposit_mode", "standard"))),
            ),
        ),
    )


# 源程序量 from which a program deposit is the first and last 30 pages; below it, the whole program.
WHOLE_PROGRAM_BELOW_LINES = 3000
DEPOSIT_PAGES = 60


def deposit_size_problems(details: dict, kind: str, pages: int) -> list[str]:
    """Return why a program deposit of ``pages`` pages does not fit 源程序量.

    From 3,000 lines the deposit is the first and last 30 pages, 60 in all; below, it holds the whole program,
    50 lines a page, so its pages must hold at least 90 % of 源程序量. An object-code deposit has rules of its own.
    """
    lines = details.get("source_lines")
    if kind != "program" or not lines or details.get("deposit_mode") == "object-code":
        return []
    if lines >= WHOLE_PROGRAM_BELOW_LINES and pages != DEPOSIT_PAGES:
        return [
            gettext(
                "源程序量为%(lines)d行（不少于3000行），程序鉴别材料应为前30页和后30页共60页，"
                "上传的文件为%(pages)d页。"
            )
            % {"lines": lines, "pages": pages}
        ]
    if lines < WHOLE_PROGRAM_BELOW_LINES and pages * 50 < lines * 0.9:
        return [
            gettext(
                "源程序量为%(lines)d行（不足3000行），程序鉴别材料应提交全部源程序（约%(needed)d页），"
                "上传的文件只有%(pages)d页。"
            )
            % {"lines": lines, "needed": -(-lines // 50), "pages": pages}
        ]
    return []
