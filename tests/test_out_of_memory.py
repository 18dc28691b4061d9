"""A step that needs more memory than the audit's limit, and cannot spill to disk, is one line
that says which limit and what to do, in the tool's words (not DuckDB's advice to change its
own settings, which a user of the tool cannot reach), exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.engine.backends import DuckDBBackend, EngineError, connect

# a list of 20 million numbers cannot be spilled: it is one value
UNSPILLABLE = "SELECT length(list(i)) FROM range(20000000) t(i)"


def test_running_out_under_the_limit_names_the_limit_and_how_to_raise_it() -> None:
    backend = connect("20MB")
    try:
        with pytest.raises(EngineError) as caught:
            backend.execute(UNSPILLABLE)
    finally:
        backend.close()
    assert caught.value.one_line() == (
        "the audit ran out of memory under its 20MB limit (a step it could not spill to "
        "disk): raise --memory-limit (such as 4GB), or audit a shorter period of the export "
        "at a time"
    )


def test_running_out_all_in_memory_says_to_give_a_limit() -> None:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET memory_limit = '20MB'")  # stands for a machine's memory running out
    backend = DuckDBBackend(con)
    try:
        with pytest.raises(EngineError, match=r"give --memory-limit .* to spill them"):
            backend.execute(UNSPILLABLE)
    finally:
        backend.close()


def test_the_cli_ends_with_that_one_line_and_status_2(tmp_path: Path) -> None:
    from promise_audit.sample import write_sample

    records = tmp_path / "contacts.csv"
    write_sample(records, rows=2000)
    promises = Path(__file__).resolve().parents[1] / "bench" / "call-centre.yaml"
    result = CliRunner().invoke(
        app, ["check", str(promises), "--records", str(records), "--memory-limit", "2MB"]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("promise-audit: error: the audit ran out of memory under its 2MB")
