"""The parsed table keeps a record's invalid values in two columns, not two per field: each
field's reason and value as the export wrote it come back exactly, whatever the text holds
(the separator itself, the escape, an empty part), and a record with none has NULL in both."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promise_audit.audit import audit
from promise_audit.errors import RecordsError
from promise_audit.records.invalid import (
    CODES,
    field_order,
    is_invalid_sql,
    packed_columns,
    reason_sql,
    value_sql,
)
from promise_audit.records.raw import quote
from promise_audit.records.schema import CANONICAL_FIELDS
from promise_audit.records.validate import invalid_cases
from tests.conftest import write_csv, write_promise_file

ORDER = ("enqueued_at", "answered_at", "wait_seconds")
TRICKY = st.text(alphabet=st.sampled_from(["\x1e", "\x1b", "e", "s", "a", ",", "'", "é", " "]))


def _round_trip(rows: list[tuple[tuple[str | None, str | None], ...]]) -> list[tuple[object, ...]]:
    """Pack each row's (reason, text) per field of ORDER in DuckDB, and read every field back:
    (packed reasons, then each field's reason, value and whether it is invalid)."""
    con = duckdb.connect()
    columns = [c for f in ORDER for c in (f"r_{f} VARCHAR", f"t_{f} VARCHAR")]
    con.execute(f"CREATE TABLE checked ({', '.join(columns)})")
    con.executemany(
        f"INSERT INTO checked VALUES ({', '.join('?' * len(columns))})",
        [[v for pair in row for v in pair] for row in rows],
    )
    packed = packed_columns(ORDER, lambda f: quote(f"r_{f}"), lambda f: quote(f"t_{f}"))
    con.execute(f"CREATE TABLE packed AS SELECT {', '.join(packed)} FROM checked")
    unpacked = [
        sql
        for f in ORDER
        for sql in (reason_sql(f, ORDER), value_sql(f, ORDER), is_invalid_sql(f, ORDER))
    ]
    result = con.execute(f"SELECT _invalid, {', '.join(unpacked)} FROM packed").fetchall()
    con.close()
    return result


def test_a_record_with_no_invalid_value_has_nothing_packed() -> None:
    valid = ((None, "2026-10-01"), (None, None), (None, "30"))
    (row,) = _round_trip([valid])
    assert row == (None,) + (None, None, None) * 3


def test_each_field_gets_its_own_reason_and_value_back() -> None:
    row = ((None, "9:00"), ("before_enqueued_at", "8:59"), ("negative", "-5"))
    # codes: a unparseable, b out_of_range, c negative, d before_enqueued_at ...
    assert _round_trip([row]) == [
        (".dc", None, "", False, "before_enqueued_at", "8:59", True, "negative", "-5", True)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(*[st.one_of(st.none(), st.sampled_from(sorted(CODES)))] * len(ORDER)).flatmap(
            lambda reasons: st.tuples(
                *[st.tuples(st.just(reason), TRICKY if reason else st.none()) for reason in reasons]
            )
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_value_comes_back_exactly_with_its_reason(
    rows: list[tuple[tuple[str | None, str | None], ...]],
) -> None:
    for row, back in zip(rows, _round_trip(rows), strict=True):
        if all(reason is None for reason, _ in row):
            assert back[0] is None
        for index, (reason, text) in enumerate(row):
            got_reason, got_value, invalid = back[1 + 3 * index : 4 + 3 * index]
            assert got_reason == reason
            if reason is not None:
                assert (got_value, invalid) == (text, True)
            elif back[0] is not None:
                assert (got_value, invalid) == ("", False)


def test_every_reason_a_check_can_give_has_a_code() -> None:
    every = {f: (f, True) for f in CANONICAL_FIELDS}
    given_reasons = {
        reason
        for whens in invalid_cases(every).values()
        for reason in re.findall(r"THEN '([a-z_]+)'", whens)
    }
    assert given_reasons <= set(CODES)
    assert len(set(CODES.values())) == len(CODES) and "." not in CODES.values()


def test_the_packed_order_is_the_canonical_order() -> None:
    assert field_order({"wait_seconds", "enqueued_at", "answered_at"}) == ORDER


def test_an_invalid_value_holding_the_separator_is_listed_as_written(tmp_path: Path) -> None:
    # two invalid values on one record, the first holding the separator and the escape
    weird = "soon\x1e\x1bs"
    rows = [
        {
            "contact_id": "c1",
            "initiated_at": "2026-10-01T09:00:00Z",
            "wait_seconds": weird,
            "ivr_seconds": "-5",
        },
        {"contact_id": "c2", "initiated_at": "2026-10-01T10:00:00Z", "wait_seconds": "30"},
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    promises = [
        {"id": "wait-5m", "kind": "wait_time", "limit": "5m"},
        {"id": "ivr-1m", "kind": "ivr_time", "limit": "1m"},
    ]
    path = write_promise_file(
        tmp_path / "p.yaml", promises, as_of="2026-10-10T00:00:00Z", source={"max_rejected": "100%"}
    )
    records = audit(path).records
    assert records.invalid_by_field == {
        "ivr_seconds": {"negative": 1},
        "wait_seconds": {"unparseable": 1},
    }
    assert [(v.row, v.field, v.reason, v.value) for v in records.invalid_sample] == [
        (1, "wait_seconds", "unparseable", weird),
        (1, "ivr_seconds", "negative", "-5"),
    ]


@pytest.mark.parametrize("column", ["_invalid", "_Bad"])
def test_a_column_named_like_a_packed_column_is_an_error(tmp_path: Path, column: str) -> None:
    rows = [{"contact_id": "c1", "initiated_at": "2026-10-01T09:00:00Z", column: "x"}]
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(
        tmp_path / "p.yaml", [{"id": "wait-5m", "kind": "wait_time", "limit": "5m"}]
    )
    with pytest.raises(RecordsError, match=f"column {column!r} has a name promise-audit keeps"):
        audit(path)
