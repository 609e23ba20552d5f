"""Form versions: the form frozen for the parties' confirmation, one version per change of content.

A version is made when the form is put to the parties (出申请表, or a 补正 that changes content), under the same
flow number; an edit voids the current version and the next 出申请表 makes a new one, even when the content is
the same again (A → B → A). A confirmation counts for the version it was given to only. The certificate is made
from a version every confirming party confirmed (``require_confirmed_version``).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from ruanzhu.core.review import ReviewError
from ruanzhu.documents.application_form import (
    FINGERPRINT_PRINTED,
    FormSection,
    software_name_and_version,
)
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.models import Filing, FilingParty, FormVersion, PartyRole, new_form_token
from ruanzhu.filings.services.documents import SIGNATURE_PAGE
from ruanzhu.filings.states import Status

CONFIRMING_ROLES = (PartyRole.OWNER, PartyRole.TRANSFEROR, PartyRole.TRANSFEREE)


def fingerprint_of(filing: Filing) -> str:
    """Return the SHA-256 of the form's canonical content: details, parties, agent block and document hashes."""
    parties = [
        [
            party.role,
            party.account_id,
            party.name,
            party.category,
            party.id_type,
            # Who the party is: the blind index of its verified identity (the full number is not kept).
            party.identity_index,
            party.nationality,
            party.province,
            party.city,
        ]
        for party in filing.parties.order_by("position", "id")
    ]
    documents = sorted(
        [document.kind, document.sha256] for document in filing.documents.exclude(kind=SIGNATURE_PAGE)
    )
    canonical = {
        "service": filing.service,
        "applicant": filing.applicant_id,
        "agent": filing.agent_id,
        "mandate": filing.mandate_id,
        "agent_block": filing.agent_block,
        "details": filing.details,
        "parties": parties,
        "documents": documents,
    }
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def confirming_parties(filing: Filing) -> QuerySet[FilingParty]:
    return filing.joined_parties().filter(role__in=CONFIRMING_ROLES)


def version_content(filing: Filing) -> dict:
    """Return the form's content as a version keeps it for the examiner (ID numbers masked)."""
    return {
        "details": dict(filing.details),
        "agent_block": dict(filing.agent_block or {}),
        "parties": [
            {
                "role": party.role,
                "name": party.name,
                "category": party.category,
                "id_type": party.id_type,
                "id_number": party.masked_id_number,
                "nationality": party.nationality,
                "province": party.province,
                "city": party.city,
            }
            for party in filing.parties.select_related("account").order_by("position", "id")
        ],
        "documents": {
            document.kind: {"sha256": document.sha256, "name": document.original_name}
            for document in filing.documents.exclude(kind=SIGNATURE_PAGE)
        },
    }


def version_current(filing: Filing) -> FormVersion | None:
    """Return the filing's latest version while it is in force (None before the first, or after an edit)."""
    if not filing.form_version or not filing.fingerprint:
        return None
    version = filing.form_versions.filter(number=filing.form_version).first()
    if version is None or version.fingerprint != filing.fingerprint:
        return None
    return version


def version_freeze(*, filing: Filing, by, reason: str = FormVersion.Reason.ISSUE) -> FormVersion:
    """Freeze the content of a locked filing as its next version; the caller saves the filing."""
    last = filing.form_versions.order_by("-number").values_list("number", flat=True).first() or 0
    number = max(last, filing.form_version) + 1
    version = FormVersion.objects.create(
        filing=filing,
        number=number,
        reason=reason,
        fingerprint=fingerprint_of(filing),
        content=version_content(filing),
        issued_by=by if getattr(by, "pk", None) else None,
    )
    filing.form_version = number
    filing.fingerprint = version.fingerprint
    return version


def pending_parties(filing: Filing, version: FormVersion | None = None) -> QuerySet[FilingParty]:
    """Return the confirming parties that have not confirmed the current version (all of them if none)."""
    version = version or version_current(filing)
    parties = confirming_parties(filing)
    if version is None:
        return parties
    return parties.exclude(confirmations__version=version)


def confirmed_party_ids(filing: Filing) -> set[int]:
    """Return the ids of the parties that confirmed the current version."""
    version = version_current(filing)
    if version is None:
        return set()
    return set(version.confirmations.values_list("party_id", flat=True))


def correction_version(filing: Filing) -> FormVersion | None:
    """Return the version a 补正 made that still waits for the parties or the signature page, if any."""
    if filing.status != Status.CORRECTION:
        return None
    version = version_current(filing)
    if version is None or version.reason != FormVersion.Reason.CORRECTION or version.signed_at:
        return None
    return version


def awaits_confirmation(filing: Filing) -> bool:
    """Return whether the parties are being asked to confirm the current version now."""
    if filing.status == Status.AWAITING_CODES:
        return True
    version = correction_version(filing)
    return version is not None and version.confirmed_at is None


def awaiting_party(filing: Filing, account) -> bool:
    """Return whether ``account`` is a party who has yet to confirm the version put to it now."""
    return awaits_confirmation(filing) and pending_parties(filing).filter(account=account).exists()


def version_confirmation_problems(filing: Filing) -> list[str]:
    """Return why the filing's content is not a version every confirming party confirmed (empty: it is)."""
    version = version_current(filing)
    if version is None or version.fingerprint != fingerprint_of(filing):
        return [_("申请内容与著作权人确认的申请表不一致，须经全部著作权人重新确认。")]
    problems = []
    missing = [party.name for party in pending_parties(filing, version)]
    if missing:
        problems.append(
            _("第%(number)d版申请表尚未经以下当事人确认：%(names)s。")
            % {"number": version.number, "names": "、".join(missing)}
        )
    if version.reason == FormVersion.Reason.CORRECTION and not version.signed_at:
        problems.append(_("尚未上传第%(number)d版申请表的签章页。") % {"number": version.number})
    return problems


def require_confirmed_version(filing: Filing) -> None:
    """Refuse (ReviewError) a decision on content that is not a version every confirming party confirmed."""
    problems = version_confirmation_problems(filing)
    if problems:
        # Chinese sentences run on; English ones need a space between them.
        separator = "" if translation.get_language() in (None, "zh-hans") else " "
        raise ReviewError(_("不能准予登记：") + separator.join(problems))


def version_mark_confirmed(version: FormVersion) -> None:
    version.confirmed_at = timezone.now()
    version.save(update_fields=["confirmed_at"])


# --- What the examiner reads --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VersionChange:
    label: str
    before: str
    after: str


def _rows(filing: Filing, content: dict) -> dict[str, str]:
    """Return the labelled rows of a version's content: the form's fields, its parties and its documents."""
    definition = definition_for(filing.service)
    rows = {}
    for title, section in definition.form_sections(content.get("details", {})):
        for label, value in section:
            rows[f"{title} · {label}"] = str(value)
    for position, party in enumerate(content.get("parties", []), start=1):
        rows[_("当事人%(position)d") % {"position": position}] = " ".join(
            str(party.get(name, ""))
            for name in ("name", "category", "id_type", "id_number")
            if party.get(name)
        )
    for kind, document in content.get("documents", {}).items():
        spec = definition.document(kind)
        rows[str(spec.label) if spec else kind] = (
            f"{document.get('name', '')} ({document.get('sha256', '')[:12]})"
        )
    agent_block = content.get("agent_block") or {}
    if agent_block:
        rows[_("代理机构")] = agent_block.get("name", "")
    return rows


def version_changes(filing: Filing, before: FormVersion, after: FormVersion) -> list[VersionChange]:
    """Return what differs between two versions' content, row by row (empty if either kept none)."""
    if not before.content or not after.content:
        return []
    old, new = _rows(filing, before.content), _rows(filing, after.content)
    return [
        VersionChange(label, old.get(label, "—"), new.get(label, "—"))
        for label in [*old, *(label for label in new if label not in old)]
        if old.get(label) != new.get(label)
    ]


def form_versions_for_examiner(filing: Filing) -> list[dict]:
    """Return the filing's versions, newest first, with their confirmations and what changed from the one before."""
    versions = list(filing.form_versions.select_related("issued_by").prefetch_related("confirmations__party"))
    current = version_current(filing)
    rows = []
    for index, version in enumerate(versions):
        previous = versions[index - 1] if index else None
        rows.append(
            {
                "version": version,
                "current": current is not None and version.pk == current.pk,
                "confirmations": sorted(version.confirmations.all(), key=lambda item: item.confirmed_at),
                "changes": version_changes(filing, previous, version) if previous else [],
                "same_as_previous": previous is not None and previous.fingerprint == version.fingerprint,
            }
        )
    return list(reversed(rows))


# --- The public check of a printed form ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PrintedForm:
    """What a rendered form version printed, for whoever holds the paper to compare: nothing of the filing's state
    and nothing of its parties."""

    flow_number: str
    title: str
    software_name: str
    software_version: str
    issued_at: datetime.datetime
    fingerprint: str


# Compared against when no version has the token: an unknown flow number and a wrong token cost the same work.
_NO_VERSION_TOKEN = new_form_token()


def version_to_verify(*, flow_number: str, token: str) -> FormVersion | None:
    """Return the rendered form version whose QR code holds ``token``, if it is one of ``flow_number``; else None.

    The version is looked up by its token alone, so that the query is the same whatever the flow number, and
    both values are then compared in constant time, found or not.
    """
    version = (
        FormVersion.objects.select_related("filing")
        .filter(token=token, rendered_at__isnull=False)
        .only("token", "fingerprint", "content", "rendered_at", "filing__service", "filing__flow_number")
        .first()
    )
    expected_token = version.token if version else _NO_VERSION_TOKEN
    expected_flow_number = (version.filing.flow_number or "") if version else _NO_VERSION_TOKEN
    token_matches = constant_time_compare(token, expected_token)
    flow_number_matches = constant_time_compare(flow_number, expected_flow_number)
    return version if version is not None and token_matches and flow_number_matches else None


def printed_form(version: FormVersion) -> PrintedForm:
    """Return what the form of a rendered ``version`` printed on its first page."""
    filing = version.filing
    definition = definition_for(filing.service)
    sections = definition.form_sections(version.content.get("details") or {})
    name, software_version = software_name_and_version(
        FormSection(title, tuple(rows)) for title, rows in sections
    )
    return PrintedForm(
        flow_number=filing.flow_number,
        title=definition.form_title,
        software_name=name,
        software_version=software_version,
        issued_at=version.rendered_at,
        fingerprint=version.fingerprint[:FINGERPRINT_PRINTED],
    )
