"""Learning a kernel from before/after pairs (being written: see issue 4)."""

from __future__ import annotations

__all__ = ["ConvLayer", "FitReport", "FitResult", "LearnError", "fit_kernel"]


class LearnError(ValueError):
    """The pairs cannot be learned from; the message says why."""


class ConvLayer:
    def __init__(self, *args, **kwargs) -> None:
        raise NotImplementedError("ConvLayer is not available yet")


class FitReport:
    pass


class FitResult:
    pass


def fit_kernel(*args, **kwargs):
    raise LearnError("learning a kernel is not available yet")
