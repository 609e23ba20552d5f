"""Mandates in force, as the lists ask for them in the database: which clients, for which service."""

import datetime

from ruanzhu.agents.models import Mandate
from ruanzhu.agents.selectors import mandate_active
from ruanzhu.filings.access import clients_of
from tests.agents.conftest import mandate_for


def test_clients_of_a_service_are_those_whose_mandate_covers_it(agent, alice, bob, carol):
    mandate_for(agent, alice, services=("R11", "R41"))
    mandate_for(agent, bob, services=("R21",))
    mandate_for(agent, carol, services=("R11",), status=Mandate.Status.REVOKED)
    assert list(clients_of(agent, service="R11")) == [alice]
    assert list(clients_of(agent, service="R21")) == [bob]
    assert list(clients_of(agent, service="R41")) == [alice]
    assert list(clients_of(agent)) == [alice, bob]


def test_covering_matches_whole_service_codes_only(agent, alice):
    mandate = mandate_for(agent, alice, services=("R11", "R21"))
    assert list(Mandate.objects.covering("R11")) == [mandate]
    assert list(Mandate.objects.covering("R21")) == [mandate]
    for code in ("R1", "11", "R41", '"', ""):
        assert not Mandate.objects.covering(code).exists(), code


def test_the_mandate_in_force_that_began_last_wins(agent, alice, today):
    mandate_for(agent, alice, services=("R11",), start=today - datetime.timedelta(days=10))
    newer = mandate_for(agent, alice, services=("R11",), start=today)
    assert mandate_active(agent=agent, client=alice, service="R11") == newer
