"""Writing the registry: new records, their numbers, later changes, and the search index kept with them."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.core.errors import ApplicationError
from ruanzhu.registry.models import (
    NumberSequence,
    Registration,
    RegistrationChange,
    RegistrationOwner,
    RegistrationSearchToken,
)
from ruanzhu.registry.tokens import normalize, texts_tokens

CERTIFICATE_SEQUENCE = "certificate"
OWNERS_SEPARATOR = "；"


class RegistryError(ApplicationError):
    """A registry operation that the record's state does not allow."""


@dataclass(frozen=True)
class RecordOwner:
    """An owner as a record states it: the printed name and, when known, who it is (kind, blind index, account)."""

    name: str
    kind: str = ""
    country: str = ""
    identity_index: str = ""
    account_id: int | None = None

    @classmethod
    def of(cls, row: RegistrationOwner) -> "RecordOwner":
        return cls(row.name, row.kind, row.country, row.identity_index, row.account_id)


def _record_owners(owners: Sequence[str | RecordOwner]) -> list[RecordOwner]:
    """Return the owners as RecordOwner (a bare name for an owner known by name only), names cleaned."""
    records = [owner if isinstance(owner, RecordOwner) else RecordOwner(owner) for owner in owners]
    names = _clean_owners([owner.name for owner in records])
    return [
        RecordOwner(name, owner.kind, owner.country, owner.identity_index, owner.account_id)
        for name, owner in zip(names, records, strict=True)
    ]


def _owners_write(registration: Registration, owners: list[RecordOwner]) -> None:
    registration.owners_of_record.all().delete()
    RegistrationOwner.objects.bulk_create(
        RegistrationOwner(
            registration=registration,
            position=position,
            name=owner.name,
            kind=owner.kind,
            country=owner.country,
            identity_index=owner.identity_index,
            account_id=owner.account_id,
        )
        for position, owner in enumerate(owners, start=1)
    )


def certificate_number_label(sequence: int) -> str:
    """Return the certificate number as printed: 软著登字第N号."""
    return f"软著登字第{sequence}号"


def _sequence_next(*, name: str) -> int:
    # Creating the row may race with another transaction: INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE)
    # waits for it instead of failing; the row lock then queues the writers until each one commits.
    NumberSequence.objects.bulk_create([NumberSequence(name=name)], ignore_conflicts=True)
    sequence = NumberSequence.objects.select_for_update().get(name=name)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return sequence.last_value


@transaction.atomic
def registration_numbers_next(*, year: int) -> tuple[str, int]:
    """Take the next registration number of the year and the next certificate number.

    Call it inside the transaction that uses the numbers: a rollback gives them back, so both series stay
    gap-free. The year's series is always locked before the certificate series, so writers never deadlock.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    registration_sequence = _sequence_next(name=f"SR{year}")
    if registration_sequence > 9_999_999:
        raise RegistryError(_("本年度登记号已用尽。"))
    certificate_sequence = _sequence_next(name=CERTIFICATE_SEQUENCE)
    return f"{year}SR{registration_sequence:07d}", certificate_sequence


@transaction.atomic
def certificate_sequence_next() -> int:
    """Take the next number of the running certificate series, for a change or contract certificate.

    As with registration_numbers_next, call it inside the transaction that uses the number.
    """
    return _sequence_next(name=CERTIFICATE_SEQUENCE)


def _search_texts(registration: Registration) -> dict[str, list[str]]:
    return {
        RegistrationSearchToken.Scope.NAME: [registration.software_name, registration.short_name],
        RegistrationSearchToken.Scope.OWNER: list(registration.owners),
    }


def _set_search_fields(registration: Registration) -> None:
    registration.owners_text = OWNERS_SEPARATOR.join(registration.owners)
    # A newline cannot occur in a normalised query, so no match spans two texts.
    registration.search_name = "\n".join(
        normalize(text) for text in (registration.software_name, registration.short_name)
    )
    registration.search_owners = "\n".join(normalize(owner) for owner in registration.owners)


def _token_table_in_use() -> bool:
    """Whether the search reads the token table: on SQLite. PostgreSQL keeps a GIN index of grams instead, which
    it maintains itself as the search texts change (tokens, migration 0005)."""
    return connections[router.db_for_write(RegistrationSearchToken)].vendor != "postgresql"


def _index_tokens(registration: Registration) -> set[tuple[str, str]]:
    if not _token_table_in_use():
        return set()
    return {
        (scope, token)
        for scope, texts in _search_texts(registration).items()
        for token in texts_tokens(texts)
    }


def _index_write(*, registration: Registration, tokens: set[tuple[str, str]]) -> None:
    RegistrationSearchToken.objects.bulk_create(
        [
            RegistrationSearchToken(
                scope=scope, token=token, registered_on=registration.registered_on, registration=registration
            )
            for scope, token in sorted(tokens)
        ],
        batch_size=500,
    )


def _clean_owners(owners: list[str]) -> list[str]:
    cleaned = [" ".join(owner.split()) for owner in owners]
    if not cleaned or not all(cleaned):
        raise RegistryError(_("至少需要一个著作权人，且名称不能为空。"))
    return cleaned


@transaction.atomic
def registration_create(
    *,
    service: str,
    software_name: str,
    version: str,
    owners: Sequence[str | RecordOwner],
    completion_date: datetime.date,
    registered_on: datetime.date,
    short_name: str = "",
    category: str = "",
    first_publication_date: datetime.date | None = None,
    source_reference: str = "",
    registration_number: str | None = None,
    certificate_sequence: int | None = None,
) -> Registration:
    """Publish a registration with its search tokens; take its numbers when none are given."""
    if not software_name.strip():
        raise RegistryError(_("软件全称不能为空。"))
    if (registration_number is None) != (certificate_sequence is None):
        raise ValueError("give both numbers or neither")
    if registration_number is None:
        registration_number, certificate_sequence = registration_numbers_next(year=registered_on.year)
    owners = _record_owners(owners)
    registration = Registration(
        registration_number=registration_number.upper(),
        certificate_number=certificate_number_label(certificate_sequence),
        certificate_sequence=certificate_sequence,
        service=service,
        software_name=software_name.strip(),
        short_name=short_name.strip(),
        version=version.strip(),
        category=category.strip(),
        owners=[owner.name for owner in owners],
        first_publication_date=first_publication_date,
        completion_date=completion_date,
        registered_on=registered_on,
        source_reference=source_reference,
    )
    _set_search_fields(registration)
    registration.save()
    _owners_write(registration, owners)
    _index_write(registration=registration, tokens=_index_tokens(registration))
    return registration


@transaction.atomic
def registration_record_change(
    *,
    registration: Registration,
    kind: str,
    description: str,
    before: dict,
    after: dict,
    new_name: str | None = None,
    new_short_name: str | None = None,
    new_version: str | None = None,
    new_owners: Sequence[str | RecordOwner] | None = None,
    new_first_publication_date: datetime.date | None = None,
    certificate_number: str = "",
    recorded_on: datetime.date | None = None,
) -> RegistrationChange:
    """Record a change, supplement or contract registration; update the record and its search tokens."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.REVOKED:
        raise RegistryError(_("已撤销的登记不能再变更。"))
    if kind not in RegistrationChange.Kind.values or kind == RegistrationChange.Kind.REVOCATION:
        raise ValueError(f"not a change kind: {kind}")
    old_tokens = _index_tokens(registration)
    if new_name is not None:
        if not new_name.strip():
            raise RegistryError(_("软件全称不能为空。"))
        registration.software_name = new_name.strip()
    if new_short_name is not None:
        registration.short_name = new_short_name.strip()
    if new_version is not None:
        registration.version = new_version.strip()
    if new_owners is not None:
        owners = _record_owners(new_owners)
        registration.owners = [owner.name for owner in owners]
        _owners_write(registration, owners)
    if new_first_publication_date is not None:
        registration.first_publication_date = new_first_publication_date
    if kind != RegistrationChange.Kind.CONTRACT:
        registration.status = Registration.Status.CHANGED
    _set_search_fields(registration)
    registration.save()
    new_tokens = _index_tokens(registration)
    for scope in RegistrationSearchToken.Scope.values:
        removed = [token for token_scope, token in old_tokens - new_tokens if token_scope == scope]
        if removed:
            RegistrationSearchToken.objects.filter(
                scope=scope,
                token__in=removed,
                registered_on=registration.registered_on,
                registration=registration,
            ).delete()
    _index_write(registration=registration, tokens=new_tokens - old_tokens)
    return RegistrationChange.objects.create(
        registration=registration,
        kind=kind,
        description=description,
        before=before,
        after=after,
        certificate_number=certificate_number,
        recorded_on=recorded_on or timezone.localdate(),
    )


@transaction.atomic
def registration_revoke(
    *, registration: Registration, description: str, recorded_on: datetime.date | None = None
) -> RegistrationChange:
    """Revoke a registration: it stays in the registry, marked 已撤销, and its certificate no longer confirms."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.REVOKED:
        raise RegistryError(_("该登记已撤销。"))
    before = {"status": registration.status}
    registration.status = Registration.Status.REVOKED
    registration.save(update_fields=["status", "updated_at"])
    return RegistrationChange.objects.create(
        registration=registration,
        kind=RegistrationChange.Kind.REVOCATION,
        description=description,
        before=before,
        after={"status": registration.status},
        recorded_on=recorded_on or timezone.localdate(),
    )
