"""What every persona gets from every URL of the portal, by GET and by POST: the table the URL matrix checks.

TABLE_TEXT holds two lines (GET, POST) per URL pattern name and object: tests/security/test_url_matrix.py fails
on a pattern of the URL conf without them. The object (a key of OBJECTS) is what the URL's path arguments are
read from, in the World of tests/security/conftest.py; a name may be asked about several objects (the filing
the applicant files itself, the filing its agent files). Then one outcome per persona:

    anon   the anonymous visitor            agent  an agent with a mandate in force from the applicant
    appl   the applicant                    agntX  an agent without one
    other  another verified applicant       revw   an identity reviewer (second factor passed)
    co     the co-owner who joined          exam   an examiner (second factor passed)
                                            stfX   an examiner whose session never passed the second factor

Outcomes:
    200 204   the page or file; may write (an audit entry)
    302       an allowed action that redirects (not to a login page); may change the database
    no        a redirect (not to a login page) after which nothing changed: refused with a message, by the rules
              or by the state of the object, or sent on to the page that applies
    400       bad input (a POST sends an empty or plausible body, never a complete one): nothing changed
    login     302 to the login page          staff   302 to the staff login (password and second factor)
    admin     302 to the admin's login       bench   302 to the staff workbench (staff on applicants' pages)
    403 404 405  refused: nothing changed
    401       the API without a token (it takes no session): refused, nothing changed

The admin's patterns follow one rule (``admin_outcome``) rather than lines of the table.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django_otp.plugins.otp_totp.models import TOTPDevice

from ruanzhu.filings.models import Filing, FormVersion
from tests.factories import STEP_DATA

# The people who knock on every URL (tests/security/conftest.py logs them in), in the order of the columns.
PERSONAS = (
    "anonymous",  # no session
    "applicant",  # verified; applicant of every filing below, client of the agent's mandate
    "other_applicant",  # verified, unrelated to any of it: must see nothing
    "co_owner",  # verified; joined the filings as their second owner
    "agent",  # an agent under a mandate in force from the applicant; files the agent filing
    "agent_without_mandate",  # a verified agent that holds no mandate from the applicant
    "identity_reviewer",  # staff, role 实名审核员, second factor passed
    "examiner",  # staff, role 审查员, second factor passed
    "staff_without_otp",  # staff, role 审查员 too, whose session never passed the second factor
)
STAFF_WITH_OTP = ("identity_reviewer", "examiner")
METHODS = ("get", "post")

REFUSALS = frozenset({"login", "staff", "admin", "bench", "401", "403", "404", "405"})
# Outcomes after which the database and private storage must be as they were.
UNCHANGED = REFUSALS | {"no", "400"}
OUTCOMES = UNCHANGED | {"200", "204", "302"}


@dataclass(frozen=True)
class Entry:
    """The outcomes of one URL about one object, per method and persona."""

    name: str
    scenario: str  # the object of OBJECTS the URL is about
    outcomes: dict[str, tuple[str, ...]]  # method -> one outcome per persona

    @property
    def key(self) -> str:
        return f"{self.name} [{self.scenario}]"

    def outcome(self, method: str, persona: str) -> str:
        return self.outcomes[method][PERSONAS.index(persona)]

    def kwargs(self, world, parameters: list[str]) -> dict:
        """Return the URL's path arguments: the object's, then the usual value of any other parameter."""
        kwargs = OBJECTS[self.scenario](world)
        return {name: kwargs[name] if name in kwargs else VALUES[name] for name in parameters}

    def body(self, world, kwargs: dict) -> dict:
        return BODIES[self.name](world, kwargs) if self.name in BODIES else {}


# --- The objects URLs are about: a scenario names one -----------------------------------------------------------
def _party(filing: Filing, world) -> dict:
    return {"pk": filing.pk, "party_id": filing.parties.get(account=world.people["co_owner"]).pk}


def _printed_form(world) -> dict:
    version = FormVersion.objects.filter(filing=world.filing, rendered_at__isnull=False).latest("number")
    return {"flow_number": world.filing.flow_number, "token": version.token}


OBJECTS = {
    "-": lambda world: {},
    "filing": lambda world: {"pk": world.filing.pk},
    "filing party": lambda world: _party(world.filing, world),
    "agent filing": lambda world: {"pk": world.agent_filing.pk},
    "agent party": lambda world: _party(world.agent_filing, world),
    "invitation": lambda world: {"party_id": world.invitation.pk},
    "correction": lambda world: {"pk": world.correction_filing.pk},
    "registered": lambda world: {"pk": world.registered_filing.pk},
    "registration": lambda world: {"registration_number": world.registration.registration_number},
    "certificate": lambda world: {"token": world.registration.certificate_token},
    # The QR code of the applicant's printed form (its flow number and its version's token), and the address
    # that forms printed before the token had.
    "printed form": _printed_form,
    "flow number": lambda world: {"flow_number": world.filing.flow_number},
    "mandate": lambda world: {"pk": world.mandate.pk},
    "verification": lambda world: {"pk": world.verification.pk},
    "individual": lambda world: {"kind": "individual"},
    "webhook endpoint": lambda world: {"pk": world.webhook_delivery.endpoint_id},
    "webhook delivery": lambda world: {"pk": world.webhook_delivery.pk},
}
# The value of a parameter that no object gives.
VALUES = {"slug": "software", "kind": "program_deposit", "code": "R11", "slot": "id_front"}


def _filing_of(kwargs: dict) -> Filing:
    return Filing.objects.get(pk=kwargs["pk"])


# Bodies of the POSTs that would do something if the persona were allowed: a refused persona sends one too.
BODIES = {
    "filings:step": lambda world, kwargs: {**STEP_DATA["software"], "action": "next"},
    "filings:owner_add": lambda world, kwargs: {"identifier": world.people["other_applicant"].username},
    "filings:code_confirm": lambda world, kwargs: {
        "party_id": _party(_filing_of(kwargs), world)["party_id"],
        "code": "000000",
    },
    "filings:withdraw": lambda world, kwargs: {"reason": "不再申请登记"},
    "notifications:mark_read": lambda world, kwargs: {"notification": world.notification.pk},
}

TABLE_TEXT = """
# URL name                                      object       method anon  appl  other co    agent agntX revw  exam  stfX
home                                            -            GET   200   200   200   200   200   200   200   200   200
home                                            -            POST  405   405   405   405   405   405   405   405   405
set_language                                    -            GET   302   302   302   302   302   302   302   302   302
set_language                                    -            POST  302   302   302   302   302   302   302   302   302
filings:catalog                                 -            GET   200   200   200   200   200   200   200   200   200
filings:catalog                                 -            POST  405   405   405   405   405   405   405   405   405
registry:search                                 -            GET   200   200   200   200   200   200   200   200   200
registry:search                                 -            POST  405   405   405   405   405   405   405   405   405
registry:record                                 registration GET   200   200   200   200   200   200   200   200   200
registry:record                                 registration POST  405   405   405   405   405   405   405   405   405
registry:verify                                 certificate  GET   200   200   200   200   200   200   200   200   200
registry:verify                                 certificate  POST  405   405   405   405   405   405   405   405   405
identity:cities                                 -            GET   200   200   200   200   200   200   200   200   200
identity:cities                                 -            POST  405   405   405   405   405   405   405   405   405
filings:form_verify                             printed form GET   200   200   200   200   200   200   200   200   200
filings:form_verify                             printed form POST  405   405   405   405   405   405   405   405   405
filings:form_verify_without_token               flow number  GET   404   404   404   404   404   404   404   404   404
filings:form_verify_without_token               flow number  POST  405   405   405   405   405   405   405   405   405

accounts:signup                                 -            GET   200   200   200   200   200   200   200   200   200
accounts:signup                                 -            POST  no    no    no    no    no    no    no    no    no
accounts:signup_kind                            -            GET   no    no    no    no    no    no    no    no    no
accounts:signup_kind                            -            POST  405   405   405   405   405   405   405   405   405
accounts:signup_details                         individual   GET   no    no    no    no    no    no    no    no    no
accounts:signup_details                         individual   POST  no    no    no    no    no    no    no    no    no
accounts:signup_code                            -            GET   405   405   405   405   405   405   405   405   405
accounts:signup_code                            -            POST  400   400   400   400   400   400   400   400   400
accounts:signup_done                            -            GET   no    no    no    no    no    no    no    no    no
accounts:signup_done                            -            POST  405   405   405   405   405   405   405   405   405
accounts:login                                  -            GET   200   200   200   200   200   200   200   200   200
accounts:login                                  -            POST  400   400   400   400   400   400   400   400   400
accounts:staff_login                            -            GET   200   200   200   200   200   200   200   200   200
accounts:staff_login                            -            POST  400   400   400   400   400   400   400   400   400
accounts:logout                                 -            GET   405   405   405   405   405   405   405   405   405
accounts:logout                                 -            POST  302   302   302   302   302   302   302   302   302
accounts:password_reset                         -            GET   200   200   200   200   200   200   200   200   200
accounts:password_reset                         -            POST  400   400   400   400   400   400   400   400   400
accounts:password_reset_confirm                 -            GET   no    no    no    no    no    no    no    no    no
accounts:password_reset_confirm                 -            POST  no    no    no    no    no    no    no    no    no
accounts:profile                                -            GET   login 200   200   200   200   200   200   200   login
accounts:profile                                -            POST  login 405   405   405   405   405   405   405   login
accounts:phone_change                           -            GET   login 200   200   200   200   200   200   200   login
accounts:phone_change                           -            POST  login 200   200   200   200   200   200   200   login
accounts:data_export                            -            GET   login 200   200   200   200   200   200   200   login
accounts:data_export                            -            POST  login 405   405   405   405   405   405   405   login
accounts:close_account                          -            GET   login 200   200   200   200   200   200   200   login
accounts:close_account                          -            POST  login 400   400   400   400   400   400   400   login
accounts:api_token_create                       -            GET   login 405   405   405   405   405   404   404   login
accounts:api_token_create                       -            POST  login 400   400   400   400   400   404   404   login
accounts:api_token_revoke                       -            GET   login 405   405   405   405   405   404   404   login
accounts:api_token_revoke                       -            POST  login 400   400   400   400   400   404   404   login
notifications:inbox                             -            GET   login 200   200   200   200   200   200   200   login
notifications:inbox                             -            POST  login 405   405   405   405   405   405   405   login
notifications:mark_read                         -            GET   login 405   405   405   405   405   405   405   login
notifications:mark_read                         -            POST  login 302   no    no    no    no    no    no    login

identity:start                                  -            GET   login no    no    no    no    no    bench bench login
identity:start                                  -            POST  login 405   405   405   405   405   bench bench login
identity:step1                                  -            GET   login no    no    no    no    no    bench bench login
identity:step1                                  -            POST  login no    no    no    no    no    bench bench login
identity:step2                                  -            GET   login no    no    no    no    no    bench bench login
identity:step2                                  -            POST  login no    no    no    no    no    bench bench login
identity:step3                                  -            GET   login no    no    no    no    no    bench bench login
identity:step3                                  -            POST  login no    no    no    no    no    bench bench login
identity:status                                 -            GET   login 200   200   200   200   200   bench bench login
identity:status                                 -            POST  login 405   405   405   405   405   bench bench login
identity:revise                                 -            GET   login 405   405   405   405   405   bench bench login
identity:revise                                 -            POST  login 302   302   302   302   302   bench bench login
identity:document                               -            GET   login 200   404   404   404   404   bench bench login
identity:document                               -            POST  login 405   405   405   405   405   bench bench login
identity:upload                                 -            GET   login 405   405   405   405   405   bench bench login
identity:upload                                 -            POST  login no    no    no    no    no    bench bench login
identity:slot_row                               -            GET   login 200   200   200   404   404   bench bench login
identity:slot_row                               -            POST  login 405   405   405   405   405   bench bench login
identity:authorization_letter                   -            GET   login no    no    no    no    no    bench bench login
identity:authorization_letter                   -            POST  login 405   405   405   405   405   bench bench login

filings:verification_required                   -            GET   login 200   200   200   200   200   200   200   login
filings:verification_required                   -            POST  login 405   405   405   405   405   405   405   login
filings:start                                   -            GET   login 200   200   200   200   200   404   404   login
filings:start                                   -            POST  login 400   400   400   400   400   404   404   login
filings:mine                                    -            GET   login 200   200   200   200   200   404   404   login
filings:mine                                    -            POST  login 405   405   405   405   405   404   404   login
filings:invitations                             -            GET   login 200   200   200   200   200   404   404   login
filings:invitations                             -            POST  login 405   405   405   405   405   404   404   login
filings:invitation_accept                       invitation   GET   login 405   405   405   405   405   404   404   login
filings:invitation_accept                       invitation   POST  login 404   404   302   404   404   404   404   login
filings:invitation_decline                      invitation   GET   login 405   405   405   405   405   404   404   login
filings:invitation_decline                      invitation   POST  login 404   404   302   404   404   404   404   login

filings:detail                                  filing       GET   login 200   404   200   404   404   404   404   login
filings:detail                                  filing       POST  login 405   405   405   405   405   404   404   login
filings:step                                    filing       GET   login 200   404   404   404   404   404   404   login
filings:step                                    filing       POST  login 302   404   404   404   404   404   404   login
filings:delete                                  filing       GET   login 405   405   405   405   405   404   404   login
filings:delete                                  filing       POST  login no    404   404   404   404   404   404   login
filings:owner_add                               filing       GET   login 405   405   405   405   405   404   404   login
filings:owner_add                               filing       POST  login 302   404   404   404   404   404   404   login
filings:owner_remove                            filing party GET   login 405   405   405   405   405   404   404   login
filings:owner_remove                            filing party POST  login 302   404   404   404   404   404   404   login
filings:document                                filing       GET   login 200   404   200   404   404   404   404   login
filings:document                                filing       POST  login 405   405   405   405   405   404   404   login
filings:upload                                  filing       GET   login 405   405   405   405   405   404   404   login
filings:upload                                  filing       POST  login no    404   404   404   404   404   404   login
filings:deposit_build_start                     filing       GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_start                     filing       POST  login no    404   404   404   404   404   404   login
filings:deposit_build_status                    filing       GET   login 200   404   404   404   404   404   404   login
filings:deposit_build_status                    filing       POST  login 405   405   405   405   405   404   404   login
filings:deposit_build_accept                    filing       GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_accept                    filing       POST  login no    404   404   404   404   404   404   login
filings:deposit_build_discard                   filing       GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_discard                   filing       POST  login no    404   404   404   404   404   404   login
filings:codes_send                              filing       GET   login 405   405   405   405   405   404   404   login
filings:codes_send                              filing       POST  login no    404   404   404   404   404   404   login
filings:code_confirm                            filing       GET   login 405   405   405   405   405   404   404   login
filings:code_confirm                            filing       POST  login no    404   404   404   404   404   404   login
filings:confirm_mine                            filing       GET   login 405   405   405   405   405   404   404   login
filings:confirm_mine                            filing       POST  login no    404   no    404   404   404   404   login
filings:form_pdf                                filing       GET   login 200   404   200   404   404   404   404   login
filings:form_pdf                                filing       POST  login 405   405   405   405   405   404   404   login
filings:mandate_letter                          filing       GET   login 404   404   404   404   404   404   404   login
filings:mandate_letter                          filing       POST  405   405   405   405   405   405   405   405   405
filings:signature_page                          filing       GET   login 405   405   405   405   405   404   404   login
filings:signature_page                          filing       POST  login no    404   404   404   404   404   404   login
filings:submit                                  filing       GET   login 405   405   405   405   405   404   404   login
filings:submit                                  filing       POST  login no    404   404   404   404   404   404   login
filings:withdraw                                filing       GET   login 405   405   405   405   405   404   404   login
filings:withdraw                                filing       POST  login 302   404   404   404   404   404   404   login

filings:detail                                  agent filing GET   login 200   404   200   200   404   404   404   login
filings:detail                                  agent filing POST  login 405   405   405   405   405   404   404   login
filings:step                                    agent filing GET   login 404   404   404   200   404   404   404   login
filings:step                                    agent filing POST  login 404   404   404   302   404   404   404   login
filings:delete                                  agent filing GET   login 405   405   405   405   405   404   404   login
filings:delete                                  agent filing POST  login 404   404   404   no    404   404   404   login
filings:owner_add                               agent filing GET   login 405   405   405   405   405   404   404   login
filings:owner_add                               agent filing POST  login 404   404   404   302   404   404   404   login
filings:owner_remove                            agent party  GET   login 405   405   405   405   405   404   404   login
filings:owner_remove                            agent party  POST  login 404   404   404   302   404   404   404   login
filings:document                                agent filing GET   login 200   404   200   200   404   404   404   login
filings:document                                agent filing POST  login 405   405   405   405   405   404   404   login
filings:upload                                  agent filing GET   login 405   405   405   405   405   404   404   login
filings:upload                                  agent filing POST  login 404   404   404   no    404   404   404   login
filings:deposit_build_start                     agent filing GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_start                     agent filing POST  login 404   404   404   no    404   404   404   login
filings:deposit_build_status                    agent filing GET   login 404   404   404   200   404   404   404   login
filings:deposit_build_status                    agent filing POST  login 405   405   405   405   405   404   404   login
filings:deposit_build_accept                    agent filing GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_accept                    agent filing POST  login 404   404   404   no    404   404   404   login
filings:deposit_build_discard                   agent filing GET   login 405   405   405   405   405   404   404   login
filings:deposit_build_discard                   agent filing POST  login 404   404   404   no    404   404   404   login
filings:codes_send                              agent filing GET   login 405   405   405   405   405   404   404   login
filings:codes_send                              agent filing POST  login 404   404   404   no    404   404   404   login
filings:code_confirm                            agent filing GET   login 405   405   405   405   405   404   404   login
filings:code_confirm                            agent filing POST  login 404   404   404   no    404   404   404   login
filings:confirm_mine                            agent filing GET   login 405   405   405   405   405   404   404   login
filings:confirm_mine                            agent filing POST  login no    404   no    404   404   404   404   login
filings:form_pdf                                agent filing GET   login 200   404   200   200   404   404   404   login
filings:form_pdf                                agent filing POST  login 405   405   405   405   405   404   404   login
filings:mandate_letter                          agent filing GET   login 200   404   404   200   404   404   404   login
filings:mandate_letter                          agent filing POST  405   405   405   405   405   405   405   405   405
filings:signature_page                          agent filing GET   login 405   405   405   405   405   404   404   login
filings:signature_page                          agent filing POST  login 404   404   404   no    404   404   404   login
filings:submit                                  agent filing GET   login 405   405   405   405   405   404   404   login
filings:submit                                  agent filing POST  login 404   404   404   no    404   404   404   login
filings:withdraw                                agent filing GET   login 405   405   405   405   405   404   404   login
filings:withdraw                                agent filing POST  login 404   404   404   302   404   404   404   login

examination_applicant:correction                correction   GET   login 200   404   200   404   404   404   404   login
examination_applicant:correction                correction   POST  login 200   404   no    404   404   404   404   login
examination_applicant:correction_codes          correction   GET   login 405   405   405   405   405   404   404   login
examination_applicant:correction_codes          correction   POST  login no    404   404   404   404   404   404   login
examination_applicant:correction_signature_page correction   GET   login 405   405   405   405   405   404   404   login
examination_applicant:correction_signature_page correction   POST  login no    404   404   404   404   404   404   login
examination_applicant:certificate               registered   GET   login 200   404   200   404   404   404   404   login
examination_applicant:certificate               registered   POST  login 405   405   405   405   405   404   404   login

agents:dashboard                                -            GET   login 404   404   404   200   200   404   404   login
agents:dashboard                                -            POST  login 404   404   404   405   405   404   404   login
agents:mandates                                 -            GET   login 200   200   200   200   200   200   200   login
agents:mandates                                 -            POST  login 405   405   405   405   405   405   405   login
agents:propose                                  -            GET   login 404   404   404   200   200   404   404   login
agents:propose                                  -            POST  login 404   404   404   400   400   404   404   login
agents:mandate_detail                           mandate      GET   login 200   404   404   200   404   404   404   login
agents:mandate_detail                           mandate      POST  login 405   405   405   405   405   405   405   login
agents:letter                                   mandate      GET   login 200   404   404   200   404   404   404   login
agents:letter                                   mandate      POST  login 405   405   405   405   405   405   405   login
agents:signed_letter                            mandate      GET   login 200   404   404   200   404   404   404   login
agents:signed_letter                            mandate      POST  login 405   405   405   405   405   405   405   login
agents:upload_letter                            mandate      GET   login 405   405   405   405   405   405   405   login
agents:upload_letter                            mandate      POST  login no    404   404   no    404   404   404   login
agents:accept                                   mandate      GET   login 405   405   405   405   405   405   405   login
agents:accept                                   mandate      POST  login no    404   404   no    404   404   404   login
agents:decline                                  mandate      GET   login 405   405   405   405   405   405   405   login
agents:decline                                  mandate      POST  login no    404   404   no    404   404   404   login
agents:revoke                                   mandate      GET   login 405   405   405   405   405   405   405   login
agents:revoke                                   mandate      POST  login 302   404   404   302   404   404   404   login

webhooks:page                                   -            GET   login 200   200   200   200   200   404   404   login
webhooks:page                                   -            POST  login 405   405   405   405   405   404   404   login
webhooks:endpoint_create                        -            GET   login 405   405   405   405   405   404   404   login
webhooks:endpoint_create                        -            POST  login 400   400   400   400   400   404   404   login
webhooks:endpoint_disable                       webhook endpoint GET   login 405   405   405   405   405   404   404   login
webhooks:endpoint_disable                       webhook endpoint POST  login 404   404   404   302   404   404   404   login
webhooks:endpoint_enable                        webhook endpoint GET   login 405   405   405   405   405   404   404   login
webhooks:endpoint_enable                        webhook endpoint POST  login 404   404   404   302   404   404   404   login
webhooks:endpoint_rotate                        webhook endpoint GET   login 405   405   405   405   405   404   404   login
webhooks:endpoint_rotate                        webhook endpoint POST  login 404   404   404   200   404   404   404   login
webhooks:endpoint_delete                        webhook endpoint GET   login 405   405   405   405   405   404   404   login
webhooks:endpoint_delete                        webhook endpoint POST  login 404   404   404   302   404   404   404   login
webhooks:delivery_resend                        webhook delivery GET   login 405   405   405   405   405   404   404   login
webhooks:delivery_resend                        webhook delivery POST  login 404   404   404   302   404   404   404   login

staff:home                                      -            GET   staff staff staff staff staff staff 200   200   staff
staff:home                                      -            POST  staff staff staff staff staff staff 405   405   staff
identity_review:queue                           -            GET   staff 404   404   404   404   404   200   404   staff
identity_review:queue                           -            POST  staff 404   404   404   404   404   405   404   staff
identity_review:detail                          verification GET   staff 404   404   404   404   404   200   404   staff
identity_review:detail                          verification POST  staff 404   404   404   404   404   405   404   staff
identity_review:document                        verification GET   staff 404   404   404   404   404   200   404   staff
identity_review:document                        verification POST  staff 404   404   404   404   404   405   404   staff
identity_review:claim                           verification GET   staff 404   404   404   404   404   405   404   staff
identity_review:claim                           verification POST  staff 404   404   404   404   404   302   404   staff
identity_review:release                         verification GET   staff 404   404   404   404   404   405   404   staff
identity_review:release                         verification POST  staff 404   404   404   404   404   no    404   staff
identity_review:approve                         verification GET   staff 404   404   404   404   404   405   404   staff
identity_review:approve                         verification POST  staff 404   404   404   404   404   no    404   staff
identity_review:reject                          verification GET   staff 404   404   404   404   404   405   404   staff
identity_review:reject                          verification POST  staff 404   404   404   404   404   no    404   staff
examination:queue                               -            GET   staff 404   404   404   404   404   404   200   staff
examination:queue                               -            POST  staff 404   404   404   404   404   404   405   staff
examination:dashboard                           -            GET   staff 404   404   404   404   404   404   200   staff
examination:dashboard                           -            POST  staff 404   404   404   404   404   404   405   staff
examination:detail                              correction   GET   staff 404   404   404   404   404   404   200   staff
examination:detail                              correction   POST  staff 404   404   404   404   404   404   405   staff
examination:document                            correction   GET   staff 404   404   404   404   404   404   200   staff
examination:document                            correction   POST  staff 404   404   404   404   404   404   405   staff
examination:claim                               correction   GET   staff 404   404   404   404   404   404   405   staff
examination:claim                               correction   POST  staff 404   404   404   404   404   404   302   staff
examination:release                             correction   GET   staff 404   404   404   404   404   404   405   staff
examination:release                             correction   POST  staff 404   404   404   404   404   404   302   staff
examination:accept                              correction   GET   staff 404   404   404   404   404   404   405   staff
examination:accept                              correction   POST  staff 404   404   404   404   404   404   no    staff
examination:reject_acceptance                   correction   GET   staff 404   404   404   404   404   404   405   staff
examination:reject_acceptance                   correction   POST  staff 404   404   404   404   404   404   no    staff
examination:start                               correction   GET   staff 404   404   404   404   404   404   405   staff
examination:start                               correction   POST  staff 404   404   404   404   404   404   302   staff
examination:request_correction                  correction   GET   staff 404   404   404   404   404   404   405   staff
examination:request_correction                  correction   POST  staff 404   404   404   404   404   404   no    staff
examination:register                            correction   GET   staff 404   404   404   404   404   404   405   staff
examination:register                            correction   POST  staff 404   404   404   404   404   404   no    staff
examination:refuse                              correction   GET   staff 404   404   404   404   404   404   405   staff
examination:refuse                              correction   POST  staff 404   404   404   404   404   404   no    staff

# The API: its document and docs page are public; its operations take a bearer token and no session, so every
# persona of this table (who sends none) is refused 401. PATCH is not among the methods of the table.
api:not_found                                   -            GET   404   404   404   404   404   404   404   404   404
api:not_found                                   -            POST  404   404   404   404   404   404   404   404   404
api:api-root                                    -            GET   404   404   404   404   404   404   404   404   404
api:api-root                                    -            POST  404   404   404   404   404   404   404   404   404
api:openapi-json                                -            GET   200   200   200   200   200   200   200   200   200
api:openapi-json                                -            POST  405   405   405   405   405   405   405   405   405
api:openapi-view                                -            GET   200   200   200   200   200   200   200   200   200
api:openapi-view                                -            POST  405   405   405   405   405   405   405   405   405
api:services                                    -            GET   401   401   401   401   401   401   401   401   401
api:services                                    -            POST  405   405   405   405   405   405   405   405   405
api:filings                                     -            GET   401   401   401   401   401   401   401   401   401
api:filings                                     -            POST  401   401   401   401   401   401   401   401   401
api:filing                                      filing       GET   401   401   401   401   401   401   401   401   401
api:filing                                      filing       POST  405   405   405   405   405   405   405   405   405
api:filing_document                             filing       GET   405   405   405   405   405   405   405   405   405
api:filing_document                             filing       POST  401   401   401   401   401   401   401   401   401
api:filings_batch                               -            GET   405   405   405   405   405   405   405   405   405
api:filings_batch                               -            POST  401   401   401   401   401   401   401   401   401
api:filing_form                                 filing       GET   405   405   405   405   405   405   405   405   405
api:filing_form                                 filing       POST  401   401   401   401   401   401   401   401   401
api:filing_confirmations                        filing       GET   401   401   401   401   401   401   401   401   401
api:filing_confirmations                        filing       POST  405   405   405   405   405   405   405   405   405
api:filing_confirm_mine                         filing       GET   405   405   405   405   405   405   405   405   405
api:filing_confirm_mine                         filing       POST  401   401   401   401   401   401   401   401   401
api:filing_signature_page                       filing       GET   405   405   405   405   405   405   405   405   405
api:filing_signature_page                       filing       POST  401   401   401   401   401   401   401   401   401
api:filing_submit                               filing       GET   405   405   405   405   405   405   405   405   405
api:filing_submit                               filing       POST  401   401   401   401   401   401   401   401   401
api:filing_withdraw                             filing       GET   405   405   405   405   405   405   405   405   405
api:filing_withdraw                             filing       POST  401   401   401   401   401   401   401   401   401
api:filing_form_pdf                             filing       GET   401   401   401   401   401   401   401   401   401
api:filing_form_pdf                             filing       POST  405   405   405   405   405   405   405   405   405
api:filing_correction                           correction   GET   401   401   401   401   401   401   401   401   401
api:filing_correction                           correction   POST  401   401   401   401   401   401   401   401   401
api:filing_correction_codes                     correction   GET   405   405   405   405   405   405   405   405   405
api:filing_correction_codes                     correction   POST  401   401   401   401   401   401   401   401   401
api:filing_correction_signature_page            correction   GET   405   405   405   405   405   405   405   405   405
api:filing_correction_signature_page            correction   POST  401   401   401   401   401   401   401   401   401
api:filing_certificate_pdf                      registered   GET   401   401   401   401   401   401   401   401   401
api:filing_certificate_pdf                      registered   POST  405   405   405   405   405   405   405   405   405
api:filing_deposit_build                        filing       GET   401   401   401   401   401   401   401   401   401
api:filing_deposit_build                        filing       POST  401   401   401   401   401   401   401   401   401
api:filing_deposit_build_accept                 filing       GET   405   405   405   405   405   405   405   405   405
api:filing_deposit_build_accept                 filing       POST  401   401   401   401   401   401   401   401   401
api:filing_parties                              filing       GET   401   401   401   401   401   401   401   401   401
api:filing_parties                              filing       POST  401   401   401   401   401   401   401   401   401
api:filing_party                                filing party GET   405   405   405   405   405   405   405   405   405
api:filing_party                                filing party POST  405   405   405   405   405   405   405   405   405
api:invitations                                 -            GET   401   401   401   401   401   401   401   401   401
api:invitations                                 -            POST  405   405   405   405   405   405   405   405   405
api:invitation_accept                           invitation   GET   405   405   405   405   405   405   405   405   405
api:invitation_accept                           invitation   POST  401   401   401   401   401   401   401   401   401
api:invitation_decline                          invitation   GET   405   405   405   405   405   405   405   405   405
api:invitation_decline                          invitation   POST  401   401   401   401   401   401   401   401   401
api:registry_search                             -            GET   401   401   401   401   401   401   401   401   401
api:registry_search                             -            POST  405   405   405   405   405   405   405   405   405
api:registry_record                             registration GET   401   401   401   401   401   401   401   401   401
api:registry_record                             registration POST  405   405   405   405   405   405   405   405   405

# Development pages: mounted when the URL conf is read with DEBUG on (as when a test module reverses a URL
# at import); tests run with DEBUG off, and then they refuse.
dev:outbox                                      -            GET   404   404   404   404   404   404   404   404   404
dev:outbox                                      -            POST  405   405   405   405   405   405   405   405   405
"""
# URL names mounted only with DEBUG on: their lines are skipped when the URL conf was read without it.
DEBUG_ONLY = {"dev:outbox"}


def parse(text: str) -> dict[str, Entry]:
    """Return the entries of TABLE_TEXT by key: a GET and a POST line for each URL name and object."""
    rows: dict[tuple[str, str], dict] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split()
        count = len(PERSONAS)
        name, scenario, method = words[0], " ".join(words[1 : -count - 1]), words[-count - 1].lower()
        outcomes = tuple(words[-count:])
        assert scenario in OBJECTS and method in METHODS and not set(outcomes) - OUTCOMES, line
        assert method not in rows.setdefault((name, scenario), {}), f"twice: {line}"
        rows[(name, scenario)][method] = outcomes
    entries = [Entry(name, scenario, outcomes) for (name, scenario), outcomes in rows.items()]
    for entry in entries:
        assert set(entry.outcomes) == set(METHODS), f"{entry.key} needs a GET and a POST line"
    return {entry.key: entry for entry in entries}


TABLE = parse(TABLE_TEXT)


# --- The admin: one rule --------------------------------------------------------------------------------------
ADMIN_SITE_PAGES = {
    # name: (GET, POST) for staff who passed the second factor and hold no permission on any model
    "admin:index": ("200", "200"),
    "admin:login": ("302", "200"),
    "admin:logout": ("405", "302"),
    "admin:password_change": ("200", "200"),
    "admin:password_change_done": ("200", "405"),
    "admin:autocomplete": ("403", "405"),
    "admin:jsi18n": ("200", "405"),
    "admin:view_on_site": ("404", "404"),
    "admin:app_list": ("404", "404"),
}


def admin_outcome(route, method: str, persona: str, *, object_exists: bool) -> str:
    """Return what ``persona`` gets from an admin URL.

    The admin lets in only active staff whose session passed the second factor (OTPAdminSite): anyone else is
    sent to its login page (and its logout page just sends them away). No staff role holds a permission on a
    model of the admin, so the staff who get in see its index and their own password page, and are refused
    every model page (403).
    """
    name = route.name
    if persona not in STAFF_WITH_OTP:
        if name == "admin:login":
            return "200"
        return "no" if name == "admin:logout" else "admin"
    get, post = ADMIN_SITE_PAGES.get(name, (None, None))
    if get is not None:
        return get if method == "get" else post
    if name is None:
        # Unnamed: /admin/<app>/<model>/<id>/ redirects to the change page; anything else is not found.
        return "302" if "object_id" in route.parameters else "404"
    if name.endswith("_history") and not object_exists:
        return "302"  # the history of a missing object redirects to the index before permissions are asked
    return "403"


def admin_model(route):
    """Return the model an admin URL is about (from its path: admin/<app_label>/<model_name>/...), or None."""
    parts = route.template.split("/")
    try:
        return apps.get_model(parts[1], parts[2])
    except (IndexError, LookupError, ValueError):
        return None


def admin_kwargs(route, world) -> tuple[dict, bool]:
    """Return the path arguments of an admin URL (an existing row where it takes one) and whether it exists."""
    kwargs, exists = {}, True
    for name in route.parameters:
        if name == "content_type_id":
            kwargs[name] = str(ContentType.objects.get_for_model(Filing).pk)
        elif name == "object_id" and route.name == "admin:view_on_site":
            kwargs[name] = str(world.filing.pk)
        elif name == "object_id":
            row = admin_model(route)._base_manager.order_by("pk").first()
            exists = row is not None
            kwargs[name] = str(row.pk) if exists else "1"
        elif name == "pk":  # django-otp's TOTP device pages
            kwargs[name] = TOTPDevice.objects.order_by("pk").first().pk
        elif name == "app_label":
            kwargs[name] = "core"
        elif name == "url":
            kwargs[name] = "nothing-here/"
    return kwargs, exists
