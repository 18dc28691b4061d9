from __future__ import annotations

from promise_audit.kinds._abandons import AbandonRule, abandon_cases, describe
from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, seconds
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import Duration, PositiveDuration


class WaitTimeOptions(PromiseSpec):
    limit: PositiveDuration
    short_abandon: Duration = 0.0
    abandoned: AbandonRule = "exclude"


class WaitTime(Kind):
    """Nobody waits in a queue for a person longer than `limit`.

    Population: contacts that queued for a person (enqueued_at present or, where the export
    has no enqueued_at, wait_seconds present).
    Broken: wait_seconds over `limit`, whether the contact was answered or abandoned.
    Pending: still waiting at as_of (answered or ended after it, or neither yet) while
    enqueued_at + limit is after as_of; broken once that deadline has passed.
    Excluded: abandons at or under `short_abandon` (short_abandon); other abandons at or under
    `limit` count as the `abandoned` option says (default: excluded, abandoned_within_limit);
    a missing wait (missing_wait_seconds).
    Kept: every other contact, i.e. a wait at or under the limit (exactly at it is kept).
    """

    name = "wait_time"
    Options = WaitTimeOptions
    noun = "queued contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("wait_seconds",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, WaitTimeOptions)
        queued = (
            "enqueued_at is not null"
            if "enqueued_at" in available
            else ("wait_seconds is not null")
        )
        limit = seconds(options.limit)
        return Rule(
            population=queued,
            cases=(
                # still waiting at as_of: the deadline decides, as for every clock
                Case(
                    f"wait_seconds is null and abandoned is null and enqueued_at + {limit} > as_of",
                    Outcome.PENDING,
                ),
                Case(
                    "wait_seconds is null and abandoned is null and enqueued_at is not null",
                    Outcome.BROKEN,
                    "waited_too_long",
                ),
                Case("wait_seconds is null", Outcome.EXCLUDED, "missing_wait_seconds"),
                Case(f"wait_seconds > {limit}", Outcome.BROKEN, "waited_too_long"),
                *abandon_cases(options.limit, options.short_abandon, options.abandoned),
            ),
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
