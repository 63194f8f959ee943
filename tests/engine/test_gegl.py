"""Linear light against GIMP's own engine: GEGL outputs kept as fixtures in tests/data/gegl-linear.

The fixtures were made by ``tests/data/gegl-linear/make_fixtures.py`` (commands in COMMANDS.txt,
version in VERSION.txt); no test runs GEGL.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import Kernel, apply_kernel

DATA = Path(__file__).resolve().parents[1] / "data" / "gegl-linear"

#: The kernels make_fixtures.py gave gegl:convolution-matrix (offset on GEGL's 0..1 scale).
MATRICES = {
    "blur": ([[1, 2, 1], [2, 4, 2], [1, 2, 1]], 16, 0.0),
    "sharpen": ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 1, 0.0),
    "edge": ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], 1, 0.5),
    "emboss": ([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], 1, 0.0),
}


def load(name: str) -> np.ndarray:
    return np.array(Image.open(DATA / name)).astype(np.int32)


@pytest.mark.parametrize("name", sorted(MATRICES))
def test_linear_light_matches_gegl_convolution_matrix(name):
    rows, divisor, offset = MATRICES[name]
    before = load("train.png").astype(np.uint8)
    gegl = load(f"train-{name}.png")
    kernel = Kernel(rows, divisor=divisor, offset=offset * 255, border="nearest", space="linear")
    ours = apply_kernel(before, kernel).astype(np.int32)
    assert np.max(np.abs(ours - gegl)[2:-2, 2:-2]) <= 1  # the interior, within 1 level
    assert np.mean(ours == gegl) > 0.7  # GEGL rounds its 8-bit encoding its own way
    # On the stored values, as done before linear light existed, it is far off.
    stored = apply_kernel(before, kernel.replace(space="perceptual")).astype(np.int32)
    assert np.max(np.abs(stored - gegl)[2:-2, 2:-2]) > 10
