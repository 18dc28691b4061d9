"""CSV cells a spreadsheet cannot run: a value starting with = + - @, a tab or a carriage
return is prefixed with a quote (OWASP's advice against CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_TRIGGERS) else text


def write_rows(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        count += 1
    return count
