from django.conf import settings
from django.core.management.base import BaseCommand

from ruanzhu.examination.signing import signing_identity


class Command(BaseCommand):
    help = (
        "Make sure a certificate-signing key exists (a self-signed one in development) and say where it is."
    )

    def handle(self, *args, **options):
        _key, cert = signing_identity()
        where = settings.CERTIFICATE_SIGNING_CERT_FILE or str(settings.DATA_DIR / "signing" / "cert.pem")
        self.stdout.write(f"Certificate signing key ready: {where} ({len(cert)} bytes of certificate)")
