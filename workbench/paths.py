"""Where the shipped data lives: the built-in kernels and the app's resources.

Installed, they are the data-only packages ``workbench._kernels`` and
``workbench._resources`` (see pyproject.toml); in a source checkout they are the
top-level ``kernels/`` and ``resources/`` folders beside the package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_dir(package: str, folder: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            path = Path(location)
            if path.is_dir():
                return path
    return _CHECKOUT / folder


def builtin_kernels_dir() -> Path:
    """The folder of the built-in kernel library (one JSON file per kernel)."""
    return _data_dir("workbench._kernels", "kernels")


def resources_dir() -> Path:
    """The folder of icons, the sample image and other resources."""
    return _data_dir("workbench._resources", "resources")
