"""Nothing gets in (issue #7, item 4): one test, or one table of cases, per promise.

- the expression language refuses what is outside its grammar, and what it accepts reaches SQL
  only as quoted literals, checked numbers and quoted names;
- YAML is loaded safely: no Python (or any other) tags, a cap on alias expansion and file size;
- the HTML and Markdown reports escape every value from the records and the promise file;
- the rejects CSV neutralises cells a spreadsheet would run;
- report templates cannot include files outside their folders;
- an audit opens no network connection;
- `redact` replaces customer, contact and agent identifiers everywhere with salted hashes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from promise_audit.audit import audit
from promise_audit.cli import app
from promise_audit.engine.backends import connect
from promise_audit.errors import PromiseFileError, UsageError
from promise_audit.expressions import (
    Binary,
    Call,
    ExpressionError,
    Field,
    Literal,
    Unary,
    compile_sql,
    parse,
)
from promise_audit.promises import load_promise_file
from promise_audit.promises.loader import MAX_FILE_BYTES, MAX_NODES
from promise_audit.records.schema import FieldType
from promise_audit.redact import identifier_hash, redact
from promise_audit.render.csv_safe import neutralise
from promise_audit.render.json import load_result, render_json, to_dict
from promise_audit.render.junit import render_junit
from promise_audit.render.markdown import render_markdown
from promise_audit.render.report import render_html
from promise_audit.render.sarif import render_sarif
from promise_audit.render.terminal import render_terminal
from promise_audit.results import AuditResult
from tests.conftest import write_csv, write_promise_file

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
TEMPLATE = "{{ 'pwn' ~ 'ed' }}{% include '/etc/passwd' %}"

VALID = """\
organization: Secure Co
timezone: UTC
as_of: 2026-10-10T00:00:00Z
sources:
  contacts: {path: contacts.csv}
promises:
  - id: wait-5m
    kind: wait_time
    limit: 5m
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "promises.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The expression language


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channel = 'phone'; DROP TABLE contacts", "';' is not allowed"),
        ("channel = 'phone' -- and the rest", "comments are not allowed"),
        ("/* hidden */ channel = 'phone'", "comments are not allowed"),
        ("channel <> 'phone'", "'<>' is not allowed"),
        ("channel = 'phone' union select 1", "unexpected 'union'"),
        ("channel in (select 1)", "expected ')'"),
        ("read_csv('/etc/passwd') is null", "unknown function 'read_csv'"),
        ("sleep(5) is null", "unknown function 'sleep'"),
        ("system('rm -rf /') is null", "unknown function 'system'"),
        ("current_setting('home_directory') is null", "unknown function 'current_setting'"),
        ("getenv('HOME') is null", "unknown function 'getenv'"),
        ("channel = $$phone$$", "unexpected character '$'"),
        ("channel = E'\\x41'", "unexpected"),
        ("channel = 'never closed", "has no closing '"),
        ("`channel = 'phone'", "has no closing `"),
        ("channel::VARCHAR = 'phone'", "unexpected character ':'"),
        ("channel = 'a' || 'b'", "unexpected character '|'"),
        ("channel @> 'a'", "unexpected character '@'"),
        ("channel = ?", "unexpected character '?'"),
        ("channel[1] = 'p'", "unexpected character '['"),
        ("\"channel\" = 'phone' and", "expression ends where a value was expected"),
    ],
)
def test_the_expression_language_refuses_what_is_outside_its_grammar(
    text: str, message: str
) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        compile_sql(parse(text), {"channel": FieldType.TEXT})


TABLE_FIELDS = {
    "channel": FieldType.TEXT,
    'odd"name': FieldType.TEXT,
    "x'; DROP TABLE t; --": FieldType.TEXT,
}


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect()
    connection.execute(
        'CREATE TABLE t (channel VARCHAR, "odd""name" VARCHAR, "x\'; DROP TABLE t; --" VARCHAR)'
    )
    connection.execute("INSERT INTO t VALUES ('phone', 'odd', 'drop')")
    return connection


def _evaluate(con: Any, text: str) -> Any:
    compiled = compile_sql(parse(text), TABLE_FIELDS)
    return con.execute(f"SELECT {compiled.sql} FROM t").fetchone()[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("channel = 'phone'' OR ''1''=''1'", False),  # the quotes stay inside the text
        ('channel = "phone"" OR 1=1 --"', False),
        ("channel = 'phone''; DROP TABLE t; --'", False),
        ("channel = 'phone\\' OR channel = 'phone'", True),  # a backslash escapes nothing
        ("`odd\"name` = 'odd'", True),  # a field name with a quote is quoted, not spliced
        ("`x'; DROP TABLE t; --` = 'drop'", True),
        ("lower(channel) = 'PHONE'", False),
    ],
)
def test_what_the_language_accepts_reaches_sql_only_as_quoted_values(
    con: Any, text: str, value: bool
) -> None:
    assert _evaluate(con, text) is value
    assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 1  # the table is still there


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_any_text_literal_round_trips_through_sql(con: Any, text: str) -> None:
    literal = "'" + text.replace("'", "''") + "'"
    compiled = compile_sql(parse(f"concat({literal})"), TABLE_FIELDS)
    assert con.execute(f"SELECT {compiled.sql}").fetchone()[0] == text


@pytest.mark.parametrize(
    "tree",
    [
        Binary("; DROP TABLE t; --", Field("channel"), Literal("x")),
        Unary("NOT NOT", Literal(True)),
        Call("read_csv", (Literal("/etc/passwd"),)),
        Literal(float("nan")),
        Field("no_such_field"),
    ],
)
def test_a_hand_built_tree_outside_the_grammar_never_reaches_sql(tree: Any) -> None:
    with pytest.raises(ExpressionError):
        compile_sql(tree, TABLE_FIELDS)


# ---------------------------------------------------------------------------------------------
# YAML


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['echo pwned > /tmp/pwned']",
        "!!python/object/new:os.system ['echo pwned']",
        "!!python/name:os.system",
        "!!python/module:os",
        "!!python/object:promise_audit.Evil {a: 1}",
        "!!python/tuple [1, 2]",
    ],
)
def test_python_tags_are_refused_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    with pytest.raises(PromiseFileError, match="is not allowed") as caught:
        load_promise_file(_write(tmp_path, VALID + f"    title: {value}\n"))
    assert (caught.value.line, caught.value.column) == (10, 12)
    assert calls == []


def test_only_the_safe_loader_is_used() -> None:
    unsafe = re.compile(
        r"yaml\.(load|unsafe_load|full_load|load_all)\(|(Unsafe|Full)Loader|yaml\.Loader"
    )
    for path in (ROOT / "src").rglob("*.py"):
        assert not unsafe.search(path.read_text("utf-8")), path


def test_alias_expansion_is_capped(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    with pytest.raises(PromiseFileError, match=f"more than {MAX_NODES:,} values"):
        load_promise_file(_write(tmp_path, "\n".join(lines) + "\n" + VALID))


def test_file_size_is_capped(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "#" * MAX_FILE_BYTES)
    with pytest.raises(PromiseFileError, match="a promise file is at most"):
        load_promise_file(path)


# ---------------------------------------------------------------------------------------------
# Reports escape what the records and the promise file say


def _hostile_audit(tmp_path: Path) -> AuditResult:
    rows = [
        {
            "contact_id": f"{SCRIPT}-{i}",
            "customer_id": f"{IMG}-{i % 3}",
            # two thirds of the records: a weakest link is a part of the population, not all of it
            "agent_id": IMG if i % 3 else "A2",
            "queue": SCRIPT if i % 3 else "other",
            "team": TEMPLATE if i % 3 else "other",
            "initiated_at": f"2026-10-0{1 + i % 5}T09:{i:02d}:00Z",
            "wait_seconds": 400 if i % 2 else 60,
        }
        for i in range(30)
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    promise = {
        "id": "wait-5m",
        "kind": "wait_time",
        "limit": "5m",
        "title": f"Title {IMG}",
        "statement": f"We answer {SCRIPT} {TEMPLATE}",
        "published_in": SCRIPT,
        "owner": IMG,
        "url": "javascript:alert(3)",
    }
    path = write_promise_file(tmp_path / "promises.yaml", [promise])
    text = path.read_text("utf-8").replace("Test Co", f"Evil {SCRIPT} Co")
    path.write_text(text, "utf-8")
    return audit(path)


def test_html_escapes_every_value_from_records_and_promise_files(tmp_path: Path) -> None:
    result = _hostile_audit(tmp_path)
    promise = result.promises[0]
    assert promise.evidence and promise.weakest_links  # the hostile values are shown
    html = render_html(result)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "javascript:" not in html
    assert "pwned" not in html  # template syntax in a value is text, not a template
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def test_markdown_escapes_every_value_from_records_and_promise_files(tmp_path: Path) -> None:
    text = render_markdown(_hostile_audit(tmp_path))
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<script" not in outside_code and "<img" not in outside_code
    assert "pwned" not in text
    assert "javascript:" not in text


# ---------------------------------------------------------------------------------------------
# The rejects CSV

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def test_rejects_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv").write_text(
        "contact_id,initiated_at,wait_seconds\n"
        "1,=cmd|' /C calc'!A0,60\n"
        '2,+HYPERLINK("http://x"),60\n'
        "3,2026-10-01T09:00:00Z,@SUM(A1)\n"
        "4,2026-10-01T09:00:00Z,-5\n"
        '5,2026-10-01T09:00:00Z,"\t=1+1"\n'
        "=6+6,2026-10-01T09:00:00Z,60,one too many\n"
        "7,2026-10-01T09:00:00Z,60\n",
        encoding="utf-8",
    )
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [{"id": "w", "kind": "wait_time", "limit": "5m"}],
        source={"max_rejected": "100%"},  # rejects and unreadable values on purpose
    )
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["check", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + 6
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    values = [row[-1] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in values and "'-5" in values
    assert any(value.startswith("'=6+6") for value in values)  # the malformed row's text


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@x", "\tx", "\rx"])
def test_every_trigger_is_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


# ---------------------------------------------------------------------------------------------
# Templates


@pytest.fixture
def golden() -> AuditResult:
    return load_result(ROOT / "tests" / "golden" / "result.json")


@pytest.mark.parametrize(
    "include",
    ["../secret.txt", "/etc/passwd", "templates/../../secret.txt", "..\\secret.txt"],
)
def test_a_template_cannot_include_a_file_outside_its_folders(
    golden: AuditResult, tmp_path: Path, include: str
) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html").write_text(f"{{% include {include!r} %}}")
    with pytest.raises(UsageError, match="not found"):
        render_html(golden, templates=templates)


def test_a_symlink_in_the_template_folder_cannot_reach_outside(
    golden: AuditResult, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "innocent.html").symlink_to(tmp_path / "secret.txt")
    (templates / "report.html").write_text("{% include 'innocent.html' %}")
    try:
        html = render_html(golden, templates=templates)
    except UsageError:
        return
    assert "TOP SECRET" not in html


# ---------------------------------------------------------------------------------------------
# No network


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_an_audit_and_its_reports_open_no_network_connection(
    tmp_path: Path, no_network: list[Any]
) -> None:
    holidays = (
        "calendars:\n  office: {timezone: UTC, hours: {mon-fri: ['09:00-17:00']}, "
        "holidays: {country: US}}\npromises:\n"
    )
    text = VALID.replace("promises:\n", holidays) + (
        "  - id: replied\n    kind: first_response\n    limit: 4h\n    calendar: office\n"
    )
    path = _write(tmp_path, text)
    write_csv(
        tmp_path / "contacts.csv",
        [
            {
                "contact_id": str(i),
                "channel": "email",
                "initiated_at": f"2026-10-0{1 + i % 5}T09:00:00Z",
                "first_response_at": f"2026-10-0{1 + i % 5}T15:00:00Z",
                "wait_seconds": 30 * i,
            }
            for i in range(10)
        ],
    )
    for args in (
        [
            "check",
            str(path),
            "--report",
            str(tmp_path / "r.html"),
            "--rejects",
            str(tmp_path / "r.csv"),
        ],
        ["check", str(path), "--format", "json", "--report", str(tmp_path / "r.md")],
        ["inspect", str(tmp_path / "contacts.csv"), "--promises", str(path)],
    ):
        result = runner.invoke(app, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (0, 1, 3), result.output
    assert no_network == []


@pytest.mark.parametrize(
    "records",
    ["https://example.com/contacts.csv", "s3://bucket/contacts.csv", "http://example.com/*.csv"],
)
def test_a_url_is_never_fetched(tmp_path: Path, no_network: list[Any], records: str) -> None:
    path = _write(tmp_path, VALID)
    result = runner.invoke(app, ["check", str(path), "--records", records])
    assert result.exit_code == 2
    assert "no such file" in result.stderr or "no file matches" in result.stderr
    assert no_network == []


def test_the_engine_installs_and_loads_no_extension() -> None:
    con = connect()
    settings_ = dict(
        con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions')"
        ).fetchall()
    )
    assert settings_ == {
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


# ---------------------------------------------------------------------------------------------
# Redaction

SALT = "test-salt"
SHOWN = ("AGENT-ALPHA", "AGENT-BETA", "CALL-0000", "CALL-9998")
IDENTIFIERS = (*SHOWN, "CALL-9999", "C-0", "C-1", "C-2")


@pytest.fixture
def identified(tmp_path: Path) -> dict[str, Any]:
    rows = [
        {
            "contact_id": f"CALL-{i:04d}",
            "customer_id": f"C-{i % 3}",
            "agent_id": "AGENT-ALPHA" if i % 2 else "AGENT-BETA",
            "initiated_at": f"2026-10-0{1 + i % 5}T09:{i:02d}:00Z",
            "wait_seconds": 400 if i % 3 else 60,
            "sla_met": "true" if i % 2 else "false",  # the platform's verdict, to compare with
        }
        for i in range(50)
    ]
    write_csv(tmp_path / "contacts.csv", rows)
    with (tmp_path / "contacts.csv").open("a", encoding="utf-8", newline="") as out:
        out.write("CALL-9999,C-0,AGENT-ALPHA,not a date,60,true\r\n")  # an unparseable reject
        out.write("CALL-9998,C-1,AGENT-BETA,2026-10-01T09:00:00Z,60,true,extra\r\n")  # malformed
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [
            {
                "id": "wait-5m",
                "kind": "wait_time",
                "limit": "5m",
                "compare_with": {"column": "sla_met", "label": "Desk SLA"},
            },
            {"id": "repeat", "kind": "repeat_contact", "window": "7d"},
        ],
        source={"max_rejected": "100%"},  # 2 of 52 rejected on purpose
    )
    return audit(path)


def test_redact_leaves_no_identifier_in_any_output(identified: AuditResult) -> None:
    text = render_json(identified)
    assert all(identifier in text for identifier in SHOWN)  # they were there
    assert identified.records.rejects_by_reason == {
        "malformed_row": 1,
        "unparseable_initiated_at": 1,
    }
    redacted = redact(identified, SALT)
    terminal = io.StringIO()
    render_terminal(redacted, terminal, color=False)
    outputs = {
        "json": render_json(redacted),
        "html": render_html(redacted),
        "md": render_markdown(redacted),
        "junit": render_junit(redacted),
        "sarif": render_sarif(redacted),
        "terminal": terminal.getvalue(),
    }
    for name, output in outputs.items():
        for identifier in IDENTIFIERS:
            assert identifier not in output, (name, identifier)
    # the agreement table's example contacts too (CALL-0001 ... are not in IDENTIFIERS)
    agreement = redacted.promises[0].agreement
    assert agreement is not None and agreement.groups
    examples = [c for g in agreement.groups for c in g.examples]
    assert examples and all(re.fullmatch(r"h_[0-9a-f]{12}", c) for c in examples)
    assert "CALL-00" not in outputs["html"] and "CALL-00" not in outputs["md"]


def test_redact_is_stable_salted_and_changes_nothing_else(identified: AuditResult) -> None:
    assert redact(identified, SALT) == redact(identified, SALT)
    assert redact(identified, SALT).redacted and not identified.redacted
    redacted = to_dict(redact(identified, SALT))
    wait = redacted["promises"][0]
    evidence = wait["evidence"][0]
    original = to_dict(identified)["promises"][0]["evidence"][0]
    assert evidence["contact_id"] == identifier_hash(original["contact_id"], SALT)
    assert re.fullmatch(r"h_[0-9a-f]{12}", evidence["contact_id"])
    assert evidence["details"]["agent_id"] == identifier_hash("AGENT-ALPHA", SALT) or evidence[
        "details"
    ]["agent_id"] == identifier_hash("AGENT-BETA", SALT)
    agents = [link for link in wait["weakest_links"] if link["dimension"] == "agent_id"]
    assert agents and all(link["value"].startswith("h_") for link in agents)
    assert to_dict(redact(identified, "another salt"))["promises"][0]["evidence"][0] != evidence

    def strip(result: dict[str, Any]) -> str:  # everything but the identifiers
        return re.sub(
            r'"(CALL|C|AGENT)-[^"]*"|"h_[0-9a-f]{12}"|"[^"]*,C-\d,AGENT[^"]*"',
            "ID",
            json.dumps(result),
        )

    assert strip(redacted) == strip(to_dict(identified))


def test_redact_needs_a_salt(identified: AuditResult) -> None:
    with pytest.raises(ValueError, match="salt"):
        redact(identified, "")
