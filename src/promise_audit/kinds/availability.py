from __future__ import annotations

from promise_audit.kinds._abandons import AbandonRule, abandon_cases, describe
from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, seconds
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
    Broken: abandoned (the customer gave up) or never answered by a person; with `limit`,
    also answered after waiting more than `limit`.
    Abandons follow the same convention as wait_time: short abandons (at or under
    `short_abandon`) are excluded; with `limit`, abandons at or under it count as the
    `abandoned` option says and those over it are broken; without `limit`, every other abandon
    is broken.
    Excluded: a wait the rule needs is missing (missing_wait_seconds).
    """

    name = "availability"
    Options = AvailabilityOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, AvailabilityOptions)
        needs: list[Requirement] = [("answered_at", "abandoned")]
        if options.limit is not None:
            needs.append(("wait_seconds",))
        return tuple(needs)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, AvailabilityOptions)
        abandoned = "coalesce(abandoned, false)"
        has_wait = "wait_seconds" in available
        cases: list[Case] = []
        if options.limit is not None or options.short_abandon > 0:
            # an abandon's wait decides whether it is short, or over the limit
            cases.append(
                Case(
                    f"{abandoned} and wait_seconds is null",
                    Outcome.EXCLUDED,
                    "missing_wait_seconds",
                )
            )
        if options.limit is not None:
            limit = seconds(options.limit)
            cases += [
                Case(f"{abandoned} and wait_seconds > {limit}", Outcome.BROKEN, "abandoned"),
                *abandon_cases(options.limit, options.short_abandon, options.abandoned),
            ]
        else:
            if has_wait:
                cases.append(
                    Case(
                        f"{abandoned} and wait_seconds <= {seconds(options.short_abandon)}",
                        Outcome.EXCLUDED,
                        "short_abandon",
                    )
                )
            cases.append(Case(abandoned, Outcome.BROKEN, "abandoned"))
        if "answered_at" in available:
            cases.append(Case("answered_at is null", Outcome.BROKEN, "unanswered"))
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
