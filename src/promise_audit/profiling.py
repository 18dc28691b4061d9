"""`promise-audit inspect FILE`: what a raw export holds, before any mapping is written.

Format and encoding are told from the file's first bytes (platform exports by the keys or
columns only that platform writes); each column's type and the pattern of its dates are
guessed from a small sample (the first rows), then every row is read once, in DuckDB, to count
nulls and distinct values, check that the guessed reading holds for every value, decide between
day-first and month-first dates, and find the time range of each timestamp column. The
suggested mapping (promise_audit.suggest) is built from these facts alone.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError, UsageError
from promise_audit.promises.model import ColumnMapping, Source
from promise_audit.records.formats import (
    EXTENSIONS,
    FORMAT_NAMES,
    PLAIN_FORMATS,
    PLATFORM_NAMES,
    spoken,
)
from promise_audit.records.schema import FieldType

SAMPLE_ROWS = 2000
SAMPLE_VALUES = 3
# Whole values that exports write for "no value"; offered as null_values when seen
NULL_MARKERS = ("?", "N/A", "n/a", "#N/A", "NULL", "null", "None", "Unspecified", "0 Unspecified")

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMERIC_DATE = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[ T](\d{1,2}):(\d{2})(:\d{2})?(?:\s*([AaPp][Mm]))?)?"
)
_SQL_DATE_PARTS = r"^(\d{1,2})[/.-](\d{1,2})[/.-]"
_TWITTER = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}")
_CLOCK = re.compile(r"\d{1,3}:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?")
_ISO_DURATION = re.compile(r"P(?:\d+(?:\.\d+)?D)?(?:T(?:\d+(?:\.\d+)?[HMS])+)?", re.IGNORECASE)
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d+)?|\d{1,3}(?:,\d{3})+(?:\.\d+)?)(?:[eE][+-]?\d+)?")
_TRUTHY = {"y", "yes", "true", "t"}
_FALSY = {"n", "no", "false", "f"}
_BOOLEAN_NAMES = re.compile(r"(^|_| )(is|has|was|flag)( |_|$)|answered|abandon|resolved|escalat")
_COMPACT_DATE = re.compile(r"\d{6}|\d{8}")
MIDNIGHTS = ("0:00:00", "00:00:00", "0:00", "00:00")
_MIDNIGHT_SQL = ", ".join(f"'{m}'" for m in MIDNIGHTS)
_DATE_NAMES = re.compile(r"date|day")
_DURATION_NAMES = re.compile(r"duration|talk|wait|hold|handle|elapsed|spent|speed|length")


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: str  # text, number, boolean, timestamp, date, time, duration, empty
    rows: int
    nulls: int
    distinct: int
    samples: tuple[str, ...]
    timestamp_format: str | None = None  # a strptime pattern; None: the default reader
    date_order: str | None = None  # day-first, month-first or undecided (numeric dates only)
    date_order_evidence: str | None = None
    first: str | None = None  # time range (timestamps, dates) or value range (numbers)
    last: str | None = None
    unreadable: int = 0  # values present that the guessed type does not read
    false_values: tuple[str, ...] = ()  # how this boolean column spells false, as seen
    earliest_text: str | None = None  # the earliest time, as written (timestamps, dates)
    midnights: int = 0  # times of day written as exactly midnight, often "no time" (0:00:00)
    commonest: str | None = None  # the value most sampled rows hold, and how many do
    commonest_rows: int = 0
    sampled_rows: int = 0

    @property
    def null_share(self) -> float:
        return self.nulls / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class Profile:
    path: str
    files: tuple[str, ...]
    format: str
    platform: str | None  # the platform's name, where a platform export was recognised
    encoding: str
    rows: int
    malformed: int
    columns: tuple[ColumnProfile, ...]
    null_values: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnProfile:
        (found,) = [c for c in self.columns if c.name == name]
        return found


def _head(path: str, size: int = 64 * 1024) -> bytes:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    try:
        if gzipped:
            with gzip.open(path, "rb") as handle:
                return bytes(handle.read(size))
        with open(path, "rb") as handle:
            return handle.read(size)
    except (OSError, EOFError):
        return b""


def detect_encoding(head: bytes) -> str:
    """utf-8 (with or without a BOM), utf-16 by its BOM, else cp1252 (Excel's Windows text)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def recognise_platform(head: bytes) -> str | None:
    """A platform export, by keys or columns only that platform writes."""
    text = head.decode("utf-8", errors="replace")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        if '"ContactId"' in text and '"InitiationTimestamp"' in text:
            return "amazon-connect-ctr"
        if '"conversationId"' in text and '"participants"' in text:
            return "genesys-cloud"
        if re.search(r'"(tickets|ticket|ticket_metrics|metric_set)"\s*:', text) or (
            '"requester_id"' in text and '"via"' in text
        ):
            return "zendesk"
        return None
    header = stripped.splitlines()[0] if stripped else ""
    names = {n.strip().strip('"').lower() for n in header.split(",")}
    if {"ticket id", "created time", "status"} <= names and (
        "first response time (in hrs)" in names or "resolution status" in names
    ):
        return "freshdesk"
    return None


def _plain_format(path: str) -> str | None:
    name = path.lower().removesuffix(".gz")
    for suffix, fmt in EXTENSIONS.items():
        if name.endswith(suffix):
            return fmt
    return None


def _looks_json(head: bytes) -> str | None:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        first = text.split("\n", 1)[0].strip()
        return "jsonl" if first.endswith("}") else "json"
    return None


def profile_export(path: str, *, format_in: str | None = None) -> Profile:
    """Profile an export file (or glob) with no promise file: see the module docstring."""
    import duckdb

    from promise_audit.engine.backends import connect
    from promise_audit.records.files import resolve_files
    from promise_audit.records.read import read_raw

    if format_in is not None and format_in not in FORMAT_NAMES:
        raise UsageError(f"--format-in {format_in!r}: the formats are {', '.join(FORMAT_NAMES)}")
    files = resolve_files(Source(path=path), Path.cwd(), path)
    head = _head(files[0])
    if not head.strip():
        raise RecordsError("the file is empty (not even a header row)", files[0])
    encoding = detect_encoding(head)
    platform = recognise_platform(head) if format_in is None else None
    fmt = format_in or platform or _plain_format(files[0]) or _looks_json(head)
    if fmt is None:
        raise RecordsError(
            f"cannot tell the format: give --format-in {spoken(PLAIN_FORMATS)}",
            files[0],
        )
    if fmt == "csv" and head.count(b"\t") > head.count(b",") and b"\n" in head:
        first_line = head.split(b"\n", 1)[0]
        if first_line.count(b"\t") > first_line.count(b","):
            fmt = "tsv"
    source = Source.model_validate(
        {
            "path": path,
            "format": fmt,
            "encoding": encoding if fmt in ("csv", "tsv") else "utf-8",
        }
    )
    con = connect()
    try:
        raw_read = read_raw(con, "inspect", fmt, files, source)
        table = '"raw_inspect"'
        names = [c for c in con.columns(table) if c not in ("_file", "_n")]
        try:
            columns, rows, null_values = _profile_columns(con, table, names)
        except duckdb.Error as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RecordsError(f"cannot read the records: {message}", files[0]) from None
        malformed = 0
        scanned = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rejects_inspect'"
        ).fetchone()[0]
        if raw_read is None and fmt in ("csv", "tsv") and scanned:
            malformed = int(
                con.execute(
                    'SELECT count(DISTINCT (file_id, line)) FROM "rejects_inspect"'
                ).fetchone()[0]
            )
        elif raw_read is not None:
            malformed = raw_read.malformed
    finally:
        con.close()
    notes: list[str] = []
    text_file = fmt in ("csv", "tsv", "json", "jsonl")
    if text_file and head.startswith(codecs.BOM_UTF8):
        notes.append("the file starts with a byte-order mark (read as UTF-8)")
    if text_file and b"\r\n" in head:
        notes.append("Windows line endings (CRLF)")
    if raw_read is not None and raw_read.duplicates:
        notes.append(f"{raw_read.duplicates:,} duplicate copies dropped by the platform reader")
    if raw_read is not None and raw_read.stitched:
        notes.append(f"{raw_read.stitched:,} legs stitched into journeys by the platform reader")
    return Profile(
        path=path,
        files=files,
        format=fmt,
        platform=PLATFORM_NAMES.get(fmt),
        encoding=encoding
        if fmt in ("csv", "tsv", "json", "jsonl") or fmt in PLATFORM_NAMES
        else "-",
        rows=rows + malformed,
        malformed=malformed,
        columns=tuple(columns),
        null_values=null_values,
        notes=tuple(notes),
    )


# --- the sample: a type per column ---------------------------------------------------------


@dataclass(frozen=True)
class _Guess:
    type: str
    timestamp_format: str | None = None
    numeric_date: bool = False  # a d/m/y or m/d/y pattern, order decided on every row
    false_values: tuple[str, ...] = ()


def _guess(name: str, values: list[str]) -> _Guess:
    """The type every sampled value fits (95% will do: one odd value is an invalid value)."""
    if not values:
        return _Guess("empty")
    lowered = {v.lower() for v in values}
    if lowered <= _TRUTHY | _FALSY and len(lowered) <= 4:
        falses = tuple(sorted({v for v in values if v.lower() in _FALSY}))
        return _Guess("boolean", false_values=falses)
    if lowered <= {"0", "1"} and _BOOLEAN_NAMES.search(name.lower()):
        return _Guess("boolean", false_values=("0",))

    def share(pattern: re.Pattern[str]) -> float:
        return sum(1 for v in values if pattern.fullmatch(v)) / len(values)

    compact = _compact_date_format(name, values)
    if compact is not None:
        return _Guess("date", compact)
    if share(_NUMBER) >= 0.95:
        return _Guess("number")
    if share(_TWITTER) >= 0.95:
        return _Guess("timestamp", "%a %b %d %H:%M:%S %z %Y")
    if share(_ISO_DATE) >= 0.95:
        return _Guess("date")
    if share(_ISO) >= 0.95:
        return _Guess("timestamp")
    if share(_NUMERIC_DATE) >= 0.95:
        return _Guess(_numeric_date_type(values), _numeric_date_format(values), numeric_date=True)
    if share(_CLOCK) >= 0.95:
        hours = [int(v.split(":")[0]) for v in values if _CLOCK.fullmatch(v)]
        if _DURATION_NAMES.search(name.lower()) or max(hours) > 23 or values[0].count(":") == 1:
            return _Guess("duration")
        return _Guess("time")
    if share(_ISO_DURATION) >= 0.95 and any(c.isdigit() for c in values[0]):
        return _Guess("duration")
    return _Guess("text")


def _compact_date_format(name: str, values: list[str]) -> str | None:
    """`990101` or `19990101` in a column named like a date: a date without separators
    (YYMMDD or YYYYMMDD), as older call-centre systems write it. Only where every sampled value
    is a real day, so a column of plain numbers named "days" stays a number."""
    if not _DATE_NAMES.search(name.lower()) or not all(_COMPACT_DATE.fullmatch(v) for v in values):
        return None
    lengths = {len(v) for v in values}
    if len(lengths) != 1:
        return None
    pattern = "%y%m%d" if lengths == {6} else "%Y%m%d"
    try:
        for value in values:
            dt.datetime.strptime(value, pattern)
    except ValueError:
        return None
    return pattern


def _numeric_date_type(values: list[str]) -> str:
    match = _NUMERIC_DATE.fullmatch(values[0])
    return "timestamp" if match and match.group(5) else "date"


def _numeric_date_format(values: list[str], day_first: bool = False) -> str:
    """The strptime pattern of a d/m/y or m/d/y value (order: day_first)."""
    match = _NUMERIC_DATE.fullmatch(values[0])
    assert match is not None
    separator = match.group(2)
    year = "%Y" if len(match.group(4)) == 4 else "%y"
    first, second = ("%d", "%m") if day_first else ("%m", "%d")
    pattern = f"{first}{separator}{second}{separator}{year}"
    if match.group(5):
        twelve = match.group(8) is not None
        hour = "%I" if twelve else "%H"
        pattern += f" {hour}:%M" + (":%S" if match.group(7) else "") + (" %p" if twelve else "")
    return pattern


# --- the scan: every row once ----------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _profile_columns(
    con: Any, table: str, names: list[str]
) -> tuple[list[ColumnProfile], int, tuple[str, ...]]:
    from promise_audit.records.parse import parse_text_as

    if not names:
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        return [], rows, ()
    listed = ", ".join(f"CAST({_quote(n)} AS VARCHAR)" for n in names)
    sample = con.execute(f"SELECT {listed} FROM {table} LIMIT {SAMPLE_ROWS}").fetchall()
    markers: dict[str, int] = {}
    for row in sample:
        for value in row:
            if value is not None and value.strip() in NULL_MARKERS:
                markers[value.strip()] = markers.get(value.strip(), 0) + 1
    null_values = ("", *sorted(markers, key=lambda m: (-markers[m], m)))
    missing = ", ".join(_literal(m) for m in null_values)

    guesses: list[_Guess] = []
    for index, name in enumerate(names):
        values = [
            row[index].strip()
            for row in sample
            if row[index] is not None and row[index].strip() not in null_values
        ]
        guesses.append(_guess(name, values))

    selects = ["count(*)"]
    for name, guess in zip(names, guesses, strict=True):
        text = f"trim(CAST({_quote(name)} AS VARCHAR))"
        value = f"CASE WHEN {text} IN ({missing}) THEN NULL ELSE {text} END"
        # exact where the sample's values are all different (an id, perhaps): whether every
        # value is unique decides the contact id, and an estimate cannot say so
        unique_so_far = _all_different(sample, names.index(name), null_values)
        counter = "count(DISTINCT" if unique_so_far else "approx_count_distinct("
        selects += [f"count({value})", f"{counter} {value})"]
        for parsed in _readings(guess, value, parse_text_as):
            selects += [f"count({parsed})", f"CAST(min({parsed}) AS VARCHAR)"]
            # the earliest as written: a placeholder date (01/01/1900) is offered for null_if
            selects += [f"CAST(max({parsed}) AS VARCHAR)", f"arg_min({value}, {parsed})"]
        if guess.type == "time":
            selects.append(f"count(CASE WHEN {value} IN ({_MIDNIGHT_SQL}) THEN 1 END)")
        if guess.numeric_date:
            for group in (1, 2):
                part = f"TRY_CAST(regexp_extract({value}, '{_SQL_DATE_PARTS}', {group}) AS INTEGER)"
                selects.append(f"max({part})")
    # stored, not only fetched: DuckDB keeps the CSV reader's rejected rows only for a scan
    # whose result is stored, and those are the malformed rows `inspect` counts
    con.execute(
        f'CREATE OR REPLACE TEMP TABLE "profile_inspect" AS '
        f"SELECT {', '.join(selects)} FROM {table}"
    )
    result = con.execute('SELECT * FROM "profile_inspect"').fetchone()
    rows = int(result[0])
    position = 1
    profiles: list[ColumnProfile] = []
    day_first_readings: dict[str, tuple[int, Any, Any, Any]] = {}
    for index, (name, guess) in enumerate(zip(names, guesses, strict=True)):
        present, distinct = int(result[position]), int(result[position + 1])
        position += 2
        readings = []
        for _ in _readings(guess, "x", parse_text_as):
            readings.append(
                (
                    int(result[position]),
                    result[position + 1],
                    result[position + 2],
                    result[position + 3],
                )
            )
            position += 4
        readable, first, last, earliest = readings[0] if readings else (present, None, None, None)
        fmt, order, evidence = guess.timestamp_format, None, None
        midnights = 0
        if guess.type == "time":
            midnights = int(result[position])
            position += 1
        if guess.numeric_date:
            high_first, high_second = result[position], result[position + 1]
            position += 2
            order, evidence, fmt = _date_order(name, sample, index, high_first, high_second)
            day_first_readings[name] = readings[1]
            if order == "day-first":
                readable, first, last, earliest = readings[1]
        counted: dict[str, int] = {}
        for row in sample:
            if row[index] is not None and row[index].strip() not in null_values:
                counted[row[index].strip()] = counted.get(row[index].strip(), 0) + 1
        commonest = min(counted, key=lambda v: (-counted[v], v)) if counted else None
        samples: list[str] = []
        for row in sample:
            value_text = row[index]
            if value_text is None or value_text.strip() in null_values:
                continue
            shown = value_text.strip()
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            if shown not in samples:
                samples.append(shown)
            if len(samples) == SAMPLE_VALUES:
                break
        profiles.append(
            ColumnProfile(
                name=name,
                type=guess.type,
                rows=rows,
                nulls=rows - present,
                distinct=min(distinct, present),
                samples=tuple(samples),
                timestamp_format=fmt,
                date_order=order,
                date_order_evidence=evidence,
                first=_shown_bound(guess.type, first),
                last=_shown_bound(guess.type, last),
                unreadable=present - readable,
                false_values=guess.false_values,
                earliest_text=earliest if guess.type in ("timestamp", "date") else None,
                midnights=midnights,
                commonest=commonest,
                commonest_rows=counted.get(commonest, 0) if commonest is not None else 0,
                sampled_rows=len(sample),
            )
        )
    used_markers = tuple(m for m in null_values if m == "" or markers.get(m))
    return _order_from_siblings(profiles, day_first_readings), rows, used_markers


def _order_from_siblings(
    profiles: list[ColumnProfile], day_first_readings: dict[str, tuple[int, Any, Any, Any]]
) -> list[ColumnProfile]:
    """A column whose values fit both orders (no day above 12) takes the order that the
    file's other numeric date columns show: one export writes its dates one way."""
    decided = {p.date_order for p in profiles if p.date_order in ("day-first", "month-first")}
    if len(decided) != 1:
        return profiles
    (order,) = decided
    sibling = next(p for p in profiles if p.date_order == order)
    result = []
    for profile in profiles:
        if profile.date_order == "undecided" and profile.timestamp_format is not None:
            evidence = f"{order}, as {sibling.name!r} (no day above 12 in this column)"
            profile = replace(profile, date_order=order, date_order_evidence=evidence)
            if order == "day-first":
                readable, first, last, earliest = day_first_readings[profile.name]
                profile = replace(
                    profile,
                    timestamp_format=_day_first(profile.timestamp_format or ""),
                    unreadable=profile.rows - profile.nulls - readable,
                    first=_shown_bound(profile.type, first),
                    last=_shown_bound(profile.type, last),
                    earliest_text=earliest,
                )
        result.append(profile)
    return result


def _all_different(sample: list[Any], index: int, null_values: tuple[str, ...]) -> bool:
    values = [r[index].strip() for r in sample if r[index] and r[index].strip() not in null_values]
    return bool(values) and len(set(values)) == len(values)


def _readings(guess: _Guess, value: str, parse_text_as: Any) -> list[str]:
    """The readings the scan tries: the guessed one; for a numeric date, month-first and then
    day-first, so one scan decides the order and has the range of both."""
    parsed = _parsed_sql(guess, value, parse_text_as)
    if parsed is None:
        return []
    if not guess.numeric_date:
        return [parsed]
    day_first = _Guess(guess.type, guess.timestamp_format and _day_first(guess.timestamp_format))
    return [parsed, str(_parsed_sql(day_first, value, parse_text_as))]


def _day_first(pattern: str) -> str:
    return pattern.replace("%m", "%@").replace("%d", "%m").replace("%@", "%d")


def _parsed_sql(guess: _Guess, value: str, parse_text_as: Any) -> str | None:
    """SQL reading a value as the loader would read it for a field of the guessed type."""
    if guess.type in ("timestamp", "date"):
        mapping = None
        if guess.timestamp_format is not None:
            mapping = ColumnMapping(column="x", format=guess.timestamp_format)
        parsed: str = parse_text_as(FieldType.TIMESTAMP, value, mapping)
        return parsed
    if guess.type == "number":
        parsed = parse_text_as(FieldType.NUMBER, value, None)
        return parsed
    if guess.type == "duration":
        parsed = parse_text_as(FieldType.DURATION, value, None)
        return parsed
    if guess.type == "boolean":
        if guess.false_values == ("0",):
            return f"CASE WHEN {value} IN ('0', '1') THEN {value} END"
        parsed = parse_text_as(FieldType.BOOLEAN, value, None)
        return parsed
    return None


def _date_order(
    name: str, sample: list[Any], index: int, high_first: Any, high_second: Any
) -> tuple[str, str, str]:
    """Day-first or month-first, decided from the largest first and second numbers seen."""
    values = [row[index].strip() for row in sample if row[index] and row[index].strip()]
    first_max, second_max = int(high_first or 0), int(high_second or 0)
    if first_max > 12 and second_max <= 12:
        order = "day-first"
        evidence = f"day-first: the first number reaches {first_max}, the second at most 12"
    elif second_max > 12 and first_max <= 12:
        order = "month-first"
        evidence = f"month-first: the second number reaches {second_max}, the first at most 12"
    else:
        order = "undecided"
        evidence = (
            "undecided: no value has a day above 12 in either place; read as month-first "
            "(check a known date)"
            if first_max <= 12
            else "undecided: numbers above 12 in both places (not a date pattern)"
        )
    return order, evidence, _numeric_date_format(values, day_first=order == "day-first")


def _shown_bound(kind: str, value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if kind == "date":
        return text[:10]
    if kind in ("number", "duration"):
        number = float(text)
        if kind == "duration":
            return f"{number:g}s"
        return str(int(number)) if number.is_integer() else f"{number:g}"
    return text
