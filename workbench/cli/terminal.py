"""How the command line talks to a terminal: the progress bar, errors and exit statuses.

The bar is drawn on stderr only when stderr is a terminal, so piped or logged output stays
clean. Engine work may report progress from several threads at once; drawing is locked.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = [
    "InputError",
    "ProgressBar",
    "Terminated",
    "exit_status",
    "say",
    "stop_if_signalled",
]


class InputError(Exception):
    """The user's input is wrong (missing file, bad option value): exit status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: stop as for Ctrl+C (temporary files removed on the way).

    A KeyboardInterrupt, so that every clean-up that runs for Ctrl+C runs for these too;
    the exit status is the shell's for the signal, 128 + its number (143, 129).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: The number of a SIGTERM or SIGHUP that arrived, set by the command line's handler. Its
#: ``Terminated`` may be lost inside a compiled codec that swallows exceptions (imagecodecs
#: does); :func:`stop_if_signalled`, called between files, raises it again.
signal_received: int | None = None


def stop_if_signalled() -> None:
    """Raise :class:`Terminated` if a signal arrived whose first raise was swallowed."""
    if signal_received is not None:
        raise Terminated(signal_received)


def say(message: object) -> None:
    """Tell the user about a problem: one line on stderr, whatever the message holds."""
    text = "; ".join(line.strip() for line in str(message).splitlines() if line.strip())
    print(f"workbench: {text}", file=sys.stderr)


def exit_status(exc: BaseException) -> int:
    """Exit status for an error: 2 when the input is wrong, 1 when the work failed."""
    from workbench.engine import Cancelled
    from workbench.engine.atomic_write import is_write_failure
    from workbench.engine.imageio import ImageWriteError

    if isinstance(exc, Terminated):
        return 128 + exc.signum
    if isinstance(exc, (KeyboardInterrupt, Cancelled)):
        return 130
    if isinstance(exc, MemoryError):
        return 1
    if is_write_failure(exc):  # the disk or the system, not the user's input
        return 1
    # ValueError covers ImageReadError, KernelError, KernelFileError, LibraryError and
    # LearnError; the engine's public functions raise it for unusable arguments.
    # ImageWriteError not marked as a write failure is a refusal: 16 bits into a JPEG.
    if isinstance(exc, (InputError, ValueError, ImageWriteError)):
        return 2
    return 1


class ProgressBar:
    """A one-line ``label [#####.....] 42%`` bar, redrawn at most ten times a second.

    Parameters
    ----------
    stream : text stream, default sys.stderr
    enabled : bool, optional
        Draw at all; by default only when ``stream`` is a terminal.
    """

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self._stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self._stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self._label = ""
        self._fraction = 0.0
        self._last = 0.0
        self._drawn = False
        self._lock = threading.Lock()

    def set_label(self, label: str) -> None:
        """Name what is being worked on; the bar keeps the fraction already done."""
        self._label = label
        self.update(self._fraction, force=True)

    def update(self, fraction: float, *, force: bool = False) -> None:
        """Show ``fraction`` (0..1) done."""
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < 0.1 and fraction < 1.0:
                return
            self._last = now
            fraction = min(max(fraction, 0.0), 1.0)
            self._fraction = fraction
            width = 30
            filled = round(width * fraction)
            label = self._label if len(self._label) <= 32 else "..." + self._label[-29:]
            bar = "#" * filled + "." * (width - filled)
            self._stream.write(f"\r{label:<32} [{bar}] {fraction:4.0%}")
            self._stream.flush()
            self._drawn = True

    def clear(self) -> None:
        """Remove the bar, so that messages start on a clean line."""
        if self.enabled and self._drawn:
            with self._lock:
                self._stream.write("\r" + " " * 72 + "\r")
                self._stream.flush()
                self._drawn = False
