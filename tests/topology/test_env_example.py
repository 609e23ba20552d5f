"""deploy/ruanzhu.env.example documents every variable the settings read, and a secret only as a file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Read in development only: production keeps its database in PostgreSQL and sends real e-mail.
DEVELOPMENT_ONLY = {"SQLITE_PATH", "EMAIL_FILE_PATH"}
SECRETS = {
    "DJANGO_SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "OTP_HMAC_KEY",
    "SMS_HTTP_SECRET",
    "AWS_S3_SECRET_ACCESS_KEY",
    "EMAIL_HOST_PASSWORD",
}


def _settings_variables() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    return set(
        re.findall(r'env\.(?:str|int|bool|float|list|secret|choice|is_set)\(\s*"([A-Z0-9_]+)"', source)
    )


def _documented() -> dict[str, bool]:
    """Return each variable of the example and whether it is set (not commented out)."""
    text = (ROOT / "deploy" / "ruanzhu.env.example").read_text()
    return {name: not hashed for hashed, name in re.findall(r"^(#?)([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)}


def test_every_setting_is_documented():
    documented = _documented()
    missing = {
        name
        for name in _settings_variables() - DEVELOPMENT_ONLY
        if name not in documented and f"{name}_FILE" not in documented
    }
    assert not missing, f"add to deploy/ruanzhu.env.example: {sorted(missing)}"


def test_secrets_are_given_as_files():
    documented = _documented()
    assert not SECRETS & set(documented)
    assert all(documented.get(f"{name}_FILE") for name in SECRETS)
