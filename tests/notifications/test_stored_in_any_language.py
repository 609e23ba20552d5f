"""Every in-site message is written as a message key (Text), so that it can be read in the reader's language."""

import ast
from pathlib import Path

from django.conf import settings

SENDERS = {"notify", "notify_parties", "_tell"}


def translated_now(node: ast.AST) -> bool:
    """Whether ``node`` translates at once: _("…"), or _("…") % {...}."""
    if isinstance(node, ast.BinOp):
        node = node.left
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"_", "gettext"}


def test_no_message_is_stored_in_the_language_of_the_request_that_wrote_it():
    offenders = []
    for path in (Path(settings.BASE_DIR) / "ruanzhu").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in SENDERS:
                offenders += [
                    f"{path.name}:{node.lineno} {keyword.arg}"
                    for keyword in node.keywords
                    if keyword.arg in ("title", "body") and translated_now(keyword.value)
                ]
    assert offenders == [], "use Text(gettext_noop(...), **params): " + ", ".join(offenders)
