import datetime
import threading

import pytest
from django.db import OperationalError, connections

from ruanzhu.registry.models import NumberSequence, Registration, RegistrationChange
from ruanzhu.registry.selectors import SearchField, registration_changes, registration_search
from ruanzhu.registry.services import (
    RegistryError,
    registration_create,
    registration_numbers_next,
    registration_record_change,
    registration_revoke,
)


def found(query, field=SearchField.NAME):
    return [registration.pk for registration in registration_search(query=query, field=field).results]


def test_create_takes_the_next_numbers_of_the_year_and_the_certificate_series(make_registration):
    first = make_registration(registered_on=datetime.date(2025, 12, 31))
    second = make_registration(registered_on=datetime.date(2026, 1, 1))
    third = make_registration(registered_on=datetime.date(2026, 1, 2))

    assert [r.registration_number for r in (first, second, third)] == [
        "2025SR0000001",
        "2026SR0000001",
        "2026SR0000002",
    ]
    assert [r.certificate_number for r in (first, second, third)] == [
        "软著登字第1号",
        "软著登字第2号",
        "软著登字第3号",
    ]
    assert third.certificate_sequence == 3
    assert first.owners_text == "示例科技有限公司"
    assert len({first.certificate_token, second.certificate_token}) == 2


def test_numbers_taken_in_a_rolled_back_transaction_are_handed_out_again(db):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        registration_numbers_next(year=2026)
        raise RuntimeError

    assert registration_numbers_next(year=2026) == ("2026SR0000001", 1)


def test_change_of_name_and_owners_updates_the_record_the_index_and_the_history(make_registration):
    registration = make_registration(software_name="旧名称管理系统", short_name="旧名", owners=["甲公司"])

    change = registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.CHANGE,
        description="软件名称及著作权人名称变更",
        before={"software_name": "旧名称管理系统", "owners": ["甲公司"]},
        after={"software_name": "新星调度平台", "owners": ["乙公司"]},
        new_name="新星调度平台",
        new_short_name="",
        new_owners=["乙公司"],
        certificate_number="软著变证字第7号",
        recorded_on=datetime.date(2026, 5, 1),
    )

    registration.refresh_from_db()
    assert registration.software_name == "新星调度平台"
    assert registration.owners == ["乙公司"]
    assert registration.owners_text == "乙公司"
    assert registration.status == Registration.Status.CHANGED
    assert found("旧") == [] and found("旧名") == [] and found("管理系统") == []
    assert found("新") == [registration.pk] and found("调度平台") == [registration.pk]
    assert found("甲", SearchField.OWNER) == [] and found("乙公", SearchField.OWNER) == [registration.pk]
    assert list(registration_changes(registration=registration)) == [change]
    assert change.certificate_number == "软著变证字第7号"
    assert change.before["owners"] == ["甲公司"]


def test_supplement_of_the_first_publication_date_keeps_the_names_searchable(make_registration):
    registration = make_registration(software_name="云数据备份系统", first_publication_date=None)

    registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.SUPPLEMENT,
        description="补充首次发表日期",
        before={"first_publication_date": None},
        after={"first_publication_date": "2026-04-01"},
        new_first_publication_date=datetime.date(2026, 4, 1),
    )

    registration.refresh_from_db()
    assert registration.first_publication_date == datetime.date(2026, 4, 1)
    assert found("数据备份") == [registration.pk]


def test_contract_registration_is_recorded_without_changing_the_status(make_registration):
    registration = make_registration()

    registration_record_change(
        registration=registration,
        kind=RegistrationChange.Kind.CONTRACT,
        description="专有许可合同登记",
        before={},
        after={},
    )

    registration.refresh_from_db()
    assert registration.status == Registration.Status.VALID
    assert registration.changes.get().kind == RegistrationChange.Kind.CONTRACT


def test_revoked_registration_cannot_be_changed(make_registration):
    registration = make_registration()
    registration_revoke(registration=registration, description="依法撤销")

    with pytest.raises(RegistryError):
        registration_record_change(
            registration=registration, kind="change", description="x", before={}, after={}, new_name="别名"
        )

    registration.refresh_from_db()
    assert registration.status == Registration.Status.REVOKED
    assert registration.software_name != "别名"
    assert registration.changes.count() == 1


def test_owner_names_are_required(db):
    with pytest.raises(RegistryError):
        registration_create(
            service="R11",
            software_name="某软件",
            version="V1.0",
            owners=[" "],
            completion_date=datetime.date(2026, 1, 1),
            registered_on=datetime.date(2026, 1, 2),
        )
    assert Registration.objects.count() == 0


# --- Concurrency ---------------------------------------------------------------------------------------------------
WORKERS = 6
PER_WORKER = 5


def _from_threads(task) -> list:
    barrier = threading.Barrier(WORKERS)
    outcomes: list = []
    errors: list = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(PER_WORKER):
                for _attempt in range(200):
                    try:
                        outcomes.append(task())
                        break
                    except OperationalError as exc:  # SQLite: a held write lock past the busy timeout
                        if "locked" not in str(exc):
                            raise
                        threading.Event().wait(0.01)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_are_unique_and_gap_free():
    outcomes = _from_threads(lambda: registration_numbers_next(year=2026))

    total = WORKERS * PER_WORKER
    assert sorted(number for number, _ in outcomes) == [f"2026SR{n:07d}" for n in range(1, total + 1)]
    assert sorted(certificate for _, certificate in outcomes) == list(range(1, total + 1))
    assert NumberSequence.objects.get(name="SR2026").last_value == total


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_two_years_share_one_gap_free_certificate_series():
    years = iter([2025, 2026] * (WORKERS * PER_WORKER))
    lock = threading.Lock()

    def create() -> Registration:
        with lock:
            year = next(years)
        return registration_create(
            service="R11",
            software_name="并发登记测试软件",
            version="V1.0",
            owners=["示例科技有限公司"],
            completion_date=datetime.date(2025, 1, 1),
            registered_on=datetime.date(year, 6, 1),
        )

    created = _from_threads(create)

    total = WORKERS * PER_WORKER
    assert sorted(r.certificate_sequence for r in created) == list(range(1, total + 1))
    for year in (2025, 2026):
        numbers = sorted(r.registration_number for r in created if r.registered_on.year == year)
        assert numbers == [f"{year}SR{n:07d}" for n in range(1, len(numbers) + 1)]
    assert len(registration_search(query="并发", page_size=50).results) == total
