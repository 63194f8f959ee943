"""Background work for the GUI: engine calls run off the GUI thread, with progress and cancel.

The GUI thread never runs engine work on a full image. It hands a plain function to a
:class:`Runner` instead, and gets the result back by signal.

API (used by the main window, the live preview, the library thumbnails and the learn dialog)
-------------------------------------------------------------------------------------------
``runner = Runner(parent=None, max_threads=2)``
    One runner per window is enough; it owns a private ``QThreadPool``.

``request_id = runner.submit(fn, *, channel="default", args=(), kwargs=None)``
    Runs ``fn(progress, cancel, *args, **kwargs)`` on a pool thread and returns a new
    request id (an int, unique for this runner, increasing). ``progress`` is a callable taking
    the fraction done (0..1) and ``cancel`` is a :class:`threading.Event`: pass both straight
    on to engine calls (``apply_kernel(..., progress=progress, cancel=cancel)``), which raise
    :class:`~workbench.engine.Cancelled` once ``cancel`` is set. The function gets its own
    data through ``args``; it must never read a widget.

    A request *supersedes* the one still running or waiting on the same ``channel``: the old
    one is cancelled and its result is dropped, so there is never a queue of outdated work.
    Use one channel per kind of work ("preview", "apply", "thumbnails", "learn", ...) and a
    unique channel (e.g. ``f"open:{path}"``) for work that must not replace other work.

Signals, always delivered on the GUI thread, each carrying the request id:

``started(int)``
    the function began running.
``progress(int, float)``
    the fraction done, as reported by the function (throttled by the engine).
``finished(int, object)``
    the function returned this value. Never sent for a cancelled or superseded request.
``failed(int, str)``
    the function raised; the text is the exception's message, meant for the user. (Bugs show
    the exception type too, and the traceback goes to the log.)
``cancelled(int)``
    the request was cancelled (by :meth:`Runner.cancel`, by a newer request on its channel,
    or because the function raised ``Cancelled``).

Each request ends with exactly one of ``finished``, ``failed`` or ``cancelled``.

``runner.cancel(request_id=None, *, channel=None)``
    Cancel one request, every request on a channel, or (no argument) everything. The
    ``cancelled`` signal follows at once; the thread stops at the function's next check.
``runner.is_busy(channel=None) -> bool``; ``runner.current(channel) -> int | None``
    Whether work is pending (on a channel); the live request id of a channel.
``runner.shutdown(timeout_ms=2000) -> bool``
    On quit: cancel everything and wait up to ``timeout_ms`` for threads to stop; True if
    they all did. The runner accepts no work afterwards.

Python threads cannot be killed, so cancelling is cooperative, as in superqt's workers: the
flag is checked between tiles by the engine.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from workbench.engine.progress import Cancelled

__all__ = ["Runner", "running_task_count"]

_log = logging.getLogger(__name__)

# Every runner alive, so a test fixture can check that no worker thread outlived its test.
_RUNNERS: weakref.WeakSet[Runner] = weakref.WeakSet()

# User mistakes and known engine errors carry messages written for the user; anything else
# is a bug, reported with its type so it can be looked up.
_USER_ERRORS = (ValueError, OSError, MemoryError)


def running_task_count() -> int:
    """Number of functions still running on any runner's threads (for tests)."""
    return sum(r.running_count() for r in list(_RUNNERS))


@dataclass
class _Request:
    request_id: int
    channel: str
    cancel: threading.Event = field(default_factory=threading.Event)
    ended: bool = False  # the GUI side has sent its final signal


class _Relay(QObject):
    """Carries news from pool threads to the GUI thread (queued connections).

    Only ints and floats cross threads by signal; results and exceptions wait in
    ``Runner._outcomes`` for the GUI thread to collect, so no Python object is handed
    through Qt's queued-signal machinery.
    """

    started = Signal(int)
    progress = Signal(int, float)
    ended = Signal(int)


class Runner(QObject):
    """Runs plain functions on a thread pool; see the module docstring for the API."""

    started = Signal(int)
    progress = Signal(int, float)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, max_threads))
        self._ids = itertools.count(1)
        self._requests: dict[int, _Request] = {}  # not yet ended on the GUI side
        self._channels: dict[str, int] = {}  # channel -> live request id
        self._running: set[int] = set()  # ids whose function is still on a thread
        self._running_lock = threading.Lock()
        self._closed = False
        self._outcomes: dict[int, tuple[bool, object]] = {}  # id -> (returned?, value)
        self._relay = _Relay(self)
        self._relay.started.connect(self._on_started)
        self._relay.progress.connect(self._on_progress)
        self._relay.ended.connect(self._on_ended)
        _RUNNERS.add(self)

    # -- submitting and cancelling ------------------------------------------------------
    def submit(
        self,
        fn: Callable[..., Any],
        *,
        channel: str = "default",
        args: tuple = (),
        kwargs: dict | None = None,
    ) -> int:
        """Run ``fn(progress, cancel, *args, **kwargs)``; returns the request id."""
        if self._closed:
            raise RuntimeError("the worker has been shut down")
        old = self._channels.get(channel)
        if old is not None:
            self._end_cancelled(old)
        request = _Request(next(self._ids), channel)
        self._requests[request.request_id] = request
        self._channels[channel] = request.request_id
        with self._running_lock:
            self._running.add(request.request_id)
        self._pool.start(functools.partial(self._run, request, fn, args, dict(kwargs or {})))
        return request.request_id

    def cancel(self, request_id: int | None = None, *, channel: str | None = None) -> None:
        """Cancel one request, all on ``channel``, or everything when given nothing."""
        if request_id is not None:
            ids = [request_id]
        elif channel is not None:
            ids = [rid for rid, r in self._requests.items() if r.channel == channel]
        else:
            ids = list(self._requests)
        for rid in ids:
            self._end_cancelled(rid)

    def current(self, channel: str) -> int | None:
        """The live (not yet ended) request on ``channel``, if any."""
        return self._channels.get(channel)

    def is_busy(self, channel: str | None = None) -> bool:
        """True while a request (on ``channel``) has not ended."""
        if channel is None:
            return bool(self._requests)
        return channel in self._channels

    def running_count(self) -> int:
        """Functions still executing on a thread, including cancelled ones not yet stopped."""
        with self._running_lock:
            return len(self._running)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything and wait up to ``timeout_ms`` for the threads; True if idle."""
        self._closed = True
        self.cancel()
        self._pool.clear()  # tasks not started yet never will be
        idle = self._pool.waitForDone(max(0, int(timeout_ms)))
        if idle:
            # No thread runs any more and the queue was cleared: what is still counted as
            # running is a task that was taken off the queue before it ever started.
            with self._running_lock:
                self._running.clear()
        else:
            _log.warning("worker threads still running after %d ms", timeout_ms)
        return idle

    # -- bookkeeping on the GUI thread --------------------------------------------------
    def _end(self, request_id: int) -> _Request | None:
        request = self._requests.pop(request_id, None)
        if request is None:
            return None
        request.ended = True
        if self._channels.get(request.channel) == request_id:
            del self._channels[request.channel]
        return request

    def _end_cancelled(self, request_id: int) -> None:
        request = self._end(request_id)
        if request is not None:
            request.cancel.set()
            self.cancelled.emit(request_id)

    @Slot(int)
    def _on_started(self, request_id: int) -> None:
        if request_id in self._requests:
            self.started.emit(request_id)

    @Slot(int, float)
    def _on_progress(self, request_id: int, fraction: float) -> None:
        if request_id in self._requests:
            self.progress.emit(request_id, fraction)

    @Slot(int)
    def _on_ended(self, request_id: int) -> None:
        with self._running_lock:
            returned, value = self._outcomes.pop(request_id, (False, None))
        if returned:
            if self._end(request_id) is not None:
                self.finished.emit(request_id, value)
        else:
            self._on_raised(request_id, value)

    def _on_raised(self, request_id: int, exc: BaseException | None) -> None:
        if exc is None or isinstance(exc, Cancelled):
            self._end_cancelled(request_id)
            return
        if self._end(request_id) is None:
            return  # superseded or cancelled already: nobody waits for this error
        if isinstance(exc, MemoryError):
            message = "not enough memory for this operation: try a smaller image or kernel"
        elif isinstance(exc, _USER_ERRORS):
            message = str(exc) or type(exc).__name__
        else:
            _log.error("worker task failed", exc_info=exc)
            message = f"{type(exc).__name__}: {exc}"
        self.failed.emit(request_id, message)

    # -- on the pool thread ----------------------------------------------------------------
    def _run(self, request: _Request, fn: Callable, args: tuple, kwargs: dict) -> None:
        rid, cancel, relay = request.request_id, request.cancel, self._relay
        try:
            if cancel.is_set():
                raise Cancelled("cancelled before it started")
            relay.started.emit(rid)

            def progress(fraction: float) -> None:
                if not cancel.is_set():
                    relay.progress.emit(rid, float(fraction))

            outcome = (True, fn(progress, cancel, *args, **kwargs))
        except BaseException as exc:  # everything must reach the GUI thread
            outcome = (False, exc)
        del fn, args, kwargs  # big arrays: free them now, not when the pool forgets us
        with self._running_lock:
            self._outcomes[rid] = outcome
            self._running.discard(rid)
        relay.ended.emit(rid)
