from __future__ import annotations

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, seconds
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class ReturnWindowOptions(PromiseSpec):
    window: PositiveDuration


class ReturnWindow(Kind):
    """A return asked for within `window` of the purchase is accepted.

    Population: return requests (return_requested_at present) made within `window` of
    purchased_at (exactly `window` after is within it); a request with no purchased_at is in
    the population and excluded (missing_purchased_at).
    Broken: return_decision is rejected.
    Kept: return_decision is accepted.
    Excluded: no decision yet (no_decision); any other decision text
    (unrecognised_return_decision).
    """

    name = "return_window"
    Options = ReturnWindowOptions
    noun = "return requests within the window"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("return_requested_at",), ("purchased_at",), ("return_decision",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, ReturnWindowOptions)
        window = seconds(options.window)
        return Rule(
            population=(
                "return_requested_at is not null and (purchased_at is null or "
                f"return_requested_at - purchased_at <= {window})"
            ),
            cases=(
                Case("purchased_at is null", Outcome.EXCLUDED, "missing_purchased_at"),
                Case("return_decision is null", Outcome.EXCLUDED, "no_decision"),
                Case("lower(return_decision) = 'rejected'", Outcome.BROKEN, "rejected"),
                Case("lower(return_decision) = 'accepted'", Outcome.KEPT),
                # any other text: the engine's generic fallback would not name the field
                Case("true", Outcome.EXCLUDED, "unrecognised_return_decision"),
            ),
            otherwise=Outcome.EXCLUDED,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, ReturnWindowOptions)
        return f"were accepted (asked for within {options.words('window')})"
