"""Learning a kernel from example pairs: ``fit_kernel`` and what it returns.

``fit`` drives the search; ``options`` and ``pairs`` check the input; ``rows`` gathers the
equations; ``exact`` and ``adam`` solve them; ``layer`` is the convolution layer Adam trains;
``report`` measures the result.
"""

from workbench.engine.learn.fit import (
    MODES,
    SOLVERS,
    Adam,
    ConvLayer,
    FitReport,
    FitResult,
    LearnError,
    fit_kernel,
    im2col,
)

__all__ = [
    "MODES",
    "SOLVERS",
    "Adam",
    "ConvLayer",
    "FitReport",
    "FitResult",
    "LearnError",
    "fit_kernel",
    "im2col",
]
