from __future__ import annotations

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule
from promise_audit.promises.model import PromiseSpec


class FreeReturnsOptions(PromiseSpec):
    pass


class FreeReturns(Kind):
    """Returns ship back free.

    Population: accepted returns (return_decision accepted, any case).
    Broken: return_shipping_fee above 0.
    Excluded: the fee is missing (missing_return_shipping_fee).
    """

    name = "free_returns"
    Options = FreeReturnsOptions
    noun = "accepted returns"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("return_decision",), ("return_shipping_fee",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        return Rule(
            population="lower(return_decision) = 'accepted'",
            cases=(
                Case(
                    "return_shipping_fee is null", Outcome.EXCLUDED, "missing_return_shipping_fee"
                ),
                Case("return_shipping_fee > 0", Outcome.BROKEN, "charged_for_return"),
            ),
            otherwise=Outcome.KEPT,
            measure="return_shipping_fee",
            measure_unit="amount",
            limit=0.0,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        return "shipped back free"
