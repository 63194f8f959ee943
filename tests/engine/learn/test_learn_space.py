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
