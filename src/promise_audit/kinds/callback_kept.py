from __future__ import annotations

from promise_audit.kinds.base import Kind, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class CallbackKeptOptions(PromiseSpec):
    limit: PositiveDuration


class CallbackKept(Kind):
    """A requested callback reaches the customer within `limit` of the request.

    Population: contacts with callback_requested_at.
    Kept: callback_at at most `limit` after callback_requested_at.
    Broken: callback_at later than that (late), or no callback yet and the deadline
    (request + limit) is at or before as_of (none_by_deadline).
    Pending: no callback yet and the deadline is after as_of.
    """

    name = "callback_kept"
    Options = CallbackKeptOptions
    noun = "requested callbacks"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("callback_requested_at",), ("callback_at",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, CallbackKeptOptions)
        return deadline_rule(
            population="callback_requested_at is not null",
            start="callback_requested_at",
            end="callback_at",
            limit=options.limit,
            start_field="callback_requested_at",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, CallbackKeptOptions)
        return f"were called back {within(options.words('limit'))}"
