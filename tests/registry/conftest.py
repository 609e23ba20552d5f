import datetime
import itertools

import pytest

from ruanzhu.registry.services import registration_create

_counter = itertools.count(1)


@pytest.fixture
def make_registration(db):
    """Publish a registration with sensible defaults; numbers are taken from the series unless given."""

    def make(**fields):
        fields.setdefault("software_name", f"测试软件{next(_counter)}")
        fields.setdefault("version", "V1.0")
        fields.setdefault("owners", ["示例科技有限公司"])
        fields.setdefault("completion_date", datetime.date(2025, 12, 1))
        fields.setdefault("registered_on", datetime.date(2026, 3, 2))
        fields.setdefault("category", "应用软件")
        fields.setdefault("service", "R11")
        return registration_create(**fields)

    return make
