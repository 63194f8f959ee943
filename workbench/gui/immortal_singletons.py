"""Keep ``None``, ``True`` and ``False`` alive despite a PySide6 reference-count bug.

PySide6 6.12 on Python 3.11 returns ``None`` from every void method (``show()``,
``processEvents()``, ``QTimer.start()``...) and ``True`` from ``Signal.emit()`` without
taking the new reference the C API requires. Python 3.12 made these objects immortal
(PEP 683), so the slip costs nothing there; on 3.11 each call takes one reference away, and a
long session or test run ends with "Fatal Python error: none_dealloc: deallocating None".

:func:`install` does on 3.11 what 3.12 does: it gives the three singletons so many extra
references (2**40) that no session can use them up. They are static objects that are never
freed anyway, so the extra references change nothing else.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["install"]

_EXTRA_REFERENCES = 1 << 40
_installed = False


def install() -> bool:
    """Make ``None``, ``True`` and ``False`` practically immortal on Python < 3.12."""
    global _installed
    if _installed or sys.version_info >= (3, 12):
        return False
    if sys.implementation.name != "cpython":
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (release builds).
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        refcount.value += _EXTRA_REFERENCES
    _installed = True
    return True
