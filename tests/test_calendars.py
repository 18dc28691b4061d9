"""Business time: hand-computed durations across weekends, holidays, overnight ranges and DST."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from promise_audit.audit import audit
from promise_audit.calendars import business_seconds, openings
from promise_audit.promises.model import Calendar
from tests.conftest import with_other_records_filled, write_csv, write_promise_file

H = 3600


def calendar(zone: str = "America/New_York", **kw: Any) -> Calendar:
    hours = kw.pop("hours", {"mon-fri": ["09:00-17:00"]})
    return Calendar.model_validate({"timezone": zone, "hours": hours, **kw})


def at(text: str, zone: str = "America/New_York") -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def measure(cal: Calendar, start: str, end: str) -> float:
    zone = cal.timezone
    table = openings(cal, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    return business_seconds(table, at(start, zone), at(end, zone))


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-10-05 10:00", "2026-10-05 12:00", 2),  # inside one day
        ("2026-10-02 16:00", "2026-10-05 10:00", 2),  # Friday 16:00 -> Monday 10:00: weekend
        ("2026-10-03 12:00", "2026-10-05 10:00", 1),  # arrives Saturday: clock starts Monday
        ("2026-10-05 07:00", "2026-10-05 08:00", 0),  # before opening
        ("2026-10-05 16:00", "2026-10-06 09:30", 1.5),  # closed overnight
    ],
)
def test_business_hours_stop_the_clock_while_closed(start: str, end: str, hours: float) -> None:
    assert measure(calendar(), start, end) == hours * H


def test_a_public_holiday_is_closed_all_day() -> None:
    # Monday 2026-10-12 is Columbus Day in New York; Friday 16:00 -> Tuesday 10:00 = 1h + 1h
    cal = calendar(holidays={"country": "US", "subdivision": "NY"})
    assert measure(cal, "2026-10-09 16:00", "2026-10-13 10:00") == 2 * H


def test_a_one_off_closed_day_is_closed() -> None:
    cal = calendar(closed=["2026-10-06"])
    assert measure(cal, "2026-10-05 16:00", "2026-10-07 10:00") == 2 * H


def test_an_overnight_range_runs_into_the_next_day() -> None:
    cal = calendar(hours={"mon-sun": ["22:00-06:00"]})
    assert measure(cal, "2026-10-05 21:00", "2026-10-06 07:00") == 8 * H


def test_a_later_line_wins_for_its_day() -> None:
    cal = calendar(hours={"mon-fri": ["09:00-17:00"], "fri": ["09:00-12:00", "13:00-17:00"]})
    assert measure(cal, "2026-10-09 09:00", "2026-10-09 17:00") == 7 * H
    assert measure(cal, "2026-10-08 09:00", "2026-10-08 17:00") == 8 * H


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", "2026-03-08", 23),  # spring forward
        ("America/New_York", "2026-11-01", 25),  # fall back
        ("Europe/London", "2026-03-29", 23),
        ("Europe/London", "2026-10-25", 25),
    ],
)
def test_a_daylight_saving_day_is_a_shorter_or_longer_day(zone: str, day: str, hours: int) -> None:
    cal = calendar(zone, hours={"mon-sun": ["00:00-24:00"]})
    next_day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    assert measure(cal, f"{day} 00:00", f"{next_day} 00:00") == hours * H


def test_business_hours_across_dst_keep_their_local_times() -> None:
    # 09:00-17:00 local on both sides of New York's fall-back: 8 h each day
    cal = calendar(hours={"mon-sun": ["09:00-17:00"]})
    assert measure(cal, "2026-10-31 09:00", "2026-11-01 17:00") == 16 * H


def run_audit(tmp_path: Path, rows: list[dict[str, Any]], as_of: str, **promise: Any) -> Any:
    write_csv(tmp_path / "contacts.csv", with_other_records_filled(rows))
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "p", **promise}],
        as_of=as_of,
        timezone="America/New_York",
    )
    text = path.read_text()
    text = text.replace(
        "sources:",
        "calendars:\n  support:\n    timezone: America/New_York\n"
        "    hours: {mon-fri: ['09:00-17:00']}\nsources:",
    )
    path.write_text(text)
    return audit(path).promises[0]


REPLY_2BH = {"kind": "first_response", "limit": "2h", "calendar": "support"}


def test_a_reply_exactly_two_business_hours_later_is_kept(tmp_path: Path) -> None:
    rows = [
        {
            "contact_id": "1",
            "channel": "email",
            "initiated_at": "2026-10-02T16:00:00-04:00",
            "first_response_at": "2026-10-05T10:00:00-04:00",
        },
        {
            "contact_id": "2",
            "channel": "email",
            "initiated_at": "2026-10-02T16:00:00-04:00",
            "first_response_at": "2026-10-05T10:00:01-04:00",
        },
    ]
    result = run_audit(tmp_path, rows, "2026-10-06T00:00:00-04:00", **REPLY_2BH)
    assert (result.kept, result.broken) == (1, 1)
    assert result.distribution.median == 2 * H


def test_business_deadline_decides_pending_and_broken(tmp_path: Path) -> None:
    # arrives Saturday: the clock starts Monday 09:00, the deadline is Monday 11:00
    rows = [
        {
            "contact_id": "1",
            "channel": "email",
            "initiated_at": "2026-10-03T12:00:00-04:00",
            "first_response_at": "",
        }
    ]
    assert run_audit(tmp_path, rows, "2026-10-05T10:59:59-04:00", **REPLY_2BH).pending == 1
    assert run_audit(tmp_path, rows, "2026-10-05T11:00:00-04:00", **REPLY_2BH).broken == 1


def test_utc_and_local_timestamps_give_the_same_counts(tmp_path: Path) -> None:
    local = [
        {
            "contact_id": str(i),
            "channel": "email",
            "initiated_at": f"2026-10-0{d}T{h}:00:00-04:00",
            "first_response_at": f"2026-10-0{d + 1}T{h}:30:00-04:00",
        }
        for i, (d, h) in enumerate([(1, "10"), (2, "16"), (5, "12"), (6, "08")])
    ]
    utc = [
        {
            **row,
            **{
                k: dt.datetime.fromisoformat(row[k]).astimezone(dt.UTC).isoformat()
                for k in ("initiated_at", "first_response_at")
            },
        }
        for row in local
    ]
    first = run_audit(tmp_path, local, "2026-10-10T00:00:00-04:00", **REPLY_2BH)
    second = run_audit(tmp_path, utc, "2026-10-10T00:00:00-04:00", **REPLY_2BH)
    assert (first.kept, first.broken, first.pending) == (second.kept, second.broken, second.pending)


def test_availability_counts_only_contacts_inside_opening_hours(tmp_path: Path) -> None:
    rows = [
        {"contact_id": "1", "initiated_at": "2026-10-05T09:00:00-04:00", "answered_at": ""},
        {
            "contact_id": "2",
            "initiated_at": "2026-10-05T16:59:59-04:00",
            "answered_at": "2026-10-05T17:01:00-04:00",
        },
        {"contact_id": "3", "initiated_at": "2026-10-05T17:00:00-04:00", "answered_at": ""},
        {"contact_id": "4", "initiated_at": "2026-10-04T12:00:00-04:00", "answered_at": ""},
    ]
    result = run_audit(
        tmp_path, rows, "2026-10-06T00:00:00-04:00", kind="availability", calendar="support"
    )
    # opening at 09:00 is inside; closing at 17:00 is outside; Sunday is closed
    assert (result.population, result.kept, result.broken) == (2, 1, 1)


def test_a_calendar_on_a_kind_without_a_clock_is_an_error(tmp_path: Path) -> None:
    from promise_audit.errors import PromiseFileError

    rows = [{"contact_id": "1", "initiated_at": "2026-10-05T09:00:00-04:00", "transfers": 0}]
    with pytest.raises(PromiseFileError, match="does not measure on a calendar"):
        run_audit(
            tmp_path, rows, "2026-10-06T00:00:00-04:00", kind="transfers", max=1, calendar="support"
        )


def test_promised_hours_cover_every_hour_touched_by_an_opening() -> None:
    from promise_audit.calendars import open_hours_of_week

    cal = calendar(hours={"mon": ["09:30-11:00"], "sun": ["23:00-01:00"]})
    # Monday 09:00 and 10:00 (09:30-11:00); Sunday 23:00 and, overnight, Monday 00:00
    assert open_hours_of_week(cal) == ((1, 0), (1, 9), (1, 10), (7, 23))


def test_availability_reports_the_promised_hours(tmp_path: Path) -> None:
    rows = [{"contact_id": "1", "initiated_at": "2026-10-05T09:00:00-04:00", "answered_at": ""}]
    result = run_audit(
        tmp_path, rows, "2026-10-06T00:00:00-04:00", kind="availability", calendar="support"
    )
    assert len(result.promised_hours) == 5 * 8
    assert (1, 9) in result.promised_hours and (1, 17) not in result.promised_hours


def test_the_heat_map_draws_unpromised_hours_as_closed() -> None:
    from promise_audit.render.charts import Cell, heatmap_svg

    svg = str(heatmap_svg("h", [Cell(1, 9, 3, 1)], promised={(1, 9)}))
    assert svg.count("not promised") == 7 * 24 - 1 + 1  # every other cell, and the legend
    assert "1 broken of 4 judged" in svg
