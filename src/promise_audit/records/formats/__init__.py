"""The source formats, registered here and nowhere else: the one table from which the promise
file's accepted `format:` values, the extensions a format is guessed from, the platform readers,
the CLI's help and the docs' lists are derived (tests/test_source_formats.py checks the docs).

A plain format is read by the engine's own reader. A platform format has a module in this
package with a `read(con, table, files, source) -> RawRead` function (records/read.py calls
it), and a page in docs/formats/: it creates the raw table from the files (a `_file` column,
then one column per canonical field it fills, named as the canonical field, any type that
casts to text and back, and any other columns as scope attributes) and returns its own
accounting (records read, duplicates dropped, legs stitched). Parsing, derivations and the rest
of the accounting are shared.

This module imports nothing of the project: the promise file's model reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceFormat:
    name: str  # as a promise file writes it under `format:`
    what: str  # what it reads, in a few words
    extensions: tuple[str, ...] = ()  # a plain format: the extensions it is guessed from
    reader: str | None = None  # a platform format: its module in this package


FORMATS: tuple[SourceFormat, ...] = (
    SourceFormat("csv", "comma-separated text", (".csv", ".txt")),
    SourceFormat("tsv", "tab-separated text", (".tsv",)),
    SourceFormat("json", "a JSON document", (".json",)),
    SourceFormat("jsonl", "JSON lines", (".jsonl", ".ndjson")),
    SourceFormat("parquet", "Parquet", (".parquet",)),
    SourceFormat("xlsx", "an Excel workbook's first sheet", (".xlsx",)),
    SourceFormat(
        "amazon-connect-ctr", "Amazon Connect contact records (CTR)", reader="amazon_connect"
    ),
    SourceFormat("zendesk", "Zendesk tickets (API JSON)", reader="zendesk"),
    SourceFormat("genesys-cloud", "Genesys Cloud conversation details", reader="genesys"),
    SourceFormat("freshdesk", "Freshdesk ticket export (CSV)", reader="freshdesk"),
)

FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
PLAIN_FORMATS: tuple[str, ...] = tuple(f.name for f in FORMATS if f.reader is None)
PLATFORM_FORMATS: tuple[str, ...] = tuple(f.name for f in FORMATS if f.reader is not None)
# platform format -> its reader's module in this package (imported only when it is read)
READERS: dict[str, str] = {f.name: f.reader for f in FORMATS if f.reader is not None}
# a file's extension -> the plain format it is read as (`.gz` is looked through)
EXTENSIONS: dict[str, str] = {ext: f.name for f in FORMATS for ext in f.extensions}
# platform format -> its name for people (`inspect` says which platform wrote an export)
PLATFORM_NAMES: dict[str, str] = {f.name: f.what for f in FORMATS if f.reader is not None}


def spoken(names: Iterable[str], last: str = "or") -> str:
    """`csv, tsv or json`: a list as a sentence says it."""
    listed = list(names)
    return ", ".join(listed[:-1]) + f" {last} " + listed[-1] if len(listed) > 1 else "".join(listed)
