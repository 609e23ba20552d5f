"""Parties and invitations over the API: the owners step's invite and remove, and 我的邀请's accept and decline.

The same services as the pages (ruanzhu.filings.services.parties): a co-owner is invited by phone or username
and joins only by accepting in its own account; the filer's answer is the same whether the phone or username
belongs to an account or not, and shows only what was typed, masked.
"""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status

from ruanzhu.api.auth import FILE, READ
from ruanzhu.api.errors import form_errors, invalid
from ruanzhu.api.routers.filings import ERRORS, PK_MAX
from ruanzhu.api.routers.lifecycle import REFUSED
from ruanzhu.filings.definitions import definition_for
from ruanzhu.filings.forms import OwnerAddForm
from ruanzhu.filings.models import FilingParty
from ruanzhu.filings.selectors import Purpose, filing_for, invitation_for, invitations_for
from ruanzhu.filings.services.parties import (
    invitation_accept,
    invitation_decline,
    inviter_name,
    owner_add,
    owner_remove,
)

router = Router(tags=["parties"])


class PartyOut(Schema):
    party_id: int
    role: str
    role_label: str
    # accepted, or invited / declined: an invitation shows only what the filer typed, masked.
    status: str
    status_label: str
    name: str
    category: str
    id_type: str
    # Masked as on the pages.
    id_number: str
    nationality: str
    province: str
    city: str


class PartyListOut(Schema):
    items: list[PartyOut]


class PartyAddIn(Schema):
    # The co-owner's phone number or username.
    identifier: str
    # The side of a contract for services with several roles (GET /services); owners only leave it out.
    role: str | None = None


class PartyInvitedOut(Schema):
    # What was typed, masked: the same answer whether an account matched or not.
    invited_as: str
    role: str


class InvitationOut(Schema):
    party_id: int
    filing_id: int
    software: str
    service: str
    service_title: str
    role: str
    role_label: str
    status: str
    inviter: str
    invited_at: datetime.datetime


class InvitationListOut(Schema):
    items: list[InvitationOut]


def party_out(party: FilingParty) -> dict:
    joined = party.status == FilingParty.Status.ACCEPTED
    return {
        "party_id": party.pk,
        "role": party.role,
        "role_label": str(party.get_role_display()),
        "status": party.status,
        "status_label": str(party.get_status_display()),
        "name": party.name if joined else party.invited_as,
        "category": party.category if joined else "",
        "id_type": party.id_type if joined else "",
        "id_number": party.masked_id_number if joined else "",
        "nationality": party.nationality if joined else "",
        "province": party.province if joined else "",
        "city": party.city if joined else "",
    }


def invitation_out(party: FilingParty) -> dict:
    filing = party.filing
    return {
        "party_id": party.pk,
        "filing_id": filing.pk,
        "software": filing.title,
        "service": filing.service,
        "service_title": str(definition_for(filing.service).title),
        "role": party.role,
        "role_label": str(party.get_role_display()),
        "status": party.status,
        "inviter": inviter_name(filing),
        "invited_at": party.added_at,
    }


def _parties_filing(user, pk: int):
    filing = filing_for(user, pk=pk, purpose=Purpose.EDIT)
    definition = definition_for(filing.service)
    if not definition.parties_step:
        raise Http404
    return filing, definition


@router.get(
    "/filings/{pk}/parties",
    auth=READ,
    response={200: PartyListOut, **ERRORS},
    operation_id="filings_parties",
    url_name="filing_parties",
    summary="The filing's parties and pending invitations, as its summary shows them",
)
def filings_parties(request, pk: int = Path(..., ge=1, le=PK_MAX)):
    filing = filing_for(request.auth.user, pk=pk, purpose=Purpose.VIEW)
    return {"items": [party_out(party) for party in filing.parties.order_by("position", "id")]}


@router.post(
    "/filings/{pk}/parties",
    auth=FILE,
    response={202: PartyInvitedOut, **REFUSED, **ERRORS},
    operation_id="filings_party_invite",
    url_name="filing_parties",
    summary="Invite a co-owner (or a party of a contract) by phone number or username",
)
def filings_party_invite(request, payload: PartyAddIn, pk: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    filing, definition = _parties_filing(user, pk)
    form = OwnerAddForm(data={"identifier": payload.identifier, "role": payload.role or ""})
    if not form.is_valid():
        raise invalid(form_errors(form))
    role = form.cleaned_data.get("role") or definition.party_roles[0]
    if role not in definition.party_roles:
        raise invalid([{"field": "role", "code": "invalid_choice", "message": _("请选择当事人角色。")}])
    invited_as = owner_add(filing=filing, by=user, identifier=form.cleaned_data["identifier"], role=role)
    return Status(202, {"invited_as": invited_as, "role": role})


@router.delete(
    "/filings/{pk}/parties/{party_id}",
    auth=FILE,
    response={204: None, **REFUSED, **ERRORS},
    operation_id="filings_party_remove",
    url_name="filing_party",
    summary="Remove a party or withdraw an invitation (the applicant stays on its own filing)",
)
def filings_party_remove(
    request, pk: int = Path(..., ge=1, le=PK_MAX), party_id: int = Path(..., ge=1, le=PK_MAX)
):
    user = request.auth.user
    filing, _definition = _parties_filing(user, pk)
    owner_remove(filing=filing, by=user, party_id=party_id)
    return Status(204, None)


@router.get(
    "/invitations",
    auth=READ,
    response={200: InvitationListOut, **ERRORS},
    operation_id="invitations_list",
    url_name="invitations",
    summary="我的邀请: the invitations waiting for the account's answer",
)
def invitations_list(request):
    return {"items": [invitation_out(party) for party in invitations_for(request.auth.user)]}


@router.post(
    "/invitations/{party_id}/accept",
    auth=FILE,
    response={200: InvitationOut, **REFUSED, **ERRORS},
    operation_id="invitations_accept",
    url_name="invitation_accept",
    summary="Accept an invitation: the account's verified details join the filing",
)
def invitations_accept(request, party_id: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    party = invitation_accept(party=invitation_for(user, pk=party_id), by=user)
    return invitation_out(party)


@router.post(
    "/invitations/{party_id}/decline",
    auth=FILE,
    response={200: InvitationOut, **REFUSED, **ERRORS},
    operation_id="invitations_decline",
    url_name="invitation_decline",
    summary="Decline an invitation: nothing of the account is shown to the filer",
)
def invitations_decline(request, party_id: int = Path(..., ge=1, le=PK_MAX)):
    user = request.auth.user
    party = invitation_decline(party=invitation_for(user, pk=party_id), by=user)
    return invitation_out(party)
