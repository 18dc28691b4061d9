"""The values the records pipeline hands on: a source staged (read and parsed), a source
loaded (its records, ready for the engine), and the accounting of every input record, with
the rejects and invalid values it names. Results and renderers read these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from promise_audit.records.events import EventProblems
from promise_audit.records.raw import RawRead
from promise_audit.records.schema import FieldType

# how many rejects (and invalid values) a source's accounting keeps as examples
REJECT_SAMPLE = 100
# the field an event log's unreadable event times are counted under (invalid_by_field)
EVENT_AT = "event_at"


@dataclass(frozen=True)
class Reject:
    file: str
    row: int | None  # data row (header excluded), 1-based
    line: int | None  # physical line, where the CSV parser rejected the row
    column: str | None
    reason: str
    value: str | None


@dataclass(frozen=True)
class InvalidValue:
    """A value of a used record that cannot be read or cannot be true: the record is used,
    and this one field is missing for it."""

    file: str
    row: int  # data row (header excluded), 1-based
    field: str  # the canonical field
    column: str  # where it comes from in the export
    reason: str  # unparseable, out_of_range, negative, before_<start field>
    value: str | None


@dataclass(frozen=True)
class Accounting:
    read: int
    rejected: int
    duplicates: int
    out_of_period: int
    used: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    reject_sample: tuple[Reject, ...] = ()
    files: tuple[str, ...] = ()
    stitched: int = 0
    # an event log: events read = folded (into a case's row) + case rows (then used, ...)
    folded: int = 0
    cases: int = 0
    # invalid values of the used records (each removes one field of one record, no record)
    invalid: int = 0
    invalid_by_field: dict[str, dict[str, int]] = field(default_factory=dict)
    invalid_sample: tuple[InvalidValue, ...] = ()
    fields_checked: tuple[str, ...] = ()  # canonical fields read and checked, the others unread
    fields_empty: tuple[str, ...] = ()  # given by the source, but empty on every record it holds

    def reconciles(self) -> bool:
        return self.read == (
            self.rejected
            + self.duplicates
            + self.out_of_period
            + self.used
            + self.stitched
            + self.folded
        )


@dataclass(frozen=True)
class StagedSource:
    """A source read and parsed, before as_of is known."""

    name: str
    table: str  # parsed, not yet de-duplicated
    available: frozenset[str]
    attributes: tuple[str, ...]
    provided: frozenset[str]
    files: tuple[str, ...]
    raw: RawRead
    parser_rejects: tuple[Reject, ...]
    columns: tuple[str, ...] = ()  # the source's columns, as read
    # per-case attributes an event log derives (a count, a duration), typed for expressions
    attribute_types: dict[str, FieldType] = field(default_factory=dict)
    # fields checked for invalid values (each has `_invalid_<field>` and `_bad_<field>`
    # columns in the parsed table), and the source column each comes from
    checked: Mapping[str, str] = field(default_factory=dict)
    # an event log's events it could not use (records/events.py)
    event_problems: EventProblems | None = None
    # each canonical field read from the export, and where from, as a person reads it
    source_columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedRecords:
    name: str
    table: str
    available: frozenset[str]  # canonical fields the records have (mapped or derived)
    attributes: tuple[str, ...]  # other source columns, kept as text scope attributes
    accounting: Accounting
    # the fields checked that are not text, and the fields derived from them: the table has
    # `_invalid_<field>`, the reason (NULL where the value is valid or missing)
    invalid_fields: frozenset[str] = frozenset()
    # those of them invalid on some record (the others' column is null on every record)
    invalid_found: frozenset[str] = frozenset()
    attribute_types: dict[str, FieldType] = field(default_factory=dict)  # not text ones
    # each canonical field read from the export, and where from, as a person reads it
    source_columns: Mapping[str, str] = field(default_factory=dict)
    # the earliest initiated_at of the records used (None: no record is used)
    first_initiated_at: dt.datetime | None = None
