"""Learning a kernel from before/after pairs: :func:`fit_kernel` and what it returns.

A user has an image and the same image after a filter made in another program; the kernel
that reproduces the filter is found by fitting a single convolution layer
(:class:`ConvLayer`) to the pairs. The pieces live in their own modules:

* :mod:`~workbench.engine.learn.options`: checking the options (size, mode, solver...);
* :mod:`~workbench.engine.learn.pairs`: checking pairs, masking the pixels to leave out;
* :mod:`~workbench.engine.learn.rows`: usable pixels as im2col rows, sampled and gathered;
* :mod:`~workbench.engine.learn.layer`: the layer in im2col form, and Adam;
* :mod:`~workbench.engine.learn.exact`: the exact (least-squares) solver;
* :mod:`~workbench.engine.learn.adam`: the gradient solver for robust losses;
* :mod:`~workbench.engine.learn.report`: the fit report and its findings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from workbench.engine.colour import decode, srgb_to_linear
from workbench.engine.kernel import Kernel
from workbench.engine.learn.adam import solve_adam
from workbench.engine.learn.exact import solve_exact
from workbench.engine.learn.layer import Adam, ConvLayer, im2col
from workbench.engine.learn.options import (
    AUTO_MAX_SIZE,
    MODES,
    SOLVERS,
    candidate_sizes,
    check_margin,
    check_options,
    check_seed,
    check_size,
)
from workbench.engine.learn.pairs import (
    CLIP_LEVELS,
    REASONS,
    LearnError,
    Pair,
    check_pairs,
    left_out_map,
    pixel_masks,
)
from workbench.engine.learn.report import (
    FitReport,
    describe_residual,
    evaluate,
    findings,
    looks_like_jpeg,
    psnr_text,
    residual_image,
    unrelated_reason,
)
from workbench.engine.learn.rows import (
    Group,
    GroupFit,
    build_groups,
    kernel_layout,
    kernel_offsets,
    leave_out_clipped,
    split_rows,
)
from workbench.engine.learn.simple import snap_to_simple
from workbench.engine.progress import CancelToken, ProgressCallback, Reporter

#: What ``fit_kernel(space=...)`` takes.
SPACES = ("auto", "perceptual", "linear")

#: With ``space="auto"`` and a free size, both spaces are first fitted up to this size.
PROBE_SIZE = 7
#: ... on a sample of this many pixels per group (unless ``max_rows`` says otherwise).
PROBE_ROWS = 20_000

__all__ = [
    "MODES",
    "SOLVERS",
    "SPACES",
    "Adam",
    "ConvLayer",
    "FitReport",
    "FitResult",
    "LearnError",
    "fit_kernel",
    "im2col",
]

#: Most unknowns (weights and bias) one kernel may have: the normal equations alone grow
#: as its square (4096 unknowns: 134 MB), their solution as its cube.
MAX_UNKNOWNS = 4096


class FitResult(NamedTuple):
    """What :func:`fit_kernel` returns.

    Attributes
    ----------
    kernel : Kernel
        The learned kernel: divisor 1, the bias as its offset (0..255 scale), named
        "Learned 5x5", category "Learned", the fit quality in its description. A plain
        ``k x k`` kernel for mode ``shared`` (or a gray image), a colour kernel
        (``C x C x k x k``, one offset per channel) for ``per-channel`` and ``color``.
    bias : float or tuple of float
        The bias on the 0..255 scale (the same as ``kernel.offset``).
    report : FitReport
        How well it fits, and plain-language findings.
    """

    kernel: Kernel
    bias: float | tuple[float, ...]
    report: FitReport


def _usable_groups(
    pairs: list[Pair],
    sizes: list[int],
    auto: bool,
    margin: int | None,
    mode: str,
    exclude_clipped: bool,
    reporter: Reporter | None = None,
) -> tuple[list[Group], dict[str, int], list[int]]:
    """Mask the pairs and group their rows, with enough usable pixels for the largest size.

    With ``auto``, sizes too large for the usable pixels are dropped; otherwise too few
    usable pixels is a :class:`LearnError` saying what left them out.
    """
    sizes = list(sizes)
    while True:
        big = max(sizes)
        radius = big // 2
        edge = radius + 3 if margin is None else max(margin, radius)
        counts = dict.fromkeys(REASONS, 0)
        masks = []
        for p in pairs:  # whole-image passes: a cancel is looked at after each pair
            if reporter is not None:
                reporter.check()
            masks.append(pixel_masks(p, radius, edge, exclude_clipped, counts))
        if reporter is not None:
            reporter.check()
        groups = build_groups(pairs, masks, mode)
        need = 4 * (groups[0].in_channels * big * big + 1) + 32
        short = min(g.usable for g in groups)
        if short >= need:
            return groups, counts, sizes
        if auto and len(sizes) > 1:
            sizes.pop()
            continue
        worst = max(counts, key=counts.get)
        raise LearnError(
            f"only {short} usable pixels for a {big}x{big} kernel (at least {need} are "
            f"needed; most were left out as '{worst}'): use larger images, a smaller size "
            f"or a smaller margin"
        )


def fit_kernel(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    size: int | str,
    *,
    mode: str = "shared",
    solver: str = "exact",
    loss: str = "l2",
    margin: int | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_step: Callable[[int, float, np.ndarray], None] | None = None,
    seed: int = 0,
    exclude_clipped: bool = True,
    max_size: int = AUTO_MAX_SIZE,
    space: str = "auto",
    **solver_options: Any,
) -> FitResult:
    """Learn the kernel that turns each before image into its after image.

    The kernel is a correlation, as :func:`~workbench.engine.apply_kernel` applies it, so
    ``apply_kernel(before, result.kernel)`` reproduces ``after`` away from the border, in
    every pixel type. Pixels near the border, pixels under transparency and after pixels
    clipped to pure black or white are left out (see :mod:`workbench.engine.learn.pairs`).

    Parameters
    ----------
    pairs : sequence of (before, after)
        Arrays ``H x W`` (gray), ``H x W x 3`` (RGB) or ``H x W x 4`` (RGBA); uint8, uint16 or
        float32 (0..1). The two images of a pair are the same size and colour mode; pairs
        may differ in size, not in colour mode.
    size : int or "auto"
        Kernel size (odd, 1 to 63), or "auto" to try 1, 3, ... up to ``max_size`` and keep
        the smallest whose held-out error is within 2 % of the best.
    mode : {"shared", "per-channel", "color"}
        One kernel for all channels; one per channel (a colour kernel with zero
        cross-channel weights); or a full colour-mixing kernel (``out x in x k x k``).
    solver : {"exact", "adam"}
        Regularised least squares (fast, exact on clean pairs), or Adam gradient descent on
        the layer (needed for the robust losses). Adam starts from zero weights; a quick
        exact fit runs first only to pick the size for "auto" and to find clipped pixels.
    loss : {"l2", "huber", "l1"}
        What is minimised; ``huber`` and ``l1`` shrug off outliers (text overlays, local
        edits) and need ``solver="adam"``.
    margin : int, optional
        Pixels left out at each edge; default the kernel's radius plus 3, never less than
        the radius.
    progress, cancel
        The engine's progress callback and cancel token (see
        :mod:`workbench.engine.progress`).
    on_step : callable, optional
        Adam only: ``on_step(step, loss, weights)`` at most ~20 times a second from the
        working thread (for a live plot); weights as in the kernel (``k x k`` or
        ``out x in x k x k``).
    seed : int
        Seed for the random choices (held-out pixels, samples, minibatches).
    exclude_clipped : bool
        Leave out after values at 0 or full white (on by default; off only to compare).
    max_size : int
        Largest size tried by ``size="auto"``.
    space : {"auto", "perceptual", "linear"}
        Fit on the stored (sRGB-encoded) values, as Photoshop, ImageJ and OpenCV filter; in
        linear light, as GIMP does; or ``auto``: both, keeping the space whose result is
        closer to the after image on the stored values (its usable pixels, RMSE on the
        0..255 scale; on :data:`CHOICE_STRIPS` strips of rows of about
        :data:`CHOICE_VALUES` values for large images). The exact L2 fit is done in full in
        both spaces; for Adam and the robust losses both spaces are first fitted with the
        exact solver (up to :data:`PROBE_SIZE` with a free size) and the better one is
        then fitted in full. The kernel records its space, so
        ``apply_kernel(before, kernel)`` reproduces the after image either way.
    **solver_options
        Adam: ``steps`` (600), ``lr`` (0.05, in whitened units), ``final_lr`` (5e-6),
        ``batch`` (rows per step; 32768, fewer for large colour kernels), ``huber_delta``
        (1.0 grey level). Exact: ``max_rows`` (pixels sampled per group; by default
        every pixel for small kernels, at least 100,000 for large ones).

    Returns
    -------
    FitResult
        ``(kernel, bias, report)``. The report's RMSE, PSNR and R-squared are measured on
        held-out pixels, with the kernel fitted without them; the exact solver's returned
        kernel is then refitted on every sampled pixel.

    Raises
    ------
    LearnError
        Unusable pairs (different sizes or colour modes, not the same picture, too few
        usable pixels) or options.
    ValueError
        If ``progress`` is not callable or ``cancel`` has no ``is_set()``.
    Cancelled
        When ``cancel`` is set.

    Examples
    --------
    >>> import numpy as np
    >>> from workbench.engine import Kernel, apply_kernel
    >>> before = np.random.default_rng(0).random((64, 64), dtype=np.float32)
    >>> after = apply_kernel(before, Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16))
    >>> result = fit_kernel([(before, after)], 3)
    >>> np.round(result.kernel.weights * 16, 3)
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> result.report.findings[-1]
    'sums to 1.00 (keeps brightness): a blur (its response falls to 0.06 for the finest detail)'
    """
    started = time.perf_counter()
    mode = check_options(mode, solver, loss, solver_options)
    fixed = check_size(size)
    seed = check_seed(seed)
    margin = check_margin(margin)
    checked = check_pairs(pairs)
    if space not in SPACES:
        raise LearnError(f"unknown space {space!r}: choose auto, perceptual or linear")
    reporter = Reporter(progress, cancel)
    reporter.check()
    options = dict(solver_options)
    prepared: dict[str, list[Pair]] = {}  # pairs made ready once per space

    def working(space: str) -> list[Pair]:
        if space not in prepared:
            prepared[space] = _working(checked, space)
        return prepared[space]

    run = (mode, solver, loss, margin, cancel, on_step, seed, exclude_clipped)
    if space != "auto":
        solved = _solve_space(working(space), fixed, *run, max_size, options, reporter)
        error, solved, residual = _measured(solved, space, checked, margin, reporter, cancel)
        best = _report(solved, residual, checked[0])
        note = _space_note(space, error)
    else:
        # Both spaces are fitted and the one whose result is closer to the after image on
        # the stored values is kept. With the exact L2 fit (the default) each is the full
        # fit and only the kept one gets a report (residual image, findings): auto costs
        # two fits, not three. On large images the two are compared on strips of rows, and
        # only the kept one is measured on every pixel (its report shows that). Adam and the
        # robust losses are slow, so for them both spaces are first fitted with the exact
        # solver (up to PROBE_SIZE on a sample when the size is free) and the better space
        # is then fitted in full.
        exact = solver == "exact" and loss == "l2"
        probe_max = max_size if exact or fixed is not None else min(PROBE_SIZE, max_size)
        probe_options = options if exact else {"max_rows": options.get("max_rows", PROBE_ROWS)}
        held = None if exact else probe_options["max_rows"]
        tried = []
        refused: list[LearnError] = []
        for i, space_tried in enumerate(("perceptual", "linear")):
            step = reporter.sub(0.45 * i, 0.45) if exact else reporter.sub(0.1 * i, 0.1)
            try:
                solved = _solve_space(
                    working(space_tried), fixed, mode, "exact", "l2", margin, cancel, None,
                    seed, exclude_clipped, probe_max, dict(probe_options), step, held,
                )  # fmt: skip
            except LearnError as exc:  # e.g. all clipped in one space: the other may do
                refused.append(exc)
                continue
            tried.append(
                _measured(solved, space_tried, checked, margin, step, cancel, CHOICE_VALUES)
            )
        if not tried:
            raise refused[0]
        error, solved, residual = min(tried, key=lambda item: item[0])
        chosen = solved.kernel.space
        if not exact:
            rest = reporter.sub(0.2, 0.8)
            solved = _solve_space(working(chosen), fixed, *run, max_size, options, rest)
        if not exact or residual is None:  # refitted, or measured on strips: every pixel
            error, solved, residual = _measured(solved, chosen, checked, margin, reporter, cancel)
        best = _report(solved, residual, checked[0])
        probe = None if exact else probe_max
        sampled = tried[0][2] is None
        errors = [(measured.kernel.space, e) for e, measured, _ in tried]
        note = _space_note(chosen, error, errors, probe, sampled)
    report = replace(best.report, seconds=time.perf_counter() - started, space_note=note)
    if progress is not None:
        progress(1.0)
    return FitResult(best.kernel, best.bias, report)


def _working(pairs: list[Pair], space: str) -> list[Pair]:
    """The pairs in the space a fit works in: as they are, or decoded to linear light."""
    if space == "perceptual":
        return pairs
    # The clipping levels are stored values: level 1 of 255 is 0.08 in linear light, and a
    # dark pixel there is not clipped.
    levels = tuple(float(v) * 255 for v in srgb_to_linear(np.array(CLIP_LEVELS) / 255))
    return [_linear_pair(p, levels) for p in pairs]


def _linear_pair(pair: Pair, clip_levels: tuple[float, ...]) -> Pair:
    """A checked pair decoded to linear light (float32, 0..1); alpha is kept as it is.

    Made from the checked pair, not checked again: decoding changes no size, no alpha and
    nothing that made the pair usable, and the planes of an integer pair stay finite. The
    whole images stay the stored ones (see ``Pair.before_image``), decoded only to judge a
    poor fit (:func:`_solve_space`): decoding them for every fit cost as much again (a
    second float32 copy of a 12-megapixel pair is 0.6 s of fresh memory here).
    """
    # Each contiguous plane decoded on its own (no copy of a strided channel after).
    planes = [[decode(plane) for plane in side] for side in (pair.before, pair.after)]
    return replace(
        pair,
        before=planes[0],
        after=planes[1],
        before_scale=255.0,
        after_scale=255.0,
        after_max=1.0,
        after_is_float=True,
        clip_levels=clip_levels,
        space="linear",
    )


def _measured(
    solved: _Solved,
    space: str,
    pairs: list[Pair],
    margin: int | None,
    reporter: Reporter,
    cancel: CancelToken | None,
    sample: int | None = None,
) -> tuple[float, _Solved, np.ndarray | None]:
    """The fit with its kernel in ``space``, its RMSE on the stored values, and the first
    pair's stored-value residual (which its report shows), or None where ``sample`` had
    it measured on strips of rows (see :func:`_stored_error`)."""
    solved = solved._replace(kernel=solved.kernel.replace(space=space))
    error, residual = _stored_error(solved.kernel, pairs, margin, reporter, cancel, sample)
    return error, solved, residual


def _stored_error(
    kernel: Kernel,
    pairs: list[Pair],
    margin: int | None,
    reporter: Reporter,
    cancel: CancelToken | None,
    sample: int | None = None,
) -> tuple[float, np.ndarray | None]:
    """RMSE of ``kernel`` on the stored values, and the first pair's residual image.

    The RMSE is over the pixels the fit could use (away from the border, not clipped), on
    the 0..255 scale. With ``sample`` (a number of values) and images that have over
    twice as many usable values, it is measured on :data:`CHOICE_STRIPS` strips of rows
    spread evenly over each image, about ``sample`` values in all, and there is no
    residual image (None).
    """
    radius = kernel.shape[0] // 2
    edge = radius + 3 if margin is None else max(margin, radius)
    masks = [pixel_masks(pair, radius, edge, True, dict.fromkeys(REASONS, 0)) for pair in pairs]
    usable = sum(int(m.sum()) for pair_masks in masks for m in pair_masks)
    strips = sample is not None and usable > 2 * sample
    squares, count, first = 0.0, 0, None
    for pair, pair_masks in zip(pairs, masks, strict=True):
        h = pair.shape[0]
        spans = _strip_rows(h, edge, sample / usable) if strips else [(0, h)]
        for y0, y1 in spans:
            top, bottom = max(y0 - radius, 0), min(y1 + radius, h)
            residual = residual_image(pair, kernel, reporter.sub(1.0, 0.0), cancel, (top, bottom))
            first = residual if first is None and not strips else first
            planes = residual[:, :, None] if residual.ndim == 2 else residual
            for c, mask in enumerate(pair_masks):
                values = planes[y0 - top : y1 - top, :, c][mask[y0:y1]].astype(np.float64)
                squares += float(np.dot(values, values))
                count += values.size
    rmse = float(np.sqrt(squares / count)) if count else float("inf")
    return rmse, first


#: Strips of rows the choice between spaces is measured on (see :func:`_stored_error`).
CHOICE_STRIPS = 8
#: ... holding about this many usable values in all.
CHOICE_VALUES = 400_000


def _strip_rows(height: int, edge: int, fraction: float) -> list[tuple[int, int]]:
    """:data:`CHOICE_STRIPS` spans of rows, ``fraction`` of the rows inside ``edge`` in all,
    spread evenly from the first such row to the last."""
    inner = max(height - 2 * edge, 1)
    n = min(CHOICE_STRIPS, inner)
    tall = min(inner, max(1, -(-int(np.ceil(fraction * inner)) // n)))
    starts = np.linspace(edge, edge + inner - tall, n).round().astype(int)
    return [(int(y), int(y) + tall) for y in starts]


def _space_note(
    chosen: str,
    error: float,
    tried: list[tuple[str, float]] | None = None,
    probe: int | None = None,
    sampled: bool = False,
) -> str:
    """The report's line on the working space, with the error of the result on stored values.

    ``sampled``: the errors of ``tried`` were measured on strips of rows, not every pixel.
    """
    said = {
        "linear": "Made in linear light, as GIMP does",
        "perceptual": "Made on the stored values, as Photoshop, ImageJ and OpenCV do",
    }
    where = {"linear": "in linear light", "perceptual": "on the stored values"}
    line = f"{said[chosen]} (RMSE of the result on the stored values {error:.3g}"
    if tried:
        first = f"fitted up to {probe}x{probe} in each space first" if probe else "fitted"
        others = ", ".join(f"{e:.3g} {where[s]}" for s, e in tried)
        on = f" (on {CHOICE_STRIPS} strips of rows spread over each image)" if sampled else ""
        line += f"; {first}: {others}{on}"
    return line + ")."


def _solve_space(
    checked: list[Pair],
    fixed: int | None,
    mode: str,
    solver: str,
    loss: str,
    margin: int | None,
    cancel: CancelToken | None,
    on_step: Callable[[int, float, np.ndarray], None] | None,
    seed: int,
    exclude_clipped: bool,
    max_size: int,
    solver_options: dict[str, Any],
    reporter: Reporter,
    held_rows: int | None = None,
) -> FitResult:
    """One fit on pairs in their working space (stored values or linear light), unreported.

    ``held_rows`` caps the held-out pixels per group (by default up to 4e6 / unknowns, at
    least 20,000): a probe on a small sample needs no more held out than it trains on.
    """
    started = time.perf_counter()
    sizes = candidate_sizes(fixed, checked, max_size)
    channels = checked[0].channels
    unknowns = (channels if mode == "color" else 1) * max(sizes) ** 2 + 1
    if unknowns > MAX_UNKNOWNS:
        raise LearnError(
            f"a {max(sizes)}x{max(sizes)} {mode} kernel has {unknowns:,} unknowns, more than "
            f"the {MAX_UNKNOWNS:,} that can be learned at once: choose a smaller size"
            + (" or the shared or per-channel mode" if mode == "color" else "")
        )
    total_values = sum(p.shape[0] * p.shape[1] * p.channels for p in checked)
    groups, counts, sizes = _usable_groups(
        checked, sizes, fixed is None, margin, mode, exclude_clipped, reporter
    )
    big = max(sizes)
    taps = groups[0].in_channels * big * big
    used_values = sum(g.usable_values for g in groups)
    missing = total_values - sum(counts.values()) - used_values
    if missing > 0:  # luma and colour rows go when any channel of the pixel was left out
        counts["another channel"] += missing

    rng = np.random.default_rng(seed)
    q = taps + 1
    budget = int(solver_options.pop("max_rows", max(100_000, int(5e9 / q**2))))
    for group in groups:
        reporter.check()
        hold_cap = max(20_000, int(4e6 / q)) if held_rows is None else held_rows
        split_rows(group, budget, 0.1, hold_cap, rng)
    reporter.check()

    history: list[float] = []
    arrange = kernel_layout(groups, big, channels, mode)
    fits: list[GroupFit] = []
    checks: list[GroupFit] = []
    if solver == "exact" or len(sizes) > 1 or exclude_clipped:
        # The adam solver uses this fit only to choose the size and find clipped pixels.
        spans = ((0.0, 0.4), (0.4, 0.45)) if solver == "exact" else ((0.0, 0.1), (0.1, 0.05))
        fits, checks = solve_exact(groups, sizes, reporter.sub(*spans[0]))
        if exclude_clipped and leave_out_clipped(groups, checks, counts, reporter):
            fits, checks = solve_exact(groups, sizes, reporter.sub(*spans[1]))
    if solver == "adam":
        chosen = checks[0].size if checks else big
        size_errors = checks[0].size_errors if checks else {}
        arrange = kernel_layout(groups, chosen, channels, mode)
        fits, history = solve_adam(
            groups,
            chosen,
            reporter.sub(0.15, 0.7),
            loss=loss,
            on_step=on_step,
            layout=arrange,
            rng=rng,
            **solver_options,
        )
        for f in fits:
            f.size_errors = size_errors
        checks = fits
    k = fits[0].size
    arrange = kernel_layout(groups, k, channels, mode)

    rmse, r2, pair_r2 = evaluate(groups, checks, k)
    for p, v in sorted(pair_r2.items(), key=lambda item: item[1]):
        # A poor fit is refused only when the after image is not the before image filtered
        # (different picture, shifted, flipped); a filter that is not linear gets a report.
        pair = next(c for c in checked if c.index == p)
        reason = None
        if v < 0.98:
            # Judged in the fit's space: a tone curve that no kernel explains on the stored
            # values can still line up with the before image in linear light.
            images = [pair.before_image, pair.after_image]
            if pair.space == "linear":
                images = [decode(image) for image in images]
            reason = unrelated_reason(*images, v, k // 2)
        if reason:
            raise LearnError(
                f"pair {p}: the after image does not look like a filtered copy of the before "
                f"image (a kernel explains only {v:.0%} of it): {reason}",
                pair=p,
            )
    # Within float noise of integers or n/d: those values, as the other program had them.
    weights, offset = snap_to_simple(
        arrange([f.weights for f in fits]), kernel_offsets(fits, channels, mode)
    )
    psnr = float("inf") if rmse < 1e-9 else float(20 * np.log10(255.0 / rmse))
    used_fraction = used_values / max(total_values, 1)
    worst = None
    if len(pair_r2) > 1:
        wp = min(pair_r2, key=pair_r2.get)
        if pair_r2[wp] < 0.98 and pair_r2[wp] < r2 - 0.02:
            worst = (wp, pair_r2[wp])
    loss_note = "" if loss == "l2" else f", {loss} loss"
    kernel = Kernel(
        weights,
        offset=offset,
        name=f"Learned {k}x{k}",
        category="Learned",
        description=(
            f"Learned from {len(checked)} pair{'s' if len(checked) > 1 else ''} "
            f"({mode}, {solver} solver{loss_note}): held-out RMSE {rmse:.3g}, "
            f"PSNR {psnr_text(psnr)}, R-squared {r2:.4f}."
        ),
    )
    return _Solved(
        checked, groups, counts, fits, checks, history, k, big, arrange, weights, offset,
        rmse, psnr, r2, used_fraction, worst, kernel, started, total_values,
        (mode, solver, loss, margin, exclude_clipped),
    )  # fmt: skip


class _Solved(NamedTuple):
    """A fit in one space before its report: what :func:`_report` needs to write one."""

    checked: list[Pair]
    groups: list[Group]
    counts: dict[str, int]
    fits: list[GroupFit]
    checks: list[GroupFit]
    history: list[float]
    k: int
    big: int
    arrange: Callable
    weights: np.ndarray
    offset: Any
    rmse: float
    psnr: float
    r2: float
    used_fraction: float
    worst: tuple[int, float] | None
    kernel: Kernel
    started: float
    total_values: int
    options: tuple[str, str, str, int | None, bool]  # mode, solver, loss, margin, clipped


def _report(solved: _Solved, residual: np.ndarray, stored: Pair) -> FitResult:
    """The fit's result with its report (findings), in the kernel's space.

    ``residual`` is the first pair's on the stored values (see :func:`_measured`), and
    ``stored`` that pair as given: what the residual is described against.
    """
    (checked, groups, counts, fits, checks, history, k, big, arrange, weights, offset, rmse,
     psnr, r2, used_fraction, worst, kernel, started, total_values, options) = solved  # fmt: skip
    mode, solver, loss, margin, exclude_clipped = options
    edge = big // 2 + 3 if margin is None else max(margin, big // 2)
    left_out = left_out_map(checked[0], big // 2, edge, exclude_clipped)
    notes = findings(
        weights,
        offset,
        r_squared=r2,
        rmse=rmse,
        used_fraction=used_fraction,
        excluded=counts,
        total_values=total_values,
        worst_pair=worst,
        larger_tried=any(s > k for s in fits[0].size_errors),
        jpeg=looks_like_jpeg(residual),
        uncertainty=(
            arrange([f.uncertainty for f in checks])
            if all(f.uncertainty is not None for f in checks)
            else None
        ),
        residual_kind=describe_residual(stored, residual) if r2 < 0.98 or rmse > 3 else "",
    )
    report = FitReport(
        space=kernel.space,
        rmse=rmse,
        psnr=psnr,
        r_squared=r2,
        used_fraction=used_fraction,
        excluded={r: n for r, n in counts.items() if n},
        residual=residual,
        left_out=left_out,
        loss_history=history,
        findings=notes,
        size=k,
        mode=mode,
        solver=solver,
        seconds=time.perf_counter() - started,
        pairs=len(checked),
        fitted_pixels=sum(s.train.size * s.values * g.outputs for g in groups for s in g.sources),
        ridge=float(checks[0].ridge),
        size_errors=dict(fits[0].size_errors),
        loss=loss,
        on_luma=any(s.parts for g in groups for s in g.sources),
    )
    return FitResult(kernel, kernel.offset, report)
