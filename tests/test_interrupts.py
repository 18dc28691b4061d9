"""Ctrl-C and a CI system's cancel (SIGTERM) end an audit with one line, 130 or 143, and no
temporary files left behind, wherever the audit is (reading, deciding, inside a long query)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from promise_audit.sample import write_sample

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("interrupts")
    export = folder / "contacts.csv"
    write_sample(export, rows=200_000, seed=3)
    promise_file = folder / "promises.yaml"
    promise_file.write_text(
        "organization: T\ntimezone: UTC\nsources:\n  contacts:\n    path: contacts.csv\n"
        "promises:\n"
        "  - {id: wait, kind: wait_time, limit: 5m}\n"
        "  - {id: repeat, kind: repeat_contact, window: 7d}\n",
        encoding="utf-8",
    )
    return promise_file


def _interrupted_run(
    promise_file: Path, tmp: Path, signum: int, stage: str, *extra: str
) -> tuple[int, str]:
    """Run an audit with standard error on a terminal, so it names each stage as it starts,
    and send `signum` as soon as `stage` starts."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TMPDIR": str(tmp), "TERM": "xterm", "COLUMNS": "200"}
    env.pop("PROMISE_AUDIT_NO_PROGRESS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "promise_audit", "check", str(promise_file), *extra],
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while stage.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                seen += os.read(leader, 65536)
            except OSError:  # the process ended and closed the terminal
                break
    assert process.poll() is None, f"the audit ended before {stage!r} could be interrupted"
    process.send_signal(signum)
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(leader)
    return process.returncode, seen.decode("utf-8", "replace")


@pytest.mark.parametrize(
    ("signum", "status", "name"),
    [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")],
)
@pytest.mark.parametrize("stage", ["reading contacts", "deciding"])
@pytest.mark.parametrize("memory_limit", [(), ("--memory-limit", "200MB")])
def test_a_signal_ends_the_audit_with_one_line_and_its_status_and_no_leftovers(
    big_export: Path,
    tmp_path: Path,
    signum: int,
    status: int,
    name: str,
    stage: str,
    memory_limit: tuple[str, ...],
) -> None:
    returncode, stderr = _interrupted_run(big_export, tmp_path, signum, stage, *memory_limit)
    assert returncode == status
    assert f"promise-audit: interrupted ({name}); no result was written" in stderr
    assert "Traceback" not in stderr
    assert "Error" not in stderr
    assert list(tmp_path.iterdir()) == []
