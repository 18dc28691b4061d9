from __future__ import annotations

from typing import Self

from pydantic import model_validator

from promise_audit.kinds.base import (
    Case,
    Kind,
    Outcome,
    Requirement,
    Rule,
    Window,
    number,
)
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class SurveyCapOptions(PromiseSpec):
    max: int
    window: PositiveDuration

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.max < 1:
            raise ValueError("max must be at least 1 (a cap of 0 surveys forbids surveys)")
        return self


class SurveyCap(Kind):
    """No survey bombardment: a customer gets at most `max` surveys in any `window`.

    Population: surveys sent (records with survey_sent_at), in survey_sent_at then
    contact_id order.
    Broken: counting this survey, the customer received more than `max` surveys whose
    survey_sent_at lies within `window` before this one (boundaries included).
    Excluded: no customer_id (missing_customer_id).
    """

    name = "survey_cap"
    Options = SurveyCapOptions
    noun = "surveys"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        return (("survey_sent_at",), ("customer_id",))

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, SurveyCapOptions)
        return Rule(
            population="survey_sent_at is not null",
            cases=(
                Case("customer_id is null", Outcome.EXCLUDED, "missing_customer_id"),
                Case(
                    f"surveys_in_window > {number(options.max)}", Outcome.BROKEN, "too_many_surveys"
                ),
            ),
            otherwise=Outcome.KEPT,
            measure="surveys_in_window",
            measure_unit="count",
            limit=float(options.max),
            windows=(
                Window(
                    "surveys_in_window",
                    "count_in_window",
                    ("customer_id",),
                    "survey_sent_at",
                    options.window,
                ),
            ),
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, SurveyCapOptions)
        return (
            f"came within the cap of {options.max} survey{'s' if options.max != 1 else ''} "
            f"per {options.words('window')}"
        )
