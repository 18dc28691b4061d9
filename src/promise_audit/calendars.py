"""Business calendars: the opening intervals a promise's clock runs in.

A calendar is turned into a short list of opening intervals (UTC instants) covering the audit's
days; the engine then measures business time against that table in SQL (an as-of join per
clock), so no per-record Python runs. Days are opened in the calendar's own time zone, so a
daylight-saving change is simply a shorter or longer local day.

Rules (docs/calendars.md states them for users):
- `hours` maps days (`mon`, `mon-fri`, `sat-sun`) to ranges `HH:MM-HH:MM`; a day left out is
  closed; a later line wins for the days it names; `"22:00-06:00"` runs into the next day;
  `24:00` is the end of the day.
- `holidays` (public holidays of a country and subdivision, from the `holidays` package) and
  `closed` dates are closed all day (local midnight to midnight), even inside an overnight
  range that started the day before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from promise_audit.errors import UsageError
from promise_audit.promises.model import Calendar

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Opening:
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    business_before: float  # business seconds in all earlier openings of the table


def weekly_hours(calendar: Calendar) -> dict[int, list[tuple[int, int]]]:
    """Weekday (0 = Monday) -> opening ranges in minutes after local midnight (end may pass
    24:00 for an overnight range)."""
    week: dict[int, list[tuple[int, int]]] = {}
    for days, ranges in calendar.hours.items():
        first, _, last = days.partition("-")
        start_day = DAYS.index(first)
        end_day = DAYS.index(last) if last else start_day
        span = [(start_day + i) % 7 for i in range((end_day - start_day) % 7 + 1)]
        parsed = [_minutes(r) for r in ranges]
        for day in span:
            week[day] = parsed
    return week


def open_hours_of_week(calendar: Calendar) -> tuple[tuple[int, int], ...]:
    """The (weekday, hour) cells of the week (1 = Monday, local time) the calendar is open in,
    at least in part: the promised hours a report draws beside what was delivered."""
    cells: set[tuple[int, int]] = set()
    for day, ranges in weekly_hours(calendar).items():
        for begin, finish in ranges:
            for hour in range(begin // 60, -(-finish // 60)):
                cells.add(((day + hour // 24) % 7 + 1, hour % 24))
    return tuple(sorted(cells))


def _minutes(text: str) -> tuple[int, int]:
    start, end = text.split("-")
    begin = int(start[:2]) * 60 + int(start[3:])
    finish = int(end[:2]) * 60 + int(end[3:])
    if finish <= begin:  # overnight, into the next day
        finish += 24 * 60
    return begin, finish


def closed_days(calendar: Calendar, first: dt.date, last: dt.date) -> set[dt.date]:
    closed = set(calendar.closed)
    if calendar.holidays is not None:
        try:
            import holidays
        except ImportError:  # pragma: no cover - a declared dependency
            raise UsageError("public holidays need the 'holidays' package") from None
        try:
            found = holidays.country_holidays(
                calendar.holidays.country,
                subdiv=calendar.holidays.subdivision,
                years=range(first.year, last.year + 1),
            )
        except NotImplementedError as exc:
            raise UsageError(f"unknown holiday country or subdivision: {exc}") from None
        closed |= set(found)
    return closed


def openings(calendar: Calendar, first: dt.date, last: dt.date) -> list[Opening]:
    """The calendar's opening intervals from local day `first` to `last`, merged and ordered."""
    zone = ZoneInfo(calendar.timezone)
    week = weekly_hours(calendar)
    closed = closed_days(calendar, first - dt.timedelta(days=1), last + dt.timedelta(days=1))
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    day = first - dt.timedelta(days=1)  # an overnight range from the day before reaches in
    while day <= last:
        midnight = dt.datetime(day.year, day.month, day.day)
        for begin, finish in week.get(day.weekday(), []):
            local_start = midnight + dt.timedelta(minutes=begin)
            local_end = midnight + dt.timedelta(minutes=finish)
            raw += _minus_closed(local_start, local_end, closed, zone)
        day += dt.timedelta(days=1)
    raw.sort()
    merged: list[list[dt.datetime]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    result = []
    before = 0.0
    for start, end in merged:
        result.append(Opening(start, end, before))
        before += (end - start).total_seconds()
    return result


def _minus_closed(
    local_start: dt.datetime, local_end: dt.datetime, closed: set[dt.date], zone: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """A local range cut at closed days, as UTC instants."""
    pieces = []
    cursor = local_start
    while cursor < local_end:
        next_midnight = dt.datetime(cursor.year, cursor.month, cursor.day) + dt.timedelta(days=1)
        stop = min(local_end, next_midnight)
        if cursor.date() not in closed:
            pieces.append((_utc(cursor, zone), _utc(stop, zone)))
        cursor = stop
    return [(s, e) for s, e in pieces if e > s]


def _utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    # A wall time that does not exist (the spring-forward gap) or exists twice (fall back)
    # resolves with fold=0, as zoneinfo does; whole-day ranges stay exact either way.
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def business_seconds(opening_list: list[Opening], start: dt.datetime, end: dt.datetime) -> float:
    """Business seconds between two instants (a reference for tests and small checks)."""
    # aware datetimes in one zone subtract as wall times: compare and subtract in UTC
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    total = 0.0
    for opening in opening_list:
        low = max(opening.start, start)
        high = min(opening.end, end)
        if high > low:
            total += (high - low).total_seconds()
    return total
