"""The JSON result reads back into the value it was written from: `from_json(render_json(r))`
gives `r`, and writing it again gives the same bytes, for every example and for generated
results; a file that is not a result (or is of a newer schema) is a one-line error."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app
from promise_audit.errors import UsageError
from promise_audit.render.json import SCHEMA_VERSION, from_json, load_result, render_json
from promise_audit.results import (
    AuditResult,
    BaselineInfo,
    Comparison,
    Evidence,
    Link,
    Waiver,
)
from tests.conftest import REAL_DATA

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    ROOT / "promises" / "northwind.yaml",
    *sorted((ROOT / "promises" / "examples").glob("*.yaml")),
]


@pytest.fixture(scope="module")
def northwind() -> AuditResult:
    return audit(ROOT / "promises" / "northwind.yaml")


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="the real exports are not beside the project")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_reads_back_to_the_same_value_and_bytes(example: Path) -> None:
    result = audit(example)
    text = render_json(result)
    again = from_json(text)
    assert again == result
    assert render_json(again) == text


def test_a_saved_result_loads_from_its_file(tmp_path: Path, northwind: AuditResult) -> None:
    path = tmp_path / "result.json"
    path.write_text(render_json(northwind), encoding="utf-8")
    assert load_result(path) == northwind


# ---------------------------------------------------------------------------------------------
# Generated results: what the steps after the audit add, and hostile text

text = st.text(max_size=30)
maybe_text = st.none() | text
fraction = st.floats(min_value=0, max_value=1, allow_nan=False)
maybe_fraction = st.none() | fraction
count = st.integers(min_value=0, max_value=10**9)

waivers = st.builds(
    Waiver,
    promise=text,
    reason=text,
    approved_by=text,
    expires=text,
    expired=st.booleans(),
    line=st.none() | count,
    column=st.none() | count,
)
comparisons = st.builds(
    Comparison,
    new=st.booleans(),
    verdict=maybe_text,
    compliance=maybe_fraction,
    ci_low=maybe_fraction,
    ci_high=maybe_fraction,
    compliance_worst=maybe_fraction,
    verdict_reason=maybe_text,
    change=st.none() | st.floats(min_value=-1, max_value=1, allow_nan=False),
    direction=st.sampled_from([None, "up", "down", "same"]),
    clear_regression=st.booleans(),
    clear_improvement=st.booleans(),
    newly_broken=st.booleans(),
    newly_kept=st.booleans(),
)
links = st.builds(Link, dimension=text, value=text, kept=count, broken=st.integers(1, 10**6))
evidence = st.builds(
    Evidence,
    contact_id=text,
    initiated_at=text,
    reason=text,
    measure=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    details=st.dictionaries(text, text, max_size=3).map(lambda d: tuple(d.items())),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    title=maybe_text,
    compliance=maybe_fraction,
    file_waivers=st.none() | st.lists(waivers, max_size=3).map(tuple),
    baseline=st.none()
    | st.builds(
        BaselineInfo,
        path=text,
        as_of=maybe_text,
        organization=maybe_text,
        removed=st.lists(text, max_size=3).map(tuple),
    ),
)
def test_generated_results_read_back_byte_identical(
    northwind: AuditResult,
    data: Any,
    title: str | None,
    compliance: float | None,
    file_waivers: tuple[Waiver, ...] | None,
    baseline: BaselineInfo | None,
) -> None:
    promises = []
    for promise in northwind.promises[:3]:
        waived = None if file_waivers is None else data.draw(st.booleans())
        promises.append(
            replace(
                promise,
                title=title,
                compliance=compliance,
                waiver=data.draw(st.none() | waivers) if waived is not None else None,
                waived=waived,
                baseline=data.draw(comparisons) if baseline is not None else None,
                weakest_links=tuple(data.draw(st.lists(links, max_size=3))),
                evidence=tuple(data.draw(st.lists(evidence, max_size=3))),
            )
        )
    result = replace(northwind, promises=tuple(promises), waivers=file_waivers, baseline=baseline)
    text_ = render_json(result)
    assert render_json(from_json(text_)) == text_


# ---------------------------------------------------------------------------------------------
# What is not a result


def _saved(northwind: AuditResult, **changes: Any) -> str:
    data = json.loads(render_json(northwind))
    data.update(changes)
    return json.dumps(data)


def test_a_newer_schema_is_one_line_asking_for_an_upgrade(northwind: AuditResult) -> None:
    with pytest.raises(UsageError, match="newer than this promise-audit reads") as raised:
        from_json(_saved(northwind, schema_version=SCHEMA_VERSION + 1), source="x.json")
    assert "\n" not in str(raised.value) and str(raised.value).startswith("x.json: ")


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"schema_version": "2"}, "schema_version '2'"),
        ({"promises": {}}, "promises is {} , not a list".replace(" ,", ",")),
        ({"records": []}, "records is [], not an object"),
        ({"organization": 7}, "organization is 7"),
    ],
)
def test_a_malformed_result_says_what_is_wrong_in_one_line(
    northwind: AuditResult, changes: dict[str, Any], said: str
) -> None:
    with pytest.raises(UsageError) as raised:
        from_json(_saved(northwind, **changes), source="x.json")
    message = str(raised.value)
    assert said in message and "\n" not in message


def test_a_promise_missing_a_value_is_named(northwind: AuditResult) -> None:
    data = json.loads(render_json(northwind))
    del data["promises"][1]["kept"]
    with pytest.raises(UsageError, match=r"promises\[1\] has no 'kept'"):
        from_json(json.dumps(data))


def test_the_report_command_says_a_bad_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": 2, "promises": "none"}', encoding="utf-8")
    done = CliRunner().invoke(app, ["report", str(path), "--format", "md"])
    assert done.exit_code == 2
    (line,) = done.output.strip().splitlines()
    assert line.startswith(f"promise-audit: error: {path}: not a promise-audit JSON result")
