"""Who may see or edit which filing: every view and endpoint goes through these."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ruanzhu.filings.models import Filing


class MandateNotInForce(PermissionDenied):
    """The filing's agent asks without a mandate in force: refused with a page that says why."""


def filings_visible_to(user) -> QuerySet[Filing]:
    """Return the filings ``user`` may see: as applicant, filer, co-owner or party, or as its agent."""
    if not user.is_authenticated:
        return Filing.objects.none()
    return (
        Filing.objects.filter(Q(applicant=user) | Q(filer=user) | Q(agent=user) | Q(parties__account=user))
        .distinct()
        .select_related("applicant", "filer", "agent")
    )


def mandate_of(filing: Filing):
    """Return the mandate in force today by which the filing's agent acts for its applicant, or None.

    Asked afresh on every request: a revocation, the end of the term or a deactivated agent counts at once.
    """
    from ruanzhu.agents.selectors import mandate_active

    if not filing.agent_id:
        return None
    return mandate_active(agent=filing.agent, client=filing.applicant, service=filing.service)


def _refuse_without_mandate(filing: Filing) -> None:
    if mandate_of(filing) is None:
        raise MandateNotInForce(
            _(
                "委托已撤销、已过期或不包含本业务，代理机构不能再查看或办理此申请。如需继续办理，请委托人重新委托。"
            )
        )


def _acts_as_agent(user, filing: Filing) -> bool:
    return bool(filing.agent_id) and user.pk == filing.agent_id and user.pk != filing.applicant_id


def filing_for_viewer(*, user, pk: int) -> Filing:
    """Return a filing ``user`` may see; 404 otherwise, and a refusal for its agent without a mandate in force.

    An agent that is also an owner of the filing keeps reading it as owner.
    """
    filing = filings_visible_to(user).filter(pk=pk).first()
    if filing is None:
        raise Http404
    if _acts_as_agent(user, filing) and not filing.parties.filter(account=user).exists():
        _refuse_without_mandate(filing)
    return filing


def can_edit(user, filing: Filing) -> bool:
    """The filer edits its filing; the applicant too when it filed itself (co-owners only read and confirm)."""
    if not user.is_authenticated:
        return False
    return user.pk == filing.filer_id or (filing.agent_id is None and user.pk == filing.applicant_id)


def filing_for_editor(*, user, pk: int) -> Filing:
    """Return a filing ``user`` may edit; 404 for anyone else (a co-owner reading it also gets 404 here).

    The agent edits only under a mandate in force, checked here on every request.
    """
    filing = filing_for_viewer(user=user, pk=pk)
    if not can_edit(user, filing):
        raise Http404
    if _acts_as_agent(user, filing):
        _refuse_without_mandate(filing)
    return filing


def my_filings(user) -> QuerySet[Filing]:
    """Return the 我的申请 list: newest change first."""
    return filings_visible_to(user).order_by("-updated_at", "-id")


def mandate_letter_of(filing: Filing):
    """Return the mandate under which the agent filed ``filing`` if its signed 委托书 was uploaded, or None."""
    from ruanzhu.agents.models import Mandate

    mandate_id = filing.details.get("mandate_id")
    if not filing.agent_id or not mandate_id:
        return None
    mandate = Mandate.objects.filter(
        pk=mandate_id, agent_id=filing.agent_id, client_id=filing.applicant_id
    ).first()
    return mandate if mandate is not None and mandate.has_letter else None


def filing_for_letter(*, user, pk: int) -> Filing:
    """Return a filing whose 委托书 ``user`` may download: its agent (mandate in force), its applicant, or an
    examiner once it was submitted; 404 for anyone else."""
    from ruanzhu.examination.selectors import can_examine
    from ruanzhu.filings.states import EDITABLE

    if can_examine(user):
        filing = Filing.objects.exclude(status__in=EDITABLE).filter(pk=pk).first()
        if filing is None:
            raise Http404
        return filing
    if not user.is_authenticated or user.is_staff:
        raise Http404
    filing = filing_for_viewer(user=user, pk=pk)
    if user.pk not in (filing.agent_id, filing.applicant_id):
        raise Http404
    if _acts_as_agent(user, filing):
        _refuse_without_mandate(filing)
    return filing
