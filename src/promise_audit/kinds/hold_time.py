from __future__ import annotations

from typing import Literal

from promise_audit.kinds.base import Case, Kind, MeasureEnd, Outcome, Requirement, Rule, seconds
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration

# Holds happen during the conversation, so they are known when it ends (ended_at), or, with no
# ended_at, no earlier than answered_at + the hold time.
HOLD_ENDS = MeasureEnd(
    flag="hold_ends_after_as_of",
    ends_after=(
        "(ended_at is not null and ended_at > as_of) or (ended_at is null and answered_at is not "
        "null and answered_at <= as_of and answered_at + coalesce(hold_seconds, "
        "longest_hold_seconds, 0s) > as_of)"
    ),
    unknown=("hold_seconds", "longest_hold_seconds", "hold_count"),
)


class HoldTimeOptions(PromiseSpec):
    limit: PositiveDuration
    per: Literal["contact", "hold"] = "contact"


class HoldTime(Kind):
    """Nobody is put on hold, during the conversation, for longer than `limit`.

    Population: answered contacts (answered true, which answered_at present implies; where the
    export has neither, contacts not marked abandoned).
    Broken: the total hold time (hold_seconds) over `limit`; with `per: hold`, the longest
    single hold (longest_hold_seconds, which equals hold_seconds when there was at most one
    hold) over `limit`.
    Pending: the conversation had not ended at as_of (ended_at after it or, with no ended_at,
    answered_at + the hold time after it): its holds are not all known yet.
    Excluded: the hold time is missing (missing_hold_seconds / missing_longest_hold_seconds).
    """

    name = "hold_time"
    Options = HoldTimeOptions
    noun = "answered contacts"
    measure_ends = (HOLD_ENDS,)

    def _measure(self, options: HoldTimeOptions) -> str:
        return "longest_hold_seconds" if options.per == "hold" else "hold_seconds"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, HoldTimeOptions)
        return ((self._measure(options),),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, HoldTimeOptions)
        if "answered" in available:
            answered = "coalesce(answered, false)"
        elif "abandoned" in available:
            answered = "not coalesce(abandoned, false)"
        else:
            answered = "true"
        measure = self._measure(options)
        return Rule(
            population=answered,
            cases=(
                Case("hold_ends_after_as_of", Outcome.PENDING),
                Case(f"{measure} is null", Outcome.EXCLUDED, f"missing_{measure}"),
                Case(f"{measure} > {seconds(options.limit)}", Outcome.BROKEN, "held_too_long"),
            ),
            otherwise=Outcome.KEPT,
            measure=measure,
            limit=options.limit,
            debt=f"{measure} - {seconds(options.limit)}",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, HoldTimeOptions)
        what = "any single hold" if options.per == "hold" else "hold"
        return f"spent {options.words('limit')} or less on {what}"
