from __future__ import annotations

from promise_audit.kinds.base import Case, Kind, Outcome, Requirement, Rule, deadline_rule, within
from promise_audit.promises.model import PromiseSpec
from promise_audit.promises.units import PositiveDuration


class ServiceRecoveryOptions(PromiseSpec):
    limit: PositiveDuration
    require_apology: bool = False
    require_goodwill: bool = False


class ServiceRecovery(Kind):
    """A service failure is put right within `limit` (and, if required, with an apology and a
    goodwill gesture: "fix the OOPS within 24 hours and SURPRISE the customer").

    Population: contacts with service_failure true.
    The clock starts at failure_at (default: initiated_at) and stops at recovered_at (default:
    resolved_at).
    Broken, with the first failing condition as its reason: recovered more than `limit` after
    the failure (late); not recovered and the deadline is at or before as_of (not_recovered);
    recovered in time but, with `require_apology`, apologized is false (no_apology); with
    `require_goodwill`, goodwill_amount is 0 or less (no_goodwill).
    Pending: not recovered yet and the deadline is after as_of (apology and goodwill are judged
    once the failure is put right).
    Excluded: recovered in time but a required apologized / goodwill_amount is missing
    (missing_apologized / missing_goodwill_amount).
    """

    name = "service_recovery"
    Options = ServiceRecoveryOptions
    noun = "service failures"

    def requirements(self, options: PromiseSpec) -> tuple[Requirement, ...]:
        assert isinstance(options, ServiceRecoveryOptions)
        needs: list[Requirement] = [("service_failure",), ("recovered_at", "resolved_at")]
        if options.require_apology:
            needs.append(("apologized",))
        if options.require_goodwill:
            needs.append(("goodwill_amount",))
        return tuple(needs)

    def rule(self, options: PromiseSpec, available: frozenset[str]) -> Rule:
        assert isinstance(options, ServiceRecoveryOptions)
        ends = [f for f in ("recovered_at", "resolved_at") if f in available]
        end = ends[0] if len(ends) == 1 else f"coalesce({', '.join(ends)})"
        after: list[Case] = []
        if options.require_apology:
            after.append(Case("not apologized", Outcome.BROKEN, "no_apology"))
        if options.require_goodwill:
            after.append(Case("goodwill_amount <= 0", Outcome.BROKEN, "no_goodwill"))
        if options.require_apology:
            after.append(Case("apologized is null", Outcome.EXCLUDED, "missing_apologized"))
        if options.require_goodwill:
            after.append(
                Case("goodwill_amount is null", Outcome.EXCLUDED, "missing_goodwill_amount")
            )
        return deadline_rule(
            population="coalesce(service_failure, false)",
            start="coalesce(failure_at, initiated_at)",
            end=end,
            limit=options.limit,
            start_field="failure_at",
            unfinished="not_recovered",
            after=tuple(after),
        )

    def kept_phrase(self, options: PromiseSpec) -> str:
        assert isinstance(options, ServiceRecoveryOptions)
        extras = [
            text
            for flag, text in (
                (options.require_apology, "an apology"),
                (options.require_goodwill, "a goodwill gesture"),
            )
            if flag
        ]
        tail = f" with {' and '.join(extras)}" if extras else ""
        return f"were put right {within(options.words('limit'))}{tail}"
