"""Filter Workbench: apply, design and learn convolution kernels."""

__version__ = "0.1.0"
