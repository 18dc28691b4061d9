"""The promise file's models (described in the README and docs/), validated with pydantic at
the edge.

Each promise kind extends `PromiseSpec` with its own options (see `promise_audit.kinds`), so a
misspelt option is an error at its line, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from promise_audit.promises.units import Fraction, duration_text, written_unit
from promise_audit.records.formats import FORMAT_NAMES


def _known_format(value: Any) -> Any:
    """A source's `format:` is one of the registered formats (records/formats/)."""
    if value in FORMAT_NAMES:
        return value
    close = get_close_matches(value, FORMAT_NAMES, n=1) if isinstance(value, str) else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    expected = ", ".join(repr(name) for name in FORMAT_NAMES[:-1])
    raise ValueError(f"got {value!r}{hint}, expected {expected} or {FORMAT_NAMES[-1]!r}")


# the formats' names, from the one table of them (a plain str to the type checker)
SourceFormat = Annotated[
    str,
    BeforeValidator(_known_format),
    WithJsonSchema({"type": "string", "enum": list(FORMAT_NAMES)}),
]

Severity = Literal["critical", "major", "minor"]
DurationUnit = Literal["s", "ms", "min", "h", "hms"]


def _date_or_instant(value: Any) -> Any:
    """`2026-10-02` is a whole day (a date), not midnight; anything else is an instant."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return dt.date.fromisoformat(value.strip())
    return value


DateOrInstant = Annotated[dt.datetime | dt.date, BeforeValidator(_date_or_instant)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@lru_cache(maxsize=1)
def _zone_names() -> list[str]:
    return sorted(available_timezones())


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        from difflib import get_close_matches

        close = get_close_matches(name, _zone_names(), n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ValueError(f"unknown time zone {name!r}{hint}") from None
    return name


# How an event log's events give one value per case (see records/events.py)
EVENT_DERIVATIONS = ("first", "last", "first_at", "last_at", "changes", "max", "time_in")


class ColumnMapping(Strict):
    """Where a canonical field comes from: one of column, const, date (+ time), expr, or (in a
    source with `events:`) one of the event derivations."""

    column: str | None = None
    const: str | int | float | bool | None = None
    date: str | None = None
    time: str | None = None
    expr: str | None = None
    # event logs: a column's value on the case's first / last event that has one
    first: str | None = None
    last: str | None = None
    # event logs: the time of the first / last event where a condition holds
    first_at: str | None = None
    last_at: str | None = None
    # event logs: how many times a column's value changed; its largest value (a number)
    changes: str | None = None
    max: str | None = None
    # event logs: seconds spent while a condition held (from its event to the next event)
    time_in: str | None = None
    unit: DurationUnit | None = None
    format: str | None = None
    null_if: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"column": value}
        return value

    @model_validator(mode="after")
    def _exactly_one_origin(self) -> ColumnMapping:
        origins = [
            name
            for name in ("column", "const", "date", "expr", *EVENT_DERIVATIONS)
            if getattr(self, name) is not None or name in self.model_fields_set
        ]
        if len(origins) != 1:
            raise ValueError(
                "a column mapping is a column name, or exactly one of "
                "{column: NAME}, {const: VALUE}, {date: COLUMN, time: COLUMN}, {expr: EXPRESSION}"
                " (and, in a source with events:, one of "
                + ", ".join(EVENT_DERIVATIONS)
                + ")"
                + (f"; got {', '.join(origins)}" if origins else "")
            )
        if self.time is not None and self.date is None:
            raise ValueError("'time' needs 'date': {date: DATE_COLUMN, time: TIME_COLUMN}")
        return self

    @property
    def derivation(self) -> tuple[str, str] | None:
        """(event derivation, its column or condition), or None for a plain mapping."""
        for name in EVENT_DERIVATIONS:
            value = getattr(self, name)
            if value is not None:
                return name, value
        return None


class EventLog(Strict):
    """A source with one row per update of a case: which column names the case, when each
    event happened (`format` reads it, as a column mapping's format), and a counter that
    orders events logged in the same instant."""

    case: str
    at: str
    order: str | None = None
    format: str | None = None


_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_variables(path: str) -> str:
    """`${NAME}` and `${NAME:-default}` in a source path, from the environment, so one promise
    file runs wherever its data is (the examples read `${PROMISE_AUDIT_DATA:-data}`)."""
    import os

    def value(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        found = os.environ.get(name)
        if found:
            return found
        if default is None:
            raise ValueError(
                f"the path uses ${{{name}}}, which is not set: set it, or write "
                f"${{{name}:-DEFAULT}}"
            )
        return default

    return _VARIABLE.sub(value, path)


class Source(Strict):
    path: str | None = None
    table: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$"
    )
    # the database the table is in; the audit then runs there (postgresql://user@host/db)
    url: str | None = Field(default=None, pattern=r"^(?i:postgres(ql)?)://")
    format: SourceFormat | None = None
    timezone: str | None = None
    columns: dict[str, ColumnMapping] = Field(default_factory=dict)
    null_values: tuple[str, ...] = ("",)
    delimiter: str | None = None
    encoding: str = "utf-8"
    events: EventLog | None = None
    # the share of rows that may be rejected before the audit stops (100% never stops)
    max_rejected: Fraction = 0.01

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(
                f"unknown text encoding {value!r}: use e.g. utf-8, cp1252, latin-1 or utf-16"
            ) from None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("path")
    @classmethod
    def _variables(cls, value: str | None) -> str | None:
        return None if value is None else expand_variables(value)

    @model_validator(mode="after")
    def _path_or_table(self) -> Source:
        if (self.path is None) == (self.table is None):
            raise ValueError(
                "a source is a file (path: FILE) or a table of the engine's database "
                "(table: [schema.]NAME), exactly one of them"
            )
        if self.url is not None and self.table is None:
            raise ValueError("url: names the database of a table: give table: [schema.]NAME")
        if self.events is None:
            for field_name, mapping in self.columns.items():
                if mapping.derivation is not None:
                    raise ValueError(
                        f"columns.{field_name}: {mapping.derivation[0]!r} derives a value from "
                        "a case's events: declare the event log first (events: {case: COLUMN, "
                        "at: COLUMN})"
                    )
        return self


_DAY_RANGE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class Holidays(Strict):
    country: str
    subdivision: str | None = None


class Calendar(Strict):
    timezone: str
    hours: dict[str, tuple[str, ...]]
    holidays: Holidays | None = None
    closed: tuple[dt.date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for days, ranges in value.items():
            if not _DAY_RANGE.match(days):
                raise ValueError(f"{days!r} is not a day or range of days such as mon-fri or sat")
            for hours in ranges:
                if not _HOURS.match(hours):
                    raise ValueError(f"{hours!r} is not a range of hours such as 09:00-17:00")
        return value


class Scope(BaseModel):
    """Field filters (`channel: [phone]`) and an optional `where` expression."""

    model_config = ConfigDict(extra="allow", frozen=True)

    where: str | None = None

    def filters(self) -> dict[str, tuple[str | int | float | bool, ...]]:
        result: dict[str, tuple[str | int | float | bool, ...]] = {}
        for name, value in (self.model_extra or {}).items():
            result[name] = tuple(value) if isinstance(value, list | tuple) else (value,)
        return result

    @model_validator(mode="after")
    def _scalar_values(self) -> Scope:
        for name, value in (self.model_extra or {}).items():
            values = value if isinstance(value, list | tuple) else [value]
            if not values or not all(
                isinstance(v, str | int | float | bool) and v is not None for v in values
            ):
                raise ValueError(
                    f"scope filter {name!r} takes a value or a list of values, got {value!r}"
                )
        return self


class CompareWith(Strict):
    """The platform's own verdict on each record, to reconcile the audit with: a column that
    reads true / false (yes/no, 1/0), or a condition `kept_when` over the record (with a
    `column`, a record whose column is missing has no platform verdict)."""

    column: str | None = None
    kept_when: str | None = None
    label: str = "platform"

    @model_validator(mode="after")
    def _a_column_or_a_condition(self) -> CompareWith:
        if self.column is None and self.kept_when is None:
            raise ValueError(
                "compare_with names the platform's verdict: {column: COLUMN} (true/false), "
                "or {kept_when: CONDITION}, or both"
            )
        return self


class Reported(Strict):
    """A figure the organisation published for this promise (a dashboard's 92%)."""

    value: Fraction
    by: str | None = None  # who published it, where, for which period
    convention: str | None = None  # how they say they counted, in their words


class PromiseSpec(Strict):
    """What every promise has, whatever its kind."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: str
    title: str | None = None
    statement: str | None = None
    published_in: str | None = None
    url: str | None = None
    owner: str | None = None
    severity: Severity = "major"
    scope: Scope | None = None
    effective_from: DateOrInstant | None = None
    effective_to: DateOrInstant | None = None
    target: Fraction = 1.0
    warn_below: Fraction | None = None
    blocking: bool = True
    source: str = "contacts"
    calendar: str | None = None
    compare_with: CompareWith | None = None
    reported: Reported | None = None
    # what the file wrote for each option, so a limit of 5d reads "5 days", never "120 hours"
    _written: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_written(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        spec = handler(data)
        if isinstance(data, dict) and isinstance(spec, PromiseSpec):
            spec._written = dict(data)
        return spec

    def written(self, name: str) -> Any:
        """The option as the promise file wrote it ('5d'), or None when the file left it out."""
        return self._written.get(name)

    def words(self, name: str) -> str:
        """A duration option in the unit the promise file used: `limit: 5d` -> '5 days'."""
        value = getattr(self, name)
        return duration_text(float(value), written_unit(self._written.get(name)))


class Waiver(Strict):
    """A broken promise the organisation knows about: it does not fail the run until `expires`
    (the waiver holds through that day)."""

    promise: str
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    expires: dt.date

    @field_validator("expires", mode="before")
    @classmethod
    def _a_day(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            raise ValueError(f"expires is a day such as 2026-12-31, got {value.isoformat()!r}")
        return value


class ReportSettings(Strict):
    """Branding of the gap report written by `check` (--report, --output html/md/pdf)."""

    client: str | None = None
    prepared_by: str | None = None
    logo: str | None = None  # a PNG, JPEG, GIF, WebP or SVG file, relative to the promise file
    accent: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")

    def renderer_options(self, base_dir: Path) -> dict[str, Any]:
        """The keyword arguments of the report renderers (`render.formats.write_report`)."""
        return {
            "client": self.client,
            "prepared_by": self.prepared_by,
            "accent": self.accent,
            "logo": None if self.logo is None else base_dir / self.logo,
        }


class PromiseFileModel(Strict):
    organization: str
    timezone: str = "UTC"
    as_of: DateOrInstant | None = None
    engine: str = "duckdb"
    sources: dict[str, Source]
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    promises: list[dict[str, Any]]
    waivers: list[Waiver] = Field(default_factory=list)
    report: ReportSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("promises")
    @classmethod
    def _not_empty(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise ValueError("a promise file declares at least one promise")
        return value

    @field_validator("sources")
    @classmethod
    def _some_source(cls, value: dict[str, Source]) -> dict[str, Source]:
        if not value:
            raise ValueError("a promise file declares at least one source")
        return value

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        from promise_audit.engine.backends import parse_engine

        parse_engine(value)
        return value
