"""Properties every audit has, on random small exports (docs/kinds.md and docs/records.md).

- every record of a population is exactly one of kept, broken, pending, excluded;
- every input row is accounted for: read = used + rejected + duplicates + out_of_period, each
  count checked against what the generator knows it wrote;
- compliance lies inside its own Wilson interval;
- the order of the rows in the export changes nothing: the JSON result is byte-identical;
- compliance_worst <= compliance <= compliance_best; giving a record excluded for missing data
  a value that breaks the promise never raises compliance, and a kept verdict survives it.
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


# Robust verdicts: the waits of an export, some of them missing.

WAIT_PROMISES = [
    {"id": "wait", "kind": "wait_time", "limit": "5m", "short_abandon": "10s", "target": "80%"},
    {"id": "available", "kind": "availability", "limit": "60s", "target": "70%"},
    {"id": "available-kept", "kind": "availability", "limit": "60s", "abandoned": "kept"},
    {"id": "wait-all", "kind": "wait_time", "limit": "5m", "abandoned": "kept", "target": "50%"},
]
BREAKING_WAIT = 3600  # over every limit above; every call ends hours before as_of


@st.composite
def waits(draw: Any) -> list[dict[str, Any]]:
    rows = []
    for index in range(draw(st.integers(1, 30))):
        initiated = START + dt.timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
        answered = draw(st.booleans())
        wait = draw(
            st.none() | st.sampled_from([0, 10, 11, 60, 61, 300, 301]) | st.integers(0, 900)
        )
        rows.append(
            {
                "contact_id": f"c{index:03d}",
                "initiated_at": initiated.isoformat(),
                "answered_at": (initiated + dt.timedelta(seconds=wait or 5)).isoformat()
                if answered
                else None,
                "abandoned": "no" if answered else draw(st.sampled_from(["yes", "no"])),
                "wait_seconds": wait,
            }
        )
    return rows


def _audit_waits(directory: Path, rows: list[dict[str, Any]]) -> Any:
    write_csv(directory / "contacts.csv", rows)
    path = write_promise_file(directory / "promises.yaml", WAIT_PROMISES, as_of=AS_OF.isoformat())
    return audit(path, explain=[r["contact_id"] for r in rows])


@settings(max_examples=40, deadline=None)
@given(rows=waits(), data=st.data())
def test_a_missing_value_that_breaks_the_promise_never_raises_compliance(
    tmp_path_factory, rows, data
):
    directory = tmp_path_factory.mktemp("waits")
    before = _audit_waits(directory, rows)
    promise_id = data.draw(st.sampled_from([p["id"] for p in WAIT_PROMISES]))
    (promise,) = [p for p in before.promises if p.id == promise_id]
    if promise.compliance is not None:
        assert promise.compliance_worst <= promise.compliance <= promise.compliance_best
    missing = sorted(
        e.contact_id
        for e in before.explanations
        if e.promise_id == promise_id
        and e.outcome == "excluded"
        and e.reason == "missing_wait_seconds"
    )
    assert len(missing) == promise.missing_data
    filled = set(data.draw(st.lists(st.sampled_from(missing), unique=True)) if missing else [])
    changed = [
        {**r, "wait_seconds": BREAKING_WAIT} if r["contact_id"] in filled else r for r in rows
    ]
    (after,) = [p for p in _audit_waits(directory, changed).promises if p.id == promise_id]
    assert (after.kept, after.broken) == (promise.kept, promise.broken + len(filled))
    if promise.compliance is not None:
        assert after.compliance <= promise.compliance
    # the worst case already counted them broken: it does not move, nor does a kept verdict
    assert after.compliance_worst == promise.compliance_worst
    if promise.verdict == "kept":
        assert after.verdict == "kept"
