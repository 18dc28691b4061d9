"""Promises as a CI gate: several outputs per run, JUnit, GitHub annotations, SARIF, the schema.

The promise files here are written out by hand, so each promise's line and column are known:
the first promise's `id` is at line 7, column 5, the second's at line 10, column 5.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import junitparser
import pytest
import yaml
from typer.testing import CliRunner

from promise_audit.cli import app
from promise_audit.render.github import command, escape_data, escape_property
from promise_audit.schema import promise_file_schema
from tests.conftest import write_csv

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]

ROWS = [
    {
        "contact_id": "1",
        "channel": "phone",
        "initiated_at": "2026-10-01T09:00:00Z",
        "wait_seconds": 60,
    },
    {
        "contact_id": "2",
        "channel": "phone",
        "initiated_at": "2026-10-01T10:00:00Z",
        "wait_seconds": 400,
    },
]

HEADER = """\
organization: Test Co
timezone: UTC
as_of: 2026-10-10T00:00:00+00:00
sources:
  contacts: {path: contacts.csv}
promises:
"""
KEPT = """\
  - id: wait-10m
    kind: wait_time
    limit: 10m
"""
BROKEN = """\
  - id: wait-5m
    title: Nobody waits more than five minutes
    statement: "Never more than 5 minutes."
    kind: wait_time
    limit: 5m
"""
UNAUDITABLE = """\
  - id: surveys
    kind: survey_cap
    max: 1
    window: 30d
"""
NO_DATA = """\
  - id: chat-wait
    kind: wait_time
    scope: {channel: [chat]}
    limit: 1h
"""


def project(
    folder: Path, promises: str, *, extra: str = "", rows: list[dict[str, Any]] = ROWS
) -> Path:
    """contacts.csv and promises.yaml (HEADER + promises + extra) in `folder`."""
    write_csv(folder / "contacts.csv", rows)
    path = folder / "promises.yaml"
    path.write_text(HEADER + promises + extra, encoding="utf-8")
    return path


def check(path: Path, *args: str) -> Any:
    return runner.invoke(app, ["check", str(path), *args])


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def junit_cases(path: Path) -> dict[str, junitparser.TestCase]:
    xml = junitparser.JUnitXml.fromfile(str(path))
    (suite,) = list(xml)
    return {case.name.split(":")[0]: case for case in suite}


@pytest.fixture(autouse=True)
def _not_inside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test never writes the real job summary, nor resolves paths against a real workspace."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


# ---------------------------------------------------------------------------------------------
# Several outputs in one run


def test_every_output_kind_is_written_in_one_run(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN)
    out = tmp_path / "out"
    result = check(
        path,
        *("-o", f"json={out / 'a.json'}", "-o", f"junit={out / 'a.xml'}"),
        *("-o", f"md={out / 'a.md'}", "-o", f"html={out / 'a.html'}"),
        *("--output", f"sarif={out / 'a.sarif'}"),
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.html", "a.json", "a.md", "a.sarif", "a.xml"]


def test_all_outputs_come_from_one_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import promise_audit.audit as audit_module

    calls = []
    real = audit_module.audit

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(audit_module, "audit", counting)
    path = project(tmp_path, BROKEN)
    targets = [
        f"{kind}={tmp_path / name}" for kind, name in (("json", "a.json"), ("junit", "a.xml"))
    ]
    check(path, *(arg for t in targets for arg in ("-o", t)), "-o", f"sarif={tmp_path / 'a.sarif'}")
    assert len(calls) == 1


def test_json_output_file_is_the_json_printed_by_format_json(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN)
    printed = check(path, "--format", "json").stdout
    check(path, "-q", "-o", f"json={tmp_path / 'a.json'}")
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == printed


def test_terminal_view_is_still_printed_with_outputs(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN)
    result = check(path, "-o", f"junit={tmp_path / 'a.xml'}")
    assert "50.0% of 2 queued contacts waited 5 minutes or less" in result.stdout


def test_quiet_prints_nothing_on_standard_output(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN)
    result = check(path, "--quiet", "-o", f"junit={tmp_path / 'a.xml'}")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_outputs_do_not_change_the_exit_status(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + UNAUDITABLE)
    assert check(path, "-q", "-o", f"junit={tmp_path / 'a.xml'}").exit_code == 3


def test_unknown_output_kind_exits_2_before_the_audit(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT)
    (tmp_path / "contacts.csv").unlink()  # an audit would fail on the records
    result = check(path, "-o", "xlsx=a.xlsx")
    assert result.exit_code == 2
    assert "--output 'xlsx=a.xlsx': the kinds are json, junit, sarif, md, html, pdf, github" in (
        result.stderr
    )


def test_output_without_a_file_exits_2(tmp_path: Path) -> None:
    result = check(project(tmp_path, KEPT), "-o", "junit")
    assert result.exit_code == 2
    assert "give the file, as junit=FILE" in result.stderr


def test_two_outputs_to_the_same_file_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "same.out"
    result = check(project(tmp_path, KEPT), "-o", f"json={target}", "-o", f"junit={target}")
    assert result.exit_code == 2
    assert "two outputs would write the same file" in result.stderr


def test_output_folders_are_created(tmp_path: Path) -> None:
    check(project(tmp_path, KEPT), "-q", "-o", f"junit={tmp_path / 'reports' / 'ci' / 'a.xml'}")
    assert (tmp_path / "reports" / "ci" / "a.xml").is_file()


def test_report_option_still_writes_the_report(tmp_path: Path) -> None:
    result = check(project(tmp_path, BROKEN), "-q", "--report", str(tmp_path / "gap.md"))
    assert result.exit_code == 1
    assert "Promise audit: Test Co" in (tmp_path / "gap.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["json", "junit", "sarif", "md", "html"])
def test_each_output_is_byte_identical_across_runs(tmp_path: Path, kind: str) -> None:
    path = project(tmp_path, KEPT + BROKEN + UNAUDITABLE + NO_DATA)
    check(path, "-q", "-o", f"{kind}={tmp_path / 'first'}")
    check(path, "-q", "-o", f"{kind}={tmp_path / 'second'}")
    assert (tmp_path / "first").read_bytes() == (tmp_path / "second").read_bytes()


# ---------------------------------------------------------------------------------------------
# JUnit, read back with junitparser


def test_junit_has_one_suite_per_promise_file_and_one_case_per_promise(tmp_path: Path) -> None:
    check(project(tmp_path, KEPT + BROKEN), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    suites = list(junitparser.JUnitXml.fromfile(str(tmp_path / "a.xml")))
    assert len(suites) == 1
    assert suites[0].name == str(tmp_path / "promises.yaml")
    assert [(c.classname, c.name) for c in suites[0]] == [
        ("Test Co", "wait-10m"),
        ("Test Co", "wait-5m: Nobody waits more than five minutes"),
    ]


def test_junit_suite_counts_failures_errors_and_skipped(tmp_path: Path) -> None:
    path = project(tmp_path, KEPT + BROKEN + UNAUDITABLE + NO_DATA)
    check(path, "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (suite,) = list(junitparser.JUnitXml.fromfile(str(tmp_path / "a.xml")))
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (4, 1, 1, 1)


def test_junit_kept_promise_passes(tmp_path: Path) -> None:
    check(project(tmp_path, KEPT), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    assert junit_cases(tmp_path / "a.xml")["wait-10m"].is_passed


def test_junit_broken_promise_is_a_failure_whose_message_is_the_sentence(tmp_path: Path) -> None:
    path = project(tmp_path, BROKEN)
    check(path, "-q", "-o", f"junit={tmp_path / 'a.xml'}", "-o", f"json={tmp_path / 'a.json'}")
    (failure,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == read_json(tmp_path / "a.json")["promises"][0]["sentence"]
    assert failure.message.startswith("50.0% of 2 queued contacts waited 5 minutes or less")
    assert failure.type == "broken"


def test_junit_failure_body_holds_the_counts_and_the_evidence(tmp_path: Path) -> None:
    check(project(tmp_path, BROKEN), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (failure,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    body = failure.text
    assert "population 2: kept 1, broken 1, pending 0, excluded 0" in body
    assert "Compliance: 50.0% (95% interval 9.5% to 90.5%); target 100%" in body
    assert "Broken by reason: waited_too_long 1" in body
    assert "contact 2, 2026-10-01T10:00:00+00:00, waited_too_long, 6 min 40 s" in body


def test_junit_unauditable_promise_is_an_error(tmp_path: Path) -> None:
    check(project(tmp_path, UNAUDITABLE), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (error,) = junit_cases(tmp_path / "a.xml")["surveys"].result
    assert isinstance(error, junitparser.Error)
    assert "survey_sent_at" in error.message


def test_junit_no_data_promise_is_skipped(tmp_path: Path) -> None:
    check(project(tmp_path, NO_DATA), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (skipped,) = junit_cases(tmp_path / "a.xml")["chat-wait"].result
    assert isinstance(skipped, junitparser.Skipped)


def test_junit_at_risk_fails_only_with_fail_on_at_risk(tmp_path: Path) -> None:
    at_risk = KEPT.replace("limit: 10m", "limit: 10m\n    warn_below: 100%").replace(
        "wait-10m", "risky"
    )
    rows = [*ROWS, {**ROWS[1], "contact_id": "3", "wait_seconds": 700}]
    path = project(
        tmp_path, at_risk.replace("limit: 10m", "limit: 10m\n    target: 50%"), rows=rows
    )
    check(path, "-q", "-o", f"junit={tmp_path / 'plain.xml'}")
    check(path, "-q", "--fail-on", "at-risk", "-o", f"junit={tmp_path / 'strict.xml'}")
    assert junit_cases(tmp_path / "plain.xml")["risky"].is_passed
    assert isinstance(junit_cases(tmp_path / "strict.xml")["risky"].result[0], junitparser.Failure)


def test_junit_escapes_markup_and_control_characters_from_the_promise_file(
    tmp_path: Path,
) -> None:
    hostile = BROKEN.replace(
        '"Never more than 5 minutes."', '"<b>Never</b> & \\"never\\" ]]> \\a 5 minutes."'
    )
    check(project(tmp_path, hostile), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (failure,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    assert 'Promised: “<b>Never</b> & "never" ]]> \ufffd 5 minutes.”' in failure.text


def test_junit_escapes_markup_from_the_records(tmp_path: Path) -> None:
    rows = [ROWS[0], {**ROWS[1], "contact_id": "<x>&\"'"}]
    check(project(tmp_path, BROKEN, rows=rows), "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    (failure,) = junit_cases(tmp_path / "a.xml")["wait-5m"].result
    assert "contact <x>&\"', 2026-10-01" in failure.text


# ---------------------------------------------------------------------------------------------
# GitHub Actions annotations and the job summary


def test_github_escapes_the_message_as_github_documents() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"


def test_github_escapes_properties_as_github_documents() -> None:
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_command_has_properties_then_the_message() -> None:
    assert command("error", "x: y", file="p.yaml", line=14, title="hold-5m") == (
        "::error file=p.yaml,line=14,title=hold-5m::x: y"
    )


def test_github_annotation_points_at_the_promise_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project(tmp_path, KEPT + BROKEN)
    result = runner.invoke(app, ["check", "promises.yaml", "-q", "-o", "github"])
    assert result.stdout.startswith(
        "::error file=promises.yaml,line=10,col=5,title=wait-5m::Broken: 50.0%25 of 2 queued "
        "contacts waited 5 minutes or less"
    )
    assert result.stdout.endswith("; 1 did not; target 100%25.\n")
    assert result.stdout.count("\n") == 1


def test_github_annotation_file_is_relative_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "promises").mkdir()
    path = project(tmp_path / "promises", BROKEN)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    result = check(path, "-q", "-o", "github")
    assert result.stdout.startswith("::error file=promises/promises.yaml,line=7,col=5,")


def test_github_levels_follow_the_verdicts(tmp_path: Path) -> None:
    result = check(project(tmp_path, KEPT + BROKEN + UNAUDITABLE + NO_DATA), "-q", "-o", "github")
    levels = [line.split(" ", 1)[0] for line in result.stdout.splitlines()]
    assert levels == ["::error", "::error", "::notice"]


def test_github_writes_the_markdown_summary_to_the_step_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    check(project(tmp_path, BROKEN), "-q", "-o", "github")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## Promise audit: Test Co, 1 promise: 1 broken")


def test_github_without_a_step_summary_writes_only_commands(tmp_path: Path) -> None:
    result = check(project(tmp_path, BROKEN), "-q", "-o", "github")
    assert result.exit_code == 1
    assert all(line.startswith("::") for line in result.stdout.splitlines())


def test_github_with_json_on_standard_output_exits_2(tmp_path: Path) -> None:
    result = check(project(tmp_path, KEPT), "--format", "json", "-o", "github")
    assert result.exit_code == 2
    assert "write the JSON with --output json=FILE" in result.stderr


def test_github_output_takes_no_file(tmp_path: Path) -> None:
    assert check(project(tmp_path, KEPT), "-o", "github=x.txt").exit_code == 2


# ---------------------------------------------------------------------------------------------
# SARIF 2.1.0


def sarif_of(tmp_path: Path, promises: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    project(tmp_path, promises)
    runner.invoke(app, ["check", "promises.yaml", "-q", "-o", "sarif=a.sarif"])
    return read_json(tmp_path / "a.sarif")


def test_sarif_has_the_required_2_1_0_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = sarif_of(tmp_path, BROKEN, monkeypatch)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "promise-audit"
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "promises.yaml"
    assert location["region"]["startLine"] == 7


def test_sarif_result_points_at_the_promise_line_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = sarif_of(tmp_path, KEPT + BROKEN, monkeypatch)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 10,
        "startColumn": 5,
    }
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_sarif_rule_and_level_follow_the_verdict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = sarif_of(tmp_path, KEPT + BROKEN + UNAUDITABLE + NO_DATA, monkeypatch)
    results = log["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("promise-broken", "error"),
        ("promise-unauditable", "error"),
        ("promise-no-data", "note"),
    ]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_sarif_message_is_the_plain_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = sarif_of(tmp_path, BROKEN, monkeypatch)
    runner.invoke(app, ["check", "promises.yaml", "-q", "-o", "json=a.json"])
    sentence = read_json(tmp_path / "a.json")["promises"][0]["sentence"]
    assert log["runs"][0]["results"][0]["message"]["text"] == (
        f"Nobody waits more than five minutes (wait-5m): {sentence}"
    )


def test_sarif_location_outside_the_root_is_a_file_uri(tmp_path: Path) -> None:
    check(project(tmp_path, BROKEN), "-q", "-o", f"sarif={tmp_path / 'a.sarif'}")
    location = read_json(tmp_path / "a.sarif")["runs"][0]["results"][0]["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (tmp_path / "promises.yaml").as_uri() or uri == "promises.yaml"


# ---------------------------------------------------------------------------------------------
# The report: key (branding of the HTML report)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
REPORT = """\
report:
  client: Board of Test Co
  prepared_by: Audit team
  logo: brand/logo.png
  accent: "#AA3300"
"""


def test_report_key_brands_the_html_output(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(PNG)
    check(project(tmp_path, BROKEN, extra=REPORT), "-q", "-o", f"html={tmp_path / 'r.html'}")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Board of Test Co" in html
    assert "#AA3300" in html
    assert "data:image/png;base64," in html


def test_report_logo_is_read_relative_to_the_promise_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(PNG)
    path = project(tmp_path, BROKEN, extra=REPORT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = check(path, "-q", "-o", "html=r.html")
    assert result.exit_code == 1
    assert "data:image/png;base64," in (elsewhere / "r.html").read_text(encoding="utf-8")


def test_missing_report_logo_exits_2_at_its_line(tmp_path: Path) -> None:
    extra = "report:\n  logo: nope.png\n"
    result = check(project(tmp_path, KEPT, extra=extra), "-q")
    assert result.exit_code == 2
    assert "promises.yaml:11:9: report logo:" in result.stderr


def test_bad_report_accent_exits_2_at_its_line(tmp_path: Path) -> None:
    extra = 'report:\n  accent: "red"\n'
    result = check(project(tmp_path, KEPT, extra=extra), "-q")
    assert result.exit_code == 2
    assert "promises.yaml:11:11: 'accent'" in result.stderr


def test_report_key_names_the_client_in_the_markdown_output(tmp_path: Path) -> None:
    extra = "report:\n  client: Board of Test Co\n"
    check(project(tmp_path, KEPT, extra=extra), "-q", "-o", f"md={tmp_path / 'r.md'}")
    assert "Prepared for Board of Test Co." in (tmp_path / "r.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# validate: several files, for pre-commit


def test_validate_takes_several_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = project(tmp_path / "a", KEPT), project(tmp_path / "b", KEPT + BROKEN)
    result = runner.invoke(app, ["validate", str(first), str(second)])
    assert result.exit_code == 0
    assert result.stdout == f"{first}: 1 promise, valid\n{second}: 2 promises, valid\n"


def test_validate_exits_2_when_one_file_is_wrong_and_still_checks_the_others(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    wrong = project(tmp_path / "a", KEPT.replace("limit: 10m", "limit: ten"))
    right = project(tmp_path / "b", KEPT)
    result = runner.invoke(app, ["validate", str(wrong), str(right)])
    assert result.exit_code == 2
    assert f"{wrong}:9:12:" in result.stderr
    assert f"{right}: 1 promise, valid" in result.stdout


# ---------------------------------------------------------------------------------------------
# The promise file's JSON Schema


class _YamlAsEditorsSeeIt(yaml.SafeLoader):
    """YAML as an editor's language server validates it: timestamps stay text."""


_YamlAsEditorsSeeIt.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def schema_errors(text: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        promise_file_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    document = yaml.load(text, Loader=_YamlAsEditorsSeeIt)
    return [error.message for error in validator.iter_errors(document)]


def test_schema_command_prints_a_2020_12_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_is_byte_identical_across_runs() -> None:
    assert runner.invoke(app, ["schema"]).stdout == runner.invoke(app, ["schema"]).stdout


def test_schema_promises_are_a_one_of_discriminated_by_kind() -> None:
    items = promise_file_schema()["properties"]["promises"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert len(items["oneOf"]) == len(items["properties"]["kind"]["enum"]) == 18
    assert items["discriminator"]["mapping"]["wait_time"] == "#/$defs/WaitTimeOptions"
    wait_time = promise_file_schema()["$defs"]["WaitTimeOptions"]
    assert wait_time["properties"]["kind"] == {"const": "wait_time", "title": "Kind"}


@pytest.mark.parametrize(
    "path", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "promises").rglob("*.yaml"))
)
def test_schema_accepts_the_bundled_promise_files(path: str) -> None:
    assert schema_errors((ROOT / path).read_text(encoding="utf-8")) == []


def test_schema_accepts_waivers_and_report() -> None:
    waivers = "waivers:\n  - {promise: wait-10m, reason: r, approved_by: a, expires: 2026-12-31}\n"
    assert schema_errors(HEADER + KEPT + waivers + 'report: {client: c, accent: "#1F3A5F"}\n') == []


def test_schema_accepts_durations_and_percentages_as_the_loader_does() -> None:
    promise = KEPT.replace("limit: 10m", "limit: PT10M\n    target: 95%\n    warn_below: 0.99")
    assert schema_errors(HEADER + promise) == []


def test_schema_rejects_an_option_of_another_kind() -> None:
    assert schema_errors(HEADER + KEPT.replace("limit: 10m", "limit: 10m\n    max: 2")) != []


def test_schema_rejects_an_unknown_kind() -> None:
    errors = schema_errors(HEADER + KEPT.replace("wait_time", "wait_tim"))
    assert any("'wait_tim' is not one of" in e for e in errors)


def test_schema_rejects_a_waiver_without_approved_by() -> None:
    waivers = "waivers:\n  - {promise: wait-10m, reason: r, expires: 2026-12-31}\n"
    assert any(
        "'approved_by' is a required property" in e for e in schema_errors(HEADER + KEPT + waivers)
    )


def test_schema_accepts_a_column_mapping_written_as_a_column_name() -> None:
    text = HEADER.replace(
        "{path: contacts.csv}",
        "{path: c.csv, columns: {contact_id: Call Id, channel: {const: phone}}}",
    )
    assert schema_errors(text + KEPT) == []


# ---------------------------------------------------------------------------------------------
# docs/ci.md


@pytest.mark.parametrize("name", ["github-workflow.yml", "gitlab-ci.yml"])
def test_ci_docs_show_the_example_workflows_as_they_are(name: str) -> None:
    example = (ROOT / "docs" / "examples" / name).read_text(encoding="utf-8")
    assert isinstance(yaml.safe_load(example), dict)
    assert f"```yaml\n{example}```" in (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def test_pre_commit_hook_runs_validate() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"]) == ("promise-audit-validate", "promise-audit validate")


def test_junit_case_file_is_relative_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "promises").mkdir()
    path = project(tmp_path / "promises", BROKEN)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    check(path, "-q", "-o", f"junit={tmp_path / 'a.xml'}")
    xml = (tmp_path / "a.xml").read_text(encoding="utf-8")
    assert 'file="promises/promises.yaml" line="7"' in xml
