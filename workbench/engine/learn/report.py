"""The fit report: how well a learned kernel reproduces the after image, and what it is.

Findings are short sentences for a person, not numbers for a program: whether the kernel is
symmetric or separable, what its sum says it does (a blur keeps brightness and sums to 1, an
edge filter sums to 0), and whether the fit is poor enough that the other program's filter is
probably not a convolution at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.engine.convolve import apply_kernel
from workbench.engine.kernel import Kernel
from workbench.engine.learn.layer import thin_product
from workbench.engine.learn.pairs import Pair
from workbench.engine.learn.rows import Group, GroupFit, held_out
from workbench.engine.progress import CancelToken, Reporter

__all__ = [
    "EXACT_PSNR",
    "FitReport",
    "alignment",
    "describe_residual",
    "evaluate",
    "findings",
    "frequency_response",
    "looks_like_jpeg",
    "psnr_text",
    "r_squared",
    "residual_image",
    "residual_pattern",
    "unrelated_reason",
]


#: PSNR at or above this is float rounding, not a measurement: say "exact match" instead.
EXACT_PSNR = 100.0


def psnr_text(psnr: float) -> str:
    """``"38.2 dB"``, or ``"exact match"`` for a PSNR that only float rounding limits."""
    if not np.isfinite(psnr) or psnr >= EXACT_PSNR:
        return "exact match"
    return f"{psnr:.1f} dB"


@dataclass
class FitReport:
    """How a learned kernel fits its pairs.

    Attributes
    ----------
    rmse, psnr : float
        Root-mean-square error and peak signal-to-noise ratio on held-out pixels (pixels not
        used to fit), in the 0..255 scale.
    r_squared : float
        Share of the after image's variation (on held-out pixels) the kernel explains.
    used_fraction : float
        Share of all pixel values (over every pair and channel) that could be used.
    excluded : dict of str to int
        Pixel values left out, by reason: ``"border margin"``, ``"transparent"``,
        ``"not a number"``, ``"clipped"``, ``"another channel"`` (a pixel whose other
        channel was left out, in modes that use all channels of a pixel together).
    residual : ndarray
        ``after - reproduced`` for the first pair, float32 on the 0..255 scale, ``H x W`` or
        ``H x W x C`` (colour channels); large near the border if the other program treats
        edges differently.
    left_out : ndarray or None
        ``H x W`` bool for the first pair: True where the fit left the pixel out (border
        margin, transparent, not a number, clipped), so its residual is no error of the fit.
    loss_history : list of float
        The loss after each Adam step (empty for the exact solver).
    findings : list of str
        Plain-language observations about the kernel and the fit.
    size, mode, solver : int, str, str
        What was fitted.
    seconds : float
        Wall-clock time of the fit.
    pairs : int
        Number of pairs fitted together.
    fitted_pixels : int
        Pixel values the solver actually used (a random sample for large images).
    ridge : float
        Ridge weight the exact solver picked, relative to the pixels' mean variance
        (1e-15, the smallest tried, means none in effect).
    size_errors : dict of int to float
        Held-out RMSE for each size tried when the size was chosen automatically.
    loss : str
        The loss minimised: ``l2``, ``huber`` or ``l1``.
    space : str
        Where the kernel was made: ``linear`` (linear light, as GIMP does) or ``perceptual``
        (the stored values), with ``space_note`` saying so and why.
    on_luma : bool
        The shared kernel of an RGB pair was fitted on luma (brightness), as JPEG keeps it
        at full resolution; ``size_errors`` are then luma errors, while ``rmse`` is always
        measured on the colour channels themselves.
    """

    rmse: float
    psnr: float
    r_squared: float
    used_fraction: float
    excluded: dict[str, int]
    residual: np.ndarray
    left_out: np.ndarray | None
    loss_history: list[float]
    findings: list[str]
    size: int
    mode: str
    solver: str
    seconds: float
    pairs: int = 1
    fitted_pixels: int = 0
    ridge: float = 0.0
    size_errors: dict[int, float] = field(default_factory=dict)
    loss: str = "l2"
    on_luma: bool = False
    space: str = "perceptual"
    space_note: str = ""

    def summary(self) -> str:
        """Several lines of plain text for the command line and the learn dialog."""
        pairs = f"{self.pairs} pair" + ("s" if self.pairs != 1 else "")
        loss = "" if self.loss == "l2" else f", {self.loss} loss"
        lines = [
            f"Learned a {self.size}x{self.size} kernel ({self.mode}, {self.solver} solver{loss}) "
            f"from {pairs} in {self.seconds:.2f} s.",
            f"Fit on held-out pixels: RMSE {self.rmse:.3g} (0..255 scale), "
            f"PSNR {_db(self.psnr)}, R-squared {self.r_squared:.5f}.",
        ]
        total = self.fitted_pixels
        left = sum(self.excluded.values())
        used = f"Pixel values used: {self.used_fraction:.1%}"
        if left:
            whole = left / max(1.0 - self.used_fraction, 1e-12)
            parts = [f"{reason} {n / whole:.1%}" for reason, n in self.excluded.items() if n]
            used += " (left out: " + ", ".join(parts) + ")"
        if total:
            used += f"; fitted on {total:,} values"
        lines.append(used + ".")
        if len(self.size_errors) > 1:
            sizes = ", ".join(
                f"{s}x{s} {e:.3g}" + (" (chosen)" if s == self.size else "")
                for s, e in sorted(self.size_errors.items())
            )
            luma = " (on luma)" if self.on_luma else ""
            lines.append(f"Held-out RMSE by size{luma}: {sizes}.")
        if self.space_note:
            lines.append(self.space_note)
        if self.findings:
            lines.append("Findings:")
            lines.extend(f"  - {f}" for f in self.findings)
        return "\n".join(lines)


def _db(value: float) -> str:
    return psnr_text(value)


def _asymmetry(w: np.ndarray, other: np.ndarray, slack: np.ndarray) -> float:
    """How far ``w`` is from ``other`` beyond what the weights' uncertainty allows."""
    return float(np.max(np.abs(w - other) - slack))


#: Frequencies per axis at which a kernel's response is looked at (cycles per pixel 0..0.5).
_RESPONSE_GRID = 32


def frequency_response(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``|H|`` of a 2-D kernel on a grid of frequencies, and the radial frequency there.

    The response is what the kernel multiplies a pattern of that frequency by: 1 keeps
    it, below 1 softens it (a blur), above 1 boosts it (a sharpen). Frequencies are in
    cycles per pixel (0 = flat areas, 0.5 = the finest detail, alternating pixels).
    """
    n = max(_RESPONSE_GRID, *w.shape)
    h = np.abs(np.fft.rfft2(w, s=(n, n)))
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    return h, np.hypot(fy, fx)


def _response_words(w: np.ndarray, total: float, slack: float, mirrored: bool) -> str:
    """What the frequency response says the kernel does to detail (for a sum far from 0).

    ``slack`` is how uncertain the response is: a gain counts as above or below 1 only
    beyond it. ``mirrored`` kernels (left-right and top-bottom) are not said to favour a
    direction.
    """
    h, radius = frequency_response(w)
    gain = h / abs(total)
    eps = slack / abs(total) + 0.01
    fine = radius >= 0.35
    top = float(gain.max())
    fine_gain = float(gain[fine].mean())
    ring = gain[(radius >= 0.3) & (radius <= 0.5)]
    uneven = not mirrored and float(ring.max() - ring.min()) > 0.5 * max(1.0, float(ring.max()))
    direction = ", more in some directions than others" if uneven else ""
    if top <= 1.0 + eps and fine_gain < 1.0 - eps:
        return f"a blur (its response falls to {fine_gain:.2f} for the finest detail{direction})"
    if top > 1.0 + eps and float(radius.ravel()[int(np.argmax(gain))]) >= 0.15:
        return f"a sharpen (it boosts fine detail up to {top:.2f}x{direction})"
    if np.all(np.abs(gain - 1.0) <= eps):
        return "it barely changes detail"
    return "it boosts some frequencies and softens others (a band-pass filter)"


def _shape_findings(
    w: np.ndarray, tol: float, loose: bool = False, spread: np.ndarray | None = None
) -> list[str]:
    """Symmetry, separability and what the frequency response means, for one kernel.

    ``spread`` is how well each weight is known (see ``GroupFit.uncertainty``): a
    difference counts only beyond three times it, plus ``tol`` (float noise, 8-bit
    rounding). ``loose`` says the fit is well above 8-bit rounding noise, so a heavy outer
    ring suggests the kernel is cut short.
    """
    out = []
    k = w.shape[0]
    peak = float(np.max(np.abs(w)))
    if peak < 1e-9:
        return ["all weights are zero: the after image does not depend on the before image"]
    u = np.zeros_like(w) if spread is None else 3.0 * np.asarray(spread, float)
    slack = u + tol

    def same(other: np.ndarray, other_u: np.ndarray) -> bool:
        return _asymmetry(w, other, slack + other_u) <= 0.0

    lr = same(w[:, ::-1], u[:, ::-1])
    ud = same(w[::-1, :], u[::-1, :])
    tr = w.shape[0] == w.shape[1] and same(w.T, u.T)
    rot = same(w[::-1, ::-1], u[::-1, ::-1])
    if k == 1:
        pass
    elif lr and ud and tr:
        out.append("symmetric in every direction (the same along rows, columns and diagonals)")
    elif lr and ud:
        out.append(
            "mirror-symmetric left-right and top-bottom (not the same along rows and columns)"
        )
    elif lr or ud:
        out.append("mirror-symmetric " + ("left-right" if lr else "top-bottom") + " only")
    elif rot:
        out.append("point-symmetric (unchanged by a half turn)")
    else:
        out.append(
            "not symmetric: it treats directions differently (e.g. a motion blur, emboss or shift)"
        )
    if k > 1:
        s = np.linalg.svd(w, compute_uv=False)
        if s[0] > 0 and s[1] <= tol * k + float(np.sqrt(np.sum(u * u))):
            out.append("separable (a column times a row): it applies fast as two 1-D passes")

    total = float(w.sum())
    # Weight errors add up like independent ones in the sum and the response; float and
    # rounding noise (tol) stays per weight.
    response_slack = float(np.sqrt(np.sum(u * u))) + tol * np.sqrt(w.size)
    centre = float(w[k // 2, k // 2])
    others = w.copy()
    others[k // 2, k // 2] = 0.0
    sum_tol = max(0.02, tol * k, response_slack)
    top = np.unravel_index(int(np.argmax(np.abs(w))), w.shape)
    shift = (
        top != (k // 2, k // 2)
        and abs(abs(float(w[top])) - 1.0) <= 0.05
        and float(np.sum(np.abs(w))) - abs(float(w[top])) <= 0.1
    )
    directional = not rot and float(w.min()) < -float(slack.max()) and centre < float(others.max())
    if shift:
        dy, dx = top[0] - k // 2, top[1] - k // 2
        out.append(f"mostly one weight off centre: a shift by {dx} px across and {dy} px down")
    elif abs(total) <= sum_tol:
        out.append(f"sums to {total:.2f}: an edge or emboss filter (flat areas become the offset)")
    else:
        keeps = abs(total - 1.0) <= sum_tol
        brightness = (
            "keeps brightness"
            if keeps
            else ("brightens" if total > 1 else "darkens") + " the image as well"
        )
        if keeps and abs(centre - 1.0) <= tol and float(np.max(np.abs(others))) <= tol:
            out.append("close to the identity: the two images barely differ")
        elif directional:
            out.append(
                f"sums to {total:.2f} ({brightness}) with negative weights off centre: a "
                "directional filter such as an emboss"
            )
        else:
            words = _response_words(w, total, response_slack, lr and ud)
            out.append(f"sums to {total:.2f} ({brightness}): {words}")
    if k > 1:
        ring = np.abs(w).copy()
        ring[1:-1, 1:-1] = 0.0
        if k >= 5 and loose and float(ring.max()) > 0.1 * peak:
            out.append(
                "the outermost weights are still large and the fit is not exact: a larger "
                "size (or size auto) may fit better"
            )
    return out


def findings(
    weights: np.ndarray,
    offset: float | tuple[float, ...],
    *,
    r_squared: float,
    rmse: float,
    used_fraction: float,
    excluded: dict[str, int],
    total_values: int,
    worst_pair: tuple[int, float] | None = None,
    larger_tried: bool = False,
    jpeg: bool = False,
    uncertainty: np.ndarray | None = None,
    residual_kind: str = "",
) -> list[str]:
    """Plain-language findings about a learned kernel (``k x k`` or ``out x in x k x k``).

    ``larger_tried`` says "auto" already found larger sizes no better, so a heavy outer
    ring is not a hint to try one; ``jpeg`` that the residual shows JPEG's 8x8 blocks;
    ``uncertainty`` how well each weight is known (the weights' shape), so that symmetry
    and the kind of filter are only claimed beyond it; ``residual_kind`` what the
    residual looks like (see :func:`residual_pattern`), for a filter that is not linear.
    """
    tol = max(2e-3, 3e-3 * float(np.max(np.abs(weights))) + min(rmse, 10.0) * 2e-4)
    loose = rmse > 0.6 and not larger_tried
    notes = []
    if weights.ndim == 4:
        n = weights.shape[0]
        eye = np.eye(n, dtype=bool)
        diag = np.stack([weights[c, c] for c in range(n)])
        # The mean of the channels' kernels is known at least as well as the worst of them.
        u_diag = (
            None
            if uncertainty is None
            else np.stack([uncertainty[c, c] for c in range(n)]).max(axis=0)
        )
        off = float(np.max(np.abs(weights[~eye]))) if n > 1 else 0.0
        # Channels of a photo move together, so cross-channel weights are poorly pinned
        # down: only clear ones count as mixing.
        mix_tol = tol
        if off > 0.0:  # a colour fit: its weights are only known this well
            peak = float(np.max(np.abs(diag)))
            tol, mix_tol = max(tol, 0.04 * peak), max(tol, 0.1 * peak)
        if off > mix_tol:
            notes.append(f"mixes colour channels (cross-channel weights up to {off:.3g})")
            grey = weights.sum(axis=1).mean(axis=0)
            notes.extend(f"on a gray image: {s}" for s in _shape_findings(grey, tol, loose))
        else:
            if off > 0.0:
                notes.append(
                    f"barely mixes colour channels (cross-channel weights up to "
                    f"{off:.2g}): per-channel mode would do"
                )
            spread = float(np.max(np.abs(diag - diag.mean(axis=0))))
            if spread <= tol:
                notes.append("every channel has about the same kernel: shared mode would do")
                notes.extend(_shape_findings(diag.mean(axis=0), tol, loose, u_diag))
            else:
                notes.append(f"the channels' kernels differ (by up to {spread:.3g})")
                for c, name in zip(range(n), "RGB", strict=False):
                    u_c = None if uncertainty is None else uncertainty[c, c]
                    shape = _shape_findings(diag[c], tol, False, u_c)[:3]
                    notes.extend(f"{name}: {s}" for s in shape)
    else:
        notes.extend(_shape_findings(weights, tol, loose, uncertainty))
    offsets = offset if isinstance(offset, tuple) else (offset,)
    if max(abs(o) for o in offsets) >= 0.5:
        shown = ", ".join(f"{o:.1f}" for o in offsets)
        notes.append(f"adds an offset of {shown} (0..255 scale)")
    if (r_squared < 0.98 or rmse > 3.0) and not jpeg:
        notes.append(
            f"not one linear filter (R-squared {r_squared:.3f}, RMSE {rmse:.1f}): the kernel "
            f"above is the best linear one, but the other program's filter is not linear; "
            + (residual_kind or "the residual shows where it differs")
        )
    elif rmse > 3.0:
        notes.append(
            f"rough fit (RMSE {rmse:.1f}): the filter may be partly non-linear, or "
            "the after image heavily compressed"
        )
    if jpeg and rmse > 0.6:
        notes.append(
            "the after image was saved as JPEG (its 8x8 blocks show in the residual): that "
            "explains most of the error, and a strong sharpen may come out slightly softer"
        )
    if worst_pair is not None:
        notes.append(
            f"pair {worst_pair[0]} fits worst (R-squared {worst_pair[1]:.3f}): check "
            "it is the same filter"
        )
    clipped = excluded.get("clipped", 0)
    if total_values and clipped / total_values > 0.05:
        notes.append(
            f"{clipped / total_values:.0%} of the after values are clipped (pure black "
            "or white) and were left out"
        )
    if used_fraction < 0.2:
        notes.append(f"only {used_fraction:.0%} of the pixel values could be used")
    return notes


def evaluate(
    groups: list[Group], fits: list[GroupFit], size: int
) -> tuple[float, float, dict[int, float]]:
    """Held-out RMSE, R-squared, and R-squared per pair (0..255 scale)."""
    sse = sst = 0.0
    count = 0
    per_pair: dict[int, list[float]] = {}
    for group, fit in zip(groups, fits, strict=True):
        x, y, pair = held_out(group, size, by_channel=True)
        if not x.shape[0]:
            continue
        pred = thin_product(x[:, :-1], fit.weights) + fit.offset
        err = (y - pred) ** 2
        dev = (y - y.mean(axis=0)) ** 2
        sse += float(err.sum())
        sst += float(dev.sum())
        count += err.size
        for p in np.unique(pair):
            sel = pair == p
            acc = per_pair.setdefault(int(p), [0.0, 0.0])
            acc[0] += float(err[sel].sum())
            acc[1] += float(((y[sel] - y[sel].mean(axis=0)) ** 2).sum())
    rmse = float(np.sqrt(sse / max(count, 1)))
    pair_r2 = {p: r_squared(e, t, count) for p, (e, t) in per_pair.items()}
    return rmse, r_squared(sse, sst, count), pair_r2


def r_squared(sse: float, sst: float, count: int) -> float:
    if sst <= 1e-12 * max(count, 1):
        # A flat after image: explained exactly, or not at all.
        return 1.0 if sse <= 1e-6 * max(count, 1) else 0.0
    return max(0.0, 1.0 - sse / sst)


def _float_image(image: np.ndarray, scale: float) -> np.ndarray:
    """``image`` as float32 times ``scale``, in one copy."""
    out = image.astype(np.float32)
    if scale != 1.0:
        out *= np.float32(scale)
    return out


def residual_image(
    pair: Pair,
    kernel: Kernel,
    reporter: Reporter,
    cancel: CancelToken | None,
    rows: tuple[int, int] | None = None,
) -> np.ndarray:
    """``after - apply_kernel(before)`` on the 0..255 scale, float32, colour channels.

    With ``rows`` (``top, bottom``) only those rows of the images are filtered and
    compared: rows more than the kernel's radius from both ends are then the whole
    image's, and the others are made up by the reflect border.
    """
    done = [0.0]

    def forward(fraction: float) -> None:
        reporter.advance(fraction - done[0])
        done[0] = fraction

    options = {"border": "reflect", "progress": forward, "cancel": cancel}
    before, after = pair.before_image, pair.after_image
    if rows is not None:
        before, after = before[rows[0] : rows[1]], after[rows[0] : rows[1]]
    if before.dtype.kind == "u":
        # Integer values as they are, the result unclipped on a 0..1 scale: no float copy
        # of the image first, and linear light is decoded through the table.
        reproduced = apply_kernel(before, kernel, out_range="float", **options)
    else:  # float images: 0..1
        x = _float_image(before, pair.before_scale / 255.0)
        reproduced = apply_kernel(x, kernel, **options)
    residual = _float_image(after, pair.after_scale)
    reproduced *= np.float32(255.0)
    residual -= reproduced
    return residual


#: Rows of a large residual that :func:`looks_like_jpeg` reads, in strips of
#: :data:`JPEG_STRIP_ROWS` spread over the image: the block statistic is a mean, and a few
#: million values pin it down (the whole 12 MP residual took 0.24 s).
JPEG_ROWS = 1024
JPEG_STRIP_ROWS = 64


def looks_like_jpeg(residual: np.ndarray) -> bool:
    """Whether the residual changes differently across JPEG's 8x8 block edges than inside.

    A clean residual (rounding noise, or a filter that is not quite linear) has no
    8-pixel period; a JPEG after image's error is made block by block, so its steps at
    block edges are clearly larger (blurred content) or smaller (sharpened content).
    Residuals taller than :data:`JPEG_ROWS` are read in strips that start on a block row.
    """
    if min(residual.shape[:2]) < 48:
        return False
    r = residual[8:-8, 8:-8]  # the border is off for other reasons; 8 keeps the block phase
    if r.shape[0] > JPEG_ROWS:
        count = JPEG_ROWS // JPEG_STRIP_ROWS
        starts = np.linspace(0, r.shape[0] - JPEG_STRIP_ROWS, count).astype(int) // 8 * 8
        strips = np.stack([r[s : s + JPEG_STRIP_ROWS] for s in starts])
    else:
        strips = r[None]
    if strips.ndim == 4:
        strips = strips.mean(axis=3)
    ratios = []
    for axis in (1, 2):  # down and across each strip: no step spans two strips
        steps = np.abs(np.diff(strips, axis=axis))
        edge = np.arange(steps.shape[axis]) % 8 == 7
        on = np.compress(edge, steps, axis=axis).mean()
        off = np.compress(~edge, steps, axis=axis).mean()
        ratios.append(np.log(max(on, 1e-12) / max(off, 1e-12)))
    return bool(min(abs(v) for v in ratios) > 0.18 and ratios[0] * ratios[1] > 0)


def residual_pattern(residual: np.ndarray, after: np.ndarray, margin: int = 8) -> str:
    """What the residual of the best linear kernel looks like, in words.

    ``residual`` is ``after - reproduced`` (0..255 scale), ``after`` the after image on the
    same scale. A *threshold* leaves the after image with nearly two values; a *tone
    curve* (curves, levels, histogram equalisation after a filter) leaves a residual that
    follows the reproduced brightness, so a curve through it explains much of it; anything
    else is *local*: it depends on each neighbourhood (a median, min/max, bilateral...).
    """
    r, a = residual, np.asarray(after).reshape(residual.shape)
    if min(r.shape[:2]) > 4 * margin:
        r, a = r[margin:-margin, margin:-margin], a[margin:-margin, margin:-margin]
    step = max(1, int(np.sqrt(r.size / 200_000)))  # a sample is plenty for words
    r = r[::step, ::step].astype(np.float64).ravel()
    a = a[::step, ::step].astype(np.float64).ravel()
    if r.size < 64 or float(r.var()) <= 1e-12:
        return "the residual is too small to say more"
    levels, counts = np.unique(np.round(a), return_counts=True)
    two = float(np.sort(counts)[-2:].sum()) / a.size
    if levels.size >= 2 and two >= 0.8:
        return (
            f"the after image is nearly two-valued ({two:.0%} of it at two levels): a "
            "threshold, which no kernel can make"
        )
    reproduced = a - r
    edges = np.unique(np.quantile(reproduced, np.linspace(0, 1, 33)))
    bins = np.clip(np.searchsorted(edges, reproduced, side="right") - 1, 0, edges.size - 1)
    count = np.bincount(bins, minlength=edges.size)
    curve = np.bincount(bins, weights=r, minlength=edges.size) / np.maximum(count, 1)
    explained = 1.0 - float(np.var(r - curve[bins])) / float(np.var(r))
    if explained >= 0.4:
        return (
            f"the residual follows the brightness ({explained:.0%} of it is one curve of "
            "the reproduced value): a tone curve (curves, levels, equalisation) applied "
            "after a linear filter"
        )
    return (
        f"the residual is local (a tone curve explains only {max(explained, 0.0):.0%} of it): "
        "it depends on each neighbourhood, as a median, minimum/maximum or edge-aware "
        "filter does"
    )


def describe_residual(pair: Pair, residual: np.ndarray) -> str:
    """:func:`residual_pattern` for the first pair's residual (see :func:`residual_image`)."""
    after = _float_image(pair.after_image, pair.after_scale)
    return residual_pattern(residual, after)


def _luma_plane(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image, np.float64)
    if img.ndim == 3:
        img = img[:, :, : min(3, img.shape[2])].mean(axis=2)
    return img


def alignment(before: np.ndarray, after: np.ndarray) -> tuple[str, tuple[int, int], float]:
    """How ``after`` lines up with ``before``: orientation, shift (dx, dy), peak strength.

    Phase correlation of the two (brightness only, whitened spectra): a filtered copy, even
    through a tone curve, gives a sharp peak at no shift; a shifted, flipped or turned copy
    a sharp peak elsewhere or for that orientation; two different pictures no clear peak.
    The strength is the peak's height in standard deviations of the correlation surface.
    """
    b, a = _luma_plane(before), _luma_plane(after)
    step = max(1, max(b.shape) // 256)
    b, a = b[::step, ::step], a[::step, ::step]
    orientations = [("", b), ("flipped left-right", b[:, ::-1]), ("flipped top-bottom", b[::-1])]
    orientations.append(("turned half a turn", b[::-1, ::-1]))
    if b.shape[0] == b.shape[1]:
        orientations += [("turned a quarter turn", np.rot90(b)), ("turned", np.rot90(b, -1))]
    fa = np.fft.rfft2(a - a.mean())
    best = ("", (0, 0), 0.0)
    for name, candidate in orientations:
        fb = np.fft.rfft2(candidate - candidate.mean())
        cross = fa * np.conj(fb)
        cross /= np.maximum(np.abs(cross), 1e-12)
        surface = np.fft.irfft2(cross, s=a.shape)
        i = int(np.argmax(surface))
        strength = float((surface.ravel()[i] - surface.mean()) / max(surface.std(), 1e-12))
        if strength > best[2]:
            dy, dx = np.unravel_index(i, surface.shape)
            dy = dy - a.shape[0] if dy > a.shape[0] // 2 else dy
            dx = dx - a.shape[1] if dx > a.shape[1] // 2 else dx
            best = (name, (int(dx) * step, int(dy) * step), strength)
    return best


#: Phase-correlation peak (in standard deviations) that counts as the same picture: a
#: filtered copy gives 40 to 160, two different photos about 4.
SAME_PICTURE_PEAK = 12.0

#: Below this held-out R-squared, with no clear alignment either, the after image is not a
#: filtered copy of the before image.
UNRELATED_R2 = 0.2


def unrelated_reason(
    before: np.ndarray, after: np.ndarray, r_squared: float, radius: int
) -> str | None:
    """Why a poorly fitted pair is not a filtered copy, or None if it is one.

    None means the after image lines up with the before image as it is, or shifted by no
    more than the kernel's ``radius`` (a kernel can shift): a filter that is simply not
    linear, which the report describes. Otherwise the reason, for the error message: the
    after image is flipped or turned, shifted beyond the kernel, or (when no kernel
    explains even ``UNRELATED_R2`` of it) a different picture.
    """
    name, (dx, dy), strength = alignment(before, after)
    if strength < SAME_PICTURE_PEAK:
        return "they look like different pictures" if r_squared < UNRELATED_R2 else None
    if name:
        return f"the after image is the before image {name}"
    if max(abs(dx), abs(dy)) > radius:
        return f"the after image is shifted by {dx} px across and {dy} px down: align them"
    return None
