"""The learner knows the working space: GEGL-made pairs are learned in linear light."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import Kernel, LearnError, apply_kernel, fit_kernel, load_kernel, save_kernel

DATA = Path(__file__).resolve().parents[2] / "data" / "gegl-linear"


def load(name: str) -> np.ndarray:
    return np.array(Image.open(DATA / name))


def psnr(a: np.ndarray, b: np.ndarray, margin: int = 8) -> float:
    error = (a.astype(np.float64) - b)[margin:-margin, margin:-margin]
    return float(20 * np.log10(255 / np.sqrt(np.mean(error**2))))


@pytest.mark.parametrize("name", ["gaussian", "unsharp", "emboss"])
def test_a_gegl_pair_is_learned_in_linear_light_and_reproduces_gegl_elsewhere(name, tmp_path):
    result = fit_kernel([(load("train.png"), load(f"train-{name}.png"))], "auto")
    assert result.kernel.space == "linear"
    assert result.report.space == "linear"
    assert "Made in linear light, as GIMP does" in result.report.summary()
    # The file records the space: applying it needs no option to reproduce GEGL.
    save_kernel(result.kernel, tmp_path / "learned.json")
    kernel = load_kernel(tmp_path / "learned.json")
    assert kernel.space == "linear"
    reproduced = apply_kernel(load("other.png"), kernel.replace(border="nearest"))
    assert psnr(reproduced, load(f"other-{name}.png")) >= 55
    # The same pair learned on the stored values is far worse: the choice matters.
    stored = fit_kernel([(load("train.png"), load(f"train-{name}.png"))], 5, space="perceptual")
    assert stored.kernel.space == "perceptual"
    reproduced = apply_kernel(load("other.png"), stored.kernel.replace(border="nearest"))
    assert psnr(reproduced, load(f"other-{name}.png")) < 50


def test_a_pair_made_on_the_stored_values_is_learned_on_them():
    before = load("train.png")
    kernel = Kernel([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], border="nearest")
    after = apply_kernel(before, kernel)
    result = fit_kernel([(before, after)], 3)
    assert result.kernel.space == "perceptual"
    assert "Made on the stored values, as Photoshop, ImageJ and OpenCV do" in (
        result.report.summary()
    )
    np.testing.assert_allclose(result.kernel.effective_weights(), kernel.weights, atol=0.02)
    forced = fit_kernel([(before, after)], 3, space="linear")
    assert forced.kernel.space == "linear"
    assert forced.report.space_note.startswith("Made in linear light")
    with pytest.raises(LearnError, match="space"):
        fit_kernel([(before, after)], 3, space="gamma")


def test_auto_keeps_the_space_that_can_be_fitted():
    # A faint float pair: in linear light almost every after value looks clipped at black,
    # so that fit is refused; auto still learns it on the stored values.
    before = load("train.png").astype(np.float32) / 255
    after = before * np.float32(0.02)
    result = fit_kernel([(before, after)], 1)
    assert result.kernel.space == "perceptual"
    np.testing.assert_allclose(result.kernel.weights, [[0.02]], atol=1e-4)


def test_dark_pixels_of_a_linear_light_pair_are_not_taken_for_clipped():
    # Stored levels 2..40 are 0.0006..0.02 in linear light: below "level 1" on a 0..255
    # scale of linear values, but not clipped. The clipping levels are stored levels.
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:160, 0:160]
    before = (2 + 38 * (0.5 + 0.5 * np.sin(x / 7.0) * np.cos(y / 5.0)))[:, :, None]
    before = np.clip(before + rng.normal(0, 2, (160, 160, 3)), 0, 255).astype(np.uint8)
    blur = Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16, space="linear", border="reflect")
    after = apply_kernel(before, blur)
    result = fit_kernel([(before, after)], 3, space="linear")
    assert result.report.excluded.get("clipped", 0) == 0
    learned = result.kernel.effective_weights()
    np.testing.assert_allclose(learned, blur.effective_weights(), atol=0.01)


def photo(h: int, w: int, seed: int) -> np.ndarray:
    """Smooth random structure with texture, 8-bit RGB: something a kernel can be learned on."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((h // 16 + 2, w // 16 + 2, 3))
    big = np.kron(coarse, np.ones((16, 16, 1)))[:h, :w]
    fine = rng.normal(0, 0.08, (h, w, 3))
    return (np.clip(big + fine, 0, 1) * 255).round().astype(np.uint8)


def test_the_space_is_chosen_on_strips_of_rows_of_large_images_as_the_whole_would_give():
    from workbench.engine.learn import fit as fitting
    from workbench.engine.learn.pairs import REASONS, check_pairs, pixel_masks
    from workbench.engine.learn.report import residual_image
    from workbench.engine.progress import Reporter

    before = photo(600, 800, seed=3)
    kernel = Kernel(np.outer([1, 2, 1], [1, 2, 1]), divisor=16, space="linear")
    after = apply_kernel(before, kernel.replace(border="reflect"))
    (pair,) = check_pairs([(before, after)])
    trial = Kernel([[0, -1, 0], [-1, 6, -1], [0, -1, 0]], divisor=2)
    reporter = Reporter(None, None)
    sampled, residual = fitting._stored_error(trial, [pair], 4, reporter, None, 100_000)
    assert residual is None  # 1.44 M usable values: measured on strips
    # Independently: the whole image's residual, read on the same rows.
    whole = residual_image(pair, trial, reporter, None)
    masks = pixel_masks(pair, 1, 4, True, dict.fromkeys(REASONS, 0))
    rows = np.zeros(600, bool)
    for y0, y1 in fitting._strip_rows(600, 4, 100_000 / sum(int(m.sum()) for m in masks)):
        rows[y0:y1] = True
    assert 8 * 2 <= rows.sum() <= 600 // 10  # 8 strips, about 7 % of the rows
    picked = np.concatenate([whole[:, :, c][m & rows[:, None]] for c, m in enumerate(masks)])
    assert sampled == pytest.approx(float(np.sqrt(np.mean(picked.astype(np.float64) ** 2))))
    full, residual = fitting._stored_error(trial, [pair], 4, reporter, None)
    np.testing.assert_array_equal(residual, whole)
    assert sampled == pytest.approx(full, rel=0.2)  # a sample of the same image


@pytest.mark.parametrize("made", ["perceptual", "linear"])
def test_auto_on_a_large_pair_picks_the_space_it_was_made_in(made, monkeypatch):
    from workbench.engine.learn import fit as fitting

    monkeypatch.setattr(fitting, "CHOICE_VALUES", 50_000)  # strips on a small test image
    before = photo(300, 400, seed=5)
    after = apply_kernel(before, Kernel(np.outer([1, 2, 1], [1, 2, 1]), divisor=16), space=made)
    result = fit_kernel([(before, after)], 3)
    assert result.kernel.space == made
    assert "strips of rows" in result.report.space_note
    # The kept fit's own error and residual are the whole image's.
    assert result.report.residual.shape == (300, 400, 3)
