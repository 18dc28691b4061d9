"""Reconcile the audit with the platform's own verdicts, in the engine.

The plan adds, for a promise with `compare_with`, a column `p<index>` to the outcomes table:
the platform's verdict on each record ('kept', 'broken', or NULL where it gives none). One
query over the outcomes table then counts, for every such promise at once, each agreement
class by the audit's outcome and reason, with the range of the promise's measure (the values
that decided the outcome) and the first few contacts of each group as examples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from promise_audit.promises.model import CompareWith
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


def agreements(con: Any, outcomes_table: str, promises: Sequence[Any]) -> dict[int, Agreement]:
    """Each compared promise's agreement table, from one query over the outcomes table."""
    compared = [p for p in promises if p.platform_column is not None]
    if not compared:
        return {}
    parts = [
        f"SELECT {p.index} AS promise, {agreement_class_sql(p.status_column, p.platform_column)} "
        f"AS agreement, {p.status_column} AS status, {p.platform_column} AS platform, "
        f"{p.measure_column} AS measure, contact_id, initiated_at FROM {outcomes_table} "
        f"WHERE {p.status_column} IS NOT NULL"
        for p in compared
    ]
    group = "PARTITION BY u.promise, u.agreement, u.status, u.platform"
    rows = con.execute(
        f"SELECT promise, agreement, status, platform, n, low, high, contact_id FROM ("
        f"SELECT u.*, count(*) OVER ({group}) AS n, min(u.measure) OVER ({group}) AS low, "
        f"max(u.measure) OVER ({group}) AS high, row_number() OVER ({group} "
        f"ORDER BY u.initiated_at, u.contact_id) AS rn FROM ({' UNION ALL '.join(parts)}) u"
        f") g WHERE rn <= {EXAMPLES} ORDER BY promise, agreement, status, platform, rn"
    ).fetchall()
    found: dict[tuple[int, str, str, str | None], dict[str, Any]] = {}
    for promise, agreement, status, platform, n, low, high, contact_id in rows:
        key = (int(promise), str(agreement), str(status), platform)
        entry = found.setdefault(key, {"count": int(n), "low": low, "high": high, "examples": []})
        entry["examples"].append(str(contact_id))
    result: dict[int, Agreement] = {}
    for p in compared:
        groups: list[AgreementGroup] = []
        for (index, agreement, status, platform), entry in found.items():
            if index != p.index:
                continue
            audit, _, reason = status.partition(":")
            groups.append(
                AgreementGroup(
                    agreement=agreement,
                    audit=audit,
                    reason=reason or None,
                    platform=None if platform is None else str(platform),
                    count=entry["count"],
                    measure_min=None if entry["low"] is None else float(entry["low"]),
                    measure_max=None if entry["high"] is None else float(entry["high"]),
                    examples=tuple(entry["examples"]),
                )
            )
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
    from dataclasses import replace

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
