"""Ending cleanly on Ctrl-C (SIGINT) and on SIGTERM, which is how a CI system cancels a job.

A query can run for minutes inside the engine, in C++, where Python's own signal handlers do
not run until it returns. So the two signals are blocked in every thread but one watcher, which
waits for them (`sigwait`), asks the engine to stop the running query (DuckDB's `interrupt()`),
and raises `Interrupted` in the main thread. The command line turns that into one line and the
conventional exit status (130, 143); the temporary working folder is removed on the way out,
as on every exit.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol

WATCHED = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


class Interrupted(BaseException):
    """The process was asked to stop; a BaseException, so no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(NAMES.get(signal.Signals(signum), str(signum)))
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


_lock = threading.Lock()
_running: list[Interruptible] = []
_received: list[int] = []
_armed = [False]  # Interrupted is raised once, and only inside `watching()`


def register(engine: Interruptible) -> None:
    """An engine whose running query the signal should stop (until `unregister`)."""
    with _lock:
        _running.append(engine)


def unregister(engine: Interruptible) -> None:
    with _lock:
        if engine in _running:
            _running.remove(engine)


def received() -> int | None:
    """The first signal received, if any."""
    return _received[0] if _received else None


def _raise_interrupted(signum: int, _frame: Any) -> None:
    if _armed[0]:
        _armed[0] = False
        raise Interrupted(signum)


def _watch() -> None:
    while True:
        signum = signal.sigwait(set(WATCHED))
        with _lock:
            first = not _received
            _received.append(signum)
            engines = list(_running)
        if not first:
            continue
        for engine in engines:
            # the engine may have closed meanwhile: then there is nothing to stop
            with suppress(Exception):
                engine.interrupt()
        # runs the main thread's handler at its next Python instruction: after the query returns
        _thread.interrupt_main(signal.Signals(signum))


@contextmanager
def watching() -> Iterator[None]:
    """Watch for SIGINT and SIGTERM while the block runs (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    previous = {s: signal.signal(s, _raise_interrupted) for s in WATCHED}
    _armed[0] = True
    # blocked here, so also in every thread started from now on (the engine's workers): only the
    # watcher, which waits for them, receives them
    signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    threading.Thread(target=_watch, name="promise-audit-signals", daemon=True).start()
    try:
        yield
    finally:
        with _lock:
            _armed[0] = False
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WATCHED)
        if not _received:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        # else the disarmed handler stays: a second signal, or a late first one, changes nothing
