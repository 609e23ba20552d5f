"""Sessions in the database, read through the shared cache (see ruanzhu.accounts.sessions)."""

from django.contrib.sessions.backends import cached_db

from ruanzhu.accounts.sessions import OneWriteLoginMixin


class SessionStore(OneWriteLoginMixin, cached_db.SessionStore):
    pass
