"""Where the audit runs: DuckDB in this process (the default), PostgreSQL, or Spark.

Every stage (records, kinds, engine) talks to a backend through `execute(sql)`, with SQL in
DuckDB's dialect; the other backends run it through `promise_audit.engine.translate`. Only
reading a source's raw rows differs by backend: DuckDB reads files itself, PostgreSQL reads a
table in the database, Spark reads files or a table of its catalog.

The engine is named by `engine:` in the promise file or `--engine`:
  duckdb                          in this process (default)
  spark | spark://host:7077 | local[4] | yarn | k8s://...   PySpark, `local[*]` for `spark`
  postgresql://user@host:5432/db  a PostgreSQL database (libpq's PG* variables apply)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from promise_audit import interrupts
from promise_audit.errors import PromiseAuditError, UsageError
from promise_audit.records.column_types import TYPED_PREFIX, is_typed_column

SPARK_MASTERS = re.compile(r"^(spark://\S+|local(\[(\*|\d+)\])?|yarn|k8s://\S+|mesos://\S+)$")
POSTGRES_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
# A table a source names: [schema.]table, letters, digits and underscores only, so that it is
# always an identifier and never SQL
TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class EngineError(PromiseAuditError):
    """The engine cannot be reached or refused a statement (exit status 2)."""


@dataclass(frozen=True)
class EngineSpec:
    name: str  # duckdb | spark | postgres
    target: str = ""  # the Spark master or the database URL

    @property
    def label(self) -> str:
        """What the results name: the engine, and where, without any password."""
        if self.name == "postgres":
            return f"postgres ({redact_url(self.target)})"
        if self.name == "spark":
            return f"spark ({self.target})"
        return self.name


def parse_engine(value: str | None) -> EngineSpec:
    text = (value or "duckdb").strip()
    if text == "duckdb":
        return EngineSpec("duckdb")
    if text == "spark":
        return EngineSpec("spark", "local[*]")
    if SPARK_MASTERS.match(text):
        return EngineSpec("spark", text)
    if POSTGRES_URL.match(text):
        return EngineSpec("postgres", text)
    raise ValueError(
        f"unknown engine {text!r}: use duckdb, spark (or a Spark master URL such as "
        "spark://host:7077 or local[4]), or a postgresql://user@host/db URL"
    )


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc))


class Rows:
    """A statement's result rows, as DuckDB's relation gives them."""

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self._rows = list(rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None


class Backend:
    """The DuckDB connection's interface, as the stages use it."""

    name = "duckdb"
    label = "duckdb"
    # working tables in a database file, evicted to disk under a memory limit (DuckDB only)
    on_disk = False
    memory_limit: str | None = None  # DuckDB's, such as 700MB (the other engines manage their own)

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        return list(self.described(table))

    def described(self, table: str) -> dict[str, str]:
        """The table's columns and their types, named as DuckDB names them."""
        return {row[0]: row[1] for row in self.execute(f"DESCRIBE {table}").fetchall()}

    def set_timezone(self, zone: str) -> None:
        self.execute(f"SET TimeZone = '{zone}'")

    def translated(self, sql: str) -> tuple[str, ...]:
        """The engine's statements for SQL in DuckDB's dialect."""
        from promise_audit.engine.translate import EngineSQLError, translate

        try:
            return translate(sql, self.name)
        except EngineSQLError as exc:
            raise EngineError(f"{self.label}: {exc}") from None

    def close(self) -> None:
        raise NotImplementedError

    def interrupt(self) -> None:
        """Stop the running statement (from another thread: see `promise_audit.interrupts`)."""


# What DuckDB says when the disk holding its temporary folder is full: the system's own
# words, or its cap on the folder's size (by default the disk's free space)
DISK_FULL = re.compile(
    r"no space left on device|max_temp_directory_size|disk is full|not enough space",
    re.IGNORECASE,
)


# What DuckDB says when a statement needs more memory than its limit and cannot spill the rest
OUT_OF_MEMORY = re.compile(r"^Out of Memory Error", re.IGNORECASE)


class DuckDBBackend(Backend):
    def __init__(
        self,
        con: Any,
        *,
        on_disk: bool = False,
        folder: str | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.con = con
        self.on_disk = on_disk
        self.folder = folder  # where the working tables are spilled, under a memory limit
        self.memory_limit = memory_limit

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        try:
            if parameters is None:
                return self.con.execute(sql)
            return self.con.execute(sql, parameters)
        except Exception as exc:  # duckdb.Error; the module is imported only when needed
            if self.folder is not None and DISK_FULL.search(str(exc)):
                raise EngineError(
                    f"the temporary folder {self.folder} ran out of disk space while the "
                    "audit spilled its working tables there: free space on that disk, point "
                    "TMPDIR at a larger one, or raise --memory-limit"
                ) from None
            if OUT_OF_MEMORY.search(str(exc)):
                raise EngineError(self._out_of_memory()) from None
            raise

    def _out_of_memory(self) -> str:
        """The one line for a statement that ran out of memory: DuckDB's own advice names its
        settings, which a user of the tool cannot reach."""
        if self.memory_limit is None:
            return (
                "the audit ran out of memory with every working table in memory: give "
                "--memory-limit (such as 2GB) to spill them to a temporary folder instead"
            )
        return (
            f"the audit ran out of memory under its {self.memory_limit} limit (a step it could "
            "not spill to disk): raise --memory-limit (such as 4GB), or audit a shorter "
            "period of the export at a time"
        )

    def close(self) -> None:
        self.con.close()

    def interrupt(self) -> None:
        self.con.interrupt()


def _plain(value: Any) -> Any:
    """A value as DuckDB's client gives it: whole numbers as int, others as float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class PostgresBackend(Backend):
    name = "postgres"

    def __init__(self, spec: EngineSpec) -> None:
        psycopg = _require("psycopg", "the postgresql engine needs psycopg", "postgres")
        from promise_audit.engine.translate import POSTGRES_SETUP

        self.label = spec.label
        self._psycopg = psycopg
        try:
            self.con = psycopg.connect(spec.target, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise EngineError(f"{spec.label}: cannot connect: {_first_line(exc)}") from None
        for statement in POSTGRES_SETUP:
            self._cursor(statement, context="setting up the session: ")

    def _cursor(
        self, statement: str, parameters: Sequence[Any] | None = None, *, context: str = ""
    ) -> Any:
        """The statement run; the server's refusal is one line naming the engine."""
        try:
            return self.con.execute(statement, parameters)
        except self._psycopg.Error as exc:
            raise EngineError(f"{self.label}: {context}{_first_line(exc)}") from None

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        rows: list[tuple[Any, ...]] = []
        for statement in self.translated(sql):
            cursor = self._cursor(statement)
            rows = (
                [tuple(_plain(v) for v in row) for row in cursor.fetchall()]
                if (cursor.description)
                else []
            )
        return Rows(rows)

    def columns(self, table: str, *, context: str = "") -> list[str]:
        cursor = self._cursor(f"SELECT * FROM {table} LIMIT 0", context=context)
        return [d.name for d in cursor.description or ()]

    def set_timezone(self, zone: str) -> None:
        self._cursor("SELECT set_config('TimeZone', %s, false)", [zone])

    def described(self, table: str, *, context: str = "") -> dict[str, str]:
        cursor = self._cursor(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = CAST(%s AS regclass) AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            [table],
            context=context,
        )
        return {name: _as_duckdb_type(POSTGRES_TYPES, kind) for name, kind in cursor.fetchall()}

    def stage_table(self, raw: str, table: str) -> str:
        """raw_<source> over a table: every column as text, and a column of a type a field can
        take also as it is (records/typed.py), rows numbered by their values (a table has no
        order of its own), so the numbering, and which copy of a duplicate id comes first, does
        not depend on how the database stores it."""
        quoted = _quoted_table(table)
        types = self.described(quoted, context=f"table {table}: ")
        texts = [f'CAST("{n}" AS TEXT) AS "{n}"' for n in types]
        typed = [f'"{n}" AS "{TYPED_PREFIX}{n}"' for n, t in types.items() if is_typed_column(t)]
        order = ", ".join(f'CAST("{n}" AS TEXT)' for n in types)
        self._cursor(f"DROP VIEW IF EXISTS {raw}")
        self._cursor(
            f"CREATE TEMPORARY VIEW {raw} AS SELECT CAST('{table}' AS TEXT) AS _file, "
            f"row_number() OVER (ORDER BY {order}) AS _n, {', '.join(texts + typed)} "
            f"FROM {quoted}",
            context=f"table {table}: ",
        )
        return table

    def close(self) -> None:
        self.con.close()

    def interrupt(self) -> None:
        self.con.cancel_safe()


# Above this size of files an export is large for Spark's shuffles (see shuffle_partitions)
LARGE_SPARK_INPUT = 64 * 2**20


def shuffle_partitions(files: Sequence[str]) -> str:
    """How many partitions Spark's shuffles (the windows, the aggregations) make: 8 for a
    small export, where more only add tasks; 32 for a large one, so that each task's sort and
    the cached blocks it reads fit Spark's default 1 GB driver (at 10M records, with 8, one
    of two runs ran out of memory; with 32 it completed). SPARK_PARTITIONS overrides it."""
    if "SPARK_PARTITIONS" in os.environ:
        return os.environ["SPARK_PARTITIONS"]
    size = sum(os.path.getsize(f) for f in files if os.path.isfile(f))
    return "32" if size > LARGE_SPARK_INPUT else "8"


def _numbered_in_file_order(frame: Any) -> tuple[Any, Any]:
    """The frame (of files read in order, `__index` naming the file) with its row ids, and
    each row's place in its file (1-based) over it. Spark's row ids grow with the partition of
    the scan (a file's partitions come in file order) and the row's place in it: the rows of
    each partition are counted, and a row's number is its place in its partition after the
    rows of the file's earlier partitions. A window over every row would move them all into
    one partition."""
    from pyspark.sql import functions as F

    with_ids = frame.withColumn("__order", F.monotonically_increasing_id())
    partition = F.shiftright(F.col("__order"), 33)
    place = F.col("__order").bitwiseAND((1 << 33) - 1)
    counted = (
        with_ids.groupBy(F.col("__index"), partition.alias("__partition"))
        .count()
        .orderBy("__index", "__partition")
        .collect()  # one row per partition of the scan, not per record
    )
    before: dict[int, int] = {}
    seen: dict[int, int] = {}
    for file_index, partition_id, rows in counted:
        before[int(partition_id)] = seen.get(file_index, 0)
        seen[file_index] = seen.get(file_index, 0) + int(rows)
    if not before:
        return with_ids, place + 1
    offsets = F.create_map(
        *[F.lit(v).cast("long") for pair in sorted(before.items()) for v in pair]
    )
    return with_ids, F.element_at(offsets, partition) + place + 1


class SparkBackend(Backend):
    name = "spark"

    def __init__(self, spec: EngineSpec) -> None:
        SparkSession = _require(
            "pyspark.sql", "the spark engine needs PySpark", "spark"
        ).SparkSession
        self.label = spec.label
        builder = (
            SparkSession.builder.master(spec.target)
            .appName("promise-audit")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", shuffle_partitions(()))
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            # the JVM's own warnings (a garbage collector's, under memory pressure) go to its
            # standard output by default, which is the audit's JSON or report: send them to
            # standard error (where a local session's JVM is started, here)
            .config("spark.driver.defaultJavaOptions", "-Xlog:disable -Xlog:all=warning:stderr")
        )
        try:
            self.spark = builder.getOrCreate()
        except Exception as exc:  # the JVM's errors are not typed in Python
            raise EngineError(f"{spec.label}: cannot start: {_first_line(exc)}") from None
        self.spark.sparkContext.setLogLevel("ERROR")
        self.zone = "UTC"

    def _run(self, statement: str) -> list[tuple[Any, ...]]:
        frame = self.spark.sql(statement)
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return []
        return [tuple(self._value(v) for v in row) for row in frame.collect()]

    def _value(self, value: Any) -> Any:
        # PySpark hands back timestamps as naive datetimes in this process's local time
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            from zoneinfo import ZoneInfo

            return value.astimezone(ZoneInfo(self.zone))
        return _plain(value)

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        statements = self.translated(sql)
        rows: list[tuple[Any, ...]] = []
        try:
            for statement in statements:
                rows = self._run(statement)
        except Exception as exc:  # AnalysisException and the JVM's errors
            if isinstance(exc, PromiseAuditError):
                raise
            if SPARK_OUT_OF_MEMORY.search(str(exc)):
                raise EngineError(
                    f"{self.label}: the audit ran out of memory on Spark: give it more "
                    "(spark.driver.memory, or spark.executor.memory on a cluster), or audit a "
                    "shorter period of the export at a time"
                ) from None
            raise EngineError(f"{self.label}: {_first_line(exc)}") from None
        return Rows(rows)

    def described(self, table: str) -> dict[str, str]:
        frame = self.spark.table(table.strip('"').replace('"', "`"))
        return {name: _as_duckdb_type(SPARK_TYPES, kind) for name, kind in frame.dtypes}

    def set_timezone(self, zone: str) -> None:
        self.zone = zone
        self.spark.conf.set("spark.sql.session.timeZone", zone)

    def stage_files(self, raw: str, fmt: str, files: Sequence[str], source: Any) -> None:
        """raw_<source> over files Spark reads itself: every column as text, rows numbered in
        file order. CSV is read strictly (a malformed row stops the audit, exit status 2)."""
        from functools import reduce

        from pyspark.sql import functions as F

        if fmt not in ("csv", "tsv", "parquet", "json", "jsonl"):
            raise EngineError(
                f"{self.label}: format {fmt!r} is read on the duckdb engine only: "
                "convert it to CSV or Parquet, or run with --engine duckdb"
            )
        self._raise_shuffle_partitions(shuffle_partitions(files))
        frames = []
        try:
            for index, path in enumerate(files):
                frame = self._read(fmt, path, source)
                frames.append(
                    frame.withColumn("__file", F.lit(path)).withColumn("__index", F.lit(index))
                )
            frame = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
            self._register(raw, frame, F.col("__file"), file_order=True)
        except Exception as exc:
            raise EngineError(f"{self.label}: {files[0]}: {_first_line(exc)}") from None

    def _raise_shuffle_partitions(self, wanted: str) -> None:
        """More partitions for a large export, never fewer: a small source read after a large
        one in the same audit leaves the large one's (the session starts each audit at 8)."""
        current = self.spark.conf.get("spark.sql.shuffle.partitions")
        if int(wanted) > int(current):
            self.spark.conf.set("spark.sql.shuffle.partitions", wanted)

    def _read(self, fmt: str, path: str, source: Any) -> Any:
        reader = self.spark.read
        if fmt == "parquet":
            return reader.parquet(path)
        if fmt in ("json", "jsonl"):
            return reader.json(path, multiLine=fmt == "json", mode="FAILFAST")
        return reader.csv(
            path,
            header=True,
            inferSchema=False,
            sep=source.delimiter or ("\t" if fmt == "tsv" else ","),
            multiLine=True,
            escape='"',
            encoding=source.encoding,
            mode="FAILFAST",
        )

    def stage_table(self, raw: str, table: str) -> str:
        from pyspark.sql import functions as F

        try:
            frame = self.spark.table(table)
        except Exception as exc:
            raise EngineError(f"{self.label}: table {table}: {_first_line(exc)}") from None
        self._register(raw, frame, F.lit(table), file_order=False)
        return table

    def _register(self, raw: str, frame: Any, file_column: Any, *, file_order: bool) -> None:
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        names = [n for n in frame.columns if n not in ("__file", "__index")]
        texts = [F.col(f"`{n}`").cast("string").alias(n) for n in names]
        # a column of a type a field can take also as it is (records/typed.py)
        texts += [
            F.col(f"`{n}`").alias(TYPED_PREFIX + n)
            for n, kind in frame.dtypes
            if n in names and is_typed_column(_as_duckdb_type(SPARK_TYPES, kind))
        ]
        if file_order:
            frame, number = _numbered_in_file_order(frame)
        else:
            window = Window.orderBy(*[F.col(f"`{n}`").cast("string") for n in names])
            number = F.row_number().over(window)
        staged = frame.select(file_column.alias("_file"), number.alias("_n"), *texts)
        staged.createOrReplaceTempView(raw.strip('"'))

    def interrupt(self) -> None:
        self.spark.sparkContext.cancelAllJobs()

    def close(self) -> None:
        # the session is kept for the process: starting a JVM again costs seconds. After the
        # JVM ran out of memory its context is stopped, and there is nothing left to drop:
        # the error that stopped the audit is the one reported
        with suppress(Exception):
            for table in self.spark.catalog.listTables():
                if table.isTemporary:
                    self.spark.catalog.dropTempView(table.name)


# Each engine's name for a type a field can take as it is, as DuckDB names it
# (records/typed.py); a (precision, scale) in brackets is kept
POSTGRES_TYPES = {
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "timestamp without time zone": "TIMESTAMP",
    "date": "DATE",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "boolean": "BOOLEAN",
    "numeric": "DECIMAL",
}
SPARK_TYPES = {
    "timestamp": "TIMESTAMP WITH TIME ZONE",  # an instant, shown in the session's zone
    "timestamp_ntz": "TIMESTAMP",
    "date": "DATE",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "decimal": "DECIMAL",
}
_TYPE_ARGUMENTS = re.compile(r"\s*\(([\d,\s]*)\)")


def _as_duckdb_type(names: dict[str, str], kind: str) -> str:
    """An engine's type name as DuckDB names it, or as it is where no field takes it typed:
    a precision of a timestamp (timestamp(3) with time zone) is dropped, a decimal's kept."""
    arguments = _TYPE_ARGUMENTS.search(kind)
    duckdb_name = names.get(_TYPE_ARGUMENTS.sub("", kind).strip().lower())
    if duckdb_name is None:
        return kind.upper()
    if duckdb_name == "DECIMAL":
        precision_and_scale = (arguments[1] if arguments else "").replace(" ", "")
        return f"DECIMAL({precision_and_scale})" if "," in precision_and_scale else kind.upper()
    return duckdb_name


def _require(module: str, needs: str, extra: str) -> Any:
    """An engine's client library, or a one-line error naming the extra that installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise EngineError(f"{needs}: pip install 'promise-audit[{extra}]'") from None


def _quoted_table(table: str) -> str:
    if not TABLE_NAME.match(table):
        raise EngineError(f"table {table!r} is not a [schema.]table name")
    return ".".join(f'"{part}"' for part in table.split("."))


def _first_line(exc: BaseException) -> str:
    """The first line that says what went wrong; for an error from Spark's JVM, its
    exception, not Py4J's line naming the call ("An error occurred while calling
    o395.collectToPython.")."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if len(lines) > 1 and _PY4J_CALL.match(lines[0]):
        return lines[1].removeprefix(": ")
    return lines[0] if lines else type(exc).__name__


# The JVM's out-of-memory errors, as a Spark task or the driver reports them
SPARK_OUT_OF_MEMORY = re.compile(r"SparkOutOfMemoryError|UNABLE_TO_ACQUIRE_MEMORY|OutOfMemoryError")
# Py4J's first line names only the call; the JVM's exception follows it
_PY4J_CALL = re.compile(r"^An error occurred while calling [\w.]+\.?$")


def open_backend(spec: EngineSpec, *, memory_limit: str | None = None) -> Backend:
    """The engine's backend; `memory_limit` applies to DuckDB (the others manage their own).
    Until it is closed, SIGINT and SIGTERM stop its running statement (`interrupts`)."""
    backend: Backend
    if spec.name == "postgres":
        backend = PostgresBackend(spec)
    elif spec.name == "spark":
        backend = SparkBackend(spec)
    else:
        backend = connect(memory_limit)
    interrupts.register(backend)
    return backend


MEMORY_LIMIT = re.compile(r"^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
# as DuckDB reads a memory limit: KB, MB... in powers of 1000, KiB, MiB... in powers of 1024
_SIZE_UNITS = {
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


def size_in_bytes(size: str) -> int:
    """A memory limit such as `700MB` or `1.5 GiB`, in bytes; any other text is a usage
    error."""
    match = MEMORY_LIMIT.match(size.strip())
    if match is None:
        raise UsageError(
            f"memory limit {size!r}: give a size such as 512MB or 4GB, or none (all in memory)"
        )
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[unit.lower()])


# Inputs up to this size (in memory, as text) are audited in memory; larger ones under a
# memory limit, spilling to a temporary folder (see `default_memory_limit`).
IN_MEMORY_INPUT = 64 * 2**20
# The limit DuckDB keeps to by default for a large input: with the process's own memory on top
# it keeps the whole audit under 1 GiB (docs/performance.md), on any machine with 2 GiB or more.
DEFAULT_MEMORY_LIMIT_MB = 700
# compressed files hold several times their size in text
_EXPANSION = {".gz": 8, ".parquet": 8, ".xlsx": 4}


def default_memory_limit(
    sources: Sequence[Sequence[str]], environ: Mapping[str, str] | None = None
) -> str | None:
    """The memory limit of an audit given no --memory-limit: PROMISE_AUDIT_MEMORY_LIMIT if set;
    else none (all in memory, fastest) for inputs up to IN_MEMORY_INPUT, and for larger ones
    DEFAULT_MEMORY_LIMIT_MB, or 40% of the machine's memory if that is less, so that a monthly
    export of millions of rows fits on a CI runner without a flag."""
    env = os.environ if environ is None else environ
    if env.get("PROMISE_AUDIT_MEMORY_LIMIT"):
        return None  # connect() reads it
    size = 0
    for files in sources:
        for path in files:
            suffix = os.path.splitext(path.lower())[1]
            with suppress(OSError):
                size += os.path.getsize(path) * _EXPANSION.get(suffix, 1)
    if size <= IN_MEMORY_INPUT:
        return None
    limit = DEFAULT_MEMORY_LIMIT_MB
    with suppress(OSError, ValueError, AttributeError):
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = min(limit, int(physical * 0.4 / 2**20))
    return f"{limit}MB"


def connect(memory_limit: str | None = None) -> Any:
    """A DuckDB backend that never reaches the network for extensions.

    In memory by default. With a memory limit (`memory_limit`, else PROMISE_AUDIT_MEMORY_LIMIT;
    e.g. `4GB`), the working tables live in a temporary database file instead, so DuckDB can
    evict them to disk and stay within that limit: slower, but large exports fit on a small
    machine. `none` keeps everything in memory whatever the input's size.
    """
    import duckdb

    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    limit = (memory_limit or os.environ.get("PROMISE_AUDIT_MEMORY_LIMIT") or "").strip()
    if limit.lower() == "none":
        limit = ""
    if not limit:
        return DuckDBBackend(duckdb.connect(":memory:", config=config))
    size_in_bytes(limit)  # a usage error unless it is a size
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="promise-audit-")
    atexit.register(shutil.rmtree, folder, True)
    con = duckdb.connect(os.path.join(folder, "audit.duckdb"), config=config)
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute(f"SET temp_directory = '{folder}'")
    return DuckDBBackend(con, on_disk=True, folder=folder, memory_limit=limit)
