"""The ruanzhu command line: subcommand groups, starting with deposit (鉴别材料)."""

import argparse
import os
import sys
from collections.abc import Sequence

from ruanzhu.deposits.check import KINDS, check_deposit
from ruanzhu.deposits.document import build_document_deposit
from ruanzhu.deposits.errors import DepositError
from ruanzhu.deposits.program import EXCEPTION_MODES, build_program_deposit, parse_redaction
from ruanzhu.deposits.progress import Progress, stderr_progress

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _positive(text: str) -> int:
    """Parse a page number."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _add_header_options(parser: argparse.ArgumentParser) -> None:
    """Add --name and --version, which every deposit command needs."""
    parser.add_argument("--name", required=True, help="软件全称，与申请表一致")
    parser.add_argument("--version", required=True, help="版本号，与申请表一致，如 V1.0")


def _add_deposit_commands(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the deposit group: program, document, check."""
    deposit = subparsers.add_parser("deposit", help="生成和检查鉴别材料 (deposit PDFs)")
    commands = deposit.add_subparsers(dest="deposit_command", required=True)

    program = commands.add_parser("program", help="由源程序生成程序鉴别材料")
    program.add_argument("source", metavar="SRC", help="源程序文件夹、.zip/.tar.gz 压缩包或 git 仓库")
    _add_header_options(program)
    program.add_argument("--output", "-o", required=True, help="输出的 PDF 文件")
    program.add_argument("--keep-comments", action="store_true", help="保留注释（默认去除）")
    program.add_argument(
        "--exception",
        choices=EXCEPTION_MODES,
        help="例外交存：redact 前后各30页并涂黑 --redact 指定的行；first10 前10页加连续50页；"
        "object-code 目标程序前后各30页加源程序连续20页",
    )
    program.add_argument(
        "--redact",
        action="append",
        default=[],
        metavar="RANGE",
        help="涂黑范围，可重复：路径:起-止[,起-止] 为源文件的行号（如 src/crypto.py:10-40），"
        "@页:起-止 为鉴别材料第几页的第几行（如 @12:5-20）",
    )
    program.add_argument("--from-page", type=_positive, help="first10/object-code 的连续页从源程序第几页开始")
    program.add_argument("--object", dest="object_file", help="object-code 方式的目标程序文件")
    program.add_argument(
        "--include", action="append", default=[], metavar="GLOB", help="额外收集的文件（gitignore 语法）"
    )
    program.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="排除的文件（gitignore 语法）"
    )
    program.add_argument("--encoding", help="非 UTF-8 文件的编码（默认自动识别 GBK/GB 18030）")
    program.add_argument("--rev", default="HEAD", help="git 仓库使用的提交（默认 HEAD）")
    program.add_argument(
        "--max-size",
        type=_positive,
        default=1024,
        metavar="MB",
        help="压缩包解压后的大小上限（默认 1024 MB）",
    )
    program.add_argument("--quiet", "-q", action="store_true", help="不显示进度")

    document = commands.add_parser("document", help="由用户手册等文档生成文档鉴别材料")
    document.add_argument("manual", metavar="MANUAL", help="PDF、Markdown 或 DOCX 文档")
    _add_header_options(document)
    document.add_argument("--output", "-o", required=True, help="输出的 PDF 文件")
    document.add_argument("--quiet", "-q", action="store_true", help="不显示进度")

    check = commands.add_parser("check", help="检查鉴别材料 PDF 是否符合要求")
    check.add_argument("file", metavar="FILE.pdf")
    check.add_argument("--kind", required=True, choices=KINDS)
    _add_header_options(check)
    check.add_argument("--exception", choices=EXCEPTION_MODES, help="按例外交存方式检查页数")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the ruanzhu command."""
    parser = argparse.ArgumentParser(prog="ruanzhu", description="软著 (Ruanzhu) 命令行工具")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_deposit_commands(subparsers)
    return parser


def _run_deposit(args: argparse.Namespace) -> int:
    """Run one deposit subcommand and return the exit status."""
    progress = Progress(None) if getattr(args, "quiet", False) else stderr_progress()
    if args.deposit_command == "program":
        build_program_deposit(
            args.source,
            args.output,
            name=args.name,
            version=args.version,
            keep_comments=args.keep_comments,
            exception=args.exception,
            from_page=args.from_page,
            redactions=[parse_redaction(spec) for spec in args.redact],
            object_file=args.object_file,
            include=args.include or None,
            exclude=args.exclude or None,
            encoding=args.encoding,
            revision=args.rev,
            max_expanded_bytes=args.max_size << 20,
            progress=progress,
        )
        return EXIT_OK
    if args.deposit_command == "document":
        build_document_deposit(
            args.manual, args.output, name=args.name, version=args.version, progress=progress
        )
        return EXIT_OK
    if not os.path.isfile(args.file):
        raise DepositError(f"找不到文件：{args.file}")
    result = check_deposit(
        args.file, kind=args.kind, name=args.name, version=args.version, exception=args.exception
    )
    for problem in result.problems:
        print(problem.message)
    if result.ok:
        print(f"符合要求：共{result.page_count}页")
        return EXIT_OK
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "deposit":
            return _run_deposit(args)
    except DepositError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
