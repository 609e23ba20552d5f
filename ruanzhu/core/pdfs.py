"""The one intake of every uploaded PDF: read it before anything else parses it, and refuse what is broken,
encrypted, too long, or able to act on the machine of whoever opens it.

Examiners and reviewers open what applicants upload, so a PDF is accepted only if opening it can do no more than
show pages. Refused as active content:

- JavaScript anywhere: the document's /JavaScript names, any /JS entry, JavaScript actions;
- actions that fire without a click (/AA of the catalog, pages, annotations and form fields; an /OpenAction or a
  chained /Next action other than going to a page of the document);
- actions that reach outside the document: /Launch, /GoToR, /GoToE, /SubmitForm, /ImportData, /Rendition and
  media, and links to anything but http(s) and mailto addresses (manuals do link to web pages);
- attached files (/EmbeddedFiles, /EF file specifications, /FileAttachment annotations), RichMedia, Screen,
  Movie, Sound and 3D annotations, XFA forms.

What office programs and our own documents write stays acceptable: outlines, internal links, page-turning named
actions, tagged structure, signature fields. Only objects reachable from the trailer are looked at, which is
what a viewer shows.

No Django here: the deposit checker, which also runs from the command line, reads its file through this too.
"""

import logging
import sys
import threading
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NumberObject,
    StreamObject,
)

from ruanzhu.core.errors import ApplicationError

PDF_MAGIC = b"%PDF-"
# Where an upload kind sets no page limit of its own; far above any document of a filing.
DEFAULT_MAX_PAGES = 500
# Dictionaries and arrays reachable from the trailer, looked at one by one: real documents hold a few thousand;
# pypdf reads some ten thousand objects a second, so this bounds what a hostile file costs to a few seconds.
MAX_OBJECTS = 50_000
MAX_PAGE_TREE_DEPTH = 32
# A reference to a reference to ...: real files never chain more than once.
MAX_INDIRECTION = 4
# Actions chained one after another by /Next; a loop of them is refused.
MAX_CHAINED_ACTIONS = 32

# What pypdf logs, and where, when a dictionary defines a key twice. Its level is set here so that a quieter
# logging configuration (LOG_LEVEL=ERROR) cannot hide it from the intake.
DUPLICATE_KEY_WARNING = "Multiple definitions in dictionary"
_PARSER_LOGGER = logging.getLogger("pypdf.generic._data_structures")
_PARSER_LOGGER.setLevel(logging.WARNING)

SAFE_ACTIONS = {"/GoTo", "/URI", "/Named"}
SAFE_NAMED_ACTIONS = {"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"}
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
ACTIVE_KEYS = {
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/XFA",
    "/RichMediaContent",
    "/RichMediaSettings",
}
ACTIVE_TYPES = {"/EmbeddedFile", "/RichMediaExecute"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


def _(message: str) -> str:
    """Translate message inside the portal; the command line, which never loads Django, shows the Chinese."""
    django_conf = sys.modules.get("django.conf")
    if django_conf is None or not django_conf.settings.configured:
        return message
    from django.utils.translation import gettext

    return gettext(message)


class PdfRejected(ApplicationError):
    """An uploaded PDF that is not accepted; code is stable, message is for the person who uploaded it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PdfInfo:
    """What the intake learnt of an accepted PDF."""

    page_count: int


def is_pdf(data: bytes) -> bool:
    """Tell whether the upload says it is a PDF (its first bytes, never its name)."""
    return data.startswith(PDF_MAGIC)


def pdf_intake(data: bytes, *, max_pages: int = DEFAULT_MAX_PAGES) -> PdfInfo:
    """Return what an acceptable PDF holds, or raise PdfRejected saying why it is refused."""
    if not is_pdf(data):
        raise PdfRejected("not_pdf", _("请上传PDF文件。"))
    try:
        with _DuplicateKeys() as duplicates:
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise PdfRejected("encrypted", _("PDF文件已加密，请上传未加密的文件。"))
            trailer = reader.trailer
            root = _resolve(trailer.get("/Root"))
            if not isinstance(root, DictionaryObject):
                raise _corrupt()
            page_count = _PageTree(max_pages).count(root)
            _find_active_content(trailer)
            if len(reader.pages) != page_count:
                raise _corrupt()
        if duplicates.found:
            raise _corrupt()
    except PdfRejected:
        raise
    except Exception as error:
        # pypdf answers a hostile file with errors of many kinds (its own, KeyError, TypeError, RecursionError,
        # zlib errors ...): whichever it is, the file cannot be read, which is what the applicant needs to hear.
        raise _corrupt() from error
    return PdfInfo(page_count=page_count)


class _DuplicateKeys(logging.Handler):
    """Notice a dictionary that defines a key twice while this thread reads the upload.

    pypdf keeps the first definition and only logs the second; other readers keep the last. Such a file could
    show a viewer an action or attachment that the intake never saw, so it is refused as damaged.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.found = False

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and str(record.msg).startswith(DUPLICATE_KEY_WARNING):
            self.found = True

    def __enter__(self) -> "_DuplicateKeys":
        _PARSER_LOGGER.addHandler(self)
        return self

    def __exit__(self, *exc_info) -> None:
        _PARSER_LOGGER.removeHandler(self)


def _corrupt() -> PdfRejected:
    return PdfRejected("corrupt", _("PDF文件已损坏或无法读取，请重新上传。"))


def _too_complex() -> PdfRejected:
    return PdfRejected("too_complex", _("PDF文件的结构过于复杂，请重新导出后上传。"))


def _active() -> PdfRejected:
    return PdfRejected("active_content", _("PDF文件不能包含脚本、动作或附件，请重新导出后上传。"))


def _resolve(value):
    """Return the object a reference points to, following a short chain of references."""
    for _step in range(MAX_INDIRECTION):
        if not isinstance(value, IndirectObject):
            return value
        value = value.get_object()
    raise _corrupt()


def _is_number(value) -> bool:
    return isinstance(value, NumberObject | FloatObject)


class _PageTree:
    """Walk the page tree as a viewer would: a tree of /Pages nodes whose /Count is true, with pages as leaves."""

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self.pages = 0
        self.seen: set = set()

    def count(self, root: DictionaryObject) -> int:
        """Return the number of pages; refuse a tree that is not one, or has too many or no pages."""
        node = self._node(root.get("/Pages"))
        if _node_type(node) != "/Pages":
            raise _corrupt()
        self._walk(node, depth=0, inherited={})
        if self.pages == 0:
            raise _corrupt()
        return self.pages

    def _node(self, reference) -> DictionaryObject:
        """Return a node of the tree; refuse one that is not a dictionary or that the tree holds twice."""
        key = (
            (reference.idnum, reference.generation)
            if isinstance(reference, IndirectObject)
            else id(reference)
        )
        node = _resolve(reference)
        if key in self.seen or not isinstance(node, DictionaryObject):
            raise _corrupt()
        self.seen.add(key)
        if len(self.seen) > MAX_OBJECTS:  # nodes without pages cost work too
            raise _too_complex()
        return node

    def _walk(self, node: DictionaryObject, *, depth: int, inherited: dict) -> int:
        if depth > MAX_PAGE_TREE_DEPTH:
            raise _corrupt()
        kids = _resolve(node.get("/Kids"))
        if not isinstance(kids, ArrayObject):
            raise _corrupt()
        inherited = {**inherited, **{key: node[key] for key in ("/MediaBox", "/Resources") if key in node}}
        leaves = 0
        for reference in kids:
            kid = self._node(reference)
            kind = _node_type(kid)
            if kind == "/Pages":
                leaves += self._walk(kid, depth=depth + 1, inherited=inherited)
            elif kind == "/Page":
                _check_page(kid, inherited)
                leaves += 1
                self.pages += 1
                if self.pages > self.max_pages:
                    raise PdfRejected(
                        "too_many_pages", _("PDF文件不能超过%(limit)d页。") % {"limit": self.max_pages}
                    )
            else:
                raise _corrupt()
        # A viewer skips whole subtrees by their /Count: a false one would show other pages than those checked.
        count = _resolve(node.get("/Count"))
        if not isinstance(count, NumberObject) or count != leaves:
            raise _corrupt()
        return leaves


def _node_type(node: DictionaryObject) -> str | None:
    """Return /Pages or /Page, guessing as viewers do when /Type is missing; None for anything else."""
    kind = _resolve(node.get("/Type"))
    if kind in ("/Pages", "/Page"):
        return str(kind)
    if kind is None:
        return (
            "/Pages" if "/Kids" in node else "/Page" if "/MediaBox" in node or "/Contents" in node else None
        )
    return None


def _check_page(page: DictionaryObject, inherited: dict) -> None:
    """Refuse a page without a size, or whose resources or contents are not what a page holds."""
    box = _resolve(page.get("/MediaBox", inherited.get("/MediaBox")))
    if (
        not isinstance(box, ArrayObject)
        or len(box) != 4
        or not all(_is_number(_resolve(side)) for side in box)
    ):
        raise _corrupt()
    resources = _resolve(page.get("/Resources", inherited.get("/Resources")))
    if resources is not None and not isinstance(resources, DictionaryObject):
        raise _corrupt()
    contents = _resolve(page.get("/Contents"))
    parts = contents if isinstance(contents, ArrayObject) else [] if contents is None else [contents]
    if not all(isinstance(_resolve(part), StreamObject) for part in parts):
        raise _corrupt()


def _find_active_content(trailer: DictionaryObject) -> None:
    """Look at every object reachable from the trailer once; refuse the file at the first active one."""
    stack: list = [trailer]
    seen: set[tuple[int, int]] = set()
    looked_at = 0
    while stack:
        value = stack.pop()
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            value = value.get_object()
        if isinstance(value, IndirectObject):
            stack.append(value)
            continue
        if not isinstance(value, DictionaryObject | ArrayObject):
            continue  # numbers, names, strings: nothing to follow
        looked_at += 1
        if looked_at > MAX_OBJECTS:
            raise _too_complex()
        if isinstance(value, DictionaryObject):
            _check_dictionary(value)
            stack.extend(value.values())
        else:
            stack.extend(value)


def _check_dictionary(value: DictionaryObject) -> None:
    """Refuse a dictionary that runs, launches, attaches or fires something by itself."""
    kind = _resolve(value.get("/Type"))
    if not ACTIVE_KEYS.isdisjoint(value.keys()) or kind in ACTIVE_TYPES:
        raise _active()
    if _resolve(value.get("/Subtype")) in ACTIVE_ANNOTATIONS:
        raise _active()
    triggers = _resolve(value.get("/AA"))
    if triggers is not None and not (isinstance(triggers, DictionaryObject) and len(triggers) == 0):
        raise _active()
    if kind == "/Action":
        _check_action(value, automatic=False)
    if "/OpenAction" in value:
        opening = _resolve(value["/OpenAction"])
        if not isinstance(opening, ArrayObject):  # an array is a plain destination
            _check_action(opening, automatic=True)
    clicked = _resolve(value.get("/A"))
    # /A is also the attributes of a tagged PDF's structure elements: only a dictionary with /S is an action.
    if isinstance(clicked, DictionaryObject) and "/S" in clicked:
        _check_action(clicked, automatic=False)


def _check_action(action, *, automatic: bool) -> None:
    """Refuse an action, or one chained to it by /Next (which fires by itself), other than going to a page,
    turning pages or, when clicked, opening a web link."""
    pending = [(action, automatic)]
    checked = 0
    while pending:
        action, automatic = pending.pop()
        checked += 1
        if checked > MAX_CHAINED_ACTIONS or not isinstance(action, DictionaryObject):
            raise _active()
        kind = _resolve(action.get("/S"))
        if kind not in SAFE_ACTIONS or (automatic and kind != "/GoTo"):
            raise _active()
        if kind == "/Named" and _resolve(action.get("/N")) not in SAFE_NAMED_ACTIONS:
            raise _active()
        if kind == "/URI" and not _is_web_address(_resolve(action.get("/URI"))):
            raise _active()
        chained = _resolve(action.get("/Next"))
        chained = chained if isinstance(chained, ArrayObject) else [] if chained is None else [chained]
        pending.extend((_resolve(item), True) for item in chained)


def _is_web_address(uri) -> bool:
    if isinstance(uri, ByteStringObject):
        uri = bytes(uri).decode("latin-1")
    elif not isinstance(uri, str):
        return False
    return uri.strip().lower().startswith(SAFE_URI_SCHEMES)
