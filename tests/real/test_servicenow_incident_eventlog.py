"""servicenow-incident-eventlog: 5,004 events of 732 incidents, folded per incident, audited
and reconciled with ServiceNow's own verdict (made_sla).

Expected figures come from the raw CSV, read with the csv module: each incident's events are
ordered by their update time (day-first dates, no zero padding), then by sys_mod_count, then
by file row; '?' is a missing value. The incident's record: opened_at, caller_id, contact_type
and category from its first event that has them; priority and made_sla from its last event;
resolved_at the time of its last event in state Resolved; transfers the largest
reassignment_count.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from typing import Any

import pytest

from promise_audit.audit import audit
from tests.real._support import (
    EXAMPLES,
    REAL_DATA,
    Tally,
    counts_of,
    deadline_outcome,
    needs_folder,
    promise_of,
    repeat_outcomes,
    source_path,
)

FOLDER = "servicenow-incident-eventlog"
pytestmark = needs_folder(FOLDER)

EXAMPLE = EXAMPLES / "servicenow-incident-eventlog.yaml"
RAW = REAL_DATA / FOLDER / "incident_event_log_head.csv"
AS_OF = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)

# id: (priority on the incident's last event, limit, target)
RESOLUTION = {
    "p1-5h": ("1 - Critical", dt.timedelta(hours=5), 0.95),
    "p2-1d": ("2 - High", dt.timedelta(hours=24), 0.90),
    "p3-90h": ("3 - Moderate", dt.timedelta(hours=90), 0.90),
    "p4-90h": ("4 - Low", dt.timedelta(hours=90), 0.90),
}


def value(row: dict[str, str], column: str) -> str | None:
    text = row[column].strip()
    return None if text in ("", "?") else text


def instant(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=dt.UTC)


def raw_rows() -> list[dict[str, str]]:
    with RAW.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def incidents(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Each incident's events, in event order."""
    events: dict[str, list[tuple[Any, dict[str, str]]]] = {}
    for position, row in enumerate(rows):
        at = instant(value(row, "sys_updated_at"))
        key = (at is None, at or AS_OF, int(row["sys_mod_count"]), position)
        events.setdefault(row["number"], []).append((key, row))
    return {n: [row for _, row in sorted(e, key=lambda x: x[0])] for n, e in events.items()}


def first_value(events: list[dict[str, str]], column: str) -> str | None:
    return next((value(e, column) for e in events if value(e, column) is not None), None)


@pytest.fixture(scope="module")
def result() -> Any:
    return audit(EXAMPLE)


@pytest.fixture(scope="module")
def cases() -> dict[str, dict[str, Any]]:
    folded = {}
    for number, events in incidents(raw_rows()).items():
        resolved = [e for e in events if e["incident_state"] == "Resolved"]
        folded[number] = {
            "opened": instant(first_value(events, "opened_at")),
            "customer": first_value(events, "caller_id"),
            "topic": first_value(events, "category"),
            "priority": value(events[-1], "priority"),
            "made_sla": value(events[-1], "made_sla"),
            "resolved": instant(value(resolved[-1], "sys_updated_at")) if resolved else None,
            "transfers": max(int(e["reassignment_count"]) for e in events),
        }
    return folded


def audit_outcomes(cases: dict[str, dict[str, Any]], promise_id: str) -> dict[str, str]:
    priority, limit, _ = RESOLUTION[promise_id]
    return {
        number: deadline_outcome(case["opened"], case["resolved"], limit, AS_OF)[0]
        for number, case in cases.items()
        if case["priority"] == priority
    }


def test_example_path_resolves_to_the_shared_file() -> None:
    assert source_path(EXAMPLE) == RAW.resolve()


def test_every_event_is_accounted_for(result: Any, cases: dict[str, Any]) -> None:
    records = result.records
    events = len(raw_rows())
    assert (records.read, records.cases, records.folded) == (
        events,
        len(cases),
        events - len(cases),
    )
    assert (records.read, records.used, records.folded) == (5004, 732, 4272)
    assert (records.rejected, records.duplicates, records.out_of_period) == (0, 0, 0)
    assert records.reconciles()


@pytest.mark.parametrize("promise_id", list(RESOLUTION))
def test_resolution_counts_match_the_raw_log(
    result: Any, cases: dict[str, Any], promise_id: str
) -> None:
    priority, limit, target = RESOLUTION[promise_id]
    tally = Tally()
    for case in cases.values():
        if case["priority"] == priority:
            tally.add(*deadline_outcome(case["opened"], case["resolved"], limit, AS_OF))
    promise = promise_of(result, promise_id)
    assert counts_of(promise) == tally.counts()
    assert promise.broken_by_reason == dict(tally.broken)
    assert promise.verdict == tally.verdict(target)


@pytest.mark.parametrize("promise_id", list(RESOLUTION))
def test_agreement_with_made_sla_matches_the_raw_log(
    result: Any, cases: dict[str, Any], promise_id: str
) -> None:
    expected: Counter[str] = Counter()
    for number, outcome in audit_outcomes(cases, promise_id).items():
        platform = {"true": "kept", "false": "broken"}.get(cases[number]["made_sla"] or "")
        if outcome not in ("kept", "broken") or platform is None:
            expected["not_comparable"] += 1
        elif outcome == platform:
            expected[f"both_{outcome}"] += 1
        else:
            expected[f"audit_{outcome}_platform_{platform}"] += 1
    agreement = promise_of(result, promise_id).agreement
    assert {k: v for k, v in agreement.counts.items() if v} == dict(expected)


def test_transfers_match_the_largest_reassignment_count(result: Any, cases: dict[str, Any]) -> None:
    kept = sum(1 for case in cases.values() if case["transfers"] <= 2)
    promise = promise_of(result, "two-hands-at-most")
    assert (promise.kept, promise.broken) == (kept, len(cases) - kept)


def test_repeat_contacts_match_the_raw_log(result: Any, cases: dict[str, Any]) -> None:
    tally = repeat_outcomes(
        ((n, c["opened"], c["customer"], c["topic"]) for n, c in cases.items()),
        dt.timedelta(days=7),
        AS_OF,
        same_topic=True,
    )
    assert counts_of(promise_of(result, "fixed-first-time")) == tally.counts()


def test_pinned_agreement(result: Any) -> None:
    """720 of the 732 incidents agree; the 12 that do not are all 'audit kept, platform
    broken': 11 High incidents resolved within a day (the platform marks every High incident
    missed, even one resolved in 17 minutes) and INC0000379, resolved in 4 hours."""
    tables = {
        p.id: (p.agreement.counts["both_kept"], p.agreement.counts["both_broken"],
               p.agreement.counts["audit_kept_platform_broken"])
        for p in result.promises
        if p.agreement is not None
    }  # fmt: skip
    assert tables == {
        "p1-5h": (1, 12, 0),
        "p2-1d": (0, 20, 11),
        "p3-90h": (395, 224, 1),
        "p4-90h": (30, 38, 0),
    }
    p3 = promise_of(result, "p3-90h").agreement
    (odd,) = [g for g in p3.groups if g.agreement == "audit_kept_platform_broken"]
    assert odd.examples == ("INC0000379",)


def test_the_events_recover_resolutions_the_column_lacks(cases: dict[str, Any]) -> None:
    """23 incidents have '?' in resolved_at; every one has a Resolved event in the log."""
    final = {}
    for number, events in incidents(raw_rows()).items():
        final[number] = value(events[-1], "resolved_at")
    missing = [n for n, text in final.items() if text is None]
    assert len(missing) == 23
    assert all(cases[n]["resolved"] is not None for n in missing)
