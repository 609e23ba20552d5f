"""Find personal data left in clear: ID numbers, mobile numbers and ID images or PDFs, wherever the portal keeps
or writes things (a database dump, the private files, the cache, logs, mail).

A scanner is told the numbers a test typed, so that it finds them in any spelling, and it also looks for any
resident ID number with a valid check digit and any mainland mobile number. Every hit names where it was found
(table, column and row of the dump; file; log record; message), so that a failing test says what leaked.
"""

import base64
import binascii
import io
import logging
import os
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from stdnum.cn import ric

from ruanzhu.core import crypto

# A number is found only when it stands on its own: not inside a longer run of letters and digits (hashes,
# ciphertexts, keys), where a digit sequence of the right length turns up by chance.
_BEFORE = r"(?<![0-9A-Za-z])"
_AFTER = r"(?![0-9A-Za-z])"
# Separators people and programs put inside numbers: 138 1234 5678, 138-1234-5678.
_SEPARATOR = r"[ \-.]?"
MOBILE = re.compile(rf"{_BEFORE}(?:\+?86[ \-]?)?1[3-9]\d(?:[ \-]?\d{{4}}){{2}}{_AFTER}")
RESIDENT_ID = re.compile(rf"{_BEFORE}\d{{6}}[ \-]?\d{{8}}[ \-]?\d{{3}}[\dXx]{_AFTER}")

# The first bytes of a JPEG, PNG or PDF file: raw (bytes are read as Latin-1 text), hex-encoded as a database dump
# writes binary columns, and base64-encoded.
FILE_MAGIC = re.compile(
    r"(?P<pdf>%PDF-)"
    r"|(?P<jpeg>\xff\xd8\xff)"
    r"|(?P<png>\x89PNG\r\n\x1a\n)"
    r"|(?:\\x|[Xx]')(?P<hex>(?i:ffd8ff|89504e470d0a1a0a|255044462d))"
    r"|(?<![A-Za-z0-9+/])(?P<base64>/9j/|iVBORw0KGgo|JVBERi0)"
)
# A value signed by django.core.signing (session data, for one): base64 payload, compressed when it starts with
# a dot, then the timestamp and the signature. Its payload is only encoded, not encrypted.
SIGNED = re.compile(r"(?<![A-Za-z0-9_\-.:])(\.?[A-Za-z0-9_\-]{4,}):[0-9A-Za-z]{1,12}:[A-Za-z0-9_\-]{20,}")


@dataclass(frozen=True)
class Hit:
    """Personal data found in clear: where, what kind, and the text (or bytes) that matched."""

    where: str
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} {self.text!r}"


@dataclass(frozen=True)
class Allowed:
    """A match that is not personal data: ``where`` is a glob over Hit.where, ``text`` the exact matched text."""

    where: str
    text: str
    why: str

    def covers(self, hit: Hit) -> bool:
        return fnmatchcase(hit.where, self.where) and hit.text == self.text


def _digits_pattern(number: str) -> str:
    """Return a pattern for ``number`` with an optional separator between any two of its characters."""
    return _SEPARATOR.join(re.escape(char) for char in number)


def base64_fragments(needle: bytes) -> set[str]:
    """Return the parts of the base64 encoding of ``needle`` that do not depend on what surrounds it.

    Base64 encodes three bytes at a time, so the encoding of a value inside a longer text depends on where it
    falls; for each of the three offsets the characters made only of the value's own bits are always the same.
    Both alphabets, standard and URL-safe, are returned.
    """
    fragments = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + needle).decode("ascii")
        first = -(-8 * offset // 6)  # the first character whose six bits all belong to the needle
        last = 8 * (offset + len(needle)) // 6
        fragment = encoded[first:last]
        fragments |= {fragment, fragment.translate(str.maketrans("+/", "-_"))}
    return fragments


class PiiScanner:
    """Scan texts, bytes, dumps, storages, log records, e-mails and caches for personal data in clear."""

    def __init__(self, *, phones: Iterable[str] = (), id_numbers: Iterable[str] = (), allowed=()) -> None:
        self.allowed = tuple(allowed)
        self._known: list[tuple[str, re.Pattern]] = []
        self._known_encoded: list[tuple[str, str]] = []
        for phone in phones:
            national = re.sub(r"\D", "", phone)[-11:]
            self._add_known(f"known phone number {national}", national)
        for number in id_numbers:
            self._add_known(f"known ID number {number}", number.upper())

    def _add_known(self, label: str, number: str) -> None:
        self._known.append((label, re.compile(_digits_pattern(number), re.IGNORECASE)))
        for spelling in {number, number.lower()}:
            for fragment in base64_fragments(spelling.encode("ascii")):
                self._known_encoded.append((f"{label}, base64-encoded", fragment))

    # --- Values ---------------------------------------------------------------------------------------------------
    def in_text(self, text: str, where: str, *, _depth: int = 0) -> list[Hit]:
        """Return the personal data in ``text``."""
        known = [(label, match) for label, pattern in self._known for match in pattern.finditer(text)]
        hits = [Hit(where, label, match.group()) for label, match in known]
        hits += [Hit(where, label, fragment) for label, fragment in self._known_encoded if fragment in text]
        # A known number is reported once, as known, rather than again as "a" mobile or ID number.
        seen = {position for _label, match in known for position in range(*match.span())}
        for label, pattern in (("mobile number", MOBILE), ("resident ID number", RESIDENT_ID)):
            hits += [
                Hit(where, label, match.group())
                for match in pattern.finditer(text)
                if seen.isdisjoint(range(*match.span())) and _plausible(label, match.group())
            ]
        hits += [Hit(where, _magic_label(match), match.group()) for match in FILE_MAGIC.finditer(text)]
        if _depth < 2:
            for match in SIGNED.finditer(text):
                decoded = _signed_payload(match.group(1))
                if decoded is not None:
                    hits += self.in_text(decoded, f"{where} (signed value, decoded)", _depth=_depth + 1)
        return self._keep(hits)

    def in_bytes(self, data: bytes, where: str) -> list[Hit]:
        """Return the personal data in ``data``, read byte for byte as Latin-1 text."""
        return self.in_text(data.decode("latin-1"), where)

    def in_value(self, value: str | bytes, where: str) -> list[Hit]:
        return self.in_bytes(value, where) if isinstance(value, bytes) else self.in_text(value, where)

    def _keep(self, hits: list[Hit]) -> list[Hit]:
        return [hit for hit in hits if not any(allowed.covers(hit) for allowed in self.allowed)]

    # --- Places ---------------------------------------------------------------------------------------------------
    def in_dump(self, dump: str) -> list[Hit]:
        """Return the personal data in a PostgreSQL (pg_dump, plain) or SQLite (iterdump) dump, cell by cell."""
        cells = postgres_cells(dump) if "PostgreSQL database dump" in dump[:200] else sqlite_cells(dump)
        return [hit for where, value in cells for hit in self.in_value(value, where)]

    def in_storage(self, storage, folder: str = "") -> list[Hit]:
        """Return the personal data in every file of a Django storage, read as stored (not decrypted)."""
        hits = []
        folders, files = storage.listdir(folder)
        for name in files:
            path = f"{folder}/{name}" if folder else name
            with storage.open(path, "rb") as stored:
                content = stored.read()
            if content.startswith(crypto.FILE_MAGIC):
                # Sealed in the chunked format: ciphertext if every chunk authenticates under the keys. Its bytes
                # are random, so a three-byte file signature turns up in about one file in twenty by chance:
                # look for what only clear text would show, not for signatures.
                b"".join(crypto.decrypt_file(io.BytesIO(content)))
                hits += [
                    hit for hit in self.in_bytes(content, f"file {path}") if hit.what not in MAGIC_LABELS
                ]
            else:
                hits += self.in_bytes(content, f"file {path}")
        for sub in folders:
            hits += self.in_storage(storage, f"{folder}/{sub}" if folder else sub)
        return hits

    def in_log_records(self, records) -> list[Hit]:
        """Return the personal data in log records: message, exception and stack."""
        hits = []
        for record in records:
            where = f"log record {record.name} {record.levelname} at {record.pathname}:{record.lineno}"
            exception = record.exc_text
            if exception is None and record.exc_info:
                exception = logging.Formatter().formatException(record.exc_info)
            parts = [record.getMessage(), exception or "", record.stack_info or ""]
            hits += self.in_text("\n".join(parts), where)
        return hits

    def in_emails(self, messages) -> list[Hit]:
        """Return the personal data in e-mails (django.core.mail messages): subject, body and alternatives."""
        hits = []
        for number, message in enumerate(messages, 1):
            where = f"e-mail {number} to {', '.join(message.to)} ({message.subject})"
            hits += self.in_text(message.subject, where) + self.in_text(message.body, where)
            for content, _mimetype in getattr(message, "alternatives", ()):
                hits += self.in_value(content, where)
            for attachment in message.attachments:
                hits += self.in_value(
                    attachment[1] if isinstance(attachment, tuple) else attachment.as_bytes(), where
                )
        return hits

    def in_redis(self, client) -> list[Hit]:
        """Return the personal data in every key and value of a Redis database."""
        hits = []
        for key in client.scan_iter():
            where = f"redis key {key.decode('latin-1')}"
            hits += self.in_bytes(key, where)
            for value in _redis_values(client, key):
                hits += self.in_bytes(value, where)
        return hits


# The labels of raw (not encoded) file signatures.
MAGIC_LABELS = frozenset({"PDF content", "JPEG content", "PNG content"})


def _magic_label(match: re.Match) -> str:
    for kind in ("pdf", "jpeg", "png"):
        if match.group(kind):
            return f"{kind.upper()} content"
    return f"file content, {'hex' if match.group('hex') else 'base64'}-encoded"


def _plausible(label: str, text: str) -> bool:
    """Keep a resident ID number only if its check digit is right: 18 digits in a row are not rare in a dump."""
    return label != "resident ID number" or ric.is_valid(re.sub(r"[ \-]", "", text).upper())


def _signed_payload(payload: str) -> str | None:
    """Return the decoded payload of a django.core.signing value, or None if it is not one."""
    compressed = payload.startswith(".")
    encoded = payload.removeprefix(".")
    try:
        data = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        if compressed:
            data = zlib.decompress(data)
    except (binascii.Error, ValueError, zlib.error):
        return None
    return data.decode("utf-8", errors="replace")


def _redis_values(client, key: bytes) -> list[bytes]:
    kind = client.type(key)
    if kind == b"string":
        return [client.get(key) or b""]
    if kind == b"hash":
        return [part for pair in client.hgetall(key).items() for part in pair]
    if kind == b"list":
        return client.lrange(key, 0, -1)
    if kind == b"set":
        return list(client.smembers(key))
    if kind == b"zset":
        return client.zrange(key, 0, -1)
    return [client.dump(key) or b""]


# --- Dumps -----------------------------------------------------------------------------------------------------
def database_dump(connection) -> str:
    """Return a plain-text dump of the database behind ``connection``: pg_dump's, or SQLite's iterdump."""
    if connection.vendor == "postgresql":
        return _pg_dump(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    # The portal runs on these two; a third backend would need its own dump here before the scan can cover it.
    raise ValueError(f"the PII scan dumps PostgreSQL and SQLite, not {connection.vendor}")


def _pg_dump(settings_dict: dict) -> str:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise RuntimeError("pg_dump is not on PATH: install postgresql-client (scripts/system-deps.sh).")
    command = [executable, "--no-owner", "--no-privileges", "--encoding=UTF8"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    environment = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = settings_dict["PASSWORD"]
    command.append(settings_dict["NAME"])
    result = subprocess.run(command, capture_output=True, check=True, env=environment)
    return result.stdout.decode("utf-8")


_COPY = re.compile(r"^COPY (?P<table>.+?) \((?P<columns>.*)\) FROM stdin;$")
_COPY_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_COPY_LETTERS = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_BYTEA = re.compile(r"^\\x((?:[0-9A-Fa-f]{2})*)$")


def postgres_cells(dump: str) -> Iterator[tuple[str, str | bytes]]:
    """Yield (where, value) for every field of every COPY block of a pg_dump, and every other line."""
    table = None
    for number, line in enumerate(dump.split("\n"), 1):
        if table is None:
            match = _COPY.match(line)
            if match:
                table = match["table"].rpartition(".")[2].strip('"')
                columns = [column.strip().strip('"') for column in match["columns"].split(",")]
                row = 0
            elif line:
                yield f"dump line {number}", line
            continue
        if line == "\\.":
            table = None
            continue
        row += 1
        for column, field in zip(columns, line.split("\t"), strict=False):
            if field != "\\N":
                yield f"{table}.{column} (row {row})", _copy_field(field)


def _copy_field(field: str) -> str | bytes:
    """Return a field of COPY's text format unescaped; a bytea field (hex output) as bytes."""

    def unescape(match: re.Match) -> str:
        octal, hexa, letter = match.groups()
        if octal:
            return chr(int(octal, 8))
        if hexa:
            return chr(int(hexa, 16))
        return _COPY_LETTERS.get(letter, letter)

    value = _COPY_ESCAPE.sub(unescape, field)
    binary = _BYTEA.match(value)
    return bytes.fromhex(binary[1]) if binary else value


_INSERT = re.compile(r'^INSERT INTO "((?:[^"]|"")+)" VALUES\(', re.MULTILINE)
_SQL_LITERAL = re.compile(r"'((?:[^']|'')*)'|[Xx]'([0-9A-Fa-f]*)'|(NULL)|([^,)]+)")
_CREATE = re.compile(
    r'^CREATE TABLE (?:IF NOT EXISTS )?"?([^"(\s]+)"?\s*\((.*?)\);$', re.MULTILINE | re.DOTALL
)
_COLUMN = re.compile(r'^\s*(?:"((?:[^"]|"")+)"|(\w+))')
_NOT_COLUMNS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}


def sqlite_cells(dump: str) -> Iterator[tuple[str, str | bytes]]:
    """Yield (where, value) for every value of every INSERT of an SQLite dump, and every other line."""
    columns = _sqlite_columns(dump)
    rows: dict[str, int] = {}
    position = 0
    while (insert := _INSERT.search(dump, position)) is not None:
        yield from _lines_between(dump, position, insert.start())
        table = insert[1].replace('""', '"')
        rows[table] = rows.get(table, 0) + 1
        names = columns.get(table, [])
        values, position = _sql_values(dump, insert.end())
        for index, value in enumerate(values):
            if value is not None:
                column = names[index] if index < len(names) else f"column {index + 1}"
                yield f"{table}.{column} (row {rows[table]})", value
    yield from _lines_between(dump, position, len(dump))


def _lines_between(dump: str, start: int, end: int) -> Iterator[tuple[str, str]]:
    first = dump.count("\n", 0, start) + 1
    for offset, line in enumerate(dump[start:end].split("\n")):
        if line.strip():
            yield f"dump line {first + offset}", line


def _sql_values(dump: str, position: int) -> tuple[list[str | bytes | None], int]:
    """Return the literals of a VALUES(...) list starting at ``position``, and the position after its ");"."""
    values = []
    while True:
        literal = _SQL_LITERAL.match(dump, position)
        if literal is None:
            raise ValueError(f"unreadable SQL literal at offset {position}")
        text, hexa, null, bare = literal.groups()
        if text is not None:
            values.append(text.replace("''", "'"))
        elif hexa is not None:
            values.append(bytes.fromhex(hexa))
        else:
            values.append(None if null else bare)
        position = literal.end()
        if dump.startswith(");", position):
            return values, position + 2
        if not dump.startswith(",", position):
            raise ValueError(f"unexpected SQL after a value at offset {position}")
        position += 1


def _sqlite_columns(dump: str) -> dict[str, list[str]]:
    """Return the column names of every table created in an SQLite dump."""
    tables = {}
    for create in _CREATE.finditer(dump):
        names = []
        for definition in _top_level_parts(create[2]):
            column = _COLUMN.match(definition)
            if column and (column[2] or "").upper() not in _NOT_COLUMNS:
                names.append((column[1] or column[2]).replace('""', '"'))
        tables[create[1]] = names
    return tables


def _top_level_parts(body: str) -> list[str]:
    """Split a column list on the commas outside parentheses and quotes."""
    parts, depth, quote, current = [], 0, None, []
    for char in body:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts
