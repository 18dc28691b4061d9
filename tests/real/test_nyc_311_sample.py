"""nyc-311-sample: 2,000 NYC 311 requests against promises/examples/nyc-311-sample.yaml.

Expected figures come from the raw CSV, read with the csv module and zoneinfo: month-first
12-hour dates in New York local time, the 1900 placeholder as no date, and the audit seen from
1 April 2011 (later closures have not happened yet).
"""

from __future__ import annotations

import csv
import datetime as dt
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
    deadline_outcome,
    needs_folder,
    promise_of,
    source_path,
)

FOLDER = "nyc-311-sample"
pytestmark = needs_folder(FOLDER)

EXAMPLE = EXAMPLES / "nyc-311-sample.yaml"
RAW = REAL_DATA / FOLDER / "311_subset.micro.csv"
NEW_YORK = ZoneInfo("America/New_York")
AS_OF = dt.datetime(2011, 4, 1, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
FORMAT = "%m/%d/%Y %I:%M:%S %p"
PLACEHOLDER = "01/01/1900 12:00:00 AM"

# id: (which rows, limit, target)
PROMISES = {
    "police-8h": (lambda r: r["Agency"] == "NYPD", dt.timedelta(hours=8), 0.95),
    "phone-30d": (lambda r: r["Open Data Channel Type"] == "PHONE", dt.timedelta(days=30), 0.90),
    "online-30d": (lambda r: r["Open Data Channel Type"] == "ONLINE", dt.timedelta(days=30), 0.90),
}


def local(value: str) -> dt.datetime | None:
    value = value.strip()
    if value in ("", PLACEHOLDER):
        return None
    return dt.datetime.strptime(value, FORMAT).replace(tzinfo=NEW_YORK)


def raw_rows() -> list[dict[str, str]]:
    with RAW.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def result() -> Any:
    return audit(EXAMPLE)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    rows = raw_rows()
    keys = [r["Unique Key"] for r in rows]
    assert len(set(keys)) == len(keys)
    in_period = []
    for row in rows:
        created = local(row["Created Date"])
        assert created is not None
        if created <= AS_OF:
            in_period.append(row)
    figures: dict[str, Any] = {
        "records": {
            "read": len(rows),
            "used": len(in_period),
            "rejected": 0,
            "duplicates": 0,
            "out_of_period": len(rows) - len(in_period),
        }
    }
    for promise_id, (selects, limit, _target) in PROMISES.items():
        tally = Tally()
        for row in in_period:
            if selects(row):
                start = local(row["Created Date"])
                assert start is not None
                tally.add(*deadline_outcome(start, local(row["Closed Date"]), limit, AS_OF))
        figures[promise_id] = tally
    return figures


def test_example_path_resolves_to_the_shared_file() -> None:
    assert source_path(EXAMPLE) == RAW.resolve()


def test_every_request_is_accounted_for(result: Any, expected: dict[str, Any]) -> None:
    assert accounting_of(result.records) == expected["records"]
    # the 3 requests created in November 2011 are after as_of
    assert accounting_of(result.records) == {
        "read": 2000,
        "used": 1997,
        "rejected": 0,
        "duplicates": 0,
        "out_of_period": 3,
    }
    assert result.records.reconciles()


@pytest.mark.parametrize("promise_id", list(PROMISES))
def test_counts_match_the_raw_file(result: Any, expected: dict[str, Any], promise_id: str) -> None:
    promise = promise_of(result, promise_id)
    tally: Tally = expected[promise_id]
    assert counts_of(promise) == tally.counts()
    assert promise.broken_by_reason == dict(tally.broken)
    assert promise.excluded_by_reason == {}
    assert promise.verdict == tally.verdict(PROMISES[promise_id][2])


def test_pinned_figures(result: Any) -> None:
    figures = {
        p.id: (p.population, p.kept, p.broken, p.pending, p.excluded) for p in result.promises
    }
    assert figures == {
        "police-8h": (619, 578, 41, 0, 0),
        # requests still open on 1 April whose 30 days have not run out are pending
        "phone-30d": (1730, 1640, 13, 77, 0),
        "online-30d": (60, 45, 0, 15, 0),
    }


def test_the_1900_placeholder_is_not_a_closure(tmp_path: Path) -> None:
    """The one request 'closed' on 1 Jan 1900 is open, not closed 111 years before it began.

    That request (DOHMH, channel UNKNOWN) is in none of the example's scopes, so the example's
    mapping is checked here with an unscoped promise over every request.
    """
    import yaml

    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["sources"]["contacts"]["path"] = str(RAW)
    document["promises"] = [{"id": "all-30d", "kind": "resolution_time", "limit": "30d"}]
    path = tmp_path / "all.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (promise,) = audit(path).promises

    right, naive = Tally(), Tally()
    for row in raw_rows():
        start = local(row["Created Date"])
        assert start is not None
        if start > AS_OF:
            continue
        limit = dt.timedelta(days=30)
        right.add(*deadline_outcome(start, local(row["Closed Date"]), limit, AS_OF))
        closed = row["Closed Date"].strip()
        as_date = dt.datetime.strptime(closed, FORMAT).replace(tzinfo=NEW_YORK) if closed else None
        naive.add(*deadline_outcome(start, as_date, limit, AS_OF))
    assert counts_of(promise) == right.counts()
    assert counts_of(promise) != naive.counts()  # read as a date, it would be one more kept
    assert right.counts()["pending"] == naive.counts()["pending"] + 1


def platform_verdict(row: dict[str, str]) -> str | None:
    """The city's verdict as the example declares it (closed by the request's due date), seen
    from as_of: no closure by then, or no due date, is no verdict."""
    closed, due = local(row["Closed Date"]), local(row["Due Date"])
    if closed is None or closed > AS_OF or due is None:
        return None
    return "kept" if closed <= due else "broken"


@pytest.fixture(scope="module")
def agreement_expected() -> dict[str, Any]:
    """Each compared promise's agreement classes and their groups, from the raw file."""
    from collections import Counter

    tables: dict[str, Any] = {}
    for promise_id, (selects, limit, _target) in PROMISES.items():
        classes: Counter[str] = Counter()
        groups: Counter[tuple[str, str, str | None]] = Counter()
        for row in raw_rows():
            start = local(row["Created Date"])
            assert start is not None
            if start > AS_OF or not selects(row):
                continue
            audit_outcome, _ = deadline_outcome(start, local(row["Closed Date"]), limit, AS_OF)
            platform = platform_verdict(row)
            if audit_outcome not in ("kept", "broken") or platform is None:
                agreement = "not_comparable"
            elif audit_outcome == platform:
                agreement = f"both_{audit_outcome}"
            else:
                agreement = f"audit_{audit_outcome}_platform_{platform}"
            classes[agreement] += 1
            groups[(agreement, audit_outcome, platform)] += 1
        tables[promise_id] = (classes, groups)
    return tables


@pytest.mark.parametrize("promise_id", list(PROMISES))
def test_agreement_with_the_due_date_matches_the_raw_file(
    result: Any, agreement_expected: dict[str, Any], promise_id: str
) -> None:
    classes, groups = agreement_expected[promise_id]
    agreement = promise_of(result, promise_id).agreement
    assert agreement is not None
    assert {k: v for k, v in agreement.counts.items() if v} == dict(classes)
    found: dict[tuple[str, str, str | None], int] = {}
    for g in agreement.groups:
        key = (g.agreement, g.audit, g.platform)
        found[key] = found.get(key, 0) + g.count
    assert found == dict(groups)


def test_pinned_agreement_with_the_due_date(result: Any) -> None:
    """NYPD's due date is its 8 hours: the two agree on all 619. A phone request's due date is
    its agency's (14 days at DOF, 8 hours at NYPD, about 7 days at DHS, 15 at DCA, 10 to 90 at
    DOT), mostly shorter than 30 days: 215 requests closed within 30 days missed it."""
    tables = {
        p.id: tuple(p.agreement.counts[c] for c in p.agreement.counts)
        for p in result.promises
        if p.agreement is not None
    }
    # both kept, both broken, audit broken / platform kept, audit kept / platform broken,
    # not comparable
    assert tables == {
        "police-8h": (578, 41, 0, 0, 0),
        "phone-30d": (1418, 0, 0, 215, 97),
        "online-30d": (35, 0, 0, 3, 22),
    }
