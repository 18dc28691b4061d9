"""What the kind tests share: instants in 2026, one record's outcome, and the Wilson interval.

The interval is computed here from its formula, never with the tool's own function, so a test
that compares the two checks the tool against the rules of docs/records.md, not against itself.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist
from typing import Any

import yaml

from promise_audit.audit import audit
from promise_audit.results import PromiseResult
from tests.conftest import with_other_records_filled, write_csv

AS_OF = "2026-10-10T00:00:00+00:00"  # the audit_one fixture's default as_of (a Saturday)


def at(moment: str) -> str:
    """'10-09 20:00' or '10-09 20:00:01' -> that instant of 2026, in UTC, as ISO 8601."""
    day, clock = moment.split(" ")
    if clock.count(":") == 1:
        clock += ":00"
    return f"2026-{day}T{clock}+00:00"


def outcome(result: PromiseResult) -> str:
    """What happened to the one record of a single-record export, as a table reads it.

    'outside' (not in the population), 'kept', 'pending', 'broken:<reason>' or
    'excluded:<reason>'.
    """
    assert result.population <= 1, f"expected at most one record, got {result.population}"
    if result.population == 0:
        return "outside"
    if result.kept:
        return "kept"
    if result.pending:
        return "pending"
    if result.broken:
        (reason,) = result.broken_by_reason
        return f"broken:{reason}"
    (reason,) = result.excluded_by_reason
    return f"excluded:{reason}"


def counts(result: PromiseResult) -> tuple[int, int, int, int]:
    """(kept, broken, pending, excluded)."""
    return result.kept, result.broken, result.pending, result.excluded


def wilson(kept: int, decided: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of kept / decided, from the textbook formula."""
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = kept / decided
    centre = p + z**2 / (2 * decided)
    spread = z * math.sqrt(p * (1 - p) / decided + z**2 / (4 * decided**2))
    denominator = 1 + z**2 / decided
    return (centre - spread) / denominator, (centre + spread) / denominator


OFFICE_HOURS = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}


def audit_on_calendar(
    directory: Path,
    rows: list[dict[str, Any]],
    promise: dict[str, Any],
    *,
    calendar: dict[str, Any] = OFFICE_HOURS,
    as_of: str = AS_OF,
) -> PromiseResult:
    """Like the audit_one fixture, for one promise measured on the calendar `office`."""
    write_csv(directory / "contacts.csv", with_other_records_filled(rows))
    document = {
        "organization": "Test Co",
        "timezone": "UTC",
        "as_of": as_of,
        "sources": {"contacts": {"path": "contacts.csv"}},
        "calendars": {"office": calendar},
        "promises": [{"id": "p", **promise, "calendar": "office"}],
    }
    path = directory / "promises.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (result,) = audit(path).promises
    assert result.population == result.kept + result.broken + result.pending + result.excluded
    return result
