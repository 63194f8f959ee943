"""Cancel is looked at often enough (issue 12): counted in work between checks, not timed.

The engine promises to stop within 0.2 s of a cancel. A check every
:data:`~workbench.engine.learn.exact.CHECK_WORK` multiply-adds (tiles:
:data:`~workbench.engine.strategies.tiles.TILE_WORK`) keeps that promise on a slow, shared
core; these tests count the checks a real call makes against the work it does.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.engine import apply_kernel, fit_kernel
from workbench.engine.learn import exact
from workbench.engine.learn.exact import CHECK_WORK, chunk_rows
from workbench.engine.strategies.tiles import TILE_WORK

RNG = np.random.default_rng(12)


class CountingCancel:
    """A cancel token that is never set and counts how often it is asked."""

    def __init__(self) -> None:
        self.checks = 0

    def is_set(self) -> bool:
        self.checks += 1
        return False


@pytest.mark.parametrize("columns", [2, 10, 82, 244, 676, 3970])
def test_a_chunk_of_the_normal_equations_stays_within_the_work_between_checks(columns):
    rows = chunk_rows(columns)
    assert rows >= 1
    assert rows * columns * columns <= max(CHECK_WORK, columns * columns)


@pytest.mark.parametrize(("mode", "size"), [("color", 9), ("per-channel", 15)])
def test_the_exact_solver_checks_cancel_after_bounded_work(mode, size, monkeypatch):
    before = RNG.integers(0, 256, (260, 300, 3), dtype=np.uint8)
    after = apply_kernel(before, RNG.random((3, 3)) / 9)
    accumulated = []
    real = exact._accumulate

    def spy(group, big, reporter, stride=1):
        rows = sum(s.train[::stride].size for s in group.sources)
        accumulated.append(rows * (group.in_channels * big * big + 1) ** 2)
        return real(group, big, reporter, stride)

    monkeypatch.setattr(exact, "_accumulate", spy)
    token = CountingCancel()
    fit_kernel([(before, after)], size, mode=mode, cancel=token)
    work = sum(accumulated)  # the normal equations alone: rows x columns^2
    assert work > 5 * CHECK_WORK  # big enough that a check per chunk of old would fail
    assert token.checks >= work / CHECK_WORK


@pytest.mark.parametrize("strategy", ["direct", "im2col"])
def test_filtering_checks_cancel_after_bounded_work(strategy):
    image = RNG.integers(0, 256, (900, 1200, 3), dtype=np.uint8)
    kernel = RNG.random((15, 15))
    token = CountingCancel()
    apply_kernel(image, kernel, strategy=strategy, cancel=token)
    work = image.size * kernel.size
    assert token.checks >= work / TILE_WORK
