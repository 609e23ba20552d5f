from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ruanzhu.portal.demo import DEMO_PASSWORD, demo_accounts_ensure


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent) and print how to log in with them."

    def handle(self, *args, **options):
        # The demo accounts, staff included, share a password anyone can read in the source: open doors.
        if settings.PRODUCTION:
            raise CommandError(
                "demo_data is refused in production (RUANZHU_ENVIRONMENT=production): its accounts share a "
                "password published in the source code. Nothing was changed."
            )
        logins = demo_accounts_ensure()
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        for login in logins:
            account = login.account
            line = f"  {account.username:<10} {account.phone}  {account.role}"
            if account.institution_name:
                line += f"（{account.institution_name}）"
            self.stdout.write(line)
            if login.totp_secret:
                self.stdout.write(f"             TOTP secret {login.totp_secret}")
                self.stdout.write(f"             {login.totp_url}")
        # The address the portal is served on (make run sets it from HOST and PORT).
        self.stdout.write(
            f"Portal: {settings.SITE_URL}  ·  staff login: /accounts/staff/login/  ·  SMS outbox: /dev/outbox/"
        )
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            self.stdout.write(f"E-mails are written to {settings.EMAIL_FILE_PATH}/")
