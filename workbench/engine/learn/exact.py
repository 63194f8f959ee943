"""The exact solver: ridge-regularised least squares through the normal equations.

The normal equations ``(X'X + lambda I) w = X'y`` are accumulated in float64 over chunks of
rows, so memory stays small however large the images; for very large pairs a random sample
of pixels (hundreds of rows per unknown) is used, which pins the kernel down just as well.
The bias is one more unknown (a column of ones) and is never shrunk. Every smaller kernel
size's equations are a sub-block of the largest one's, so ``size="auto"`` costs one pass.

The ridge weight is picked on held-out pixels from a grid, preferring the smallest weight
among equally good ones, so a noise-free pair is solved exactly and a noisy one is steadied.
"""

from __future__ import annotations

import numpy as np

from workbench.engine.learn.layer import thin_product
from workbench.engine.learn.rows import Group, GroupFit, gather_rows, gather_targets, held_out
from workbench.engine.progress import Reporter

__all__ = ["CHECK_WORK", "chunk_rows", "solve_exact", "tap_subset"]

#: Ridge weights tried, relative to the mean eigenvalue of the centred equations; the first
#: is as good as none (it only keeps singular sums solvable).
RIDGE_GRID = (1e-15, *(10.0**e for e in range(-12, 0)))

#: Rows per chunk when accumulating: ~30 MB of float64 columns at most.
_CHUNK_VALUES = 4_000_000

#: Multiply-adds between two cancel checks, at most: tens of milliseconds on a shared core,
#: so that Cancel stops the solver within the engine's 0.2 s.
CHECK_WORK = 30_000_000


def chunk_rows(columns: int, *, per_row: int | None = None) -> int:
    """Rows per chunk: within :data:`_CHUNK_VALUES` and :data:`CHECK_WORK`.

    ``per_row`` is the work of one row (``columns ** 2`` for a normal-equations update).
    """
    work = columns * columns if per_row is None else per_row
    return max(1, min(_CHUNK_VALUES // max(columns, 1), CHECK_WORK // max(work, 1)))


def tap_subset(in_channels: int, big: int, small: int) -> np.ndarray:
    """Column numbers of the centred ``small x small`` taps within ``big x big`` columns."""
    lo = (big - small) // 2
    rows = np.arange(lo, lo + small)
    grid = (rows[:, None] * big + rows[None, :]).ravel()
    return np.concatenate([c * big * big + grid for c in range(in_channels)])


def _accumulate(group: Group, size: int, reporter: Reporter) -> tuple[np.ndarray, np.ndarray]:
    taps = group.in_channels * size * size
    q = taps + 1
    a = np.zeros((q, q))
    b = np.zeros((q, group.outputs))
    chunk = chunk_rows(q)
    buffer = np.empty((chunk, q))
    total = sum(s.train.size for s in group.sources)
    for source in group.sources:
        for start in range(0, source.train.size, chunk):
            index = source.train[start : start + chunk]
            x = buffer[: index.size]
            gather_rows(source, index, size, out=x)
            x[:, -1] = 1.0
            a += x.T @ x
            b += thin_product(x.T, gather_targets(source, index))
            reporter.advance(index.size / max(total, 1))
    return a, b


def _ridge_path(
    a: np.ndarray,
    b: np.ndarray,
    cols: np.ndarray,
    grid: tuple[float, ...],
    reporter: Reporter | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (len(grid) x taps x outputs) and biases (len(grid) x outputs).

    The sums are centred here (covariances, not raw products), so the bias is not shrunk
    and the ridge weight is measured against how much the pixels vary.
    """
    n = a[-1, -1]
    mean_x = a[cols, -1] / n
    mean_y = b[-1] / n
    cov = a[np.ix_(cols, cols)] - n * np.outer(mean_x, mean_x)
    cross = b[cols] - n * np.outer(mean_x, mean_y)
    scale = float(np.trace(cov)) / cols.size  # the mean eigenvalue
    weights = np.zeros((len(grid), cols.size, b.shape[1]))
    if scale <= 0.0:  # a flat before image: nothing to learn but the bias
        return weights, np.repeat(mean_y[None, :], len(grid), axis=0)
    # One small dense solve per ridge weight: far cheaper than an eigendecomposition when
    # other programs keep the BLAS threads busy. The smallest weight is never exactly 0, so
    # sums that are singular (directions the pixels never vary along) still solve.
    eye = np.eye(cols.size)
    for i, rel in enumerate(grid):
        if reporter is not None:
            reporter.check()  # each solve is cols**3 / 3 multiply-adds
        system = cov + max(rel, 1e-15) * scale * eye
        try:
            weights[i] = np.linalg.solve(system, cross)
        except np.linalg.LinAlgError:
            weights[i] = np.linalg.lstsq(system, cross, rcond=None)[0]
    biases = mean_y[None, :] - np.einsum("t,gto->go", mean_x, weights)
    return weights, biases


def _held_out_errors(
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    biases: np.ndarray,
    reporter: Reporter | None = None,
) -> np.ndarray:
    """Sum of squared held-out errors for each candidate (weights: candidates x taps x out)."""
    g, t, o = weights.shape
    flat = weights.transpose(1, 0, 2).reshape(t, g * o)
    sse = np.zeros(g)
    step = chunk_rows(t, per_row=t * g * o)
    for start in range(0, max(x.shape[0], 1), step):
        if reporter is not None:
            reporter.check()
        pred = x[start : start + step] @ flat
        pred += biases.reshape(1, g * o)
        pred -= np.tile(y[start : start + step], (1, g))
        sse += (pred * pred).reshape(-1, g, o).sum(axis=(0, 2))
    return sse


def _pick(sse: np.ndarray, floor: float) -> int:
    """Index of the lowest error, ties (to rounding) going to the earlier, smaller ridge."""
    best = float(sse.min())
    return int(np.flatnonzero(sse <= best * (1.0 + 1e-9) + floor)[0])


def solve_exact(
    groups: list[Group], sizes: list[int], reporter: Reporter, *, refit: bool = True
) -> tuple[list[GroupFit], list[GroupFit]]:
    """Fit every group for every candidate size; keep the best size (the smallest on a tie).

    Returns
    -------
    (fits, checks)
        ``fits`` are the kernels to use (refitted on all sampled pixels, held-out included,
        when ``refit``); ``checks`` are the same fits made without the held-out pixels, for
        an honest measure of the fit on them.
    """
    big = max(sizes)
    per_group = []  # (a, b, hold_x, hold_y, {size: (sse per ridge, weights, biases)})
    for gi, group in enumerate(groups):
        a, b = _accumulate(group, big, reporter.sub(gi / len(groups), 0.9 / len(groups)))
        hx, hy, _ = held_out(group, big)
        results = {}
        for size in sizes:
            cols = tap_subset(group.in_channels, big, size)
            w, c = _ridge_path(a, b, cols, RIDGE_GRID, reporter)
            sse = _held_out_errors(hx[:, cols], hy, w, c, reporter)
            results[size] = (sse, w, c)
        per_group.append((a, b, hx, hy, results))
        reporter.check()

    n_hold = sum(max(g[2].shape[0], 1) * g[3].shape[1] for g in per_group)
    spread = sum(float(np.sum((g[3] - g[3].mean(axis=0)) ** 2)) for g in per_group)
    floor = 1e-13 * max(spread, 1e-300)
    best_sse = {size: sum(float(g[4][size][0].min()) for g in per_group) for size in sizes}
    errors = {size: float(np.sqrt(best_sse[size] / n_hold)) for size in sizes}
    lowest = min(errors.values())
    # "Negligible gain": within 2 % of the best RMSE plus a thousandth of a grey level.
    chosen = next(s for s in sorted(sizes) if errors[s] <= lowest * 1.02 + 1e-3)

    fits, checks = [], []
    for group, (a, b, hx, hy, results) in zip(groups, per_group, strict=True):
        sse, w, c = results[chosen]
        i = _pick(sse, floor / len(groups))
        cols = tap_subset(group.in_channels, big, chosen)
        check = GroupFit(w[i], c[i], chosen, RIDGE_GRID[i], errors)
        checks.append(check)
        if refit and hx.shape[0]:
            a_all, b_all = a.copy(), b.copy()
            step = chunk_rows(hx.shape[1])
            for start in range(0, hx.shape[0], step):
                reporter.check()
                part = hx[start : start + step]
                a_all += part.T @ part
                b_all += thin_product(part.T, hy[start : start + step])
            wf, cf = _ridge_path(a_all, b_all, cols, (RIDGE_GRID[i],), reporter)
            fits.append(GroupFit(wf[0], cf[0], chosen, RIDGE_GRID[i], errors))
        else:
            fits.append(check)
    return fits, checks
