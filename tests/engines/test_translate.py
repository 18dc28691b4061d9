"""The rules that turn the engine's DuckDB SQL into PostgreSQL and Spark SQL.

The parity tests prove the rules on real servers; these say what each rule writes, so that a
change to one (or to SQLGlot) shows here first, without a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promise_audit.engine.translate import EngineSQLError, translate


def test_a_working_table_is_a_temporary_table_on_postgresql() -> None:
    assert translate('CREATE OR REPLACE TABLE "t" AS SELECT 1 AS x', "postgres") == (
        'DROP TABLE IF EXISTS "t"',
        'CREATE TEMPORARY TABLE "t" AS SELECT 1 AS x',
    )


def test_a_working_table_is_a_temporary_view_cached_on_disk_on_spark() -> None:
    assert translate('CREATE OR REPLACE TABLE "t" AS SELECT 1 AS x', "spark") == (
        "CREATE OR REPLACE TEMPORARY VIEW `t` AS SELECT 1 AS x",
        "CACHE TABLE `t` OPTIONS ('storageLevel' 'DISK_ONLY')",
    )


def test_spark_keeps_dropped_views_for_the_views_defined_over_them() -> None:
    assert translate('DROP VIEW "raw_contacts"', "spark") == ()


def test_try_cast_on_postgresql_calls_a_session_function_that_returns_null() -> None:
    (sql,) = translate("SELECT TRY_CAST(x AS DOUBLE)", "postgres")
    assert sql == "SELECT pg_temp.pa_try_double(CAST(x AS TEXT))"


def test_a_full_match_is_an_anchored_pattern() -> None:
    assert translate("SELECT regexp_full_match(x, 'a|b')", "postgres") == (
        "SELECT (x ~ '^(?:a|b)$')",
    )
    assert translate("SELECT regexp_full_match(x, 'a|b')", "spark") == (
        "SELECT (x RLIKE '^(?:a|b)$')",
    )


def test_the_iso_weekday_on_spark_counts_from_monday() -> None:
    assert translate("SELECT isodow(t)", "spark") == ("SELECT (weekday(t) + 1)",)


def test_grouping_of_several_columns_is_spark_grouping_id() -> None:
    (sql,) = translate("SELECT grouping(a, b) FROM t GROUP BY GROUPING SETS ((a), (b))", "spark")
    assert sql.startswith("SELECT grouping_id(a, b) FROM t")


def test_a_subquery_in_from_gets_a_name_for_postgresql() -> None:
    (sql,) = translate("SELECT * FROM (SELECT 1 AS x)", "postgres")
    assert sql == "SELECT * FROM (SELECT 1 AS x) AS _q0"


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_an_as_of_join_is_a_left_join_on_the_range_up_to_the_next_row(engine: str) -> None:
    (sql,) = translate("SELECT * FROM a ASOF LEFT JOIN b ON a.x >= b.y", engine)
    assert "ASOF JOIN" not in sql.upper()
    assert "LEFT JOIN (SELECT *, LEAD(y) OVER (ORDER BY y" in sql
    assert "ON a.x >= b.y AND (b._asof_next IS NULL OR a.x < b._asof_next)" in sql


def test_a_strict_as_of_join_reaches_up_to_and_including_the_next_row() -> None:
    (sql,) = translate("SELECT * FROM a ASOF LEFT JOIN b ON a.x > b.y", "postgres")
    assert "ON a.x > b.y AND (b._asof_next IS NULL OR a.x <= b._asof_next)" in sql


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_an_as_of_join_on_anything_but_value_at_or_after_a_column_is_refused(
    engine: str,
) -> None:
    with pytest.raises(EngineSQLError, match="an as-of join must be"):
        translate("SELECT * FROM a ASOF LEFT JOIN b ON a.x <= b.y", engine)


class _Recording:
    """A DuckDB backend that keeps every statement it runs."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.statements: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements.append(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_an_event_log_fold_translates(engine: str, tmp_path: Path) -> None:
    from promise_audit.engine.backends import connect
    from promise_audit.promises.model import Source
    from promise_audit.records.stage import stage_source

    (tmp_path / "log.csv").write_text(
        "number,state,grp,mod,at\nA,New,G1,0,2026-10-01 09:00\nA,Done,G2,1,2026-10-01 10:00\n",
        encoding="utf-8",
    )
    source = Source(
        path="log.csv",
        events={"case": "number", "at": "at", "order": "mod"},
        columns={
            "initiated_at": {"first": "at"},
            "resolved_at": {"first_at": "state = 'Done'"},
            "ended_at": {"last_at": "state = 'Done'"},
            "transfers": {"changes": "grp"},
            "escalations": {"max": "mod"},
            "paused": {"time_in": "state = 'New'"},
        },
    )
    con = _Recording(connect())
    stage_source(con, "contacts", source, base_dir=tmp_path, timezone="UTC")
    folds = [s for s in con.statements if "_seq" in s]
    assert folds
    for statement in folds:
        translated = " ".join(translate(statement, engine))
        assert "OVER (PARTITION BY" in translated


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_the_agreement_and_convention_queries_translate(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promise_audit.audit import audit
    from promise_audit.engine import backends
    from tests.conftest import write_csv, write_promise_file

    write_csv(
        tmp_path / "contacts.csv",
        [{"contact_id": "1", "initiated_at": "2026-10-01T09:00:00Z", "wait_seconds": 3,
          "abandoned": "true", "made_sla": "true"}],
    )  # fmt: skip
    promise = {
        "id": "w",
        "kind": "wait_time",
        "limit": "1m",
        "compare_with": {"column": "made_sla"},
    }
    recorded: list[_Recording] = []
    original = backends.connect

    def recording(*args: Any, **kwargs: Any) -> Any:
        recorded.append(_Recording(original(*args, **kwargs)))
        return recorded[-1]

    monkeypatch.setattr(backends, "connect", recording)
    audit(write_promise_file(tmp_path / "p.yaml", [promise]))
    statements = [s for con in recorded for s in con.statements]
    agreement = [s for s in statements if "audit_broken_platform_kept" in s and "SELECT" in s]
    variants = [s for s in statements if "s0_v0" in s and s.lstrip().startswith("SELECT")]
    assert agreement and variants
    for statement in agreement + variants:
        assert translate(statement, engine)


def test_a_strptime_pattern_is_postgresql_to_timestamp_that_returns_null() -> None:
    (sql,) = translate("SELECT try_strptime(x, '%m/%d/%Y %I:%M:%S %p')", "postgres")
    assert sql == ("SELECT pg_temp.pa_try_strptime(CAST(x AS TEXT), 'MM/DD/YYYY HH12:MI:SS AM')")


def test_a_strptime_pattern_is_spark_try_to_timestamp_with_literal_letters_quoted() -> None:
    (sql,) = translate("SELECT try_strptime(x, '%Y-%m-%dT%H:%M')", "spark")
    assert sql == "SELECT try_to_timestamp(x, 'yyyy-M-d\\'T\\'H:mm')"


def test_a_literal_letter_in_a_postgresql_pattern_is_double_quoted() -> None:
    (sql,) = translate("SELECT try_strptime(x, '%d/%m/%Y at %H:%M')", "postgres")
    assert '\'DD/MM/YYYY "a""t" HH24:MI\'' in sql


def test_a_strptime_pattern_that_is_not_a_literal_is_refused() -> None:
    with pytest.raises(EngineSQLError, match="literal"):
        translate("SELECT try_strptime(x, y)", "spark")


@pytest.mark.parametrize("engine", ["postgres", "spark"])
def test_the_timestamp_and_duration_functions_compile_on_every_engine(engine: str) -> None:
    from promise_audit.expressions import compile_sql, parse
    from promise_audit.records.schema import FieldType

    fields = {"Due Date": FieldType.TEXT, "resolved_at": FieldType.TIMESTAMP, "t": FieldType.TEXT}
    for text in (
        "resolved_at <= timestamp(`Due Date`, '%m/%d/%Y %I:%M:%S %p')",
        "timestamp(`Due Date`) is null",
        "duration(t) <= 5m",
    ):
        compiled = compile_sql(parse(text), fields)
        (sql,) = translate(f"SELECT {compiled.sql} FROM t", engine)
        assert "try_strptime(" not in sql.lower().replace("pa_try_strptime(", "")
