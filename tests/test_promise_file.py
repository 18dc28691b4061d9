"""The promise file: valid files load; every mistake is one line with file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from promise_audit.errors import PromiseFileError
from promise_audit.promises import load_promise_file
from promise_audit.promises.units import parse_duration, parse_fraction

VALID = """\
organization: Northwind
timezone: America/Vancouver
sources:
  contacts: {path: contacts.csv}
promises:
  - id: hold-5m
    kind: wait_time
    limit: 5m
    target: 95%
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "promises.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> PromiseFileError:
    with pytest.raises(PromiseFileError) as caught:
        load_promise_file(write(tmp_path, text))
    return caught.value


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("24h", 86400),
        ("365d", 365 * 86400),
        ("2w", 14 * 86400),
        ("PT5M", 300),
        ("PT1H30M", 5400),
        ("P1D", 86400),
        ("00:05:00", 300),
        (300, 300),
        ("1.5h", 5400),
    ],
)
def test_durations_read_in_every_documented_form(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 parsecs", "soon", "-5m", "P", True])
def test_unreadable_durations_are_errors(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "fraction"), [("95%", 0.95), ("99.5%", 0.995), (0.95, 0.95), (1, 1.0), ("100%", 1.0)]
)
def test_targets_read_as_percent_or_fraction(text: str | float, fraction: float) -> None:
    assert parse_fraction(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["101%", 95, "-1%", "lots"])
def test_targets_over_100_percent_or_unreadable_are_errors(text: object) -> None:
    with pytest.raises(ValueError):
        parse_fraction(text)


def test_valid_file_loads_with_defaults(tmp_path: Path) -> None:
    loaded = load_promise_file(write(tmp_path, VALID))
    (promise,) = loaded.promises
    assert promise.id == "hold-5m"
    assert promise.target == 0.95
    assert promise.blocking is True
    assert promise.severity == "major"
    assert promise.source == "contacts"


def test_unknown_key_names_its_line_and_column_and_suggests(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "    limt: 4m\n")
    assert (error.line, error.column) == (10, 5)
    assert "unknown key 'limt'" in str(error)
    assert "did you mean 'limit'" in str(error)


def test_misspelt_kind_suggests_the_close_kind(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("kind: wait_time", "kind: wait_tme"))
    assert (error.line, error.column) == (7, 11)
    assert "did you mean 'wait_time'" in str(error)


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("limit: 5m", "limit: [5m]"))
    assert error.line == 8
    assert "limit" in str(error)


def test_zero_limit_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("limit: 5m", "limit: 0s"))
    assert error.line == 8
    assert "more than zero" in str(error)


def test_target_over_100_percent_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("target: 95%", "target: 120%"))
    assert error.line == 9


def test_duplicate_promise_ids_are_an_error(tmp_path: Path) -> None:
    text = VALID + "  - id: hold-5m\n    kind: transfers\n    max: 1\n"
    error = error_for(tmp_path, text)
    assert error.line == 10
    assert "duplicate promise id 'hold-5m'" in str(error)


def test_duplicate_yaml_keys_are_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "    limit: 6m\n")
    assert error.line == 10
    assert "duplicate key 'limit'" in str(error)


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "  - id: [unclosed\n")
    assert error.line is not None and error.line >= 10
    assert str(error).startswith(str(tmp_path / "promises.yaml"))


def test_tab_indentation_explains_itself(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "\t- id: x\n")
    assert "tab" in str(error)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    assert "empty" in str(error_for(tmp_path, ""))


def test_non_utf8_bytes_are_an_error_with_position(tmp_path: Path) -> None:
    path = tmp_path / "promises.yaml"
    path.write_bytes(VALID.encode() + b"    title: caf\xe9\n")
    with pytest.raises(PromiseFileError) as caught:
        load_promise_file(path)
    assert caught.value.line == 10
    assert "UTF-8" in str(caught.value)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = "\n".join(lines) + "\n" + VALID
    assert "expands to more than" in str(error_for(tmp_path, text))


def test_unknown_source_reference_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "    source: contcts\n")
    assert "did you mean 'contacts'" in str(error)


def test_bad_where_expression_points_at_it(tmp_path: Path) -> None:
    text = VALID + "    scope: {where: \"channel = 'phone'; drop table x\"}\n"
    error = error_for(tmp_path, text)
    assert error.line == 10


def test_unknown_time_zone_suggests(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("America/Vancouver", "America/Vancover"))
    assert error.line == 2
    assert "America/Vancouver" in str(error)


def test_missing_required_key_is_named(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("    limit: 5m\n", ""))
    assert "missing required key 'limit'" in str(error)
    assert error.line == 6


def test_unknown_canonical_field_in_columns_suggests(tmp_path: Path) -> None:
    text = VALID.replace(
        "contacts: {path: contacts.csv}",
        "contacts: {path: contacts.csv, columns: {contactid: Call Id}}",
    )
    error = error_for(tmp_path, text)
    assert "did you mean 'contact_id'" in str(error)
    assert error.line == 4


def test_the_bundled_example_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
    loaded = load_promise_file(example)
    from promise_audit.kinds import KINDS

    assert {p.kind for p in loaded.promises} == set(KINDS)
