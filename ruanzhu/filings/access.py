"""Who may do what with a filing: every list, page, panel and download of filings asks here.

A person acts on a filing as its applicant, its filer, one of its parties, or its agent. The agent counts only
under a mandate in force today (accepted, in term, covering the filing's service, the agent still active), asked
of the database on every request as an ``Exists`` subquery: a mandate that lapsed hides the filing from every
list of the agent exactly as it refuses the agent the filing's pages.
"""

import datetime
import enum

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ruanzhu.accounts.decorators import staff_may
from ruanzhu.accounts.models import User
from ruanzhu.accounts.roles import EXAMINE_FILING
from ruanzhu.filings.models import Filing, FilingParty, PartyRole
from ruanzhu.filings.states import EDITABLE

# The parties who confirm the form, each with its own code or in its own account.
CONFIRMING_ROLES = (PartyRole.OWNER, PartyRole.TRANSFEROR, PartyRole.TRANSFEREE)


class Purpose(enum.StrEnum):
    """What a person wants to do with a filing; each purpose has its own answer to "who may"."""

    # Read the filing, its documents and its form: the applicant, the filer, the parties and the agent.
    VIEW = "view"
    # Change it, send and relay the owners' codes, submit, withdraw, delete the draft: the filer (the applicant
    # that files itself, or the agent).
    EDIT = "edit"
    # Confirm the form in one's own account: the parties who confirm it.
    CONFIRM = "confirm"
    # Answer a 补正: the filer and the applicant.
    CORRECT = "correct"
    # Download the certificate: the owners, the applicant and the filer.
    CERTIFICATE = "certificate"
    # Download the signed 委托书: the applicant and the agent (co-owners do not get it), and examiners once the
    # filing was submitted.
    MANDATE_LETTER = "mandate_letter"


class MandateNotInForce(PermissionDenied):
    """The filing's agent asks without a mandate in force: refused with a page that says why."""


def _mandates():
    # Reached through the foreign key rather than imported: the agents app builds on filings, not the reverse.
    return Filing._meta.get_field("mandate").related_model.objects


def mandate_in_force(*, agent, client, service: str, on: datetime.date | None = None):
    """Return the mandate by which ``agent`` acts for ``client`` in ``service`` on ``on`` (today), or None.

    Evaluated afresh on every call, never cached: a revocation or the end of the term counts at once.
    """
    if agent is None or client is None or agent.pk is None or client.pk is None or agent.pk == client.pk:
        return None
    return (
        _mandates()
        .in_effect(on or timezone.localdate())
        .covering(service)
        .filter(agent=agent, client=client)
        .order_by("-start_date", "-id")
        .first()
    )


def clients_of(agent, *, service: str = "") -> QuerySet[User]:
    """Return the accounts for which ``agent`` holds a mandate in force today (covering ``service`` if given)."""
    mandates = _mandates().in_effect(timezone.localdate()).filter(agent=agent)
    if service:
        mandates = mandates.covering(service)
    return User.objects.filter(pk__in=mandates.values("client_id")).order_by("username")


def is_agent(user) -> bool:
    """Tell whether ``user`` is an active agent (代理机构), who may file for clients under their mandates."""
    # Asked through the account's relation rather than imported, as the mandates are: agents builds on filings.
    return User.objects.filter(pk=user.pk, is_active=True, agent_profile__is_active=True).exists()


def mandate_of(filing: Filing):
    """Return the mandate in force today by which the filing's agent acts for its applicant, or None."""
    if not filing.agent_id:
        return None
    return mandate_in_force(agent=filing.agent, client=filing.applicant, service=filing.service)


def _under_mandate(on: datetime.date) -> Exists:
    """A mandate in force on ``on`` from the filing's applicant to its agent, covering its service."""
    return Exists(
        _mandates()
        .in_effect(on)
        .covering(OuterRef("service"))
        .filter(agent=OuterRef("agent"), client=OuterRef("applicant"))
    )


def _party(user, roles=None) -> Q:
    # An invitee is no party until it accepts: the invitation page shows it what it needs to decide.
    parties = FilingParty.objects.filter(
        filing=OuterRef("pk"), account=user, status=FilingParty.Status.ACCEPTED
    )
    if roles:
        parties = parties.filter(role__in=roles)
    return Q(Exists(parties))


def _as_agent(user) -> Q:
    # An agent filing for itself is its own applicant and needs no mandate.
    return Q(agent=user) & ~Q(applicant=user)


def grants(user, purpose: Purpose, *, on: datetime.date | None = None) -> Q:
    """Return the condition on a filing under which ``user`` may act on it for ``purpose``.

    For querysets and annotations of lists (``may_edit`` …); ``user`` must be logged in.
    """
    as_agent = _as_agent(user)
    agent = as_agent & Q(_under_mandate(on or timezone.localdate()))
    applicant = Q(applicant=user)
    filer = Q(filer=user) & ~as_agent
    match Purpose(purpose):
        case Purpose.VIEW:
            return applicant | filer | _party(user) | agent
        case Purpose.EDIT:
            return filer | (applicant & Q(agent__isnull=True)) | (agent & Q(filer=user))
        case Purpose.CONFIRM:
            return _party(user, CONFIRMING_ROLES)
        case Purpose.CORRECT:
            return applicant | filer | (agent & Q(filer=user))
        case Purpose.CERTIFICATE:
            return applicant | filer | (agent & Q(filer=user)) | _party(user, [PartyRole.OWNER])
        case Purpose.MANDATE_LETTER:
            return applicant | agent


def decided_by_the_row(user, filing: Filing, purpose: Purpose) -> bool | None:
    """Return what ``grants(user, purpose)`` says of ``filing`` when the filing's own columns decide it, else None.

    The applicant and the filer who is no agent are decided by the row alone; a party or an agent (its mandate)
    only by the database, and so is every staff member: None. ``filing_for`` uses this to spare the common case,
    an applicant on its own filing, the query of every condition; tests hold it to ``grants`` for every persona.
    """
    if not user.is_authenticated or user.is_staff:
        return None
    as_agent = filing.agent_id == user.pk and filing.applicant_id != user.pk
    applicant = filing.applicant_id == user.pk
    filer = filing.filer_id == user.pk and not as_agent
    match Purpose(purpose):
        case Purpose.VIEW | Purpose.CERTIFICATE:
            return True if applicant or filer else None
        case Purpose.EDIT:
            if filer or (applicant and filing.agent_id is None):
                return True
            return None if as_agent else False
        case Purpose.CORRECT | Purpose.MANDATE_LETTER:
            if applicant or (filer and purpose == Purpose.CORRECT):
                return True
            return None if as_agent else False
        case Purpose.CONFIRM:
            return None


def filings_for(
    user, *, purpose: Purpose = Purpose.VIEW, on: datetime.date | None = None
) -> QuerySet[Filing]:
    """Return the filings ``user`` may act on for ``purpose`` on ``on`` (today); none for anonymous users."""
    if not user.is_authenticated:
        return Filing.objects.none()
    if purpose == Purpose.MANDATE_LETTER and user.is_staff:
        # The one purpose that examiners share with applicants (examination builds on filings).
        if not staff_may(user, EXAMINE_FILING):
            return Filing.objects.none()
        filings = Filing.objects.exclude(status__in=EDITABLE)
    else:
        filings = Filing.objects.filter(grants(user, purpose, on=on))
    return filings.select_related("applicant", "filer", "agent")


def filing_for(user, *, pk: int, purpose: Purpose = Purpose.VIEW, also: tuple[Purpose, ...] = ()) -> Filing:
    """Return the filing ``pk`` if ``user`` may act on it for ``purpose``; 404 otherwise.

    ``also`` names further purposes that the page asks ``may`` about: they are answered with the filing (from
    its row, or as annotations of ``grants`` in the same query), and ``may`` reads the answers from the filing
    instead of asking again. Its agent without a mandate in force is refused with a page that says why (it knew
    the filing already).
    """
    also = tuple(Purpose(other) for other in also if other != purpose)
    if user.is_authenticated and not user.is_staff:
        # The applicant on its own filing, the common case: the row decides, without the conditions' query.
        # Unordered: one row by its key needs no ORDER BY (nor the work of compiling one).
        row = next(
            iter(Filing.objects.select_related("applicant", "filer", "agent").filter(pk=pk).order_by()), None
        )
        answers = {asked: decided_by_the_row(user, row, asked) for asked in (purpose, *also)} if row else {}
        if answers.get(purpose) and None not in answers.values():
            row.answered_for = (user.pk, answers)
            return row
    filings = filings_for(user, purpose=purpose)
    if also and not user.is_staff:
        filings = filings.annotate(
            **{
                f"may_{other}": ExpressionWrapper(grants(user, other), output_field=BooleanField())
                for other in also
            }
        )
    else:
        also = ()
    filing = filings.filter(pk=pk).first()
    if filing is not None:
        filing.answered_for = (
            user.pk,
            {purpose: True, **{other: getattr(filing, f"may_{other}") for other in also}},
        )
        return filing
    if (
        user.is_authenticated
        and purpose != Purpose.CONFIRM
        and Filing.objects.filter(_as_agent(user), pk=pk).exists()
    ):
        raise MandateNotInForce(
            _(
                "委托已撤销、已过期或不包含本业务，代理机构不能再查看或办理此申请。如需继续办理，请委托人重新委托。"
            )
        )
    raise Http404


def may(user, filing: Filing, purpose: Purpose) -> bool:
    """Tell whether ``user`` may act on ``filing`` for ``purpose``.

    One query, unless ``filing_for`` read the filing for ``user`` with this purpose (or among its ``also``) in
    this request; lists annotate ``grants`` instead.
    """
    answered_for, answers = getattr(filing, "answered_for", (None, {}))
    if answered_for == user.pk and purpose in answers:
        return answers[purpose]
    return filings_for(user, purpose=purpose).filter(pk=filing.pk).exists()
