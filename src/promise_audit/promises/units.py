"""Durations (`90s`, `5m`, `24h`, `365d`, `PT5M`, `00:05:00`) and targets (`95%`, `0.95`)."""

from __future__ import annotations

import re
from typing import Annotated, Any, get_args

from pydantic import BeforeValidator

_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
}
_SIMPLE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?\s*$")
_ISO = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")


def parse_duration(value: Any) -> float:
    """Seconds in a duration written as the promise file allows; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 90s, 5m, 24h or PT5M, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_duration_text(value)
    else:
        raise ValueError(f"expected a duration such as 90s, 5m, 24h or PT5M, got {value!r}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return seconds


def _parse_duration_text(text: str) -> float:
    simple = _SIMPLE.match(text)
    if simple:
        number, unit = simple.groups()
        if unit is None:
            return float(number)
        factor = _UNIT_SECONDS.get(unit.lower())
        if factor is None:
            raise ValueError(
                f"unknown duration unit {unit!r} in {text!r}: use s, m, h, d or w (e.g. 5m)"
            )
        return float(number) * factor
    iso = _ISO.match(text.strip())
    if iso and any(iso.groupdict().values()):
        parts = iso.groupdict()
        return sum(
            float(parts[key] or 0) * factor
            for key, factor in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
        )
    clock = _CLOCK.match(text.strip())
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    raise ValueError(f"cannot read {text!r} as a duration: write e.g. 90s, 5m, 24h, 365d or PT5M")


def parse_positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"must be more than zero, got {value!r}")
    return seconds


def parse_fraction(value: Any) -> float:
    """A target or threshold: `95%`, `99.5%`, `0.95` or `1`; never above 100%."""
    if isinstance(value, bool):
        raise ValueError(f"expected a percentage such as 95% or 0.95, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            fraction = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(
                f"cannot read {value!r} as a percentage: write e.g. 95% or 0.95"
            ) from None
    elif isinstance(value, int | float):
        fraction = float(value)
        if fraction > 1:
            raise ValueError(f"{value!r} is over 100%: write {value}% or {value / 100:g}")
    else:
        raise ValueError(f"expected a percentage such as 95% or 0.95, got {value!r}")
    if not 0 <= fraction <= 1:
        raise ValueError(f"must be between 0% and 100%, got {value!r}")
    return fraction


Duration = Annotated[float, BeforeValidator(parse_duration)]
PositiveDuration = Annotated[float, BeforeValidator(parse_positive_duration)]
Fraction = Annotated[float, BeforeValidator(parse_fraction)]


# Every output writes a duration through `duration_text` (and an axis label through
# `duration_tick`): a promise's own limit, window or deadline in the unit its file used, any
# other duration (a measure, a median) in the compact form below.
UNIT_SECONDS = {"week": 604800, "day": 86400, "hour": 3600, "minute": 60, "second": 1}
_WRITTEN_UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "ms": "second",
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "week": "week", "weeks": "week",
}  # fmt: skip


def written_unit(value: Any) -> str | None:
    """The unit a duration was written in: '5d' -> 'day', 90 -> 'second', 'PT2H' -> 'hour';
    None where it names none ('00:05:00')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "second"
    if not isinstance(value, str):
        return None
    simple = _SIMPLE.match(value)
    if simple:
        unit = simple.group(2)
        return "second" if unit is None else _WRITTEN_UNITS.get(unit.lower())
    iso = _ISO.match(value.strip())
    if iso:
        for key, unit in (("w", "week"), ("d", "day"), ("h", "hour"), ("m", "minute")):
            if iso.group(key):
                return unit
        return "second"
    return None


def duration_text(seconds: float, unit: str | None = None) -> str:
    """A duration in words, the one way every report, terminal line and sentence writes one.

    With `unit` (the unit the promise file wrote it in): 432000, 'day' -> '5 days';
    90, 'second' -> '90 seconds'; 5400, 'hour' -> '1.5 hours'. Without: the largest unit it is
    a whole number of ('24 hours', '5 minutes'), else a compact reading of a measured value
    ('28 min 59 s', '3 h 5 min', '33.7 days').
    """
    if unit in UNIT_SECONDS:
        count = seconds / UNIT_SECONDS[unit]
        # a value the unit cannot show to two decimals (1 second in minutes) reads as measured
        if abs(round(count, 2) - count) * UNIT_SECONDS[unit] < 0.5:
            shown = f"{count:,.2f}".rstrip("0").rstrip(".")
            return f"{shown} {unit}{'' if shown == '1' else 's'}"
    whole = round(seconds)
    # a whole number of a unit reads as that unit only while the number stays small: 1,411
    # minutes in a column of measured times reads '23 h 31 min', like its neighbours
    if whole == seconds and whole >= 60:
        for name, below in (("day", None), ("hour", 48 * 3600), ("minute", 3600)):
            if whole % UNIT_SECONDS[name] == 0 and (below is None or whole < below):
                return duration_text(seconds, name)
    if whole < 60:
        return duration_text(seconds, "second") if whole == seconds else f"{seconds:.1f} seconds"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if whole < 48 * 3600:
        hours, rest = divmod(whole, 3600)
        minutes = rest // 60
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds / 86400:,.1f} days"


def duration_tick(seconds: float) -> str:
    """A short axis label: 300 -> '5m', 86400 -> '1d', 45 -> '45s'."""
    if seconds == 0:
        return "0"
    for suffix, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{suffix}"
    return f"{seconds:g}s"


def is_duration_field(annotation: Any, metadata: list[Any]) -> bool:
    """Whether a field is read by units.parse_duration (Duration, PositiveDuration, Optional)."""
    readers = (parse_duration, parse_positive_duration)
    if any(getattr(item, "func", None) in readers for item in metadata):
        return True
    metadata_of = getattr(annotation, "__metadata__", ())
    if any(getattr(item, "func", None) in readers for item in metadata_of):
        return True
    return any(is_duration_field(arg, []) for arg in get_args(annotation))
