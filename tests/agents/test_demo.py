from ruanzhu.accounts.demo import demo_accounts_ensure
from ruanzhu.agents.models import AgentProfile
from ruanzhu.agents.selectors import agent_profile_for


def test_the_demo_agent_is_an_agent_and_ensuring_twice_changes_nothing(db):
    demo_accounts_ensure()
    profile = AgentProfile.objects.get()
    assert profile.account.username == "agent"
    assert profile.name == "示例知识产权代理有限公司"
    assert agent_profile_for(profile.account) == profile
    demo_accounts_ensure()
    assert AgentProfile.objects.get() == profile
