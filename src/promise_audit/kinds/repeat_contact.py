from __future__ import annotations

from promise_audit.kinds.base import (
    Case,
    Kind,
    Outcome,
    Requirement,
    Rule,
    Window,
    seconds,
)
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class RepeatContactOptions(PromiseSpec):
    window: PositiveDuration
    same_topic: bool = False


class RepeatContact(Kind):
    """No chasing: a customer does not have to come back within `window`.

    Population: contacts (in scope). A customer's contacts are ordered by initiated_at, then
    contact_id; of two at the same instant, the second is the repeat of the first.
    Broken: the same customer (and the same topic, with `same_topic`) starts another contact
    in the population within `window` of this one's initiated_at (a gap of exactly `window`
    is within it).
    Pending: no repeat yet and initiated_at + window is after as_of.
    Excluded: no customer_id (missing_customer_id); with `same_topic`, no topic
    (missing_topic).
    """

    name = "repeat_contact"
    Options = RepeatContactOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, RepeatContactOptions)
        return (("customer_id",), ("topic",)) if options.same_topic else (("customer_id",),)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, RepeatContactOptions)
        partition = ("customer_id", "topic") if options.same_topic else ("customer_id",)
        window = seconds(options.window)
        cases = [Case("customer_id is null", Outcome.EXCLUDED, "missing_customer_id")]
        if options.same_topic:
            cases.append(Case("topic is null", Outcome.EXCLUDED, "missing_topic"))
        cases += [
            Case(
                f"next_contact_at is not null and next_contact_at - initiated_at <= {window}",
                Outcome.BROKEN,
                "repeat_contact",
            ),
            Case(f"initiated_at + {window} > as_of", Outcome.PENDING),
        ]
        return Rule(
            population="true",
            cases=tuple(cases),
            otherwise=Outcome.KEPT,
            windows=(Window("next_contact_at", "next_at", partition, "initiated_at"),),
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, RepeatContactOptions)
        return f"did not have to contact again within {options.words('window')}"
