"""volvo-bpi2013-incidents: 270 incidents (5,064 events) against the example promises.

Expected figures come from the raw CSV (UTF-8 with BOM, CRLF), read with the csv module: each
incident's events in time order (then file order), timestamps read as Belgian local time (the
+01:00 stamped on every row is wrong in summer), '0' and '' are missing values. The incident's
first event gives its start and first support level; its team changes are counted between
present values.
"""

from __future__ import annotations

import csv
import datetime as dt
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from promise_audit.audit import audit
from tests.real._support import (
    EXAMPLES,
    REAL_DATA,
    Tally,
    accounting_of,
    counts_of,
    needs_folder,
    promise_of,
    source_path,
)

FOLDER = "volvo-bpi2013-incidents"
pytestmark = needs_folder(FOLDER)

EXAMPLE = EXAMPLES / "volvo-bpi2013-incidents.yaml"
RAW = REAL_DATA / FOLDER / "VINST-new_head.csv"
BRUSSELS = ZoneInfo("Europe/Brussels")
AS_OF = dt.datetime(2012, 6, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
TARGETS = {
    "push-to-front": 0.95,
    "push-to-front-routine": 1.0,
    "solved-at-first-line": 0.5,
    "no-ping-pong": 0.9,
}


def raw_rows() -> list[dict[str, str]]:
    with RAW.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def incidents(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Each incident's events, in time order, then file order."""
    events: dict[str, list[tuple[Any, dict[str, str]]]] = {}
    for position, row in enumerate(rows):
        key = (local(row["Change Date+Time"]), position)
        events.setdefault(row["SR Number"], []).append((key, row))
    return {n: [row for _, row in sorted(e, key=lambda x: x[0])] for n, e in events.items()}


def first_rows(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {number: events[0] for number, events in incidents(rows).items()}


def team_changes(events: list[dict[str, str]]) -> int:
    teams = [e["Involved ST 2"] for e in events if e["Involved ST 2"] not in ("", "0")]
    return sum(1 for before, after in pairwise(teams) if before != after)


def local(stamp: str) -> dt.datetime:
    assert stamp.endswith("+01:00")
    naive = dt.datetime.strptime(stamp.removesuffix("+01:00"), "%Y-%m-%dT%H:%M:%S")
    return naive.replace(tzinfo=BRUSSELS)


def push_to_front(incidents: list[dict[str, str]]) -> Tally:
    tally = Tally()
    for row in incidents:
        tally.add("kept" if row["ST Level"] == "L1" else "broken", "custom_rule")
    return tally


@pytest.fixture(scope="module")
def result() -> Any:
    return audit(EXAMPLE)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    rows = raw_rows()
    cases = incidents(rows)
    first = first_rows(rows)
    in_period = [r for r in first.values() if local(r["Change Date+Time"]) <= AS_OF]
    first_line_alone = Tally()
    ping_pong = Tally()
    for events in cases.values():
        upper = any(e["ST Level"] not in ("L1", "", "0") for e in events)
        first_line_alone.add("broken" if upper else "kept", "custom_rule")
        changes = team_changes(events)
        ping_pong.add("broken" if changes > 2 else "kept", "too_many_transfers")
    return {
        "records": {
            "read": len(rows),
            "used": len(in_period),
            "rejected": 0,
            "duplicates": 0,
            "out_of_period": len(first) - len(in_period),
        },
        "folded": len(rows) - len(cases),
        "solved-at-first-line": first_line_alone,
        "no-ping-pong": ping_pong,
        "push-to-front": push_to_front(in_period),
        "push-to-front-routine": push_to_front(
            [r for r in in_period if r["SR Latest Impact"] == "Low"]
        ),
    }


def test_example_path_resolves_to_the_shared_file() -> None:
    assert source_path(EXAMPLE) == RAW.resolve()


def test_every_event_is_accounted_for(result: Any, expected: dict[str, Any]) -> None:
    assert accounting_of(result.records) == expected["records"]
    assert result.records.folded == expected["folded"]
    assert accounting_of(result.records) == {
        "read": 5064,
        "used": 270,
        "rejected": 0,
        "duplicates": 0,
        "out_of_period": 0,
    }
    assert (result.records.folded, result.records.cases) == (4794, 270)
    assert result.records.reconciles()


@pytest.mark.parametrize("promise_id", list(TARGETS))
def test_counts_match_the_raw_file(result: Any, expected: dict[str, Any], promise_id: str) -> None:
    promise = promise_of(result, promise_id)
    tally: Tally = expected[promise_id]
    assert counts_of(promise) == tally.counts()
    assert promise.excluded_by_reason == {}
    assert promise.verdict == tally.verdict(TARGETS[promise_id])


def test_pinned_figures(result: Any) -> None:
    figures = {
        p.id: (p.population, p.kept, p.broken, p.pending, p.excluded) for p in result.promises
    }
    assert figures == {
        "push-to-front": (270, 241, 29, 0, 0),
        "push-to-front-routine": (74, 64, 10, 0, 0),
        "solved-at-first-line": (270, 62, 208, 0, 0),
        "no-ping-pong": (270, 129, 141, 0, 0),
    }


def test_initiated_at_is_the_first_event_in_local_time(result: Any) -> None:
    """The evidence shows the first event's time, read as Brussels time (summer: +02:00)."""
    first = first_rows(raw_rows())
    (promise,) = [p for p in result.promises if p.id == "push-to-front"]
    assert promise.evidence
    for item in promise.evidence:
        stamp = dt.datetime.fromisoformat(item.initiated_at)
        assert stamp == local(first[item.contact_id]["Change Date+Time"])
        assert first[item.contact_id]["ST Level"] != "L1"


def test_custom_kept_if_on_a_derived_attribute(tmp_path: Path, expected: dict[str, Any]) -> None:
    """The natural way to write push-to-front, without the `escalated` mapping: the first
    event's level, a per-case attribute derived from the events."""
    import yaml

    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["sources"]["contacts"]["path"] = str(RAW)
    del document["sources"]["contacts"]["columns"]["escalated"]
    document["promises"] = [
        {"id": "push-to-front", "kind": "custom", "kept_if": "first_level = 'L1'", "target": "95%"}
    ]
    path = tmp_path / "volvo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (promise,) = audit(path).promises
    assert counts_of(promise) == expected["push-to-front"].counts()
