"""A PostgreSQL table's typed columns, and a Parquet file's on Spark, are read as they are (a
timestamp, a number, a boolean), not written out as text and parsed back; the audit is the
audit of the same records as text on DuckDB: the same counts, the same invalid values by field
and reason, the same rejects (on PostgreSQL, the same sample text too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine import backends
from promise_audit.records.column_types import TYPED_PREFIX
from tests.conftest import write_promise_file
from tests.engines.conftest import comparable
from tests.test_typed_sources import HEADER, PROMISES, TYPES, without_paths, write_exports

POSTGRES_TYPES = {
    "TIMESTAMPTZ": "timestamptz",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "DECIMAL(3,1)": "numeric(3,1)",
    "BOOLEAN": "boolean",
}


def _promise_file(folder: Path, source: dict[str, Any]) -> Path:
    return write_promise_file(
        folder / "typed.yaml",
        PROMISES,
        timezone="America/New_York",
        source={"max_rejected": "100%", **source},
    )


def _statements(monkeypatch: pytest.MonkeyPatch, backend: type[Any]) -> list[str]:
    """Every statement the backend is given, as written (in DuckDB's dialect)."""
    seen: list[str] = []
    run = backend.execute

    def recorded(self: Any, sql: str, parameters: Any = None) -> Any:
        seen.append(sql)
        return run(self, sql, parameters)

    monkeypatch.setattr(backend, "execute", recorded)
    return seen


def _read_typed(statements: list[str]) -> set[str]:
    """The columns whose typed copy the parse reads."""
    parse = next(s for s in statements if 'CREATE OR REPLACE TABLE "parsed_contacts' in s)
    return {c for c in HEADER.split(",") if f'"{TYPED_PREFIX}{c}"' in parse}


@pytest.fixture
def typed_postgres_table(
    postgres_url: str, postgres_table: Callable[[Path], str], tmp_path: Path
) -> Iterator[str]:
    """The rows of tests/test_typed_sources.py in a table of typed columns."""
    import psycopg

    csv_path, _ = write_exports(tmp_path)
    text_table = postgres_table(csv_path)
    typed = f"{text_table}_typed"
    casts = ", ".join(
        f'CAST("{c}" AS {POSTGRES_TYPES[TYPES[c]]}) AS "{c}"' if c in TYPES else f'"{c}"'
        for c in HEADER.split(",")
    )
    with psycopg.connect(postgres_url, autocommit=True) as con:
        con.execute("SET TimeZone = 'America/New_York'")  # the zone the text was written in
        con.execute(f"CREATE TABLE {typed} AS SELECT {casts} FROM {text_table}")
    try:
        yield typed
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f"DROP TABLE IF EXISTS {typed}")


def test_a_typed_postgresql_table_is_read_as_it_is_and_audits_as_its_text(
    typed_postgres_table: str,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on_duckdb = comparable(audit(_promise_file(tmp_path, {"path": "contacts.csv"})))
    statements = _statements(monkeypatch, backends.PostgresBackend)
    table = _promise_file(tmp_path, {"table": typed_postgres_table})
    on_postgres = comparable(audit(table, engine=postgres_url))
    assert _read_typed(statements) == set(TYPES)
    assert without_paths(on_postgres) == without_paths(on_duckdb)  # a table, not a file
    # hand-counted from the rows (tests/test_typed_sources.py)
    records = on_postgres["records"]
    assert records["rejects_by_reason"] == {"missing_initiated_at": 1}
    assert records["invalid_by_field"]["ended_at"] == {"before_enqueued_at": 1, "out_of_range": 1}


def test_a_typed_parquet_file_on_spark_is_read_as_it_is_and_counts_as_its_text(
    spark_master: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_exports(tmp_path)
    on_duckdb = comparable(audit(_promise_file(tmp_path, {"path": "contacts.csv"})))
    statements = _statements(monkeypatch, backends.SparkBackend)
    parquet = _promise_file(tmp_path, {"path": "contacts.parquet"})
    on_spark = comparable(audit(parquet, engine=spark_master))
    assert _read_typed(statements) == set(TYPES)

    def counts(data: dict[str, Any]) -> Any:
        # Spark writes a timestamp as text without its offset: the sample text differs
        records = {k: v for k, v in data["records"].items() if k not in ("invalid_values",)}
        return {"records": records, "promises": data["promises"]}

    assert without_paths(counts(on_spark)) == without_paths(counts(on_duckdb))
