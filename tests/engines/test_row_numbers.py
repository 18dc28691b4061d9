"""Row numbers: each file's rows numbered from 1 in file order, so that the rejects and invalid
values name the right rows, and the first copy of a duplicated contact id is the one used. DuckDB
takes a Parquet file's row numbers from its reader and stores the rows in any order; Spark
numbers them also where it reads one file in several partitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from promise_audit.audit import audit
from tests.engines.conftest import comparable

ROWS_PER_FILE = 600


def _rows(prefix: str, count: int) -> list[tuple[str | None, str | None, str]]:
    """(contact_id, initiated_at, wait_seconds): a wait of 100 s to 699 s."""
    return [
        (f"{prefix}{n:04d}", f"2026-10-01T{n // 60 % 24:02d}:{n % 60:02d}:00Z", str(100 + n))
        for n in range(count)
    ]


def _write_parquet(path: Path, rows: list[tuple[str | None, str | None, str]]) -> None:
    """A Parquet file of row groups of 50 rows, so that a small split size reads it in many
    partitions."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (contact_id VARCHAR, initiated_at VARCHAR, wait_seconds VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 50)")
    con.close()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("numbered")
    first = _rows("a", ROWS_PER_FILE)
    first[249] = (None, first[249][1], first[249][2])  # row 250: no contact id
    first[400] = (first[400][0], first[400][1], "soon")  # row 401: an unreadable wait
    second = _rows("b", ROWS_PER_FILE)
    second[9] = ("a0003", second[9][1], "999")  # row 10: a later copy of a.parquet's row 4
    second[519] = (second[519][0], "yesterday", "100")  # row 520: an unreadable start
    _write_parquet(folder / "part-a.parquet", first)
    _write_parquet(folder / "part-b.parquet", second)
    return folder


def _promise_file(folder: Path) -> Path:
    document: dict[str, Any] = {
        "organization": "Numbered Co",
        "timezone": "UTC",
        "as_of": "2026-11-01T00:00:00Z",
        "sources": {"contacts": {"path": "part-*.parquet", "max_rejected": "100%"}},
        "promises": [
            {"id": "wait", "kind": "custom", "where": "wait_seconds is not null",
             "kept_if": "wait_seconds <= 600"},
        ],
    }  # fmt: skip
    path = folder / "numbered.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _where(data: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    records = data["records"]
    rejects = [(Path(r["file"]).name, r["row"], r["reason"]) for r in records["rejects"]]
    invalid = [(Path(v["file"]).name, v["row"], v["field"]) for v in records["invalid_values"]]
    return rejects, invalid


def test_duckdb_names_the_rows_of_each_file(exports: Path) -> None:
    data = comparable(audit(_promise_file(exports)))
    rejects, invalid = _where(data)
    assert rejects == [
        ("part-a.parquet", 250, "missing_contact_id"),
        ("part-b.parquet", 520, "unparseable_initiated_at"),
    ]
    assert invalid == [("part-a.parquet", 401, "wait_seconds")]
    # the first copy of a0003 (wait 103 s, kept) is used; b.parquet's (999 s) is a duplicate
    assert (data["records"]["read"], data["records"]["duplicates"]) == (1200, 1)
    wait = data["promises"][0]
    # waits of 100 s to 699 s in each file: 501 kept and 99 broken (601 s and over), less, in
    # a, the rejected row 250 (349 s) and the unreadable row 401 (kept both), and in b, its
    # row 10, now the duplicate (was 109 s, kept), and the rejected row 520 (was 619 s, broken)
    assert (wait["kept"], wait["broken"]) == (501 - 2 + 501 - 1, 99 + 99 - 1)


def test_a_parquet_export_with_a_column_named_like_the_readers_row_number_is_numbered(
    tmp_path: Path,
) -> None:
    # the reader cannot add its row numbers beside a column of the same name: the rows are
    # numbered by their place instead
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (contact_id VARCHAR, initiated_at VARCHAR, wait_seconds VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", _rows("a", ROWS_PER_FILE))
    con.execute("UPDATE t SET contact_id = NULL WHERE contact_id = 'a0249'")  # row 250
    con.execute(
        f"COPY (SELECT *, 'own' AS file_row_number FROM t) TO '{tmp_path / 'part-a.parquet'}' "
        "(FORMAT parquet, ROW_GROUP_SIZE 50)"
    )
    con.close()
    data = comparable(audit(_promise_file(tmp_path)))
    rejects, _ = _where(data)
    assert rejects == [("part-a.parquet", 250, "missing_contact_id")]
    assert data["records"]["used"] == ROWS_PER_FILE - 1


def test_spark_names_the_same_rows_when_it_reads_a_file_in_many_partitions(
    exports: Path, spark_master: str
) -> None:
    from pyspark.sql import SparkSession

    on_duckdb = comparable(audit(_promise_file(exports)))
    spark = SparkSession.builder.master(spark_master).getOrCreate()
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "2048")  # a row group or two each
    try:
        on_spark = comparable(audit(_promise_file(exports), engine=spark_master))
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before)
    assert _where(on_spark) == _where(on_duckdb)
    assert on_spark == on_duckdb
