"""A call log written the older way (the day as YYMMDD in one column, each step of the call a
time of day, midnight for a step that did not happen) audited end to end, and every count
checked against the rules written out again here in plain Python over the same rows.

The log is generated (seeded): 3 days of calls, some never queued (straight to a person, or
hung up in the phone menu), some that gave up in the queue, and calls just before midnight
whose queue or answer time is written on the next day's clock but under the first day's date,
so that the answer reads as earlier than the queue: an invalid value, as the export says it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from tests.real._support import Tally, counts_of, promise_of

LIMIT = dt.timedelta(seconds=60)
HEADER = ["call_id", "date", "vru_entry", "vru_exit", "q_start", "q_time", "ser_start", "outcome"]
NONE = "0:00:00"


def _clock(moment: dt.datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}:{moment.second:02d}"


def _calls(seed: int, count: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    day0 = dt.datetime(1999, 3, 1)
    rows = []
    for number in range(count):
        day = day0 + dt.timedelta(days=rng.randrange(3))
        if number % 97 == 0:  # close to midnight: the later steps roll over to the next day
            entry = day + dt.timedelta(hours=23, minutes=59, seconds=rng.randrange(30, 60))
        else:
            entry = day + dt.timedelta(seconds=rng.randrange(7 * 3600, 23 * 3600))
        vru_exit = entry + dt.timedelta(seconds=rng.randrange(0, 40))
        path = rng.random()
        q_start, q_time, ser_start, outcome = NONE, 0, NONE, "HANG"
        if path < 0.75:  # queued
            q_time = int(rng.expovariate(1 / 70))
            q_start = _clock(vru_exit)
            if rng.random() < 0.7:
                outcome, ser_start = "AGENT", _clock(vru_exit + dt.timedelta(seconds=q_time))
        elif path < 0.9:  # straight to a person
            outcome, ser_start = "AGENT", _clock(vru_exit + dt.timedelta(seconds=1))
        rows.append(
            {
                "call_id": str(10_000 + number),
                "date": entry.strftime("%y%m%d"),
                "vru_entry": _clock(entry),
                "vru_exit": _clock(vru_exit),
                "q_start": q_start,
                "q_time": str(q_time),
                "ser_start": ser_start,
                "outcome": outcome,
            }
        )
    return rows


PROMISES = """\
organization: Compact Bank
timezone: UTC
sources:
  contacts:
    path: calls.txt
    format: tsv
    columns:
      contact_id: call_id
      initiated_at: {date: date, time: vru_entry, format: "%y%m%d %H:%M:%S"}
      enqueued_at: {date: date, time: q_start, format: "%y%m%d %H:%M:%S", null_if: ["0:00:00"]}
      answered_at: {date: date, time: ser_start, format: "%y%m%d %H:%M:%S", null_if: ["0:00:00"]}
      wait_seconds: q_time
      channel: {const: phone}
promises:
  - id: answer-1m
    kind: wait_time
    statement: "Every call that queues is answered within a minute."
    limit: 1m
    abandoned: broken
  - id: person
    kind: availability
    statement: "A person answers every call."
"""


def _at(row: dict[str, str], column: str) -> dt.datetime | None:
    if row[column] == NONE:
        return None
    naive = dt.datetime.strptime(f"{row['date']} {row[column]}", "%y%m%d %H:%M:%S")
    return naive.replace(tzinfo=dt.UTC)


def _expected(rows: list[dict[str, str]]) -> tuple[Tally, Tally, Counter[str]]:
    """The two promises' outcomes and the invalid values, by the rules of docs/kinds.md and
    docs/records.md written out again: an answer before its queue time is invalid; an event
    after as_of (the latest start) has not happened yet; an exported wait that ends after
    as_of is not known yet."""
    starts = [_at(r, "vru_entry") for r in rows]
    as_of = max(s for s in starts if s is not None)
    wait_time, availability, invalid = Tally(), Tally(), Counter[str]()
    for row, start in zip(rows, starts, strict=True):
        assert start is not None
        queued_at, answered_at = _at(row, "q_start"), _at(row, "ser_start")
        wait = dt.timedelta(seconds=int(row["q_time"]))
        base = queued_at or start
        bad_answer = answered_at is not None and queued_at is not None and answered_at < queued_at
        if bad_answer:
            invalid["answered_at"] += 1
            answered_at = None
        if queued_at is not None and queued_at > as_of:
            queued_at = None  # not queued yet at as_of
        answer_known = answered_at is not None and answered_at <= as_of
        still_waiting = (answered_at is not None and answered_at > as_of) or (
            answered_at is None and not bad_answer and base + wait > as_of
        )
        # availability: everyone; a person answered, or nobody did
        if bad_answer:
            availability.add("excluded", "invalid_answered_at")
        elif answer_known:
            availability.add("kept")
        elif still_waiting and (queued_at is not None or answered_at is not None):
            availability.add("pending")
        elif queued_at is not None and wait <= dt.timedelta(0):
            # an abandon at or under short_abandon (default 0 s) is a short abandon
            availability.add("excluded", "short_abandon")
        elif queued_at is not None:
            availability.add("broken", "abandoned")
        else:
            availability.add("broken", "unanswered")
        # wait_time: the calls that queued
        if queued_at is None:
            continue
        if bad_answer:
            wait_time.add("excluded", "invalid_answered_at")
        elif still_waiting:
            if queued_at + LIMIT <= as_of:
                wait_time.add("broken", "waited_too_long")
            else:
                wait_time.add("pending")
        elif wait > LIMIT:
            wait_time.add("broken", "waited_too_long")
        elif not answer_known and wait <= dt.timedelta(0):
            wait_time.add("excluded", "short_abandon")
        elif not answer_known:
            wait_time.add("broken", "abandoned")
        else:
            wait_time.add("kept")
    return wait_time, availability, invalid


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[dict[str, str]]]:
    folder = tmp_path_factory.mktemp("compact")
    rows = _calls(seed=1999, count=1500)
    lines = ["\t".join(HEADER)] + ["\t".join(row[c] for c in HEADER) for row in rows]
    (folder / "calls.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "promises.yaml").write_text(PROMISES, encoding="utf-8")
    return audit(folder / "promises.yaml"), rows


def test_the_generated_log_holds_every_case_the_rules_tell_apart(
    audited: tuple[Any, list[dict[str, str]]],
) -> None:
    _, rows = audited
    wait_time, availability, invalid = _expected(rows)
    assert invalid["answered_at"] > 0  # calls across midnight
    assert availability.broken["unanswered"] > 0 and availability.broken["abandoned"] > 0
    assert wait_time.kept > 0 and wait_time.broken["waited_too_long"] > 0
    assert wait_time.broken["abandoned"] > 0


def test_the_wait_promise_counts_match_the_rules_record_for_record(
    audited: tuple[Any, list[dict[str, str]]],
) -> None:
    result, rows = audited
    expected, _, _ = _expected(rows)
    promise = promise_of(result, "answer-1m")

    assert counts_of(promise) == expected.counts()
    assert dict(promise.broken_by_reason) == dict(expected.broken)
    assert dict(promise.excluded_by_reason) == dict(expected.excluded)


def test_the_availability_counts_match_the_rules_record_for_record(
    audited: tuple[Any, list[dict[str, str]]],
) -> None:
    result, rows = audited
    _, expected, _ = _expected(rows)
    promise = promise_of(result, "person")

    assert counts_of(promise) == expected.counts()
    assert dict(promise.broken_by_reason) == dict(expected.broken)
    assert dict(promise.excluded_by_reason) == dict(expected.excluded)


def test_every_call_is_used_and_each_invalid_answer_time_is_counted(
    audited: tuple[Any, list[dict[str, str]]],
) -> None:
    result, rows = audited
    _, _, invalid = _expected(rows)

    assert (result.records.read, result.records.used) == (len(rows), len(rows))
    assert result.records.invalid_by_field == {
        "answered_at": {"before_enqueued_at": invalid["answered_at"]}
    }


# The same log where the export's outcome column says who was answered, and no answer time is
# mapped: a queued call the outcome says nobody answered is an abandon.
PROMISES_BY_OUTCOME = PROMISES.replace(
    '      answered_at: {date: date, time: ser_start, format: "%y%m%d %H:%M:%S", '
    'null_if: ["0:00:00"]}\n',
    "      answered: {expr: \"outcome = 'AGENT'\"}\n",
)


def _expected_by_outcome(rows: list[dict[str, str]]) -> tuple[Tally, Tally]:
    starts = [_at(r, "vru_entry") for r in rows]
    as_of = max(s for s in starts if s is not None)
    wait_time, availability = Tally(), Tally()
    for row, start in zip(rows, starts, strict=True):
        assert start is not None
        queued_at = _at(row, "q_start")
        if queued_at is not None and queued_at > as_of:
            queued_at = None
        answered = row["outcome"] == "AGENT"
        wait = dt.timedelta(seconds=int(row["q_time"]))
        still_waiting = queued_at is not None and queued_at + wait > as_of
        if still_waiting:
            availability.add("pending")
        elif answered:
            availability.add("kept")
        elif queued_at is None:
            availability.add("broken", "unanswered")
        elif wait <= dt.timedelta(0):
            availability.add("excluded", "short_abandon")
        else:
            availability.add("broken", "abandoned")
        if queued_at is None:
            continue
        if still_waiting:
            late = queued_at + LIMIT <= as_of
            wait_time.add("broken" if late else "pending", "waited_too_long" if late else None)
        elif wait > LIMIT:
            wait_time.add("broken", "waited_too_long")
        elif answered:
            wait_time.add("kept")
        elif wait <= dt.timedelta(0):
            wait_time.add("excluded", "short_abandon")
        else:
            wait_time.add("broken", "abandoned")
    return wait_time, availability


def test_an_outcome_column_mapped_to_answered_gives_the_same_abandons(
    tmp_path: Path,
) -> None:
    rows = _calls(seed=2000, count=1500)
    lines = ["\t".join(HEADER)] + ["\t".join(row[c] for c in HEADER) for row in rows]
    (tmp_path / "calls.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "promises.yaml").write_text(PROMISES_BY_OUTCOME, encoding="utf-8")
    assert "answered: {expr" in PROMISES_BY_OUTCOME

    result = audit(tmp_path / "promises.yaml")
    wait_time, availability = _expected_by_outcome(rows)

    assert wait_time.broken["abandoned"] > 0 and availability.broken["unanswered"] > 0
    for promise_id, expected in (("answer-1m", wait_time), ("person", availability)):
        promise = promise_of(result, promise_id)
        assert counts_of(promise) == expected.counts()
        assert dict(promise.broken_by_reason) == dict(expected.broken)
        assert dict(promise.excluded_by_reason) == dict(expected.excluded)
