"""Platform readers: one module per export format, registered here and nowhere else.

A reader creates the raw table from the files: a `_file` column, then one column per canonical
field it fills (named as the canonical field, any type that casts to text and back) and any
other columns as scope attributes. It returns its own accounting (records read, duplicates
dropped, legs stitched). Parsing, derivations and the rest of the accounting are shared.
Each module has a `read(con, table, files, source) -> RawRead` function and a page in
docs/formats/.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from promise_audit.promises.model import Source
from promise_audit.records.raw import RawRead

Reader = Callable[[Any, str, tuple[str, ...], Source], RawRead]

# format name -> module in this package (imported only when that format is read)
READERS: dict[str, str] = {
    "amazon-connect-ctr": "amazon_connect",
    "zendesk": "zendesk",
    "genesys-cloud": "genesys",
    "freshdesk": "freshdesk",
}


def reader_for(name: str) -> Reader:
    module = import_module(f"promise_audit.records.formats.{READERS[name]}")
    read: Reader = module.read
    return read
