"""Archives, git repositories and hostile inputs."""

import io
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from ruanzhu.cli import main
from ruanzhu.deposits.errors import DepositError
from ruanzhu.deposits.program import build_program_deposit

from .conftest import NAME, VERSION, read_pages, write_tree

FILES = {"proj/main.py": "print('主程序')\n", "proj/lib/util.py": "def f():\n    return 1\n"}
EXPECTED = ["print('主程序')", "def f():", "    return 1"]


def lines_of(source: Path, tmp_path: Path) -> list[str]:
    """Build from source and return the printed lines of all pages."""
    output = tmp_path / "out.pdf"
    build_program_deposit(source, output, name=NAME, version=VERSION)
    return [line for page in read_pages(output) for line in page.lines]


def run_cli(source: Path, tmp_path: Path, *extra: str) -> int:
    """Run the program command and return its exit status."""
    argv = ["deposit", "program", str(source), "--name", NAME, "--version", VERSION]
    return main([*argv, "--output", str(tmp_path / "out.pdf"), "-q", *extra])


def test_zip_archive(tmp_path: Path) -> None:
    archive = tmp_path / "src.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, text in FILES.items():
            bundle.writestr(name, text)
    assert lines_of(archive, tmp_path) == EXPECTED


def test_tar_gz_archive(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "tree", FILES)
    archive = tmp_path / "src.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(root / "proj", arcname="proj")
    assert lines_of(archive, tmp_path) == EXPECTED


def test_git_repository_uses_committed_tree(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", FILES)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "init"]):
        subprocess.run(command, cwd=repo, check=True, env=env)
    (repo / "proj" / "draft.py").write_text("uncommitted = 1\n")
    assert lines_of(repo, tmp_path) == EXPECTED


def test_zip_entry_escaping_its_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("proj/main.py", "x = 1\n")
        bundle.writestr("../../escape.py", "y = 1\n")
    assert run_cli(archive, tmp_path) == 2
    error = capsys.readouterr().err.strip()
    assert "escape.py" in error and "目录之外" in error
    assert len(error.splitlines()) == 1
    assert not (tmp_path.parent / "escape.py").exists()


def test_tar_with_absolute_path_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        info = tarfile.TarInfo("/tmp/absolute.py")
        info.size = 6
        bundle.addfile(info, io.BytesIO(b"x = 1\n"))
    with pytest.raises(DepositError, match="目录之外"):
        lines_of(archive, tmp_path)


def test_tar_with_symlink_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        info = tarfile.TarInfo("proj/passwd.py")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        bundle.addfile(info)
    with pytest.raises(DepositError, match="链接"):
        lines_of(archive, tmp_path)


def test_zip_with_symlink_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        info = zipfile.ZipInfo("proj/passwd.py")
        info.external_attr = (0o120777 << 16) | 0
        bundle.writestr(info, "/etc/passwd")
    with pytest.raises(DepositError, match="符号链接"):
        lines_of(archive, tmp_path)


def test_zip_bomb_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("proj/main.py", "x = 1\n")
        bundle.writestr("proj/zeros.py", b"\0" * (3 << 20))
    assert archive.stat().st_size < 100_000
    assert run_cli(archive, tmp_path, "--max-size", "2") == 2
    assert "压缩炸弹" in capsys.readouterr().err


def test_unreadable_archive_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert run_cli(archive, tmp_path) == 2
    assert "无法读取压缩包" in capsys.readouterr().err


def test_empty_tree_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "empty", {"README.md": "# 说明\n", "data.json": "{}"})
    assert run_cli(root, tmp_path) == 2
    message = capsys.readouterr().err
    assert "没有可打印的源程序" in message and len(message.strip().splitlines()) == 1
    assert not (tmp_path / "out.pdf").exists()


def test_name_the_font_cannot_print_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(tmp_path / "tree", FILES)
    argv = [
        "deposit",
        "program",
        str(root),
        "--name",
        "软件😀",
        "--version",
        VERSION,
        "-o",
        str(tmp_path / "o.pdf"),
    ]
    assert main(argv) == 2
    assert "U+1F600" in capsys.readouterr().err


def test_zip_member_without_a_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "nameless.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("proj/main.py", "x = 1\n")
        bundle.writestr(zipfile.ZipInfo(""), b"hidden")
    assert run_cli(archive, tmp_path) == 2
    assert "没有名称的文件" in capsys.readouterr().err


def test_tar_of_the_current_folder_is_read(tmp_path: Path) -> None:
    """`tar czf src.tgz .` starts with the folder "./" itself, which is no reason to refuse the archive."""
    root = write_tree(tmp_path / "tree", FILES)
    archive = tmp_path / "src.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(root, arcname=".")
    assert lines_of(archive, tmp_path) == EXPECTED


def test_zip_member_name_that_is_not_utf8_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The name says it is UTF-8 (flag bit 11) but is not: zipfile raises a ValueError, not a zip error."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("proj/中.py", "x = 1\n")
    archive = tmp_path / "badname.zip"
    archive.write_bytes(buffer.getvalue().replace("中".encode(), b"\xf5\xf5\xf5"))
    assert run_cli(archive, tmp_path) == 2
    assert "无法读取压缩包" in capsys.readouterr().err
