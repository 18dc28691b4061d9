"""A staged source finished into `contacts_<source>`, the records the audit counts: duplicate
contact ids dropped (the first copy kept), the records initiated after as_of set aside, the
fields derived, and every input record accounted for:
read = rejected + duplicates + out_of_period + used (+ legs stitched, events folded);
invalid values remove no record, and are listed in `invalid_<source>`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from promise_audit.records.derive import derive_available, derived_select, invalid_reasons
from promise_audit.records.events import shown_column
from promise_audit.records.invalid import (
    PACKED_REASONS,
    field_order,
    is_invalid_sql,
    reason_sql,
    unpacked_columns,
    value_sql,
)
from promise_audit.records.raw import quote, text_literal
from promise_audit.records.read import malformed_rows
from promise_audit.records.schema import CANONICAL_FIELDS, REQUIRED_FIELDS
from promise_audit.records.types import (
    EVENT_AT,
    REJECT_SAMPLE,
    Accounting,
    InvalidValue,
    LoadedRecords,
    Reject,
    StagedSource,
)


@dataclass(frozen=True)
class _Counts:
    """What one pass over the parsed table counts."""

    rejected: int  # records that cannot be contacts
    duplicates: int  # later copies of a contact id
    with_invalid: int  # accepted records with an invalid value
    empty: tuple[str, ...]  # fields given by the source, empty on every accepted record
    invalid_fields: frozenset[str]  # fields checked with an invalid value on some record
    # accepted records initiated by as_of, and the first of them: the records used and the
    # first contact, where no contact id comes twice
    in_period: int
    first_in_period: dt.datetime | None


def finish_source(con: Any, staged: StagedSource, as_of: dt.datetime | None) -> LoadedRecords:
    """De-duplicate, set aside records after as_of, and count everything."""
    table = quote(f"contacts_{staged.name}")
    as_of_sql = f"TIMESTAMPTZ {text_literal(as_of.isoformat())}" if as_of else "NULL"
    in_period = f"({as_of_sql} IS NULL OR initiated_at <= {as_of_sql})"
    counts = _count_parsed(con, staged, in_period)
    provided = staged.provided - frozenset(counts.empty)
    # every field checked has an `_invalid_` column, and so has every field derived from one;
    # where no record has an invalid value it is a constant null, not a CASE on every record
    checked = list(staged.checked)
    invalid = invalid_reasons(provided, counts.invalid_fields, as_of_sql)
    every = invalid_reasons(provided, set(checked) - set(counts.empty), as_of_sql)
    always_valid = [
        f
        for f in CANONICAL_FIELDS
        if (f in every and f not in invalid) or (f in counts.empty and f in staged.checked)
    ]
    nulls = "".join(f", CAST(NULL AS VARCHAR) AS {quote(f'_invalid_{f}')}" for f in always_valid)
    columns = derived_select(provided, staged.attributes, as_of_sql, invalid) + nulls
    # the reasons the derivations read, unpacked only for the fields some record has invalid
    unpacked = unpacked_columns(counts.invalid_fields, field_order(staged.checked))
    if con.name == "duckdb":
        _contacts_view(
            con, staged, table, columns, in_period, unpacked, duplicates=counts.duplicates > 0
        )
    else:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {table} AS
            SELECT {columns}
            FROM (
                SELECT *{unpacked}, row_number() OVER (
                    PARTITION BY contact_id ORDER BY _file_index, _row) AS _copy
                FROM {staged.table} WHERE _reject IS NULL
            ) AS copies
            WHERE _copy = 1 AND {in_period}
            ORDER BY initiated_at, contact_id
            """
        )
    if counts.duplicates:
        used_count, first = con.execute(
            f"SELECT count(*), min(initiated_at) FROM {table}"
        ).fetchone()
        used = int(used_count)
    else:
        used, first = counts.in_period, counts.first_in_period
    invalid_table = list_invalid_values(con, staged, as_of_sql, listed=counts.with_invalid > 0)
    accounting = _accounting(con, staged, counts, used, invalid_table)
    # only the rejects are read again (for --rejects); drop the accepted rows' parsed copy
    # (a Spark view cannot be changed, and its cache is dropped with the session; DuckDB's
    # contacts are a view of the parsed rows)
    if con.name not in ("spark", "duckdb"):
        con.execute(f"DELETE FROM {staged.table} WHERE _reject IS NULL")
    return LoadedRecords(
        name=staged.name,
        table=table,
        available=derive_available(provided),
        attributes=staged.attributes,
        accounting=accounting,
        invalid_fields=frozenset(invalid) | frozenset(always_valid),
        invalid_found=frozenset(invalid),
        attribute_types=staged.attribute_types,
        source_columns=staged.source_columns,
        first_initiated_at=first,
    )


def _contacts_view(
    con: Any,
    staged: StagedSource,
    view: str,
    columns: str,
    in_period: str,
    unpacked: str,
    *,
    duplicates: bool,
) -> None:
    """`view`: the first copy of each contact id (in file order) initiated by as_of, as a view
    of the parsed rows, read once by the decision rather than stored again. Where some ids
    come more than once, the first place of each of those ids is listed (a narrow pass over
    the id and the place), and the later copies are left out by it. `unpacked`: the reason
    columns that `columns` reads, unpacked from the parsed rows."""
    first_copy = ""
    if duplicates:
        firsts = quote(f"first_copies_{staged.name}")
        # a record's place in file order, as one number: a file's rows stay under 2^32
        place = "p._file_index * 4294967296 + p._row"
        con.execute(
            f"CREATE OR REPLACE TABLE {firsts} AS SELECT p.contact_id AS _copied_id, "
            f"min({place}) AS _first_place FROM {staged.table} p WHERE p._reject IS NULL "
            "GROUP BY p.contact_id HAVING count(*) > 1"
        )
        first_copy = f" AND (f._copied_id IS NULL OR {place} = f._first_place)"
        from_sql = (
            f"{staged.table} p LEFT JOIN {firsts} f ON p.contact_id = f._copied_id "
            f"AND p._reject IS NULL"
        )
    else:
        from_sql = f"{staged.table} p"
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {view} AS
        SELECT {columns}
        FROM (
            SELECT p.*{unpacked} FROM {from_sql}
            WHERE p._reject IS NULL{first_copy}
        ) AS first_copies
        WHERE {in_period}
        """
    )


def _count_parsed(con: Any, staged: StagedSource, in_period: str) -> _Counts:
    """Rejects, duplicates, records with an invalid value, which fields are empty on every
    accepted record or invalid on some, and the accepted records in the period, in one pass.
    A field the source gives but leaves empty on every record it holds gives nothing: a
    promise that needs it cannot be audited (an invalid value is not empty).

    The distinct ids are counted by a subquery of their own: beside the other counts, Spark
    would keep every count's state for each distinct id (at 10M records, more than its default
    1 GB of memory)."""
    order = field_order(staged.checked)
    given = [f for f in CANONICAL_FIELDS if f in staged.provided and f not in REQUIRED_FIELDS]
    filled = [
        f"count(*) FILTER (WHERE _reject IS NULL AND ({quote(f)} IS NOT NULL"
        + (f" OR {is_invalid_sql(f, order)}))" if f in order else "))")
        for f in given
    ]
    invalid_counts = [
        f"count(*) FILTER (WHERE _reject IS NULL AND {is_invalid_sql(f, order)})" for f in order
    ]
    first_in_period, *numbers = con.execute(
        f"""
        SELECT
            min(initiated_at) FILTER (WHERE _reject IS NULL AND {in_period}),
            count(*) FILTER (WHERE _reject IS NULL AND {in_period}),
            count(*) FILTER (WHERE _reject IS NOT NULL),
            count(*) FILTER (WHERE _reject IS NULL)
              - (SELECT count(DISTINCT contact_id) FROM {staged.table} WHERE _reject IS NULL),
            count(*) FILTER (WHERE _reject IS NULL AND {PACKED_REASONS} IS NOT NULL),
            count(*) FILTER (WHERE _reject IS NULL)
            {"".join(", " + f for f in [*filled, *invalid_counts])}
        FROM {staged.table}
        """
    ).fetchone()
    in_period_count, rejected, duplicates, with_invalid, accepted, *per_field = (
        int(v) for v in numbers
    )
    filled_counts, invalid_per_field = per_field[: len(filled)], per_field[len(filled) :]
    return _Counts(
        rejected=rejected,
        duplicates=duplicates,
        with_invalid=with_invalid,
        empty=tuple(f for f, n in zip(given, filled_counts, strict=True) if accepted and not n),
        invalid_fields=frozenset(f for f, n in zip(order, invalid_per_field, strict=True) if n),
        in_period=in_period_count,
        first_in_period=first_in_period,
    )


def _accounting(
    con: Any, staged: StagedSource, counts: _Counts, used: int, invalid_table: str
) -> Accounting:
    """Every record read, in exactly one place: rejected, a duplicate, after as_of, or used;
    with the reasons, the invalid values and a sample of each."""
    raw = staged.raw
    parser_rejected = raw.malformed
    duplicates = counts.duplicates + raw.duplicates
    out_of_period = (
        raw.read - parser_rejected - counts.rejected - duplicates - raw.stitched - raw.folded - used
    )
    by_reason, sample = _rejects(con, staged, any_rejected=counts.rejected > 0)
    by_field, invalid_sample = (
        _invalid_values(con, invalid_table) if counts.with_invalid else ({}, ())
    )
    problems = staged.event_problems
    if problems is not None and problems.unreadable:
        # events with an unreadable time: invalid values of `event_at` (left out of the fold)
        by_field[EVENT_AT] = {"unparseable": problems.unreadable}
        unreadable_events = tuple(
            InvalidValue(file, row, EVENT_AT, column, "unparseable", value)
            for file, row, column, value in problems.unreadable_sample
        )
        invalid_sample = (unreadable_events + invalid_sample)[:REJECT_SAMPLE]
    return Accounting(
        read=raw.read,
        rejected=counts.rejected + parser_rejected,
        duplicates=duplicates,
        out_of_period=out_of_period,
        used=used,
        rejects_by_reason=by_reason,
        reject_sample=sample,
        files=staged.files,
        stitched=raw.stitched,
        folded=raw.folded,
        cases=raw.cases,
        invalid=sum(sum(reasons.values()) for reasons in by_field.values()),
        invalid_by_field=by_field,
        invalid_sample=invalid_sample,
        fields_checked=tuple(f for f in CANONICAL_FIELDS if f in staged.provided),
        fields_empty=counts.empty,
    )


def _rejects(
    con: Any, staged: StagedSource, *, any_rejected: bool
) -> tuple[dict[str, int], tuple[Reject, ...]]:
    """The rejected records by reason, and the first of them (the CSV parser's first); the
    parsed table is looked at again only where it rejected some."""
    by_reason: dict[str, int] = {}
    if staged.raw.malformed:
        by_reason["malformed_row"] = staged.raw.malformed
    sample = list(staged.parser_rejects)
    if not any_rejected:
        return by_reason, tuple(sample[:REJECT_SAMPLE])
    for reason, count in con.execute(
        f"SELECT _reject, count(*) FROM {staged.table} WHERE _reject IS NOT NULL "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall():
        by_reason[str(reason)] = int(count)
    for file, row, reason, column, value in con.execute(
        f"SELECT _file, _row, _reject, _reject_column, _reject_value FROM {staged.table} "
        f"WHERE _reject IS NOT NULL ORDER BY _file_index, _row LIMIT {REJECT_SAMPLE}"
    ).fetchall():
        sample.append(Reject(str(file), int(row), None, column, str(reason), value))
    return dict(sorted(by_reason.items())), tuple(sample[:REJECT_SAMPLE])


def _invalid_values(
    con: Any, invalid_table: str
) -> tuple[dict[str, dict[str, int]], tuple[InvalidValue, ...]]:
    """The invalid values of the used records, by field and reason, and the first of them."""
    by_field: dict[str, dict[str, int]] = {}
    for field_name, reason, count in con.execute(
        f"SELECT field, reason, count(*) FROM {invalid_table} GROUP BY field, reason "
        "ORDER BY field, reason"
    ).fetchall():
        by_field.setdefault(str(field_name), {})[str(reason)] = int(count)
    sample = tuple(
        InvalidValue(str(file), int(row), str(field_name), str(column), str(reason), value)
        for file, row, field_name, column, reason, value in con.execute(
            f"SELECT _file, _row, field, source_column, reason, value FROM {invalid_table} "
            f"ORDER BY _file_index, _row, _field_order LIMIT {REJECT_SAMPLE}"
        ).fetchall()
    )
    return by_field, sample


def list_invalid_values(con: Any, staged: StagedSource, as_of_sql: str, *, listed: bool) -> str:
    """`invalid_<source>`: one row per invalid value of a record the audit uses (the first
    copy of its contact id, initiated by as_of), in file order. Only the records with an
    invalid value are looked at again, and only when there are some (`listed`)."""
    table = quote(f"invalid_{staged.name}")
    parsed = staged.table
    checked = field_order(staged.checked)
    if not listed or not checked:
        con.execute(
            f"CREATE OR REPLACE TABLE {table} AS SELECT CAST(NULL AS VARCHAR) AS _file, "
            "CAST(NULL AS BIGINT) AS _file_index, CAST(NULL AS BIGINT) AS _row, "
            "CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS source_column, "
            "CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS VARCHAR) AS value, "
            "CAST(NULL AS INTEGER) AS _field_order WHERE false"
        )
        return table
    parts = [
        f"SELECT _file, _file_index, _row, {text_literal(f)} AS field, "
        f"{text_literal(shown_column(staged.checked[f]))} AS source_column, "
        f"{reason_sql(f, checked)} AS reason, {value_sql(f, checked)} AS value, "
        f"{list(CANONICAL_FIELDS).index(f)} AS _field_order "
        f"FROM used_invalid WHERE {is_invalid_sql(f, checked)}"
        for f in checked
    ]
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        WITH flagged AS (
            SELECT DISTINCT contact_id FROM {parsed}
            WHERE _reject IS NULL AND {PACKED_REASONS} IS NOT NULL
        ), copies AS (
            SELECT p.*, row_number() OVER (
                PARTITION BY p.contact_id ORDER BY p._file_index, p._row) AS _copy
            FROM {parsed} p
            WHERE p._reject IS NULL AND p.contact_id IN (SELECT contact_id FROM flagged)
        ), used_invalid AS (
            SELECT * FROM copies
            WHERE _copy = 1 AND {PACKED_REASONS} IS NOT NULL
              AND ({as_of_sql} IS NULL OR initiated_at <= {as_of_sql})
        )
        {" UNION ALL ".join(parts)}
        """
    )
    return table


def all_rejects(con: Any, staged: StagedSource) -> list[tuple[Any, ...]]:
    """Every reject and invalid value of a finished source, one per row: (status, file, row,
    line, field, column, reason, value), status `rejected` (the record is not used) or
    `invalid` (the record is used, without this value); rejects first, each in file order."""
    rows: list[tuple[Any, ...]] = []
    if staged.raw.malformed:
        rows += [
            ("rejected", path, None, line, None, column, reason, text)
            for path, line, column, reason, text in malformed_rows(con, staged.name)
        ]
    rows += con.execute(
        "SELECT 'rejected', _file, _row, NULL, CASE WHEN _reject = 'missing_contact_id' "
        "THEN 'contact_id' ELSE 'initiated_at' END, _reject_column, _reject, _reject_value "
        f"FROM {staged.table} WHERE _reject IS NOT NULL ORDER BY _file_index, _row"
    ).fetchall()
    rows += con.execute(
        f"SELECT 'invalid', _file, _row, NULL, field, source_column, reason, value "
        f"FROM {quote(f'invalid_{staged.name}')} ORDER BY _file_index, _row, _field_order"
    ).fetchall()
    return rows
