"""How abandoned contacts count (wait_time, availability): the convention a report prints."""

from __future__ import annotations

from typing import Literal

from promise_audit.kinds.base import Case, Outcome, seconds

AbandonRule = Literal["exclude", "kept", "broken"]

IS_ABANDON = "coalesce(abandoned, false)"


def abandon_cases(limit: float, short_abandon: float, abandoned: AbandonRule) -> tuple[Case, ...]:
    """Cases for abandons at or under the limit (those over it are broken before these)."""
    counted = {
        "exclude": Case(IS_ABANDON, Outcome.EXCLUDED, "abandoned_within_limit"),
        "kept": Case(IS_ABANDON, Outcome.KEPT),
        "broken": Case(IS_ABANDON, Outcome.BROKEN, "abandoned"),
    }[abandoned]
    return (
        Case(
            f"{IS_ABANDON} and wait_seconds <= {seconds(short_abandon)}",
            Outcome.EXCLUDED,
            "short_abandon",
        ),
        counted,
    )


def abandon_with_unknown_wait(
    limit: float | None, short_abandon: float, abandoned: AbandonRule
) -> Case:
    """An abandon whose wait is missing: broken where every wait it could have had breaks it
    (no short-abandon threshold, and every abandon within the limit counts as broken, or there
    is no limit), else excluded for the missing wait. A missing wait is not a zero wait: the
    default threshold of 0 s (no wait at all) does not make it a short abandon."""
    when = f"{IS_ABANDON} and wait_seconds is null"
    if short_abandon == 0 and (limit is None or abandoned == "broken"):
        return Case(when, Outcome.BROKEN, "abandoned")
    return Case(when, Outcome.EXCLUDED, "missing_wait_seconds")


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
