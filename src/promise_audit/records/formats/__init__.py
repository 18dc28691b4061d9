"""Platform readers: one module per export format, registered here.

A reader creates the raw table from the files: a `_file` column, then one column per canonical
field it fills (named as the canonical field, any type that casts to text and back) and any
other columns as scope attributes. It returns its own accounting (records read, duplicates
dropped, legs stitched). Parsing, derivations and the rest of the accounting are shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from promise_audit.promises.model import Source
from promise_audit.records.loader import RawRead

Reader = Callable[[Any, str, tuple[str, ...], Source], RawRead]

READERS: dict[str, Reader] = {}
