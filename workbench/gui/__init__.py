"""The desktop app (PySide6). Widgets call the engine only through the worker."""

from workbench.gui.immortal_singletons import install as _keep_singletons_alive

_keep_singletons_alive()
