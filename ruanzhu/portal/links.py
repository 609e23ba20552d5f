"""Links of lists built without reversing the URL once a row: reversed once with stand-ins, then filled in."""

from collections.abc import Callable

from django.urls import reverse

# Stand-ins that the path converters accept (core.converters) and that no other part of a path holds.
ID = 918273645546372819
SLUG = "zq-stand-in-zq"
REGISTRATION_NUMBER = "9182SR7364554"


def reversed_once(name: str, *stand_ins) -> Callable[..., str]:
    """Return a function of the URL ``name``'s arguments that builds its path, as ``reverse`` would.

    The URL is reversed once, with ``stand_ins`` (ID, SLUG, REGISTRATION_NUMBER) in the places of its arguments:
    a list that links every row saves a reversal a link. Only for values that the converters accept as they are
    and that need no quoting: ids, slugs and registration numbers read from the database or the definitions.
    """
    path = reverse(name, args=stand_ins)
    pieces = []
    for stand_in in map(str, stand_ins):
        before, found, path = path.partition(stand_in)
        if not found:
            raise ValueError(f"{name}: the stand-in {stand_in} is not in the path")
        pieces.append(before)
    pieces.append(path)
    last = pieces.pop()

    def build(*args) -> str:
        return "".join(piece + str(arg) for piece, arg in zip(pieces, args, strict=True)) + last

    return build


def linked_row(test_id: str, cells: int) -> str:
    """Return the format_html format of a list's table row: a cell linking the row's page, then plain cells.

    Its fields, in order: the placeholders of ``test_id`` (say ``queue-row-{}``), the link's URL and text, then
    ``cells - 1`` cell values. Laid out as the lists' templates lay out a row, so that the page reads the same.
    """
    plain = "        <td>{}</td>\n" * (cells - 1)
    return (
        f'\n      <tr data-testid="{test_id}">\n        <td><a href="{{}}">{{}}</a></td>\n{plain}      </tr>'
    )
