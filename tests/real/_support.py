"""Plain-Python reference rules for the real-data tests (never the tool's own code).

Each test reads its raw export with the csv module and datetime, decides every record with the
helpers below (docs/kinds.md, written out again), and compares the counts with what
`promise_audit.audit.audit` reports on the example promise file.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

MAIN = Path(__file__).resolve().parents[2]
EXAMPLES = MAIN / "promises" / "examples"
REAL_DATA = MAIN.parent / "shared" / "data" / "real"


def needs_folder(folder: str) -> pytest.MarkDecorator:
    """Skip the module where the shared data is not checked out next to the project."""
    path = REAL_DATA / folder
    return pytest.mark.skipif(
        not path.is_dir(), reason=f"real data {folder}/: not beside the project"
    )


@dataclass
class Tally:
    """kept / broken / pending / excluded counts, with reasons, as a result reports them."""

    kept: int = 0
    pending: int = 0
    broken: Counter[str] = field(default_factory=Counter)
    excluded: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: str, reason: str | None = None) -> None:
        if outcome == "kept":
            self.kept += 1
        elif outcome == "pending":
            self.pending += 1
        elif outcome == "broken":
            self.broken[reason or "broken"] += 1
        elif outcome == "excluded":
            self.excluded[reason or "excluded"] += 1
        else:  # pragma: no cover - a typo in a test
            raise ValueError(outcome)

    def counts(self) -> dict[str, int]:
        broken, excluded = sum(self.broken.values()), sum(self.excluded.values())
        return {
            "population": self.kept + broken + self.pending + excluded,
            "kept": self.kept,
            "broken": broken,
            "pending": self.pending,
            "excluded": excluded,
        }

    def missing_data(self) -> int:
        """Exclusions for missing data: a value the rule needs is missing or invalid."""
        return sum(
            n for reason, n in self.excluded.items() if reason.startswith(("missing_", "invalid_"))
        )

    def verdict(self, target: float) -> str:
        """kept only if the target holds with every missing-data exclusion counted broken."""
        decided = self.kept + sum(self.broken.values())
        missing = self.missing_data()
        if decided == 0:
            return "at_risk" if missing else "no_data"
        if self.kept / decided < target:
            return "broken"
        return "at_risk" if self.kept / (decided + missing) < target else "kept"


def source_path(example: Path) -> Path:
    """Where an example promise file's `contacts` source points, resolved."""
    import yaml

    from promise_audit.promises.model import expand_variables

    document = yaml.safe_load(example.read_text(encoding="utf-8"))
    path = expand_variables(document["sources"]["contacts"]["path"])
    return (example.parent / path).resolve()


def promise_of(result: Any, promise_id: str) -> Any:
    (promise,) = [p for p in result.promises if p.id == promise_id]
    return promise


def counts_of(result: Any) -> dict[str, int]:
    return {
        "population": result.population,
        "kept": result.kept,
        "broken": result.broken,
        "pending": result.pending,
        "excluded": result.excluded,
    }


def accounting_of(records: Any) -> dict[str, int]:
    return {
        "read": records.read,
        "used": records.used,
        "rejected": records.rejected,
        "duplicates": records.duplicates,
        "out_of_period": records.out_of_period,
    }


def deadline_outcome(
    start: dt.datetime, end: dt.datetime | None, limit: dt.timedelta, as_of: dt.datetime
) -> tuple[str, str | None]:
    """A clock promise (resolution_time, first_response): instants are timezone-aware.

    The end counts only if it happened by as_of; a limit is inclusive; an open record is
    broken once start + limit is at or before as_of, pending before that. Arithmetic is done
    in UTC: Python adds to, and subtracts, datetimes of one zone in wall-clock time.
    """
    start, as_of = start.astimezone(dt.UTC), as_of.astimezone(dt.UTC)
    end = None if end is None else end.astimezone(dt.UTC)
    if end is not None and end > as_of:
        end = None  # an event after as_of has not happened yet
    if end is not None:
        return ("broken", "late") if end - start > limit else ("kept", None)
    if start + limit <= as_of:
        return "broken", "none_by_deadline"
    return "pending", None


def repeat_outcomes(
    contacts: Iterable[tuple[str, dt.datetime, str | None, str | None]],
    window: dt.timedelta,
    as_of: dt.datetime,
    *,
    same_topic: bool,
) -> Tally:
    """repeat_contact over (contact_id, initiated_at, customer_id, topic), all in the population.

    A contact is broken when a later contact of the same customer (and topic) - later in
    (initiated_at, contact_id) order - starts within `window` (inclusive) of it.
    """
    as_of = as_of.astimezone(dt.UTC)
    items = sorted(
        ((cid, at.astimezone(dt.UTC), customer, topic) for cid, at, customer, topic in contacts),
        key=lambda c: (c[1], c[0]),
    )
    tally = Tally()
    for position, (_cid, at, customer, topic) in enumerate(items):
        if customer is None:
            tally.add("excluded", "missing_customer_id")
            continue
        if same_topic and topic is None:
            tally.add("excluded", "missing_topic")
            continue
        repeated = any(
            other_customer == customer
            and (not same_topic or other_topic == topic)
            and other_at - at <= window
            for _, other_at, other_customer, other_topic in items[position + 1 :]
        )
        if repeated:
            tally.add("broken")
        elif at + window > as_of:
            tally.add("pending")
        else:
            tally.add("kept")
    return tally
