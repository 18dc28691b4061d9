from __future__ import annotations

from promise_audit.kinds.base import Kind, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class HumanHandoffOptions(PromiseSpec):
    limit: PositiveDuration


class HumanHandoff(Kind):
    """A person is always behind the bot: whoever asks for one gets one within `limit`.

    Population: contacts that asked for a person (human_requested_at present), except those
    marked bot_handled false (a missing bot_handled counts as a bot contact).
    Kept: human_joined_at at most `limit` after human_requested_at.
    Broken: a person joined later (late), or nobody joined and the deadline is at or before
    as_of (none_by_deadline).
    Pending: nobody joined yet and the deadline is after as_of.
    """

    name = "human_handoff"
    Options = HumanHandoffOptions
    noun = "customers who asked the bot for a person"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("human_requested_at",), ("human_joined_at",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, HumanHandoffOptions)
        return deadline_rule(
            population="human_requested_at is not null and coalesce(bot_handled, true)",
            start="human_requested_at",
            end="human_joined_at",
            limit=options.limit,
            start_field="human_requested_at",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, HumanHandoffOptions)
        return f"reached a person {within(options.words('limit'))}"
