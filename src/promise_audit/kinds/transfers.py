from __future__ import annotations

from typing import Self

from pydantic import model_validator

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, number
from promise_audit.promises.model import PromiseSpec


class TransfersOptions(PromiseSpec):
    max: int

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max < 0:
            raise ValueError("max cannot be negative")
        return self


class Transfers(Kind):
    """No run-around: a customer's journey is transferred at most `max` times.

    Population: contacts (one journey each; multi-leg sources are stitched first).
    Broken: transfers over `max`.
    Excluded: the number of transfers is missing (missing_transfers).
    """

    name = "transfers"
    Options = TransfersOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("transfers",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, TransfersOptions)
        return Rule(
            population="true",
            cases=(
                Case("transfers is null", Outcome.EXCLUDED, "missing_transfers"),
                Case(f"transfers > {number(options.max)}", Outcome.BROKEN, "too_many_transfers"),
            ),
            otherwise=Outcome.KEPT,
            measure="transfers",
            measure_unit="count",
            limit=float(options.max),
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, TransfersOptions)
        if options.max == 0:
            return "were never transferred"
        return f"were transferred {options.max} time{'s' if options.max != 1 else ''} or fewer"
