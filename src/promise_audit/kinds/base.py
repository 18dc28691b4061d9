"""What a promise kind is: its options, the fields it needs, and its rule.

A kind states *what* (population, the ordered cases that decide kept / broken / pending /
excluded, the measure) as expressions in the promise language; the engine decides *how* (one
query, any SQL dialect). Kinds never see DuckDB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Literal

from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import is_duration_field


class Outcome(StrEnum):
    KEPT = "kept"
    BROKEN = "broken"
    PENDING = "pending"
    EXCLUDED = "excluded"


@dataclass(frozen=True)
class Case:
    """When `when` is true (first match wins), the record has `outcome`, for `reason`."""

    when: str
    outcome: Outcome
    reason: str | None = None


@dataclass(frozen=True)
class Window:
    """A value the engine computes across a customer's records (the kinds that order contacts).

    `next_at`: the `order` timestamp of the next population record of the same partition,
    ordered by (`order`, contact_id). `count_in_window`: how many population records of the
    same partition, this one included, have `order` within `seconds` before this one, counting
    only records up to this one in (`order`, contact_id) order.
    """

    name: str
    function: Literal["next_at", "count_in_window"]
    partition: tuple[str, ...]
    order: str
    seconds: float | None = None


@dataclass(frozen=True)
class Clock:
    """A clock from `start` to `end` (expressions), with the promise's `limit`.

    The engine provides two fields to the rule's expressions: `clock_elapsed`, the seconds
    from start to end (or to as_of while end is missing), and `clock_deadline`, the instant
    `limit` after start; both in wall-clock time, or in the promise's calendar's business time.
    """

    start: str
    end: str
    limit: float


@dataclass(frozen=True)
class Rule:
    population: str
    cases: tuple[Case, ...]
    otherwise: Outcome
    measure: str | None = None
    measure_unit: Literal["seconds", "count", "amount"] = "seconds"
    limit: float | None = None
    debt: str | None = None  # time beyond the limit, on broken records (seconds)
    windows: tuple[Window, ...] = ()
    clock: Clock | None = None
    in_calendar: bool = False  # the population is limited to the calendar's opening hours


Requirement = tuple[str, ...]  # any one of these fields will do


def number(value: float) -> str:
    """A number as the promise language writes it (never in exponent form)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def field_reference(name: str) -> str:
    """A field name as the promise language writes it (backticks around any other name)."""
    return name if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) else f"`{name}`"


def seconds(value: float) -> str:
    return f"{number(value)}s"


@dataclass(frozen=True)
class MeasureEnd:
    """A measure the export gives (a wait, a stay in the phone tree, a hold) is known only once
    the event it measures has ended. `flag`, a field every rule may read, is true when that end
    (`ends_after`, an expression) is after as_of; the fields in `unknown` are then unknown at
    as_of (NULL), and the kinds judge the contact as still under way. A kind that reads such a
    measure declares it (`Kind.measure_ends`); the engine makes a flag of each one declared."""

    flag: str
    ends_after: str
    unknown: tuple[str, ...]


class Kind:
    """Base of every kind. The subclass docstring is its rule in plain words, for the docs."""

    name: ClassVar[str]
    Options: ClassVar[type[PromiseSpec]]
    noun: ClassVar[str] = "contacts"
    # the measures the kind reads that end after they begin (see MeasureEnd)
    measure_ends: ClassVar[tuple[MeasureEnd, ...]] = ()

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        raise NotImplementedError

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        raise NotImplementedError

    def kept_phrase(self, options: PromiseSpec) -> str:
        """How a kept record reads: '... of 412 callers <waited 5 minutes or less>'."""
        raise NotImplementedError

    def convention(self, options: PromiseSpec) -> str | None:
        """A counting convention the report must print (e.g. how abandons count)."""
        return None

    @classmethod
    def rule_text(cls) -> str:
        from inspect import cleandoc

        return cleandoc(cls.__doc__ or "")

    def method_text(self, options: PromiseSpec) -> str:
        """The rule a report prints for this promise: the kind's rule, unless the promise
        writes its own (custom)."""
        return self.rule_text()

    def terms(self, options: PromiseSpec) -> tuple[tuple[str, str], ...]:
        """The kind's options the promise file set, in its own words: ('limit', '5 days')."""
        shown = []
        for name, info in type(options).model_fields.items():
            value = getattr(options, name)
            if name in PromiseSpec.model_fields or name not in options.model_fields_set:
                continue
            if value is None:
                continue
            if isinstance(value, float) and is_duration_field(info.annotation, info.metadata):
                shown.append((name, options.words(name)))
            elif isinstance(value, list | tuple):
                shown.append((name, ", ".join(str(item) for item in value)))
            elif isinstance(value, float):
                shown.append((name, number(value)))
            else:
                shown.append((name, str(value)))
        return tuple(shown)


def deadline_rule(
    *,
    population: str,
    start: str,
    end: str,
    limit: float,
    start_field: str,
    late: str = "late",
    unfinished: str = "none_by_deadline",
    after: tuple[Case, ...] = (),
) -> Rule:
    """The clock kinds: kept if `end` comes within `limit` of `start`; pending while it may."""
    return Rule(
        population=population,
        cases=(
            Case(f"({start}) is null", Outcome.EXCLUDED, f"missing_{start_field}"),
            Case(f"({end}) is not null and clock_elapsed > {seconds(limit)}", Outcome.BROKEN, late),
            Case(f"({end}) is null and clock_deadline <= as_of", Outcome.BROKEN, unfinished),
            Case(f"({end}) is null", Outcome.PENDING),
            *after,
        ),
        otherwise=Outcome.KEPT,
        measure="clock_elapsed",
        limit=limit,
        debt=f"clock_elapsed - {seconds(limit)}",
        clock=Clock(start=start, end=end, limit=limit),
    )


def within(limit: str) -> str:
    """'within 5 days', from the limit in the promise file's words (`PromiseSpec.words`)."""
    return f"within {limit}"


__all__ = [
    "Case",
    "Clock",
    "Kind",
    "Outcome",
    "Requirement",
    "Rule",
    "Window",
    "deadline_rule",
    "field_reference",
    "number",
    "seconds",
    "within",
]
