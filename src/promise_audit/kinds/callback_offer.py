from __future__ import annotations

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, seconds
from promise_audit.kinds.wait_time import WAIT_ENDS
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import Duration


class CallbackOfferOptions(PromiseSpec):
    after: Duration


class CallbackOffer(Kind):
    """Whoever waits longer than `after` is offered a callback.

    Only callback_offered can show that no offer was made (a customer who did not request a
    callback may have declined one), so an export without it is unauditable.

    Population: contacts whose wait_seconds is over `after` (exactly `after` is not over it),
    and contacts still waiting at as_of whose wait had already passed `after` then.
    Kept: callback_offered is true, or the customer requested a callback
    (callback_requested_at present), which proves the offer.
    Pending: still waiting at as_of and no callback requested by then (an offer may yet be
    recorded).
    Broken: callback_offered is false and no callback was requested (no_callback_offered).
    Excluded: callback_offered is missing and no callback was requested
    (missing_callback_offered).
    """

    name = "callback_offer"
    Options = CallbackOfferOptions
    noun = "customers who waited long enough to be owed the offer"
    measure_ends = (WAIT_ENDS,)

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("wait_seconds",), ("callback_offered",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, CallbackOfferOptions)
        cases: list[Case] = []
        if "callback_requested_at" in available:
            cases.append(Case("callback_requested_at is not null", Outcome.KEPT))
        cases += [
            Case("wait_ends_after_as_of", Outcome.PENDING),
            Case("callback_offered", Outcome.KEPT),
            Case("callback_offered is null", Outcome.EXCLUDED, "missing_callback_offered"),
            Case("not callback_offered", Outcome.BROKEN, "no_callback_offered"),
        ]
        return Rule(
            population=(
                f"wait_seconds > {seconds(options.after)} or (wait_ends_after_as_of and "
                f"coalesce(enqueued_at, initiated_at) + {seconds(options.after)} < as_of)"
            ),
            cases=tuple(cases),
            otherwise=Outcome.BROKEN,
            measure="wait_seconds",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, CallbackOfferOptions)
        return f"were offered a callback once the wait passed {options.words('after')}"
