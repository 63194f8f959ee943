"""G'MIC inline matrices read as G'MIC reads them, and giving G'MIC's results.

The fixtures in tests/data/gmic/ were made by G'MIC 2.9.4 itself (make_fixtures.py there
lists the commands): ``correlate`` with boundary 1 (edge pixels repeated), kept as float.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from workbench.engine import apply_kernel
from workbench.engine.library import KernelFileError, parse_kernel_text

DATA = Path(__file__).parents[2] / "data" / "gmic"
MATRICES = {
    "row9": "(1,2,3,4,5,6,7,8,9)",
    "row3": "(1,-2,1)",
    "laplace": "(0,1,0;1,-4,1;0,1,0)",
    "skew": "(1,2,0;0,1,0;0,0,1)",
    "short-rows": "(1,2,3;4,5;6)",
}


def gray() -> np.ndarray:
    return np.asarray(Image.open(DATA / "gray.png"))


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("(0,1,0)", (1, 3)),
        ("(1,-2,1)", (1, 3)),
        ("(1,2,3,4,5,6,7,8,9)", (1, 9)),
        ("(1;2;3)", (3, 1)),
        ("(0,1,0;1,-4,1;0,1,0)", (3, 3)),
        ("(1,2,3;4,5;6)", (3, 3)),
    ],
)
def test_gmic_shapes(text, shape):
    # G'MIC 2.9.4 prints these sizes for `gmic TEXT print` (width x height swapped here).
    assert parse_kernel_text(text).shape == shape


def test_gmic_pads_short_rows_with_zeros():
    np.testing.assert_array_equal(
        parse_kernel_text("(1,2,3;4,5;6)").weights, [[1, 2, 3], [4, 5, 0], [6, 0, 0]]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(1,2,3,4)", "width 4 is even"),
        ("(1,2;3,4)", "height 2 is even"),
        ("(1,,2)", "row 1, column 2 of the matrix is empty"),
        ("(1,2;)", "row 2, column 1 of the matrix is empty"),
        ("(1,2/3,4)", "'/' .next slice. makes a 3-D"),
        ("(1^2^3)", "'\\^' .next channel."),
        ("(1,x,1)", "'x' is not a number"),
    ],
)
def test_gmic_refusals(text, message):
    with pytest.raises(KernelFileError, match=message):
        parse_kernel_text(text)


@pytest.mark.parametrize("name", sorted(MATRICES))
def test_correlation_matches_gmic(name):
    kernel = parse_kernel_text(MATRICES[name])
    ours = apply_kernel(gray().astype(np.float32), kernel, border="nearest")
    theirs = tifffile.imread(DATA / f"correlate-{name}.tif")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


def test_gmic_convolve_is_the_flipped_kernel():
    # G'MIC's `convolve` flips the mask; the same matrix turned half a turn gives it here.
    kernel = parse_kernel_text(MATRICES["skew"])
    theirs = tifffile.imread(DATA / "convolve-skew.tif")
    image = gray().astype(np.float32)
    flipped = apply_kernel(image, kernel.rotated(2), border="nearest")
    np.testing.assert_allclose(flipped, theirs, rtol=1e-5, atol=1e-3)
    assert np.abs(apply_kernel(image, kernel, border="nearest") - theirs).max() > 10
