"""The engines beside DuckDB: a PostgreSQL server and PySpark, where this machine has them.

PROMISE_AUDIT_TEST_POSTGRES names a server to test against (a database the tests may create
tables in); `.ci/run` starts one on loopback. Without it, or without PySpark and Java, these
tests skip, saying why; with PROMISE_AUDIT_TEST_ENGINES=required (set by `.ci/run`) they fail.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from promise_audit.render.json import to_dict
from promise_audit.results import AuditResult

SPARK_MASTER = "local[2]"


def unavailable(reason: str) -> None:
    if os.environ.get("PROMISE_AUDIT_TEST_ENGINES") == "required":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("PROMISE_AUDIT_TEST_POSTGRES")
    if not url:
        unavailable("PROMISE_AUDIT_TEST_POSTGRES is not set: no PostgreSQL server to test on")
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed (pip install '.[postgres]')")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        unavailable(f"cannot reach {url}: {exc}")
    return str(url)


@pytest.fixture(scope="session")
def spark_master() -> str:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("PySpark is not installed (pip install '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("no Java runtime for Spark")
    return SPARK_MASTER


@pytest.fixture
def postgres_table(postgres_url: str) -> Iterator[Callable[[Path], str]]:
    """Load a CSV file into a new table of text columns, empty fields as NULL (as the CSV
    readers read them); the tables are dropped afterwards."""
    import psycopg

    made: list[str] = []
    con = psycopg.connect(postgres_url, autocommit=True)

    def load(path: Path) -> str:
        name = f"pa_test_{uuid.uuid4().hex[:12]}"
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        columns = ", ".join(f'"{c}" text' for c in header)
        con.execute(f"CREATE TABLE {name} ({columns})")
        made.append(name)
        with (
            con.cursor() as cursor,
            cursor.copy(f"COPY {name} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            copy.write(path.read_bytes())
        return name

    yield load
    for name in made:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    con.close()


def comparable(result: AuditResult) -> dict[str, Any]:
    """The result without what names the engine or where the records came from."""
    data = to_dict(result)
    data.pop("engine", None)
    data.pop("promise_file", None)
    for accounting in [data["records"], *data["sources"].values()]:
        accounting.pop("files", None)
    return data
