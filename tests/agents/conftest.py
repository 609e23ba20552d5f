import datetime

import pytest
from django.utils import timezone

from ruanzhu.agents.models import Mandate
from tests.factories import MandateFactory


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def today():
    return timezone.localdate()


def mandate_for(
    agent,
    client,
    *,
    status=Mandate.Status.ACCEPTED,
    services=("R11",),
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    description="代为办理软件著作权登记",
) -> Mandate:
    """Create a mandate as it would stand after the services ran (for reads and state checks)."""
    today = timezone.localdate()
    return MandateFactory(
        agent=agent,
        client=client,
        status=status,
        services=list(services),
        description=description,
        start_date=start or today,
        end_date=end or today + datetime.timedelta(days=365),
    )
