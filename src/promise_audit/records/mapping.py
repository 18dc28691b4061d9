"""How a source's columns become the canonical fields: each field's mapping (a column, a date
and a time, an expression, a constant, or the column of the field's own name), and the SQL that
gives its text, or its value when the mapping computes one. Checked against the export: a
mapped column that is not there is an error, with the closest names."""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import TYPE_CHECKING

from promise_audit.errors import RecordsError
from promise_audit.promises.model import ColumnMapping, Source
from promise_audit.records.parse import parse_text_as
from promise_audit.records.raw import text_literal
from promise_audit.records.schema import CANONICAL_FIELDS, SQL_TYPES, FieldType

if TYPE_CHECKING:
    from promise_audit.expressions import Compiled


def column_mappings(
    source: Source, columns: Mapping[str, str], lower_columns: Mapping[str, str]
) -> dict[str, ColumnMapping]:
    """Each canonical field the source gives -> its mapping: the one written under columns:,
    else the column of the field's name (in any case)."""
    mappings: dict[str, ColumnMapping] = {}
    for field_name in CANONICAL_FIELDS:
        mapping = source.columns.get(field_name)
        if mapping is None:
            same = field_name if field_name in columns else lower_columns.get(field_name)
            if same is None:
                continue
            mapping = ColumnMapping(column=same)
        mappings[field_name] = mapping
    return mappings


def clean_text(column_sql: str, null_values: tuple[str, ...]) -> str:
    """A column's text as written, NULL where it is one of the source's null values."""
    listed = ", ".join(text_literal(v.strip()) for v in null_values)
    if not listed:
        return column_sql
    return f"CASE WHEN trim({column_sql}) IN ({listed}) THEN NULL ELSE {column_sql} END"


def trimmed_text(column_sql: str, null_values: tuple[str, ...]) -> str:
    """A column's text without its surrounding spaces, NULL where it is one of the source's
    null values: what a field is parsed from (one trim, where the engine can share it with
    clean_text's)."""
    listed = ", ".join(text_literal(v.strip()) for v in null_values)
    if not listed:
        return f"trim({column_sql})"
    return f"CASE WHEN trim({column_sql}) IN ({listed}) THEN NULL ELSE trim({column_sql}) END"


def null_if_sql(value_sql: str, null_if: tuple[str, ...], *, trimmed: bool = False) -> str:
    """The value, NULL where (without its surrounding spaces, or `trimmed` already) it is one
    of `null_if`."""
    if not null_if:
        return value_sql
    listed = ", ".join(text_literal(v) for v in null_if)
    compared = value_sql if trimmed else f"trim({value_sql})"
    return f"CASE WHEN {compared} IN ({listed}) THEN NULL ELSE {value_sql} END"


def compile_over_text(
    expression: str, texts: Mapping[str, str], where: str, label: str
) -> Compiled:
    """A promise file's expression over the export's columns, each read as its text (`texts`:
    column -> SQL); an expression that does not compile is a one-line error naming `where`."""
    from promise_audit.expressions import ExpressionError, compile_sql, parse

    try:
        return compile_sql(
            parse(expression), dict.fromkeys(texts, FieldType.TEXT), column=lambda n: texts[n]
        )
    except ExpressionError as exc:
        raise RecordsError(f"{where}: {exc.message} in {expression!r}", label) from None


def field_source_sql(
    field_name: str,
    mapping: ColumnMapping,
    columns: Mapping[str, str],
    source_label: str,
) -> tuple[str, str | None, bool]:
    """(SQL for the field's text or typed value, source column for reject messages, is_typed)."""

    def column(name: str) -> str:
        if name not in columns:
            close = get_close_matches(name, list(columns), n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise RecordsError(
                f"column {name!r} (mapped to {field_name}) is not in the export{hint}",
                source_label,
            )
        return columns[name]

    if mapping.column is not None:
        return null_if_sql(column(mapping.column), mapping.null_if), mapping.column, False
    if mapping.date is not None:
        parts = [null_if_sql(column(mapping.date), mapping.null_if)]
        if mapping.time is not None:
            parts.append(null_if_sql(column(mapping.time), mapping.null_if))
        label = mapping.date + (f" + {mapping.time}" if mapping.time else "")
        if len(parts) == 1:
            return parts[0], label, False
        return (
            f"CASE WHEN {parts[0]} IS NULL OR {parts[1]} IS NULL THEN NULL ELSE "
            f"concat(trim({parts[0]}), ' ', trim({parts[1]})) END",
            label,
            False,
        )
    if mapping.expr is not None:
        compiled = compile_over_text(mapping.expr, columns, f"columns.{field_name}", source_label)
        if compiled.type is FieldType.TEXT:
            return compiled.sql, None, False
        wanted = CANONICAL_FIELDS[field_name]
        numeric = {FieldType.NUMBER, FieldType.DURATION}
        if compiled.type is not wanted and not {compiled.type, wanted} <= numeric:
            # a cast would turn every value into NULL without a word
            raise RecordsError(
                f"columns.{field_name}: {mapping.expr!r} gives a {compiled.type.value}, and "
                f"{field_name} is a {wanted.value}",
                source_label,
            )
        return compiled.sql, None, True
    return _const_sql(field_name, mapping.const, source_label)


def _const_sql(
    field_name: str, const: str | int | float | bool | None, source_label: str
) -> tuple[str, str | None, bool]:
    """A `const:` value: null means missing on every row; a number or a boolean must suit the
    field (a boolean timestamp would be NULL on every row); other values are read as text."""
    wanted = CANONICAL_FIELDS[field_name]
    if const is None:
        return f"CAST(NULL AS {SQL_TYPES[wanted]})", None, True
    if isinstance(const, bool):
        if wanted is FieldType.BOOLEAN:
            return ("true" if const else "false"), None, True
        if wanted is not FieldType.TEXT:
            raise RecordsError(
                f"columns.{field_name}: const {str(const).lower()} is a boolean, and "
                f"{field_name} is a {wanted.value}",
                source_label,
            )
        return text_literal(str(const).lower()), None, False
    if isinstance(const, int | float) and wanted in (FieldType.NUMBER, FieldType.DURATION):
        return repr(float(const)), None, True
    if isinstance(const, int | float) and wanted is FieldType.TIMESTAMP:
        raise RecordsError(
            f"columns.{field_name}: const {const!r} is a number, and {field_name} is a "
            "timestamp (write it as text, e.g. '2026-10-01T09:00:00Z')",
            source_label,
        )
    return text_literal(str(const)), None, False


def typed_literal(field_type: FieldType, sql: str) -> str:
    return f"TRY_CAST({sql} AS {SQL_TYPES[field_type]})"


def required_text(
    field_name: str,
    source: Source,
    cleaned: Mapping[str, str],
    lower_columns: Mapping[str, str],
    label: str,
    trimmed: Mapping[str, str] | None = None,
) -> str:
    """A required field's text, NULL where it is missing; from `trimmed` (column -> its
    trimmed_text) where the field is a column's."""
    mapping = source.columns.get(field_name) or ColumnMapping(
        column=field_name if field_name in cleaned else lower_columns[field_name]
    )
    column = mapping.column
    if trimmed is not None and column is not None and column in trimmed:
        return f"nullif({null_if_sql(trimmed[column], mapping.null_if, trimmed=True)}, '')"
    text, _, _ = field_source_sql(field_name, mapping, cleaned, label)
    return f"nullif(trim(CAST({text} AS VARCHAR)), '')"


def typed_attribute(text_sql: str, field_type: FieldType | None, source: Source) -> str:
    """A per-case attribute derived from events, read as its type (text stays text)."""
    if field_type is None or field_type is FieldType.TEXT:
        return text_sql
    log_format = source.events.format if source.events is not None else None
    return parse_text_as(field_type, text_sql, ColumnMapping(column="-", format=log_format))
