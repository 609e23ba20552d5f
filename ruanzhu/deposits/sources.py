"""Open a program source given as a folder, a .zip or .tar.gz archive, or a git repository."""

import contextlib
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from .errors import DepositError
from .progress import Progress

MAX_EXPANDED_BYTES = 1 << 30  # 1 GiB: far above any real program, far below a zip bomb
MAX_MEMBERS = 200_000
_CHUNK = 1 << 20
# What zipfile raises on a damaged archive: a bad name (invalid UTF-8 is a ValueError), bad compressed data,
# an unsupported method or encryption, a short read.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    EOFError,
    zlib.error,
)


def _safe_member_path(name: str) -> PurePosixPath:
    """Return an archive member's relative path, refusing one that leaves the archive's folder."""
    normal = name.replace("\\", "/")
    path = PurePosixPath(normal)
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or ".." in path.parts:
        raise DepositError(f"压缩包中的文件 {name} 指向压缩包目录之外，拒绝解压")
    return path


class _Budget:
    """Count expanded bytes across an archive and stop past the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def copy(self, source: IO[bytes], target: Path) -> None:
        """Copy a member to disk in chunks, enforcing the limit on real (not declared) sizes."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as out:
            while chunk := source.read(_CHUNK):
                self.used += len(chunk)
                if self.used > self.limit:
                    raise DepositError(
                        f"压缩包解压后超过 {self.limit // (1 << 20)} MB，疑似压缩炸弹，拒绝处理"
                    )
                out.write(chunk)


def _extract_zip(archive: Path, target: Path, limit: int) -> None:
    """Extract a zip archive after checking every member."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            if len(members) > MAX_MEMBERS:
                raise DepositError(f"压缩包内文件过多（{len(members)} 个）")
            for info in members:
                if not info.filename:
                    raise DepositError("压缩包中含有没有名称的文件，拒绝处理")
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise DepositError(f"压缩包中含有符号链接 {info.filename}，拒绝处理")
                _safe_member_path(info.filename)
            if sum(info.file_size for info in members) > limit:
                raise DepositError(f"压缩包解压后超过 {limit // (1 << 20)} MB，疑似压缩炸弹，拒绝处理")
            budget = _Budget(limit)
            for info in members:
                if info.is_dir():
                    continue
                with bundle.open(info) as source:
                    budget.copy(source, target / _safe_member_path(info.filename))
    except ZIP_ERRORS as exc:
        raise DepositError(f"无法读取压缩包 {archive.name}：{exc}") from exc


def _extract_tar(
    stream: IO[bytes] | None, archive: Path | None, target: Path, limit: int, *, git: bool
) -> None:
    """Extract a tar stream after checking every member; git archives may hold links, which are skipped."""
    budget = _Budget(limit)
    label = "git" if git else archive.name if archive else "tar"
    try:
        with tarfile.open(name=archive, fileobj=stream, mode="r|*") as bundle:
            count = 0
            for member in bundle:
                count += 1
                if count > MAX_MEMBERS:
                    raise DepositError("压缩包内文件过多")
                if member.name in ("pax_global_header",) and git:
                    continue
                relative = _safe_member_path(member.name)
                if member.issym() or member.islnk():
                    if git:
                        continue
                    raise DepositError(f"压缩包中含有链接 {member.name}，拒绝处理")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise DepositError(f"压缩包中含有特殊文件 {member.name}，拒绝处理")
                if budget.used + member.size > limit:
                    raise DepositError(f"压缩包解压后超过 {limit // (1 << 20)} MB，疑似压缩炸弹，拒绝处理")
                source = bundle.extractfile(member)
                if source is not None:
                    budget.copy(source, target / relative)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise DepositError(f"无法读取压缩包 {label}：{exc}") from exc


def _is_git_repository(path: Path) -> bool:
    """Tell whether path is a git work tree or a bare repository."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def _export_git(repository: Path, revision: str, target: Path, limit: int) -> None:
    """Extract the committed tree of a git revision (the work tree's edits are not part of it)."""
    command = ["git", "-C", str(repository), "archive", "--format=tar", revision]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    except OSError as exc:
        raise DepositError(f"无法运行 git：{exc}") from exc
    assert process.stdout is not None
    try:
        _extract_tar(process.stdout, None, target, limit, git=True)
    finally:
        process.stdout.close()
        error = process.stderr.read().decode("utf-8", "replace").strip() if process.stderr else ""
        returncode = process.wait()
    if returncode != 0:
        first = error.splitlines()[0] if error else f"exit {returncode}"
        raise DepositError(f"无法读取 git 仓库 {repository}（{revision}）：{first}")


@contextlib.contextmanager
def open_source(
    source: str | os.PathLike[str],
    *,
    revision: str = "HEAD",
    limit: int = MAX_EXPANDED_BYTES,
    progress: Progress | None = None,
) -> Iterator[Path]:
    """Yield a folder holding the program source, extracting archives to a temporary folder."""
    path = Path(source)
    if not path.exists():
        raise DepositError(f"找不到源程序：{path}")
    lower = path.name.lower()
    if path.is_dir() and not _is_git_repository(path):
        yield path
        return
    workdir = Path(tempfile.mkdtemp(prefix="ruanzhu-deposit-"))
    try:
        if path.is_dir():
            if progress:
                progress.note(f"读取 git 仓库 {path} 的 {revision}")
            _export_git(path, revision, workdir, limit)
        elif lower.endswith(".zip"):
            _extract_zip(path, workdir, limit)
        elif lower.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
            _extract_tar(None, path, workdir, limit, git=False)
        else:
            raise DepositError(f"不支持的源程序格式：{path.name}（应为文件夹、.zip、.tar.gz 或 git 仓库）")
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
