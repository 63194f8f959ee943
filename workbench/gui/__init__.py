"""The desktop app (PySide6). Widgets call the engine only through the worker."""

from workbench.gui.emit_refcount_fix import install as _install_emit_fix

_install_emit_fix()
