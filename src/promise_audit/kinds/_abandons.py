"""How abandoned contacts count (wait_time, availability): the convention a report prints."""

from __future__ import annotations

from typing import Literal

from promise_audit.kinds.base import Case, Outcome, seconds

AbandonRule = Literal["exclude", "kept", "broken"]


def abandon_cases(limit: float, short_abandon: float, abandoned: AbandonRule) -> tuple[Case, ...]:
    """Cases for abandons at or under the limit (those over it are broken before these)."""
    is_abandon = "coalesce(abandoned, false)"
    counted = {
        "exclude": Case(is_abandon, Outcome.EXCLUDED, "abandoned_within_limit"),
        "kept": Case(is_abandon, Outcome.KEPT),
        "broken": Case(is_abandon, Outcome.BROKEN, "abandoned"),
    }[abandoned]
    return (
        Case(
            f"{is_abandon} and wait_seconds <= {seconds(short_abandon)}",
            Outcome.EXCLUDED,
            "short_abandon",
        ),
        counted,
    )


def describe(limit: str | None, short_abandon: str | None, abandoned: AbandonRule) -> str:
    """The convention in words; `limit` and `short_abandon` as the promise file wrote them."""
    short = (
        f"abandons after {short_abandon} or less are excluded as short abandons"
        if short_abandon is not None
        else "abandons with no wait at all are excluded as short abandons"
    )
    if limit is None:
        return f"{short}; every other abandon is broken (the customer never reached a person)"
    other = {
        "exclude": "excluded (the customer gave up before the promise was at stake)",
        "kept": "kept (they did not wait longer than promised)",
        "broken": "broken (they never reached a person)",
    }[abandoned]
    return (
        f"{short}; other abandons within {limit} are {other}; "
        f"abandons after more than {limit} are broken"
    )
