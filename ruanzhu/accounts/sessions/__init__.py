"""Session engines: Django's database-backed ones, with a login that writes the session once.

Use ``ruanzhu.accounts.sessions.cached_db`` (sessions in the database, read through the shared cache) or
``ruanzhu.accounts.sessions.db`` as SESSION_ENGINE. Their synchronous methods (the site runs under WSGI; the
asynchronous ones are Django's) differ from Django's in three places only:

- The new key a login gives the session (against fixation) is taken when the session is saved at the end of the
  request, in one INSERT of the logged-in session. Django's cycle_key() inserts an empty row under the new key at
  once, and the end of the request then updates it: a second write, and a second cache write, for every login.
  The old key is deleted at once, as Django does, so it is as dead as before.
- A new key is not looked up before its INSERT: 32 characters of 36 (165 random bits) do not collide, and the
  INSERT of a new session refuses a key already taken anyway (must_create), which picks another.
- A new session is written to the cache once: Django's cached_db store writes it there a second time after the
  INSERT when the session is saved without a key yet, as at the end of a login.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string


class OneWriteLoginMixin:
    def cycle_key(self) -> None:
        """Keep the data under a new key, made when the session is saved; delete the old key now."""
        data = self._session
        key = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True
        if key:
            self.delete(key)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            # create() saves it (must_create): that save writes the cache as well.
            return self.create()
        return super().save(must_create)

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)
