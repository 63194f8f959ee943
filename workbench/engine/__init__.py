"""The convolution engine: pure numpy and Pillow, usable as a library, never imports Qt.

``apply_kernel_dask`` (for dask arrays) is loaded on first use, so that importing the engine
never imports dask, an optional extra.
"""

from workbench.engine.border import BORDER_MODES
from workbench.engine.convolve import apply_kernel
from workbench.engine.imageio import ImageFile, load_image, save_image
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
from workbench.engine.progress import Cancelled

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


def __getattr__(name: str):
    if name == "apply_kernel_dask":
        from workbench.engine.dask_apply import apply_kernel_dask

        return apply_kernel_dask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
