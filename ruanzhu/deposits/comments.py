"""Remove comments per language while leaving string literals alone."""

import re
from collections.abc import Callable

# Each pattern matches a string literal (kept, named group "s") or a comment (removed).
# Block comments are replaced by their newlines so that line numbers stay those of the file.
_C_STRINGS = r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\''
_C_STYLE = re.compile(
    r"(?P<s>" + _C_STRINGS + r"|`(?:\\.|[^`\\])*`)|//[^\n]*|/\*.*?\*/",
    re.DOTALL,
)
_CSS = re.compile(r"(?P<s>" + _C_STRINGS + r")|/\*.*?\*/", re.DOTALL)
_PYTHON = re.compile(
    r"(?P<s>(?:[rRbBuUfF]{0,2})(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"
    + _C_STRINGS
    + r"))|#[^\n]*",
    re.DOTALL,
)
_HASH = re.compile(r"(?P<s>" + _C_STRINGS + r")|(?<![$\w])#(?![!{])[^\n]*", re.DOTALL)
_PHP = re.compile(r"(?P<s>" + _C_STRINGS + r")|(?://|#)[^\n]*|/\*.*?\*/", re.DOTALL)
_SQL = re.compile(r"(?P<s>'(?:''|[^'])*'|\"(?:\"\"|[^\"])*\")|--[^\n]*|/\*.*?\*/", re.DOTALL)
_LUA = re.compile(r"(?P<s>" + _C_STRINGS + r")|--\[(=*)\[.*?\]\1\]|--[^\n]*", re.DOTALL)
_MARKUP = re.compile(r"(?P<s>" + _C_STRINGS + r")|<!--.*?-->", re.DOTALL)
_VUE = re.compile(
    r"(?P<s>" + _C_STRINGS + r"|`(?:\\.|[^`\\])*`)|<!--.*?-->|(?<![:\"'])//[^\n]*|/\*.*?\*/",
    re.DOTALL,
)
_BATCH = re.compile(r"(?P<s>\"[^\"\n]*\")|^[ \t]*(?:@?rem\b|::)[^\n]*", re.IGNORECASE | re.MULTILINE)

_BY_SUFFIX: dict[str, re.Pattern[str]] = {}
for _suffixes, _pattern in (
    (
        "c h cc cpp cxx hpp hh hxx m mm java kt kts scala groovy gradle js jsx mjs cjs ts tsx cs go rs "
        "swift dart proto",
        _C_STYLE,
    ),
    ("css scss less sass", _CSS),
    ("py pyw pyi", _PYTHON),
    ("sh bash zsh rb pl pm r cmake mk ps1 nim ex exs", _HASH),
    ("php", _PHP),
    ("sql", _SQL),
    ("lua", _LUA),
    ("html htm xml svg", _MARKUP),
    ("vue svelte", _VUE),
    ("bat cmd", _BATCH),
):
    for _suffix in _suffixes.split():
        _BY_SUFFIX[_suffix] = _pattern
_BY_NAME = {"makefile": _HASH, "dockerfile": _HASH, "cmakelists.txt": _HASH}


def _keep_strings(match: re.Match[str]) -> str:
    """Return a string literal unchanged and a comment as its newlines only."""
    literal = match.group("s")
    if literal is not None:
        return literal
    return "\n" * match.group(0).count("\n")


def comment_stripper(filename: str) -> Callable[[str], str] | None:
    """Return a function removing the comments of this file's language, or None if unknown."""
    lower = filename.lower()
    pattern = _BY_NAME.get(lower)
    if pattern is None:
        pattern = _BY_SUFFIX.get(lower.rpartition(".")[2] if "." in lower else "")
    if pattern is None:
        return None
    return lambda text: pattern.sub(_keep_strings, text)
