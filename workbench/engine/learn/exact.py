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


def _accumulate(
    group: Group, size: int, reporter: Reporter, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The normal equations of ``size x size`` taps over the training rows (every
    ``stride``-th of them, spread over the whole image, when only an estimate is needed).

    Returns the sums over all rows and over the first half of each source's rows (the top
    of its image, as the rows are sorted), so that two independent fits can be compared.
    """
    taps = group.in_channels * size * size
    q = taps + 1
    a = np.zeros((q, q))
    b = np.zeros((q, group.outputs))
    a_half, b_half = np.zeros((q, q)), np.zeros((q, group.outputs))
    chunk = chunk_rows(q)
    buffer = np.empty((chunk, q))
    total = sum(s.train.size for s in group.sources)
    for source in group.sources:
        train = source.train[::stride]
        half = train.size // 2
        for part, (sa, sb) in ((train[:half], (a_half, b_half)), (train[half:], (a, b))):
            for start in range(0, part.size, chunk):
                index = part[start : start + chunk]
                x = buffer[: index.size]
                gather_rows(source, index, size, out=x)
                x[:, -1] = 1.0
                sa += x.T @ x
                sb += thin_product(x.T, gather_targets(source, index))
                reporter.advance(index.size * stride / max(total, 1))
    a += a_half
    b += b_half
    return a, b, a_half, b_half


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


#: Largest size of each stage of ``size="auto"``: a stage accumulates the equations of its
#: largest size once (smaller sizes are sub-blocks), and the next stage is tried only when
#: the largest size of this one still fitted clearly better than the smaller ones.
AUTO_STAGES = (7, 11, 15, 21, 31, 45, 63)

#: Training rows used to compare sizes in a stage after the first: enough to tell a 2 %
#: difference in held-out error apart, far fewer than a large kernel's final fit uses.
STAGE_ROWS = 20_000


class _Candidates:
    """One accumulation of a group's normal equations and the fits of each size in it."""

    def __init__(self, group: Group, big: int, reporter: Reporter, stride: int = 1) -> None:
        self.big = big
        self.a, self.b, self.a_half, self.b_half = _accumulate(group, big, reporter, stride)
        self.hx, self.hy, _ = held_out(group, big)
        self.results: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.in_channels = group.in_channels

    def uncertainty(self, size: int, ridge: float) -> np.ndarray:
        """Half the difference of the ``size`` kernels fitted on each half of the rows."""
        cols = tap_subset(self.in_channels, self.big, size)
        first, _ = _ridge_path(self.a_half, self.b_half, cols, (ridge,))
        second, _ = _ridge_path(self.a - self.a_half, self.b - self.b_half, cols, (ridge,))
        return np.abs(first[0] - second[0]) / 2

    def fit(self, sizes: list[int], reporter: Reporter) -> None:
        for size in sizes:
            cols = tap_subset(self.in_channels, self.big, size)
            w, c = _ridge_path(self.a, self.b, cols, RIDGE_GRID, reporter)
            sse = _held_out_errors(self.hx[:, cols], self.hy, w, c, reporter)
            self.results[size] = (sse, w, c)


def _errors(per_group: list[_Candidates], sizes: list[int]) -> tuple[dict[int, float], float]:
    """Held-out RMSE by size over all groups, and the floor under which errors tie."""
    n_hold = sum(max(g.hx.shape[0], 1) * g.hy.shape[1] for g in per_group)
    spread = sum(float(np.sum((g.hy - g.hy.mean(axis=0)) ** 2)) for g in per_group)
    best = {s: sum(float(g.results[s][0].min()) for g in per_group) for s in sizes}
    return {s: float(np.sqrt(best[s] / n_hold)) for s in sizes}, 1e-13 * max(spread, 1e-300)


def _smallest_good(errors: dict[int, float]) -> int:
    """The smallest size within 2 % (plus a thousandth of a level) of the best error."""
    lowest = min(errors.values())
    return next(s for s in sorted(errors) if errors[s] <= lowest * 1.02 + 1e-3)


def _stage(
    groups: list[Group], top: int, sizes: list[int], reporter: Reporter, sampled: bool
) -> list[_Candidates]:
    """Every group's equations for ``top`` taps, solved for each of ``sizes``."""
    out = []
    for gi, group in enumerate(groups):
        rows = sum(s.train.size for s in group.sources)
        stride = max(1, rows // STAGE_ROWS) if sampled else 1
        part = reporter.sub(gi / len(groups), 1 / len(groups))
        candidates = _Candidates(group, top, part, stride)
        candidates.fit(sizes, part)
        out.append(candidates)
        reporter.check()
    return out


def solve_exact(
    groups: list[Group], sizes: list[int], reporter: Reporter, *, refit: bool = True
) -> tuple[list[GroupFit], list[GroupFit]]:
    """Fit every group for every candidate size; keep the best size (the smallest on a tie).

    Several sizes are compared in stages (:data:`AUTO_STAGES`): the equations of a stage's
    largest size are accumulated once and every smaller size is solved from a sub-block of
    them. The first stage uses every training row; a larger stage is tried only while the
    previous stage's largest size still fits clearly better than the smaller ones, on a
    sample of :data:`STAGE_ROWS` training rows, and a size chosen there is fitted again on
    every row. So ``size="auto"`` costs about one fixed-size fit plus a small comparison.

    Returns
    -------
    (fits, checks)
        ``fits`` are the kernels to use (refitted on all sampled pixels, held-out included,
        when ``refit``); ``checks`` are the same fits made without the held-out pixels, for
        an honest measure of the fit on them.
    """
    sizes = sorted(sizes)
    tops = [t for t in AUTO_STAGES if sizes[0] <= t < sizes[-1]] + [sizes[-1]]
    first = [s for s in sizes if s <= tops[0]]
    full = _stage(groups, tops[0], first, reporter.sub(0.0, 0.6), sampled=False)
    stage_errors, floor = _errors(full, first)
    errors = dict(stage_errors)
    chosen = _smallest_good(stage_errors)
    later = tops[1:]
    for n, top in enumerate(later):
        if chosen < max(stage_errors):
            break
        stage_sizes = [s for s in sizes if s <= top]
        span = 0.25 / len(later)
        sampled = _stage(groups, top, stage_sizes, reporter.sub(0.6 + n * span, span), True)
        stage_errors, _ = _errors(sampled, stage_sizes)
        errors.update({s: e for s, e in stage_errors.items() if s not in errors})
        chosen = _smallest_good(stage_errors)
    if chosen > tops[0]:
        full = _stage(groups, chosen, [chosen], reporter.sub(0.85, 0.15), sampled=False)
        _, floor = _errors(full, [chosen])

    fits, checks = [], []
    for group, cand in zip(groups, full, strict=True):
        sse, w, c = cand.results[chosen]
        i = _pick(sse, floor / len(groups))
        cols = tap_subset(group.in_channels, cand.big, chosen)
        spread = cand.uncertainty(chosen, RIDGE_GRID[i])
        check = GroupFit(w[i], c[i], chosen, RIDGE_GRID[i], errors, spread)
        checks.append(check)
        if refit and cand.hx.shape[0]:
            a_all, b_all = cand.a.copy(), cand.b.copy()
            step = chunk_rows(cand.hx.shape[1])
            for start in range(0, cand.hx.shape[0], step):
                reporter.check()
                part = cand.hx[start : start + step]
                a_all += part.T @ part
                b_all += thin_product(part.T, cand.hy[start : start + step])
            wf, cf = _ridge_path(a_all, b_all, cols, (RIDGE_GRID[i],), reporter)
            fits.append(GroupFit(wf[0], cf[0], chosen, RIDGE_GRID[i], errors, spread))
        else:
            fits.append(check)
    reporter.advance(1.0)
    return fits, checks
