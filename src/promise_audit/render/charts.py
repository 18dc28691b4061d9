"""Inline SVG charts for the gap report, drawn from numbers: no script, no network, no library.

Every function returns one `<svg>` element as `Markup`, ready to drop into an HTML page (and
into WeasyPrint's PDF, which draws inline SVG as vectors). The only text inside a chart is
made here from numbers, plus escaped labels (a week's date); each chart and each mark has a
`<title>` for screen readers and as a tooltip. Coordinates are printed with fixed precision
so the same numbers give the same bytes.

Colours follow the Okabe-Ito palette, safe for colour-blind readers: kept is blue, broken is
vermilion, and every chart says so in its legend.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from promise_audit.promises.units import duration_tick
from promise_audit.words import measure_text, percent

KEPT = "#0072B2"
BROKEN = "#D55E00"
TARGET = "#222222"
GRID = "#d9d9d9"
INK = "#333333"
MUTED = "#6b6b6b"
EMPTY = "#f3f3f3"
CLOSED = "#c8c8c8"  # an hour the promise does not cover
CLEAN = "#e3eef7"  # a judged cell where nothing broke
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FEW = 5  # judged records under which an hour of the week is too thin to read alone
THIN = 20  # judged records under which a period of the trend is too thin to read alone
FADED = ' fill-opacity="0.4"'

WIDTH = 640
FONT = 'font-family="inherit" font-size="11"'


class Bar(NamedTuple):
    """One histogram bin: judged records whose measure is in [low, high)."""

    low: float
    high: float
    kept: int
    broken: int


class Period(NamedTuple):
    start: str  # ISO date of the period's first day
    kept: int
    broken: int


class Cell(NamedTuple):
    weekday: int  # 1 = Monday
    hour: int
    kept: int
    broken: int


def num(value: float) -> str:
    """A coordinate with one decimal, without a trailing .0 and never '-0'."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


# ---------------------------------------------------------------------------------------------
# Numbers in words


def tick_text(value: float, unit: str) -> str:
    """A short axis label: 300 seconds -> '5m', 0.5 -> '0.5'."""
    if value == 0:
        return "0"
    if unit == "seconds":
        return duration_tick(value)
    return f"{value:,.6g}"


_SECOND_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 172800, 345600, 604800, 1209600, 2419200,
)  # fmt: skip


def nice_step(span: float, unit: str, count: int = 5) -> float:
    """A round tick spacing giving about `count` ticks over [0, span]."""
    rough = span / count if span > 0 else 1.0
    if unit == "seconds":
        for step in _SECOND_STEPS:
            if step >= rough:
                return float(step)
        weeks = math.ceil(rough / 604800)
        return float(weeks * 604800)
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _ticks(top: float, step: float) -> list[float]:
    return [i * step for i in range(int(top / step + 1e-9) + 1)]


# ---------------------------------------------------------------------------------------------
# SVG pieces


def _svg(chart_id: str, height: float, title: str, description: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{num(height)}" width="{WIDTH}" height="{num(height)}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" {FONT}>'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
    )
    # Safe: the markup is made here, every text in it went through escape().
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704


def _rect(
    x: float, y: float, w: float, h: float, fill: str, title: str = "", extra: str = ""
) -> str:
    tip = f"<title>{escape(title)}</title>" if title else ""
    attrs = f'x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" fill="{fill}"{extra}'
    return f"<rect {attrs}>{tip}</rect>" if tip else f"<rect {attrs}/>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    return (
        f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" '
        f'stroke="{stroke}"{extra}/>'
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", fill: str = INK) -> str:
    return (
        f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" fill="{fill}">'
        f"{escape(text)}</text>"
    )


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for colour, label in items:
        parts.append(_rect(x, y - 9, 10, 10, colour))
        parts.append(_text(x + 14, y, label, anchor="start"))
        x += 22 + 6.5 * len(label)
    return parts


# ---------------------------------------------------------------------------------------------
# Charts


def histogram_svg(
    chart_id: str,
    bars: Sequence[Bar],
    *,
    limit: float | None,
    unit: str,
    limit_text: str | None = None,
) -> Markup:
    """Judged records by measure, kept and broken stacked, the limit as a dashed line (labelled
    `limit_text`, the promise file's words, when given).

    The engine's bins are equal width except the last, which also holds the tail beyond the
    axis; it is drawn at the same width and its label ends in '+'.
    """
    left, right, top, bottom = 48.0, 12.0, 40.0, 38.0
    height = 232.0
    limit_words = None if limit is None else limit_text or measure_text(limit, unit)
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    width = bars[0].high - bars[0].low if bars else 1.0
    domain = width * len(bars) if bars and width > 0 else 1.0
    tallest = max((b.kept + b.broken for b in bars), default=0) or 1
    # records come whole: a step under one would print the same count twice (0, 0, 1, 2, 2)
    step_y = max(1.0, nice_step(tallest, "count", 4))
    y_top = math.ceil(tallest / step_y) * step_y
    body: list[str] = []
    for tick in _ticks(y_top, step_y):
        y = top + plot_h - tick / y_top * plot_h
        body.append(_line(left, y, left + plot_w, y, GRID))
        body.append(_text(left - 6, y + 4, f"{tick:,.0f}", anchor="end", fill=MUTED))
    bar_w = plot_w / max(len(bars), 1)
    for index, bar in enumerate(bars):
        x = left + index * bar_w
        last = index == len(bars) - 1
        span = (
            f"{tick_text(bar.low, unit)} and over"
            if last and bar.high > bar.low + width * 1.0001
            else f"{tick_text(bar.low, unit)} to {tick_text(bar.high, unit)}"
        )
        base = top + plot_h
        for count, colour, word in ((bar.kept, KEPT, "kept"), (bar.broken, BROKEN, "broken")):
            if count == 0:
                continue
            h = max(count / y_top * plot_h, 1.0)
            base -= h
            body.append(_rect(x + 1, base, bar_w - 2, h, colour, f"{span}: {count:,} {word}"))
    x_step = nice_step(domain, unit, 6)
    ticks = _ticks(domain, x_step)
    tail = bool(bars) and bars[-1].high > domain * 1.0001
    for tick in ticks:
        x = left + tick / domain * plot_w
        body.append(_line(x, top + plot_h, x, top + plot_h + 4, MUTED))
        body.append(_text(x, top + plot_h + 16, tick_text(tick, unit), fill=MUTED))
    if tail:  # the last bar holds everything beyond the axis
        label = f"last bar: to {measure_text(bars[-1].high, unit)}"
        body.append(_text(left + plot_w, top + plot_h + 28, label, anchor="end", fill=MUTED))
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    if limit is not None:
        x = left + min(limit / domain, 1.0) * plot_w
        body.append(
            _line(x, top - 4, x, top + plot_h, TARGET, ' stroke-width="1.5" stroke-dasharray="4 3"')
        )
        anchor = "end" if x > left + plot_w * 0.8 else "start"
        offset = -4 if anchor == "end" else 4
        body.append(_text(x + offset, top - 9, f"limit {limit_words}", anchor=anchor))
    body += _legend(left, 12, ((KEPT, "kept"), (BROKEN, "broken")))
    kept = sum(b.kept for b in bars)
    broken = sum(b.broken for b in bars)
    limit_sentence = "no limit" if limit is None else f"the limit at {limit_words}"
    return _svg(
        chart_id,
        height,
        "Distribution of the measure",
        f"{kept + broken:,} judged records in {len(bars)} bins: {kept:,} kept, "
        f"{broken:,} broken; {limit_sentence}.",
        body,
    )


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
PERIOD_WORDS = {"day": "Day", "week": "Week of", "month": "Month of"}


def _next_start(start: dt.date, period: str) -> dt.date:
    if period == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=7 if period == "week" else 1)


def _date_label(day: dt.date, period: str, with_year: bool) -> str:
    text = MONTHS[day.month - 1] if period == "month" else f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def trend_svg(chart_id: str, points: Sequence[Period], *, period: str, target: float) -> Markup:
    """Compliance per period (day, week or month) on a true time axis.

    A period's x is its date, so a stretch with no records is an empty stretch, and the line
    never joins across it. Beneath, a bar per period gives how many records were judged in it;
    a period with fewer than THIN judged is drawn faded and left off the line, so one record
    cannot read as a collapse. The year is printed on the first label and wherever it changes.
    """
    left, right, top = 48.0, 12.0, 26.0
    plot_h, strip_h = 130.0, 34.0
    height = top + plot_h + 40 + strip_h + 8
    plot_w = WIDTH - left - right
    judged_points = [p for p in points if p.kept + p.broken]
    days = [dt.date.fromisoformat(p.start) for p in judged_points]
    first, end = min(days), _next_start(max(days), period)
    span = max((end - first).days, 1)

    def x_of(day: dt.date) -> float:
        return left + (day - first).days / span * plot_w

    def x_mid(day: dt.date) -> float:
        return (x_of(day) + x_of(_next_start(day, period))) / 2

    solid = [p.kept / (p.kept + p.broken) for p in judged_points if p.kept + p.broken >= THIN]
    floor, step = _percent_axis(min([*solid, target]))
    y_span = 1.0 - floor

    def y_of(value: float) -> float:
        return top + plot_h - (max(value, floor) - floor) / y_span * plot_h

    body: list[str] = []
    for index in range(round(y_span / step) + 1):
        tick = floor + index * step
        y = y_of(tick)
        body.append(_line(left, y, left + plot_w, y, GRID))
        body.append(_text(left - 6, y + 4, f"{tick * 100:.0f}%", anchor="end", fill=MUTED))
    y_target = y_of(target)
    body.append(_line(left, y_target, left + plot_w, y_target, TARGET, ' stroke-dasharray="4 3"'))
    body.append(_text(left + plot_w, y_target - 4, f"target {percent(target)}", anchor="end"))
    # the line joins neighbouring periods that both have enough records
    segments: list[list[str]] = []
    previous: dt.date | None = None
    for point, day in zip(judged_points, days, strict=True):
        judged = point.kept + point.broken
        if judged < THIN:
            previous = None
            continue
        spot = f"{num(x_mid(day))},{num(y_of(point.kept / judged))}"
        if previous is not None and _next_start(previous, period) == day:
            segments[-1].append(spot)
        else:
            segments.append([spot])
        previous = day
    for spots in segments:
        if len(spots) > 1:
            body.append(
                f'<polyline points="{" ".join(spots)}" fill="none" stroke="{MUTED}" '
                'stroke-width="1.5"/>'
            )
    strip_top = top + plot_h + 40
    most = max(p.kept + p.broken for p in judged_points)
    for point, day in zip(judged_points, days, strict=True):
        judged = point.kept + point.broken
        value = point.kept / judged
        thin = judged < THIN
        colour = KEPT if value >= target else BROKEN
        tip = (
            f"{PERIOD_WORDS.get(period, 'Period of')} {day.isoformat()}: {percent(value)} of "
            f"{judged:,} judged kept" + (" (too few records to read alone)" if thin else "")
        )
        x = x_mid(day)
        faded = ' fill-opacity="0.35"' if thin else ""
        body.append(
            f'<circle cx="{num(x)}" cy="{num(y_of(value))}" r="{"2.5" if thin else "3.5"}" '
            f'fill="{colour}"{faded}><title>{escape(tip)}</title></circle>'
        )
        width = max(min(x_of(_next_start(day, period)) - x_of(day) - 1, 14.0), 1.5)
        h = max(judged / most * strip_h, 1.0)
        body.append(
            _rect(x - width / 2, strip_top + strip_h - h, width, h, MUTED, tip, faded or "")
        )
    body.append(_line(left, top + plot_h, left + plot_w, top + plot_h, INK))
    body.append(_line(left, strip_top + strip_h, left + plot_w, strip_top + strip_h, GRID))
    body.append(_text(left - 6, strip_top + 10, f"{most:,}", anchor="end", fill=MUTED))
    body.append(_text(left - 6, strip_top + strip_h, "0", anchor="end", fill=MUTED))
    body.append(
        _text(left + plot_w, strip_top - 4, f"judged per {period}", anchor="end", fill=MUTED)
    )
    # date labels: about eight, on period starts, the year where it changes
    every = max(1, math.ceil(len(_starts(first, end, period)) / 8))
    shown_year: int | None = None
    for index, day in enumerate(_starts(first, end, period)):
        if index % every:
            continue
        label = _date_label(day, period, day.year != shown_year)
        shown_year = day.year
        x = x_mid(day)
        body.append(_line(x, top + plot_h, x, top + plot_h + 4, MUTED))
        body.append(_text(x, top + plot_h + 16, label, fill=MUTED))
    legend = ((KEPT, f"{period} at or above target"), (BROKEN, f"{period} below target"))
    body += _legend(left, 12, legend)
    body.append(_text(WIDTH - right, 12, f"faded: fewer than {THIN} judged", "end", MUTED))
    below = sum(1 for p in judged_points if p.kept / (p.kept + p.broken) < target)
    return _svg(
        chart_id,
        height,
        f"Compliance by {period}",
        f"{len(judged_points)} {period}s with judged records, from {days[0].isoformat()} to "
        f"{days[-1].isoformat()}, against a target of {percent(target)}; {below} below it; "
        f"{sum(1 for p in judged_points if p.kept + p.broken < THIN)} with fewer than {THIN} "
        "judged records.",
        body,
    )


def _starts(first: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """Every period start from `first` up to `end`."""
    starts, day = [], first
    while day < end:
        starts.append(day)
        day = _next_start(day, period)
    return starts


def heatmap_svg(
    chart_id: str, cells: Sequence[Cell], *, promised: set[tuple[int, int]] | None = None
) -> Markup:
    """The hour of the week (local time) where the promise breaks: darker is a larger share.

    The scale runs from 0 to the largest broken share among hours with at least `FEW` judged
    records, so a single unlucky contact at 3 a.m. does not wash out the rest; such thin
    hours are drawn faded. With `promised` (the hours an availability promise covers), the
    hours outside it are drawn as closed, so the promised hours stand beside what was delivered.
    """
    left, top = 40.0, 34.0
    cell_w, cell_h = (WIDTH - left - 8) / 24, 20.0
    height = top + 7 * cell_h + 52
    grid = {(c.weekday, c.hour): c for c in cells}
    shares = [
        c.broken / (c.kept + c.broken) for c in cells if c.kept + c.broken >= FEW and c.broken
    ] or [c.broken / (c.kept + c.broken) for c in cells if c.kept + c.broken and c.broken]
    scale = max(shares, default=1.0)
    body: list[str] = []
    for hour in range(0, 24, 3):
        body.append(_text(left + (hour + 0.5) * cell_w, top - 6, f"{hour:02d}", fill=MUTED))
    for row, name in enumerate(WEEKDAYS):
        y = top + row * cell_h
        body.append(_text(left - 6, y + cell_h / 2 + 4, name, anchor="end", fill=MUTED))
        for hour in range(24):
            x = left + hour * cell_w
            cell = grid.get((row + 1, hour))
            when = f"{name} {hour:02d}:00-{hour + 1:02d}:00"
            judged = cell.kept + cell.broken if cell else 0
            if promised is not None and (row + 1, hour) not in promised:
                body.append(_rect(x, y, cell_w - 1, cell_h - 1, CLOSED, f"{when}: not promised"))
                continue
            if cell is None or judged == 0:
                body.append(_rect(x, y, cell_w - 1, cell_h - 1, EMPTY, f"{when}: nothing judged"))
                continue
            share = cell.broken / judged
            fill = CLEAN if cell.broken == 0 else _mix(min(share / scale, 1.0))
            faded = FADED if judged < FEW and cell.broken else ""
            tip = f"{when}: {cell.broken:,} broken of {judged:,} judged ({percent(share)})"
            body.append(_rect(x, y, cell_w - 1, cell_h - 1, fill, tip, faded))
    legend_y = top + 7 * cell_h + 22
    body += _legend(left, legend_y, ((EMPTY, "nothing judged"), (CLEAN, "none broken")))
    if promised is not None:
        body += _legend(left + 360, legend_y, ((CLOSED, "not promised"),))
    x = left + 250
    body.append(_rect(x, legend_y - 9, 10, 10, _mix(1.0), extra=FADED))
    body.append(_text(x + 14, legend_y, f"faded: fewer than {FEW} judged", anchor="start"))
    legend_y += 18
    x = left
    body.append(_text(x, legend_y, "broken share:", anchor="start"))
    x += 84
    for step in range(5):
        t = (step + 1) / 5
        body.append(_rect(x, legend_y - 9, 22, 10, _mix(t)))
        x += 24
    body.append(_text(x + 4, legend_y, f"up to {percent(scale)}", anchor="start"))
    hours = sum(1 for c in cells if c.broken)
    return _svg(
        chart_id,
        height,
        "Where it breaks: hour of the week",
        f"Broken share by weekday and hour; {hours} of {len(cells)} judged hours "
        f"have broken records; the darkest is {percent(scale)} or more.",
        body,
    )


def gauge_svg(
    chart_id: str,
    *,
    compliance: float,
    ci_low: float,
    ci_high: float,
    target: float,
) -> Markup:
    """Compliance on a bar from 0% to 100% (so 63% looks 63% full), its 95% interval as a
    band, the target as a tick."""
    left, right = 8.0, 8.0
    height = 50.0
    plot_w = WIDTH - left - right

    def x_of(value: float) -> float:
        return left + value * plot_w

    colour = KEPT if compliance >= target else BROKEN
    x_value, x_target = x_of(compliance), x_of(target)
    body = [
        _rect(left, 18, plot_w, 12, EMPTY),
        _rect(left, 18, x_value - left, 12, colour, extra=' fill-opacity="0.25"'),
        _rect(
            x_of(ci_low),
            18,
            max(x_of(ci_high) - x_of(ci_low), 1.0),
            12,
            colour,
            "95% interval",
            ' fill-opacity="0.55"',
        ),
        _line(x_value, 14, x_value, 34, colour, ' stroke-width="3"'),
        _line(x_target, 12, x_target, 36, TARGET, ' stroke-width="1.5"'),
        _text(_clamp(x_value, left + 40, WIDTH - right - 40), 10, percent(compliance), fill=colour),
    ]
    target_label = f"target {percent(target)}"
    x_label = _clamp(x_target, left + 40, WIDTH - right - 40)
    if x_label - left > 90:
        body.append(_text(left, 48, "0%", anchor="start", fill=MUTED))
    if WIDTH - right - x_label > 90:
        body.append(_text(WIDTH - right, 48, "100%", anchor="end", fill=MUTED))
    body.append(_text(x_label, 48, target_label, fill=TARGET))
    return _svg(
        chart_id,
        height,
        "Compliance against the target",
        f"Compliance {percent(compliance)} (95% interval {percent(ci_low)} to "
        f"{percent(ci_high)}); target {percent(target)}.",
        body,
    )


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


def _percent_axis(lowest: float) -> tuple[float, float]:
    """A compliance axis up to 100%: its round floor below `lowest`, and its tick step."""
    span = 1.0 - max(0.0, lowest - 0.02)
    step = 0.05 if span <= 0.25 else 0.1 if span <= 0.5 else 0.2
    floor = max(0.0, min(1.0 - step * 2, math.floor((lowest - 0.02) / step) * step))
    return round(floor, 6), step


def _mix(t: float) -> str:
    """From a pale vermilion (t = 0) to full vermilion (t = 1)."""
    start, end = (0xFB, 0xE3, 0xD3), (0xD5, 0x5E, 0x00)
    channels = (round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    return "#" + "".join(f"{c:02X}" for c in channels)
