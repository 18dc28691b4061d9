"""What a long audit shows while it runs: its stages, on standard error, on a terminal only.

The library reports stages through `audit(..., progress=callback)`: the callback gets one short
line per stage ("reading contacts: northwind-contacts.csv", "de-duplicating contacts",
"deciding 18 promises", "summarising contacts"). By default there is no callback and the
library prints nothing.

The command line's `StageProgress` is such a callback that draws a transient rich progress
display: the stage, a bar, the share done and the time taken, erased when the audit ends. It
also has `attach(backend)` / `detach()` (the `EngineWatcher` protocol), which `audit()` calls
around the engine's life: on the DuckDB engine a thread polls the connection's
`query_progress()` (the running statement's percentage, -1 when none runs) and the bar shows
it; between statements, and on the other engines, the bar pulses.

It is shown only when standard error is a terminal, `TERM` is not `dumb` and
`PROMISE_AUDIT_NO_PROGRESS` is not set; it never writes to standard output. rich is imported
only when the display is drawn, so that `--help` and `validate` start quickly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Protocol, TextIO, runtime_checkable

if TYPE_CHECKING:
    import threading
    from types import TracebackType

    from rich.console import Console
    from rich.progress import Progress, TaskID

# The library's callback: one short line per stage
StageCallback = Callable[[str], None]

NO_PROGRESS_VARIABLE = "PROMISE_AUDIT_NO_PROGRESS"
POLL_SECONDS = 0.1


@runtime_checkable
class EngineWatcher(Protocol):
    """A stage callback that also follows the engine: `audit()` calls `attach` once the
    engine is open and `detach` before it is closed (also when the audit fails)."""

    def __call__(self, stage: str) -> None: ...

    def attach(self, backend: Any) -> None: ...

    def detach(self) -> None: ...


def wanted(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to draw progress on `stream` (standard error by default): a terminal only, not
    with TERM=dumb, not with PROMISE_AUDIT_NO_PROGRESS set (to anything)."""
    env = os.environ if environ is None else environ
    if NO_PROGRESS_VARIABLE in env or env.get("TERM") == "dumb":
        return False
    target = sys.stderr if stream is None else stream
    try:
        return bool(target.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def stderr_console() -> Console:
    """The console the command line draws progress on: standard error."""
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def shown_on_stderr() -> Iterator[StageProgress | None]:
    """The command line's progress: a running `StageProgress` on standard error when `wanted()`,
    else None (and rich is not even imported)."""
    if not wanted():
        yield None
        return
    with StageProgress(stderr_console()) as progress:
        yield progress


class StageProgress:
    """A transient rich progress display for the audit's stages (see the module's doc).

    Use it as a context manager; call it with each stage's line. Thread-safe where it has to
    be: the poller updates the task from its own thread, through rich's lock.
    """

    def __init__(self, console: Console, *, poll_seconds: float = POLL_SECONDS) -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.poll_seconds = poll_seconds
        self.stages: list[str] = []
        self._progress: Progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            _statement_bar(),
            TextColumn("{task.fields[percent_text]}", style="progress.percentage"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            # never capture standard output: it carries the table or the JSON
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task: TaskID | None = None
        self._stop: threading.Event | None = None
        self._poller: threading.Thread | None = None

    def __enter__(self) -> StageProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.detach()
        self._progress.stop()

    def __call__(self, stage: str) -> None:
        self.stages.append(stage)
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(stage, total=None, percent=None, percent_text="")

    def attach(self, backend: Any) -> None:
        """Follow the engine's statements: DuckDB only (others have no such measure)."""
        if self._poller is not None or getattr(backend, "name", None) != "duckdb":
            return
        con = getattr(backend, "con", None)
        if con is None or not hasattr(con, "query_progress"):
            return
        import threading

        try:
            # progress is tracked only with the progress bar on; DuckDB must not print its own
            con.execute("SET enable_progress_bar_print = false")
            con.execute("SET enable_progress_bar = true")
        except Exception:  # an engine that refuses: stay with the pulse
            return
        self._stop = threading.Event()
        self._poller = threading.Thread(
            target=self._poll, args=(con, self._stop), name="promise-audit-progress", daemon=True
        )
        self._poller.start()

    def detach(self) -> None:
        """Stop following the engine; returns once the poller has stopped (before the engine
        is closed)."""
        if self._stop is not None:
            self._stop.set()
        if self._poller is not None:
            self._poller.join()
        self._stop = self._poller = None

    def _poll(self, con: Any, stop: threading.Event) -> None:
        while not stop.wait(self.poll_seconds):
            try:
                value = float(con.query_progress())
            except Exception:  # the engine cannot say: the bar pulses from now on
                self._show(None)
                return
            self._show(None if value < 0 else min(value, 100.0))

    def _show(self, percent: float | None) -> None:
        task = self._task
        if task is None:
            return
        text = "" if percent is None else f"{percent:3.0f}%"
        with suppress(KeyError):  # the stage ended meanwhile
            self._progress.update(task, percent=percent, percent_text=text)


def _statement_bar() -> Any:
    """A bar for the running statement: filled to the engine's percentage, or pulsing."""
    from rich.progress import BarColumn, Task
    from rich.progress_bar import ProgressBar

    class StatementBar(BarColumn):
        def render(self, task: Task) -> ProgressBar:
            percent = task.fields.get("percent")
            return ProgressBar(
                total=100.0 if percent is not None else None,
                completed=percent or 0.0,
                width=None if self.bar_width is None else max(1, self.bar_width),
                pulse=percent is None,
                animation_time=task.get_time(),
                style=self.style,
                complete_style=self.complete_style,
                finished_style=self.finished_style,
                pulse_style=self.pulse_style,
            )

    return StatementBar(bar_width=30)
