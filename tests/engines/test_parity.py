"""The same promise file gives the same audit on DuckDB, PostgreSQL and Spark.

The engines run one compiled audit (SQL in DuckDB's dialect, translated for the others), so
every count, measure and breakdown in the JSON must agree; only the engine's name and where the
records came from may differ.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from promise_audit.audit import audit
from promise_audit.errors import PromiseAuditError
from tests.conftest import write_csv, write_promise_file
from tests.engines.conftest import comparable

ROOT = Path(__file__).resolve().parents[2]
NORTHWIND = ROOT / "promises" / "northwind.yaml"
NORTHWIND_SOURCE = "  contacts: {path: exports/northwind-contacts.csv, format: csv}\n"


def as_table_source(promise_file: Path, table: str, folder: Path) -> Path:
    """The promise file with its contacts read from `table`, on the same lines as before."""
    text = promise_file.read_text(encoding="utf-8")
    assert NORTHWIND_SOURCE in text
    copy = folder / "northwind-table.yaml"
    copy.write_text(text.replace(NORTHWIND_SOURCE, f"  contacts: {{table: {table}}}\n"))
    return copy


@pytest.fixture(scope="module")
def northwind_on_duckdb() -> dict[str, Any]:
    return comparable(audit(NORTHWIND))


def test_the_example_audit_on_postgresql_is_the_duckdb_audit(
    northwind_on_duckdb: dict[str, Any],
    postgres_url: str,
    postgres_table: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    table = postgres_table(ROOT / "promises" / "exports" / "northwind-contacts.csv")
    result = audit(as_table_source(NORTHWIND, table, tmp_path), engine=postgres_url)
    assert result.engine.startswith("postgres (")
    assert comparable(result) == northwind_on_duckdb


def test_typed_columns_of_a_postgresql_table_give_the_same_audit(
    northwind_on_duckdb: dict[str, Any],
    postgres_url: str,
    postgres_table: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    """Timestamps with time zone, numbers and booleans are read through their text."""
    import psycopg

    from promise_audit.records.schema import CANONICAL_FIELDS, FieldType

    sql_types = {
        FieldType.TIMESTAMP: "timestamptz",
        FieldType.DURATION: "double precision",
        FieldType.NUMBER: "double precision",
        FieldType.BOOLEAN: "boolean",
    }
    text_table = postgres_table(ROOT / "promises" / "exports" / "northwind-contacts.csv")
    typed = f"{text_table}_typed"
    with psycopg.connect(postgres_url, autocommit=True) as con:
        names = [
            d.name for d in con.execute(f"SELECT * FROM {text_table} LIMIT 0").description or ()
        ]
        casts = []
        for name in names:
            field_type = CANONICAL_FIELDS.get(name, FieldType.TEXT)
            casts.append(f'CAST("{name}" AS {sql_types.get(field_type, "text")}) AS "{name}"')
        # the text is read in the file's zone; the typed table's session zone is another
        con.execute("SET TimeZone = 'Asia/Tokyo'")
        con.execute(f"CREATE TABLE {typed} AS SELECT {', '.join(casts)} FROM {text_table}")
        kinds = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_name = '{typed}'"
            ).fetchall()
        )
    try:
        assert kinds["initiated_at"] == "timestamp with time zone"
        assert kinds["abandoned"] == "boolean"
        result = audit(as_table_source(NORTHWIND, typed, tmp_path), engine=postgres_url)
        assert comparable(result) == northwind_on_duckdb
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f"DROP TABLE IF EXISTS {typed}")


def test_the_example_audit_on_spark_is_the_duckdb_audit(
    northwind_on_duckdb: dict[str, Any], spark_master: str
) -> None:
    result = audit(NORTHWIND, engine=spark_master)
    assert result.engine == f"spark ({spark_master})"
    assert comparable(result) == northwind_on_duckdb


# A small export with a value of every awkward sort: each row's comment says what it tests.
MESSY_ROWS: list[dict[str, Any]] = [
    # answered 4:59 after queueing: kept
    {"contact_id": "c01", "channel": "phone", "initiated_at": "2026-10-01T09:00:00Z",
     "enqueued_at": "2026-10-01T09:00:00Z", "answered_at": "2026-10-01T09:04:59Z",
     "ended_at": "2026-10-01T09:10:00Z", "transfers": "0", "csat": "5"},
    # a naive time (read in the file's zone), waited exactly 5 minutes: kept
    {"contact_id": "c02", "channel": "Phone", "initiated_at": "2026-10-01 10:00:00",
     "enqueued_at": "2026-10-01 10:00:00", "answered_at": "2026-10-01 10:05:00",
     "ended_at": "2026-10-01 10:09:00", "transfers": "2", "csat": "2"},
    # an unreadable initiated_at: rejected
    {"contact_id": "c03", "channel": "phone", "initiated_at": "yesterday"},
    # a copy of c01: a duplicate
    {"contact_id": "c01", "channel": "phone", "initiated_at": "2026-10-01T09:00:00Z",
     "enqueued_at": "2026-10-01T09:00:00Z", "answered_at": "2026-10-01T09:04:59Z",
     "ended_at": "2026-10-01T09:10:00Z", "transfers": "0", "csat": "5"},
    # an ISO 8601 duration: 301 s, broken
    {"contact_id": "c05", "channel": "phone", "initiated_at": "2026-10-02T09:00:00+02:00",
     "enqueued_at": "2026-10-02T07:00:00Z", "wait_seconds": "PT5M1S", "abandoned": "no"},
    # a thousands separator: 1234.5 s, broken
    {"contact_id": "c06", "channel": "phone", "initiated_at": "2026-10-02T10:00:00Z",
     "enqueued_at": "2026-10-02T10:00:00Z", "wait_seconds": "1,234.5", "abandoned": "N"},
    # NaN is not a measure: an invalid wait (the record is used, without it)
    {"contact_id": "c07", "channel": "phone", "initiated_at": "2026-10-02T11:00:00Z",
     "wait_seconds": "nan"},
    # -1 means "not applicable": no wait, so not in the wait promise's population
    {"contact_id": "c08", "channel": "phone", "initiated_at": "2026-10-02T12:00:00Z",
     "wait_seconds": "-1", "transfers": "1"},
    # after as_of: out of period
    {"contact_id": "c09", "channel": "phone", "initiated_at": "2026-11-02T12:00:00Z"},
    # ended before it began: an invalid end (the record is used, without it)
    {"contact_id": "c10", "channel": "chat", "initiated_at": "2026-10-03T12:00:00Z",
     "ended_at": "2026-10-03T11:00:00Z"},
    # no contact id: rejected
    {"contact_id": "", "channel": "chat", "initiated_at": "2026-10-03T13:00:00Z"},
    # an Excel serial date (2026-10-01 12:00 local) and a clock duration of 6 minutes
    {"contact_id": "c12", "channel": "phone", "initiated_at": "46296.5",
     "enqueued_at": "2026-10-01T11:00:00Z", "wait_seconds": "00:06:00", "abandoned": "false",
     "transfers": "3"},
    # a clock duration of one minute two seconds; csat unreadable: an invalid csat
    {"contact_id": "c13", "channel": "phone", "initiated_at": "2026-10-04T08:00:00Z",
     "wait_seconds": "1:02", "csat": "abc"},
    # abandoned after 6 minutes: broken
    {"contact_id": "c14", "channel": "phone", "initiated_at": "2026-10-04T09:00:00Z",
     "enqueued_at": "2026-10-04T09:00:00Z", "ended_at": "2026-10-04T09:06:00Z",
     "abandoned": "true"},
    # queued, neither answered nor ended by as_of: still waiting, pending
    {"contact_id": "c15", "channel": "phone", "initiated_at": "2026-10-31T23:59:00Z",
     "enqueued_at": "2026-10-31T23:59:00Z"},
]  # fmt: skip

MESSY_PROMISES = [
    {"id": "wait", "kind": "wait_time", "limit": "5m", "scope": {"channel": ["phone"]}},
    {"id": "transfers", "kind": "transfers", "max": 1},
    {"id": "happy", "kind": "custom", "where": "csat is not null", "kept_if": "csat >= 4"},
]


def messy_promise_file(folder: Path, source: dict[str, Any]) -> Path:
    return write_promise_file(
        folder / "messy.yaml",
        MESSY_PROMISES,
        timezone="Europe/London",
        as_of="2026-11-01T00:00:00Z",
        # rejects and unreadable values on purpose
        source={"max_rejected": "100%", **source},
    )


def counts(result: Any) -> dict[str, Any]:
    """Every count of the audit; the samples of rejects and of invalid values name files and
    rows, which a table does not have (their counts, by reason and by field, stay)."""
    data = comparable(result)
    for accounting in [data["records"], *data["sources"].values()]:
        accounting.pop("rejects")
        accounting.pop("invalid_values")
    return data


@pytest.fixture(scope="module")
def messy_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("messy")
    return write_csv(folder / "contacts.csv", MESSY_ROWS)


@pytest.fixture(scope="module")
def messy_on_duckdb(messy_export: Path) -> dict[str, Any]:
    result = audit(messy_promise_file(messy_export.parent, {"path": str(messy_export)}))
    return counts(result)


def test_the_messy_export_is_accounted_for_on_duckdb(messy_on_duckdb: dict[str, Any]) -> None:
    records = messy_on_duckdb["records"]
    assert (records["read"], records["rejected"], records["duplicates"]) == (15, 2, 1)
    assert (records["out_of_period"], records["used"]) == (1, 11)
    assert records["rejects_by_reason"] == {"missing_contact_id": 1, "unparseable_initiated_at": 1}
    assert records["invalid_by_field"] == {
        "csat": {"unparseable": 1},
        "ended_at": {"before_initiated_at": 1},
        "wait_seconds": {"unparseable": 1},
    }
    wait = messy_on_duckdb["promises"][0]
    # kept c01 (4:59), c02 (5:00); broken c05 (5:01), c06 (20:34.5), c12 (6:00), c14 (6:00);
    # pending c15 (queued at 23:59, still waiting at as_of: its blank `abandoned` is unknown,
    # not an abandon, and its 5-minute deadline is after as_of); c08 (-1), c07 and c13 were never
    # queued (no enqueued_at)
    assert (wait["kept"], wait["broken"], wait["pending"], wait["population"]) == (2, 4, 1, 7)
    assert wait["excluded"] == 0


def test_the_messy_export_counts_the_same_on_postgresql(
    messy_on_duckdb: dict[str, Any],
    messy_export: Path,
    postgres_url: str,
    postgres_table: Callable[[Path], str],
) -> None:
    table = postgres_table(messy_export)
    path = messy_promise_file(messy_export.parent, {"table": table})
    assert counts(audit(path, engine=postgres_url)) == messy_on_duckdb


def test_the_messy_export_counts_the_same_on_spark(
    messy_on_duckdb: dict[str, Any], messy_export: Path, spark_master: str
) -> None:
    path = messy_promise_file(messy_export.parent, {"path": str(messy_export)})
    assert counts(audit(path, engine=spark_master)) == messy_on_duckdb


def test_postgresql_reads_tables_not_files(postgres_url: str, messy_export: Path) -> None:
    path = messy_promise_file(messy_export.parent, {"path": str(messy_export)})
    with pytest.raises(PromiseAuditError, match="reads tables, not files"):
        audit(path, engine=postgres_url)


def test_a_table_source_needs_a_database_engine(tmp_path: Path) -> None:
    path = messy_promise_file(tmp_path, {"table": "contacts"})
    with pytest.raises(PromiseAuditError, match="a table source is read where it lives"):
        audit(path)


def test_an_unreachable_database_is_one_line_naming_it_without_its_password(
    tmp_path: Path,
) -> None:
    pytest.importorskip("psycopg")
    path = messy_promise_file(tmp_path, {"table": "contacts"})
    with pytest.raises(PromiseAuditError) as error:
        audit(path, engine="postgresql://auditor:s3cret@127.0.0.1:1/nowhere")
    message = error.value.one_line()
    assert "cannot connect" in message
    assert "s3cret" not in message
    assert "auditor:***@127.0.0.1:1" in message


def test_a_table_source_naming_its_database_runs_there(
    messy_on_duckdb: dict[str, Any],
    messy_export: Path,
    postgres_url: str,
    postgres_table: Callable[[Path], str],
) -> None:
    table = postgres_table(messy_export)
    path = messy_promise_file(messy_export.parent, {"table": table, "url": postgres_url})
    result = audit(path)
    assert result.engine.startswith("postgres (")

    def without_lines(data: dict[str, Any]) -> dict[str, Any]:
        # the url: line moves the promises down the file
        return {**data, "promises": [{**p, "line": None} for p in data["promises"]]}

    assert without_lines(counts(result)) == without_lines(messy_on_duckdb)


def test_a_table_in_a_database_cannot_run_on_another_engine(tmp_path: Path) -> None:
    source = {"table": "contacts", "url": "postgresql://auditor:s3cret@db.example/cc"}
    path = messy_promise_file(tmp_path, source)
    with pytest.raises(PromiseAuditError) as error:
        audit(path, engine="duckdb")
    message = error.value.one_line()
    assert "the tables are in postgresql://auditor:***@db.example/cc" in message
    assert "s3cret" not in message


def test_a_database_url_without_a_table_is_a_promise_file_error(tmp_path: Path) -> None:
    path = messy_promise_file(tmp_path, {"path": "contacts.csv", "url": "postgresql://db/cc"})
    with pytest.raises(PromiseAuditError, match="url: names the database of a table"):
        audit(path)


def test_explaining_contacts_on_postgresql_gives_the_duckdb_explanations(
    postgres_url: str, postgres_table: Callable[[Path], str], tmp_path: Path
) -> None:
    contacts = ["CT00000001", "CT00000002", "CT00004999", "no-such-contact"]
    on_duckdb = audit(NORTHWIND, explain=contacts).explanations
    table = postgres_table(ROOT / "promises" / "exports" / "northwind-contacts.csv")
    path = as_table_source(NORTHWIND, table, tmp_path)
    on_postgres = audit(path, engine=postgres_url, explain=contacts).explanations
    assert len(on_duckdb) > len(contacts)
    assert on_postgres == on_duckdb


def test_a_table_the_database_does_not_have_is_one_line_naming_it(
    postgres_url: str, tmp_path: Path
) -> None:
    path = messy_promise_file(tmp_path, {"table": "no_such_table"})
    with pytest.raises(PromiseAuditError) as error:
        audit(path, engine=postgres_url)
    message = error.value.one_line()
    assert "table no_such_table: " in message
    assert "does not exist" in message


def test_an_event_log_folds_and_reconciles_the_same_on_postgresql(
    postgres_url: str, postgres_table: Callable[[Path], str], tmp_path: Path
) -> None:
    """The fold (windows per case, one GROUP BY), the agreement table and the convention
    table give the same result on PostgreSQL as on DuckDB."""
    import re

    from tests.test_event_logs import COLUMNS, EVENTS, HEADER, LOG

    log = tmp_path / "log.csv"
    # every event has its case: a rejected row would name the file on one engine and the
    # table on the other; ISO dates, as a strptime format is read on DuckDB only
    events = LOG.replace("?,New,G9,0,3/10/2026 12:00,3/10/2026 12:00,true\n", "")
    events = re.sub(r"(\d+)/10/2026", lambda m: f"2026-10-{int(m[1]):02d}", events)
    log.write_text(HEADER + "\n" + events, encoding="utf-8")
    iso_events = {k: v for k, v in EVENTS.items() if k != "format"}
    iso_columns = {**COLUMNS, "initiated_at": {"first": "opened"}}
    promises = [
        {"id": "fix-1d", "kind": "resolution_time", "limit": "24h",
         "compare_with": {"column": "made_sla", "label": "Desk SLA"},
         "reported": {"value": "90%"}},
        {"id": "paused-4h", "kind": "custom", "where": "resolved_at is not null",
         "kept_if": "resolved_at - initiated_at - awaiting_user <= 4h"},
        {"id": "hands", "kind": "transfers", "max": 1},
    ]  # fmt: skip
    source = {"events": iso_events, "columns": iso_columns, "null_values": ["", "?"]}

    def promise_file(where: dict[str, Any], name: str) -> Path:
        document = {
            "organization": "Desk",
            "timezone": "UTC",
            "as_of": "2026-10-10T00:00:00+00:00",
            "sources": {"contacts": {**where, **source}},
            "promises": promises,
        }
        path = tmp_path / name
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    on_duckdb = comparable(audit(promise_file({"path": "log.csv"}, "file.yaml")))
    table = postgres_table(log)
    on_postgres = comparable(
        audit(promise_file({"table": table}, "table.yaml"), engine=postgres_url)
    )
    assert on_duckdb["records"]["folded"] == 10
    assert on_postgres == on_duckdb


def test_an_event_log_folds_and_reconciles_the_same_on_spark(
    spark_master: str, tmp_path: Path
) -> None:
    """The fold, the unreadable event times, the events with no case, the agreement table with
    its reasons and the convention table give the same result on Spark as on DuckDB (a tiny
    log: Spark is slow to start)."""
    import re

    from tests.test_event_logs import COLUMNS, EVENTS, HEADER, LOG

    # ISO dates, as a strptime format is read on DuckDB only; one event time is unreadable
    events = re.sub(r"(\d+)/10/2026", lambda m: f"2026-10-{int(m[1]):02d}", LOG)
    events = events.replace("C,Active,?,1,2026-10-03 10:00", "C,Active,?,1,soon")
    (tmp_path / "log.csv").write_text(HEADER + "\n" + events, encoding="utf-8")
    document = {
        "organization": "Desk",
        "timezone": "UTC",
        "as_of": "2026-10-10T00:00:00+00:00",
        "sources": {
            "contacts": {
                "path": "log.csv",
                "events": {k: v for k, v in EVENTS.items() if k != "format"},
                "columns": {**COLUMNS, "initiated_at": {"first": "opened"}},
                "null_values": ["", "?"],
                "max_rejected": "50%",
            }
        },
        "promises": [
            {"id": "fix-1d", "kind": "resolution_time", "limit": "24h",
             "compare_with": {"column": "made_sla", "label": "Desk SLA"},
             "reported": {"value": "90%"}},
            {"id": "paused-4h", "kind": "custom", "where": "resolved_at is not null",
             "kept_if": "resolved_at - initiated_at - awaiting_user <= 4h",
             "compare_with": {"column": "made_sla"}},
            {"id": "hands", "kind": "transfers", "max": 1},
        ],
    }  # fmt: skip
    path = tmp_path / "log.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    on_duckdb = comparable(audit(path))
    on_spark = comparable(audit(path, engine=spark_master))
    assert on_duckdb["records"]["folded"] == 10
    assert on_duckdb["records"]["invalid_by_field"]["event_at"] == {"unparseable": 1}
    assert on_spark == on_duckdb
