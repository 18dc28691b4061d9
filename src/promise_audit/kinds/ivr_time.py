from __future__ import annotations

from typing import Self

from pydantic import model_validator

from promise_audit.kinds.base import (
    Case,
    Kind,
    MeasureEnd,
    Outcome,
    Requirement,
    Rule,
    number,
    seconds,
)
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration

# The phone tree runs from initiated_at for ivr_seconds.
IVR_ENDS = MeasureEnd(
    flag="ivr_ends_after_as_of",
    ends_after="ivr_seconds is not null and initiated_at + ivr_seconds > as_of",
    unknown=("ivr_seconds", "ivr_steps"),
)


class IvrTimeOptions(PromiseSpec):
    limit: PositiveDuration | None = None
    max_steps: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.limit is None and self.max_steps is None:
            raise ValueError("ivr_time needs a limit, a max_steps, or both")
        if self.max_steps is not None and self.max_steps < 0:
            raise ValueError("max_steps cannot be negative")
        return self


class IvrTime(Kind):
    """The phone tree is short: at most `limit` in it and at most `max_steps` menus.

    Population: phone contacts (channel phone; a `scope` that filters channel replaces that
    default, and an export without a channel column is taken as all phone contacts).
    Broken: ivr_seconds over `limit` (too_long_in_ivr) or ivr_steps over `max_steps`
    (too_many_ivr_steps).
    Pending: still in the phone tree at as_of (initiated_at + ivr_seconds after it; its steps
    are not known yet either); with `limit`, broken (too_long_in_ivr) once initiated_at +
    limit is at or before as_of.
    Excluded: a measure the promise uses is missing and nothing else broke it
    (missing_ivr_seconds / missing_ivr_steps).
    """

    name = "ivr_time"
    Options = IvrTimeOptions
    noun = "phone contacts"
    measure_ends = (IVR_ENDS,)

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, IvrTimeOptions)
        needs: list[Requirement] = []
        if options.limit is not None:
            needs.append(("ivr_seconds",))
        if options.max_steps is not None:
            needs.append(("ivr_steps",))
        return tuple(needs)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, IvrTimeOptions)
        scoped_channel = options.scope is not None and "channel" in options.scope.filters()
        population = (
            "true" if scoped_channel or "channel" not in available else ("channel = 'phone'")
        )
        broken: list[Case] = []
        missing: list[Case] = []
        if options.limit is not None:
            broken += [
                Case(
                    f"ivr_ends_after_as_of and initiated_at + {seconds(options.limit)} > as_of",
                    Outcome.PENDING,
                ),
                Case("ivr_ends_after_as_of", Outcome.BROKEN, "too_long_in_ivr"),
            ]
            broken.append(
                Case(f"ivr_seconds > {seconds(options.limit)}", Outcome.BROKEN, "too_long_in_ivr")
            )
            missing.append(Case("ivr_seconds is null", Outcome.EXCLUDED, "missing_ivr_seconds"))
        if options.max_steps is not None:
            broken.append(
                Case(
                    f"ivr_steps > {number(options.max_steps)}",
                    Outcome.BROKEN,
                    "too_many_ivr_steps",
                )
            )
            missing.append(Case("ivr_steps is null", Outcome.EXCLUDED, "missing_ivr_steps"))
        if options.limit is None:
            broken.insert(0, Case("ivr_ends_after_as_of", Outcome.PENDING))
        timed = options.limit is not None
        return Rule(
            population=population,
            cases=(*broken, *missing),
            otherwise=Outcome.KEPT,
            measure="ivr_seconds" if timed else "ivr_steps",
            measure_unit="seconds" if timed else "count",
            limit=options.limit if timed else float(options.max_steps or 0),
            debt=f"ivr_seconds - {seconds(options.limit)}" if options.limit is not None else None,
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, IvrTimeOptions)
        parts = []
        if options.limit is not None:
            parts.append(f"{options.words('limit')} or less")
        if options.max_steps is not None:
            parts.append(f"{options.max_steps} menus or fewer")
        return f"got through the phone tree in {' and '.join(parts)}"
