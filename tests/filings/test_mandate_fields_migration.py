"""The data migration that moves the mandate and the agent block out of ``Filing.details``, both ways."""

import importlib

import pytest
from django.apps import apps

from ruanzhu.filings.models import Filing
from tests.factories import MandateFactory

migration = importlib.import_module(
    "ruanzhu.filings.migrations.0003_move_mandate_and_agent_block_out_of_details"
)

BLOCK = {
    "name": "示例知识产权代理有限公司",
    "contact_person": "钱经办",
    "mandate_description": "代为办理登记",
}


@pytest.fixture
def mandate(agent, verified_alice):
    return MandateFactory(agent=agent, client=verified_alice)


def old_style(**fields) -> Filing:
    """A filing as rows stood before the migration: the mandate and the agent block in its details."""
    return Filing.objects.create(service="R11", **fields)


def test_forward_moves_the_mandate_and_the_agent_block_into_their_fields(mandate, agent, verified_alice):
    filed = old_style(
        applicant=verified_alice,
        filer=agent,
        agent=agent,
        details={
            "filer_role": "agent",
            "full_name": "园区平台",
            "agent_block": BLOCK,
            "mandate_id": mandate.pk,
        },
    )
    own = old_style(applicant=verified_alice, filer=verified_alice, details={"filer_role": "applicant"})

    migration.move_out_of_details(apps, None)

    filed.refresh_from_db()
    own.refresh_from_db()
    assert filed.mandate == mandate and filed.agent_block == BLOCK
    assert filed.details == {"filer_role": "agent", "full_name": "园区平台"}
    assert own.mandate is None and own.agent_block == {} and own.details == {"filer_role": "applicant"}


def test_forward_drops_a_mandate_id_that_points_nowhere(agent, verified_alice):
    filed = old_style(
        applicant=verified_alice,
        filer=agent,
        agent=agent,
        details={"filer_role": "agent", "agent_block": BLOCK, "mandate_id": 987654},
    )

    migration.move_out_of_details(apps, None)

    filed.refresh_from_db()
    assert filed.mandate is None and filed.agent_block == BLOCK and filed.details == {"filer_role": "agent"}


def test_backward_puts_them_back_into_the_details(mandate, agent, verified_alice):
    filed = old_style(
        applicant=verified_alice,
        filer=agent,
        agent=agent,
        mandate=mandate,
        agent_block=BLOCK,
        details={"filer_role": "agent"},
    )

    migration.move_back_into_details(apps, None)

    filed.refresh_from_db()
    assert filed.details == {"filer_role": "agent", "agent_block": BLOCK, "mandate_id": mandate.pk}
    assert filed.mandate is None and filed.agent_block == {}

    migration.move_out_of_details(apps, None)

    filed.refresh_from_db()
    assert (
        filed.mandate == mandate and filed.agent_block == BLOCK and filed.details == {"filer_role": "agent"}
    )
