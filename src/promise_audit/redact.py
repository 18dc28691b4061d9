"""`--redact`: customer, contact and agent identifiers replaced in a JSON result by stable,
salted hashes, so a report can leave the organisation without naming anyone.

`redact(result, salt)` takes the dict of `render.json.to_dict` (or a saved JSON result) and
returns a redacted copy; every renderer of that dict (JSON, Markdown, HTML, PDF) then prints
only hashes. A value becomes `h_` + the first 12 hex digits of sha256(salt + value): the same
value and salt give the same hash in every place and every run, so evidence, weakest links and
rejects still line up with each other; without the salt, a hash cannot be turned back into the
identifier by hashing candidate ids. What is replaced:

- the value of every `contact_id`, `customer_id` and `agent_id` key, wherever it appears
  (evidence rows and their details included);
- the `value` of a weakest link whose `dimension` is one of those fields;
- the `value` of a reject whose `column` is one of those fields, and of every `malformed_row`
  reject, whose value is the raw text of the row (all its columns, identifiers among them).

Counts, timestamps, reasons and every other value are left as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from promise_audit.results import AuditResult, Evidence, Link

IDENTIFIER_FIELDS = frozenset({"contact_id", "customer_id", "agent_id"})
HASH_PREFIX = "h_"
HASH_DIGITS = 12


def identifier_hash(value: str, salt: str) -> str:
    """The stable stand-in for one identifier."""
    digest = hashlib.sha256((salt + value).encode("utf-8")).hexdigest()
    return HASH_PREFIX + digest[:HASH_DIGITS]


def redact(result: Mapping[str, Any], salt: str) -> dict[str, Any]:
    """A copy of the JSON result with every identifier replaced by its salted hash.

    The salt must not be empty: unsalted hashes of short ids are found by hashing every id.
    """
    if not salt:
        raise ValueError("redact needs a salt: unsalted hashes of ids can be reversed")
    redacted = _redact(result, salt)
    assert isinstance(redacted, dict)
    return redacted


def _redact(value: Any, salt: str) -> Any:
    if isinstance(value, Mapping):
        copy = {key: _redact(item, salt) for key, item in value.items()}
        for key in IDENTIFIER_FIELDS & copy.keys():
            copy[key] = _hashed(copy[key], salt)
        if _names_an_identifier(copy):
            copy["value"] = _hashed(copy["value"], salt)
        return copy
    if isinstance(value, list | tuple):
        return [_redact(item, salt) for item in value]
    return value


def _names_an_identifier(item: Mapping[str, Any]) -> bool:
    """A weakest link or a reject whose `value` is an identifier, or holds one."""
    if "value" not in item:
        return False
    if item.get("dimension") in IDENTIFIER_FIELDS or item.get("column") in IDENTIFIER_FIELDS:
        return True
    return str(item.get("reason") or "").startswith("malformed_row")


def _hashed(value: Any, salt: str) -> Any:
    if value is None or value == "":
        return value
    return identifier_hash(str(value), salt)


def redact_audit(result: AuditResult, salt: str) -> AuditResult:
    """The same redaction on the result value the terminal view prints."""
    from dataclasses import replace

    if not salt:
        raise ValueError("redact needs a salt: unsalted hashes of ids can be reversed")

    def link(item: Link) -> Link:
        if item.dimension in IDENTIFIER_FIELDS:
            return replace(item, value=str(_hashed(item.value, salt)))
        return item

    def evidence(item: Evidence) -> Evidence:
        details = tuple(
            (name, str(_hashed(value, salt)) if name in IDENTIFIER_FIELDS else value)
            for name, value in item.details
        )
        return replace(item, contact_id=str(_hashed(item.contact_id, salt)), details=details)

    promises = tuple(
        replace(
            p,
            weakest_links=tuple(link(x) for x in p.weakest_links),
            evidence=tuple(evidence(x) for x in p.evidence),
        )
        for p in result.promises
    )
    return replace(result, promises=promises)


def redact_rejects_file(path: Path, salt: str) -> None:
    """Rewrite a --rejects CSV with its identifier values (and raw malformed rows) hashed."""
    import csv

    from promise_audit.render.csv_safe import write_rows

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    column, reason, value = (header.index(n) for n in ("column", "reason", "value"))
    for row in body:
        if row[column] in IDENTIFIER_FIELDS or row[reason].startswith("malformed_row"):
            row[value] = str(_hashed(row[value], salt))
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_rows(handle, header, body)
