"""The median, p90 and p99 of a promise's measure under a memory limit: a promise with more
values than a quantile may hold is counted by value, with the very values DuckDB's
quantile_disc gives (the value at place ceil(n * q) in increasing order, the first at least),
also where quantile_disc itself runs out of memory."""

from __future__ import annotations

import pytest

from promise_audit.engine import run
from promise_audit.engine.backends import connect


@pytest.mark.parametrize(
    "values",
    [
        [],
        [None, None],
        [7.0],
        [3.0, 1.0],
        [1.0, 2.0, 3.0, 4.0],
        [1.0, 2.0, 3.0, 4.0, 5.0],
        [5.0, 5.0, 5.0, 1.0, None, 9.0, 9.0],
        [float(n % 13) for n in range(1000)],  # ties at every place
        [n / 7 for n in range(101)],
    ],
)
def test_counted_by_value_the_quantiles_are_quantile_discs(values: list[float | None]) -> None:
    backend = connect("none")
    try:
        backend.execute("CREATE TABLE o (m DOUBLE)")
        if values:
            backend.con.executemany("INSERT INTO o VALUES (?)", [[v] for v in values])
        expected = backend.execute(
            "SELECT quantile_disc(m, 0.5), quantile_disc(m, 0.9), quantile_disc(m, 0.99) FROM o"
        ).fetchone()
        assert run._quantiles_counted(backend, "o", "m") == tuple(expected)
    finally:
        backend.close()


def test_hand_counted_places() -> None:
    """Ten values 1..10: the median is the 5th (ceil(10 * 0.5)), p90 the 9th, p99 the 10th."""
    backend = connect("none")
    try:
        backend.execute(
            "CREATE TABLE o AS SELECT CAST(i AS DOUBLE) AS m FROM range(10, 0, -1) t(i)"
        )
        assert run._quantiles_counted(backend, "o", "m") == (5.0, 9.0, 10.0)
    finally:
        backend.close()


def test_counted_by_value_they_fit_where_quantile_disc_runs_out_of_memory() -> None:
    from promise_audit.engine.backends import EngineError

    backend = connect("100MB")
    try:
        backend.execute("SET threads = 2")  # the memory a step needs grows with its threads
        # 20 million distinct values: 160 MB as doubles, more than the limit holds
        backend.execute("CREATE TABLE o AS SELECT hash(i) / 1e6 AS m FROM range(20000000) t(i)")
        with pytest.raises(EngineError, match="ran out of memory"):
            backend.execute("SELECT quantile_disc(m, 0.5) FROM o").fetchone()
        median, p90, p99 = run._quantiles_counted(backend, "o", "m")
        # the same values from places counted another way: the kth least, by an ordered scan
        for value, q in ((median, 0.5), (p90, 0.9), (p99, 0.99)):
            place = -(-20_000_000 * int(q * 100) // 100)  # ceil(n * q), in whole numbers
            nth = backend.execute(f"SELECT count(*) FROM o WHERE m <= {value!r}").fetchone()[0]
            below = backend.execute(f"SELECT count(*) FROM o WHERE m < {value!r}").fetchone()[0]
            assert below < place <= nth
    finally:
        backend.close()
