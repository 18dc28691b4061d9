from __future__ import annotations

from promise_audit.kinds._abandons import (
    IS_ABANDON,
    AbandonRule,
    abandon_cases,
    abandon_with_unknown_wait,
    describe,
)
from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, seconds
from promise_audit.kinds.wait_time import WAIT_ENDS
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import Duration, PositiveDuration


class AvailabilityOptions(PromiseSpec):
    limit: PositiveDuration | None = None
    short_abandon: Duration = 0.0
    abandoned: AbandonRule = "exclude"


class Availability(Kind):
    """A person is there when promised ("24/7", "a person at the end of the line").

    Population: contacts started inside the promised hours (the `calendar`; without one,
    around the clock).
    Broken: abandoned (the customer gave up) or never answered by a person (answered false,
    unanswered), whether or not the wait is known; with `limit`, also answered after waiting
    more than `limit` (answered_late). A contact answered with no recorded time is answered.
    Abandons follow the same convention as wait_time: short abandons (at or under
    `short_abandon`) are excluded; with `limit`, abandons at or under it count as the
    `abandoned` option says and those over it are broken; without `limit`, every other abandon
    is broken. An abandon whose wait is missing is broken unless that convention makes its
    outcome depend on the wait (a `short_abandon` threshold, or `abandoned: exclude` or `kept`
    with a `limit`): then it is excluded (missing_wait_seconds).
    Pending: still waiting at as_of (answered, or an exported wait ending, after it); with
    `limit`, broken (waited_too_long) once the wait's start (enqueued_at, else initiated_at)
    + limit is at or before as_of.
    Excluded: whether a person answered is unknown (missing_answered, or missing_abandoned
    where the export only says which contacts were abandoned); with `limit`, an answered
    contact's wait is missing (missing_wait_seconds).
    """

    name = "availability"
    Options = AvailabilityOptions
    noun = "contacts"
    measure_ends = (WAIT_ENDS,)

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, AvailabilityOptions)
        needs: list[Requirement] = [("answered_at", "answered", "abandoned")]
        if options.limit is not None:
            needs.append(("wait_seconds",))
        return tuple(needs)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, AvailabilityOptions)
        cases: list[Case] = []
        if options.limit is None:
            cases.append(Case("wait_ends_after_as_of", Outcome.PENDING))
        else:
            limit = seconds(options.limit)
            cases += [
                Case(
                    "wait_ends_after_as_of and coalesce(enqueued_at, initiated_at) + "
                    f"{limit} > as_of",
                    Outcome.PENDING,
                ),
                Case("wait_ends_after_as_of", Outcome.BROKEN, "waited_too_long"),
            ]
        cases.append(
            abandon_with_unknown_wait(options.limit, options.short_abandon, options.abandoned)
        )
        if options.limit is not None:
            cases += [
                Case(f"{IS_ABANDON} and wait_seconds > {limit}", Outcome.BROKEN, "abandoned"),
                *abandon_cases(options.limit, options.short_abandon, options.abandoned),
            ]
        else:
            cases += [
                Case(
                    f"{IS_ABANDON} and wait_seconds <= {seconds(options.short_abandon)}",
                    Outcome.EXCLUDED,
                    "short_abandon",
                ),
                Case(IS_ABANDON, Outcome.BROKEN, "abandoned"),
            ]
        if "answered" in available:
            cases += [
                Case("not answered", Outcome.BROKEN, "unanswered"),
                Case("answered is null", Outcome.EXCLUDED, "missing_answered"),
            ]
        else:
            cases.append(Case("abandoned is null", Outcome.EXCLUDED, "missing_abandoned"))
        if options.limit is not None:
            cases += [
                Case("wait_seconds is null", Outcome.EXCLUDED, "missing_wait_seconds"),
                Case(f"wait_seconds > {seconds(options.limit)}", Outcome.BROKEN, "answered_late"),
            ]
        return Rule(
            population="in_calendar",
            in_calendar=True,
            cases=tuple(cases),
            otherwise=Outcome.KEPT,
            measure="wait_seconds" if options.limit is not None else None,
            limit=options.limit,
            debt=f"wait_seconds - {seconds(options.limit)}" if options.limit is not None else None,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, AvailabilityOptions)
        if options.limit is None:
            return "reached a person"
        return f"reached a person within {options.words('limit')}"

    def convention(self, options: PromiseSpec) -> str | None:
        assert isinstance(options, AvailabilityOptions)
        return describe(
            None if options.limit is None else options.words("limit"),
            options.words("short_abandon") if options.short_abandon > 0 else None,
            options.abandoned,
        )
