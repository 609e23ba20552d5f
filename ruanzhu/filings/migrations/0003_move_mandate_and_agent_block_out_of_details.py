"""Move the mandate and the agent block of agents' filings out of ``Filing.details`` into their own fields."""

from django.db import migrations
from django.db.models import Q

BATCH = 500


def move_out_of_details(apps, schema_editor):
    Filing = apps.get_model("filings", "Filing")
    Mandate = apps.get_model("agents", "Mandate")
    filings = Filing.objects.filter(Q(details__has_key="mandate_id") | Q(details__has_key="agent_block"))
    changed = []
    for filing in filings.iterator(chunk_size=BATCH):
        details = dict(filing.details)
        mandate_id = details.pop("mandate_id", None)
        agent_block = details.pop("agent_block", None)
        # A mandate is never deleted (PROTECT); an id that points nowhere is dropped rather than kept dangling.
        if mandate_id and Mandate.objects.filter(pk=mandate_id).exists():
            filing.mandate_id = mandate_id
        filing.agent_block = agent_block or {}
        filing.details = details
        changed.append(filing)
    Filing.objects.bulk_update(changed, ["mandate", "agent_block", "details"], batch_size=BATCH)


def move_back_into_details(apps, schema_editor):
    Filing = apps.get_model("filings", "Filing")
    filings = Filing.objects.filter(Q(mandate__isnull=False) | ~Q(agent_block={}))
    changed = []
    for filing in filings.iterator(chunk_size=BATCH):
        details = dict(filing.details)
        if filing.agent_block:
            details["agent_block"] = filing.agent_block
        if filing.mandate_id:
            details["mandate_id"] = filing.mandate_id
        filing.details = details
        filing.mandate_id = None
        filing.agent_block = {}
        changed.append(filing)
    Filing.objects.bulk_update(changed, ["mandate", "agent_block", "details"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0001_initial"),
        ("filings", "0002_filing_mandate_and_agent_block"),
    ]

    operations = [migrations.RunPython(move_out_of_details, move_back_into_details)]
