"""Decode source bytes: UTF-8 first, then GB 18030 when the result reads as Chinese."""

import codecs

from .errors import DepositError

# Share of non-ASCII characters that must fall in GB 2312 for a GB 18030 reading to be trusted:
# Shift-JIS or Big5 bytes also decode as GB 18030, but into rare characters outside GB 2312.
GB2312_SHARE = 0.8


def _reads_as_chinese(text: str) -> bool:
    """Tell whether the non-ASCII characters of text are mostly common simplified Chinese."""
    wide = [char for char in text if ord(char) > 0x7F]
    if not wide:
        return True
    common = 0
    for char in wide:
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(wide) >= GB2312_SHARE


def decode_source(data: bytes, path: str, encoding: str | None = None) -> str:
    """Return the text of a source file, or refuse a file in an unknown encoding."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DepositError(f"无法识别文件编码：{path}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DepositError(f"文件 {path} 不是 {encoding} 编码") from exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_as_chinese(text):
        return text
    raise DepositError(f"无法识别文件编码（既不是 UTF-8 也不是 GBK/GB 18030）：{path}；可用 --encoding 指定")
