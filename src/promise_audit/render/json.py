"""The JSON result: the stable, versioned contract (docs/report.md says what each version
changed)."""

from __future__ import annotations

import json
import sys
from contextvars import ContextVar
from dataclasses import MISSING, asdict, fields, is_dataclass
from pathlib import Path
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from promise_audit import __version__
from promise_audit.errors import UsageError
from promise_audit.reconciliation import Agreement, ReportedFigure
from promise_audit.records.types import Accounting, InvalidValue, Reject
from promise_audit.render.reconcile import reconcile_dict
from promise_audit.results import (
    AuditResult,
    BaselineInfo,
    Evidence,
    PromiseResult,
    TrendPoint,
    Waiver,
)

# 2: compliance_worst, compliance_best, verdict_reason and verdict_note; `kept` now means kept
# even with every record excluded for missing data counted broken (docs/report.md).
# Also in 2: a value that cannot be read or cannot be true no longer rejects its record (it is
# an invalid value, counted under `invalid`); `rejects_by_reason` counts only records that
# cannot be contacts.
SCHEMA_VERSION = 2


def accounting_dict(accounting: Accounting) -> dict[str, Any]:
    data = {
        "read": accounting.read,
        "rejected": accounting.rejected,
        "duplicates": accounting.duplicates,
        "out_of_period": accounting.out_of_period,
        "used": accounting.used,
        "stitched": accounting.stitched,
        "rejects_by_reason": accounting.rejects_by_reason,
        "rejects": [asdict(r) for r in accounting.reject_sample],
        "files": list(accounting.files),
        "invalid": accounting.invalid,
        "invalid_by_field": accounting.invalid_by_field,
        "invalid_values": [asdict(v) for v in accounting.invalid_sample],
        "fields_checked": list(accounting.fields_checked),
        "fields_empty": list(accounting.fields_empty),
    }
    if accounting.cases:
        # an event log: read = folded + the case rows (used, rejected or out of period)
        data["folded"] = accounting.folded
        data["cases"] = accounting.cases
    return data


def promise_dict(promise: PromiseResult) -> dict[str, Any]:
    data = {
        "id": promise.id,
        "kind": promise.kind,
        "verdict": promise.verdict,
        "population": promise.population,
        "kept": promise.kept,
        "broken": promise.broken,
        "pending": promise.pending,
        "excluded": promise.excluded,
        "compliance": promise.compliance,
        "ci_low": promise.ci_low,
        "ci_high": promise.ci_high,
        "compliance_worst": promise.compliance_worst,
        "compliance_best": promise.compliance_best,
        "verdict_reason": promise.verdict_reason,
        "verdict_note": promise.verdict_note,
        "target": promise.target,
        "warn_below": promise.warn_below,
        "gap_is_clear": promise.gap_is_clear,
        "blocking": promise.blocking,
        "severity": promise.severity,
        "title": promise.title,
        "statement": promise.statement,
        "published_in": promise.published_in,
        "url": promise.url,
        "owner": promise.owner,
        "source": promise.source,
        "line": promise.line,
        "column": promise.column,
        "sentence": promise.sentence,
        "excluded_by_reason": promise.excluded_by_reason,
        "broken_by_reason": promise.broken_by_reason,
        "missing_fields": list(promise.missing_fields),
        "distribution": asdict(promise.distribution) if promise.distribution else None,
        "debt_seconds": promise.debt_seconds,
        "histogram": [asdict(b) for b in promise.histogram],
        "hour_grid": [asdict(c) for c in promise.hour_grid],
        "promised_hours": [list(cell) for cell in promise.promised_hours],
        "weakest_links": [
            {**asdict(link), "compliance": link.compliance} for link in promise.weakest_links
        ],
        "trend_period": promise.trend_period,
        "trend": [{**asdict(point), "compliance": point.compliance} for point in promise.trend],
        "evidence": [{**asdict(e), "details": dict(e.details)} for e in promise.evidence],
        "ratings": [asdict(r) for r in promise.ratings],
        "rule": promise.rule,
        "terms": dict(promise.terms),
        "convention": promise.convention,
    }
    data.update(reconcile_dict(promise))
    if promise.waived is not None:  # waivers applied (waivers.apply_waivers)
        data["waiver"] = None if promise.waiver is None else asdict(promise.waiver)
        data["waived"] = promise.waived
    if promise.baseline is not None:  # compared with a baseline (baseline.apply_baseline)
        data["baseline"] = asdict(promise.baseline)
    return data


def to_dict(result: AuditResult) -> dict[str, Any]:
    data = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "promise-audit", "version": result.tool_version or __version__},
        "organization": result.organization,
        "promise_file": result.promise_file,
        "timezone": result.timezone,
        "as_of": result.as_of,
        "engine": result.engine,
        "records": accounting_dict(result.records),
        "sources": {name: accounting_dict(a) for name, a in sorted(result.sources.items())},
        "promises": [promise_dict(p) for p in result.promises],
    }
    if result.waivers is not None:
        data["waivers"] = [asdict(w) for w in result.waivers]
    if result.baseline is not None:
        data["baseline"] = {**asdict(result.baseline), "removed": list(result.baseline.removed)}
    return data


def dumps(data: dict[str, Any]) -> str:
    """The JSON result as text: the one layout every JSON output shares."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_json(result: AuditResult) -> str:
    return dumps(to_dict(result))


# ---------------------------------------------------------------------------------------------
# Reading a JSON result back: the same value, or a one-line error


def load_result(path: Path) -> AuditResult:
    """A JSON result saved by `promise-audit check --format json` ('-' reads standard input)."""
    return from_dict(load_result_dict(path), source=str(path))


def load_result_dict(path: Path) -> dict[str, Any]:
    """The JSON object of a saved result, checked only for being one (any schema version)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as error:
        raise UsageError(f"{path}: cannot read it ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or "schema_version" not in data or "promises" not in data:
        raise UsageError(f"{path}: not a promise-audit JSON result (no schema_version/promises)")
    return data


def from_json(text: str, *, source: str = "the result") -> AuditResult:
    """A JSON result's text (what `render_json` writes) as the value it was written from;
    UsageError in one line, naming `source`, when it is not one this version reads."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{source}: not JSON ({error})") from None
    return from_dict(data, source=source)


def from_dict(data: Any, *, source: str = "the result") -> AuditResult:
    """The value `to_dict` was made from; UsageError naming what is wrong (one line).

    A schema 1 result (written before invalid values were counted apart) reads too, with the
    values it lacks at their defaults; a newer schema is an error."""
    if not isinstance(data, dict) or "schema_version" not in data:
        raise UsageError(f"{source}: not a promise-audit JSON result (no schema_version)")
    version = data["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise UsageError(f"{source}: schema_version {version!r} is not a promise-audit version")
    if version > SCHEMA_VERSION:
        raise UsageError(
            f"{source}: schema_version {version} is newer than this promise-audit reads "
            f"({SCHEMA_VERSION}): upgrade promise-audit"
        )
    older = _OLDER_SCHEMA.set(version < SCHEMA_VERSION)
    try:
        return _result(data, version)
    except _Invalid as error:
        raise UsageError(f"{source}: not a promise-audit JSON result: {error}") from None
    finally:
        _OLDER_SCHEMA.reset(older)


class _Invalid(ValueError):
    pass


def _shown(value: Any) -> str:
    """A value in an error message: its repr, cut short (the message stays one short line)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _typed(value: Any, hint: Any, where: str) -> Any:
    """`value` checked against a dataclass field's type; lists become tuples where it says so."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return value
    if origin in (Union, UnionType):
        for option in args:
            try:
                return _typed(value, option, where)
            except _Invalid:
                continue
        raise _Invalid(f"{where} is {_shown(value)}")
    if origin is Literal:
        if value in args:
            return value
        raise _Invalid(f"{where} is {_shown(value)}, not one of {', '.join(map(repr, args))}")
    if hint is type(None):
        if value is None:
            return None
    elif hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:  # a number as the JSON wrote it (an int stays an int, so bytes match)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif hint is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        if isinstance(value, list):
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(_typed(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
            if len(args) == len(value):
                pairs = enumerate(zip(value, args, strict=True))
                return tuple(_typed(v, a, f"{where}[{i}]") for i, (v, a) in pairs)
    elif origin is dict:
        if isinstance(value, dict):
            return {str(k): _typed(v, args[1], f"{where}.{k}") for k, v in value.items()}
    elif isinstance(hint, type) and is_dataclass(hint):
        return _dataclass(hint, value, where)
    raise _Invalid(f"{where} is {_shown(value)}")


_HINTS: dict[type, dict[str, Any]] = {}
# keys a result of this schema may leave out: an accounting's event-log counts (only where there
# are cases); a result of an older schema may leave out any value that has a default
_OPTIONAL_KEYS = frozenset({"folded", "cases"})
_OLDER_SCHEMA: ContextVar[bool] = ContextVar("older_schema", default=False)
T = TypeVar("T")


def _dataclass(cls: type[T], value: Any, where: str, **given: Any) -> T:
    """A dataclass from its JSON object: every field read (but those in `given`), each
    checked; keys the object has beyond them (derived values) are left."""
    if not isinstance(value, dict):
        raise _Invalid(f"{where} is {_shown(value)}, not an object")
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    values = dict(given)
    for item in fields(cls):  # type: ignore[arg-type]  # every caller passes a dataclass
        if item.name in given:
            continue
        if item.name not in value:
            defaulted = item.default is not MISSING or item.default_factory is not MISSING
            if defaulted and (_OLDER_SCHEMA.get() or item.name in _OPTIONAL_KEYS):
                continue
            raise _Invalid(f"{where} has no {item.name!r}")
        values[item.name] = _typed(value[item.name], hints[item.name], f"{where}.{item.name}")
    return cls(**values)


def _pairs(value: Any, where: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(value, dict):
        raise _Invalid(f"{where} is {_shown(value)}, not an object")
    return tuple((str(k), v) for k, v in value.items())


def _get(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise _Invalid(f"{where} has no {key!r}")
    return data[key]


def _accounting(data: Any, where: str) -> Accounting:
    if not isinstance(data, dict):
        raise _Invalid(f"{where} is {_shown(data)}, not an object")
    rejects = _typed(_get(data, "rejects", where), tuple[Reject, ...], f"{where}.rejects")
    invalid = _typed(  # not in a schema 1 result
        data.get("invalid_values", []), tuple[InvalidValue, ...], f"{where}.invalid_values"
    )
    return _dataclass(
        Accounting,
        data,
        where,
        reject_sample=rejects,
        invalid_sample=invalid,
    )


def _promise(data: Any, where: str) -> PromiseResult:
    if not isinstance(data, dict):
        raise _Invalid(f"{where} is {_shown(data)}, not an object")
    given: dict[str, Any] = {
        "terms": _pairs(data.get("terms", {}), f"{where}.terms"),  # not in a schema 1 result
        "trend": tuple(
            # a schema 1 result has weeks, each under "week"
            _dataclass(TrendPoint, {"start": row.get("week"), **row}, f"{where}.trend[{i}]")
            if isinstance(row, dict) and "start" not in row
            else _dataclass(TrendPoint, row, f"{where}.trend[{i}]")
            for i, row in enumerate(_list(_get(data, "trend", where), f"{where}.trend"))
        ),
        "evidence": tuple(
            _dataclass(
                Evidence,
                row,
                f"{where}.evidence[{i}]",
                details=_pairs(row.get("details") if isinstance(row, dict) else None, "details"),
            )
            for i, row in enumerate(_list(_get(data, "evidence", where), f"{where}.evidence"))
        ),
        "agreement": None,
        "reported": None,
    }
    if "agreement" in data:
        given["agreement"] = _typed(data["agreement"], Agreement, f"{where}.agreement")
    if "reported" in data:
        reported = data["reported"]
        accounted = tuple(
            (
                _typed(_get(c, "convention", f"{where}.reported"), str, "convention"),
                _typed(_get(c, "compliance", f"{where}.reported"), float | None, "compliance"),
                _typed(
                    _get(c, "share_of_difference", f"{where}.reported"),
                    float | None,
                    "share_of_difference",
                ),
            )
            for c in _list(_get(reported, "conventions", f"{where}.reported"), "conventions")
        )
        given["reported"] = _dataclass(
            ReportedFigure, reported, f"{where}.reported", accounted=accounted
        )
    if "trend_period" not in data:  # a schema 1 result: its trend is by week
        given["trend_period"] = "week"
    for key in ("waiver", "waived", "baseline"):
        if key not in data:
            given[key] = None
    return _dataclass(PromiseResult, data, where, **given)


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(f"{where} is {_shown(value)}, not a list")
    return value


def _result(data: dict[str, Any], version: int) -> AuditResult:
    tool = data.get("tool")
    tool_version = tool.get("version") if isinstance(tool, dict) else None
    if not isinstance(tool_version, str):
        tool_version = None
    sources = _get(data, "sources", "the result")
    if not isinstance(sources, dict):
        raise _Invalid(f"sources is {_shown(sources)}, not an object")
    waivers = None
    if "waivers" in data:
        waivers = _typed(data["waivers"], tuple[Waiver, ...], "waivers")
    baseline = None
    if "baseline" in data:
        baseline = _typed(data["baseline"], BaselineInfo, "baseline")
    return AuditResult(
        organization=_typed(_get(data, "organization", "the result"), str, "organization"),
        promise_file=_typed(_get(data, "promise_file", "the result"), str, "promise_file"),
        timezone=_typed(_get(data, "timezone", "the result"), str, "timezone"),
        as_of=_typed(_get(data, "as_of", "the result"), str | None, "as_of"),
        engine=_typed(_get(data, "engine", "the result"), str, "engine"),
        records=_accounting(_get(data, "records", "the result"), "records"),
        sources={str(k): _accounting(v, f"sources.{k}") for k, v in sources.items()},
        promises=tuple(
            _promise(p, f"promises[{i}]")
            for i, p in enumerate(_list(_get(data, "promises", "the result"), "promises"))
        ),
        waivers=waivers,
        baseline=baseline,
        tool_version=None if tool_version == __version__ else tool_version,
        read_from_schema=None if version == SCHEMA_VERSION else version,
    )
