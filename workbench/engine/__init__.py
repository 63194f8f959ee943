"""The convolution engine: pure numpy and Pillow, usable as a library, never imports Qt.

The names below are imported on first use (PEP 562), so that ``workbench --help`` and other
light work that touches one engine module do not pay for numpy, Pillow and every codec, and
so that ``apply_kernel_dask`` (for dask arrays) never imports dask, an optional extra, until
it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.convolve import apply_kernel
    from workbench.engine.dask_apply import apply_kernel_dask
    from workbench.engine.imageio import ImageFile, load_image, save_image
    from workbench.engine.in_place import apply_kernel_in_place
    from workbench.engine.kernel import Kernel, KernelError
    from workbench.engine.kernel_files import (
        KernelFileError,
        export_kernel,
        format_kernel_text,
        import_kernels,
        load_kernel,
        parse_kernel_text,
        save_kernel,
    )
    from workbench.engine.learn import ConvLayer, FitReport, FitResult, LearnError, fit_kernel
    from workbench.engine.library import KernelLibrary
    from workbench.engine.option_names import BORDER_MODES
    from workbench.engine.progress import Cancelled

_HOMES = {
    "BORDER_MODES": "option_names",
    "Cancelled": "progress",
    "ConvLayer": "learn",
    "FitReport": "learn",
    "FitResult": "learn",
    "ImageFile": "imageio",
    "Kernel": "kernel",
    "KernelError": "kernel",
    "KernelFileError": "kernel_files",
    "KernelLibrary": "library",
    "LearnError": "learn",
    "apply_kernel": "convolve",
    "apply_kernel_dask": "dask_apply",
    "apply_kernel_in_place": "in_place",
    "export_kernel": "kernel_files",
    "fit_kernel": "learn",
    "format_kernel_text": "kernel_files",
    "import_kernels": "kernel_files",
    "load_image": "imageio",
    "load_kernel": "kernel_files",
    "parse_kernel_text": "kernel_files",
    "save_image": "imageio",
    "save_kernel": "kernel_files",
}

__all__ = [
    "BORDER_MODES",
    "Cancelled",
    "ConvLayer",
    "FitReport",
    "FitResult",
    "ImageFile",
    "Kernel",
    "KernelError",
    "KernelFileError",
    "KernelLibrary",
    "LearnError",
    "apply_kernel",
    "apply_kernel_dask",
    "apply_kernel_in_place",
    "export_kernel",
    "fit_kernel",
    "format_kernel_text",
    "import_kernels",
    "load_image",
    "load_kernel",
    "parse_kernel_text",
    "save_image",
    "save_kernel",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'workbench.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"workbench.engine.{home}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
