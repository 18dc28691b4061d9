from __future__ import annotations

from promise_audit.kinds._abandons import (
    AbandonRule,
    abandon_cases,
    abandon_with_unknown_wait,
    describe,
)
from promise_audit.kinds.base import Case, Kind, MeasureEnd, Outcome, Requirement, Rule, seconds
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import Duration, PositiveDuration

# The wait runs from coalesce(enqueued_at, initiated_at) for wait_seconds, and ends when a person
# answers (answered_at) or the customer gives up; answered and abandoned, decided at the wait's
# end, are unknown too. A queued contact with no answer, no wait and no abandon flag is still
# waiting.
WAIT_ENDS = MeasureEnd(
    flag="wait_ends_after_as_of",
    ends_after=(
        "(answered_at is not null and answered_at > as_of) or (answered_at is null and ("
        "(wait_seconds is not null and coalesce(enqueued_at, initiated_at) + wait_seconds > as_of)"
        " or (wait_seconds is null and not coalesce(answered, false) and enqueued_at is not null"
        " and abandoned is null)))"
    ),
    unknown=("wait_seconds", "answered", "abandoned"),
)


class WaitTimeOptions(PromiseSpec):
    limit: PositiveDuration
    short_abandon: Duration = 0.0
    abandoned: AbandonRule = "exclude"


class WaitTime(Kind):
    """Nobody waits in a queue for a person longer than `limit`.

    Population: contacts that queued for a person (enqueued_at present or, where the export
    has no enqueued_at, a wait present; an abandon with neither is outside it, as nothing
    says it reached a queue).
    Broken: wait_seconds over `limit`, whether the contact was answered or abandoned.
    Pending: still waiting at as_of (answered or ended after it, an exported wait that ends
    after it, or neither yet) while the deadline, the wait's start (enqueued_at, else
    initiated_at) + limit, is after as_of; broken once that deadline is at or before as_of.
    Excluded: abandons at or under `short_abandon` (short_abandon); other abandons at or under
    `limit` count as the `abandoned` option says (default: excluded, abandoned_within_limit).
    A missing wait is excluded (missing_wait_seconds) only where the outcome depends on it:
    an abandon whose wait is missing is broken under `abandoned: broken` with no
    `short_abandon` threshold (every wait it could have had breaks the promise). A wait at or
    under the limit whose abandoned flag is missing, in an export that has the flag, is
    excluded (missing_abandoned) where an abandon would count differently from an answer,
    unless the contact is known answered; an export with no abandoned flag at all is judged
    on its waits alone.
    Kept: every other contact, i.e. a wait at or under the limit (exactly at it is kept).
    """

    name = "wait_time"
    Options = WaitTimeOptions
    noun = "queued contacts"
    measure_ends = (WAIT_ENDS,)

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("wait_seconds",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, WaitTimeOptions)
        queued = (
            "enqueued_at is not null"
            if "enqueued_at" in available
            else "wait_seconds is not null or wait_ends_after_as_of"
        )
        limit = seconds(options.limit)
        cases = [
            # still waiting at as_of: the deadline decides, as for every clock
            Case(
                f"wait_ends_after_as_of and coalesce(enqueued_at, initiated_at) + {limit} > as_of",
                Outcome.PENDING,
            ),
            Case("wait_ends_after_as_of", Outcome.BROKEN, "waited_too_long"),
            abandon_with_unknown_wait(options.limit, options.short_abandon, options.abandoned),
            Case("wait_seconds is null", Outcome.EXCLUDED, "missing_wait_seconds"),
            Case(f"wait_seconds > {limit}", Outcome.BROKEN, "waited_too_long"),
        ]
        if "abandoned" in available:
            # an answer would be kept; an abandon counts as the convention says
            unknown = "abandoned is null and not coalesce(answered, false)"
            if options.abandoned == "kept":
                unknown += f" and wait_seconds <= {seconds(options.short_abandon)}"
            cases.append(Case(unknown, Outcome.EXCLUDED, "missing_abandoned"))
        cases += abandon_cases(options.limit, options.short_abandon, options.abandoned)
        return Rule(
            population=queued,
            cases=tuple(cases),
            otherwise=Outcome.KEPT,
            measure="wait_seconds",
            limit=options.limit,
            debt=f"wait_seconds - {limit}",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, WaitTimeOptions)
        return f"waited {options.words('limit')} or less for a person"

    def convention(self, options: PromiseSpec) -> str | None:
        assert isinstance(options, WaitTimeOptions)
        return describe(
            None if options.limit is None else options.words("limit"),
            options.words("short_abandon") if options.short_abandon > 0 else None,
            options.abandoned,
        )
