"""Each record's data row in its file (header excluded, 1-based), which names it in rejects
and invalid values and decides which copy of a repeated contact id comes first: numbered as the
parse reads the rows, or, on DuckDB, afterwards from each row's place in the table the parse
stores in scan order."""

from __future__ import annotations

from typing import Any


def row_number_sql(*, folded: bool, lazy: bool) -> str:
    """Each record's data row in its file (header excluded), 1-based, numbered as the parse
    reads it (where its table's places cannot number it: see number_by_place)."""
    if folded:
        return "r._n"  # the row of the case's first event, in its file
    if not lazy:
        return "row_number() OVER (PARTITION BY r._file ORDER BY r.rowid)"
    # PostgreSQL and Spark number a table's, or each file's, rows from 1 as they stage them
    # (engine/backends.py)
    return "r._n"


def number_by_place(con: Any, view: str, table: str, files: int) -> None:
    """`view`: the parsed rows of `table` (stored in scan order, file by file) with `_row`,
    each record's data row in its file (header excluded, 1-based), from its place in the
    table: one more than its place less the place of its file's first row."""
    first_place = "0"
    if files > 1:
        firsts = con.execute(
            f"SELECT _file_index, min(rowid) FROM {table} GROUP BY _file_index"
        ).fetchall()
        first_place = (
            "CASE _file_index "
            + " ".join(f"WHEN {int(index)} THEN {int(first)}" for index, first in firsts)
            + " END"
        )
    con.execute(
        f"CREATE OR REPLACE VIEW {view} AS SELECT *, rowid - {first_place} + 1 AS _row FROM {table}"
    )
