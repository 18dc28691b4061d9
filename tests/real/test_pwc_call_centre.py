"""pwc-call-centre: the PhoneNow Q1 2021 call log against promises/examples/pwc-call-centre.yaml.

Expected figures come from the raw CSV, read with the csv module; the rules are PROMISES.md's.
"""

from __future__ import annotations

import csv
import datetime as dt
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

FOLDER = "pwc-call-centre"
pytestmark = needs_folder(FOLDER)

EXAMPLE = EXAMPLES / "pwc-call-centre.yaml"
RAW = REAL_DATA / FOLDER / "call_center_dataset.csv"
ZONE = ZoneInfo("Europe/Zurich")
AS_OF = dt.datetime(2021, 4, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
TARGETS = {"answer-2m": 0.90, "person-answers": 0.95, "fixed-first-call": 0.80}


def raw_rows() -> list[dict[str, str]]:
    with RAW.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def initiated(row: dict[str, str]) -> dt.datetime:
    naive = dt.datetime.strptime(f"{row['Date']} {row['Time']}", "%Y-%m-%d %H:%M:%S")
    return naive.replace(tzinfo=ZONE)


@pytest.fixture(scope="module")
def result() -> Any:
    return audit(EXAMPLE)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    rows = raw_rows()
    in_period = [r for r in rows if initiated(r) <= AS_OF]
    ids = [r["Call Id"] for r in in_period]
    assert len(set(ids)) == len(ids)

    answer = Tally()  # wait_time 2m: calls with a wait (the export has no enqueued_at)
    person = Tally()  # availability, no limit, no calendar: every call
    fixed = Tally()  # custom: answered calls, kept when Resolved = Y
    for row in in_period:
        speed = row["Speed of answer in seconds"]
        abandoned = row["Answered (Y/N)"] == "N"
        if speed != "":
            wait = int(speed)
            if wait > 120:
                answer.add("broken")
            elif abandoned:
                answer.add("excluded", "short_abandon" if wait <= 0 else "abandoned_within_limit")
            else:
                answer.add("kept")
        # an unanswered call never reached a person; its wait is unknown, so it cannot be a
        # short abandon (a wait of 0 s)
        if abandoned and speed != "" and int(speed) <= 0:
            person.add("excluded", "short_abandon")
        elif abandoned:
            person.add("broken", "abandoned")
        else:
            person.add("kept")
        if row["Answered (Y/N)"] == "Y":
            fixed.add("kept" if row["Resolved"] == "Y" else "broken")
    return {
        "records": {
            "read": len(rows),
            "used": len(in_period),
            "rejected": 0,
            "duplicates": 0,
            "out_of_period": len(rows) - len(in_period),
        },
        "answer-2m": answer,
        "person-answers": person,
        "fixed-first-call": fixed,
    }


def test_example_path_resolves_to_the_shared_file() -> None:
    assert source_path(EXAMPLE) == RAW.resolve()


def test_every_call_is_accounted_for(result: Any, expected: dict[str, Any]) -> None:
    assert accounting_of(result.records) == expected["records"]
    assert accounting_of(result.records) == {
        "read": 5000,
        "used": 5000,
        "rejected": 0,
        "duplicates": 0,
        "out_of_period": 0,
    }
    assert result.records.reconciles()


@pytest.mark.parametrize("promise_id", list(TARGETS))
def test_counts_match_the_raw_file(result: Any, expected: dict[str, Any], promise_id: str) -> None:
    promise = promise_of(result, promise_id)
    tally: Tally = expected[promise_id]
    assert counts_of(promise) == tally.counts()
    assert promise.excluded_by_reason == dict(tally.excluded)
    assert promise.verdict == tally.verdict(TARGETS[promise_id])


def test_pinned_figures(result: Any) -> None:
    figures = {
        p.id: (p.population, p.kept, p.broken, p.pending, p.excluded) for p in result.promises
    }
    assert figures == {
        # 946 unanswered calls have no wait at all, so they are not in the wait population
        "answer-2m": (4054, 3878, 176, 0, 0),
        "person-answers": (5000, 4054, 946, 0, 0),
        "fixed-first-call": (4054, 3646, 408, 0, 0),
    }
    person = next(p for p in result.promises if p.id == "person-answers")
    assert person.broken_by_reason == {"abandoned": 946}
