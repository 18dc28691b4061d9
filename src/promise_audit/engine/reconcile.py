"""Reconcile the audit with the platform's own verdicts, in the engine.

The plan adds, for a promise with `compare_with`, a column `p<index>` to the outcomes table:
the platform's verdict on each record ('kept', 'broken', or NULL where it gives none). One
query over the outcomes table then counts, for every such promise at once, each agreement
class by the audit's outcome and reason, with the range of the promise's measure (the values
that decided the outcome) and the first few contacts of each group as examples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from promise_audit.kinds.base import Rule
from promise_audit.promises.model import CompareWith, PromiseSpec
from promise_audit.reconciliation import (
    AUDIT_BROKEN_PLATFORM_KEPT,
    AUDIT_KEPT_PLATFORM_BROKEN,
    BOTH_BROKEN,
    BOTH_KEPT,
    CLASSES,
    EXAMPLES,
    NOT_COMPARABLE,
    Agreement,
    AgreementGroup,
    ReportedFigure,
)
from promise_audit.records.schema import FieldType

Typed = Callable[[str, tuple[str | int, ...]], tuple[str, FieldType]]
Fail = Callable[[tuple[str | int, ...], str], Exception]


def platform_sql(compare: CompareWith, typed: Typed, fail: Fail) -> str:
    """SQL for the platform's verdict on a record: 'kept', 'broken' or NULL (none given)."""
    whens: list[str] = []
    column_value = None
    if compare.column is not None:
        reference = f"`{compare.column.replace('`', '')}`"
        value, value_type = typed(reference, ("compare_with", "column"))
        whens.append(f"WHEN {value} IS NULL THEN NULL")
        if value_type is FieldType.BOOLEAN:
            column_value = value
        elif value_type is FieldType.TEXT:
            from promise_audit.records.parse import parse_text_as

            column_value = parse_text_as(FieldType.BOOLEAN, value, None)
        elif compare.kept_when is None:
            raise fail(
                ("compare_with", "column"),
                f"{compare.column!r} is a {value_type.value}, not a verdict: add "
                "kept_when: CONDITION to say when the platform counts a record as kept",
            )
    if compare.kept_when is not None:
        condition, condition_type = typed(compare.kept_when, ("compare_with", "kept_when"))
        if condition_type is not FieldType.BOOLEAN:
            raise fail(
                ("compare_with", "kept_when"),
                f"must be a condition (true or false), not a {condition_type.value}",
            )
    else:
        assert column_value is not None
        condition = column_value
    whens += [f"WHEN {condition} THEN 'kept'", f"WHEN NOT ({condition}) THEN 'broken'"]
    return f"CASE {' '.join(whens)} END"


def agreement_class_sql(status: str, platform: str) -> str:
    broken = f"{status} LIKE 'broken%'"
    return (
        f"CASE WHEN {status} = 'kept' AND {platform} = 'kept' THEN '{BOTH_KEPT}' "
        f"WHEN {broken} AND {platform} = 'broken' THEN '{BOTH_BROKEN}' "
        f"WHEN {broken} AND {platform} = 'kept' THEN '{AUDIT_BROKEN_PLATFORM_KEPT}' "
        f"WHEN {status} = 'kept' AND {platform} = 'broken' THEN '{AUDIT_KEPT_PLATFORM_BROKEN}' "
        f"ELSE '{NOT_COMPARABLE}' END"
    )


def paused_fields(rule: Rule, durations: set[str]) -> tuple[str, ...]:
    """The durations a promise's rule subtracts from a time (`resolved_at - initiated_at -
    awaiting_caller`): the time its clock was paused, in the order the rule names them."""
    from promise_audit.expressions import Binary, Field, parse

    found: list[str] = []
    texts = [rule.measure, *(case.when for case in rule.cases)]
    for text in texts:
        if text is None:
            continue
        stack = [parse(text)]
        while stack:
            node = stack.pop()
            if (
                isinstance(node, Binary)
                and node.op == "-"
                and isinstance(node.right, Field)
                and node.right.name in durations
                and node.right.name not in found
            ):
                found.append(node.right.name)
            stack.extend(reversed(node.children()))
    return tuple(found)


def agreements(
    con: Any,
    outcomes_table: str,
    promises: Sequence[Any],
    *,
    source_columns: Mapping[str, str] | None = None,
) -> dict[int, Agreement]:
    """Each compared promise's agreement table, from one query over the outcomes table; the
    reasons name each field's export column (`source_columns`) beside it."""
    compared = [p for p in promises if p.platform_column is not None]
    if not compared:
        return {}
    # every part of the union has as many pause columns as the promise with the most
    width = max(len(p.pause_columns) for p in compared)

    def pause_columns(p: Any) -> str:
        columns = [c for _, c in p.pause_columns]
        columns += ["CAST(NULL AS DOUBLE)"] * (width - len(columns))
        return "".join(f", {c} AS pause{j}" for j, c in enumerate(columns))

    parts = [
        f"SELECT {p.index} AS promise, {agreement_class_sql(p.status_column, p.platform_column)} "
        f"AS agreement, {p.status_column} AS status, {p.platform_column} AS platform, "
        f"{p.measure_column} AS measure{pause_columns(p)}, contact_id, initiated_at "
        f"FROM {outcomes_table} WHERE {p.status_column} IS NOT NULL"
        for p in compared
    ]
    group = "PARTITION BY u.promise, u.agreement, u.status, u.platform"
    pause_ranges = "".join(
        f", min(u.pause{j}) OVER ({group}) AS pause{j}_low, "
        f"max(u.pause{j}) OVER ({group}) AS pause{j}_high"
        for j in range(width)
    )
    pause_names = "".join(f", pause{j}_low, pause{j}_high" for j in range(width))
    rows = con.execute(
        f"SELECT promise, agreement, status, platform, n, low, high, contact_id{pause_names} "
        f"FROM (SELECT u.*, count(*) OVER ({group}) AS n, min(u.measure) OVER ({group}) AS low, "
        f"max(u.measure) OVER ({group}) AS high{pause_ranges}, row_number() OVER ({group} "
        f"ORDER BY u.initiated_at, u.contact_id) AS rn FROM ({' UNION ALL '.join(parts)}) u"
        f") g WHERE rn <= {EXAMPLES} ORDER BY promise, agreement, status, platform, rn"
    ).fetchall()
    found: dict[tuple[int, str, str, str | None], dict[str, Any]] = {}
    for promise, agreement, status, platform, n, low, high, contact_id, *ranges in rows:
        key = (int(promise), str(agreement), str(status), platform)
        entry = found.setdefault(
            key, {"count": int(n), "low": low, "high": high, "examples": [], "pauses": ranges}
        )
        entry["examples"].append(str(contact_id))
    result: dict[int, Agreement] = {}
    for p in compared:
        groups: list[AgreementGroup] = []
        for (index, agreement, status, platform), entry in found.items():
            if index != p.index:
                continue
            audit, _, reason = status.partition(":")
            ranges = entry["pauses"]
            built = AgreementGroup(
                agreement=agreement,
                audit=audit,
                reason=reason or None,
                platform=None if platform is None else str(platform),
                count=entry["count"],
                measure_min=None if entry["low"] is None else float(entry["low"]),
                measure_max=None if entry["high"] is None else float(entry["high"]),
                examples=tuple(entry["examples"]),
                pauses=tuple(
                    (
                        name,
                        None if ranges[2 * j] is None else float(ranges[2 * j]),
                        None if ranges[2 * j + 1] is None else float(ranges[2 * j + 1]),
                    )
                    for j, (name, _) in enumerate(p.pause_columns)
                ),
            )
            reasons = group_reasons(p.rule, p.spec, built, source_columns or {})
            groups.append(replace(built, reasons=reasons))
        groups.sort(
            key=lambda g: (
                CLASSES.index(g.agreement),
                -g.count,
                g.audit,
                g.reason or "",
                g.platform or "",
            )
        )
        counts = dict.fromkeys(CLASSES, 0)
        for g in groups:
            counts[g.agreement] += g.count
        compare = p.spec.compare_with
        result[p.index] = Agreement(
            label=compare.label,
            column=compare.column,
            kept_when=compare.kept_when,
            counts=counts,
            groups=tuple(groups),
            platform_kept=sum(g.count for g in groups if g.platform == "kept"),
            platform_broken=sum(g.count for g in groups if g.platform == "broken"),
        )
    return result


def with_reported(result: Any, promise: Any) -> Any:
    """The result with the published figure beside the audited one, where one is declared."""
    reported = promise.spec.reported
    if reported is None:
        return result
    audited = result.compliance
    gap = None if audited is None else reported.value - audited
    accounted = tuple(
        (
            row.convention,
            row.compliance,
            None
            if gap is None or gap == 0 or row.compliance is None or audited is None
            else (row.compliance - audited) / gap,
        )
        for row in result.conventions
        if not row.declared
    )
    figure = ReportedFigure(reported.value, reported.by, reported.convention, audited, accounted)
    return replace(result, reported=figure)


# Why a record is excluded, in words (the reasons the kinds give; others read as written)
EXCLUSION_WORDS = {
    "abandoned_within_limit": "abandoned within the limit, excluded",
    "short_abandon": "abandoned within the short-abandon threshold, excluded",
    "null_expression": "the rule's expression is unknown for it, excluded",
}


def measured_text(seconds: float) -> str:
    """A measured duration, compact whatever its value: 45 s, 12 min, 3 h 5 min, 33.7 days
    (a limit is written in the promise file's own unit instead)."""
    whole = round(abs(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if whole < 48 * 3600:
        hours, rest = divmod(whole, 3600)
        return f"{hours} h {rest // 60} min" if rest // 60 else f"{hours} h"
    return f"{whole / 86400:,.1f} days"


def _span(low: float | None, high: float | None, unit: str = "seconds") -> str:
    def shown(value: float) -> str:
        if unit == "seconds":
            return measured_text(value)
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"

    if low is None or high is None:
        return "unknown"
    # two values that read alike (12.6 days and a few minutes more) are one value in words
    return shown(low) if shown(low) == shown(high) else f"{shown(low)} to {shown(high)}"


def group_reasons(
    rule: Rule | None,
    spec: PromiseSpec,
    group: AgreementGroup,
    source_columns: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Why a group of records is in its agreement class, as sentences from its decisive values:
    which field started and which ended the clock, by how much the end kept or missed the
    limit, how long the clock was paused, why the audit excluded it, and whether the platform
    gave a verdict. Hand-written for every outcome a clock rule gives; other rules say the
    range of their measure against their limit."""
    reasons: list[str] = []
    low, high = group.measure_min, group.measure_max
    clock = None if rule is None else rule.clock
    limit = None if rule is None else rule.limit
    unit = "seconds" if rule is None else rule.measure_unit
    limit_words = (
        spec.words("limit")
        if limit is not None and unit == "seconds" and getattr(spec, "limit", None) is not None
        else (None if limit is None else _span(limit, limit, unit))
    )
    if clock is not None:
        columns = source_columns or {}

        def named(name: str) -> str:
            column = columns.get(name)
            return f"{name} ({column})" if column and column != name else name

        reasons.append(f"clock from {named(clock.start)} to {named(clock.end)}")
    for name, pause_low, pause_high in group.pauses:
        if pause_high is None:
            reasons.append(f"no {name}: the clock's pause is unknown")
        elif pause_high == 0:
            reasons.append(f"never paused ({name} 0 s)")
        else:
            reasons.append(f"paused for {name} {_span(pause_low, pause_high)}")
    reason = group.reason
    if group.audit == "excluded":
        if reason in EXCLUSION_WORDS:
            reasons.append(EXCLUSION_WORDS[reason])
        elif reason and reason.startswith(("missing_", "invalid_")):
            what, _, name = reason.partition("_")
            reasons.append(f"{name} {what}, excluded")
        else:
            reasons.append(f"excluded ({(reason or 'unspecified').replace('_', ' ')})")
    elif group.audit == "pending":
        if clock is not None and limit_words is not None:
            reasons.append(f"no {clock.end} by as_of, its {limit_words} not yet over: pending")
        else:
            reasons.append("not yet decided at as_of: pending")
    elif clock is not None and limit is not None and reason == "none_by_deadline":
        reasons.append(f"no {clock.end} within {limit_words} of {clock.start}")
    elif limit is not None and low is not None and high is not None:
        over, kept = (
            group.audit == "broken" and low > limit,
            group.audit == "kept" and high <= limit,
        )
        if clock is not None and over:
            reasons.append(
                f"{clock.end} came {_span(low - limit, high - limit)} after the {limit_words} limit"
            )
        elif clock is not None and kept:
            reasons.append(
                f"{clock.end} came {_span(low, high)} after the start, within the "
                f"{limit_words} limit"
            )
        elif over:
            reasons.append(
                f"measured {_span(low, high, unit)}: {_span(low - limit, high - limit, unit)} "
                f"over the {limit_words} limit"
            )
        elif kept:
            reasons.append(f"measured {_span(low, high, unit)}: within the {limit_words} limit")
        else:
            reasons.append(f"measured {_span(low, high, unit)} against a limit of {limit_words}")
        if group.audit == "broken" and not over and reason not in (None, "custom_rule"):
            reasons.append(f"broken ({reason.replace('_', ' ')})")
    elif group.audit == "broken" and reason:
        reasons.append(f"broken ({reason.replace('_', ' ')})")
    elif low is not None and high is not None:
        reasons.append(f"measure {_span(low, high, unit)}")
    if group.platform is None:
        compare = spec.compare_with
        if compare is not None and compare.column is not None:
            reasons.append(f"no platform value ({compare.column} is missing)")
        else:
            reasons.append("no platform value (its condition is unknown for the record)")
    return tuple(reasons)
