"""Creating and editing drafts, step by step."""

from django.db import transaction
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import User
from ruanzhu.core.files import delete_private_file
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.definitions.base import to_json
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.common import FilingError, content_changed, lock, require_editable
from ruanzhu.filings.services.documents import documents_recheck
from ruanzhu.filings.services.parties import party_add
from ruanzhu.filings.states import Status


@transaction.atomic
def filing_create(*, service: str, applicant: User, filer: User, agent: User | None = None) -> Filing:
    """Start a draft; a verified applicant is added as the first owner automatically."""
    definition = definition_for(service)
    if not applicant.is_verified_identity:
        raise FilingError(_("申请人尚未通过实名认证。"))
    filing = Filing.objects.create(
        service=definition.code,
        applicant=applicant,
        filer=filer,
        agent=agent,
    )
    party_add(filing=filing, account=applicant, by=filer)
    return filing


@transaction.atomic
def filing_save_step(*, filing: Filing, by: User, step: str, cleaned_data: dict) -> Filing:
    """Store a step's validated fields; an edit after the codes were sent voids the confirmations."""
    filing = lock(filing)
    require_editable(filing)
    definition = definition_for(filing.service)
    index = definition.step_index(step)
    old_details = filing.details
    new_values = {name: to_json(value) for name, value in cleaned_data.items()}
    problems = definition.step_problems(filing, step, {**filing.details, **new_values})
    if problems:
        raise FilingError("\n".join(problems))
    changed = any(filing.details.get(name) != value for name, value in new_values.items())
    filing.details = {**filing.details, **new_values}
    filing.title = definition.title_of(filing.details)[:200]
    filing.step = max(filing.step, index + 1)
    filing.save()
    # The applicant's own party takes the role the details give it (转让方 or 受让方 of a contract …).
    role = definition.applicant_role(filing.details)
    own = filing.parties.filter(account_id=filing.applicant_id)
    if own.exists() and not own.filter(role=role).exists():
        own.update(role=role)
        changed = True
    # The parties the details bring with them (the owners of record of the record named …).
    changed = definition.on_step_saved(filing, step) or changed
    if changed:
        content_changed(filing, by=by)
    if any(old_details.get(name) != filing.details.get(name) for name in definition.deposit_fields):
        # The deposits are checked against these details (name, version, 源程序量 …): check them again.
        documents_recheck(filing=filing)
    return filing


@transaction.atomic
def filing_delete_draft(*, filing: Filing, by: User) -> None:
    """Delete a draft that was never issued."""
    filing = lock(filing)
    if filing.status != Status.DRAFT or filing.flow_number:
        raise FilingError(_("只有草稿可以删除。"))
    names = list(filing.documents.values_list("storage_name", flat=True))
    for build in filing.deposit_builds.all():
        names += [name for name in (build.source_storage_name, build.result_storage_name) if name]
    filing.delete()
    transaction.on_commit(lambda: [delete_private_file(name) for name in names])
