"""Properties every audit has, on random small exports (PROMISES.md sections 3 and 4).

- every record of a population is exactly one of kept, broken, pending, excluded;
- every input row is accounted for: read = used + rejected + duplicates + out_of_period, each
  count checked against what the generator knows it wrote;
- compliance lies inside its own Wilson interval;
- the order of the rows in the export changes nothing: the JSON result is byte-identical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from promise_audit.audit import audit
from promise_audit.render.json import render_json
from tests.conftest import write_csv, write_promise_file

AS_OF = dt.datetime(2026, 10, 10, tzinfo=dt.UTC)
START = dt.datetime(2026, 9, 25, tzinfo=dt.UTC)  # rows run to 10-15, past as_of

PROMISES = [
    {"id": "wait", "kind": "wait_time", "limit": "5m", "short_abandon": "10s"},
    {"id": "available", "kind": "availability", "limit": "60s", "abandoned": "kept"},
    {"id": "resolved", "kind": "resolution_time", "limit": "24h"},
    {"id": "reply", "kind": "first_response", "limit": "4h"},
    {"id": "repeat", "kind": "repeat_contact", "window": "7d", "scope": {"channel": "phone"}},
    {"id": "surveys", "kind": "survey_cap", "max": 1, "window": "7d"},
]


@dataclass(frozen=True)
class Export:
    rows: list[dict[str, Any]]
    rejected: int
    duplicates: int
    out_of_period: int
    used: int


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _after(draw: Any, start: dt.datetime, most_seconds: int) -> dt.datetime | None:
    """None, or an instant 0..most_seconds after start, often on a round boundary."""
    offset = draw(
        st.none()
        | st.integers(0, most_seconds)
        | st.sampled_from([0, 60, 300, 301, 14_400, 86_400, 86_401])
    )
    return None if offset is None or offset > most_seconds else start + dt.timedelta(seconds=offset)


@st.composite
def contact(draw: Any, index: int) -> dict[str, Any]:
    # whole hours (plus 0 or 1 s) make ties and exact boundaries frequent
    hours = draw(st.integers(0, 20 * 24))
    initiated = START + dt.timedelta(hours=hours, seconds=draw(st.sampled_from([0, 0, 1])))
    enqueued = draw(st.sampled_from([None, initiated, initiated + dt.timedelta(seconds=20)]))
    answered = _after(draw, enqueued, 900) if enqueued else None
    ended = _after(draw, answered or enqueued or initiated, 1200)
    return {
        "contact_id": f"c{index:03d}",
        "customer_id": draw(st.sampled_from(["A", "B", "C", None])),
        "channel": draw(st.sampled_from(["phone", "email", "chat", "Email", None])),
        "initiated_at": _iso(initiated),
        "enqueued_at": _iso(enqueued),
        "answered_at": _iso(answered),
        "ended_at": _iso(ended),
        "first_response_at": _iso(_after(draw, initiated, 2 * 86_400)),
        "resolved_at": _iso(_after(draw, initiated, 3 * 86_400)),
        "survey_sent_at": _iso(_after(draw, initiated, 86_400)),
    }


@st.composite
def exports(draw: Any, *, with_rejects: bool) -> Export:
    size = draw(st.integers(1, 25))
    rows = [draw(contact(i)) for i in range(size)]
    out_of_period = sum(dt.datetime.fromisoformat(r["initiated_at"]) > AS_OF for r in rows)
    used = size - out_of_period
    # delivered at least once: exact copies of some rows
    copies = draw(st.lists(st.sampled_from(rows), max_size=4))
    rows += [dict(r) for r in copies]
    rejected = 0
    if with_rejects:
        for n in range(draw(st.integers(0, 3))):
            bad = dict(draw(contact(900 + n)))
            column, value = draw(
                st.sampled_from(
                    [("initiated_at", "not a date"), ("answered_at", "soon"), ("contact_id", None)]
                )
            )
            bad[column] = value
            rows.append(bad)
            if column == "answered_at":  # an invalid value: the record is used, without it
                late = dt.datetime.fromisoformat(bad["initiated_at"]) > AS_OF
                out_of_period += late
                used += not late
            else:
                rejected += 1
    return Export(rows, rejected, len(copies), out_of_period, used)


def _audit(directory: Path, rows: list[dict[str, Any]]) -> Any:
    write_csv(directory / "contacts.csv", rows)
    path = write_promise_file(
        directory / "promises.yaml",
        PROMISES,
        as_of=AS_OF.isoformat(),
        source={"max_rejected": "100%"},  # rejected and unreadable rows on purpose
    )
    return audit(path)


@settings(max_examples=40, deadline=None)
@given(export=exports(with_rejects=True))
def test_every_record_is_accounted_for_once(tmp_path_factory, export):
    result = _audit(tmp_path_factory.mktemp("export"), export.rows)
    records = result.records
    assert records.read == len(export.rows)
    assert records.rejected == export.rejected
    assert records.duplicates == export.duplicates
    assert records.out_of_period == export.out_of_period
    assert records.used == export.used
    assert (
        records.read == records.used + records.rejected + records.duplicates + records.out_of_period
    )
    for promise in result.promises:
        assert (
            promise.population == promise.kept + promise.broken + promise.pending + promise.excluded
        )
        assert promise.population <= records.used
        assert sum(promise.broken_by_reason.values()) == promise.broken
        assert sum(promise.excluded_by_reason.values()) == promise.excluded
        _assert_compliance_inside_interval(promise)


def _assert_compliance_inside_interval(promise: Any) -> None:
    decided = promise.kept + promise.broken
    if decided == 0:
        assert promise.compliance is None
        assert promise.ci_low is None and promise.ci_high is None
        return
    assert promise.compliance == promise.kept / decided
    assert 0 <= promise.ci_low <= promise.ci_high <= 1
    if 0 < promise.compliance < 1:
        assert promise.ci_low <= promise.compliance <= promise.ci_high
    else:
        # at 0% or 100% the tool's interval misses its end by a rounding error: pinned by the
        # strict xfail tests in tests/kinds/test_transfers.py; here only checked to be close
        assert promise.ci_low <= promise.compliance + 1e-12
        assert promise.compliance - 1e-12 <= promise.ci_high


@settings(max_examples=40, deadline=None)
@given(export=exports(with_rejects=False), data=st.data())
def test_shuffled_rows_give_byte_identical_json(tmp_path_factory, export, data):
    # rejected rows are left out: a reject is reported with its row number, which moves
    directory = tmp_path_factory.mktemp("export")
    before = render_json(_audit(directory, export.rows))
    shuffled = data.draw(st.permutations(export.rows))
    after = render_json(_audit(directory, shuffled))
    assert after == before
