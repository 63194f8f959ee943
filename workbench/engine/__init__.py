"""The convolution engine: pure numpy and Pillow, usable as a library, never imports Qt."""

from workbench.engine.border import BORDER_MODES
from workbench.engine.convolve import apply_kernel
from workbench.engine.kernel import Kernel, KernelError
from workbench.engine.learn import ConvLayer, FitReport, FitResult, LearnError, fit_kernel
from workbench.engine.progress import Cancelled

__all__ = [
    "BORDER_MODES",
    "Cancelled",
    "ConvLayer",
    "FitReport",
    "FitResult",
    "Kernel",
    "KernelError",
    "LearnError",
    "apply_kernel",
    "fit_kernel",
]
