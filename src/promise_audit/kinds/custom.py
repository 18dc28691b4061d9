from __future__ import annotations

from typing import Self

from pydantic import model_validator

from promise_audit.kinds.base import (
    Case,
    Kind,
    Outcome,
    Requirement,
    Rule,
    field_reference,
    seconds,
)
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration
from promise_audit.records.schema import CANONICAL_FIELDS


class CustomOptions(PromiseSpec):
    where: str | None = None
    kept_if: str | None = None
    measure: str | None = None
    limit: PositiveDuration | None = None
    describe: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.kept_if is None and self.measure is None:
            raise ValueError("a custom promise needs kept_if, or measure with limit")
        if (self.measure is None) != (self.limit is None):
            raise ValueError("measure and limit go together")
        return self


class Custom(Kind):
    """Anything else, written in the promise language.

    Population: the records where `where` is true (all, without it). The expressions may use
    any canonical field (one the export lacks makes the promise unauditable) and any other
    source column of the export (a scope attribute).
    Broken: `kept_if` is false, or `measure` is over `limit` (either one is enough, whatever
    the other's value).
    Excluded: neither broke it and `kept_if` or `measure` is null because a field it needs is
    missing (missing_<field>, naming the first such field, or null_expression).
    """

    name = "custom"
    Options = CustomOptions
    noun = "contacts"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        from promise_audit.expressions import fields_of, parse

        assert isinstance(options, CustomOptions)
        fields: set[str] = set()
        for text in (options.where, options.kept_if, options.measure):
            if text is not None:
                fields |= fields_of(parse(text))
        # Only canonical fields can be missing from an export (unauditable); any other name is a
        # source column kept as an attribute, or an unknown field the compiler names.
        fields &= CANONICAL_FIELDS.keys()
        return tuple((name,) for name in sorted(fields))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        from promise_audit.expressions import fields_of, parse

        assert isinstance(options, CustomOptions)
        # a record that breaks one rule is broken whatever the other's missing value would say
        broken_cases: list[Case] = []
        missing_cases: list[Case] = []
        for text, broken in (
            (options.kept_if, f"not ({options.kept_if})"),
            (options.measure, f"({options.measure}) > {seconds(options.limit or 0)}"),
        ):
            if text is None:
                continue
            broken_cases.append(Case(broken, Outcome.BROKEN, "custom_rule"))
            for name in sorted(fields_of(parse(text)) - {"as_of"}):
                missing_cases.append(
                    Case(
                        f"({text}) is null and {field_reference(name)} is null",
                        Outcome.EXCLUDED,
                        f"missing_{name}",
                    )
                )
            missing_cases.append(Case(f"({text}) is null", Outcome.EXCLUDED, "null_expression"))
        cases = broken_cases + missing_cases
        return Rule(
            population=options.where or "true",
            cases=tuple(cases),
            otherwise=Outcome.KEPT,
            measure=options.measure,
            limit=options.limit,
            debt=f"({options.measure}) - {seconds(options.limit)}"
            if options.measure and options.limit
            else None,
        )

    def method_text(self, options: PromiseSpec) -> str:
        """The promise's own expressions, as the report's method."""
        assert isinstance(options, CustomOptions)
        tests, failures = [], []
        if options.kept_if is not None:
            tests.append(f"{_code(options.kept_if)} is true")
            failures.append(f"{_code(options.kept_if)} is false")
        if options.measure is not None:
            tests.append(f"{_code(options.measure)} is at most {options.words('limit')}")
            failures.append(f"{_code(options.measure)} is over {options.words('limit')}")
        population = (
            f"the records where {_code(options.where)}" if options.where else "every record"
        )
        return (
            "A promise written in the promise language.\n\n"
            f"Population: {population}.\n"
            f"Kept: {' and '.join(tests)}.\n"
            f"Broken: {' or '.join(failures)} (custom_rule).\n"
            "Excluded: an expression is null because a field it needs is missing "
            "(missing_<field>, or null_expression)."
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, CustomOptions)
        return options.describe or "kept the promise"


def _code(expression: str) -> str:
    """An expression as code in the method text; one quoting a field name in backticks
    already marks its own code."""
    return expression if "`" in expression else f"`{expression}`"
