"""Learning a kernel from example pairs: ``fit_kernel`` and what it returns.

``fit`` drives the search; ``options`` and ``pairs`` check the input; ``rows`` gathers the
equations; ``exact`` and ``adam`` solve them; ``layer`` is the convolution layer Adam trains;
``report`` measures the result.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    # Imported on first use (PEP 562): ``workbench.engine.learn.simple`` alone, which the
    # app's library needs at start-up, then does not bring the whole learner with it.
    if name not in __all__:
        raise AttributeError(f"module 'workbench.engine.learn' has no attribute {name!r}")
    value = getattr(importlib.import_module("workbench.engine.learn.fit"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
