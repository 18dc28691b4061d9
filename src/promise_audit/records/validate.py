"""What a record must be, and what a value cannot be: the checks of the parse.

A record is rejected only when it cannot be a contact (no id, no readable time it began);
a value that cannot be read or cannot be true (a date out of range, a negative duration, an
end before its start) is an invalid value, missing for that record only. A source whose rows
are mostly unusable stops the audit (`check_rejected_share`)."""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from promise_audit.errors import RecordsError
from promise_audit.promises.model import Source
from promise_audit.records.events import EventProblems
from promise_audit.records.raw import quote, text_literal
from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS, FieldType
from promise_audit.records.types import EVENT_AT, Accounting, Reject, StagedSource

# Columns of the parsed table that are the tool's bookkeeping, not the source's; a source
# column may not take one of these names (in any case), or it would replace the bookkeeping.
RESERVED_COLUMNS = frozenset(
    {
        "_file",
        "_file_index",
        "_row",
        "_copy",
        "_reject",
        "_reject_column",
        "_reject_value",
        "_invalid",
        "_bad",
    }
)
RESERVED_PREFIXES = ("_text_", "_required_", "_invalid_", "_bad_")
# Timestamps outside these years are placeholders (0001-01-01, 9999-12-31) or typos, and the
# rest of the pipeline (Python's datetime among it) cannot hold all of them.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# A clock that must not run backwards: (start, end) pairs of canonical fields; an end before
# its start is an invalid value (`before_<start>`): the end is missing for that record, never
# measured as negative, and the start stays.
ORDERED_FIELDS = (
    ("enqueued_at", "answered_at"),
    ("enqueued_at", "ended_at"),
    ("initiated_at", "ended_at"),
    ("initiated_at", "first_response_at"),
    ("initiated_at", "resolved_at"),
    ("callback_requested_at", "callback_at"),
    ("human_requested_at", "human_joined_at"),
    ("failure_at", "recovered_at"),
    ("purchased_at", "return_requested_at"),
    ("return_requested_at", "refund_at"),
)


def is_reserved(column: str) -> bool:
    name = column.lower()  # the engine's names are case-insensitive
    return name in RESERVED_COLUMNS or name.startswith(RESERVED_PREFIXES)


def in_range(value: str) -> str:
    """SQL: the timestamp is within FIRST_YEAR..LAST_YEAR (infinity is not)."""
    low = f"TIMESTAMPTZ '{FIRST_YEAR:04d}-01-01 00:00:00+00'"
    high = f"TIMESTAMPTZ '{LAST_YEAR + 1:04d}-01-01 00:00:00+00'"
    return f"{value} >= {low} AND {value} < {high}"


def invalid_cases(checked: Mapping[str, tuple[str, bool]]) -> dict[str, str]:
    """For each checked field, the WHEN branches of a CASE giving why its value is invalid
    (NULL when it is valid or missing), in the order they are tried: `unparseable` (present
    but unreadable), `out_of_range` (a timestamp outside FIRST_YEAR..LAST_YEAR, or infinity),
    `negative` (a duration), `before_<start>` (an end before its start, see ORDERED_FIELDS;
    only a valid start is compared, so an impossible start never invalidates its end)."""
    cases: dict[str, str] = {}
    for field_name, field_type in CANONICAL_FIELDS.items():
        if field_name not in checked:
            continue
        value = quote(field_name)
        whens: list[str] = []
        if checked[field_name][1]:
            whens.append(
                f"WHEN {quote(f'_text_{field_name}')} IS NOT NULL AND {value} IS NULL "
                "THEN 'unparseable'"
            )
        if field_type is FieldType.TIMESTAMP:
            whens.append(
                f"WHEN {value} IS NOT NULL AND NOT ({in_range(value)}) THEN 'out_of_range'"
            )
        elif field_type is FieldType.DURATION:
            whens.append(f"WHEN {value} < 0 THEN 'negative'")
        for start, end in ORDERED_FIELDS:
            if end != field_name:
                continue
            if start == "initiated_at":  # a record whose start cannot be read is rejected
                whens.append(f"WHEN {value} < initiated_at THEN 'before_initiated_at'")
            elif start in cases:  # checked, and earlier in the canonical order
                whens.append(
                    f"WHEN (CASE {cases[start]} END) IS NULL AND {value} < {quote(start)} "
                    f"THEN {text_literal(f'before_{start}')}"
                )
        cases[field_name] = " ".join(whens) or "WHEN false THEN 'unparseable'"
    return cases


def check_required_fields(provided: set[str], raw_columns: list[str], label: str) -> None:
    """Every record needs a contact_id and an initiated_at: a source without one is an error
    naming the closest columns."""
    missing = [f for f in REQUIRED_FIELDS if f not in provided]
    if not missing:
        return
    close = {f: get_close_matches(f, raw_columns, n=1, cutoff=0.4) for f in missing}
    hints = "; ".join(
        f"{f}: map it under columns:" + (f" (perhaps {close[f][0]!r}?)" if close[f] else "")
        for f in missing
    )
    raise RecordsError(
        f"the export has no {' or '.join(missing)} column ({hints}); "
        f"its columns are: {', '.join(raw_columns[:30])}",
        label,
    )


def check_attribute_names(attributes: tuple[str, ...], label: str) -> None:
    for attribute in attributes:
        if is_reserved(attribute):
            # kept under its own name, it would stand in for the reject bookkeeping
            raise RecordsError(
                f"column {attribute!r} has a name promise-audit keeps for its own bookkeeping "
                f"({', '.join(sorted(RESERVED_COLUMNS))}, "
                f"{', '.join(p + '*' for p in RESERVED_PREFIXES)}): rename it in "
                "the export, or map a canonical field to it under columns:",
                label,
            )


def reject_cases(initiated_column: str, initiated_value: str) -> tuple[str, str, str]:
    """The WHEN branches of three CASEs over a parsed record: why it is rejected, the column
    that makes it so, and that column's value (all NULL for a record that is kept)."""
    value = f"CAST({initiated_value} AS VARCHAR)"
    rejects = [
        ("_required_contact_id IS NULL", "missing_contact_id", "'contact_id'", "NULL"),
        ("_required_initiated_at IS NULL", "missing_initiated_at", "'initiated_at'", "NULL"),
        ("initiated_at IS NULL", "unparseable_initiated_at", text_literal(initiated_column), value),
        (
            f"NOT ({in_range('initiated_at')})",
            "out_of_range_initiated_at",
            text_literal(initiated_column),
            value,
        ),
    ]
    return (
        " ".join(f"WHEN {c} THEN {text_literal(r)}" for c, r, _, _ in rejects),
        " ".join(f"WHEN {c} THEN {col}" for c, _, col, _ in rejects),
        " ".join(f"WHEN {c} THEN {v}" for c, _, _, v in rejects),
    )


def check_rejected_share(
    con: Any, staged: StagedSource, accounting: Accounting, source: Source
) -> None:
    """Stop the audit when a larger share of the source's rows than its `max_rejected` is
    rejected or holds a value that cannot be read: its records are then mostly misread (a
    day-first date read month-first cannot read the days after the 12th and misdates the
    rest), and no count would mean much. An impossible value (a negative duration, an end
    before its start) is the export's error, not the mapping's, and does not count."""
    read = accounting.read
    if not read:
        return
    invalid = quote(f"invalid_{staged.name}")
    by_field = accounting.invalid_by_field
    unparseable = any(reasons.get("unparseable") for reasons in by_field.values())
    unreadable_rows = (
        int(
            con.execute(
                f"SELECT count(*) FROM (SELECT DISTINCT _file_index, _row FROM {invalid} "
                "WHERE reason = 'unparseable') AS unreadable"
            ).fetchone()[0]
        )
        if unparseable
        else 0
    )
    problems = staged.event_problems
    if problems is not None:
        _check_event_log_share(con, staged, accounting, source, problems, unreadable_rows)
        return
    unusable = accounting.rejected + unreadable_rows
    if unusable / read <= source.max_rejected:
        return
    causes = dict(accounting.rejects_by_reason)
    for field_name, reasons in accounting.invalid_by_field.items():
        if reasons.get("unparseable"):
            causes[f"unparseable {field_name}"] = reasons["unparseable"]
    cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
    example = _first_example(con, staged, cause)
    where = (
        (f"row {example.row}" if example.row is not None else f"line {example.line}")
        + (f" of {Path(example.file).name}" if len(staged.files) > 1 else "")
        + (f", column {example.column!r}" if example.column else "")
        + (f", value {_shortened(example.value)!r}" if example.value is not None else "")
        if example is not None
        else "no example kept"
    )
    hint = "set max_rejected: on the source to accept more"
    field_name = cause.removeprefix("unparseable").removeprefix("_").strip()
    if cause.startswith("unparseable") and CANONICAL_FIELDS.get(field_name) is FieldType.TIMESTAMP:
        hint = (
            f"check the format: of {field_name} (a day-first date read month-first, or the "
            f"reverse?), or {hint}"
        )
    what = "records rejected" if not unreadable_rows else "records rejected or unreadable"
    raise RecordsError(
        f"{unusable:,} of {read:,} {what} ({_percent(unusable / read)}, more than "
        f"max_rejected {_percent(source.max_rejected)}); mostly {cause} ({count:,}), first "
        f"at {where}: {hint}",
        staged.files[0] if len(staged.files) == 1 else str(Path(staged.files[0]).parent),
    )


def _check_event_log_share(
    con: Any,
    staged: StagedSource,
    accounting: Accounting,
    source: Source,
    problems: EventProblems,
    unreadable_cases: int,
) -> None:
    """max_rejected on an event log, checked twice, each share at most max_rejected:

    - of the events read, those it could not use: rows the file parser could not split, events
      with no case, and events whose time cannot be read;
    - of the cases, those rejected (no readable start) or holding a value that cannot be read
      (an invalid `first_at` an unreadable event decides, say), as for a contact record.
    """
    label = staged.files[0] if len(staged.files) == 1 else str(Path(staged.files[0]).parent)
    limit = source.max_rejected
    malformed = staged.raw.malformed
    events_read = accounting.read
    unusable = malformed + problems.without_case + problems.unreadable
    if unusable / events_read > limit:
        causes = {
            "malformed_row": malformed,
            "missing case": problems.without_case,
            "unparseable event time": problems.unreadable,
        }
        cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
        where = ""
        if cause == "unparseable event time" and problems.unreadable_sample:
            _file, row, column, value = problems.unreadable_sample[0]
            where = f", first at row {row}, column {column!r}, value {_shortened(value)!r}"
        hint = (
            "check events.format (a day-first date read month-first, or the reverse?), or "
            if cause == "unparseable event time"
            else ""
        )
        raise RecordsError(
            f"{unusable:,} of {events_read:,} events unusable ({_percent(unusable / events_read)}"
            f", more than max_rejected {_percent(limit)}); mostly {cause} ({count:,}){where}: "
            f"{hint}set max_rejected: on the source to accept more",
            label,
        )
    cases = accounting.cases - problems.without_case
    rejected_cases = accounting.rejected - malformed - problems.without_case
    unusable = rejected_cases + unreadable_cases
    if cases and unusable / cases > limit:
        causes = dict(accounting.rejects_by_reason)
        causes.pop("malformed_row", None)
        if "missing_contact_id" in causes:
            causes["missing_contact_id"] -= problems.without_case
        for field_name, reasons in accounting.invalid_by_field.items():
            if field_name != EVENT_AT and reasons.get("unparseable"):
                causes[f"unparseable {field_name}"] = reasons["unparseable"]
        cause, count = max(causes.items(), key=lambda item: (item[1], item[0]))
        example = _first_example(con, staged, cause)
        where = (
            f", first at row {example.row}"
            + (f", column {example.column!r}" if example.column else "")
            + (f", value {_shortened(example.value)!r}" if example.value is not None else "")
            if example is not None
            else ""
        )
        raise RecordsError(
            f"{unusable:,} of {cases:,} cases rejected or unreadable "
            f"({_percent(unusable / cases)}, more than max_rejected {_percent(limit)}); mostly "
            f"{cause} ({count:,}){where}: set max_rejected: on the source to accept more",
            label,
        )


def _first_example(con: Any, staged: StagedSource, cause: str) -> Reject | None:
    """The first row of a cause: a reject reason, or `unparseable <field>`."""
    if not cause.startswith("unparseable "):
        return _first_reject(con, staged, cause)
    row = con.execute(
        f"SELECT _file, _row, source_column, value FROM {quote(f'invalid_{staged.name}')} "
        f"WHERE reason = 'unparseable' AND field = {text_literal(cause.split(' ', 1)[1])} "
        "ORDER BY _file_index, _row LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    file, number, column, value = row
    return Reject(str(file), int(number), None, column, cause, value)


def _first_reject(con: Any, staged: StagedSource, reason: str) -> Reject | None:
    if reason == "malformed_row":
        return staged.parser_rejects[0] if staged.parser_rejects else None
    row = con.execute(
        f"SELECT _file, _row, _reject_column, _reject_value FROM {staged.table} "
        f"WHERE _reject = {text_literal(reason)} ORDER BY _file_index, _row LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    file, number, column, value = row
    return Reject(str(file), int(number), None, column, reason, value)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".0%", "%")


def _shortened(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."
