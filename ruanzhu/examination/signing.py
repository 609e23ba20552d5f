"""The key and certificate that sign certificates, from files named by the settings."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ruanzhu.documents.certificate import generate_signing_identity


@cache
def _load(key_file: str, cert_file: str) -> tuple[bytes, bytes]:
    return Path(key_file).read_bytes(), Path(cert_file).read_bytes()


def signing_identity() -> tuple[bytes, bytes]:
    """Return (key PEM, certificate PEM); in development create a self-signed pair once if none is set."""
    key_file, cert_file = settings.CERTIFICATE_SIGNING_KEY_FILE, settings.CERTIFICATE_SIGNING_CERT_FILE
    if key_file and cert_file:
        try:
            return _load(key_file, cert_file)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"CERTIFICATE_SIGNING_KEY_FILE / CERTIFICATE_SIGNING_CERT_FILE: {exc}"
            ) from exc
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "CERTIFICATE_SIGNING_KEY_FILE and CERTIFICATE_SIGNING_CERT_FILE must be set in production."
        )
    folder = Path(settings.DATA_DIR) / "signing"
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    if not (key_path.exists() and cert_path.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        key_pem, cert_pem = generate_signing_identity(common_name="软著登记服务平台 开发用证书签名")
        key_path.write_bytes(key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(cert_pem)
    return _load(str(key_path), str(cert_path))
