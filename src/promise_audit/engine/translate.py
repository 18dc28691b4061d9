"""The engine's SQL, written once in DuckDB's dialect, as PostgreSQL and Spark SQL.

promise-audit writes every statement it runs itself (users never supply SQL), in DuckDB's
dialect. For another engine each statement is parsed and written out again by SQLGlot, the
transpiler that ibis builds on, plus the few rules below where the dialects differ in meaning
rather than in spelling: DuckDB functions the others lack, TRY_CAST in PostgreSQL, and working
tables, which become temporary tables (PostgreSQL) or cached temporary views (Spark).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.spark import Spark

# PostgreSQL has no TRY_CAST: these session-local functions return NULL where a value cannot
# be read, as DuckDB's TRY_CAST does. They live in pg_temp, so auditing needs no rights to
# create anything in the database, and they vanish with the session.
POSTGRES_SETUP = (
    """CREATE OR REPLACE FUNCTION pg_temp.pa_try_double(value text) RETURNS double precision
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN value::double precision; EXCEPTION WHEN others THEN RETURN NULL; END $$""",
    """CREATE OR REPLACE FUNCTION pg_temp.pa_try_bigint(value text) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN value::bigint; EXCEPTION WHEN others THEN RETURN NULL; END $$""",
    # STABLE, not IMMUTABLE: reading a naive time depends on the session's time zone. Only
    # what DuckDB reads too: an ISO date first (PostgreSQL also reads 'yesterday', '10/01/2026')
    """CREATE OR REPLACE FUNCTION pg_temp.pa_try_timestamptz(value text) RETURNS timestamptz
    LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF value !~ '^\\s*\\d+-\\d{1,2}-\\d{1,2}([ T]|$)' THEN
        RETURN NULL;
      END IF;
      RETURN value::timestamptz;
    EXCEPTION WHEN others THEN RETURN NULL; END $$""",
    # a strptime pattern, written as PostgreSQL's to_timestamp pattern (see _strptime_as)
    """CREATE OR REPLACE FUNCTION pg_temp.pa_try_strptime(value text, pattern text)
    RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
    BEGIN RETURN to_timestamp(value, pattern);
    EXCEPTION WHEN others THEN RETURN NULL; END $$""",
)

# strptime directive -> (PostgreSQL to_timestamp pattern, Spark datetime pattern)
_STRPTIME = {
    "Y": ("YYYY", "yyyy"),
    "y": ("YY", "yy"),
    "m": ("MM", "M"),
    "d": ("DD", "d"),
    "H": ("HH24", "H"),
    "I": ("HH12", "h"),
    "M": ("MI", "mm"),
    "S": ("SS", "ss"),
    "p": ("AM", "a"),
    "b": ("Mon", "MMM"),
    "B": ("Month", "MMMM"),
    "a": ("Dy", "EEE"),
    "A": ("Day", "EEEE"),
    "z": ("TZHTZM", "Z"),
    "f": ("US", "SSSSSS"),
    "j": ("DDD", "D"),
}


def _strptime_as(pattern: str, engine: str) -> str:
    """A strptime pattern in the engine's own letters; literal letters quoted as it wants."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "%" and index + 1 < len(pattern):
            directive = pattern[index + 1]
            index += 2
            if directive == "%":
                out.append("%")
                continue
            if directive not in _STRPTIME:
                raise EngineSQLError(f"no {engine} reading of the strptime directive %{directive}")
            out.append(_STRPTIME[directive][0 if engine == "postgres" else 1])
            continue
        index += 1
        if char.isalpha():
            out.append(f'"{char}"' if engine == "postgres" else f"'{char}'")
        elif char == "'" and engine == "spark":
            out.append("''")
        else:
            out.append(char)
    return "".join(out)


def _try_strptime(generator: Any, node: exp.Anonymous, engine: str) -> str:
    value, pattern = node.expressions
    if not isinstance(pattern, exp.Literal) or not pattern.is_string:
        raise EngineSQLError("a strptime pattern must be a literal")
    translated = generator.sql(exp.Literal.string(_strptime_as(pattern.this, engine)))
    if engine == "postgres":
        return f"pg_temp.pa_try_strptime(CAST({generator.sql(value)} AS TEXT), {translated})"
    # without ANSI mode to_timestamp gives null for text it cannot read; try_to_timestamp is
    # the same under ANSI mode
    return f"try_to_timestamp({generator.sql(value)}, {translated})"


_TRY_FUNCTIONS = {
    exp.DataType.Type.DOUBLE: "pa_try_double",
    exp.DataType.Type.FLOAT: "pa_try_double",
    exp.DataType.Type.BIGINT: "pa_try_bigint",
    exp.DataType.Type.INT: "pa_try_bigint",
    exp.DataType.Type.TIMESTAMPTZ: "pa_try_timestamptz",
}


class EngineSQLError(ValueError):
    """A statement uses a DuckDB feature this engine has no equivalent for."""


def _args(generator: Any, node: exp.Expression) -> list[str]:
    return [generator.sql(arg) for arg in node.expressions]


def _full_match(generator: Any, node: exp.RegexpFullMatch, operator: str) -> str:
    pattern = node.expression
    if not isinstance(pattern, exp.Literal) or not pattern.is_string:
        raise EngineSQLError("a full-match pattern must be a literal")
    anchored = exp.Literal.string(f"^(?:{pattern.this})$")
    return f"({generator.sql(node.this)} {operator} {generator.sql(anchored)})"


# the shape of a timestamp DuckDB reads: Spark would also read '2026' and '2026-10'
_ISO_DATE_FIRST = r"^\s*\d+-\d{1,2}-\d{1,2}([ T]|$)"


def _spark_try_cast(generator: Any, node: exp.TryCast) -> str:
    text = f"TRY_CAST({generator.sql(node.this)} AS {generator.sql(node.to)})"
    if node.to.this is not exp.DataType.Type.TIMESTAMPTZ:
        return text
    value = generator.sql(node.this)
    pattern = generator.sql(exp.Literal.string(_ISO_DATE_FIRST))
    return f"CASE WHEN {value} RLIKE {pattern} THEN {text} END"


def _postgres_try_cast(generator: Any, node: exp.TryCast) -> str:
    target = node.to.this
    if target is exp.DataType.Type.DECIMAL:
        # a number that does not fit is null, as DuckDB's TRY_CAST gives
        params = [int(p.name) for p in node.to.expressions]
        precision, scale = [*params, 18, 3][:2] if params else (18, 3)
        value = f"pg_temp.pa_try_double(CAST({generator.sql(node.this)} AS TEXT))"
        return (
            f"CASE WHEN abs({value}) < 1e{precision - scale} "
            f"THEN CAST({value} AS NUMERIC({precision}, {scale})) END"
        )
    name = _TRY_FUNCTIONS.get(target)
    if name is None:
        raise EngineSQLError(f"no PostgreSQL TRY_CAST to {node.to.sql()}")
    return f"pg_temp.{name}(CAST({generator.sql(node.this)} AS TEXT))"


_POSTGRES_FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "isfinite": lambda a: (
        f"({a[0]} NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))"
    ),
    "epoch_us": lambda a: f"CAST(EXTRACT(EPOCH FROM {a[0]}) * 1000000 AS BIGINT)",
    "to_microseconds": lambda a: f"({a[0]} * INTERVAL '1 microsecond')",
}

_SPARK_FUNCTIONS: dict[str, Callable[[list[str]], str]] = {
    "isfinite": lambda a: (
        f"(NOT isnan({a[0]}) AND {a[0]} NOT IN (double('Infinity'), double('-Infinity')))"
    ),
    "epoch_us": lambda a: f"unix_micros({a[0]})",
    "to_microseconds": lambda a: f"make_dt_interval(0, 0, 0, {a[0]} / 1000000.0)",
}


# A typed source's timestamp is checked as isfinite(CAST(column AS TIMESTAMPTZ))
# (records/typed.py): PostgreSQL's timestamps can be infinite, Spark's cannot
_FINITE_TIME = {
    "postgres": lambda value: f"isfinite({value})",
    "spark": lambda value: f"({value} IS NOT NULL)",
}
_TIME_TYPES = (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.DATE)


def _is_time_cast(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.this in _TIME_TYPES


def _anonymous(
    table: dict[str, Callable[[list[str]], str]], base: Any, engine: str = "postgres"
) -> Any:
    def render(generator: Any, node: exp.Anonymous) -> str:
        if str(node.name).lower() == "try_strptime":
            return _try_strptime(generator, node, engine)
        if str(node.name).lower() == "isfinite" and _is_time_cast(node.expressions[0]):
            return _FINITE_TIME[engine](generator.sql(node.expressions[0]))
        rule = table.get(str(node.name).lower())
        if rule is None:
            return str(base(generator, node))
        return rule(_args(generator, node))

    return render


class PostgresFromDuckDB(Postgres):
    class Generator(Postgres.Generator):  # type: ignore[misc,valid-type]
        TRANSFORMS: ClassVar[dict[Any, Callable[..., str]]] = {
            **Postgres.Generator.TRANSFORMS,
            exp.TryCast: _postgres_try_cast,
            exp.RegexpFullMatch: lambda g, n: _full_match(g, n, "~"),
            exp.TimeToUnix: lambda g, n: f"EXTRACT(EPOCH FROM {g.sql(n.this)})",
            exp.DayOfWeekIso: lambda g, n: f"CAST(EXTRACT(ISODOW FROM {g.sql(n.this)}) AS INT)",
            exp.Hour: lambda g, n: f"CAST(EXTRACT(HOUR FROM {g.sql(n.this)}) AS INT)",
            exp.RegexpExtract: lambda g, n: (
                f"(regexp_match({g.sql(n.this)}, {g.sql(n.expression)}))"
                f"[{g.sql(n.args.get('group')) if n.args.get('group') else 1}]"
            ),
            exp.Anonymous: _anonymous(_POSTGRES_FUNCTIONS, Postgres.Generator.anonymous_sql),
        }


class SparkFromDuckDB(Spark):
    class Generator(Spark.Generator):  # type: ignore[misc,valid-type]
        TRANSFORMS: ClassVar[dict[Any, Callable[..., str]]] = {
            **Spark.Generator.TRANSFORMS,
            exp.TryCast: _spark_try_cast,
            exp.RegexpFullMatch: lambda g, n: _full_match(g, n, "RLIKE"),
            exp.DayOfWeekIso: lambda g, n: f"(weekday({g.sql(n.this)}) + 1)",
            exp.TimeToUnix: lambda g, n: f"(unix_micros({g.sql(n.this)}) / 1000000.0)",
            exp.PercentileDisc: lambda g, n: (
                f"percentile_disc({g.sql(n.expression)}) WITHIN GROUP (ORDER BY {g.sql(n.this)})"
            ),
            # GROUPING of several columns is a bit mask in DuckDB; Spark calls that grouping_id
            exp.Grouping: lambda g, n: f"grouping_id({', '.join(_args(g, n))})",
            exp.Anonymous: _anonymous(_SPARK_FUNCTIONS, Spark.Generator.anonymous_sql, "spark"),
        }


_DIALECTS: dict[str, type[sqlglot.Dialect]] = {
    "postgres": PostgresFromDuckDB,
    "spark": SparkFromDuckDB,
}


def _working_table(statement: Any, engine: str) -> list[str] | None:
    """`CREATE OR REPLACE TABLE|VIEW x AS q` as the engine's session-local equivalent."""
    if not isinstance(statement, exp.Create):
        return None
    kind = str(statement.args.get("kind") or "").upper()
    if kind not in ("TABLE", "VIEW"):
        return None
    target = statement.this
    name = target.sql(dialect=_DIALECTS[engine])
    query = statement.expression.sql(dialect=_DIALECTS[engine])
    if engine == "postgres":
        return [
            f"DROP {kind} IF EXISTS {name}",
            f"CREATE TEMPORARY {kind} {name} AS {query}",
        ]
    # Spark: a temporary view, cached at once when it stands for a table, so the work is done
    # once and later statements read the result. Cached on disk: a cache held in memory keeps
    # half of Spark's memory from the aggregations that follow, which then cannot spill
    # (at 10M records with the default 1 GB driver, the summaries' grouping sets failed)
    statements = [f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {query}"]
    if kind == "TABLE":
        statements.append(f"CACHE TABLE {name} OPTIONS ('storageLevel' 'DISK_ONLY')")
    return statements


def _name_subqueries(statement: Any) -> None:
    """PostgreSQL before 16 needs a name for every subquery in FROM; DuckDB does not."""
    for number, subquery in enumerate(statement.find_all(exp.Subquery)):
        if not subquery.alias and isinstance(subquery.parent, (exp.From, exp.Join)):
            subquery.set("alias", exp.TableAlias(this=exp.to_identifier(f"_q{number}")))


ASOF_NEXT = "_asof_next"


def _as_range_join(join: exp.Join) -> None:
    """`a ASOF LEFT JOIN t AS x ON probe >= x.k` (or `>`) as a plain left join on ranges, which
    every engine has: each row of t holds from its k up to the next row's k, so the one row
    whose range holds the probe is the row with the greatest k at or below it (below it, for
    `>`), the row DuckDB's as-of join finds. Only for a small table on the right, such as a
    calendar's openings: the engines join it as a range, not by sorting both sides."""
    table, condition = join.this, join.args.get("on")
    if (
        not isinstance(table, exp.Table)
        or str(join.args.get("side") or "").upper() != "LEFT"
        or not isinstance(condition, exp.GTE | exp.GT)
        or not isinstance(condition.expression, exp.Column)
    ):
        raise EngineSQLError(
            "an as-of join must be `LEFT JOIN table ON value >= table.column` (or >)"
        )
    alias = table.alias_or_name
    key = condition.expression.name
    source = table.copy()
    source.set("alias", None)
    ranged = (
        exp.select("*", f"lead({key}) OVER (ORDER BY {key}) AS {ASOF_NEXT}", dialect="duckdb")
        .from_(source)
        .subquery(alias)
    )
    probe = condition.this.copy()
    below_next = exp.LT if isinstance(condition, exp.GTE) else exp.LTE
    next_column = exp.column(ASOF_NEXT, table=alias)
    bounded = exp.or_(
        exp.Is(this=next_column.copy(), expression=exp.Null()),
        below_next(this=probe, expression=next_column),
    )
    join.set("this", ranged)
    join.set("method", None)
    join.set("on", exp.and_(condition.copy(), exp.paren(bounded)))


@lru_cache(maxsize=512)
def translate(sql: str, engine: str) -> tuple[str, ...]:
    """The statements that do on `engine` what `sql` does on DuckDB."""
    dialect = _DIALECTS[engine]
    parsed = sqlglot.parse(sql, read="duckdb")
    out: list[str] = []
    for statement in parsed:
        if statement is None:
            continue
        _name_subqueries(statement)
        for join in list(statement.find_all(exp.Join)):
            if join.args.get("method") == "ASOF":
                _as_range_join(join)
        working = _working_table(statement, engine)
        if working is not None:
            out.extend(working)
        elif isinstance(statement, exp.Drop) and engine == "spark":
            # a Spark view keeps its SQL, not its rows: the views defined over this one still
            # read it, so it stays until the session drops every view at the end
            continue
        else:
            out.append(statement.sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE))
    return tuple(out)
