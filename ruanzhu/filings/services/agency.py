"""Filing for a client under a mandate (委托): the agent block is stored on the filing and printed on its form."""

from django.db import transaction
from django.utils.translation import gettext as _

from ruanzhu.accounts.models import User
from ruanzhu.filings.access import mandate_in_force
from ruanzhu.filings.models import Filing
from ruanzhu.filings.services.common import FilingError
from ruanzhu.filings.services.drafts import filing_create


def mandate_not_in_force_error() -> FilingError:
    return FilingError(_("委托已撤销、已过期或不包含本业务，不能以代理机构身份办理此申请。"))


def agent_block_store(*, filing: Filing, mandate) -> None:
    """Record ``mandate`` on the filing and copy its agent block (SPEC §8) onto it (the caller saves)."""
    filing.mandate = mandate
    filing.agent_block = mandate.agent_block()


@transaction.atomic
def filing_create_for_client(*, service: str, agent: User, client: User) -> Filing:
    """Start a draft that ``agent`` files for ``client`` under a mandate in force for ``service``."""
    mandate = mandate_in_force(agent=agent, client=client, service=service)
    if mandate is None:
        raise mandate_not_in_force_error()
    filing = filing_create(service=service, applicant=client, filer=agent, agent=agent)
    agent_block_store(filing=filing, mandate=mandate)
    filing.save(update_fields=["mandate", "agent_block", "updated_at"])
    return filing
