"""Work around a reference-count bug of PySide6 6.12 on Python 3.11 in ``Signal.emit``.

``SignalInstance.emit()`` returns ``True`` without taking a new reference to it. Every emit
from Python therefore takes one reference away from ``True``; after a few hundred thousand
emits (a busy session, or a test run) Python aborts with "bool_dealloc: deallocating True or
False". From Python 3.12 on, ``True`` is immortal and the bug is harmless.

:func:`install` checks whether the running PySide6 has the bug and, only then, wraps ``emit``
to give back the missing reference. An extra reference to ``True`` is harmless; a missing one
is fatal, so the wrapper errs on the side of adding.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

__all__ = ["install"]

_installed = False


class _Probe(QObject):
    ping = Signal()


def _emit_loses_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def install() -> bool:
    """Patch ``SignalInstance.emit`` if this PySide6 needs it; True if patched."""
    global _installed
    if _installed:
        return True
    if sys.version_info >= (3, 12) or not _emit_loses_a_reference():
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None

    def emit(self, *args):
        result = original(self, *args)
        incref(result)  # the reference emit() should have returned
        return result

    emit.__doc__ = original.__doc__
    SignalInstance.emit = emit
    _installed = True
    return True
