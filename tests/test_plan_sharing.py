"""The deciding statement's shortcuts on DuckDB give every record the status, and every
promise the figures, that the plain statement gives."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from promise_audit.engine import run
from promise_audit.engine.plan import StatusCases, _renamed

# declared: x <= 1 'a', x <= 3 'b', x <= 5 'c', else 'd'
DECLARED = StatusCases((("x <= 1", "'a'"), ("x <= 3", "'b'"), ("x <= 5", "'c'")), "'d'")
# a variant sharing the first two conditions, then its own
VARIANT = StatusCases((("x <= 1", "1"), ("x <= 3", "2"), ("x = 4", "7")), "9")


def statuses(cases: StatusCases, *, shared: bool) -> list[Any]:
    con = duckdb.connect()
    first = f"{DECLARED.first_case()} AS _first"
    sql = cases.sql(shared=(DECLARED, "b._first")) if shared else cases.sql()
    return [
        row[0]
        for row in con.execute(
            f"SELECT {sql} FROM (SELECT x, {first} FROM range(1, 7) AS t(x)) AS b ORDER BY x"
        ).fetchall()
    ]


@pytest.mark.parametrize("shared", [False, True])
def test_the_declared_status_read_from_its_first_case_is_its_own(shared: bool) -> None:
    assert statuses(DECLARED, shared=shared) == ["a", "b", "b", "c", "c", "d"]


@pytest.mark.parametrize("shared", [False, True])
def test_a_variant_reads_the_shared_cases_and_decides_the_rest_itself(shared: bool) -> None:
    # x = 4 and 5: the declared rule's third case holds, which the variant does not share
    assert statuses(VARIANT, shared=shared) == [1, 2, 2, 7, 9, 9]


def test_the_first_case_is_counted_from_one_and_none_is_zero() -> None:
    con = duckdb.connect()
    found = con.execute(
        f"SELECT {DECLARED.first_case()} FROM range(1, 7) AS t(x) ORDER BY x"
    ).fetchall()
    assert [row[0] for row in found] == [1, 2, 2, 3, 3, 0]


def test_renaming_a_join_column_leaves_literals_and_quoted_names_alone() -> None:
    sql = (
        "CASE WHEN w8_next_at.v > 'w8_next_at.v''s' AND \"it's w8_next_at.v\" = 1 "
        "AND x.w8_next_at.v AND c4.elapsed > 1 AND cc4.elapsed THEN 1 END"
    )
    renamed = _renamed(sql, {"w8_next_at.v": "b._w8", "c4.elapsed": "b._c4"})
    assert renamed == (
        "CASE WHEN b._w8 > 'w8_next_at.v''s' AND \"it's w8_next_at.v\" = 1 "
        "AND x.w8_next_at.v AND b._c4 > 1 AND cc4.elapsed THEN 1 END"
    )


class Recording:
    """A backend that answers every query with one row of numbered values."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def execute(self, sql: str) -> Any:
        self.queries.append(sql)
        width = sql.count("quantile_disc") or sql.count("upto >=")
        return duckdb.connect().execute(f"SELECT {', '.join(str(n) for n in range(width))}")


def test_quantiles_share_a_query_while_they_hold_few_enough_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run, "QUANTILE_VALUES", 4)
    measures = {i: f"m{i}" for i in range(5)}
    held = [(0, 3), (1, 2), (2, 1), (3, 4), (4, 5)]  # 5 is more than 4: counted by value
    con = Recording()
    plan: Any = type("Plan", (), {"outcomes_table": "o"})
    found = run._quantiles_in_batches(con, plan, measures, held)
    assert [[f"m{i}" in q for i in range(5)] for q in con.queries] == [
        [False, False, False, False, True],  # counted by value, as it goes
        [True, False, False, False, False],
        [False, True, True, False, False],
        [False, False, False, True, False],
    ]
    assert "quantile_disc" not in con.queries[0]
    assert found == {0: (0, 1, 2), 1: (0, 1, 2), 2: (3, 4, 5), 3: (0, 1, 2), 4: (0, 1, 2)}
