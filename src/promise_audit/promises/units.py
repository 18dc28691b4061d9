"""Durations (`90s`, `5m`, `24h`, `365d`, `PT5M`, `00:05:00`) and targets (`95%`, `0.95`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

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


def format_duration(seconds: float) -> str:
    """The shortest exact form: 300 -> '5m', 86400 -> '24h', 90 -> '90s'."""
    if seconds and seconds % 86400 == 0 and seconds >= 7 * 86400:
        return f"{seconds / 86400:g}d"
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def humanize_duration(seconds: float) -> str:
    """Words for a sentence: 300 -> '5 minutes', 86400 -> '24 hours'."""
    for word, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds / size
            if word == "day" and count < 7:
                count, word = seconds / 3600, "hour"
            return f"{count:g} {word}{'' if count == 1 else 's'}"
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"
