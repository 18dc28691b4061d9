from __future__ import annotations

from promise_audit.kinds.base import Kind, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class RefundTimeOptions(PromiseSpec):
    limit: PositiveDuration


class RefundTime(Kind):
    """An accepted return is refunded within `limit` of the return request.

    Population: accepted returns (return_decision accepted, any case).
    Kept: refund_at at most `limit` after return_requested_at.
    Broken: refunded later (late), or not refunded and the deadline is at or before as_of
    (none_by_deadline).
    Pending: not refunded and the deadline is after as_of.
    Excluded: no return_requested_at (missing_return_requested_at).
    """

    name = "refund_time"
    Options = RefundTimeOptions
    noun = "accepted returns"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("return_decision",), ("return_requested_at",), ("refund_at",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, RefundTimeOptions)
        return deadline_rule(
            population="lower(return_decision) = 'accepted'",
            start="return_requested_at",
            end="refund_at",
            limit=options.limit,
            start_field="return_requested_at",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, RefundTimeOptions)
        return f"were refunded {within(options.words('limit'))}"
