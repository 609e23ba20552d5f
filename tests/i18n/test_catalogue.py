"""The English catalogue translates every UI string that is marked in the source, with matching placeholders."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CJK = re.compile(r"[\u4e00-\u9fff]")
# Literals that the user must reproduce in Chinese, so the English text keeps them (with an English gloss).
CHINESE_LITERALS = ("仅供办理中国版权保护中心各项申请使用",)
SOURCE = Path(settings.BASE_DIR) / "ruanzhu"
CATALOGUE = SOURCE / "locale" / "en" / "LC_MESSAGES" / "django.po"


def parse_po(path: Path) -> list[dict]:
    """Return the entries of a .po file (header and obsolete entries excluded) as dicts of their fields."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = {}
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = _unquote(value)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(0)), text[1:-1])


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def problems(entries: list[dict]) -> list[str]:
    found = []
    for entry in entries:
        msgid = entry["msgid"]
        if "fuzzy" in entry["flags"]:
            found.append(f"fuzzy: {msgid}")
        for text in translations(entry):
            if not text:
                found.append(f"untranslated: {msgid}")
            elif CJK.search(_without_literals(text)):
                found.append(f"Chinese left in the translation of: {msgid}")
    return found


def _without_literals(text: str) -> str:
    for literal in CHINESE_LITERALS:
        text = text.replace(literal, "")
    return text


def test_parse_po_reads_plurals_flags_and_continued_lines(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "%(count)d秒"\nmsgid_plural "%(count)d秒"\n'
        'msgstr[0] "%(count)d second"\nmsgstr[1] ""\n\n'
        'msgid ""\n"第一行"\n"第二行 \\"引号\\""\nmsgstr "两行"\n\n'
        '#~ msgid "旧"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert [entry["msgid"] for entry in entries] == ["%(count)d秒", '第一行第二行 "引号"']
    assert problems(entries) == [
        "fuzzy: %(count)d秒",
        "untranslated: %(count)d秒",
        '''Chinese left in the translation of: 第一行第二行 "引号"''',
    ]


def test_the_committed_catalogue_is_complete_and_its_placeholders_match():
    entries = parse_po(CATALOGUE)
    assert len(entries) > 100
    assert problems(entries) == []
    # --check-format compares the python-format placeholders of every msgstr with its msgid.
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-domain", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def source_copy(tmp_path, monkeypatch):
    """A copy of the source tree, with the committed catalogue, in which makemessages may rewrite the .po."""
    copy = tmp_path / "ruanzhu"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "*.ttf"))
    monkeypatch.chdir(tmp_path)
    return copy


def regenerate(copy: Path, settings) -> list[dict]:
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    return parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")


def test_every_string_marked_in_the_source_is_translated(source_copy, settings):
    regenerated = regenerate(source_copy, settings)
    committed = {entry["msgid"] for entry in parse_po(CATALOGUE)}
    assert sorted(entry["msgid"] for entry in regenerated if entry["msgid"] not in committed) == []
    assert problems(regenerated) == []


def test_a_newly_marked_string_makes_the_catalogue_incomplete(source_copy, settings):
    template = source_copy / "templates" / "base.html"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "{% block content %}{% endblock %}", '{% block content %}{% endblock %}{% translate "尚未翻译" %}'
        ),
        encoding="utf-8",
    )
    assert "untranslated: 尚未翻译" in problems(regenerate(source_copy, settings))
