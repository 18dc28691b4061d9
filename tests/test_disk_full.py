"""A full disk while the audit spills its working tables is one line that names the temporary
folder (where space is needed), not the input (which is fine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from promise_audit.engine import backends
from promise_audit.engine.backends import DuckDBBackend, EngineError, connect


def test_a_spill_past_the_space_left_is_one_line_naming_the_temporary_folder() -> None:
    backend = connect("30MB")
    try:
        # DuckDB's own cap on its temporary folder stands for a small disk
        backend.con.execute("SET max_temp_directory_size = '2MB'")
        backend.con.execute("SET threads = 1")
        with pytest.raises(EngineError) as caught:
            backend.execute(
                "CREATE TABLE t AS SELECT md5(CAST(range AS VARCHAR)) AS h "
                "FROM range(3000000) ORDER BY h"
            )
    finally:
        backend.close()
    message = caught.value.one_line()
    assert message == str(caught.value)
    assert f"the temporary folder {backend.folder} ran out of disk space" in message


class _FullDisk:
    """A connection whose disk is full, in the words of the operating system."""

    def execute(self, sql: str, *args: Any) -> Any:
        raise duckdb.IOException(
            'IO Error: Could not write file "/spill/promise-audit-x/duckdb_temp_storage-0.tmp":'
            " No space left on device\nLINE 1: ..."
        )


def test_no_space_left_on_device_names_the_folder_not_the_input() -> None:
    backend = DuckDBBackend(_FullDisk(), on_disk=True, folder="/spill/promise-audit-x")
    with pytest.raises(EngineError) as caught:
        backend.execute("CREATE TABLE parsed AS SELECT * FROM read_csv('contacts.csv')")
    message = str(caught.value)
    assert "\n" not in message
    assert "/spill/promise-audit-x" in message
    assert "contacts.csv" not in message


def test_in_memory_other_engine_errors_are_left_as_they_are() -> None:
    backend = DuckDBBackend(_FullDisk())
    with pytest.raises(duckdb.IOException):
        backend.execute("SELECT 1")


def test_a_full_disk_stops_the_audit_with_exit_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from promise_audit.cli import app
    from promise_audit.sample import write_sample

    export = tmp_path / "contacts.csv"
    write_sample(export, rows=100_000, seed=7)
    opened = backends.connect

    def small_disk(memory_limit: str | None = None) -> Any:
        backend = opened(memory_limit)
        backend.con.execute("SET max_temp_directory_size = '1KB'")
        backend.con.execute("SET threads = 1")
        return backend

    monkeypatch.setattr(backends, "connect", small_disk)
    promises = Path(__file__).resolve().parents[1] / "bench" / "call-centre.yaml"
    result = CliRunner().invoke(
        app,
        ["check", str(promises), "--records", str(export), "--memory-limit", "64MB"],
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "the temporary folder" in lines[0] and "ran out of disk space" in lines[0]
    assert str(export) not in lines[0]
