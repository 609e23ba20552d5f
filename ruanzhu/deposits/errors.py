"""Errors raised by the deposit builder; the command line turns them into exit status 2."""


class DepositError(Exception):
    """Refuse an input that cannot become a deposit, with a one-line message."""
