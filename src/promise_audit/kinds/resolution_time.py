from __future__ import annotations

from promise_audit.kinds.base import Kind, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class ResolutionTimeOptions(PromiseSpec):
    limit: PositiveDuration


class ResolutionTime(Kind):
    """Every contact is resolved within `limit` of being initiated.

    Population: contacts.
    Kept: resolved_at at most `limit` after initiated_at.
    Broken: resolved later (late), or unresolved and initiated_at + limit is at or before
    as_of (none_by_deadline).
    Pending: unresolved and the deadline is after as_of.
    """

    name = "resolution_time"
    Options = ResolutionTimeOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("resolved_at",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, ResolutionTimeOptions)
        return deadline_rule(
            population="true",
            start="initiated_at",
            end="resolved_at",
            limit=options.limit,
            start_field="initiated_at",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, ResolutionTimeOptions)
        return f"were resolved {within(options.words('limit'))}"
