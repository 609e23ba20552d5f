import pytest

from ruanzhu.deposits import build_document_deposit, build_program_deposit
from tests.factories import verify

NAME = "智慧园区管理平台"
VERSION = "V1.0"
MAIN_FUNCTIONS = ("本软件提供园区访客登记、车辆进出、能耗监测、设备巡检、工单派发与统计报表等功能，" * 20)[
    :800
]

STEP_DATA = {
    "role": {"owner_type": "joint", "development_mode": "independent"},
    "software": {
        "full_name": NAME,
        "short_name": "园区平台",
        "version": VERSION,
        "category": "应用软件",
        "work_type": "original",
    },
    "development": {
        "completion_date": "2026-06-30",
        "publication": "unpublished",
        "acquisition": "original",
        "rights_scope": "all",
    },
    "features": {
        "dev_hardware": "PC 服务器",
        "run_hardware": "x86 服务器",
        "dev_os": "Linux",
        "dev_tools": "PyCharm",
        "run_platform": "Linux",
        "support_software": "PostgreSQL",
        "languages": ["Python"],
        "source_lines": 52000,
        "purpose": "园区数字化管理",
        "field": "物业管理",
        "main_functions": MAIN_FUNCTIONS,
        "feature_tags": ["物联网软件"],
        "feature_text": "",
        "deposit_mode": "standard",
    },
}


@pytest.fixture
def verified_alice(alice):
    verify(alice, "110105199003070017", "李爱丽")
    return alice


@pytest.fixture
def verified_bob(bob):
    verify(bob, "110105198510120029", "鲍勃")
    return bob


def _source_tree(root, lines: int):
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.py").write_text(
        "\n".join(f"value_{index} = compute({index})" for index in range(lines)), encoding="utf-8"
    )
    return root


@pytest.fixture(scope="session")
def deposits(tmp_path_factory):
    """Real deposits built by the deposit builder: program, documentation, and a program page that is short."""
    base = tmp_path_factory.mktemp("deposits")
    program = base / "program.pdf"
    build_program_deposit(_source_tree(base / "src", 4000), name=NAME, version=VERSION, output=program)
    manual = base / "manual.md"
    manual.write_text(
        "# 用户手册\n\n"
        + "\n\n".join(f"第{index}步：打开园区平台，选择菜单并完成操作。" for index in range(900)),
        encoding="utf-8",
    )
    document = base / "document.pdf"
    build_document_deposit(manual, name=NAME, version=VERSION, output=document)
    return {"program": program.read_bytes(), "document": document.read_bytes(), "short": short_page_deposit()}


def short_page_deposit() -> bytes:
    """A program deposit drawn as another tool might, whose third page has only 43 lines."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    from ruanzhu.deposits.fonts import DEFAULT_FONT_PATH

    pdfmetrics.registerFont(TTFont("FilingTestMono", DEFAULT_FONT_PATH, subfontIndex=1))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    width, height = A4
    for number, count in enumerate((50, 50, 43, 50, 12), start=1):
        canvas.setFont("FilingTestMono", 10)
        canvas.drawString(50, height - 40, f"{NAME} {VERSION}")
        canvas.drawRightString(width - 40, height - 40, str(number))
        canvas.setFont("FilingTestMono", 9)
        for index in range(count):
            canvas.drawString(50, height - 70 - index * 14, f"value_{index} = compute({index})")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
