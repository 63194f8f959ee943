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
    "evaluate",
    "findings",
    "looks_like_jpeg",
    "psnr_text",
    "r_squared",
    "residual_image",
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
        if self.findings:
            lines.append("Findings:")
            lines.extend(f"  - {f}" for f in self.findings)
        return "\n".join(lines)


def _db(value: float) -> str:
    return psnr_text(value)


def _asymmetry(w: np.ndarray, other: np.ndarray) -> float:
    return float(np.max(np.abs(w - other)))


def _shape_findings(w: np.ndarray, tol: float, loose: bool = False) -> list[str]:
    """Symmetry, separability and what the sum means, for one k x k kernel.

    ``loose`` says the fit is well above 8-bit rounding noise, so a heavy outer ring
    suggests the kernel is cut short.
    """
    out = []
    k = w.shape[0]
    peak = float(np.max(np.abs(w)))
    if peak < 1e-9:
        return ["all weights are zero: the after image does not depend on the before image"]
    lr = _asymmetry(w, w[:, ::-1]) <= tol
    ud = _asymmetry(w, w[::-1, :]) <= tol
    tr = _asymmetry(w, w.T) <= tol
    rot = _asymmetry(w, w[::-1, ::-1]) <= tol
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
        if s[0] > 0 and s[1] <= tol * k:
            out.append("separable (a column times a row): it applies fast as two 1-D passes")

    total = float(w.sum())
    centre = float(w[k // 2, k // 2])
    others = w.copy()
    others[k // 2, k // 2] = 0.0
    negative = float(w.min()) < -tol
    sum_tol = max(0.02, tol * k)
    top = np.unravel_index(int(np.argmax(np.abs(w))), w.shape)
    shift = (
        top != (k // 2, k // 2)
        and abs(abs(float(w[top])) - 1.0) <= 0.05
        and float(np.sum(np.abs(w))) - abs(float(w[top])) <= 0.1
    )
    if shift:
        dy, dx = top[0] - k // 2, top[1] - k // 2
        out.append(f"mostly one weight off centre: a shift by {dx} px across and {dy} px down")
    elif abs(total - 1.0) <= sum_tol:
        if abs(centre - 1.0) <= tol and float(np.max(np.abs(others))) <= tol:
            out.append("close to the identity: the two images barely differ")
        elif not negative:
            out.append(f"sums to {total:.2f} with no negative weights: a blur (keeps brightness)")
        elif centre >= float(np.max(others)):
            out.append(
                f"sums to {total:.2f} with negative weights around a strong centre: a "
                "sharpen (keeps brightness)"
            )
        else:
            out.append(
                f"sums to {total:.2f} with negative weights off centre: a directional "
                "filter such as an emboss (keeps brightness)"
            )
    elif abs(total) <= sum_tol:
        out.append(f"sums to {total:.2f}: an edge or emboss filter (flat areas become the offset)")
    else:
        change = "brightens" if total > 1 else "darkens"
        out.append(f"sums to {total:.2f}: it {change} the image as well as filtering it")
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
) -> list[str]:
    """Plain-language findings about a learned kernel (``k x k`` or ``out x in x k x k``).

    ``larger_tried`` says "auto" already found larger sizes no better, so a heavy outer
    ring is not a hint to try one; ``jpeg`` that the residual shows JPEG's 8x8 blocks.
    """
    tol = max(2e-3, 3e-3 * float(np.max(np.abs(weights))) + min(rmse, 10.0) * 2e-4)
    loose = rmse > 0.6 and not larger_tried
    notes = []
    if weights.ndim == 4:
        n = weights.shape[0]
        eye = np.eye(n, dtype=bool)
        diag = np.stack([weights[c, c] for c in range(n)])
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
                notes.extend(_shape_findings(diag.mean(axis=0), tol, loose))
            else:
                notes.append(f"the channels' kernels differ (by up to {spread:.3g})")
                for c, name in zip(range(n), "RGB", strict=False):
                    notes.extend(f"{name}: {s}" for s in _shape_findings(diag[c], tol)[:3])
    else:
        notes.extend(_shape_findings(weights, tol, loose))
    offsets = offset if isinstance(offset, tuple) else (offset,)
    if max(abs(o) for o in offsets) >= 0.5:
        shown = ", ".join(f"{o:.1f}" for o in offsets)
        notes.append(f"adds an offset of {shown} (0..255 scale)")
    if r_squared < 0.98:
        notes.append(
            f"poor fit, R-squared {r_squared:.2f}: the filter is probably not linear (curves, "
            f"median, local contrast) or the images are not aligned"
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
    pair: Pair, kernel: Kernel, reporter: Reporter, cancel: CancelToken | None
) -> np.ndarray:
    """``after - apply_kernel(before)`` on the 0..255 scale, float32, colour channels."""
    x = _float_image(pair.before_image, pair.before_scale / 255.0)  # float images: 0..1
    done = [0.0]

    def forward(fraction: float) -> None:
        reporter.advance(fraction - done[0])
        done[0] = fraction

    reproduced = apply_kernel(x, kernel, border="reflect", progress=forward, cancel=cancel)
    residual = _float_image(pair.after_image, pair.after_scale)
    reproduced *= np.float32(255.0)
    residual -= reproduced
    return residual


def looks_like_jpeg(residual: np.ndarray) -> bool:
    """Whether the residual changes differently across JPEG's 8x8 block edges than inside.

    A clean residual (rounding noise, or a filter that is not quite linear) has no
    8-pixel period; a JPEG after image's error is made block by block, so its steps at
    block edges are clearly larger (blurred content) or smaller (sharpened content).
    """
    r = residual if residual.ndim == 2 else residual.mean(axis=2)
    if min(r.shape) < 48:
        return False
    r = r[8:-8, 8:-8]  # the border is off for other reasons; 8 keeps the block phase
    ratios = []
    for axis in (0, 1):
        steps = np.abs(np.diff(r, axis=axis))
        edge = np.arange(steps.shape[axis]) % 8 == 7
        on = np.compress(edge, steps, axis=axis).mean()
        off = np.compress(~edge, steps, axis=axis).mean()
        ratios.append(np.log(max(on, 1e-12) / max(off, 1e-12)))
    return bool(min(abs(v) for v in ratios) > 0.18 and ratios[0] * ratios[1] > 0)
