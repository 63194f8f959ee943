"""The learner's findings are true: each one is checked where it holds and where it does not.

Pairs made by the real programs (fixtures, with the commands that made them):
tests/data/imagemagick/ (ImageMagick 6.9: Gaussian, -emboss, a 3x3 median) and
tests/data/gegl/ (GEGL 0.4, GIMP's engine: gaussian-blur, which works in linear light, so
on the stored values it is not exactly one linear filter).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import fit_kernel
from workbench.engine.learn import LearnError
from workbench.engine.learn.report import JPEG_ROWS, findings, looks_like_jpeg, residual_pattern

DATA = Path(__file__).parents[2] / "data"


def rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(DATA / name).convert("RGB"))


TRAIN = rgb("imagemagick/train.png")


def found(after: np.ndarray, size, space: str = "perceptual") -> list[str]:
    # On the stored values by default: the findings must be true of whatever kernel the fit
    # gives, also where (GEGL's linear-light blur) no kernel on stored values is exact.
    return fit_kernel([(TRAIN, after)], size, space=space).report.findings


def has(notes: list[str], phrase: str) -> bool:
    return any(phrase in n for n in notes)


# -- pairs from the real programs -----------------------------------------------------------
@pytest.mark.parametrize("size", [3, 5])
def test_imagemagick_gaussian_is_a_symmetric_blur_at_every_size(size):
    notes = found(rgb("imagemagick/train-gaussian.png"), size)
    assert has(notes, "a blur"), notes
    assert not has(notes, "sharpen") and not has(notes, "not symmetric"), notes
    assert has(notes, "symmetric in every direction"), notes


@pytest.mark.parametrize(
    ("size", "space"), [(3, "perceptual"), (5, "perceptual"), ("auto", "perceptual"), (5, "auto")]
)
def test_gegl_gaussian_blur_fitted_on_stored_values_is_a_blur_not_a_sharpen(size, space):
    notes = found(rgb("gegl/train-gaussian-blur.png"), size, space)
    assert has(notes, "a blur"), notes
    assert not has(notes, "sharpen"), notes
    assert not has(notes, "not symmetric"), notes


@pytest.mark.parametrize("size", [3, "auto"])
def test_median_gets_a_report_that_says_it_is_not_linear_and_local(size):
    result = fit_kernel([(TRAIN, rgb("imagemagick/train-median.png"))], size, space="perceptual")
    notes = result.report.findings
    assert not has(notes, "not symmetric"), notes
    assert has(notes, "not one linear filter"), notes
    assert has(notes, "the residual is local"), notes
    assert result.report.r_squared > 0.9  # the best linear kernel, with its R-squared


def test_emboss_gets_a_report_with_a_tone_curve():
    # ImageMagick's -emboss: a directional convolution, then histogram equalisation.
    notes = found(rgb("imagemagick/train-emboss.png"), 3)
    assert has(notes, "not one linear filter"), notes
    assert has(notes, "a tone curve"), notes
    assert not has(notes, "the residual is local"), notes


def test_a_threshold_is_named():
    after = np.where(TRAIN.mean(axis=2, keepdims=True) > 128, 200, 60).astype(np.uint8)
    notes = found(np.repeat(after, 3, axis=2), 3)
    assert has(notes, "not one linear filter") and has(notes, "threshold"), notes


def test_linear_pairs_are_not_called_non_linear():
    notes = found(rgb("imagemagick/train-gaussian.png"), 5)
    assert not has(notes, "not one linear filter"), notes


# -- refusals: only pairs that are not a filtered copy, saying which -------------------------
@pytest.mark.parametrize(
    ("after", "reason"),
    [
        (np.asarray(Image.open(DATA / "imagemagick/other.png").resize((160, 160))), "different"),
        (np.roll(rgb("imagemagick/train-gaussian.png"), (7, -12), (0, 1)), "shifted by -12 px"),
        (rgb("imagemagick/train-gaussian.png")[:, ::-1], "flipped left-right"),
        (np.rot90(rgb("imagemagick/train-gaussian.png")), "turned a quarter turn"),
    ],
)
def test_unrelated_pairs_are_refused_with_the_reason(after, reason):
    with pytest.raises(LearnError, match=f"does not look like a filtered copy.*{reason}"):
        fit_kernel([(TRAIN, np.ascontiguousarray(after))], 3)


def test_a_shift_the_kernel_can_hold_is_learned_not_refused():
    after = np.roll(rgb("imagemagick/train-gaussian.png"), (1, -1), (0, 1))
    notes = found(after, 5)
    assert not has(notes, "not one linear filter"), notes


# -- findings on kernels where each is and is not true --------------------------------------
def gauss(size: int, sigma: float) -> np.ndarray:
    a = np.arange(size) - size // 2
    g = np.exp(-(a**2) / (2 * sigma**2))
    w = np.outer(g, g)
    return w / w.sum()


def notes_for(w, spread=None, **kw):
    args = dict(r_squared=0.9999, rmse=0.3, used_fraction=1.0, excluded={}, total_values=1)
    args.update(kw)
    return findings(np.asarray(w, float), 0.0, uncertainty=spread, **args)


def test_blur_with_a_tiny_negative_weight_is_still_a_blur():
    # ImageMagick's truncated Gaussian at 5x5 fits with an outer weight of -0.003.
    w = gauss(5, 1.0)
    w[0, 2] -= 0.003
    w /= w.sum()
    notes = notes_for(w, np.full((5, 5), 0.002))
    assert has(notes, "a blur") and not has(notes, "sharpen"), notes


def test_a_real_sharpen_is_a_sharpen_and_not_a_blur():
    w = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0.0]])
    notes = notes_for(w, np.full((3, 3), 0.01))
    assert has(notes, "a sharpen") and not has(notes, "a blur"), notes
    assert not has(notes_for(gauss(3, 0.8)), "a sharpen")


def test_asymmetry_is_claimed_only_beyond_the_uncertainty():
    w = gauss(3, 0.8)
    w[0, 0] += 0.004  # as a median's best linear kernel differs from one image to the next
    assert has(notes_for(w, np.full((3, 3), 1e-5)), "not symmetric")
    calm = notes_for(w, np.full((3, 3), 0.003))
    assert not has(calm, "not symmetric") and has(calm, "symmetric in every direction"), calm


def test_edge_and_identity_and_brightness_words():
    assert has(notes_for([[0, 1, 0], [1, -4, 1], [0, 1, 0]]), "an edge or emboss filter")
    assert has(notes_for(np.pad([[1.0]], 1)), "close to the identity")
    assert has(notes_for(gauss(3, 0.8) * 1.3), "brightens")
    assert has(notes_for(gauss(3, 0.8) * 0.7), "darkens")
    assert has(notes_for(gauss(3, 0.8)), "keeps brightness")


def test_residual_pattern_words():
    rng = np.random.default_rng(0)
    after = rng.uniform(0, 255, (64, 64))
    curve = 0.002 * (after - 128) ** 2 - 10  # the residual follows the brightness
    assert "tone curve" in residual_pattern(curve, after)
    local = rng.normal(0, 5, (64, 64))
    assert "local" in residual_pattern(local, after)
    two = np.where(after > 128, 255.0, 0.0)
    assert "threshold" in residual_pattern(local, two)


@pytest.mark.parametrize("shape", [(200, 240, 3), (JPEG_ROWS + 300, 400, 3), (2 * JPEG_ROWS, 96)])
def test_jpeg_blocks_are_seen_in_small_residuals_and_in_strips_of_large_ones(shape):
    rng = np.random.default_rng(shape[0])
    noise = rng.normal(0, 1, shape)
    assert not looks_like_jpeg(noise)
    # A step at every 8x8 block edge, as JPEG's block-by-block error makes: each block's
    # own offset, on the same noise.
    blocks = rng.normal(0, 1, (shape[0] // 8 + 1, shape[1] // 8 + 1))
    offsets = np.kron(blocks, np.ones((8, 8)))[: shape[0], : shape[1]]
    blocky = noise + (offsets[:, :, None] if len(shape) == 3 else offsets)
    assert looks_like_jpeg(blocky)
    # Out of phase with the 8x8 grid (shifted by 4 pixels) it is not JPEG's either.
    assert not looks_like_jpeg(np.roll(np.roll(blocky, 4, axis=0), 4, axis=1))
