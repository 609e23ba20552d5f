"""The base of the errors that refuse an action with a message for the person who tried it.

No Django here: the deposit builder, which runs from the command line, shares it.
"""


class ApplicationError(Exception):
    """An action the rules do not allow; ``message`` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
