"""How much the counting rule moves the number: each promise recounted under the other
conventions the contract knows, from the same pass over the records.

- Abandons (wait_time, availability): every `abandoned` rule (exclude, kept, broken) with every
  short-abandon threshold in SHORT_ABANDONS. The plan adds one status column per alternative
  to the outcomes table (the records are read once); one query counts them all.
- A clock in business hours (a promise with `calendar:`): the same rule in calendar time,
  every hour counting (another status column).
- Pending records counted as kept, or as broken, instead of neither.
- Records excluded for missing or invalid data (`missing_*`, `invalid_*`) counted as kept, or
  as broken: the bounds missing data puts on the figure.
The last two need no new column: they follow from the promise's own counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from promise_audit.promises.model import PromiseSpec
from promise_audit.reconciliation import ConventionRow

ABANDON_RULES = ("exclude", "kept", "broken")
SHORT_ABANDONS = (0.0, 5.0, 10.0, 20.0)
ABANDON_KINDS = ("wait_time", "availability")


def abandon_label(abandoned: str, short_abandon: float) -> str:
    return f"abandoned: {abandoned}, short_abandon: {short_abandon:g}s"


def _declared_abandons(spec: PromiseSpec) -> tuple[str, float]:
    return str(getattr(spec, "abandoned", "exclude")), float(getattr(spec, "short_abandon", 0.0))


def abandon_variants(spec: PromiseSpec) -> Iterator[tuple[str, PromiseSpec]]:
    """(label, the promise under another abandon convention), for the kinds that count
    abandons; without a limit, availability breaks every abandon that is not short, so only
    the short-abandon threshold can change."""
    if spec.kind not in ABANDON_KINDS:
        return
    declared = _declared_abandons(spec)
    rules = ABANDON_RULES if getattr(spec, "limit", None) is not None else (declared[0],)
    for abandoned in rules:
        for short in SHORT_ABANDONS:
            if (abandoned, short) == declared:
                continue
            update = {"abandoned": abandoned, "short_abandon": short}
            yield abandon_label(abandoned, short), spec.model_copy(update=update)


# A promise's variants' outcome codes (engine.plan.VARIANT_CODES, 1 to 5) packed into one
# BIGINT, VARIANT_BITS each, 0 where a record has no status.
VARIANT_BITS = 3
VARIANTS_PER_COLUMN = 63 // VARIANT_BITS


def packed_codes_sql(codes: Sequence[str]) -> str:
    """SQL: the variants' codes (each SQL giving a code or NULL), packed into one BIGINT."""
    return " + ".join(
        f"CAST(coalesce({code}, 0) AS BIGINT) * {1 << (VARIANT_BITS * place)}"
        for place, code in enumerate(codes)
    )


def packed_columns(
    status_column: str, variants: Sequence[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """(column, the variants it packs): a promise's variants, in order, VARIANTS_PER_COLUMN to
    a column named after its status column (`s0_v0`, `s0_v1` ...)."""
    return [
        (f"{status_column}_v{part}", tuple(variants[start : start + VARIANTS_PER_COLUMN]))
        for part, start in enumerate(range(0, len(variants), VARIANTS_PER_COLUMN))
    ]


def unpacked_codes(packed: int, count: int) -> list[int]:
    """The `count` variant codes packed into one value (see packed_codes_sql)."""
    mask = (1 << VARIANT_BITS) - 1
    return [(packed >> (VARIANT_BITS * place)) & mask for place in range(count)]


def variant_counts(
    con: Any, outcomes_table: str, promises: Sequence[Any]
) -> dict[str, tuple[int, int, int, int, int]]:
    """(kept, broken, pending, excluded, of them excluded for missing data) of every variant,
    in one query: a grouping set for each column of packed variants, by its value; the few
    distinct values are unpacked here (unpacked_codes)."""
    packed = [
        pair
        for p in promises
        for pair in packed_columns(p.status_column, [v for _, _, v in p.variant_columns])
    ]
    if not packed:
        return {}
    columns = [column for column, _ in packed]
    rows = con.execute(
        f"SELECT {', '.join(columns)}, count(*) FROM {outcomes_table} "
        f"GROUP BY GROUPING SETS ({', '.join(f'({c})' for c in columns)})"
    ).fetchall()
    # a variant's code (engine.plan.VARIANT_CODES): kept 1, broken 2, pending 3, excluded for
    # missing data 4 (results.is_missing_data), excluded otherwise 5; 0: no status
    by_code: dict[str, dict[int, int]] = {v: {} for _, variants in packed for v in variants}
    for row in rows:
        # a packed column is never NULL, so the one that is not names the row's grouping set
        (place,) = [i for i in range(len(columns)) if row[i] is not None]
        variants = packed[place][1]
        for variant, code in zip(
            variants, unpacked_codes(int(row[place]), len(variants)), strict=True
        ):
            by_code[variant][code] = by_code[variant].get(code, 0) + int(row[-1])
    return {
        variant: (
            codes.get(1, 0),
            codes.get(2, 0),
            codes.get(3, 0),
            codes.get(4, 0) + codes.get(5, 0),
            codes.get(4, 0),
        )
        for variant, codes in by_code.items()
    }


def convention_table(
    promise: Any, result: Any, counts: dict[str, tuple[int, int, int, int, int]]
) -> tuple[ConventionRow, ...]:
    """The promise's own figure, then the same records under each other convention. Each
    verdict is decided as the promise's own is: with the bounds the records excluded for
    missing data put on the figure (`missing` of the `excluded`), so the declared row's
    verdict is the promise's."""
    from promise_audit.results import compliance_bounds, missing_data_count, verdict_for

    spec = promise.spec

    def row(
        dimension: str, convention: str, kept: int, broken: int, pending: int, excluded: int,
        missing: int, declared: bool = False,
    ) -> ConventionRow:  # fmt: skip
        decided = kept + broken
        compliance = kept / decided if decided else None
        worst, best = compliance_bounds(kept, broken, missing)
        verdict, _ = verdict_for(compliance, spec.target, spec.warn_below, worst=worst, best=best)
        return ConventionRow(
            dimension, convention, declared, kept, broken, pending, excluded, compliance, verdict
        )

    kept, broken, pending, excluded = result.kept, result.broken, result.pending, result.excluded
    data = missing_data_count(result.excluded_by_reason)
    if spec.kind in ABANDON_KINDS:
        declared_label = abandon_label(*_declared_abandons(spec))
    else:
        declared_label = "as declared"
    rows = [row("declared", declared_label, kept, broken, pending, excluded, data, declared=True)]
    for dimension, label, column in promise.variant_columns:
        rows.append(row(dimension, label, *counts[column]))
    rows += [
        row("pending", "pending counted as kept", kept + pending, broken, 0, excluded, data),
        row("pending", "pending counted as broken", kept, broken + pending, 0, excluded, data),
    ]
    rows += [
        row("missing data", "missing data counted as kept", kept + data, broken, pending,
            excluded - data, 0),
        row("missing data", "missing data counted as broken", kept, broken + data, pending,
            excluded - data, 0),
    ]  # fmt: skip
    return tuple(rows)
