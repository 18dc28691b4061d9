from __future__ import annotations

from promise_audit.kinds.base import Kind, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration

ASYNC_CHANNELS = ("email", "web_form", "messaging", "social")


class FirstResponseOptions(PromiseSpec):
    limit: PositiveDuration
    channels: tuple[str, ...] = ASYNC_CHANNELS


class FirstResponse(Kind):
    """Every written contact gets a first reply from a person within `limit`.

    Population: contacts on the asynchronous channels (email, web_form, messaging, social, or
    the `channels` option); a `scope` that filters channel replaces that default, and an
    export without a channel column is taken as all written contacts.
    Kept: first_response_at at most `limit` after initiated_at.
    Broken: a later first reply (late), or none and initiated_at + limit is at or before
    as_of (none_by_deadline).
    Pending: no reply yet and the deadline is after as_of.
    """

    name = "first_response"
    Options = FirstResponseOptions
    noun = "written contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("first_response_at",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, FirstResponseOptions)
        scoped_channel = options.scope is not None and "channel" in options.scope.filters()
        if scoped_channel or "channel" not in available:
            population = "true"
        else:
            # channel values are read lower-cased, as scope filters on channel are matched
            listed = ", ".join("'" + c.lower().replace("'", "''") + "'" for c in options.channels)
            population = f"channel in ({listed})"
        return deadline_rule(
            population=population,
            start="initiated_at",
            end="first_response_at",
            limit=options.limit,
            start_field="initiated_at",
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, FirstResponseOptions)
        return f"got a first reply {within(options.words('limit'))}"
