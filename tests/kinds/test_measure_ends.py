"""A measure the export gives that ends after it begins (a wait, a stay in the phone tree, a
hold) is unknown at as_of until it has ended: every kind that reads one declares it on the kind,
and the engine's flags are exactly the measures the kinds declare."""

from __future__ import annotations

import inspect
import re

from promise_audit.engine.plan import MEASURES_ENDING_AFTER_AS_OF
from promise_audit.expressions import fields_of, parse
from promise_audit.kinds import KINDS, MEASURE_ENDS
from promise_audit.records.schema import CANONICAL_FIELDS

FLAG = re.compile(r"\b(\w+_ends_after_as_of)\b")


def _source(kind: object) -> str:
    return inspect.getsource(type(kind))


def test_every_flag_a_kind_reads_is_declared_by_that_kind() -> None:
    undeclared = {
        (name, flag)
        for name, kind in KINDS.items()
        for flag in FLAG.findall(_source(kind))
        if flag not in {end.flag for end in kind.measure_ends}
    }
    assert undeclared == set()


def test_every_kind_reading_a_measure_that_ends_later_declares_it() -> None:
    measures = {end.unknown[0]: end.flag for end in MEASURE_ENDS}
    assert set(measures) == {"wait_seconds", "ivr_seconds", "hold_seconds"}
    undeclared = {
        (name, flag)
        for name, kind in KINDS.items()
        if name != "custom"  # a custom rule reads what its promise writes
        for measure, flag in measures.items()
        if re.search(rf"\b{measure}\b", _source(kind))
        and flag not in {end.flag for end in kind.measure_ends}
    }
    assert undeclared == set()


def test_the_engine_flags_are_the_measures_the_kinds_declare() -> None:
    declared = {end.flag for kind in KINDS.values() for end in kind.measure_ends}
    assert set(MEASURES_ENDING_AFTER_AS_OF) == declared
    assert declared == {"wait_ends_after_as_of", "ivr_ends_after_as_of", "hold_ends_after_as_of"}


def test_each_measure_end_reads_and_nulls_canonical_fields_only() -> None:
    for end in MEASURE_ENDS:
        assert fields_of(parse(end.ends_after)) <= {*CANONICAL_FIELDS, "as_of"}
        assert set(end.unknown) <= set(CANONICAL_FIELDS)
        assert end.flag not in CANONICAL_FIELDS
