"""The progress and cancellation protocol shared by all long work in the engine.

Long calls take two optional keyword arguments:

``progress``
    A callable taking one float, the fraction done (0..1). It is called from the thread
    doing the work, never more often than needed to move a progress bar.
``cancel``
    Any object with an ``is_set()`` method, such as :class:`threading.Event`. It is checked
    between tiles; once it is set the call stops and raises :class:`Cancelled`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["CancelToken", "Cancelled", "ProgressCallback", "Reporter"]


class Cancelled(Exception):  # not "CancelledError": cancelling is no error
    """The work was cancelled through its ``cancel`` token before it finished."""


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


ProgressCallback = Callable[[float], None]


class Reporter:
    """Reports progress for one call and raises :class:`Cancelled` when asked to stop.

    Thread-safe: tiles done in several threads may call :meth:`advance` at once.

    Parameters
    ----------
    progress, cancel
        As in the module docstring; either may be ``None``.
    total : float
        The amount of work that makes 100 %.
    start, span : float
        Map this call's 0..1 onto ``start .. start + span`` of the caller's bar, so one
        reporter can cover several steps of a larger job.
    min_interval : float
        Seconds between progress callbacks (the last one, 1.0, is always sent).

    Raises
    ------
    ValueError
        If ``progress`` is not callable or ``cancel`` has no ``is_set()`` method: said when
        the call starts, not after minutes of work.
    """

    def __init__(
        self,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        total: float = 1.0,
        start: float = 0.0,
        span: float = 1.0,
        min_interval: float = 0.05,
    ) -> None:
        if progress is not None and not callable(progress):
            raise ValueError(
                f"progress must be a function taking the fraction done, got {progress!r}"
            )
        if cancel is not None and not callable(getattr(cancel, "is_set", None)):
            raise ValueError(
                f"cancel must have an is_set() method (a threading.Event works), got {cancel!r}"
            )
        self._progress = progress
        self._cancel = cancel
        self._total = max(float(total), 1e-12)
        self._start = start
        self._span = span
        self._done = 0.0
        self._last = 0.0
        self._min_interval = min_interval
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancel is not None and self._cancel.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("cancelled")

    def advance(self, amount: float = 1.0) -> None:
        """Record ``amount`` more work done, report it, and check for cancellation."""
        self.check()
        if self._progress is None:
            return
        with self._lock:
            self._done += amount
            now = time.monotonic()
            # Shares of the work summed in floats may fall short of the total by a rounding.
            finished = self._done >= self._total * (1 - 1e-9)
            if not finished and now - self._last < self._min_interval:
                return
            self._last = now
            fraction = min(self._done / self._total, 1.0)
        self._progress(self._start + self._span * fraction)

    def sub(self, start: float, span: float, total: float = 1.0) -> Reporter:
        """A reporter for a sub-step covering ``start .. start + span`` of this one."""
        return Reporter(
            self._progress,
            self._cancel,
            total=total,
            start=self._start + self._span * start,
            span=self._span * span,
            min_interval=self._min_interval,
        )
