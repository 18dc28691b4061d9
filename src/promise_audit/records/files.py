"""A source's files: which files a path or glob names, the format each is read as, and the
checks that refuse, naming the file, what a reader would misread (an empty file, UTF-16 text,
binary data)."""

from __future__ import annotations

import codecs
import glob as globmodule
import gzip
import os
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.formats import EXTENSIONS, PLAIN_FORMATS, spoken


def resolve_files(source: Source, base_dir: Path, override: str | None) -> tuple[str, ...]:
    pattern = override if override is not None else source.path
    if pattern is None:
        raise RecordsError("this source is a table, not a file", source.table or "")
    path = Path(pattern)
    if not path.is_absolute() and override is None:
        path = base_dir / path
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(f for f in globmodule.glob(text, recursive=True) if os.path.isfile(f))
        if not files:
            raise RecordsError("no file matches this pattern", text)
        return tuple(files)
    if not path.exists():
        raise RecordsError("no such file", text)
    if path.is_dir():
        raise RecordsError("is a directory; give a file or a glob such as dir/*.csv", text)
    if not os.access(path, os.R_OK):
        raise RecordsError("permission denied", text)
    return (text,)


def detect_format(source: Source, files: tuple[str, ...], *, overridden: bool = False) -> str:
    """The source's format; a file given on the command line (`--records`) with a plain file
    extension is read by that extension (a CI job may hand a Parquet export to a promise file
    written for CSV), while a platform format always stays as declared."""
    name = files[0].lower().removesuffix(".gz")
    suffix = os.path.splitext(name)[1]
    if source.format is not None:
        if overridden and source.format in PLAIN_FORMATS and suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
        return source.format
    if suffix not in EXTENSIONS:
        raise RecordsError(
            f"cannot tell the format from {suffix or 'no extension'!r}: set format: "
            f"{spoken(PLAIN_FORMATS)}",
            files[0],
        )
    return EXTENSIONS[suffix]


def check_text(path: str, encoding: str = "utf-8") -> None:
    """Refuse, naming the file, what the text readers would misread as a header of odd
    columns: a file empty once decompressed, UTF-16 text, binary data."""
    name = path.lower()
    if name.endswith((".zst", ".zstd", ".bz2", ".xz", ".lz4", ".zip", ".snappy")):
        return  # compressed in a way only the reader opens: it says what it finds
    opener: Any = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            head: bytes = handle.read(64 * 1024)
    except (OSError, EOFError):
        return  # not gzip after all, or truncated: the reader says so
    if not head.strip():
        raise RecordsError("the file is empty (not even a header row)", path)
    if encoding != "utf-8":
        return  # declared: decoded (and checked) by the transcoding reader
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordsError(
            "the file is UTF-16 text: declare encoding: utf-16 in its source, or save it as UTF-8",
            path,
        )
    first_line, newline, _ = head.partition(b"\n")
    if b"\x00" in first_line:
        raise RecordsError("the file holds binary data, not text (a NUL byte in line 1)", path)
    try:
        # a line longer than what was read may end inside a character: not an error
        codecs.getincrementaldecoder("utf-8")().decode(first_line, final=bool(newline))
    except UnicodeDecodeError as exc:
        raise RecordsError(
            f"line 1 is not UTF-8 text (byte 0x{first_line[exc.start]:02x} at column "
            f"{exc.start + 1}): save or export the file as UTF-8",
            path,
        ) from None


def check_not_empty(files: tuple[str, ...]) -> None:
    for path in files:
        if os.path.getsize(path) == 0:
            raise RecordsError("the file is empty (not even a header row)", path)


def check_texts(files: tuple[str, ...], fmt: str, encoding: str) -> None:
    """Refuse a text file that is not text in the encoding declared (see `check_text`)."""
    if fmt in ("csv", "tsv", "json", "jsonl"):
        for path in files:
            check_text(path, encoding)
