import datetime

from django.core.management.base import BaseCommand

from ruanzhu.examination.services import corrections_expire


class Command(BaseCommand):
    help = (
        "Send correction reminders and make filings past their correction deadline 视为撤回 (run from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="the date to act as (YYYY-MM-DD)"
        )

    def handle(self, *args, today=None, **options):
        counts = corrections_expire(today=today)
        self.stdout.write(f"expired={counts['expired']} reminded={counts['reminded']}")
