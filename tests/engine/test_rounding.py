"""Integer results round half up, as ImageJ, G'MIC and GIMP do; OpenCV differs on ties.

The G'MIC and ImageJ fixtures (tests/data/gmic, tests/data/imagej, with the commands that
made them) are blurs whose exact results end in .5 at many pixels, so a different tie rule
shows as a 1-level difference there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from workbench.engine import Kernel, apply_kernel

DATA = Path(__file__).parents[1] / "data"


def read(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def exact_ties(image: np.ndarray, kernel: Kernel) -> int:
    """How many results of ``kernel`` on ``image`` are exactly halfway between two levels."""
    exact = apply_kernel(image.astype(np.float32), kernel)
    return int(np.count_nonzero(exact - np.floor(exact) == 0.5))


@pytest.mark.parametrize(
    ("fixture", "kernel"),
    [
        ("gmic/round-quarter.png", Kernel([[1, 2, 1]], divisor=4, border="nearest")),
        ("gmic/round-half.png", Kernel([[1, 1, 0]], divisor=2, border="nearest")),
        ("imagej/ij-gaussian-8-bit.png", Kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]], divisor=16)),
    ],
)
def test_ties_round_up_as_gmic_and_imagej(fixture, kernel):
    image = read(DATA / "gmic" / "gray.png")
    kernel = kernel.replace(border="nearest")
    assert exact_ties(image, kernel) > 20  # the fixture can tell the rules apart
    np.testing.assert_array_equal(apply_kernel(image, kernel), read(DATA / fixture))


def test_ties_round_up_for_16_bit_and_with_an_offset():
    image = np.array([[1, 3, 5, 65534, 65535]], np.uint16)
    assert apply_kernel(image, [[0.5]]).tolist() == [[1, 2, 3, 32767, 32768]]
    with_offset = Kernel([[0.5]], offset=0.5 / 257)  # half a level of 16 bits
    assert apply_kernel(image, with_offset).tolist() == [[1, 2, 3, 32768, 32768]]


def test_opencv_filter2d_rounds_ties_to_even_instead():
    # Checked before choosing the rule: OpenCV's saturate_cast rounds half to even, so on
    # exact ties it is one level below ImageJ, G'MIC and this engine on odd halves.
    cv2 = pytest.importorskip("cv2")
    image = np.arange(0, 40, dtype=np.uint8).reshape(4, 10)
    theirs = cv2.filter2D(image, -1, np.array([[0.5]], np.float32))
    np.testing.assert_array_equal(theirs, np.rint(image * 0.5))
    ours = apply_kernel(image, [[0.5]])
    np.testing.assert_array_equal(ours, np.floor(image * 0.5 + 0.5))
    assert np.count_nonzero(ours != theirs) == 10  # the odd halves 0.5, 2.5, 4.5...
