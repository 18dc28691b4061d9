"""`--redact`: customer, contact and agent identifiers replaced in a result by stable,
salted hashes, so a report can leave the organisation without naming anyone.

`redact(result, salt)` takes an `AuditResult` and returns a redacted one; every renderer of it
(terminal, JSON, Markdown, HTML, PDF, JUnit, SARIF, annotations) then prints only hashes. A
value becomes `h_` + the first 12 hex digits of sha256(salt + value): the same value and salt
give the same hash in every place and every run, so evidence, weakest links and rejects still
line up with each other; without the salt, a hash cannot be turned back into the identifier by
hashing candidate ids. What is replaced:

- the contact id of every evidence row, and its `customer_id` and `agent_id` details;
- the example contact ids of every agreement group (beside the platform's verdicts);
- the `value` of a weakest link whose `dimension` is one of those fields;
- the `value` of a reject or an invalid value whose `column` is one of those fields, and of
  every `malformed_row` reject, whose value is the raw text of the row (all its columns,
  identifiers among them), in the accounting of all sources and of each.

Counts, timestamps, reasons and every other value are left as they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from promise_audit.reconciliation import Agreement
from promise_audit.records.types import Accounting, InvalidValue, Reject
from promise_audit.results import AuditResult, Evidence, Link

IDENTIFIER_FIELDS = frozenset({"contact_id", "customer_id", "agent_id"})
HASH_PREFIX = "h_"
HASH_DIGITS = 12


def identifier_hash(value: str, salt: str) -> str:
    """The stable stand-in for one identifier."""
    digest = hashlib.sha256((salt + value).encode("utf-8")).hexdigest()
    return HASH_PREFIX + digest[:HASH_DIGITS]


def redact(result: AuditResult, salt: str) -> AuditResult:
    """The result with every identifier replaced by its salted hash (a new value).

    The salt must not be empty: unsalted hashes of short ids are found by hashing every id.
    """
    if not salt:
        raise ValueError("redact needs a salt: unsalted hashes of ids can be reversed")

    def hashed(value: str) -> str:
        return str(_hashed(value, salt))

    def link(item: Link) -> Link:
        if item.dimension in IDENTIFIER_FIELDS:
            return replace(item, value=hashed(item.value))
        return item

    def evidence(item: Evidence) -> Evidence:
        details = tuple(
            (name, hashed(value) if name in IDENTIFIER_FIELDS else value)
            for name, value in item.details
        )
        return replace(item, contact_id=hashed(item.contact_id), details=details)

    def row(item: RowT) -> RowT:
        if item.value is not None and _names_an_identifier(item.column, item.reason):
            return replace(item, value=hashed(item.value))
        return item

    def accounting(item: Accounting) -> Accounting:
        return replace(
            item,
            reject_sample=tuple(row(r) for r in item.reject_sample),
            invalid_sample=tuple(row(v) for v in item.invalid_sample),
        )

    def agreement(item: Agreement | None) -> Agreement | None:
        if item is None:
            return None
        groups = tuple(
            replace(g, examples=tuple(hashed(c) for c in g.examples)) for g in item.groups
        )
        return replace(item, groups=groups)

    promises = tuple(
        replace(
            p,
            weakest_links=tuple(link(x) for x in p.weakest_links),
            evidence=tuple(evidence(x) for x in p.evidence),
            agreement=agreement(p.agreement),
        )
        for p in result.promises
    )
    return replace(
        result,
        promises=promises,
        records=accounting(result.records),
        sources={name: accounting(a) for name, a in result.sources.items()},
        redacted=True,
    )


RowT = TypeVar("RowT", Reject, InvalidValue)


def _names_an_identifier(column: str | None, reason: str) -> bool:
    """A reject or an invalid value whose `value` is an identifier, or holds one."""
    return column in IDENTIFIER_FIELDS or reason.startswith("malformed_row")


def _hashed(value: Any, salt: str) -> Any:
    if value is None or value == "":
        return value
    return identifier_hash(str(value), salt)


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
