"""`explain` gives, for each contact, the verdict the audit counted for it."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
EXPORT = EXAMPLE.parent / "exports" / "northwind-contacts.csv"


def test_explaining_every_contact_adds_up_to_the_counts() -> None:
    with EXPORT.open(encoding="utf-8") as handle:
        ids = [row["contact_id"] for row in csv.DictReader(handle)]
    result = audit(EXAMPLE, explain=ids)
    tally = Counter((e.promise_id, e.outcome) for e in result.explanations)
    for promise in result.promises:
        if promise.verdict == "unauditable":
            continue
        for outcome in ("kept", "broken", "pending", "excluded"):
            assert tally[(promise.id, outcome)] == getattr(promise, outcome), (promise.id, outcome)


def test_explain_names_outcome_reason_and_measure() -> None:
    result = CliRunner().invoke(app, ["explain", str(EXAMPLE), "CT00000001", "no-such-id"])
    assert result.exit_code == 0
    assert "phone-wait-5m: kept; measure 23 seconds" in result.output
    assert "callback-kept-2h: not in its population" in result.output
    assert "no-such-id:\n  not among the records used" in result.output
