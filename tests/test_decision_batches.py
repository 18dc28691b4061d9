"""The decision in batches (engine/plan.py): under a memory limit, DuckDB decides a large source
a share of its customers at a time, so that the windows' joins back to the records never hold
all of them at once. The batches change no count: every record of a customer is in one batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from promise_audit.audit import audit
from promise_audit.engine import backends, plan
from promise_audit.engine.plan import decision_batches
from promise_audit.kinds.base import Window
from promise_audit.render.json import render_json
from tests.conftest import write_csv, write_promise_file

EXAMPLE = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"


def test_in_memory_every_record_is_decided_in_one_batch() -> None:
    assert decision_batches(100_000_000, None) == 1


@pytest.mark.parametrize(
    ("records", "batches"),
    [
        (0, 1),
        (1, 1),
        # 700MB at 40 bytes a record: 17,500,000 records a batch
        (10_000_000, 1),
        (17_500_000, 1),
        (17_500_001, 2),
        (100_000_000, 6),
    ],
)
def test_a_batch_holds_the_memory_limits_worth_of_records(records: int, batches: int) -> None:
    assert plan.BATCH_BYTES_PER_RECORD == 40
    assert decision_batches(records, "700MB") == batches


def test_a_limit_in_binary_units_is_read_as_duckdb_reads_it() -> None:
    # 1 GiB = 1,073,741,824 bytes: 26,843,545 records a batch at 40 bytes each
    assert decision_batches(26_843_545, "1GiB") == 1
    assert decision_batches(26_843_546, "1GiB") == 2


def window(*partition: str) -> Window:
    return Window("w", "next_at", partition, "initiated_at")


def test_the_batches_share_the_field_every_window_is_partitioned_by() -> None:
    key = plan._batch_key(
        [[window("customer_id")], [window("agent_id", "customer_id")]], joined=True
    )
    assert key == "customer_id"


def test_windows_with_no_shared_field_are_decided_in_one_batch() -> None:
    assert plan._batch_key([[window("customer_id")], [window("agent_id")]], joined=True) is None


def test_without_windows_a_joined_business_clock_batches_by_contact() -> None:
    assert plan._batch_key([[], []], joined=True) == "contact_id"
    assert plan._batch_key([[]], joined=False) is None


def decision_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements that write the outcomes table, as DuckDB is given them."""
    seen: list[str] = []
    execute = backends.DuckDBBackend.execute

    def recording(self: Any, sql: str, parameters: Any = None) -> Any:
        if sql.startswith(('CREATE OR REPLACE TABLE "outcomes_', 'INSERT INTO "outcomes_')):
            seen.append(sql)
        return execute(self, sql, parameters)

    monkeypatch.setattr(backends.DuckDBBackend, "execute", recording)
    return seen


def in_batches(monkeypatch: pytest.MonkeyPatch, used: int, batches: int, limit: str) -> None:
    """Make `used` records, under `limit`, `batches` batches."""
    per_batch = -(-used // batches)
    monkeypatch.setattr(plan, "BATCH_BYTES_PER_RECORD", backends.size_in_bytes(limit) // per_batch)
    assert decision_batches(used, limit) == batches


@pytest.mark.parametrize("batches", [2, 3, 7])
def test_the_example_in_batches_gives_the_same_json(
    monkeypatch: pytest.MonkeyPatch, batches: int
) -> None:
    whole = audit(EXAMPLE)
    used = whole.sources["contacts"].used
    in_batches(monkeypatch, used, batches, "300MB")
    statements = decision_statements(monkeypatch)
    batched = audit(EXAMPLE, memory_limit="300MB")
    assert len(statements) == batches
    assert all('hash(r."customer_id")' in s for s in statements)
    assert render_json(batched) == render_json(whole)


def test_business_hours_in_batches_give_the_same_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Friday 16:00 to Monday 10:00 is two business hours (09:00-17:00, Monday to Friday);
    # every third reply a second later than that
    rows = [
        {
            "contact_id": str(i),
            "channel": "email",
            "initiated_at": "2026-10-02T16:00:00-04:00",
            "first_response_at": f"2026-10-05T10:00:0{1 if i % 3 == 0 else 0}-04:00",
        }
        for i in range(30)
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    path = write_promise_file(
        tmp_path / "p.yaml",
        [{"id": "reply-2bh", "kind": "first_response", "limit": "2h", "calendar": "support"}],
        as_of="2026-10-06T00:00:00-04:00",
        timezone="America/New_York",
    )
    path.write_text(
        path.read_text().replace(
            "sources:",
            "calendars:\n  support:\n    timezone: America/New_York\n"
            "    hours: {mon-fri: ['09:00-17:00']}\nsources:",
        )
    )
    whole = audit(path)
    in_batches(monkeypatch, 30, 4, "300MB")
    statements = decision_statements(monkeypatch)
    batched = audit(path, memory_limit="300MB")
    assert len(statements) == 4
    assert all('hash(r."contact_id")' in s for s in statements)
    assert (batched.promises[0].kept, batched.promises[0].broken) == (20, 10)
    assert render_json(batched) == render_json(whole)


def test_each_batch_is_a_stage_of_the_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    used = audit(EXAMPLE).sources["contacts"].used
    in_batches(monkeypatch, used, 3, "300MB")
    stages: list[str] = []
    audit(EXAMPLE, memory_limit="300MB", progress=stages.append)
    deciding = [s for s in stages if s.startswith("deciding")]
    assert deciding == [
        "deciding 18 promises",
        "deciding 18 promises, batch 1 of 3",
        "deciding 18 promises, batch 2 of 3",
        "deciding 18 promises, batch 3 of 3",
    ]
