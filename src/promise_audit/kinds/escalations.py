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
    Broken: escalations over `max`; where the export only has the escalated flag, escalated
    true counts as one escalation.
    Excluded: the count (or flag) is missing (missing_escalations / missing_escalated).
    """

    name = "escalations"
    Options = EscalationsOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("escalations", "escalated"),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, EscalationsOptions)
        if "escalations" in available:
            return Rule(
                population="true",
                cases=(
                    Case("escalations is null", Outcome.EXCLUDED, "missing_escalations"),
                    Case(f"escalations > {number(options.max)}", Outcome.BROKEN, "escalated"),
                ),
                otherwise=Outcome.KEPT,
                measure="escalations",
                measure_unit="count",
                limit=float(options.max),
            )
        over = "escalated" if options.max == 0 else "false"
        return Rule(
            population="true",
            cases=(
                Case("escalated is null", Outcome.EXCLUDED, "missing_escalated"),
                Case(over, Outcome.BROKEN, "escalated"),
            ),
            otherwise=Outcome.KEPT,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, EscalationsOptions)
        if options.max == 0:
            return "were settled without an escalation"
        return f"were escalated {options.max} time{'s' if options.max != 1 else ''} or fewer"
