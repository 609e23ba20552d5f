"""Errors raised by the deposit builder; the command line turns them into exit status 2."""

from ruanzhu.core.errors import ApplicationError


class DepositError(ApplicationError):
    """Refuse an input that cannot become a deposit, with a one-line message."""
