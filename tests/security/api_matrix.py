"""What every token gets from every operation of the API: the table the API's token matrix checks.

tests/security/test_api_token_matrix.py reads the operations from the API's own OpenAPI document and fails on one
without a line here (and on a line for an operation that is gone). A line names the operation (its operationId),
the object its path parameters are read from (a key of OBJECTS, in the World of tests/security/conftest.py; an
operation may be asked about several objects), then one outcome per token persona:

    own    the applicant's token, every scope      agent  an agent's, under a mandate in force from the applicant
    other  another verified applicant's, every     agntX  an agent's that holds no mandate from the applicant
           scope                                   exp    the applicant's token past its expiry
    co     the co-owner's, every scope             rev    the applicant's token, revoked
                                                   scope  the applicant's token with only ``read``

Outcomes are the status codes of the answers:
    200 201 202 204   allowed; may write
    400 409 422       allowed, but the plausible body (never a complete one) is refused as bad input, or the
                      state of the object refuses the action: nothing changed
    401 403 404       refused: nothing changed (401: no request of the token is even audited)

Writes send a plausible but incomplete body (BODIES; an empty multipart body for uploads), so that an allowed
write is refused as bad input or does something harmless; every cell runs in a transaction rolled back after it.
"""

from dataclasses import dataclass

from ruanzhu.filings.models import Filing

# The tokens that knock on every operation (tests/security/test_api_token_matrix.py makes them), in column order.
PERSONAS = (
    "own",  # the applicant of every filing of the World, all scopes
    "other",  # another verified applicant, all scopes: sees nothing of the applicant's
    "co_owner",  # joined the applicant's filings as their second owner, all scopes
    "agent",  # files the agent filing for the applicant under a mandate in force, all scopes
    "agent_without_mandate",  # a verified agent with no mandate from the applicant, all scopes
    "expired",  # the applicant's, past its expiry
    "revoked",  # the applicant's, revoked
    "wrong_scope",  # the applicant's, ``read`` only
)
# Where the persona's token comes from: (person of the World, scopes).
TOKENS = {
    "own": ("applicant", ("read", "file", "submit")),
    "other": ("other_applicant", ("read", "file", "submit")),
    "co_owner": ("co_owner", ("read", "file", "submit")),
    "agent": ("agent", ("read", "file", "submit")),
    "agent_without_mandate": ("agent_without_mandate", ("read", "file", "submit")),
    "expired": ("applicant", ("read", "file", "submit")),
    "revoked": ("applicant", ("read", "file", "submit")),
    "wrong_scope": ("applicant", ("read",)),
}

ALLOWED = frozenset({"200", "201", "202", "204"})
BAD_INPUT = frozenset({"400", "409", "422"})
REFUSALS = frozenset({"401", "403", "404"})
# Outcomes after which the database (the token's own bookkeeping aside) and private storage must be as they were.
UNCHANGED = REFUSALS | BAD_INPUT
OUTCOMES = UNCHANGED | ALLOWED


@dataclass(frozen=True)
class Line:
    """The outcomes of one operation about one object, per token persona."""

    operation: str  # the operationId
    scenario: str  # the object of OBJECTS the path parameters are read from
    outcomes: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.operation} [{self.scenario}]"

    def outcome(self, persona: str) -> str:
        return self.outcomes[PERSONAS.index(persona)]

    def kwargs(self, world) -> dict:
        """Return the path parameters: the object's, then the usual value of any other parameter."""
        return {**VALUES, **OBJECTS[self.scenario](world)}


def _party(filing: Filing, world, *, of: Filing | None = None, person: str = "co_owner") -> dict:
    """Return the path of ``person``'s party of ``of`` (``filing`` itself unless given) under ``filing``."""
    party = (of or filing).parties.get(account=world.people[person])
    return {"pk": filing.pk, "party_id": party.pk}


OBJECTS = {
    "-": lambda world: {},
    "filing": lambda world: {"pk": world.filing.pk},
    "filing party": lambda world: _party(world.filing, world),
    "agent filing": lambda world: {"pk": world.agent_filing.pk},
    "agent party": lambda world: _party(world.agent_filing, world),
    # A party of one filing asked under another (the co-owner's on the other filing), and the applicant's own.
    "foreign party": lambda world: _party(world.filing, world, of=world.agent_filing),
    "agent foreign party": lambda world: _party(world.agent_filing, world, of=world.filing),
    "applicant party": lambda world: _party(world.filing, world, person="applicant"),
    "invitation": lambda world: {"party_id": world.invitation.pk},
    "correction": lambda world: {"pk": world.correction_filing.pk},
    "registered": lambda world: {"pk": world.registered_filing.pk},
    "registration": lambda world: {"registration_number": world.registration.registration_number},
    # A draft that agntX files for the applicant under a mandate the applicant then revoked: the fixture
    # ``lapsed_filing`` of tests/security/test_api_token_matrix.py puts it on the World.
    "lapsed filing": lambda world: {"pk": world.lapsed_filing.pk},
}
# The value of a path parameter that no object gives.
VALUES = {"kind": "program_deposit"}
# The query of GET operations that need one.
QUERIES = {"registry_search": {"q": "软件"}}
# The plausible, incomplete JSON body of every operation that takes one (the test fails on one without).
BODIES = {
    "filings_create": {"service": "R11", "fields": {}},
    "filings_batch_create": {"items": [{"service": "R11", "fields": {}}]},
    "filings_update": {"fields": {}},
    "filings_withdraw": {"reason": ""},
    "filings_party_invite": {"identifier": ""},
}

# What the lists answer each persona of the World's objects: the objects (of OBJECTS) whose filing (or, for the
# invitations, whose invitation) is among the items, and no other of them.
_APPLICANTS = ("filing", "agent filing", "correction", "registered", "invitation", "lapsed filing")
_CO_OWNERS = ("filing", "agent filing", "correction", "registered")  # an invitee is no party until it accepts
LISTED = {
    "filings_list": {
        "own": _APPLICANTS,
        "other": (),
        "co_owner": _CO_OWNERS,
        "agent": ("agent filing",),
        "agent_without_mandate": (),  # not even the draft it filed before its mandate was revoked
        "wrong_scope": _APPLICANTS,
    },
    "invitations_list": {
        "own": (),
        "other": (),
        "co_owner": ("invitation",),
        "agent": (),
        "agent_without_mandate": (),
        "wrong_scope": (),
    },
}

TABLE_TEXT = """
# operationId                      object       own   other co    agent agntX exp   rev   scope
services_list                      -            200   200   200   200   200   401   401   200
registry_search                    -            200   200   200   200   200   401   401   200
registry_record                    registration 200   200   200   200   200   401   401   200
filings_list                       -            200   200   200   200   200   401   401   200
invitations_list                   -            200   200   200   200   200   401   401   200
# An empty first step: refused as bad input. A batch answers each item on its own (200, the item refused).
filings_create                     -            422   422   422   422   422   401   401   403
filings_batch_create               -            200   200   200   200   200   401   401   403

# The applicant's own filing: form issued and confirmed by both owners (待提交); a deposit build queued.
filings_get                        filing       200   404   200   404   404   401   401   200
filings_update                     filing       422   404   404   404   404   401   401   403
filings_document_upload            filing       422   404   404   404   404   401   401   403
filings_form_issue                 filing       409   404   404   404   404   401   401   403
filings_confirmations              filing       200   404   200   404   404   401   401   200
filings_confirm_mine               filing       409   404   409   404   404   401   401   403
filings_signature_page_upload      filing       422   404   404   404   404   401   401   403
filings_submit                     filing       409   404   404   404   404   401   401   403
filings_withdraw                   filing       422   404   404   404   404   401   401   403
filings_form_pdf                   filing       200   404   200   404   404   401   401   200
filings_deposit_build_start        filing       422   404   404   404   404   401   401   403
filings_deposit_build              filing       200   404   404   404   404   401   401   200
filings_deposit_build_discard      filing       204   404   404   404   404   401   401   403
filings_deposit_build_accept       filing       409   404   404   404   404   401   401   403
filings_parties                    filing       200   404   200   404   404   401   401   200
filings_party_invite               filing       422   404   404   404   404   401   401   403
filings_party_remove               filing party 204   404   404   404   404   401   401   403
# The filing's own parties only (another filing's party is none of it), and never the applicant.
filings_party_remove               foreign party 409  404   404   404   404   401   401   403
filings_party_remove               applicant party 409 404  404   404   404   401   401   403

# The filing the agent files for the applicant: the agent edits it; the applicant and the co-owner read it and
# confirm their own part.
filings_get                        agent filing 200   404   200   200   404   401   401   200
filings_update                     agent filing 404   404   404   422   404   401   401   403
filings_document_upload            agent filing 404   404   404   422   404   401   401   403
filings_form_issue                 agent filing 404   404   404   409   404   401   401   403
filings_confirmations              agent filing 200   404   200   200   404   401   401   200
filings_confirm_mine               agent filing 409   404   409   404   404   401   401   403
filings_signature_page_upload      agent filing 404   404   404   422   404   401   401   403
filings_submit                     agent filing 404   404   404   409   404   401   401   403
filings_withdraw                   agent filing 404   404   404   422   404   401   401   403
filings_form_pdf                   agent filing 200   404   200   200   404   401   401   200
filings_deposit_build_start        agent filing 404   404   404   422   404   401   401   403
filings_deposit_build              agent filing 404   404   404   200   404   401   401   404
filings_deposit_build_discard      agent filing 404   404   404   204   404   401   401   403
filings_deposit_build_accept       agent filing 404   404   404   409   404   401   401   403
filings_parties                    agent filing 200   404   200   200   404   401   401   200
filings_party_invite               agent filing 404   404   404   422   404   401   401   403
filings_party_remove               agent party  404   404   404   204   404   401   401   403
filings_party_remove               agent foreign party 404 404 404  409   404   401   401   403

# The applicant's filing in examination with a 补正 open (no new version yet), and its registered one.
filings_correction                 correction   200   404   200   404   404   401   401   200
filings_correction_answer          correction   422   404   404   404   404   401   401   403
filings_correction_codes           correction   409   404   404   404   404   401   401   403
filings_correction_signature_page  correction   422   404   404   404   404   401   401   403
filings_certificate_pdf            registered   200   404   200   404   404   401   401   200

# The draft agntX files for the applicant under a mandate since revoked: agntX knew the filing and is told why
# it may no longer act on it (403 mandate_not_in_force), except where it asks as an owner (confirm: 404). The
# applicant reads it; the draft has no form, 补正 or certificate (its codes are refused by the state, and an
# upload without a file as bad input, before the 补正 is looked for).
filings_get                        lapsed filing 200  404   404   404   403   401   401   200
filings_update                     lapsed filing 404  404   404   404   403   401   401   403
filings_document_upload            lapsed filing 404  404   404   404   403   401   401   403
filings_form_issue                 lapsed filing 404  404   404   404   403   401   401   403
filings_confirmations              lapsed filing 200  404   404   404   403   401   401   200
filings_confirm_mine               lapsed filing 409  404   404   404   404   401   401   403
filings_signature_page_upload      lapsed filing 404  404   404   404   403   401   401   403
filings_submit                     lapsed filing 404  404   404   404   403   401   401   403
filings_withdraw                   lapsed filing 404  404   404   404   403   401   401   403
filings_form_pdf                   lapsed filing 404  404   404   404   403   401   401   404
filings_deposit_build_start        lapsed filing 404  404   404   404   403   401   401   403
filings_deposit_build              lapsed filing 404  404   404   404   403   401   401   404
filings_deposit_build_discard      lapsed filing 404  404   404   404   403   401   401   403
filings_deposit_build_accept       lapsed filing 404  404   404   404   403   401   401   403
filings_parties                    lapsed filing 200  404   404   404   403   401   401   200
filings_party_invite               lapsed filing 404  404   404   404   403   401   401   403
filings_correction                 lapsed filing 404  404   404   404   403   401   401   404
filings_correction_answer          lapsed filing 404  404   404   404   403   401   401   403
filings_correction_codes           lapsed filing 409  404   404   404   403   401   401   403
filings_correction_signature_page  lapsed filing 422  404   404   404   403   401   401   403
filings_certificate_pdf            lapsed filing 404  404   404   404   403   401   401   404

# The co-owner's pending invitation to a draft of the applicant: only the invitee answers it.
invitations_accept                 invitation   404   404   200   404   404   401   401   403
invitations_decline                invitation   404   404   200   404   404   401   401   403
"""


def parse(text: str) -> dict[str, Line]:
    """Return the lines of TABLE_TEXT by key (operation and object)."""
    lines: dict[str, Line] = {}
    for row in text.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        words = row.split()
        count = len(PERSONAS)
        operation, scenario, outcomes = words[0], " ".join(words[1:-count]), tuple(words[-count:])
        assert scenario in OBJECTS and not set(outcomes) - OUTCOMES, row
        line = Line(operation, scenario, outcomes)
        assert line.key not in lines, f"twice: {row}"
        lines[line.key] = line
    return lines


TABLE = parse(TABLE_TEXT)
