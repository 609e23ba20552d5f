"""Read settings from the environment; a wrong value raises ImproperlyConfigured naming the variable."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    """Typed access to environment variables, with ``<NAME>_FILE`` for secrets."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        if name in self.environ:
            return self.environ[name]
        path = self.environ.get(f"{name}_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from exc
        return None

    def is_set(self, name: str) -> bool:
        """Return whether ``name`` (or ``<NAME>_FILE``) is given, even as 0 or empty, rather than defaulted."""
        return self._raw(name) is not None

    def str(self, name: str, default: str) -> str:
        value = self._raw(name)
        return default if value is None else value

    def bool(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}.")

    def int(self, name: str, default: int) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}.") from None

    def float(self, name: str, default: float) -> float:
        value = self._raw(name)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must be a number; got {value!r}.") from None

    def list(self, name: str, default: list[str], *, secret: bool = False) -> list[str]:
        value = self._raw(name)
        if value is None:
            if secret and self.production and not default:
                raise ImproperlyConfigured(f"{name} must be set in production.")
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
        return value

    @property
    def production(self) -> bool:
        return self.str("RUANZHU_ENVIRONMENT", "development") == "production"

    def secret(self, name: str, *, dev_default: str, required: bool = True) -> str:
        """Return a secret; in production a required secret has no default."""
        value = self._raw(name)
        if value is not None and value != "":
            return value
        if self.production and required:
            raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")
        return dev_default
