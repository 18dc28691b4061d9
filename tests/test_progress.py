"""Progress while an audit runs: stages from the library, a transient display on a terminal's
standard error only, nothing else changed (standard output, errors, exit statuses)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from promise_audit import progress
from promise_audit.audit import audit
from promise_audit.cli import app
from promise_audit.engine.backends import connect
from tests.conftest import write_csv, write_promise_file

runner = CliRunner()
NORTHWIND = Path(__file__).resolve().parents[1] / "promises" / "northwind.yaml"
NORTHWIND_STAGES = [
    "reading contacts: northwind-contacts.csv",
    "de-duplicating contacts",
    "deciding 18 promises",
    "summarising contacts",
]
ROWS = [
    {"contact_id": "1", "channel": "phone", "initiated_at": "2026-10-01T09:00:00Z"},
    {"contact_id": "2", "channel": "phone", "initiated_at": "not a time"},
]
WAIT = {"id": "wait-5m", "kind": "wait_time", "limit": "5m"}


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def forced_terminal(monkeypatch: pytest.MonkeyPatch, file: Any = None) -> None:
    """Make the command line believe standard error is a terminal: the display goes to `file`,
    or to the standard error of the moment (the runner's) if None."""
    monkeypatch.setattr(progress, "wanted", lambda *args, **kwargs: True)
    monkeypatch.setattr(
        progress,
        "stderr_console",
        lambda: Console(file=file or sys.stderr, force_terminal=True, width=100),
    )


# (a) not a terminal: nothing on standard error, standard output as it always was


def test_check_prints_nothing_on_stderr_when_it_is_not_a_terminal() -> None:
    result = runner.invoke(app, ["check", str(NORTHWIND), "--format", "json"])
    assert result.exit_code in (0, 1)
    assert result.stderr == ""
    assert result.stdout.startswith("{")


def test_stdout_is_byte_identical_with_and_without_the_display(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = runner.invoke(app, ["check", str(NORTHWIND), "--format", "json"])
    screen = FakeTerminal()
    forced_terminal(monkeypatch, screen)
    shown = runner.invoke(app, ["check", str(NORTHWIND), "--format", "json"])
    assert "reading contacts" in screen.getvalue()  # the display was drawn ...
    assert shown.stdout_bytes == plain.stdout_bytes  # ... and changed nothing on stdout
    assert shown.stderr == "" and shown.exit_code == plain.exit_code


def test_the_table_is_unchanged_too(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = runner.invoke(app, ["check", str(NORTHWIND)])
    forced_terminal(monkeypatch, FakeTerminal())
    assert runner.invoke(app, ["check", str(NORTHWIND)]).stdout_bytes == plain.stdout_bytes


def test_the_library_is_silent_by_default(capfd: pytest.CaptureFixture[str]) -> None:
    audit(NORTHWIND)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("environ", "tty", "shown"),
    [
        ({"TERM": "xterm-256color"}, True, True),
        ({}, True, True),
        ({"TERM": "xterm-256color"}, False, False),
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "xterm", "PROMISE_AUDIT_NO_PROGRESS": "1"}, True, False),
        ({"PROMISE_AUDIT_NO_PROGRESS": ""}, True, False),
    ],
)
def test_when_the_display_is_wanted(environ: dict[str, str], tty: bool, shown: bool) -> None:
    stream = FakeTerminal() if tty else io.StringIO()
    assert progress.wanted(stream, environ) is shown


def test_a_stream_without_isatty_is_not_a_terminal() -> None:
    assert progress.wanted(object(), {}) is False  # type: ignore[arg-type]


def test_validate_imports_neither_duckdb_nor_rich() -> None:
    code = (
        "import sys\n"
        "from promise_audit.cli import app\n"
        "try:\n"
        f"    app(['validate', {str(NORTHWIND)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'rich')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.splitlines()[-1] == "[]"


# (b) the library's stages, in order


def test_the_stages_of_the_bundled_example() -> None:
    stages: list[str] = []
    audit(NORTHWIND, progress=stages.append)
    assert stages == NORTHWIND_STAGES


def test_rejects_and_explanations_are_stages_too(tmp_path: Path) -> None:
    write_csv(tmp_path / "contacts.csv", ROWS)
    path = write_promise_file(
        tmp_path / "promises.yaml",
        [WAIT, {**WAIT, "id": "wait-10m"}],
        source={"max_rejected": "100%"},  # one row of two rejected on purpose
    )
    stages: list[str] = []
    audit(path, rejects_path=tmp_path / "rejects.csv", explain=["1"], progress=stages.append)
    assert stages == [
        "reading contacts: contacts.csv",
        "de-duplicating contacts",
        "writing the rejects",
        "deciding 2 promises",
        "summarising contacts",
        "explaining 1 contact",
    ]


def test_the_result_does_not_depend_on_the_progress() -> None:
    from promise_audit.render.json import dumps, to_dict

    stages: list[str] = []
    assert dumps(to_dict(audit(NORTHWIND, progress=stages.append))) == dumps(
        to_dict(audit(NORTHWIND))
    )


# (c) the display on a (forced) terminal


def test_the_display_renders_and_leaves_no_trace() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with progress.StageProgress(console) as shown:
        shown("reading contacts: export.csv")
        shown("deciding 3 promises")
    text = screen.getvalue()
    assert "reading contacts: export.csv" in text or "deciding 3 promises" in text
    # transient: the last thing written shows the cursor again and erases the display's line
    assert text.rstrip("\n").endswith("\x1b[2K")
    assert "\x1b[?25h" in text


def test_the_display_follows_duckdb_and_stops_before_the_engine_closes() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    backend = connect()
    with progress.StageProgress(console, poll_seconds=0.005) as shown:
        shown("deciding 1 promise")
        shown.attach(backend)
        poller = shown._poller
        assert poller is not None and poller.is_alive()
        backend.execute("SELECT count(*) FROM range(20000000) t(i) WHERE i % 7 = 3").fetchall()
        shown.detach()
        assert not poller.is_alive()
    # tracking is on, DuckDB's own bar is not printed
    settings = backend.execute(
        "SELECT current_setting('enable_progress_bar'), "
        "current_setting('enable_progress_bar_print')"
    ).fetchone()
    assert settings == (True, False)
    backend.close()
    assert "deciding 1 promise" in screen.getvalue()


def test_other_engines_get_the_pulse_only() -> None:
    class Elsewhere:
        name = "postgres"

    with progress.StageProgress(Console(file=io.StringIO(), force_terminal=True)) as shown:
        shown.attach(Elsewhere())
        assert shown._poller is None


def test_a_whole_audit_with_the_display() -> None:
    screen = io.StringIO()
    with progress.StageProgress(Console(file=screen, force_terminal=True, width=100)) as shown:
        audit(NORTHWIND, progress=shown)
    assert shown.stages == NORTHWIND_STAGES
    assert shown._poller is None
    assert not [t for t in threading.enumerate() if t.name == "promise-audit-progress"]
    assert "reading contacts" in screen.getvalue()


# (d) errors with the display on: the one-line error, exit status 2, no traceback


def test_a_missing_records_file_with_the_display_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    forced_terminal(monkeypatch)  # drawn on the runner's standard error, before the error
    result = runner.invoke(
        app, ["check", str(NORTHWIND), "--records", str(tmp_path / "missing.csv")]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "reading contacts: missing.csv" in result.stderr  # the display was there ...
    # ... and was erased before the error, which is the one line after it
    after_display = result.stderr.rsplit("\x1b[2K", 1)[1]
    assert after_display == f"promise-audit: error: {tmp_path / 'missing.csv'}: no such file\n"


def test_a_failing_audit_stops_the_poller(tmp_path: Path) -> None:
    from promise_audit.errors import RecordsError

    screen = io.StringIO()
    with (
        progress.StageProgress(Console(file=screen, force_terminal=True)) as shown,
        pytest.raises(RecordsError),
    ):
        audit(NORTHWIND, str(tmp_path / "missing.csv"), progress=shown)
    assert shown._poller is None


def test_explain_with_the_display_on(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = runner.invoke(app, ["explain", str(NORTHWIND), "CT00000002"])
    screen = FakeTerminal()
    forced_terminal(monkeypatch, screen)
    shown = runner.invoke(app, ["explain", str(NORTHWIND), "CT00000002"])
    assert shown.exit_code == plain.exit_code == 0
    assert shown.stdout_bytes == plain.stdout_bytes
    assert "explaining 1 contact" in screen.getvalue()
