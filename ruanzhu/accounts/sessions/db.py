"""Sessions in the database (see ruanzhu.accounts.sessions)."""

from django.contrib.sessions.backends import db

from ruanzhu.accounts.sessions import OneWriteLoginMixin


class SessionStore(OneWriteLoginMixin, db.SessionStore):
    pass
