from __future__ import annotations

from typing import Self

from pydantic import model_validator

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, number
from promise_audit.promises.model import PromiseSpec


class EscalationsOptions(PromiseSpec):
    max: int = 0

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max < 0:
            raise ValueError("max cannot be negative")
        return self


class Escalations(Kind):
    """The frontline can say yes: a contact is escalated at most `max` times (default 0).

    Population: contacts.
    Broken: escalations over `max`. Where the count is missing (or the export only has the
    escalated flag), the flag decides what it can: escalated false is no escalation (kept);
    escalated true is at least one, so broken when `max` is 0.
    Excluded: the count is missing and the flag cannot decide: escalated true with a `max` of
    1 or more (missing_escalations), or the flag missing too (missing_escalated).
    """

    name = "escalations"
    Options = EscalationsOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("escalations", "escalated"),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, EscalationsOptions)
        has_count = "escalations" in available
        no_count = "escalations is null" if has_count else "true"
        # escalated true is at least one escalation: enough to break a max of 0, not more
        at_least_one = (
            Case(f"{no_count} and escalated", Outcome.BROKEN, "escalated")
            if options.max == 0
            else Case(f"{no_count} and escalated", Outcome.EXCLUDED, "missing_escalations")
        )
        cases: list[Case] = []
        if "escalated" in available:
            cases += [Case(f"{no_count} and not escalated", Outcome.KEPT), at_least_one]
        cases.append(
            Case(no_count, Outcome.EXCLUDED, "missing_escalations")
            if has_count
            else Case("escalated is null", Outcome.EXCLUDED, "missing_escalated")
        )
        if has_count:
            cases.append(Case(f"escalations > {number(options.max)}", Outcome.BROKEN, "escalated"))
        return Rule(
            population="true",
            cases=tuple(cases),
            otherwise=Outcome.KEPT,
            measure="escalations" if has_count else None,
            measure_unit="count",
            limit=float(options.max) if has_count else None,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, EscalationsOptions)
        if options.max == 0:
            return "were settled without an escalation"
        return f"were escalated {options.max} time{'s' if options.max != 1 else ''} or fewer"
