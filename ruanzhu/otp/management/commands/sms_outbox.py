from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ruanzhu.core.phones import normalize_phone
from ruanzhu.otp.selectors import outbox_messages


class Command(BaseCommand):
    help = "Print the SMS messages recorded by the development outbox backend, newest first."

    def add_arguments(self, parser):
        parser.add_argument("--phone", help="only messages to this number (any common notation)")
        parser.add_argument("--limit", type=int, default=20, help="how many messages to print (default 20)")

    def handle(self, *args, phone=None, limit=20, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        e164 = None
        if phone:
            try:
                e164 = normalize_phone(phone)
            except ValidationError as exc:
                raise CommandError(f"--phone: {exc.messages[0]}") from None
        messages = list(outbox_messages(e164)[:limit])
        if not messages:
            self.stdout.write("The SMS outbox is empty.")
            return
        for message in messages:
            when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(f"{when}  {message.phone}  {message.body}")
