"""The gradient solver: Adam on the convolution layer, with L2, Huber or L1 loss.

Plain gradient descent on image patches crawls: neighbouring pixels are strongly correlated,
so the loss surface is a long narrow valley (condition numbers of 1e3 to 1e5 for photos).
The layer therefore trains on *whitened* patches: each im2col row ``x`` is replaced by
``(x - mean) P`` with ``P' C P = I`` for the patches' covariance ``C``. That is only a
change of coordinates (the kernel is ``P v`` for the whitened layer's weights ``v``), so every
loss means what it meant, but the valley becomes round and Adam walks straight down it. The
targets are standardised too, so one step size suits every image. The step size decays
geometrically to a ten-thousandth, which lets minibatch noise settle.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from workbench.engine.learn.layer import Adam, ConvLayer
from workbench.engine.learn.rows import Group, GroupFit, gather_rows, gather_targets
from workbench.engine.progress import Reporter

__all__ = ["solve_adam"]

#: At most this many float32 values of training columns per group (~200 MB).
_MAX_VALUES = 50_000_000


class _Problem:
    """One group's whitened training rows and its layer."""

    def __init__(self, group: Group, size: int, rng: np.random.Generator) -> None:
        taps = group.in_channels * size * size
        cap = max(10_000, _MAX_VALUES // taps)
        index = [(s, s.train) for s in group.sources]
        n_all = sum(i.size for _, i in index)
        if n_all > cap:
            index = [
                (s, np.sort(rng.choice(i, int(cap * i.size / n_all), replace=False)))
                for s, i in index
            ]
        n = sum(i.size for _, i in index)
        order = rng.permutation(n)  # shuffled once: minibatches are then plain slices
        x = np.empty((n, taps), np.float32)
        y = np.empty((n, group.outputs), np.float32)
        start = 0
        for source, rows in index:
            for lo in range(0, rows.size, 65536):
                part = rows[lo : lo + 65536]
                dest = order[start + lo : start + lo + part.size]
                x[dest] = gather_rows(source, part, size)
                y[dest] = gather_targets(source, part)
            start += rows.size

        sample = x[: min(n, 200_000)].astype(np.float64)
        self.mean = sample.mean(axis=0)
        sample -= self.mean
        cov = sample.T @ sample / max(sample.shape[0], 1)
        # Cholesky whitening (C = L L', P = L^-T): any P with P' C P = I does, and a
        # Cholesky factor is far cheaper than an eigendecomposition. The small ridge keeps
        # a flat or degenerate image factorable.
        cov[np.diag_indices_from(cov)] += 1e-8 * max(float(np.trace(cov)) / taps, 1e-12)
        factor = np.linalg.cholesky(cov)
        self.whiten = np.linalg.inv(factor).T
        x -= self.mean.astype(np.float32)
        for lo in range(0, n, 65536):
            x[lo : lo + 65536] = x[lo : lo + 65536] @ self.whiten.astype(np.float32)
        self.y_mean = y.mean(axis=0, dtype=np.float64)
        self.y_scale = max(float(y.std(dtype=np.float64)), 1e-3)
        y -= self.y_mean.astype(np.float32)
        y /= np.float32(self.y_scale)
        self.x, self.y = x, y
        self.layer = ConvLayer(size, group.in_channels, group.outputs)
        self.size = size

    def batch(self, step: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        n = self.x.shape[0]
        if size >= n:
            return self.x, self.y
        start = (step * size) % n
        stop = min(start + size, n)
        return self.x[start:stop], self.y[start:stop]

    def kernel(self) -> tuple[np.ndarray, np.ndarray]:
        """Weights (taps x outputs) and bias (0..255 scale) in the original coordinates."""
        v = self.layer.weight_matrix()
        weights = self.y_scale * (self.whiten @ v)
        bias = self.y_mean + self.y_scale * self.layer.bias - self.mean @ weights
        return weights, bias


def _loss_and_grad(
    residual: np.ndarray, loss: str, delta: float, scale: float
) -> tuple[float, np.ndarray]:
    """Mean loss in grey levels (0..255 scale) and its gradient in standardised units."""
    n = residual.shape[0]
    r = residual
    if loss == "l2":
        return float(np.mean(r * r)) * scale * scale, r / n
    if loss == "l1":
        return float(np.mean(np.abs(r))) * scale, np.sign(r) / n
    d = delta / scale
    a = np.abs(r)
    quad = np.minimum(a, d)
    value = float(np.mean(quad * (a - 0.5 * quad))) * scale * scale
    return value, np.clip(r, -d, d) / n


def solve_adam(
    groups: list[Group],
    size: int,
    reporter: Reporter,
    *,
    loss: str = "l2",
    steps: int = 600,
    lr: float = 0.05,
    final_lr: float = 5e-6,
    batch: int | None = None,
    huber_delta: float = 1.0,
    on_step: Callable[[int, float, np.ndarray], None] | None = None,
    layout: Callable[[list[np.ndarray]], np.ndarray] | None = None,
    rng: np.random.Generator | None = None,
) -> tuple[list[GroupFit], list[float]]:
    """Train one layer per group with Adam; returns the fits and the loss after each step.

    ``on_step(step, loss, weights)`` is called at most 20 times a second and after the last
    step, with the weights arranged by ``layout`` (the kernel's own layout).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    if batch is None:
        # About 20 million multiply-adds a step: big batches for small kernels, smaller
        # ones (still thousands of rows) for large colour kernels.
        taps = groups[0].in_channels * size * size * groups[0].outputs
        batch = int(min(32768, max(4096, 2e7 // taps)))
    problems = []
    for group in groups:
        problems.append(_Problem(group, size, rng))
        reporter.check()
    optimisers = [Adam(p.layer.parameters, lr=lr) for p in problems]
    history: list[float] = []
    step_reporter = reporter.sub(0.0, 1.0, total=steps)
    decay = (final_lr / lr) ** (1.0 / max(steps - 1, 1))
    last_call = 0.0
    for step in range(steps):
        rate = lr * decay**step
        total = 0.0
        for problem, optimiser in zip(problems, optimisers, strict=True):
            xb, yb = problem.batch(step, batch)
            residual = problem.layer.forward_columns(xb)
            residual -= yb
            value, grad = _loss_and_grad(residual, loss, huber_delta, problem.y_scale)
            gw, gb = problem.layer.backward_columns(grad)
            optimiser.step([gw, gb], lr=rate)
            total += value
        history.append(total / len(problems))
        step_reporter.advance(1.0)
        if on_step is not None and layout is not None:
            now = time.monotonic()
            if now - last_call >= 0.05 or step == steps - 1:
                last_call = now
                on_step(step + 1, history[-1], layout([p.kernel()[0] for p in problems]))
    fits = []
    for problem in problems:
        weights, bias = problem.kernel()
        fits.append(GroupFit(weights, bias, size))
    return fits, history
